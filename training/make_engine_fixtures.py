"""Shared vectors for the browser engine (src/text, src/engine) from the PyTorch reference.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.make_engine_fixtures     # → training/fixtures/engine/

Writes
- tokenizer_vectors.json: training/tokenizer.py over the shipped dev vocab (training/fixtures/dit/dev/vocab.json):
  ids, mask and unknown words for edge-case prompts (empty, punctuation, unknown words, over-long, unicode, emoji);
- sample_<name>.json + .bin: training/sample.py's `generate` (the reference sampler, docs/sampler.md) on the dev DiT
  (export_dit.random_models(): exactly the weights exported to training/fixtures/dit/dev, checked against the DiT
  parity fixture before sampling) for fixed requests; the final scaled latents [1, 8, T, h, w] float32, every
  intermediate x (float32), and the text states of both CFG branches.
- sample_i2v_17x64.*: image-to-video through the dev inpaint DiT (random_models()'s inpaint bundle =
  dit_inpaint.onnx / dit_embed_inpaint.onnx): a synthetic 64×64 RGBA first frame, the condition built exactly as
  sample.py does (build_condition with the WF-VAE checkpoint: posterior mean × 0.18215 of the masked video, and
  compress_mask), the condition latent + mask, and the final latents. The sha256 of the exported encoder graph files
  at fixture time is recorded: the VAE is still training, and the browser's condition latent can only equal this one
  while the export matches the checkpoint (rerun this script after a VAE re-export).
- sample_transition_17x64.* / sample_continuation_9x64.*: the same for a transition (first + last image through
  build_condition(images=[a, b]): kept frames 0 and 16) and a continuation (build_condition(video=...): sample.py keeps
  the first max(1, ⌊9/2⌋) = 4 frames; only those are stored, the others are masked out anyway).
- sample_inpaint_main_t2v_17x64.*: text-to-video through the inpaint-as-main dev export (training/fixtures/dit/
  dev_inpaint = export_dit.random_inpaint_main()): sample.generate with no condition builds the all-masked one (VAE of
  an all-zero video, mask all ones), stored with the final latents.
No decoded frames: they depend on the WF-VAE, which is still training; the e2e test decodes the reference latents
with the same VAE graph the worker uses and compares frames there.
"""
from __future__ import annotations

import json
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

OUT = "training/fixtures/engine"
DIT_FIX = "training/fixtures/dit"
VOCAB = "training/fixtures/dit/dev/vocab.json"

TOKENIZER_CASES = [
    "",
    "   ",
    "a red ball bounces on a green background",
    "A RED Ball, bounces!!! on... a green-background?",
    "a zebra eats a croissant on the moon",
    "zebra zebra ZEBRA a moon Moon",
    "red,blue;green:yellow/white\\black|cat",
    "it's a dog's life (really) [twice] {x} <y>",
    "a cat 42 times 3.14 and 007",
    "ünïcödé café naïve Straße ÀÉÎ",
    "a cat 🐱 with 🎈 balloons 👨‍👩‍👧 and flags 🇫🇷",
    "日本語の文 中文 한국어 ΣΊΣΥΦΟΣ Ωμέγα",
    "tab\tnew\nline\r\ncarriage  double  space",
    "ﬁne ﬂower (ligatures) and İstanbul",
    "x₂ ² ½ Ⅻ ٣ ३ digits",
    " ".join(["red"] * 31),
    " ".join(["blue"] * 32),
    " ".join(["a", "big", "red", "ball"] * 12) + " zebra",
    "—–‐ dashes … ellipsis « quotes » ‘single’ “double”",
    "\u200bzero\u200bwidth\u00a0nbsp",
]

# The end-to-end request (docs/sampler.md): 4 steps, CFG 4.5, 17 frames at 64×64 → latent [1, 8, 5, 8, 8].
SAMPLES = {
    "t2v_17x64": dict(prompt="a red ball bounces on a green background", negative="dark blurry static", seed=1234,
                      steps=4, cfg=4.5, frames=17, height=64, width=64),
    # Tiny request for WebGPU (SwiftShader) vs wasm: 2 steps, 5 frames at 32×32 → latent [1, 8, 2, 4, 4].
    "t2v_5x32": dict(prompt="a small cat sits on the grass", negative="", seed=7, steps=2, cfg=4.5, frames=5,
                     height=32, width=32),
}


I2V = dict(prompt="a red ball bounces on a green background", negative="", seed=99, steps=4, cfg=4.5, frames=17,
           height=64, width=64)
VAE_DIR = "public/models/osp-v13-tiny"


def synthetic_image(h, w):
    """Deterministic RGBA test image: colour gradients + a filled circle (uint8 [H, W, 4])."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 4), dtype=np.uint8)
    img[..., 0] = np.round(255 * x / (w - 1))
    img[..., 1] = np.round(255 * y / (h - 1))
    img[..., 2] = 96
    disk = (x - 0.6 * w) ** 2 + (y - 0.4 * h) ** 2 < (0.2 * w) ** 2
    img[disk] = (250, 240, 30, 255)
    img[..., 3] = 255
    return img


def sha256(path):
    import hashlib
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@torch.no_grad()
def i2v_sample(inp_bundle, tok):
    from training.sample import build_condition, generate
    from training.dit_release import load_vae
    r = I2V
    vae, trained = load_vae("training/checkpoints/wfvae_tiny.pt", allow_random=False)
    # Is the checkpoint the one that was exported? Its encoder must reproduce the VAE export's PyTorch fixture.
    vidx = json.load(open("training/fixtures/vae/index.json"))["fixtures"]["encoder"]
    vin = torch.from_numpy(np.fromfile(os.path.join("training/fixtures/vae", vidx["inputs"]["video"]["file"]),
                                       dtype=np.float32).reshape(vidx["inputs"]["video"]["shape"]))
    vout = np.fromfile(os.path.join("training/fixtures/vae", vidx["outputs"]["latent"]["file"]), dtype=np.float32)
    from training.dit_release import encode_latents
    export_err = float(np.abs(encode_latents(vae, vin, sample=False).numpy().ravel() - vout).max())
    img = synthetic_image(r["height"], r["width"])
    im = torch.from_numpy(img[..., :3].astype(np.float32)).permute(2, 0, 1) / 127.5 - 1.0  # as sample.load_image
    cl, cm, mode = build_condition(vae, r["frames"], r["height"], r["width"], images=[im])
    x = generate(inp_bundle, tok, vae, r["prompt"], r["negative"], r["seed"], r["steps"], r["cfg"], r["frames"],
                 r["height"], r["width"], cond=(cl, cm))
    files = {"image": "sample_i2v_17x64.image.rgba", "cond_latent": "sample_i2v_17x64.cond_latent.bin",
             "cond_mask": "sample_i2v_17x64.cond_mask.bin", "latents": "sample_i2v_17x64.latents.bin"}
    img.tofile(os.path.join(OUT, files["image"]))
    write_f32(os.path.join(OUT, files["cond_latent"]), cl.numpy())
    write_f32(os.path.join(OUT, files["cond_mask"]), cm.numpy())
    write_f32(os.path.join(OUT, files["latents"]), x)
    return {"request": {"prompt": r["prompt"], "negativePrompt": r["negative"], "seed": r["seed"], "steps": r["steps"],
                        "cfgScale": r["cfg"], "frames": r["frames"], "width": r["width"], "height": r["height"]},
            "mode": mode, "latent_shape": list(x.shape), "cond_latent_shape": list(cl.shape),
            "cond_mask_shape": list(cm.shape), "files": files, "image_shape": list(img.shape),
            "vae_trained": trained, "vae_checkpoint_vs_export_fixture": export_err,
            "vae_matches_export": export_err < 1e-4, "vae_export_sha256": {n: sha256(os.path.join(VAE_DIR, n)) for n in
                                                          ("vae_encoder.onnx", "vae_encoder.weights")}}


def synthetic_image_b(h, w):
    """A second deterministic RGBA image (transition end): other gradients + a square."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 4), dtype=np.uint8)
    img[..., 0] = 40
    img[..., 1] = np.round(255 * (1 - x / (w - 1)))
    img[..., 2] = np.round(255 * y / (h - 1))
    sq = (np.abs(x - 0.3 * w) < 0.15 * w) & (np.abs(y - 0.65 * h) < 0.15 * h)
    img[sq] = (230, 40, 40, 255)
    img[..., 3] = 255
    return img


def synthetic_clip(t, h, w):
    """A clip [T, H, W, 4]: the disk of synthetic_image moving right by 3 px per frame."""
    frames = []
    for i in range(t):
        img = synthetic_image(h, w)
        frames.append(np.roll(img, 3 * i, axis=1))
    return np.stack(frames)


def to_tensor(img):
    return torch.from_numpy(img[..., :3].astype(np.float32)).permute(2, 0, 1) / 127.5 - 1.0  # as sample.load_image


def vae_export_check(vae):
    """Does the checkpoint equal the VAE export? Its encoder must reproduce the export's PyTorch fixture."""
    from training.dit_release import encode_latents
    vidx = json.load(open("training/fixtures/vae/index.json"))["fixtures"]["encoder"]
    vin = torch.from_numpy(np.fromfile(os.path.join("training/fixtures/vae", vidx["inputs"]["video"]["file"]),
                                       dtype=np.float32).reshape(vidx["inputs"]["video"]["shape"]))
    vout = np.fromfile(os.path.join("training/fixtures/vae", vidx["outputs"]["latent"]["file"]), dtype=np.float32)
    err = float(np.abs(encode_latents(vae, vin, sample=False).numpy().ravel() - vout).max())
    return {"vae_checkpoint_vs_export_fixture": err, "vae_matches_export": err < 1e-4,
            "vae_export_sha256": {n: sha256(os.path.join(VAE_DIR, n)) for n in ("vae_encoder.onnx", "vae_encoder.weights")}}


@torch.no_grad()
def condition_sample(name, bundle, tok, vae, r, images=(), video=None, kept_rgba=()):
    """sample.build_condition + sample.generate for one condition mode; kept_rgba = the RGBA frames the engine gets."""
    from training.sample import build_condition, generate
    if images or video is not None:
        cl, cm, mode = build_condition(vae, r["frames"], r["height"], r["width"], images=images, video=video)
        cond = (cl, cm)
    else:  # an inpaint main model: generate builds the all-masked condition itself; rebuild it to store it
        cl, cm, mode = build_condition(vae, r["frames"], r["height"], r["width"])
        cond = None
    x = generate(bundle, tok, vae, r["prompt"], r["negative"], r["seed"], r["steps"], r["cfg"], r["frames"],
                 r["height"], r["width"], cond=cond)
    files = {"cond_latent": f"sample_{name}.cond_latent.bin", "cond_mask": f"sample_{name}.cond_mask.bin",
             "latents": f"sample_{name}.latents.bin"}
    if len(kept_rgba):
        files["kept"] = f"sample_{name}.kept.rgba"
        np.ascontiguousarray(np.stack(kept_rgba), dtype=np.uint8).tofile(os.path.join(OUT, files["kept"]))
    write_f32(os.path.join(OUT, files["cond_latent"]), cl.numpy())
    write_f32(os.path.join(OUT, files["cond_mask"]), cm.numpy())
    write_f32(os.path.join(OUT, files["latents"]), x)
    return {"request": {"prompt": r["prompt"], "negativePrompt": r["negative"], "seed": r["seed"], "steps": r["steps"],
                        "cfgScale": r["cfg"], "frames": r["frames"], "width": r["width"], "height": r["height"]},
            "mode": mode, "kept_frames": len(kept_rgba), "latent_shape": list(x.shape),
            "cond_latent_shape": list(cl.shape), "cond_mask_shape": list(cm.shape), "files": files,
            "latents_absmax": float(np.abs(x).max()), **vae_export_check(vae)}


@torch.no_grad()
def inpaint_mode_samples(inp_bundle, tok):
    from training.dit_release import load_vae
    from training.export_dit import random_inpaint_main
    vae, trained = load_vae("training/checkpoints/wfvae_tiny.pt", allow_random=False)
    out = {}
    h = w = 64
    a, b = synthetic_image(h, w), synthetic_image_b(h, w)
    r = dict(prompt="a red ball bounces on a green background", negative="", seed=5, steps=4, cfg=4.5, frames=17,
             height=h, width=w)
    out["transition_17x64"] = condition_sample("transition_17x64", inp_bundle, tok, vae, r,
                                               images=[to_tensor(a), to_tensor(b)], kept_rgba=[a, b])
    clip = synthetic_clip(9, h, w)
    video = torch.from_numpy(clip[..., :3].astype(np.float32)).permute(3, 0, 1, 2) / 127.5 - 1.0
    n = max(1, 9 // 2)  # sample.build_condition's default clear ratio 0.5
    r = dict(r, seed=11, frames=9)
    out["continuation_9x64"] = condition_sample("continuation_9x64", inp_bundle, tok, vae, r, video=video,
                                                kept_rgba=list(clip[:n]))
    main_bundle, _ = random_inpaint_main()
    assert main_bundle.dit.cfg.inpaint
    r = dict(prompt="a small cat sits on the grass", negative="dark", seed=3, steps=3, cfg=4.5, frames=17,
             height=h, width=w)
    out["inpaint_main_t2v_17x64"] = dict(condition_sample("inpaint_main_t2v_17x64", main_bundle, tok, vae, r),
                                         model="training/fixtures/dit/dev_inpaint (export_dit --random-inpaint-main)")
    for v in out.values():
        v["vae_trained"] = trained
    return out


def tokenizer_vectors():
    from training.tokenizer import Tokenizer
    tok = Tokenizer.from_json(VOCAB)
    cases = []
    for text in TOKENIZER_CASES:
        ids, mask = tok.encode(text)
        from training.tokenizer import split_words
        cases.append({"text": text, "words": split_words(text), "ids": ids.tolist(), "mask": mask.tolist(),
                      "unknown": tok.unknown_words(text)})
    # Character classes: every BMP code point Python's str.isalnum accepts, as [start, end] ranges (the TS tokenizer
    # must split on exactly these).
    ranges, start = [], None
    for cp in range(0x10000):
        ok = 0xD800 <= cp <= 0xDFFF or not chr(cp).isalnum()
        if not ok and start is None:
            start = cp
        if ok and start is not None:
            ranges.append([start, cp - 1])
            start = None
    if start is not None:
        ranges.append([start, 0xFFFF])
    import unicodedata
    unassigned, start = [], None
    for cp in range(0x10001):
        cn = cp < 0x10000 and unicodedata.category(chr(cp)) == "Cn"
        if cn and start is None:
            start = cp
        if not cn and start is not None:
            unassigned.append([start, cp - 1])
            start = None
    return {"vocab": VOCAB, "max_length": tok.max_length, "cases": cases, "alnum_bmp_ranges": ranges,
            "unicode_version": unicodedata.unidata_version, "unassigned_bmp_ranges": unassigned,
            "note": "training/tokenizer.py (Python str.lower + str.isalnum) over the dev vocab"}


def check_dev_weights(bundle):
    """The rebuilt random dev bundle must reproduce the exported DiT's PyTorch fixture (same weights)."""
    idx = json.load(open(os.path.join(DIT_FIX, "index.json")))["fixtures"]

    def load(ref):
        dt = {"float32": np.float32, "int64": np.int64}[ref["dtype"]]
        return torch.from_numpy(np.fromfile(os.path.join(DIT_FIX, ref["file"]), dtype=dt).reshape(ref["shape"]))

    te = idx["text_encoder"]
    ts = bundle.text_encoder(load(te["inputs"]["input_ids"]), load(te["inputs"]["text_mask"]))
    e1 = float((ts - load(te["outputs"]["text_states"])).abs().max())
    f = idx["dit"]
    i = f["inputs"]
    v = bundle.dit(load(i["latent"]), load(i["timestep"]), load(i["text_states"]), load(i["text_mask"]), None, None)
    e2 = float((v - load(f["outputs"]["v"])).abs().max())
    assert e1 < 1e-5 and e2 < 1e-5, f"dev bundle does not match the exported DiT fixtures ({e1}, {e2})"
    return {"text_encoder": e1, "dit": e2}


def write_f32(path, a):
    np.ascontiguousarray(a, dtype=np.float32).tofile(path)


@torch.no_grad()
def samples(bundle, tok):
    from training.sample import generate
    out = {}
    for name, r in SAMPLES.items():
        steps_x = []
        x = generate(bundle, tok, None, r["prompt"], r["negative"], r["seed"], r["steps"], r["cfg"], r["frames"],
                     r["height"], r["width"], callback=lambda i, xi: steps_x.append(np.array(xi, dtype=np.float64)))
        texts = [r["negative"], r["prompt"]] if r["cfg"] > 1 else [r["prompt"]]
        ids, mask = tok.encode_batch(texts)
        ts = bundle.text_encoder(ids, mask).numpy()
        files = {"latents": f"sample_{name}.latents.bin", "steps": f"sample_{name}.steps.bin",
                 "text_states": f"sample_{name}.text_states.bin"}
        write_f32(os.path.join(OUT, files["latents"]), x)
        write_f32(os.path.join(OUT, files["steps"]), np.stack(steps_x))
        write_f32(os.path.join(OUT, files["text_states"]), ts)
        out[name] = {"request": {"prompt": r["prompt"], "negativePrompt": r["negative"], "seed": r["seed"],
                                 "steps": r["steps"], "cfgScale": r["cfg"], "frames": r["frames"],
                                 "width": r["width"], "height": r["height"]},
                     "latent_shape": list(x.shape), "files": files, "text_states_shape": list(ts.shape),
                     "text_mask": mask.numpy().tolist(),
                     "latents_absmax": float(np.abs(x).max()), "latents_std": float(x.std())}
    return out


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "tokenizer_vectors.json"), "w") as f:
        json.dump(tokenizer_vectors(), f, ensure_ascii=False, indent=0)
        f.write("\n")
    from training.export_dit import random_models
    from training.tokenizer import Tokenizer
    bundle, inp_bundle, _ = random_models()
    tok = Tokenizer.from_json(VOCAB)
    check = check_dev_weights(bundle)
    index = {"format": "raw little-endian float32, row-major", "model": "training/fixtures/dit/dev (export_dit --random)",
             "weights_check_max_abs": check, "sampler": "training/sample.py generate (docs/sampler.md), state float64, "
             "latents saved as float32; steps = x after each step [S, 1, 8, T, h, w]",
             "samples": samples(bundle, tok)}
    index["samples"]["i2v_17x64"] = i2v_sample(inp_bundle, tok)
    index["samples"].update(inpaint_mode_samples(inp_bundle, tok))
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(json.dumps(index, indent=1))


if __name__ == "__main__":
    main()
