"""PyTorch half of `npm run bench:e2e` (bench/run-e2e.mjs): training/sample.py's text-to-video path, timed per stage.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/e2e_pytorch.py --threads 2 --steps 30 --cfg 4.5 --frames 17 --size 64

Model (--model):
  bundled (default): the release the browser downloads, public/models/osp-v13-tiny. The DiTBundle is rebuilt from that
    folder's dit.weights (training/checkpoint_from_onnx.rebuild_state_dict, lossless), not from
    training/checkpoints/*.pt, so both sides run the very same weights even while a training job rewrites the .pt;
    the latent normalisation is the manifest's vae.latentNorm (what the engine applies); the tokenizer its vocab.json.
    It is an inpaint model: text-to-video runs it with the all-masked condition, which sample.generate builds through
    the VAE encoder (as the engine does); that encode is timed with the text encoder, as in the browser.
  dev: the dev DiT (training/fixtures/dit/dev = export_dit.random_models(): real architecture, toy width, random
    weights) — the browser's buildDevDitManifest.
Both with the trained WF-VAE checkpoint that public/models/osp-v13-tiny was exported from. Same sampler as the engine
(sample.generate: text encoder on [negative, prompt], Euler-ancestral with CFG as one batch of 2, state float64), then
sample.decode_latents of the whole clip at once and write_mp4 (ffmpeg libx264). Prints one JSON object on stdout.
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


def load_bundled(model_dir: str):
    """→ (DiTBundle in eval mode with .latent_norm, Tokenizer, description) from an exported model folder."""
    from training.checkpoint_from_onnx import rebuild_state_dict, state_fingerprint
    from training.models.skiparse_dit import DiTConfig
    from training.models.text_encoder import TextEncoderConfig
    from training.tokenizer import Tokenizer
    from training.train_dit import DiTBundle
    with open(os.path.join(model_dir, "dit_graphs.json")) as f:
        graphs = json.load(f)
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    bundle = DiTBundle(DiTConfig.from_dict(graphs["dit_config"]), TextEncoderConfig(**graphs["text_config"]))
    state = rebuild_state_dict(model_dir, graphs["dit_config"], graphs["text_config"])
    bundle.load_state_dict(state)
    bundle.latent_norm = manifest["vae"].get("latentNorm")
    exported = (graphs.get("latent") or {}).get("norm")  # what export_dit recorded for these weights
    pick = lambda n: n and {"shift": n["shift"], "scale": n["scale"]}  # noqa: E731
    if pick(exported) != pick(bundle.latent_norm):
        raise SystemExit(f"{model_dir}: manifest vae.latentNorm differs from dit_graphs.json latent.norm (stale manifest?)")
    tok = Tokenizer.from_json(os.path.join(model_dir, "vocab.json"))
    return bundle.eval(), tok, {"dir": model_dir, "source": graphs.get("source"), "stateSha256": state_fingerprint(state),
                                "inpaint": bool(graphs["dit_config"].get("inpaint")),
                                "latentNorm": bundle.latent_norm is not None}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=("bundled", "dev"), default="bundled")
    ap.add_argument("--model-dir", default="public/models/osp-v13-tiny")
    ap.add_argument("--prompt", default="a big red circle moves right on a blue background")
    ap.add_argument("--negative", default="")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--steps", type=int, default=30)
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
    from training.train_dit import load_vae

    t = time.perf_counter()
    if a.model == "bundled":
        bundle, tok, info = load_bundled(a.model_dir)
    else:
        from training.export_dit import random_models
        from training.tokenizer import Tokenizer
        bundle, _, _ = random_models()
        bundle.latent_norm = None
        tok = Tokenizer.from_json("training/fixtures/dit/dev/vocab.json")
        info = {"dir": "training/fixtures/dit/dev", "source": "export_dit.random_models", "inpaint": False, "latentNorm": False}
    vae, trained = load_vae(a.vae, allow_random=False)
    load_ms = (time.perf_counter() - t) * 1e3

    # Time the stages inside sample.generate without changing it: wrap the text encoder, the condition builder (the
    # inpaint model's all-masked condition, VAE encoder included) and the DiT.
    marks = {}
    te, dit = bundle.text_encoder, bundle.dit
    build_condition = S.build_condition

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

    def timed_condition(*args, **kw):
        t0 = time.perf_counter()
        y = build_condition(*args, **kw)
        marks["cond"] = marks.get("cond", 0.0) + time.perf_counter() - t0
        return y

    bundle.text_encoder, bundle.dit = TimedText(), TimedDit()
    S.build_condition = timed_condition
    unknown = tok.unknown_words(a.prompt) + tok.unknown_words(a.negative)
    runs = []
    for i in range(a.warmup + a.runs):
        marks.clear()
        t0 = time.perf_counter()
        with torch.no_grad():
            x = S.generate(bundle, tok, vae, a.prompt, a.negative, a.seed, a.steps, a.cfg, a.frames, a.size, a.size)
            t1 = time.perf_counter()
            video = S.decode_latents(vae, x, bundle.latent_norm)[0]
        t2 = time.perf_counter()
        S.write_mp4(video, a.out)
        t3 = time.perf_counter()
        step = [s * 1e3 for s in marks["dit"]]
        text_ms = (marks["text"] + marks.get("cond", 0.0)) * 1e3  # the browser counts the condition here too
        r = {"textMs": text_ms, "condMs": marks.get("cond", 0.0) * 1e3,
             "stepMs": step,  # per step: the DiT call (CFG batch of 2); stepMeanMs adds the sampler update around it
             "stepMeanMs": ((t1 - t0) * 1e3 - text_ms) / a.steps,
             "ditMeanMs": statistics.mean(step), "denoiseMs": (t1 - t0) * 1e3 - text_ms,
             "firstFrameMs": (t2 - t0) * 1e3,  # sample.py decodes the whole clip at once: first frame = all frames
             "decodeMs": (t2 - t1) * 1e3, "muxMs": (t3 - t2) * 1e3, "totalMs": (t3 - t0) * 1e3,
             "mp4Bytes": os.path.getsize(a.out)}
        if i >= a.warmup:
            runs.append(r)
    print(json.dumps({
        "threads": torch.get_num_threads(), "torch": torch.__version__, "loadMs": load_ms, "vaeTrained": trained,
        "model": {**info, "vae": a.vae}, "unknownWords": unknown,
        "request": {"prompt": a.prompt, "negativePrompt": a.negative, "seed": a.seed, "steps": a.steps, "cfgScale": a.cfg,
                    "frames": a.frames, "width": a.size, "height": a.size},
        "latentShape": list(x.shape), "runs": runs,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
