"""Per-channel latent normalisation for the DiT: x = (z − shift[c]) / scale[c], z = the VAE graphs' scaled latent
(posterior · 0.18215, spec §2.4).

Why: upstream's WFVAEModelWrapper computes (z − shift) · scale with per-channel values from the VAE config; v1.3's
released VAE uses the defaults (0, 0.18215), tuned for *its* latents. Our small WF-VAE's latents scaled by 0.18215
have std ≈ 0.30 (per channel 0.15–0.39, means ±0.2), so the diffusion schedule's SNR is ~11× lower than designed and
the first bundled DiT learned backgrounds but no objects (docs/EXPERIMENTS.md, "The CPU runs of the DiT"). Measuring the
per-channel mean/std on training latents and normalising to zero mean / unit variance is the same wrapper mechanism
with values fitted to our VAE (as SD3/Flux VAEs ship a shift and scale). The VAE ONNX graphs keep the 0.18215
interface; the engine applies this affine between the sampler and the VAE (manifest `vae.latentNorm`).

    /usr/bin/python3 -m training.latent_norm --out training/checkpoints/latent_norm.json
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch


def to_dit(z: torch.Tensor, norm: dict | None) -> torch.Tensor:
    """VAE-scaled latent [B, C, T, h, w] → DiT latent (identity when norm is None)."""
    if not norm:
        return z
    s = torch.tensor(norm["shift"], dtype=z.dtype, device=z.device).view(1, -1, 1, 1, 1)
    k = torch.tensor(norm["scale"], dtype=z.dtype, device=z.device).view(1, -1, 1, 1, 1)
    return (z - s) / k


def to_vae(x, norm: dict | None):
    """DiT latent → VAE-scaled latent (torch or numpy, [B, C, T, h, w])."""
    if not norm:
        return x
    if isinstance(x, np.ndarray):
        s = np.asarray(norm["shift"], dtype=x.dtype).reshape(1, -1, 1, 1, 1)
        k = np.asarray(norm["scale"], dtype=x.dtype).reshape(1, -1, 1, 1, 1)
    else:
        s = torch.tensor(norm["shift"], dtype=x.dtype, device=x.device).view(1, -1, 1, 1, 1)
        k = torch.tensor(norm["scale"], dtype=x.dtype, device=x.device).view(1, -1, 1, 1, 1)
    return x * k + s


@torch.no_grad()
def measure(vae, clips: int = 256, size: int = 64, frames=(17, 1), seed: int = 0, weights=None) -> dict:
    """Per-channel mean/std of posterior-sampled scaled latents over training clips (the DiT's x0 distribution)."""
    from training.data.datasets import _normalize_weights, make_sample
    from training.dit_release import encode_latents
    names, p = _normalize_weights(weights)
    rng = np.random.default_rng([seed, 4242])
    gen = torch.Generator().manual_seed(seed)
    s1 = s2 = None
    n = 0
    t0 = time.process_time()
    for i in range(clips):
        t = frames[i % len(frames)]
        world = names[int(rng.choice(len(names), p=p))]
        v = make_sample(world, int(rng.integers(0, 2 ** 31 - 1)), t, size, "train", None, rng)["video"][None]
        z = encode_latents(vae, v, gen).double()
        zc = z.transpose(0, 1).reshape(z.shape[1], -1)
        s1 = zc.sum(1) if s1 is None else s1 + zc.sum(1)
        s2 = (zc * zc).sum(1) if s2 is None else s2 + (zc * zc).sum(1)
        n += zc.shape[1]
    mean = s1 / n
    std = (s2 / n - mean * mean).clamp_min(1e-12).sqrt()
    return {"shift": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in std],
            "formula": "x_dit = (z_scaled - shift[c]) / scale[c];  z_scaled = posterior * 0.18215",
            "measured_on": {"clips": clips, "size": size, "frames": list(frames), "seed": seed,
                            "weights": dict(zip(names, [float(v) for v in p])), "cells_per_channel": n,
                            "cpu_seconds": round(time.process_time() - t0, 1)}}


def load(path: str | None) -> dict | None:
    if not path:
        return None
    with open(path) as f:
        d = json.load(f)
    return {"shift": d["shift"], "scale": d["scale"]}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="training/checkpoints/latent_norm.json")
    ap.add_argument("--clips", type=int, default=256)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from training.dit_release import load_vae
    vae, _ = load_vae()
    res = measure(vae, args.clips, args.size, seed=args.seed)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
