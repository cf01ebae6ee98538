"""Same-shape training batches rendered in DataLoader worker processes (train_dit --data_workers N).

Why: one process renders ≈ 200 clips/s (17×64², shapes or photo), which is what two CPU ranks consume but a GPU
step eats thousands. Each worker runs its own train_dit.Batcher; the DataLoader hands batches out in worker order,
so worker w's shape sequence (seeded by (seed, w), not by rank) is the same on every rank and DDP ranks still see
one batch shape per step. Videos cross the process boundary as uint8 (a quarter of the float32 bytes) and become
exactly the floats video_to_tensor makes (x/255·2−1) on the training device. For the inpaint stage the workers also
draw the masks and condition-noise σ (≈ 0.1 s per 256 clips, too slow for the trainer's own loop), with the
curriculum position of the step that will use the batch.

Resuming restarts the worker streams from their seeds (not stream-exact, unlike the single-process Batcher).
"""
from __future__ import annotations

import multiprocessing
import queue
import threading

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info


def to_uint8(video: torch.Tensor) -> torch.Tensor:
    """[−1, 1] floats made by datasets.video_to_tensor → the uint8 they came from (exact)."""
    return ((video + 1.0) * 127.5).round_().clamp_(0, 255).to(torch.uint8)


def from_uint8(video: torch.Tensor, device) -> torch.Tensor:
    """uint8 → float32 [−1, 1] on `device`, bit-identical to datasets.video_to_tensor."""
    return video.to(device, non_blocking=True).float().mul_(2.0 / 255.0).sub_(1.0)


class MaskPlan:
    """What the workers need to draw inpaint masks: batch i of all workers is used from step start + i·reuse at
    the latest (adaptive reuse may take it sooner, so the mask curriculum then runs slightly ahead of the steps)."""

    def __init__(self, curriculum_steps: int, reuse: int, start_step: int, t2v_min: float):
        self.curriculum_steps, self.reuse, self.start_step, self.t2v_min = curriculum_steps, reuse, start_step, t2v_min

    def progress(self, batch_index: int) -> float:
        return min(1.0, (self.start_step + batch_index * self.reuse) / max(1, self.curriculum_steps))


class WorkerBatches(IterableDataset):
    def __init__(self, frame_choices, sizes, bs_video, bs_image, seed, rank, weights=None, masks: MaskPlan = None):
        self.args = (frame_choices, sizes, bs_video, bs_image)
        self.seed, self.rank, self.weights, self.masks = seed, rank, weights, masks

    def __iter__(self):
        from training import masks as MK
        info = get_worker_info()
        w, n = (info.id, info.num_workers) if info is not None else (0, 1)
        b = Batcher(*self.args, seed=self.seed * 1009 + w, rank=self.rank, weights=self.weights)
        rng = np.random.default_rng([self.seed, self.rank, w, 7])
        for i in range(w, 2 ** 62, n):  # global batch index (the loader yields workers round-robin)
            video, caps = b.next()
            mask = sigma = None
            if self.masks is not None:
                B, _, T, H, W = video.shape
                m, _, cur = MK.sample_masks(rng, B, T, H, W, self.masks.progress(i), self.masks.t2v_min)
                mask = (m >= 0.5).to(torch.uint8)
                if cur["condition_noise"]:
                    sigma = torch.from_numpy(MK.condition_sigma(rng, B).astype(np.float32))
            yield to_uint8(video), caps, mask, sigma


class ParallelBatcher:
    """Batcher's interface (next/state/load) over `workers` processes; next() → (uint8 video, captions, uint8 mask
    or None, condition σ [B] or None)."""

    def __init__(self, workers: int, frame_choices, sizes, bs_video, bs_image, seed, rank, weights=None,
                 pin_memory=False, masks: MaskPlan = None):
        ds = WorkerBatches(frame_choices, sizes, bs_video, bs_image, seed, rank, weights, masks)
        self.loader = DataLoader(ds, batch_size=None, num_workers=workers, persistent_workers=True,
                                 prefetch_factor=4, pin_memory=pin_memory)
        self.it = iter(self.loader)  # forks the workers now: before the trainer touches CUDA
        self.workers = workers
        self.ready: queue.Queue = queue.Queue(maxsize=2)
        self.closed = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        try:
            for item in self.it:
                self.ready.put(item)
        except Exception:
            if not self.closed:  # workers stopped by close() are no error
                raise

    def next(self, block: bool = True):
        """The next batch; with block=False None when none is ready yet (the trainer then reuses its last)."""
        try:
            return self.ready.get(block=block)
        except queue.Empty:
            return None

    def state(self):
        return {"workers": self.workers}

    def close(self):
        """Stop the workers now, not in the DataLoader's exit path, which joins each with a timeout. Why: a GPU leg
        cut by its call limit had spent over 60 s past its training deadline with no further log line, and what is
        not saved and copied out by the limit never comes back."""
        self.closed = True
        for p in multiprocessing.active_children():
            p.terminate()

    def load(self, s):
        pass


class Batcher:
    """Same-shape batches: the shape (T) is drawn from a RNG shared by all ranks; clips from a per-rank RNG."""

    def __init__(self, frame_choices, sizes, bs_video, bs_image, seed, rank, weights=None):
        from training.data.datasets import _normalize_weights, make_sample
        from training.data import photo_clips
        self.make_sample = make_sample
        self.names, self.p = _normalize_weights(weights)
        self.sizes = [int(s) for s in (sizes if isinstance(sizes, (list, tuple)) else [sizes])]
        if "photo" in self.names:
            for size in self.sizes:
                photo_clips.preload(size, "train")
        self.t_values = sorted(frame_choices)
        pt = np.array([frame_choices[t] for t in self.t_values], dtype=np.float64)
        self.t_p = pt / pt.sum()
        self.bs_video, self.bs_image = bs_video, bs_image
        self.shape_rng = np.random.default_rng([seed, 999])
        self.rng = np.random.default_rng([seed, rank])

    def state(self):
        return {"shape": self.shape_rng.bit_generator.state, "data": self.rng.bit_generator.state}

    def load(self, s):
        self.shape_rng.bit_generator.state = s["shape"]
        self.rng.bit_generator.state = s["data"]

    def next(self):
        t = self.t_values[int(self.shape_rng.choice(len(self.t_values), p=self.t_p))]
        size = self.sizes[int(self.shape_rng.integers(len(self.sizes)))]
        b = self.bs_image if t == 1 else self.bs_video
        b = max(1, round(b * (self.sizes[0] / size) ** 2))  # roughly constant tokens per batch (Min-Max token)
        vids, caps = [], []
        for _ in range(b):
            world = self.names[int(self.rng.choice(len(self.names), p=self.p))]
            s = self.make_sample(world, int(self.rng.integers(0, 2 ** 31 - 1)), t, size, "train", None, self.rng)
            vids.append(s["video"])
            caps.append(s["caption"])
        return torch.stack(vids), caps
