"""Measures the tiled VAE decode (training/tiled_vae.py): max abs error against the one-shot decode per unused margin
on the bundled VAE, and error + peak memory at larger sizes on a random-weight VAE. Prints and saves
docs/benchmarks/tiled-vae.json. Not a test: numbers for docs/BENCHMARKS.md and for choosing
export_vae_tiles.MARGIN.

Peak memory: each decode runs in its own process; peak = ru_maxrss after the decode − ru_maxrss before it (torch +
the model already loaded), i.e. what the decode itself added at its high-water mark.

Run: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.tiled_vae_report
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import torch


def _vae(kind: str):
    from training.models.wfvae import WFVAE, WFVAEConfig
    if kind == "bundled":
        from training import train_vae
        return train_vae.load_release()[0]
    torch.manual_seed(0)
    base = int(kind.split(":")[1])  # random:B
    return WFVAE(WFVAEConfig(base, base // 2, base, 2, 8, 2)).eval()


def child(a):
    """One decode in this process; prints {peak_bytes, seconds} and saves the video to a.out."""
    torch.set_num_threads(1)
    from training.tiled_vae import decode_tiled
    vae = _vae(a.vae)
    z = torch.randn(1, 8, a.t, a.h, a.w, generator=torch.Generator().manual_seed(7))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.time()
    with torch.no_grad():
        x = vae.decode_chunked(z) if a.tile == 0 else decode_tiled(vae, z, a.tile, a.overlap, a.blend)
    secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    torch.save(x, a.out)
    print(json.dumps({"peak_bytes": peak, "seconds": secs}))


def run(vae, t, h, w, tile=0, overlap=0, blend=0):
    with tempfile.NamedTemporaryFile(suffix=".pt", delete=False) as f:
        out = f.name
    cmd = [sys.executable, "-m", "training.tiled_vae_report", "--child", "--vae", vae, "--t", str(t), "--h", str(h),
           "--w", str(w), "--tile", str(tile), "--overlap", str(overlap), "--blend", str(blend), "--out", out]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                  env=dict(os.environ, OMP_NUM_THREADS="1")).stdout.strip().splitlines()[-1])
    x = torch.load(out)
    os.unlink(out)
    return x, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--vae", default="bundled")
    for k in ("t", "h", "w", "tile", "overlap", "blend"):
        ap.add_argument(f"--{k}", type=int, default=0)
    ap.add_argument("--out", default="")
    ap.add_argument("--json", default="docs/benchmarks/tiled-vae.json")
    a = ap.parse_args()
    if a.child:
        return child(a)
    mb = lambda b: f"{b / 2**20:.0f} MiB"  # noqa: E731
    report = {"command": "python3 -m training.tiled_vae_report", "date": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
              "margin_sweep": [], "sizes": []}
    # 1. Margin sweep, bundled VAE, 17×128² (latent 5×16×16), 2×2 tiles of 15 cells: the cross-fade width sets how
    #    many cells beside each cut go unused (margin = (14 − blend) / 2).
    ref, r0 = run("bundled", 5, 16, 16)
    for margin in (3, 4, 5, 6, 7):
        x, r = run("bundled", 5, 16, 16, 15, 14, 14 - 2 * margin)
        e = float((x - ref).abs().max())
        report["margin_sweep"].append({"margin": margin, "max_abs": e, "mean_abs": float((x - ref).abs().mean())})
        print(f"bundled 17×128², 2×2 tiles, margin {margin}: max |tiled − one-shot| {e:.2e}", flush=True)
    # 2. Larger sizes, random-weight VAE (base 16 like the bundled), margin 7 + blend 2.
    for vae, (t, h, w), tile in (("random:16", (3, 32, 32), 24), ("random:16", (3, 44, 80), 32)):
        ref, rr = run(vae, t, h, w)
        x, rt = run(vae, t, h, w, tile, 16, 2)
        e = float((x - ref).abs().max())
        row = {"vae": vae, "frames": 1 + 4 * (t - 1), "size": [8 * h, 8 * w], "tile": tile, "overlap": 16, "blend": 2,
               "max_abs": e, "one_shot_peak_bytes": rr["peak_bytes"], "tiled_peak_bytes": rt["peak_bytes"],
               "one_shot_seconds": rr["seconds"], "tiled_seconds": rt["seconds"]}
        report["sizes"].append(row)
        print(f"{vae} {row['frames']}×{8 * h}×{8 * w}, tiles of {tile}: max |Δ| {e:.2e}; peak {mb(rr['peak_bytes'])} "
              f"one-shot (chunked) → {mb(rt['peak_bytes'])} tiled; {rr['seconds']:.1f} s → {rt['seconds']:.1f} s", flush=True)
    with open(a.json, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    print(f"saved {a.json}")


if __name__ == "__main__":
    main()
