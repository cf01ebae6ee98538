"""End-to-end adherence with and without the prompt refiner (issue #29 item 5b) → docs/eval/refiner_e2e.json.

    /usr/bin/python3 -m training.eval_refiner_e2e [--n 24] [--steps 20] [--seed 0]

The shipped model through training/sample.py's sampler, scored by training/scorers.py (as training/eval_dit.py):
- paraphrases: the first `--n` one-object items of the held-out set (docs/eval/refiner.json), each generated three
  ways with the same seed — the scene's canonical caption (training grammar, background last), the paraphrase through
  the refiner (what the page, CLI and sample.py give the model by default) and the paraphrase as written
  (--no-refine). When the refined caption is the canonical caption, word for word, the two videos are the same
  bytes (same text, seed and sampler), so it is generated once and counted for both;
- background first: the same scenes in the training's own words, "on a blue background, a red circle moves left"
  as written vs the canonical "a red circle moves left on a blue background" (the refiner turns the first into the
  second).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

from training import scorers as S
from training.eval_dit import generate_video, load_model
from training.eval_refiner import OUT as EVAL_JSON
from training.refiner import REFINER_VERSION, caption_of, refined_caption

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "eval", "refiner_e2e.json")


def _rates(scores: list[dict]) -> dict:
    objs = [s["objects"][0] for s in scores]
    r = lambda v: round(float(np.mean([bool(x) for x in v])), 4)  # noqa: E731
    return {"color": r(o["color_ok"] and s["background"] for o, s in zip(objs, scores)),
            "shape": r(o["shape_ok"] for o in objs), "motion": r(o.get("motion_ok") for o in objs),
            "all": r(s["all_ok"] for s in scores), "n": len(scores)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--cfg", type=float, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ckpt", default="")
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(2)
    from training.sample import shipped_defaults
    from training.train_dit import RELEASE, load_vae
    cfg = a.cfg if a.cfg is not None else float(shipped_defaults().get("cfgScale", 4.5))
    bundle, tok, _ = load_model(a.ckpt or RELEASE["inpaint"], False)
    vae, trained = load_vae("training/checkpoints/wfvae_tiny.pt", allow_random=False)
    with open(EVAL_JSON, encoding="utf-8") as f:
        items = [it for it in json.load(f)["items"] if it["template"] != "camera" and len(it["scene"]["objects"]) == 1]
    items = items[:a.n]
    cache: dict[tuple[str, int], dict] = {}
    t0 = time.time()

    def run(text: str, seed: int, scene: dict) -> dict:
        key = (text, seed)
        if key not in cache:
            v = generate_video(bundle, tok, vae, text, seed, a.steps, cfg)
            cache[key] = S.score_shapes(v, scene["objects"], scene["background"])
            print(f"[{len(cache)}] {time.time() - t0:.0f}s {'OK ' if cache[key]['all_ok'] else 'BAD'} {text}",
                  file=sys.stderr, flush=True)
        return cache[key]

    rows = {"canonical": [], "refined": [], "as_written": [], "bg_first_as_written": [], "bg_last": []}
    same_text = 0
    for i, it in enumerate(items):
        seed = a.seed + i
        canon = caption_of(it["scene"])
        refined = refined_caption(it["prompt"])
        same_text += refined == canon
        rows["canonical"].append(run(canon, seed, it["scene"]))
        rows["refined"].append(run(refined, seed, it["scene"]))
        rows["as_written"].append(run(it["prompt"], seed, it["scene"]))
        # background first, in the training's words: "on a blue background, a red circle moves left"
        head, _, bg = canon.rpartition(" on ")
        rows["bg_first_as_written"].append(run(f"on {bg}, {head}" if head else canon, seed, it["scene"]))
        rows["bg_last"].append(rows["canonical"][-1])
    out = {"what": __doc__.split("\n")[0], "refiner_version": REFINER_VERSION, "steps": a.steps, "cfg": cfg,
           "seed0": a.seed, "n": len(items), "refined_caption_equals_canonical": same_text,
           "videos_generated": len(cache), "wall_s": round(time.time() - t0, 1),
           "adherence": {k: _rates(v) for k, v in rows.items()},
           "prompts": [it["prompt"] for it in items]}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps(out["adherence"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
