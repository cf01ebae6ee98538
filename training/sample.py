"""Reference sampler CLI (docs/sampler.md): text/image/video → MP4 (ffmpeg) + raw final latents (.npy).

    python3 training/sample.py "a big red circle moves right on a blue background" -o out.mp4
    /usr/bin/python3 -m training.sample --prompt "..." --seed 1 --steps 30 --cfg 7 --frames 17 --size 64 --out out.mp4
    ... --image first.png [--end-image last.png]      (i2v / transition; needs the inpaint model)
    ... --video clip.mp4                               (continuation of the first half)
    ... --random                                       (random-init model: output is noise, for plumbing tests)
    ... --no-refine                                    (the prompt as written; by default the prompt refiner
                                                        training/refiner.py rewrites it exactly as the page does)

The model is the shipped release (public/models/osp-v13-tiny, an inpaint model: text-to-video runs it with the
all-masked condition) unless --ckpt names another: a missing .pt is rebuilt from the exported folder that records it
as its source (training/checkpoint_from_onnx.py), so a fresh clone needs no training checkpoint. Steps, CFG, frames
and size default to that folder's manifest defaults.

Euler-ancestral, v-prediction, zero-SNR trailing schedule (training/diffusion.py), noise from training/prng.py
(stream 0 = initial latent, stream 1+i = step i), CFG as one batch of 2 [negative, prompt]. The state x is kept in
float64, the model runs in float32 on x_in = x/√(σ²+1). Condition latents use the VAE posterior mean (deterministic).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if __package__ in (None, ""):  # run as a script (python3 training/sample.py): make `training` importable
    sys.path.insert(0, ROOT)

try:
    import numpy as np
    import torch
except ModuleNotFoundError:  # e.g. a pyenv/venv `python3` first on PATH: PyTorch here is Debian's python3-torch
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        print(f"{sys.executable} has no PyTorch: re-running with /usr/bin/python3", file=sys.stderr)
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

from training import diffusion as D
from training import latent_norm as LN
from training import masks as MK
from training.media_io import load_image, load_video  # noqa: F401 (sample.load_image/load_video: older callers)


def write_mp4(video: torch.Tensor, path: str, fps: int = 8):
    """video [3, T, H, W] in [−1, 1] → H.264 MP4 (clamp((x/2 + 0.5), 0, 1) to uint8 as upstream)."""
    u8 = ((video.clamp(-1, 1) / 2 + 0.5) * 255).round().byte().permute(1, 2, 3, 0).contiguous().numpy()
    t, h, w, _ = u8.shape
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r",
                    str(fps), "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-vf",
                    "pad=ceil(iw/2)*2:ceil(ih/2)*2", path], input=u8.tobytes(), check=True)
    return u8


def build_condition(vae, frames: int, h: int, w: int, images=(), video=None, noise_strength=0.0, seed=0, norm=None):
    """→ (cond_latent [1, 8, t, h/8, w/8] in the DiT's latent space (`norm`: training/latent_norm.py),
    cond_mask [1, 4, t, h/8, w/8], mode)."""
    mode = MK.condition_mode(len(images), frames if video is not None else 0)
    pix = torch.zeros(1, 3, frames, h, w)
    if video is not None:
        pix[0] = video
        kept = list(range(max(1, frames // 2)))  # default clear ratio 0.5
    else:
        if len(images) > 2:
            raise ValueError("more than 2 images need explicit frame indices (random_temporal)")
        kept = MK.kept_frames(mode, frames)  # i2v: [0]; transition: [0, T-1]
        for i, im in zip(kept, images):
            pix[0, :, i] = im
    mask = torch.ones(1, 1, frames, h, w)
    for i in kept:
        mask[0, 0, i] = 0.0
    if noise_strength > 0:
        sig = MK.inference_sigma(np.random.default_rng(seed), noise_strength)
        pix = MK.add_condition_noise(pix, mask, [sig], torch.Generator().manual_seed(seed))
    from training.dit_release import encode_latents
    cond = LN.to_dit(encode_latents(vae, MK.masked_video(pix, mask), sample=False), norm)
    return cond, MK.compress_mask(mask), mode


@torch.no_grad()
def decode_latents(vae, x, norm=None) -> torch.Tensor:
    """The sampler's final DiT-space latent → video [1, 3, T, H, W] in [−1, 1] (the VAE takes z · 0.18215)."""
    return vae.decode_scaled(LN.to_vae(torch.as_tensor(x, dtype=torch.float32), norm))


@torch.no_grad()
def generate(bundle, tok, vae, prompt: str, negative: str = "", seed: int = 0, steps: int = 30, cfg: float = 4.5,
             frames: int = 17, height: int = 64, width: int = 64, cond=None, callback=None):
    """Returns the final latent x in the DiT's space (float64 numpy [1, 8, t, h, w]); decode_latents → video."""
    if (frames - 1) % 4:
        raise ValueError("frames must be 1 + 4k")
    shape = (1, bundle.dit.cfg.in_channels, 1 + (frames - 1) // 4, height // 8, width // 8)
    texts = [negative, prompt] if cfg > 1 else [prompt]
    ids, mask = tok.encode_batch(texts)
    text_states = bundle.text_encoder(ids, mask)
    nb = len(texts)
    cl = cm = None
    if bundle.dit.cfg.inpaint:
        if cond is None:  # T2V through the inpaint model: everything masked
            cl = torch.zeros(1, shape[1], *shape[2:])
            cm = torch.ones(1, 4, *shape[2:])
            if vae is not None:
                cl, cm, _ = build_condition(vae, frames, height, width, norm=bundle.latent_norm)
        else:
            cl, cm = cond
        cl, cm = cl.expand(nb, -1, -1, -1, -1), cm.expand(nb, -1, -1, -1, -1)

    def run(x_in, t):
        xb = torch.as_tensor(x_in, dtype=torch.float32).expand(nb, -1, -1, -1, -1)
        v = bundle.dit(xb, torch.full((nb,), float(t)), text_states, mask, cl, cm).double().numpy()
        return v

    cache = {}

    # CFG: diffusion.sample calls model_uncond first; run the batch of 2 once there
    if cfg > 1:
        def mu(x_in, t):
            v = run(x_in, t)
            cache["c"] = v[1:2]
            return v[0:1]
        return D.sample(lambda x_in, t: cache["c"], seed, shape, steps, cfg, mu, callback)
    return D.sample(lambda x_in, t: run(x_in, t), seed, shape, steps, 1.0, None, callback)


SHIPPED_MODEL = "public/models/osp-v13-tiny"


def shipped_defaults(model_dir: str = SHIPPED_MODEL) -> dict:
    """The manifest's defaults (steps, cfgScale, frames, width, height) of the shipped model; {} without one."""
    path = os.path.join(ROOT, model_dir, "manifest.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f).get("defaults", {})


def default_cfg(defaults: dict, conditioned: bool) -> float:
    """The manifest's guidance for a request, as src/models/manifest.ts defaultCfgScale: imageCfgScale when frames
    are given and the model names one, else cfgScale."""
    if conditioned and "imageCfgScale" in defaults:
        return float(defaults["imageCfgScale"])
    return float(defaults.get("cfgScale", 4.5))


def refine_for_model(prompt: str, refine: bool = True) -> str:
    """The text the model gets: the prompt refiner's caption (training/refiner.py, the twin of the page's
    src/text/refiner.ts, so browser = PyTorch for the same prompt), or the prompt as written with refine off or when
    nothing of the model's world was recognised. Mappings and unplaced words go to stderr, the caption to stdout."""
    if not refine:
        print("prompt used as written (--no-refine)", file=sys.stderr)
        return prompt
    from training.refiner import refine_prompt
    r = refine_prompt(prompt)
    for m in r["mappings"]:
        print(f"refiner: {m['from']} → {m['to'] or '(ignored)'} ({m['why']})", file=sys.stderr)
    for u in r["unplaced"]:
        print(f"refiner: {u['word']}: {u['why']}", file=sys.stderr)
    if not r["caption"]:
        print("refiner: nothing of the model's world recognised; the prompt is used as written", file=sys.stderr)
        return prompt
    print(f"refined (refiner v{r['version']}): {json.dumps(r['caption'])}", file=sys.stderr)
    return r["caption"]


def main(argv=None):
    d = shipped_defaults()
    ap = argparse.ArgumentParser(description="Reference sampler: prompt (+ images / video) → MP4 + final latents.")
    ap.add_argument("prompt_pos", nargs="?", default=None, metavar="PROMPT", help="the prompt (or --prompt)")
    ap.add_argument("--prompt", default="")
    ap.add_argument("--negative", default=d.get("negativePrompt", ""))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=int(d.get("steps", 30)))
    ap.add_argument("--cfg", type=float, default=None,
                    help="guidance (default: the shipped model's cfgScale, or its imageCfgScale when frames are given)")
    ap.add_argument("--frames", type=int, default=int(d.get("frames", 17)))
    ap.add_argument("--size", type=int, default=int(d.get("width", 64)))
    ap.add_argument("--height", type=int, default=0)
    ap.add_argument("--width", type=int, default=0)
    ap.add_argument("--image", default="")
    ap.add_argument("--end-image", dest="end_image", default="")
    ap.add_argument("--video", default="")
    ap.add_argument("--noise-strength", dest="noise_strength", type=float, default=0.0)
    ap.add_argument("--ckpt", default="", help="DiT release .pt (default: the shipped model's, "
                    "training/checkpoints/dit_inpaint_tiny.pt, rebuilt from its ONNX weights when missing)")
    ap.add_argument("--vae", default="training/checkpoints/wfvae_tiny.pt")
    ap.add_argument("--random", action="store_true", help="random-init DiT (and VAE if missing)")
    ap.add_argument("-o", "--out", default="sample.mp4")
    ap.add_argument("--latents", default="", help=".npy path (default: next to --out)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-refine", dest="refine", action="store_false",
                    help="give the model the prompt as written (default: refine it as the playground and CLI do)")
    ap.add_argument("--structure", default="", help="structure: a drawn scene .json (sketch / mask) or a video / photo "
                    "(canny) — the Structure Condition Controller, training/structure/sampling.py")
    ap.add_argument("--structure-type", dest="structure_type", choices=("canny", "sketch", "mask"), default="sketch")
    ap.add_argument("--structure-frames", dest="structure_frames", default="all", help="all | first | 0,8,16")
    ap.add_argument("--structure-ckpt", dest="structure_ckpt", default="training/checkpoints/structure_tiny.pt")
    args = ap.parse_args(argv)
    if args.prompt_pos is not None:
        if args.prompt:
            ap.error("give the prompt once: as PROMPT or as --prompt")
        args.prompt = args.prompt_pos
    args.prompt = refine_for_model(args.prompt, args.refine)
    torch.set_num_threads(args.threads)
    from training.dit_bundle import random_bundle
    from training.dit_release import RELEASE, load_release, load_vae
    h, w = args.height or args.size, args.width or args.size
    conditioned = bool(args.image or args.video)
    if args.cfg is None:
        args.cfg = default_cfg(d, conditioned)
    if args.random:
        bundle, tok = random_bundle(inpaint=conditioned)
    else:
        # the shipped model is the inpaint release: it serves text-to-video too (all-masked condition)
        bundle, tok, _ = load_release(args.ckpt or RELEASE["inpaint"])
    unknown = tok.unknown_words(args.prompt) + tok.unknown_words(args.negative)
    if unknown:
        print("unknown words (mapped to <unk>):", " ".join(unknown), file=sys.stderr)
    vae, trained = load_vae(args.vae, allow_random=args.random)
    if not trained:
        print("warning: random-init VAE", file=sys.stderr)
    cond = None
    if conditioned:
        if not bundle.dit.cfg.inpaint:
            raise SystemExit("--image/--video need the inpaint model (dit_inpaint_tiny.pt)")
        if args.video:
            cl, cm, mode = build_condition(vae, args.frames, h, w, video=load_video(args.video, args.frames, h, w),
                                           noise_strength=args.noise_strength, seed=args.seed,
                                           norm=bundle.latent_norm)
        else:
            ims = [load_image(p, h, w) for p in (args.image, args.end_image) if p]
            cl, cm, mode = build_condition(vae, args.frames, h, w, images=ims, noise_strength=args.noise_strength,
                                           seed=args.seed, norm=bundle.latent_norm)
        cond = (cl, cm)
        print("condition mode:", mode, file=sys.stderr)
    if args.structure:  # residuals computed once, added after every DiT block at every step
        from training.structure.sampling import load_signal, residuals, structured_bundle
        from training.models.structure_controller import load_controller
        res, ms = residuals(load_controller(args.structure_ckpt)[0], bundle.dit,
                            load_signal(args.structure, args.structure_type, args.frames, h), args.structure_type,
                            args.structure_frames)
        bundle = structured_bundle(bundle, res)
        print(f"structure: {args.structure_type} on frames {args.structure_frames} ({ms:.0f} ms)", file=sys.stderr)
    x = generate(bundle, tok, vae, args.prompt, args.negative, args.seed, args.steps, args.cfg, args.frames, h, w,
                 cond)
    lat_path = args.latents or os.path.splitext(args.out)[0] + ".npy"
    np.save(lat_path, x.astype(np.float32))
    video = decode_latents(vae, x, bundle.latent_norm)[0]
    write_mp4(video, args.out)
    if args.frames == 1:
        from PIL import Image
        Image.fromarray(((video[:, 0].clamp(-1, 1) / 2 + 0.5) * 255).round().byte().permute(1, 2, 0).numpy()).save(
            os.path.splitext(args.out)[0] + ".png")
    print(json.dumps({"out": args.out, "latents": lat_path, "shape": list(x.shape), "steps": args.steps,
                      "cfg": args.cfg, "seed": args.seed}))


if __name__ == "__main__":
    main()
