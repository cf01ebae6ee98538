"""Train the tiny WF-VAE on CPU (shapes world + real-photo camera-motion clips).

    OMP_WAIT_POLICY=PASSIVE nohup nice -n 5 /usr/bin/python3 -m training.train_vae \
        >> training/runs/vae/log.txt 2>&1 &

Resumes automatically: full state from training/runs/vae/state.pt (git-ignored) if present, otherwise the
EMA weights of the release training/checkpoints/wfvae_tiny.pt (fresh optimizer; git-ignored: absent, load_release
rebuilds it from the shipped public/models/*/vae_*.weights), otherwise from scratch.

Loss (per-frame pixel-sum form of spec §2.6, divided by 3*H*W so numbers are per-pixel means):
    L = L1_w + λ_grad*|∇x̂-∇x| + λ_ssim*(1-SSIM) + λ_KL*KL + λ_WL*(|Ŵ2-W2| + |Ŵ3-W3|)
L1_w weights pixels by 1 + a*edge + b*foreground (edges of the target, dilated; foreground = pixels far from
the clip's dominant colour) so that small objects on flat backgrounds are not ignored (platform.md).
"""
import argparse
import dataclasses
import json
import math
import os
import shutil
import signal
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn.functional as F

from training.cpu_features import cpu_has_bf16  # emulated bf16 is ~10x slower than fp32 (see there)
from training.models.wfvae import WFVAE, WFVAEConfig, count_params

RUN_DIR = "training/runs/vae"
CKPT = "training/checkpoints/wfvae_tiny.pt"


# ------------------------------------------------------------------------------------------------
# data


def _to_tensor(video_u8: np.ndarray) -> torch.Tensor:
    """uint8 [T, H, W, 3] -> float [3, T, H, W] in [-1, 1]."""
    return torch.from_numpy(video_u8).float().permute(3, 0, 1, 2) / 127.5 - 1.0


class MixedData:
    """Shapes-world and photo camera-motion clips, random crops biased toward objects."""

    def __init__(self, seed: int, photo_frac: float = 0.5):
        from training.data.shapes_world import make_clip
        self.make_shape = make_clip
        try:
            from training.data.photo_clips import make_camera_clip, preload
            preload(128)
            self.make_photo = make_camera_clip
        except Exception as e:  # pragma: no cover - data world not landed yet
            print("photo clips unavailable:", e, flush=True)
            self.make_photo = None
        self.rng = np.random.default_rng(seed)
        self.photo_frac = photo_frac if self.make_photo else 0.0

    def _seed(self):
        return int(self.rng.integers(0, 2**31 - 1))

    def _crop(self, v: torch.Tensor, crop: int, center=None):
        _, _, h, w = v.shape
        if crop >= h:
            return v
        if center is not None:
            cx, cy = center
            cx += self.rng.normal(0, crop * 0.2)
            cy += self.rng.normal(0, crop * 0.2)
            x0 = int(np.clip(round(cx - crop / 2), 0, w - crop))
            y0 = int(np.clip(round(cy - crop / 2), 0, h - crop))
        else:
            x0 = int(self.rng.integers(0, w - crop + 1))
            y0 = int(self.rng.integers(0, h - crop + 1))
        return v[:, :, y0:y0 + crop, x0:x0 + crop]

    def clip(self, frames: int, size: int, crop: int) -> torch.Tensor:
        if self.rng.random() < self.photo_frac:
            c = self.make_photo(self._seed(), frames, size, "train")
            return self._crop(_to_tensor(c.video), crop)
        c = self.make_shape(self._seed(), frames, size, "train")
        obj = c.meta["objects"][int(self.rng.integers(0, len(c.meta["objects"])))]
        center = obj["center"][len(obj["center"]) // 2]
        return self._crop(_to_tensor(c.video), crop, center)

    def batch(self, n, frames, size, crop):
        return torch.stack([self.clip(frames, size, crop) for _ in range(n)])


# ------------------------------------------------------------------------------------------------
# losses


def _gauss_window(size=7, sigma=1.5):
    g = torch.exp(-((torch.arange(size) - size // 2).float() ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


_WIN = _gauss_window()


def ssim_frames(a, b):
    """Mean SSIM over frames/channels of [B, 3, T, H, W] in [-1, 1] (data range 2)."""
    bsz, c, t, h, w = a.shape
    a = a.transpose(1, 2).reshape(bsz * t * c, 1, h, w)
    b = b.transpose(1, 2).reshape(bsz * t * c, 1, h, w)
    win = _WIN.to(a.dtype)
    mu_a, mu_b = F.conv2d(a, win), F.conv2d(b, win)
    saa = F.conv2d(a * a, win) - mu_a ** 2
    sbb = F.conv2d(b * b, win) - mu_b ** 2
    sab = F.conv2d(a * b, win) - mu_a * mu_b
    c1, c2 = (0.01 * 2) ** 2, (0.03 * 2) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return s.mean()


def pixel_weights(x, a_edge=4.0, b_fg=2.0):
    """[B,1,T,H,W] weights: 1 + a*dilated edge strength + b*foreground."""
    gx = (x[..., :, 1:] - x[..., :, :-1]).abs().sum(1, keepdim=True)
    gy = (x[..., 1:, :] - x[..., :-1, :]).abs().sum(1, keepdim=True)
    g = F.pad(gx, (0, 1)) + F.pad(gy, (0, 0, 0, 1))
    edge = torch.clamp(g / 0.3, 0, 1)
    bsz, _, t, h, w = edge.shape
    edge = F.max_pool2d(edge.transpose(1, 2).reshape(bsz * t, 1, h, w), 5, 1, 2).reshape(bsz, t, 1, h, w).transpose(1, 2)
    # dominant colour: per-clip median colour
    med = x.flatten(2).median(dim=2).values[:, :, None, None, None]
    fg = ((x - med).abs().sum(1, keepdim=True) > 0.15).float()
    return 1.0 + a_edge * edge + b_fg * fg


def vae_loss(x, rec, post, w_true, w_hat, args):
    rec = rec.float()
    wts = pixel_weights(x)
    l1 = ((rec - x).abs() * wts).mean() / wts.mean()
    gx = lambda z: z[..., :, 1:] - z[..., :, :-1]
    gy = lambda z: z[..., 1:, :] - z[..., :-1, :]
    lgrad = 0.5 * ((gx(rec) - gx(x)).abs().mean() + (gy(rec) - gy(x)).abs().mean())
    lssim = 1.0 - ssim_frames(rec, x) if args.w_ssim > 0 else torch.zeros(())
    bsz, _, t, h, w = x.shape
    per_frame_pix = 3 * h * w
    # spec forms: KL and WL are sums / batch size; L_rec is a per-frame pixel sum -> divide by 3HW
    kl = post.kl().sum() / bsz / per_frame_pix
    (w2, w3), (w2h, w3h) = w_true, w_hat
    wl = ((w2h.float() - w2).abs().sum() + (w3h.float() - w3).abs().sum()) / bsz / per_frame_pix
    loss = l1 + args.w_grad * lgrad + args.w_ssim * lssim + args.w_kl * kl + args.w_wl * wl
    return loss, dict(l1=l1.item(), grad=lgrad.item(), ssim=lssim.item(), kl=kl.item(), wl=wl.item())


def psnr(a, b):
    mse = ((a.float().clamp(-1, 1) - b.float()) ** 2).mean().item()
    return 10 * math.log10(4.0 / max(mse, 1e-12))


# ------------------------------------------------------------------------------------------------
# checkpoints


def save_state(path, model, ema, opt, step, cpu_s, wall_s, cfg, args):
    tmp = path + ".tmp"
    torch.save(dict(model=model.state_dict(), ema=ema.state_dict(), opt=opt.state_dict(), step=step,
                    cpu_seconds=cpu_s, wall_seconds=wall_s, config=cfg.to_dict(), args=vars(args)), tmp)
    os.replace(tmp, path)


def save_release(ema, step, cpu_s, wall_s, cfg, metrics, path=None, **extra):
    """EMA weights (.pt) + meta (.json, with the state's fingerprint: a rebuild from the exported vae_*.weights is
    checked to be this checkpoint). path: default CKPT (looked up at call time)."""
    from training.checkpoint_from_onnx import state_fingerprint
    path = path or CKPT
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    state = {k: v.clone() for k, v in ema.state_dict().items()}
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)
    with open(path.replace(".pt", ".json"), "w") as f:
        json.dump(dict(step=step, cpu_seconds=round(cpu_s, 1), wall_seconds=round(wall_s, 1), config=cfg.to_dict(),
                       weights="EMA", metrics=metrics, **extra, state_sha256=state_fingerprint(state),
                       saved=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())), f, indent=2)


def load_release(path=CKPT):
    """→ (WFVAE in eval mode, meta). The one loader of a VAE release: when the .pt is absent (a clone: the weights
    are committed once, as the exported model's vae_*.weights) it is rebuilt from the model folder exported from it
    (training/checkpoint_from_onnx.py; FileNotFoundError when there is none). No .json: the tiny config."""
    meta = {"config": WFVAEConfig.tiny().to_dict()}
    if os.path.exists(path.replace(".pt", ".json")):
        with open(path.replace(".pt", ".json")) as f:
            meta = json.load(f)
    m = WFVAE(WFVAEConfig(**meta["config"]))
    if os.path.exists(path):
        state = torch.load(path, map_location="cpu")
    else:
        from training.checkpoint_from_onnx import vae_state_dict_for_release
        state = vae_state_dict_for_release(path, meta)
    m.load_state_dict(state)
    return m.eval(), meta


def release_available(path=CKPT) -> bool:
    """The .pt, or an exported model folder that load_release can rebuild it from."""
    from training.checkpoint_from_onnx import vae_model_dir_for
    return os.path.exists(path) or vae_model_dir_for(path) is not None


# ------------------------------------------------------------------------------------------------


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float):
    """Weight EMA of the trainable parameters. Frozen ones are left untouched: d·x + (1 − d)·x is not always x in
    float32, and a decoder-only fine-tune must keep the encoder byte-identical."""
    for pe, pm in zip(ema.parameters(), model.parameters()):
        if pm.requires_grad:
            pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)


def save_recon_png(model, path, data_eval):
    from PIL import Image
    model.eval()
    rows = []
    for x in data_eval:
        rec = model.decode(model.encode(x[None]).mode())[0].clamp(-1, 1)
        t = x.shape[1]
        idx = [0, t // 2, t - 1] if t > 1 else [0]
        for i in idx:
            pair = torch.cat([x[:, i], rec[:, i]], dim=2)
            rows.append(((pair.permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).byte().numpy())
    w = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, w - r.shape[1]), (0, 0))) for r in rows]
    Image.fromarray(np.concatenate(rows, 0)).save(path)
    model.train()


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--bs_video", type=int, default=6)
    ap.add_argument("--bs_image", type=int, default=8)
    ap.add_argument("--frames", type=int, default=9, help="video clip length (1+4k)")
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--image_every", type=int, default=4, help="every n-th step is an image (T=1) batch")
    ap.add_argument("--photo_frac", type=float, default=0.5)
    ap.add_argument("--w_grad", type=float, default=1.0)
    ap.add_argument("--w_ssim", type=float, default=0.2)
    ap.add_argument("--w_kl", type=float, default=1e-6)
    ap.add_argument("--w_wl", type=float, default=0.1)
    ap.add_argument("--bf16", type=int, default=-1,
                    help="bf16 autocast: 1 on, 0 off, -1 (default) on only where the CPU has native bf16")
    ap.add_argument("--max_steps", type=int, default=10 ** 9)
    ap.add_argument("--decay_start", default="", help="UTC HH:MM today: start cosine lr decay (wall-clock schedule)")
    ap.add_argument("--decay_end", default="", help="UTC HH:MM today: lr reaches --lr_min")
    ap.add_argument("--lr_min", type=float, default=5e-5)
    ap.add_argument("--save_every_s", type=float, default=240)
    ap.add_argument("--release_every_s", type=float, default=900)
    ap.add_argument("--png_every_s", type=float, default=600)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--run_dir", default=RUN_DIR)
    ap.add_argument("--decoder_only", type=int, default=0,
                    help="fine-tune the decoder only (frozen encoder: the latent space, and a DiT trained in it, stay "
                         "valid); state in <run_dir>_decoder")
    ap.add_argument("--overfit", type=int, default=0, help="sanity: train on one fixed batch for n steps")
    ap.add_argument("--base", type=int, default=None,
                    help="base width B of the tiny config (16); energy-flow widths follow the released ratios "
                         "(E_enc = B/2, E_dec = B): 128 = the released widths")
    ap.add_argument("--release", default=CKPT, help="where the EMA release (.pt + .json) goes and resumes from")
    ap.add_argument("--fresh", type=int, default=0, help="1: start from random weights even if --release exists")
    args = ap.parse_args(argv)
    if args.bf16 < 0:
        args.bf16 = int(cpu_has_bf16())

    torch.set_num_threads(args.threads)
    if args.decoder_only and args.run_dir == RUN_DIR:
        args.run_dir = RUN_DIR + "_decoder"  # its own state: the full run's state.pt stays resumable
    os.makedirs(args.run_dir, exist_ok=True)
    state_path = os.path.join(args.run_dir, "state.pt")
    cfg = WFVAEConfig.tiny()
    if args.base:
        cfg = dataclasses.replace(cfg, base_channels=args.base, encoder_energy_flow_hidden_size=args.base // 2,
                                  decoder_energy_flow_hidden_size=args.base)
    model = WFVAE(cfg)
    ema = WFVAE(cfg)
    step, cpu_prev, wall_prev = 0, 0.0, 0.0
    if args.decoder_only:
        # The encoder (and so every latent the DiT was trained on) stays bit-identical; only the decoder learns.
        model.encoder.requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, betas=(0.9, 0.999),
                            weight_decay=args.wd)
    if args.overfit == 0 and os.path.exists(state_path):
        st = torch.load(state_path, map_location="cpu")
        model.load_state_dict(st["model"])
        ema.load_state_dict(st["ema"])
        opt.load_state_dict(st["opt"])
        step, cpu_prev, wall_prev = st["step"], st["cpu_seconds"], st["wall_seconds"]
        print(f"resumed full state from {state_path} at step {step}", flush=True)
    elif args.overfit == 0 and not args.fresh and release_available(args.release):  # the .pt, or its rebuild
        m, meta = load_release(args.release)
        model.load_state_dict(m.state_dict())
        ema.load_state_dict(m.state_dict())
        step, cpu_prev, wall_prev = meta["step"], meta["cpu_seconds"], meta.get("wall_seconds", 0.0)
        print(f"resumed EMA weights from {args.release} at step {step} (fresh optimizer)", flush=True)
        args.warmup = step + 200  # re-warm the fresh optimizer
    else:
        ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    print(f"config {cfg.to_dict()} params enc {count_params(model.encoder)} dec {count_params(model.decoder)}",
          flush=True)

    data = MixedData(args.seed * 1000 + step, args.photo_frac)
    from training.data.shapes_world import make_clip
    eval_vis = [_to_tensor(make_clip(s, 17, 128, "eval").video) for s in (0, 1)]
    if data.make_photo:
        eval_vis.append(_to_tensor(data.make_photo(0, 17, 128, "eval").video))
    fixed = None
    if args.overfit:
        fixed = data.batch(args.bs_video, 17, 128, args.crop)

    def utc_today(hhmm):
        hh, mm = (int(v) for v in hhmm.split(":"))
        now = time.gmtime()
        return time.mktime((now.tm_year, now.tm_mon, now.tm_mday, hh, mm, 0, 0, 0, 0)) - time.timezone

    if args.decay_start and args.decay_end:
        t_dec0, t_dec1 = utc_today(args.decay_start), utc_today(args.decay_end)
        print(f"cosine lr decay {args.lr:g} -> {args.lr_min:g} from {args.decay_start} to {args.decay_end} UTC",
              flush=True)
    stage = {"decoder_only": True} if args.decoder_only else {}  # recorded in the release meta
    t_cpu0, t_wall0 = time.process_time(), time.time()
    last_save = last_rel = last_png = time.time()
    hist = {}
    model.train()
    stop = []  # SIGTERM (a session ending, `kill`): finish the step, then save the state and the release below
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    while step < args.max_steps and (not args.overfit or step < args.overfit) and not stop:
        if fixed is not None:
            x = fixed
        elif args.image_every and step % args.image_every == args.image_every - 1:
            x = data.batch(args.bs_image, 1, 128, 128 if step % (2 * args.image_every) else args.crop)
        else:
            x = data.batch(args.bs_video, args.frames, 128, args.crop)
        lr = args.lr * min(1.0, (step + 1) / max(1, args.warmup))
        if args.decay_start and args.decay_end:
            frac = min(1.0, max(0.0, (time.time() - t_dec0) / max(1.0, t_dec1 - t_dec0)))
            lr = args.lr_min + (lr - args.lr_min) * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(args.bf16)):
            rec, post, w_true, w_hat = model(x)
        loss, parts = vae_loss(x, rec, post, w_true, w_hat, args)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        ema_update(ema, model, min(args.ema, (1 + step) / (10 + step)))
        step += 1
        parts["psnr"] = psnr(rec.detach(), x)
        parts["loss"] = loss.item()
        for k, v in parts.items():
            hist.setdefault(k, []).append(v)
        if step % 50 == 0 or args.overfit:
            cpu_s = cpu_prev + time.process_time() - t_cpu0
            msg = " ".join(f"{k} {np.mean(v):.4g}" for k, v in hist.items())
            print(f"step {step} lr {lr:.2e} gn {gn:.3g} {msg} cpu_s {cpu_s:.0f} "
                  f"wall {time.time() - t_wall0:.0f}", flush=True)
            hist = {}
        now = time.time()
        if args.overfit:
            continue
        cpu_s = cpu_prev + time.process_time() - t_cpu0
        wall_s = wall_prev + now - t_wall0
        if now - last_save > args.save_every_s:
            save_state(state_path, model, ema, opt, step, cpu_s, wall_s, cfg, args)
            last_save = now
        if now - last_png > args.png_every_s:
            save_recon_png(ema, os.path.join(args.run_dir, f"recon_{step:06d}.png"), eval_vis)
            shutil.copy(os.path.join(args.run_dir, f"recon_{step:06d}.png"), os.path.join(args.run_dir, "recon_latest.png"))
            last_png = now
        if now - last_rel > args.release_every_s:
            with torch.no_grad():
                ema.eval()
                ps = [psnr(ema.decode(ema.encode(v[None]).mode()), v[None]) for v in eval_vis]
            save_release(ema, step, cpu_s, wall_s, cfg, {"psnr_eval_vis": [round(p, 2) for p in ps]}, args.release,
                         **stage)
            print(f"release checkpoint at step {step}: psnr {ps}", flush=True)
            last_rel = now
    if args.overfit:
        save_recon_png(model, os.path.join(args.run_dir, "overfit.png"), [fixed[0]])
        return
    cpu_s = cpu_prev + time.process_time() - t_cpu0
    wall_s = wall_prev + time.time() - t_wall0
    save_state(state_path, model, ema, opt, step, cpu_s, wall_s, cfg, args)
    save_release(ema, step, cpu_s, wall_s, cfg, {}, args.release, **stage)


if __name__ == "__main__":
    main()
