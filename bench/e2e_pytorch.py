"""PyTorch half of `npm run bench:e2e` (bench/run-e2e.mjs): training/sample.py's text-to-video path, timed per stage.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/e2e_pytorch.py --threads 2 --steps 10 --cfg 4.5 --frames 17 --size 64

Same model as the browser's dev manifest (training/fixtures/dit/dev = export_dit.random_models(), the trained WF-VAE
checkpoint that public/models/osp-v13-tiny was exported from), same sampler (training/sample.py `generate`: text
encoder on [negative, prompt], Euler-ancestral with CFG as one batch of 2, state float64), then vae.decode_scaled of
the whole clip at once and write_mp4 (ffmpeg libx264). Prints one JSON object on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompt", default="a red ball bounces on a green background")
    ap.add_argument("--negative", default="dark blurry static")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--cfg", type=float, default=4.5)
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--vae", default="training/checkpoints/wfvae_tiny.pt")
    ap.add_argument("--out", default="/tmp/bench-e2e-pytorch.mp4")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    from training import sample as S
    from training.export_dit import random_models
    from training.tokenizer import Tokenizer
    from training.train_dit import load_vae

    t = time.perf_counter()
    bundle, _, _ = random_models()
    tok = Tokenizer.from_json("training/fixtures/dit/dev/vocab.json")
    vae, trained = load_vae(a.vae, allow_random=False)
    load_ms = (time.perf_counter() - t) * 1e3

    # Time the stages inside sample.generate without changing it: wrap the text encoder and the DiT.
    marks = {}
    te, dit = bundle.text_encoder, bundle.dit

    class TimedText(torch.nn.Module):
        def forward(self, *x):
            t0 = time.perf_counter()
            y = te(*x)
            marks["text"] = marks.get("text", 0.0) + time.perf_counter() - t0
            return y

    class TimedDit(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.cfg = dit.cfg

        def forward(self, *x):
            t0 = time.perf_counter()
            y = dit(*x)
            marks.setdefault("dit", []).append(time.perf_counter() - t0)
            return y

    bundle.text_encoder, bundle.dit = TimedText(), TimedDit()
    runs = []
    for i in range(a.warmup + a.runs):
        marks.clear()
        t0 = time.perf_counter()
        with torch.no_grad():
            x = S.generate(bundle, tok, None, a.prompt, a.negative, a.seed, a.steps, a.cfg, a.frames, a.size, a.size)
            t1 = time.perf_counter()
            video = vae.decode_scaled(torch.as_tensor(x, dtype=torch.float32))[0]
        t2 = time.perf_counter()
        S.write_mp4(video, a.out)
        t3 = time.perf_counter()
        step = [s * 1e3 for s in marks["dit"]]
        text_ms = marks["text"] * 1e3
        r = {"textMs": text_ms, "stepMs": [  # per step: DiT call (CFG batch of 2) + the sampler update around it
                 s for s in step], "stepMeanMs": (t1 - t0) * 1e3 / a.steps - text_ms / a.steps,
             "ditMeanMs": statistics.mean(step), "denoiseMs": (t1 - t0) * 1e3 - text_ms,
             "firstFrameMs": (t2 - t0) * 1e3,  # sample.py decodes the whole clip at once: first frame = all frames
             "decodeMs": (t2 - t1) * 1e3, "muxMs": (t3 - t2) * 1e3, "totalMs": (t3 - t0) * 1e3,
             "mp4Bytes": os.path.getsize(a.out)}
        if i >= a.warmup:
            runs.append(r)
    print(json.dumps({
        "threads": torch.get_num_threads(), "torch": torch.__version__, "loadMs": load_ms, "vaeTrained": trained,
        "model": "training/fixtures/dit/dev (export_dit.random_models) + " + a.vae,
        "request": {"prompt": a.prompt, "negativePrompt": a.negative, "seed": a.seed, "steps": a.steps, "cfgScale": a.cfg,
                    "frames": a.frames, "width": a.size, "height": a.size},
        "latentShape": list(x.shape), "runs": runs,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
