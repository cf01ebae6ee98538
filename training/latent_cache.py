"""Cached VAE latents for the DiT's inpaint stage: encode the data worlds once, train many times.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.latent_cache --out training/cache/lat64 --clips 20480 --nproc 2
    ... then train_dit --stage inpaint --latent_cache training/cache/lat64 ...

Why: on the 2-core VMs a 64² inpaint step spends ~2/3 of its time outside the DiT — two VAE encodes per clip (the
clip and its masked copy) and rendering the photo clips — so the denoiser saw ~11 clips/s. Reading cached latents
leaves only the DiT (measured: docs/EXPERIMENTS.md, "Cached-latent leg"). The price is finite data: each clip is seen
several times per run instead of once.

Each clip stores the VAE posterior (mean, std; × 0.18215, not latent-normalised, so a new `latent_norm.json` does not
invalidate a cache) of the clip and of ONE masked copy: a mask type drawn from the end of the spec §5.2 curriculum
without the all-masked type (with its condition noise on kept pixels), its compressed mask and its kind. Text-to-video
rows (all masked) need nothing per clip — the trainer mixes them in at its own rate with the zero clip's posterior —
so `--t2v_min` keeps its meaning. Training samples each posterior (mean + std·ε) as the uncached path does.

Layout: `<out>/meta.json` (size, frames, worlds, seed, VAE fingerprint, shard size) and `shard_XXXXX.pt`, each a
pure function of (seed, shard index): a build that stops is resumed by running it again, and ranks of a parallel
build take every world-th shard.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import time

import numpy as np
import torch

from training import diffusion as D
from training import masks as MK

SHARD = 256
COND_KINDS = tuple(k for k in MK.MASK_TYPES if k != "t2iv")


def cond_ratios() -> dict:
    """Mask-type probabilities of the cached condition: the curriculum's final phase without the all-masked type."""
    r = {k: v for k, v in MK.curriculum(1.0)["ratios"].items() if k != "t2iv" and v > 0}
    tot = sum(r.values())
    return {k: v / tot for k, v in r.items()}


def vae_fingerprint(vae) -> str:
    from training.checkpoint_from_onnx import state_fingerprint
    return state_fingerprint(vae.state_dict())


def _f16(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.float16).contiguous()


@torch.no_grad()
def build_shard(vae, index: int, seed: int, size: int, frames: int, weights: dict | None, n: int = SHARD) -> dict:
    """One shard: `n` clips of the training split, their posteriors and one masked-copy condition each."""
    from training.data.datasets import _normalize_weights, make_sample
    names, p = _normalize_weights(weights)
    rng = np.random.default_rng([seed, index, 0x1A7E])
    gen = torch.Generator().manual_seed(seed * 100003 + index)
    vids, caps, worlds, seeds = [], [], [], []
    for _ in range(n):
        world = names[int(rng.choice(len(names), p=p))]
        s = make_sample(world, int(rng.integers(0, 2 ** 31 - 1)), frames, size, "train", None, rng)
        vids.append(s["video"])
        caps.append(s["caption"])
        worlds.append(world)
        seeds.append(s["seed"])
    video = torch.stack(vids)
    cur = MK.curriculum(1.0)
    ratios = cond_ratios()
    kinds, ms = [], []
    for _ in range(n):
        k = MK.choose_type(rng, ratios)
        kinds.append(k)
        ms.append(MK.make_mask(k, frames, size, size, rng, cur["min_clear_ratio"], cur["max_clear_ratio"]))
    mask = torch.stack(ms).permute(0, 2, 1, 3, 4).contiguous()
    v_in = video
    if cur["condition_noise"]:
        v_in = MK.add_condition_noise(video, mask, MK.condition_sigma(rng, n), gen)
    out = {"mean": [], "std": [], "cond_mean": [], "cond_std": []}
    for i in range(0, n, 32):  # batches of 32: the encoder's best clips/s on one thread
        post = vae.encode(video[i:i + 32])
        cpost = vae.encode(MK.masked_video(v_in[i:i + 32], mask[i:i + 32]))
        out["mean"].append(post.mean * D.VAE_SCALE)
        out["std"].append(post.std * D.VAE_SCALE)
        out["cond_mean"].append(cpost.mean * D.VAE_SCALE)
        out["cond_std"].append(cpost.std * D.VAE_SCALE)
    shard = {k: _f16(torch.cat(v)) for k, v in out.items()}
    shard.update(cond_mask=_f16(MK.compress_mask(mask)), captions=caps, kinds=kinds, worlds=worlds, seeds=seeds,
                 index=index)
    return shard


def build(out: str, clips: int, size: int = 64, frames: int = 17, seed: int = 0, weights: dict | None = None,
          vae_path: str = "", rank: int = 0, world: int = 1, threads: int = 1, shard: int = SHARD, log=print):
    from training.dit_release import VAE_CKPT, load_vae
    torch.set_num_threads(threads)
    # "random": the seeded random-init VAE of train_dit --vae random (tests and smoke runs only)
    vae, _ = load_vae("", True) if vae_path == "random" else load_vae(vae_path or VAE_CKPT)
    meta = {"size": size, "frames": frames, "seed": seed, "weights": weights, "shard": shard,
            "vae": vae_path or VAE_CKPT, "vae_fingerprint": vae_fingerprint(vae), "latent_scale": D.VAE_SCALE,
            "cond_ratios": cond_ratios(), "condition_noise": MK.curriculum(1.0)["condition_noise"]}
    os.makedirs(out, exist_ok=True)
    mpath = os.path.join(out, "meta.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            old = json.load(f)
        if {k: old.get(k) for k in meta} != json.loads(json.dumps(meta)):
            raise SystemExit(f"{out} holds a cache built with other settings; use another --out")
    elif rank == 0:
        with open(mpath, "w") as f:
            json.dump(meta, f, indent=1)
    if "photo" in (weights or {"photo": 1}):
        from training.data import photo_clips
        photo_clips.preload(size, "train")
    n_shards = -(-clips // shard)
    t0 = time.time()
    for i in range(rank, n_shards, world):
        path = os.path.join(out, f"shard_{i:05d}.pt")
        if os.path.exists(path):
            continue
        data = build_shard(vae, i, seed, size, frames, weights, shard)
        torch.save(data, path + f".tmp{rank}")
        os.replace(path + f".tmp{rank}", path)
        log(f"[rank {rank}] shard {i + 1}/{n_shards} {time.time() - t0:.0f}s")


class LatentCache:
    """All shards of a cache in memory (fp16); `batch` draws clips with a caller's RNG."""

    def __init__(self, path: str, size: int | None = None, frames: int | None = None, vae=None):
        with open(os.path.join(path, "meta.json")) as f:
            self.meta = json.load(f)
        if size is not None and self.meta["size"] != size or frames is not None and self.meta["frames"] != frames:
            raise ValueError(f"cache {path} is {self.meta['size']}² × {self.meta['frames']} frames, "
                             f"not {size}² × {frames}")
        if vae is not None and vae_fingerprint(vae) != self.meta["vae_fingerprint"]:
            raise ValueError(f"cache {path} was encoded by another VAE")
        files = sorted(glob.glob(os.path.join(path, "shard_*.pt")))
        if not files:
            raise ValueError(f"cache {path} has no shards")
        shards = [torch.load(f) for f in files]
        self.tensors = {k: torch.cat([s[k] for s in shards]) for k in ("mean", "std", "cond_mean", "cond_std",
                                                                        "cond_mask")}
        self.captions = [c for s in shards for c in s["captions"]]
        self.kinds = [k for s in shards for k in s["kinds"]]

    def __len__(self):
        return len(self.captions)

    def batch(self, rng: np.random.Generator, b: int, generator=None):
        """→ (z [b, 8, t, h, w], cond_z, cond_mask [b, 4, t, h, w], captions): posterior samples, fp32, × 0.18215."""
        idx = torch.from_numpy(rng.integers(0, len(self), b))
        T = {k: v[idx].float() for k, v in self.tensors.items()}
        z = T["mean"] + T["std"] * torch.randn(T["mean"].shape, generator=generator)
        cz = T["cond_mean"] + T["cond_std"] * torch.randn(T["cond_mean"].shape, generator=generator)
        return z, cz, T["cond_mask"], [self.captions[i] for i in idx.tolist()]


class CachedBatcher:
    """train_dit's batch source over a cache: same `state`/`load` contract as its Batcher (per-rank RNG), and
    `next(b, generator, t2v_share, zero_posterior)` → (z, cond_z, cond_mask, captions): each row's condition is its
    cached masked copy, or — with probability t2v_share — all masked (the zero clip's posterior, mask 1)."""

    def __init__(self, cache: LatentCache, seed: int, rank: int):
        self.cache = cache
        self.rng = np.random.default_rng([seed, rank, 0xCAC4E])

    def state(self):
        return {"data": self.rng.bit_generator.state}

    def load(self, s):
        if "data" in s and s["data"].get("bit_generator") == type(self.rng.bit_generator).__name__:
            self.rng.bit_generator.state = s["data"]

    def next(self, b: int, generator, t2v_share: float, zero_posterior):
        z, cz, cm, caps = self.cache.batch(self.rng, b, generator)
        full = torch.from_numpy(self.rng.random(b) < t2v_share)
        if full.any():
            cz[full] = zero_posterior.sample(generator, n=int(full.sum())) * D.VAE_SCALE
            cm[full] = 1.0
        return z, cz, cm, caps


def _spawned(rank, world, kw):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    build(rank=rank, world=world, **kw)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--clips", type=int, default=20480)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--weights", default="", help='world weights as JSON (default: the data mix, shapes 0.6 / photo 0.4)')
    ap.add_argument("--vae", default="")
    ap.add_argument("--nproc", type=int, default=1)
    args = ap.parse_args(argv)
    kw = dict(out=args.out, clips=args.clips, size=args.size, frames=args.frames, seed=args.seed,
              weights=json.loads(args.weights) if args.weights else None, vae_path=args.vae)
    if args.nproc > 1:
        import torch.multiprocessing as mp
        mp.spawn(_spawned, args=(args.nproc, kw), nprocs=args.nproc, join=True)
    else:
        build(**kw)


if __name__ == "__main__":
    main()
