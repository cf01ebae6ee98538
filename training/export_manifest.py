"""Write a model folder's manifest.json (format `osp-web-model` v1, src/models/manifest.ts) from the exported files.

    /usr/bin/python3 -m training.export_manifest --dir public/models/osp-v13-tiny [--steps 30 --cfg 4.5 --image-cfg 1]

Run it last, after export_vae, export_dit and the model card (README.md): every file in the folder is listed with
its size, sha256, role (by file name, the same table as src/models/dev-manifest.ts) and the external-data files its
graph references. Generation defaults come from --steps/--cfg, else from docs/eval/dit_sweep.json's "best" entry when
present; --image-cfg sets the guidance used when frames are given (defaults.imageCfgScale, omitted when 0).
The latent → RGB preview map is fitted here by least squares on VAE latents of data-world clips (pixel
blocks averaged over the frames each latent frame covers, exactly as src/engine/latent-preview.ts fitLatentPreview).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from urllib.parse import unquote, urljoin, urlsplit

import numpy as np

FORMAT, VERSION = "osp-web-model", 1
ROLES = [
    (r"^vae_decoder_chunk\.onnx$", "vae-decoder-chunk"), (r"^vae_decoder_chunk\.json$", "vae-decoder-chunk-schedule"),
    (r"^vae_decoder_chunk_core\.onnx$", "vae-decoder-chunk-core"),
    (r"^vae_decoder_chunk_head\.onnx$", "vae-decoder-chunk-head"), (r"^vae_decoder_chunk_tail\.onnx$", "vae-decoder-chunk-tail"),
    (r"^vae_decoder_tiles\.json$", "vae-decoder-tiles"),
    (r"^vae_decoder_core\.onnx$", "vae-decoder-core"), (r"^vae_decoder\.onnx$", "vae-decoder"),
    (r"^vae_encoder_core\.onnx$", "vae-encoder-core"), (r"^vae_encoder\.onnx$", "vae-encoder"),
    (r"^vae_split\.json$", "vae-split"), (r"^vae_decoder\.weights$", "vae-decoder-weights"),
    (r"^vae_encoder\.weights$", "vae-encoder-weights"), (r"^dit_graphs\.json$", "dit-graphs"),
    (r"^dit.*\.onnx$", "dit"), (r"^dit.*\.weights$", "dit-weights"), (r"^text_encoder.*\.onnx$", "text-encoder"),
    (r"^text_encoder.*\.weights$", "text-encoder-weights"), (r"^vocab.*$", "tokenizer-vocab"),
    (r"^spiece\.model$", "tokenizer-vocab"), (r"^tokenizer\.json$", "tokenizer-vocab"),
    (r"^README\.md$", "model-card"),
]


# The twin of src/models/model-path.ts (one rule, same corpus: e2e/fixtures/bad-inputs/model-paths.json): the writer
# refuses to list a path that the page, the worker or the CLI would refuse, so an exported manifest always loads.
MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$", re.I)
MAX_MODEL_PATH_CHARS = 512
_PROBE_FOLDER = "https://model.invalid/models/m/"
_BAD_CHARS = re.compile(r"[\u0000-\u0020\u007f-\u009f%\\?#]")


def model_path_problem(path) -> str | None:
    """Why `path` is not a file inside the model folder (None = it is); the same words as model-path.ts."""
    if not isinstance(path, str) or not path:
        return "must be a non-empty string"
    if len(path) > MAX_MODEL_PATH_CHARS:
        return f"is longer than {MAX_MODEL_PATH_CHARS} characters"
    if _BAD_CHARS.search(path):
        return "contains a character a model file name never has (whitespace, control, %, \\, ? or #)"
    if any(s in ("", ".", "..") for s in path.split("/")):
        return 'must be a relative path without empty, "." or ".." parts'
    if re.match(r"^[a-z][a-z0-9+.-]*:", path, re.I):
        return "must be a relative path, not an address"
    url = urljoin(_PROBE_FOLDER, path)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != "https://model.invalid" or parts.query or parts.fragment or not url.startswith(_PROBE_FOLDER):
        return "leaves the model folder"
    if unquote(url[len(_PROBE_FOLDER):]) != path:
        return "changes when the URL parser reads it, so it may not be the file it names"
    return None


def check_manifest_paths(m: dict) -> None:
    """Raises ValueError naming the first model id or file path the app would refuse."""
    if not MODEL_ID.match(m.get("id", "")):
        raise ValueError(f"model id {m.get('id')!r} is not valid (letters, digits, '.', '_', '-'; at most 64)")
    for i, f in enumerate(m["files"]):
        for p in [f["path"], *f.get("externalData", [])]:
            problem = model_path_problem(p)
            if problem:
                raise ValueError(f"files[{i}] path {p!r} {problem}")


def role_of(name: str) -> str:
    return next((r for pat, r in ROLES if re.match(pat, name)), "other")


def file_entries(folder: str) -> list:
    names = sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n)) and n != "manifest.json")
    weights = [n for n in names if n.endswith((".weights", ".data", ".onnx_data"))]
    out = []
    for n in names:
        b = open(os.path.join(folder, n), "rb").read()
        e = {"path": n, "role": role_of(n), "bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()}
        if n.endswith(".onnx"):
            refs = [w for w in weights if w.encode() in b]  # ONNX stores external data locations as plain strings
            if refs:
                e["externalData"] = refs
        out.append(e)
    return out


def fit_preview(n_clips: int = 24, size: int = 64, frames: int = 17, ridge: float = 1e-3, seed: int = 0) -> dict:
    """rgb ≈ bias + M·z (z = scaled latent cell) over VAE latents of training-world clips."""
    from training.data.datasets import make_sample
    from training.dit_release import encode_latents, load_vae
    vae = load_vae()[0]
    rng = np.random.default_rng(seed)
    rows_z, rows_rgb = [], []
    for i in range(n_clips):
        world = "shapes" if i % 3 else "photo"
        s = make_sample(world, int(rng.integers(0, 2 ** 31 - 1)), frames, size, "train", None, rng)
        video = s["video"][None]  # [1, 3, F, H, W] in [−1, 1]
        z = encode_latents(vae, video, sample=False)[0].numpy()  # [C, T, h, w]
        v = video[0].numpy()
        C, T, h, w = z.shape
        sy, sx = size // h, size // w
        for t in range(T):
            f0, f1 = (0, 1) if t == 0 else (4 * t - 3, 4 * t + 1)
            blk = v[:, f0:f1].mean(axis=1).reshape(3, h, sy, w, sx).mean(axis=(2, 4))  # [3, h, w]
            rows_z.append(z[:, t].reshape(C, -1).T)
            rows_rgb.append(blk.reshape(3, -1).T)
    Z = np.concatenate(rows_z).astype(np.float64)
    Y = np.concatenate(rows_rgb).astype(np.float64)
    A = np.concatenate([Z, np.ones((len(Z), 1))], axis=1)
    ata = A.T @ A
    ata[np.arange(Z.shape[1]), np.arange(Z.shape[1])] += ridge * len(Z)  # not on the bias
    sol = np.linalg.solve(ata, A.T @ Y)  # [C+1, 3]
    rmse = float(np.sqrt(((A @ sol - Y) ** 2).mean()))
    return {"matrix": [[round(float(x), 6) for x in sol[:-1, k]] for k in range(3)],
            "bias": [round(float(x), 6) for x in sol[-1]], "fit": {"cells": int(len(Z)), "rmse": round(rmse, 4)}}


def defaults_from_sweep(path="docs/eval/dit_sweep.json"):
    try:
        best = json.load(open(path)).get("best") or {}
        return int(best["steps"]), float(best["cfg"])
    except (OSError, KeyError, ValueError, TypeError):
        return None


def build(folder: str, model_id: str, name: str, steps: int, cfg: float, preview: dict, image_cfg: float = 0.0,
          sizes: tuple[int, ...] = (64,)) -> dict:
    """sizes: the square sizes the DiT was trained at (limits.sizes, the playground's choices); the first is the
    default."""
    graphs = json.load(open(os.path.join(folder, "dit_graphs.json")))
    vocab = json.load(open(os.path.join(folder, graphs["tokenizer"])))
    card = os.path.join(folder, "README.md")
    norm = graphs.get("latent", {}).get("norm")  # DiT-side per-channel normalisation (training/latent_norm.py)
    return {
        "format": FORMAT, "version": VERSION, "id": model_id, "name": name,
        "description": "Open-Sora Plan v1.3 architecture (WF-VAE + Skiparse DiT with the Image Condition Controller) "
                       "at browser size, trained from scratch on CPU on the shapes world and real-photo camera "
                       "motion. See README.md (model card).",
        "license": "weights derived from CC-BY(-SA) / GPL-2+ training photos: see README.md",
        "vae": {"latentChannels": 8, "temporalCompression": 4, "spatialCompression": 8, "scalingFactor": 0.18215,
                **({"latentNorm": {"shift": norm["shift"], "scale": norm["scale"]}} if norm else {})},
        "dit": {"kind": "skiparse-onnx", "source": graphs.get("source", ""), **graphs["dit_config"]},
        "textEncoder": graphs["text_config"],
        "tokenizer": {"type": "word", "vocab": graphs["tokenizer"], "maxLength": vocab["max_length"],
                      "padId": vocab["pad_id"], "unkId": vocab["unk_id"], "eosId": vocab["eos_id"], "lowercase": True},
        "defaults": {"steps": steps, "cfgScale": cfg, "frames": 17, "width": sizes[0], "height": sizes[0], "fps": 8,
                     "negativePrompt": "", "promptTemplate": "", **({"imageCfgScale": image_cfg} if image_cfg else {})},
        "limits": {"maxFrames": 33, "maxSteps": 200, "sizes": [{"width": z, "height": z} for z in sizes]},
        "latentPreview": {"matrix": preview["matrix"], "bias": preview["bias"]},
        "files": file_entries(folder),
        **({} if os.path.exists(card) else {"warning": "no model card"}),
    }


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="public/models/osp-v13-tiny")
    ap.add_argument("--id", default="")
    ap.add_argument("--name", default="Open-Sora Plan v1.3 tiny (shapes + camera motion, 64×64)")
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--cfg", type=float, default=0.0)
    ap.add_argument("--image-cfg", dest="image_cfg", type=float, default=0.0,
                    help="guidance when frames are given (image-to-video, transition, continuation); 0 = as --cfg")
    ap.add_argument("--sizes", default="64", help="trained square sizes, comma-separated; the first is the default")
    args = ap.parse_args(argv)
    sizes = tuple(int(z) for z in args.sizes.split(","))
    if any(z <= 0 or z % 16 for z in sizes) or len(set(sizes)) != len(sizes):
        ap.error("--sizes: distinct multiples of 16 (8× VAE, 2×2 patches)")
    sweep = defaults_from_sweep()
    steps = args.steps or (sweep[0] if sweep else 30)
    cfg = args.cfg or (sweep[1] if sweep else 4.5)
    preview = fit_preview()
    m = build(args.dir, args.id or os.path.basename(os.path.normpath(args.dir)), args.name, steps, cfg, preview,
              args.image_cfg, sizes)
    check_manifest_paths(m)  # before writing: a manifest the app would refuse is never written
    with open(os.path.join(args.dir, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1, ensure_ascii=False)
        f.write("\n")
    total = sum(e["bytes"] for e in m["files"])
    print(json.dumps({"files": len(m["files"]), "bytes": total, "steps": steps, "cfg": cfg, "image_cfg": args.image_cfg,
                      "preview_fit": preview["fit"]}))


if __name__ == "__main__":
    main()
