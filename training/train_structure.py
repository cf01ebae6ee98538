"""Train the Structure Condition Controller (spec §6) on CPU against the frozen bundled DiT.

    OMP_NUM_THREADS=1 nohup nice -n 10 /usr/bin/python3 -m training.train_structure --time_budget_s 2400 &

Base: the shipped inpaint release (training/checkpoints/dit_inpaint_tiny.pt, rebuilt from public/models/osp-v13-tiny
when missing), run as text-to-video (the all-masked condition, as the sampler does), every weight frozen; only the
controller trains (zero-init projectors: step 0 is exactly the base model).

Data per clip (held-out combinations stay held out: shapes-world and photo clips from their 'train' splits only):
  shapes world (--photo_frac of clips are photo camera clips instead) with a structure type drawn from
  canny / sketch / mask (canny of the rendered frames; sketch and mask from the scene geometry), photo clips with
  canny of the real frames; controlled frames: all (50 %), first only (25 %), a random subset (25 %).
  Text: the clip's caption (10 % "": the CFG branch sees the structure too).
Loss: v-prediction MSE through the frozen DiT with the residuals; timesteps stratified and biased to high noise
(t = 1000·u^0.5) and no min-SNR weights by default — the structure decides the layout, which is set at high noise,
and the DiT's min-SNR weights (≈ SNR there) all but removed that signal: after 171 steps with them the controller
had not lowered the loss at t = 850 at all (first run, docs/structure.md).

Outputs: full state (--run_dir/state_structure.pt: controller, EMA, optimizer, RNG, step, CPU seconds) every
--save_every_s and on SIGTERM (finish the step, save, exit); the EMA release --release (.pt + .json with the config,
steps and CPU seconds). Resumes from the state when it exists. Single process (one thread is the budget here).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training import diffusion as D
from training import latent_norm as LN
from training.cpu_features import cpu_has_bf16
from training.data import photo_clips
from training.data.datasets import video_to_tensor
from training.data.shapes_world import make_clip
from training.models.structure_controller import (STRUCTURE_TYPES, StructureConfig, StructureController,
                                                  controller_bytes, dit_forward_with_residuals)
from training.structure.signals import signal_of, structure_video

RELEASE = "training/checkpoints/structure_tiny.pt"
RUN_DIR = "training/runs/structure"


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="training/checkpoints/dit_inpaint_tiny.pt")
    ap.add_argument("--vae", default="training/checkpoints/wfvae_tiny.pt")
    ap.add_argument("--depth", type=int, default=2, help="K controller blocks")
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--time_budget_s", type=float, default=0.0, help="stop after this many wall seconds of this run")
    ap.add_argument("--bs", type=int, default=8)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--ema", type=float, default=0.99)
    ap.add_argument("--t_power", type=float, default=0.5, help="timesteps t = 1000·u^p: p < 1 favours high noise, "
                    "where the layout is decided (1: uniform)")
    ap.add_argument("--snr_weight", type=int, default=0, help="1: the DiT's min-SNR-γ weights; 0: plain v-MSE, so "
                    "high-noise steps (v ≈ −x0: the layout) are not down-weighted")
    ap.add_argument("--photo_frac", type=float, default=0.15)
    ap.add_argument("--text_drop", type=float, default=0.1)
    ap.add_argument("--bf16", type=int, default=-1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (one GPU; not yet run on one)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--run_dir", default=RUN_DIR)
    ap.add_argument("--release", default=RELEASE)
    ap.add_argument("--save_every_s", type=float, default=300)
    ap.add_argument("--log_every", type=int, default=10)
    return ap.parse_args(argv)


def draw_frames(rng: np.random.Generator, frames: int) -> tuple[str, list[int]]:
    u = rng.random()
    if u < 0.5:
        return "all", list(range(frames))
    if u < 0.75:
        return "first", [0]
    sel = [i for i in range(frames) if rng.random() < 0.3] or [int(rng.integers(frames))]
    return "subset", sel


def draw_sample(rng: np.random.Generator, frames: int, size: int, photo_frac: float):
    """→ (uint8 video [T, H, W, 3], caption, structure [2, T, H, W], type id, (kind, frame mode))."""
    seed = int(rng.integers(2 ** 31))
    if rng.random() < photo_frac:
        clip = photo_clips.make_camera_clip(seed, frames, size, "train")
        kind = "canny"
    else:
        clip = make_clip(seed, frames, size, "train")
        kind = STRUCTURE_TYPES[int(rng.integers(len(STRUCTURE_TYPES)))]
    mode, sel = draw_frames(rng, frames)
    sig = signal_of(kind, clip.video, clip.meta)
    return clip.video, clip.caption, structure_video(sig, sel), STRUCTURE_TYPES.index(kind), (kind, mode)


def load_base(base: str, vae_path: str):
    from training.train_dit import load_release, load_vae
    bundle, tok, meta = load_release(base)
    bundle.requires_grad_(False)
    vae, trained = load_vae(vae_path)
    if not trained:
        raise SystemExit("the structure controller trains against the trained VAE")
    return bundle, tok, meta, vae


def all_masked_condition(vae, frames, size, norm):
    """The sampler's text-to-video condition (zero video, everything masked) for the inpaint model."""
    from training.sample import build_condition
    cl, cm, _ = build_condition(vae, frames, size, size, norm=norm)
    return cl, cm


def save_release(path: str, state: dict, cfg: StructureConfig, extra: dict):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    torch.save({k: v.detach().cpu().clone() for k, v in state.items()}, tmp)
    os.replace(tmp, path)
    with open(path.replace(".pt", ".json"), "w") as f:
        json.dump({"structure_config": cfg.to_dict(), "types": list(STRUCTURE_TYPES), **extra}, f, indent=1)
        f.write("\n")


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    if args.bf16 < 0:
        args.bf16 = int(dev.type == "cuda" or cpu_has_bf16())
    os.makedirs(args.run_dir, exist_ok=True)
    state_path = os.path.join(args.run_dir, "state_structure.pt")
    bundle, tok, base_meta, vae = load_base(args.base, args.vae)
    bundle.to(dev)
    vae.to(dev)
    dit, norm = bundle.dit, bundle.latent_norm
    torch.manual_seed(args.seed)
    cfg = StructureConfig.for_dit(dit.cfg, depth=args.depth)
    ctrl = StructureController(cfg).to(dev)
    opt = torch.optim.AdamW(ctrl.parameters(), lr=args.lr, weight_decay=0.0)
    rng = np.random.default_rng([args.seed, 30])
    gen = torch.Generator(device=dev).manual_seed(args.seed)
    step, cpu_total, wall_total = 0, 0.0, 0.0
    ema = {k: v.detach().clone() for k, v in ctrl.state_dict().items()}
    st = torch.load(state_path, map_location="cpu") if os.path.exists(state_path) else None
    if st is not None:
        ctrl.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        ema = {k: v.to(dev) for k, v in st["ema"].items()}
        rng.bit_generator.state = st["rng"]
        gen.set_state(st["gen"])
        step, cpu_total, wall_total = st["step"], st["cpu_seconds"], st["wall_seconds"]
        print(f"resumed {state_path} at step {step}", flush=True)
    cl, cm = (v.to(dev) for v in all_masked_condition(vae, args.frames, args.size, norm))
    lt, hp = cl.shape[2], args.size // 16
    cos, sin = dit.rope(lt, hp, hp, dev)
    print(f"controller {sum(p.numel() for p in ctrl.parameters()):,} params ({controller_bytes(ctrl):,} bytes), "
          f"K {args.depth}, base {args.base} step {base_meta.get('step')}, bf16 {args.bf16}", flush=True)

    stop = []  # SIGTERM: finish the step, save state + release, exit
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    t_run0, c_run0, t_save = time.time(), time.process_time(), time.time()

    def checkpoint(final=False):
        nonlocal t_save
        cpu = cpu_total + time.process_time() - c_run0
        wall = wall_total + time.time() - t_run0
        tmp = state_path + ".tmp"
        torch.save({"model": ctrl.state_dict(), "opt": opt.state_dict(), "ema": ema, "rng": rng.bit_generator.state,
                    "gen": gen.get_state(), "step": step, "cpu_seconds": cpu, "wall_seconds": wall,
                    "args": vars(args)}, tmp)
        os.replace(tmp, state_path)
        save_release(args.release, ema, cfg, {
            "step": step, "cpu_seconds": round(cpu, 1), "wall_seconds": round(wall, 1), "base": args.base,
            "base_state_sha256": base_meta.get("state_sha256"), "params": sum(p.numel() for p in ctrl.parameters()),
            "bytes_fp32": controller_bytes(ctrl), "args": vars(args), "final": final,
            "saved": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        t_save = time.time()

    log = {"loss": 0.0, "n": 0, "t_data": 0.0, "t_step": 0.0}
    ctrl.train()
    while step < args.steps and not stop and not (args.time_budget_s and time.time() - t_run0 >= args.time_budget_s):
        lr = args.lr * min(1.0, (step + 1) / args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.time()
        items = [draw_sample(rng, args.frames, args.size, args.photo_frac) for _ in range(args.bs)]
        video = torch.stack([video_to_tensor(v) for v, *_ in items]).to(dev)
        caps = [("" if rng.random() < args.text_drop else c) for _, c, *_ in items]
        s = torch.from_numpy(np.stack([x[2] for x in items])).to(dev)
        tid = torch.tensor([x[3] for x in items], device=dev)
        with torch.no_grad():
            from training.train_dit import encode_latents
            x0 = LN.to_dit(encode_latents(vae, video, gen), norm)
            ids, tmask = (v.to(dev) for v in tok.encode_batch(caps))
            states = bundle.text_encoder(ids, tmask)
        t1 = time.time()
        b = x0.shape[0]
        u = (torch.arange(b, dtype=torch.float64, device=dev) + torch.rand(b, generator=gen, dtype=torch.float64,
                                                                           device=dev)) / b
        t = (D.NUM_TRAIN_TIMESTEPS * u ** args.t_power).long().clamp(0, D.NUM_TRAIN_TIMESTEPS - 1)  # stratified
        noise = torch.randn(x0.shape, generator=gen, device=dev)
        xt = D.q_sample(x0, noise, t)
        target = D.v_target(x0, noise, t)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bool(args.bf16)):
            res = ctrl(s, tid, cos, sin)
            pred = dit_forward_with_residuals(dit, xt, t.float(), states, tmask, cl.expand(b, -1, -1, -1, -1),
                                              cm.expand(b, -1, -1, -1, -1), res)
        loss = D.v_loss(pred.float(), target, t) if args.snr_weight else (pred.float() - target).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ctrl.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for k, v in ctrl.state_dict().items():
                ema[k].mul_(args.ema).add_(v.detach(), alpha=1 - args.ema) if v.dtype.is_floating_point else \
                    ema[k].copy_(v)
        step += 1
        log["loss"] += float(loss)
        log["n"] += 1
        log["t_data"] += t1 - t0
        log["t_step"] += time.time() - t1
        if step % args.log_every == 0:
            n = log["n"]
            print(f"step {step} loss {log['loss'] / n:.4f} lr {lr:.2e} s/step data+vae {log['t_data'] / n:.2f} "
                  f"ctrl+dit {log['t_step'] / n:.2f} cpu_s {cpu_total + time.process_time() - c_run0:.0f}", flush=True)
            log = {k: 0.0 if isinstance(v, float) else 0 for k, v in log.items()}
        if time.time() - t_save > args.save_every_s:
            checkpoint()
    checkpoint(final=True)
    print(f"saved at step {step}{' (SIGTERM)' if stop else ''}", flush=True)
    return step


if __name__ == "__main__":
    main()
