"""Torch datasets over the procedural worlds, for the VAE and DiT trainers.

- ``MixedVideoDataset``: infinite stream of single samples, fixed ``frames`` and
  ``size`` (so the default collate works), worlds mixed by ``weights``.
- ``MixedBatchDataset``: infinite stream of whole batches; every batch has one T
  (drawn from ``frame_choices``, e.g. ``{17: 0.8, 1: 0.2}`` for joint image/video
  training) and one spatial size.  Use with ``DataLoader(ds, batch_size=None)``.
- ``eval_samples(n, ...)``: fixed, deterministic list from the held-out splits.

Samples are dicts: ``video`` float32 tensor [3,T,H,W] in [-1, 1] (``x/255*2-1``),
``caption`` str, ``world`` (a ``WORLDS`` key), ``seed`` int, and ``meta`` (dict)
when ``with_meta=True`` (then use ``collate`` or ``batch_size=None``).

Seeding: each DataLoader worker draws clip seeds from
``np.random.default_rng([seed, worker_id, num_workers])``; with ``num_workers=0``
the stream is the same as worker 0 of 1.  Identical arguments give identical
streams.
"""
from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from . import photo_clips, shapes_world
from .shapes_world import Clip

WORLDS: dict[str, Callable[..., Clip]] = {
    'shapes': shapes_world.make_clip,
    # emphasis world: single objects that move left/right/up/down (the motions the model reads least)
    'shapes_directional': partial(shapes_world.make_clip, motions=shapes_world.DIRECTIONS),
    # emphasis world: single circles (the shape the model draws least, and the issue's own prompt)
    'shapes_circles': partial(shapes_world.make_clip, shapes=('circle',)),
    'photo': photo_clips.make_camera_clip,
    # emphasis world: camera zooms only (the camera motion the model reads least)
    'photo_zoom': partial(photo_clips.make_camera_clip, motions=photo_clips.ZOOMS),
}
DEFAULT_WEIGHTS: dict[str, float] = {'shapes': 0.6, 'photo': 0.4}


def video_to_tensor(video: np.ndarray) -> torch.Tensor:
    """uint8 [T,H,W,3] -> float32 [3,T,H,W] in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(video)).permute(3, 0, 1, 2).float()
    return x.mul_(2.0 / 255.0).sub_(1.0)


def tensor_to_video(x: torch.Tensor) -> np.ndarray:
    """float [3,T,H,W] in [-1, 1] -> uint8 [T,H,W,3] (for viewing / saving)."""
    x = ((x.detach().float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return x.permute(1, 2, 3, 0).cpu().numpy()


def random_crop(clip: Clip, crop: int, rng: np.random.Generator, object_bias: float = 0.9
                ) -> tuple[np.ndarray, tuple[int, int]]:
    """Same spatial crop for every frame.  For shapes clips, with probability
    ``object_bias`` the crop is chosen so that the first object's mean centre lies
    inside it (a pure-background crop teaches an autoencoder nothing).  Returns the
    cropped video and the (x0, y0) offset."""
    T, H, W, _ = clip.video.shape
    if crop > H or crop > W:
        raise ValueError(f'crop {crop} larger than clip {H}x{W}')
    if crop == H and crop == W:
        return clip.video, (0, 0)
    xlo, xhi, ylo, yhi = 0, W - crop, 0, H - crop
    objs = clip.meta.get('objects') if isinstance(clip.meta, dict) else None
    if objs and rng.random() < object_bias:
        c = np.asarray(objs[int(rng.integers(len(objs)))]['center'], dtype=np.float64).mean(axis=0)
        m = min(8, crop // 4)
        xlo, xhi = max(0, int(c[0]) + m - crop), min(W - crop, int(c[0]) - m)
        ylo, yhi = max(0, int(c[1]) + m - crop), min(H - crop, int(c[1]) - m)
        if xlo > xhi or ylo > yhi:
            xlo, xhi, ylo, yhi = 0, W - crop, 0, H - crop
    x0 = int(rng.integers(xlo, xhi + 1))
    y0 = int(rng.integers(ylo, yhi + 1))
    return clip.video[:, y0:y0 + crop, x0:x0 + crop], (x0, y0)


def _normalize_weights(weights: dict[str, float] | None) -> tuple[list[str], np.ndarray]:
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    names = [k for k, v in w.items() if v > 0]
    for k in names:
        if k not in WORLDS:
            raise ValueError(f'unknown world {k!r}; known: {sorted(WORLDS)}')
    p = np.array([w[k] for k in names], dtype=np.float64)
    if not len(p) or p.sum() <= 0:
        raise ValueError('weights must have a positive entry')
    return names, p / p.sum()


def _worker_rng(seed: int) -> np.random.Generator:
    info = get_worker_info()
    wid, nw = (info.id, info.num_workers) if info is not None else (0, 1)
    return np.random.default_rng([int(seed), wid, nw])


def make_sample(world: str, clip_seed: int, frames: int, size: int, split: str, crop: int | None,
                rng: np.random.Generator, with_meta: bool = False) -> dict:
    clip = WORLDS[world](clip_seed, frames=frames, size=size, split=split)
    video = clip.video
    offset = (0, 0)
    if crop is not None and crop < size:
        video, offset = random_crop(clip, crop, rng)
    out = {'video': video_to_tensor(video), 'caption': clip.caption, 'world': world, 'seed': int(clip_seed)}
    if with_meta:
        meta = dict(clip.meta)
        meta['crop_offset'] = offset
        out['meta'] = meta
    return out


def collate(samples: list[dict]) -> dict:
    """Stack videos, keep everything else as lists (metas are ragged)."""
    out = {'video': torch.stack([s['video'] for s in samples])}
    for k in samples[0]:
        if k != 'video':
            out[k] = [s[k] for s in samples]
    return out


class MixedVideoDataset(IterableDataset):
    """Infinite stream of samples with fixed T (``frames``) and spatial size.

    ``size``: render resolution (objects scale with it).  ``crop``: optional random
    crop (e.g. 64 from 128) for fast autoencoder training at full object detail;
    captions are not adjusted, so prefer ``size`` (not ``crop``) for text-to-video.
    ``frames=1`` gives images (T=1).
    """

    def __init__(self, frames: int = 17, size: int = 128, crop: int | None = None,
                 weights: dict[str, float] | None = None, split: str = 'train', seed: int = 0,
                 with_meta: bool = False, preload: bool = True):
        super().__init__()
        self.frames, self.size, self.crop = int(frames), int(size), crop
        self.names, self.p = _normalize_weights(weights)
        self.split, self.seed, self.with_meta = split, int(seed), with_meta
        if preload and 'photo' in self.names:
            photo_clips.preload(self.size, split)

    def __iter__(self) -> Iterator[dict]:
        rng = _worker_rng(self.seed)
        while True:
            world = self.names[int(rng.choice(len(self.names), p=self.p))]
            clip_seed = int(rng.integers(0, 2**31 - 1))
            yield make_sample(world, clip_seed, self.frames, self.size, self.split, self.crop, rng,
                              self.with_meta)


class MixedBatchDataset(IterableDataset):
    """Infinite stream of batches with one T and one size per batch.

    ``frame_choices``: {T: probability}, e.g. ``{17: 1.0}`` (video only) or
    ``{17: 0.75, 1: 0.25}`` (joint image/video).  ``image_batch_size`` lets T=1
    batches be larger (images are cheap).  Yields ``collate``d dicts:
    ``video`` [B,3,T,H,W], ``caption`` list[str], ``world`` list[str], ``seed``
    list[int] (+ ``meta`` list[dict] with ``with_meta``).
    """

    def __init__(self, batch_size: int, frame_choices: dict[int, float] | None = None, size: int = 128,
                 crop: int | None = None, weights: dict[str, float] | None = None, split: str = 'train',
                 seed: int = 0, image_batch_size: int | None = None, with_meta: bool = False,
                 preload: bool = True):
        super().__init__()
        self.batch_size = int(batch_size)
        self.image_batch_size = int(image_batch_size or batch_size)
        fc = frame_choices or {17: 1.0}
        self.t_values = [int(t) for t in fc]
        pt = np.array([fc[t] for t in fc], dtype=np.float64)
        self.t_p = pt / pt.sum()
        self.size, self.crop = int(size), crop
        self.names, self.p = _normalize_weights(weights)
        self.split, self.seed, self.with_meta = split, int(seed), with_meta
        if preload and 'photo' in self.names:
            photo_clips.preload(self.size, split)

    def __iter__(self) -> Iterator[dict]:
        rng = _worker_rng(self.seed)
        while True:
            T = self.t_values[int(rng.choice(len(self.t_values), p=self.t_p))]
            B = self.image_batch_size if T == 1 else self.batch_size
            samples = []
            for _ in range(B):
                world = self.names[int(rng.choice(len(self.names), p=self.p))]
                clip_seed = int(rng.integers(0, 2**31 - 1))
                samples.append(make_sample(world, clip_seed, T, self.size, self.split, self.crop, rng,
                                           self.with_meta))
            yield collate(samples)


def eval_samples(n: int, frames: int = 17, size: int = 128, weights: dict[str, float] | None = None,
                 with_meta: bool = True) -> list[dict]:
    """``n`` deterministic held-out samples (split='eval'), worlds interleaved by
    ``weights``: world i gets round(n * p_i) samples with clip seeds 0, 1, ..."""
    names, p = _normalize_weights(weights)
    counts = np.floor(p * n).astype(int)
    counts[0] += n - counts.sum()
    rng = np.random.default_rng(0)
    out = []
    for name, c in zip(names, counts):
        for s in range(int(c)):
            out.append(make_sample(name, s, frames, size, 'eval', None, rng, with_meta))
    return out
