"""Measured adherence of structure-guided generation (the Structure Condition Controller, spec §6).

    /usr/bin/python3 -m training.eval_structure [--ckpt training/checkpoints/structure_tiny.pt] [--n 32]
        [--n-photo 8] [--types sketch,mask,canny] [--subsets all,first] [--steps 20] [--cfg 3]
        [--out docs/eval/structure.json]

Prompts: captions of the shapes world's EVAL split (every clip holds a held-out attribute combination, as in
training/eval_dit.py); the structure comes from the same held-out clip (canny of its frames, sketch / mask of its
geometry), on all frames or the first only. Every configuration samples the same prompts with the same seeds
(sample i: seed --seed + i, training/sample.py's sampler, the manifest's steps and CFG), and the bundled model
without structure is the baseline. Scores: training/scorers.py (as eval_dit: colour, shape, motion, two-object),
plus edge overlap — F1 of the generated clip's canny edges against the source clip's, 1-px tolerance
(training/structure/canny.py `edge_f1`), over all frames. Real video: held-out photo camera clips (photo_clips split
'eval'), canny of the real frames as structure, their caption as the prompt; edge F1 with vs without structure.
Reference: the same scorers on the clips' WF-VAE reconstructions (the ceiling at this size).
The JSON is rewritten after every configuration, so a cut-short run keeps what it measured.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training import eval_dit as E
from training.data import photo_clips
from training.data.shapes_world import make_clip
from training.structure.canny import canny_video, edge_f1
from training.structure.sampling import residuals, structured_bundle
from training.structure.signals import signal_of


def summary(prompts, scores) -> dict:
    agg = E.aggregate_t2v(prompts, scores)
    return {"headline": E.headline(agg), "object_color": agg["two_object"]["per_object_color"],
            "single_object_color_object": agg["single_object"]["color_object"],
            "single_object": agg["single_object"], "two_object": agg["two_object"],
            "objects_held_out": agg["objects_held_out"]}


def f1_mean(vals) -> float:
    return round(float(np.mean([v["f1"] for v in vals])), 4) if vals else None


def run_config(bundle, tok, vae, ctrl, prompts, clips, kind, subset, args, photo=False):
    """Generate every prompt (kind None: no structure) → (videos, scores, edge F1s, controller ms, generation s)."""
    videos, scores, f1s, ms, secs = [], [], [], [], []
    for i, (p, clip) in enumerate(zip(prompts, clips)):
        res, t_ms = None, 0.0
        if kind is not None:
            res, t_ms = residuals(ctrl, bundle.dit, signal_of(kind, clip.video, clip.meta), kind, subset)
        t0 = time.process_time()
        v = E.generate_video(structured_bundle(bundle, res), tok, vae, p["caption"], args.seed + i, args.steps,
                             args.cfg)
        secs.append(time.process_time() - t0)
        videos.append(v)
        if not photo:
            scores.append(E.score_t2v(v, p))
        f1s.append(edge_f1(canny_video(v), canny_video(clip.video)))
        ms.append(t_ms)
        print(f"[{kind or 'none'}/{subset} {i + 1}/{len(prompts)}] {p['caption']} | "
              f"{'ok' if photo or scores[-1]['all_ok'] else 'bad'} edge f1 {f1s[-1]['f1']:.2f}",
              file=sys.stderr, flush=True)
    return videos, scores, f1s, ms, secs


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="training/checkpoints/structure_tiny.pt")
    ap.add_argument("--base", default="training/checkpoints/dit_inpaint_tiny.pt")
    ap.add_argument("--vae", default="training/checkpoints/wfvae_tiny.pt")
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--n-photo", dest="n_photo", type=int, default=8)
    ap.add_argument("--types", default="sketch,mask,canny")
    ap.add_argument("--subsets", default="all,first")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--cfg", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-ceiling", dest="ceiling", action="store_false")
    ap.add_argument("--out", default="docs/eval/structure.json")
    ap.add_argument("--no-baseline", dest="baseline", action="store_false", help="skip the no-structure runs")
    ap.add_argument("--merge", action="store_true", help="update --out in place (e.g. a baseline measured earlier)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from training.models.structure_controller import load_controller
    from training.train_structure import load_base
    bundle, tok, base_meta, vae = load_base(args.base, args.vae)
    ctrl, cmeta = load_controller(args.ckpt)
    prompts = E.t2v_prompts(args.n, 0)
    clips = [make_clip(p["clip_seed"], p["frames"], E.SIZE, "eval") for p in prompts]
    out = {"config": {"n": len(prompts), "n_photo": args.n_photo, "steps": args.steps, "cfg": args.cfg,
                      "seed": args.seed, "size": E.SIZE, "frames": E.FRAMES, "prompts": "shapes-world eval split "
                      "(held-out combinations), structure from the same held-out clip",
                      "edge_f1": "canny(generated) vs canny(source clip), all frames, 1-px tolerance"},
           "controller": {"ckpt": args.ckpt, "step": cmeta.get("step"), "cpu_seconds": cmeta.get("cpu_seconds"),
                          "params": sum(p.numel() for p in ctrl.parameters()), "bytes_fp32": cmeta.get("bytes_fp32"),
                          "K": ctrl.cfg.depth, "structure_config": cmeta.get("structure_config")},
           "base": {"ckpt": args.base, "step": base_meta.get("step")}, "shapes": {}, "photo": {}}
    if args.merge and os.path.exists(args.out):
        with open(args.out) as f:
            old = json.load(f)
        for k in ("shapes", "photo"):
            out[k] = dict(old.get(k, {}), **out[k])
        if "vae_ceiling" in old:
            out["vae_ceiling"] = old["vae_ceiling"]

    def write():
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")

    ms_all, gen_s = [], []
    configs = [(None, "none")] * args.baseline + [(k, s) for k in args.types.split(",") if k
                                                   for s in args.subsets.split(",")]
    for kind, subset in configs:
        _, scores, f1s, ms, secs = run_config(bundle, tok, vae, ctrl, prompts, clips, kind, subset, args)
        out["shapes"][f"{kind or 'none'}/{subset}"] = dict(summary(prompts, scores), edge_f1=f1_mean(f1s))
        ms_all += [m for m in ms if m]
        gen_s += secs
        out["controller"]["ms_per_generation_cpu_1_thread"] = round(float(np.mean(ms_all)), 1) if ms_all else None
        out["controller"]["generation_cpu_s_mean"] = round(float(np.mean(gen_s)), 2)
        write()
    if args.n_photo:
        cases = [photo_clips.make_camera_clip(s, E.FRAMES, E.SIZE, "eval") for s in range(args.n_photo)]
        pp = [{"caption": c.caption} for c in cases]
        ref = [edge_f1(canny_video(E.vae_roundtrip(vae, c.video)), canny_video(c.video)) for c in cases]
        out["photo"]["vae_reconstruction/edge_f1"] = f1_mean(ref)
        for kind, subset in [(None, "none")] * args.baseline + [("canny", s) for s in args.subsets.split(",")
                                                                  if "canny" in args.types.split(",")]:
            _, _, f1s, _, _ = run_config(bundle, tok, vae, ctrl, pp, cases, kind, subset, args, photo=True)
            out["photo"][f"{kind or 'none'}/{subset}/edge_f1"] = f1_mean(f1s)
            write()
    if args.ceiling:
        rec = [E.vae_roundtrip(vae, c.video) for c in clips]
        out["vae_ceiling"] = dict(summary(prompts, [E.score_t2v(v, p) for v, p in zip(rec, prompts)]),
                                  edge_f1=f1_mean([edge_f1(canny_video(v), canny_video(c.video))
                                                   for v, c in zip(rec, clips)]))
        write()
    print(json.dumps({k: v.get("headline", v) if isinstance(v, dict) else v for k, v in out["shapes"].items()}))
    return out


if __name__ == "__main__":
    main()
