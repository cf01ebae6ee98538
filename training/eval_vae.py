"""Evaluate the tiny WF-VAE: PSNR / SSIM on held-out synthetic, photo camera-motion and real camera clips.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.eval_vae [--ckpt training/checkpoints/wfvae_tiny.pt]
        [--sets shapes,photo,real] [--n 16] [--frames 17] [--size 128] [--png docs/vae-reconstructions.png]

Writes docs/eval/vae_<set>.json (one per set) and a side-by-side image (originals above reconstructions).
Reconstruction = decode(posterior mean), fp32, one-shot; PSNR over the whole clip on [0, 1] pixels (after
clamping and uint8 rounding, as a viewer sees it), SSIM per frame (Gaussian window 11 / sigma 1.5, on RGB,
scikit-image, data range 1) averaged. Timings are PyTorch CPU (2 threads) per clip and depend on machine load.
"""
import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training.models.wfvae import count_params


def load(ckpt):
    from training.train_vae import load_release  # the .pt, or its rebuild from the shipped vae_*.weights
    return load_release(ckpt)


def clips_for(name, n, frames, size):
    if name == "shapes":
        from training.data.shapes_world import make_clip
        return [(f"shapes eval seed {s}", make_clip(s, frames, size, "eval").video) for s in range(n)]
    if name == "photo":
        from training.data.photo_clips import make_camera_clip
        out = []
        for s in range(n):
            c = make_camera_clip(s, frames, size, "eval")
            out.append((f"photo eval seed {s}: {os.path.basename(c.meta['photo'])} {c.meta['motion']}", c.video))
        return out
    if name == "real":
        from training.data.real_video import real_eval_clips
        return [(f"{os.path.basename(c.meta['source'])} @{c.meta['start_frame']}", c.video)
                for c in real_eval_clips(size, frames)]
    raise ValueError(name)


def to_tensor(v):
    return torch.from_numpy(np.ascontiguousarray(v)).float().permute(3, 0, 1, 2)[None] / 127.5 - 1.0


def to_u8(x):
    return ((x[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 3, 0).numpy()


def psnr_u8(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2) / 255.0 ** 2
    return 10 * math.log10(1.0 / max(mse, 1e-12))


def ssim_u8(a, b):
    from skimage.metrics import structural_similarity
    return float(np.mean([structural_similarity(a[t], b[t], channel_axis=-1, data_range=255, gaussian_weights=True,
                                                sigma=1.5, use_sample_covariance=False) for t in range(len(a))]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="training/checkpoints/wfvae_tiny.pt")
    ap.add_argument("--sets", default="shapes,photo,real")
    ap.add_argument("--n", type=int, default=16, help="clips per synthetic set (real: all clips)")
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--out", default="docs/eval")
    ap.add_argument("--png", default="docs/vae-reconstructions.png")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    m, meta = load(args.ckpt)
    os.makedirs(args.out, exist_ok=True)
    cmd = "OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.eval_vae " + " ".join(sys.argv[1:])
    tiles = []
    for name in args.sets.split(","):
        clips = clips_for(name, args.n, args.frames, args.size)
        rows, enc_t, dec_t = [], [], []
        for i, (label, v) in enumerate(clips):
            x = to_tensor(v)
            with torch.no_grad():
                t0 = time.perf_counter()
                z = m.encode(x).mode()
                t1 = time.perf_counter()
                y = m.decode(z)
                t2 = time.perf_counter()
            r = to_u8(y)
            enc_t.append(t1 - t0)
            dec_t.append(t2 - t1)
            rows.append({"clip": label, "psnr": round(psnr_u8(v, r), 3), "ssim": round(ssim_u8(v, r), 4)})
            if i in (0, len(clips) // 2):
                tiles.append((name, v, r))
        res = {
            "set": name, "command": cmd, "checkpoint": args.ckpt, "train_step": meta.get("step"),
            "train_cpu_seconds": meta.get("cpu_seconds"), "config": meta["config"],
            "params": count_params(m), "clips": len(rows), "frames": args.frames, "size": args.size,
            "psnr_mean": round(float(np.mean([r["psnr"] for r in rows])), 3),
            "ssim_mean": round(float(np.mean([r["ssim"] for r in rows])), 4),
            "encode_s_per_clip": round(float(np.median(enc_t)), 4),
            "decode_s_per_clip": round(float(np.median(dec_t)), 4),
            "timing": "median PyTorch CPU fp32 seconds per clip, %d threads, one-shot, shared busy 2-core VM"
                      % args.threads,
            "per_clip": rows,
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        with open(os.path.join(args.out, f"vae_{name}.json"), "w") as f:
            json.dump(res, f, indent=1)
        print(f"{name:7s} clips {len(rows):3d} PSNR {res['psnr_mean']:.2f} dB SSIM {res['ssim_mean']:.4f} "
              f"enc {res['encode_s_per_clip']:.3f}s dec {res['decode_s_per_clip']:.3f}s", flush=True)
    if args.png:
        from PIL import Image
        idx = [0, args.frames - 1] if args.frames > 1 else [0]
        blocks = []
        for name, v, r in tiles:
            top = np.concatenate([v[t] for t in idx], axis=1)
            bot = np.concatenate([r[t] for t in idx], axis=1)
            blocks.append(np.concatenate([top, bot], axis=0))
        # two clips per set side by side, sets stacked
        rows = [np.concatenate(blocks[i:i + 2], axis=1) for i in range(0, len(blocks), 2)]
        w = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, 4), (0, w - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
        Image.fromarray(np.concatenate(rows, 0)).save(args.png, optimize=True)
        print("wrote", args.png, os.path.getsize(args.png) // 1024, "KB")


if __name__ == "__main__":
    main()
