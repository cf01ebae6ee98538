"""Train the Skiparse DiT (+ the small text encoder, jointly) on CPU, single process or under torchrun (gloo).

    OMP_WAIT_POLICY=PASSIVE nice -n 5 /usr/bin/python3 -m training.train_dit --stage image --steps 20000
    OMP_WAIT_POLICY=PASSIVE torchrun --nproc_per_node 2 -m training.train_dit --stage joint --threads 1 ...
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.train_dit --nproc 2 --threads 1 ...   (same, without
        torchrun: Debian's torchrun crashes on Python 3.11 before starting the ranks)

Stages (spec §8.3, §5.2; each resumes from its own full state, or initialises from the previous stage's EMA
release): `image` (T = 1 batches; `--dense 1` for the dense-3D T2I warm-up, Skiparse is weight-free so the same
weights continue with Skiparse), `joint` (images + videos, same-shape batches bucketed by T×H×W), `inpaint`
(OpenSoraInpaint: 20-channel input, mask curriculum of training/masks.py by stage progress).

Per step: VAE latents from the frozen WF-VAE (posterior sample × 0.18215; with --latent_norm then normalised per
channel to unit variance, training/latent_norm.py) — or, with --latent_cache, read back from a cache of them and
of their masked copies (training/latent_cache.py: ≈ 2× the clips per second) — rank-stratified uniform timesteps,
q_sample, v-prediction target, MSE with min-SNR-γ = 5 weights, 10 % text dropout ("" for T2V; half "" and half the
generic caption for inpainting), AdamW (β 0.9/0.999, wd 1e-2, eps 1e-15), adaptive gradient clipping
(spec §8.2: v1.3 per-rank dropping of abnormal local batches under DDP, v1.5 clip-to-threshold on one process),
weight EMA, bf16 autocast (weights/optimizer fp32).

Distributed: gloo process group; every rank draws the same batch shape each step (seeded shape RNG, Min-Max token
/ bucket sampler semantics) but its own clips; gradients are computed locally and all-reduced explicitly after the
v1.3 abnormal-rank decision (upstream patches DeepSpeed's backward to do the same before its reduce).

Outputs: full state (models, EMA, optimizer, clip statistics, RNG) in --run_dir (training/runs/dit/, git-ignored);
EMA weights-only release (+ .json) in --release (training/checkpoints/dit_tiny.pt or dit_inpaint_tiny.pt).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.distributed as dist

from training import diffusion as D
from training import latent_norm as LN
from training import masks as MK
from training.batch_workers import Batcher as Batcher, from_uint8
from training.cpu_features import cpu_has_bf16
from training.dit_bundle import DiTBundle as DiTBundle, default_configs as default_configs, random_bundle as random_bundle
from training.dit_release import (  # re-exported: `training.train_dit.X` keeps working
    RELEASE as RELEASE,
    VAE_CKPT as VAE_CKPT,
    encode_condition as encode_condition,
    encode_latents as encode_latents,
    load_release as load_release,
    load_vae as load_vae,
    release_meta as release_meta,
    save_release as save_release,
)
from training.models.skiparse_dit import count_params
from training.models.text_encoder import TextEncoder
from training.tokenizer import GENERIC_CAPTION, Tokenizer

RUN_DIR = "training/runs/dit"




# ------------------------------------------------------------------------------------------ training helpers
class EMA:
    def __init__(self, module: torch.nn.Module, decay: float):
        self.decay = decay
        self.shadow = {k: v.detach().clone().float() for k, v in module.state_dict().items()}

    @torch.no_grad()
    def update(self, module: torch.nn.Module):
        """shadow ← d·shadow + (1 − d)·weights, as one multi-tensor op per list (one kernel launch per op on a GPU,
        not one per tensor)."""
        shadow, cur = [], []
        for k, v in module.state_dict().items():
            if v.dtype.is_floating_point:
                shadow.append(self.shadow[k])
                cur.append(v.detach().float())
            else:
                self.shadow[k].copy_(v)
        torch._foreach_mul_(shadow, self.decay)
        torch._foreach_add_(shadow, cur, alpha=1 - self.decay)


class AdaptiveClipV13:
    """Spec §8.2 v1.3: drop abnormal local batches (grad norm > ema + 3√var, or non-finite), rescale survivors
    by N/M before the mean all-reduce; EMA of the max surviving norm (skipped when ≥ 2 ranks dropped)."""

    def __init__(self, alpha=0.99):
        self.alpha, self.ema, self.var, self.init = alpha, 0.0, 0.0, False

    def decide(self, norms):
        norms = [float(n) for n in norms]
        finite = [n if math.isfinite(n) else 0.0 for n in norms]
        nmax = max(finite)
        if not self.init:
            self.ema, self.var, self.init = nmax, nmax, True
            keep = [math.isfinite(n) for n in norms]
        else:
            tau = self.ema + 3.0 * math.sqrt(self.var)
            keep = [math.isfinite(n) and n <= tau for n in norms]
            dropped = len(norms) - sum(keep)
            if sum(keep) and dropped < 2:
                gmax = max(n for n, k in zip(finite, keep) if k)
                self.ema = self.alpha * self.ema + (1 - self.alpha) * gmax
                self.var = self.alpha * self.var + (1 - self.alpha) * (gmax - self.ema) ** 2
        return keep

    def tau(self) -> float:
        return self.ema + 3.0 * math.sqrt(self.var) if self.init else float("inf")

    def state_dict(self):
        return {"alpha": self.alpha, "ema": self.ema, "var": self.var, "init": self.init}

    def load_state_dict(self, d):
        self.alpha, self.ema, self.var, self.init = d["alpha"], d["ema"], d["var"], d["init"]


class AdaptiveClipV15(AdaptiveClipV13):
    """Spec §8.2 v1.5: global norm g; τ = ema + 3√var; g ≤ τ → update statistics, step; else clip to τ, step."""

    def clip_coef(self, g: float) -> float:
        if not math.isfinite(g):
            return 0.0
        if not self.init:
            self.ema, self.var, self.init = g, g, True
            return 1.0
        tau = self.ema + 3.0 * math.sqrt(self.var)
        if g <= tau:
            self.ema = self.alpha * self.ema + (1 - self.alpha) * g
            self.var = self.alpha * self.var + (1 - self.alpha) * (g - self.ema) ** 2
            return 1.0
        return tau / (g + 1e-12)


def grad_norm(params) -> float:
    """Global L2 norm of the gradients, read back once (a read per tensor is a GPU sync per tensor)."""
    sq = [p.grad.detach().float().pow(2).sum().double() for p in params if p.grad is not None]
    return math.sqrt(float(torch.stack(sq).sum())) if sq else 0.0


def allreduce_grads(params, world):
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world
    o = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[o:o + n].view_as(g))
        o += n


def param_groups(model: DiTBundle, wd: float, xattn_lr_mult: float = 1.0):
    """AdamW groups. With xattn_lr_mult ≠ 1 the text cross-attention's query and key projections (attn2.to_q,
    attn2.to_k of every block) get lr × mult and no weight decay. Why: in the trained tiny DiT that attention stayed
    near uniform over the prompt (entropy 94–98 % of ln L; eval_dit.cross_attention_focus), so every token received
    the same bag-of-words mean of the prompt — enough for colours, not for binding a shape or a direction to the
    object. Sharper attention needs larger q·k logits, i.e. larger q/k weights, which a small lr and decay hold back."""
    if xattn_lr_mult == 1.0:
        return [{"params": list(model.parameters())}]
    qk = [p for n, p in model.named_parameters() if ".attn2.to_q." in n or ".attn2.to_k." in n]
    ids = {id(p) for p in qk}
    rest = [p for p in model.parameters() if id(p) not in ids]
    return [{"params": rest}, {"params": qk, "lr_mult": xattn_lr_mult, "weight_decay": 0.0}]


def lr_decay(step: int, steps: int, decay_steps: int, floor: float = 0.1) -> float:
    """Linear learning-rate cool-down to `floor` over the last `decay_steps` steps of the stage (1 before)."""
    if decay_steps <= 0:
        return 1.0
    return 1.0 - (1.0 - floor) * min(1.0, max(0, step - (steps - decay_steps)) / decay_steps)


def text_identity_loss(text_encoder: TextEncoder, states: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor):
    """Cross-entropy of each word's own id from its output state, through the tied token embedding (no new weights,
    nothing exported). Why: trained only through the DiT, the jointly trained encoder let words the denoiser could
    not yet use collapse — "left"/"right" and "circle"/"square" gave text states 1–6 % apart, so no later DiT
    training could learn direction or shape from them. Upstream's text encoder is frozen and pretrained, so its
    states keep every word apart; this keeps ours apart while it trains."""
    logits = states.float() @ text_encoder.tok.weight.float().t()
    m = mask.bool()
    return torch.nn.functional.cross_entropy(logits[m], ids[m])


def drop_text(captions, rng, p=0.1, inpaint=False):
    out = []
    for c in captions:
        if rng.random() < p:
            c = (GENERIC_CAPTION if rng.random() < 0.5 else "") if inpaint else ""
        out.append(c)
    return out


# --------------------------------------------------------------------------------------------------------- main
def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", choices=("image", "joint", "inpaint"), default="image")
    ap.add_argument("--steps", type=int, default=1000, help="total steps of this stage (sets curriculum progress)")
    ap.add_argument("--max_steps_this_run", type=int, default=10 ** 9)
    ap.add_argument("--dense", type=int, default=0, help="dense 3D attention in every layer (T2I warm-up)")
    ap.add_argument("--size", type=int, default=64, help="pixel size (latent = size/8, tokens = (size/16)² per frame)")
    ap.add_argument("--sizes", default="", help="comma list of square sizes bucketed per step (multiples of 16); "
                                                "batch sizes scale by (size[0]/size)²")
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--video_frac", type=float, default=0.75, help="joint stage: share of video batches")
    ap.add_argument("--bs_video", type=int, default=8)
    ap.add_argument("--bs_image", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--decay_steps", type=int, default=0, help="linear LR cool-down to 10 %% over the last N steps")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--ema", type=float, default=0.999, help="upstream 0.9999; shorter for CPU-sized runs")
    ap.add_argument("--clip", choices=("auto", "v13", "v15", "fixed", "none"), default="auto")
    ap.add_argument("--clip_alpha", type=float, default=0.99)
    ap.add_argument("--t2v_min", type=float, default=0.0,
                    help="inpaint stage: floor on the all-masked (text-to-video) mask share (spec: 5-10 %%)")
    ap.add_argument("--curriculum_steps", type=int, default=0,
                    help="inpaint stage: steps over which the mask curriculum runs (default --steps); lets a resumed "
                         "run extend --steps while staying at the curriculum's end")
    ap.add_argument("--text_drop", type=float, default=0.1)
    ap.add_argument("--snr_weight_floor", type=float, default=0.0,
                    help="raise the min-SNR loss weight on the high-noise side (SNR < 5) to at least this "
                         "(0 = upstream; see diffusion.loss_weights)")
    ap.add_argument("--text_id_loss", type=float, default=0.0,
                    help="weight of the text-identity loss (text_identity_loss: keeps every word's text state apart)")
    ap.add_argument("--bf16", type=int, default=-1,
                    help="bf16 autocast: 1 on, 0 off, -1 (default) on only where the CPU has native bf16 (cpu_has_bf16)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--head_dim", type=int, default=48)
    ap.add_argument("--text_width", type=int, default=192)
    ap.add_argument("--text_layers", type=int, default=3)
    ap.add_argument("--vae", default=VAE_CKPT, help="checkpoint path, or 'random' (smoke tests only)")
    ap.add_argument("--init", default="", help="initialise from an EMA release (.pt); default: previous stage")
    ap.add_argument("--run_dir", default=RUN_DIR)
    ap.add_argument("--release", default="", help="EMA release path (default training/checkpoints/dit_*.pt)")
    ap.add_argument("--save_every_s", type=float, default=600)
    ap.add_argument("--release_every_s", type=float, default=1800)
    ap.add_argument("--log_every", type=int, default=20)
    ap.add_argument("--latent_norm", default="", help="per-channel latent shift/scale JSON (training/latent_norm.py);"
                                                     " recorded in the release so sampler, export and engine match")
    ap.add_argument("--weights", default="", help='world weights as JSON, e.g. {"shapes": 1}')
    ap.add_argument("--xattn_lr_mult", type=float, default=1.0,
                    help="lr multiplier (and no weight decay) for the text cross-attention's q/k projections "
                         "(param_groups; 1 = one group, as upstream)")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda (one GPU per rank: LOCAL_RANK; nccl under DDP)")
    ap.add_argument("--data_workers", type=int, default=0,
                    help="render batches in N DataLoader worker processes (training/batch_workers.py; for a GPU)")
    ap.add_argument("--reuse", type=int, default=1,
                    help="train each rendered batch up to N times, each with fresh timesteps, noise and text dropout "
                         "(keeps a GPU busy when rendering is the bottleneck). With --data_workers a batch is left "
                         "as soon as the next is ready (at least once; timing-dependent), else exactly N times")
    ap.add_argument("--time_budget_s", type=float, default=0.0,
                    help="stop after this many wall seconds of this run; the LR cool-down then follows the "
                         "elapsed share of the budget (as if --steps were reached at the end) instead of steps")
    ap.add_argument("--stop_at_unix", type=float, default=0.0,
                    help="stop by this wall-clock time (seconds since the epoch): a deadline from a caller whose "
                         "start-up time varies (a rented machine's call limit); shortens --time_budget_s to what is "
                         "left when training starts")
    ap.add_argument("--latent_cache", default="", help="inpaint stage: read clips and their masked copies from a "
                    "training/latent_cache.py folder instead of rendering and encoding them (the curriculum's end)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    dev = torch.device(args.device)
    if dev.type == "cuda":
        dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(dev)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if args.bf16 < 0:
        args.bf16 = int(dev.type == "cuda" or cpu_has_bf16())
    if world > 1:
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    is_main = rank == 0
    inpaint = args.stage == "inpaint"
    release_path = args.release or RELEASE["inpaint" if inpaint else "t2v"]
    os.makedirs(args.run_dir, exist_ok=True)
    state_path = os.path.join(args.run_dir, f"state_{args.stage}.pt")

    tok = Tokenizer()
    torch.manual_seed(args.seed)
    dc, tc = default_configs(tok, inpaint, args.layers, args.heads, args.head_dim, args.text_width,
                             args.text_layers, bool(args.dense))
    model = DiTBundle(dc, tc)
    vae, vae_trained = (load_vae("", True) if args.vae == "random" else load_vae(args.vae))
    lnorm = LN.load(args.latent_norm)

    opt = torch.optim.AdamW(param_groups(model, args.wd, args.xattn_lr_mult), lr=args.lr, betas=(0.9, 0.999),
                            weight_decay=args.wd, eps=1e-15)
    clip_mode = args.clip if args.clip != "auto" else ("v13" if world > 1 else "v15")
    clipper = AdaptiveClipV13(args.clip_alpha) if clip_mode == "v13" else AdaptiveClipV15(args.clip_alpha)
    frame_choices = {1: 1.0} if args.stage == "image" else (
        {args.frames: args.video_frac, 1: 1 - args.video_frac} if args.stage == "joint" else {args.frames: 1.0})
    weights = json.loads(args.weights) if args.weights else None
    sizes = [int(v) for v in args.sizes.split(",")] if args.sizes else [args.size]
    st = torch.load(state_path, map_location="cpu") if os.path.exists(state_path) else None  # resume state
    cache = None
    if args.latent_cache:
        from training.latent_cache import CachedBatcher, LatentCache
        if not inpaint or len(sizes) > 1 or dev.type != "cpu":
            raise SystemExit("--latent_cache serves the inpaint stage at one size, on CPU")
        cache = LatentCache(args.latent_cache, sizes[0], args.frames, vae)
        batcher = CachedBatcher(cache, args.seed, rank)
        if is_main:
            print(f"latent cache {args.latent_cache}: {len(cache)} clips", flush=True)
    elif args.data_workers > 0:
        from training.batch_workers import MaskPlan, ParallelBatcher
        start = st["step"] if st is not None else 0
        plan = MaskPlan(args.curriculum_steps or args.steps, args.reuse, start, args.t2v_min) if inpaint else None
        batcher = ParallelBatcher(args.data_workers, frame_choices, sizes, args.bs_video, args.bs_image, args.seed,
                                  rank, weights, pin_memory=dev.type == "cuda", masks=plan)
    else:
        batcher = Batcher(frame_choices, sizes, args.bs_video, args.bs_image, args.seed, rank, weights)
    rng = np.random.default_rng([args.seed, rank, 7])
    gen = torch.Generator(device=dev).manual_seed(args.seed * 1000 + rank)  # noise is drawn where it is used
    model.to(dev)
    vae.to(dev)
    step, cpu_total, wall_total = 0, 0.0, 0.0

    if st is not None:
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        ema = EMA(model, args.ema)
        ema.shadow = {k: v.to(dev) for k, v in st["ema"].items()}
        clipper.load_state_dict(st["clip"])
        batcher.load(st["batcher"][rank] if rank < len(st["batcher"]) else st["batcher"][0])
        step, cpu_total, wall_total = st["step"], st["cpu_seconds"], st["wall_seconds"]
        gen.set_state(st["gen"]) if world == 1 else None
        if is_main:
            print(f"resumed {state_path} at step {step}", flush=True)
    else:
        init = args.init or (RELEASE["t2v"] if inpaint or args.stage == "joint" else "")
        if init and os.path.exists(init):
            sd = torch.load(init, map_location="cpu")
            if inpaint and not any(k.startswith("dit.pos_embed_mask") for k in sd):
                model.text_encoder.load_state_dict({k[13:]: v for k, v in sd.items() if k.startswith("text_encoder.")})
                model.dit.load_t2v({k[4:]: v for k, v in sd.items() if k.startswith("dit.")})
            else:
                model.load_state_dict(sd)
            if is_main:
                print(f"initialised from {init}", flush=True)
        ema = EMA(model, args.ema)
    if world > 1:  # identical initial weights on every rank (what DDP's constructor does)
        for p in model.state_dict().values():
            dist.broadcast(p, 0)
        ema = EMA(model, args.ema) if step == 0 else ema
    if is_main:
        print(f"stage {args.stage} world {world} clip {clip_mode} dit {count_params(model.dit):,} "
              f"text {count_params(model.text_encoder):,} modes {model.dit.modes} vae_trained {vae_trained} "
              f"frames {frame_choices} sizes {sizes} bf16 {args.bf16}", flush=True)

    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    t_run0, c_run0 = time.time(), time.process_time()
    if args.stop_at_unix:
        left = max(1e-3, args.stop_at_unix - t_run0)
        args.time_budget_s = min(args.time_budget_s, left) if args.time_budget_s else left
        if is_main:
            print(f"deadline: {left:.0f} s of training left", flush=True)
    t_save, t_rel = time.time(), time.time()
    log = {"loss": 0.0, "n": 0, "gn": 0.0, "dropped": 0, "t_data": 0.0, "t_vae": 0.0, "t_step": 0.0, "id_loss": 0.0,
           "batches": 0}

    def checkpoint(final=False):
        nonlocal t_save, t_rel
        cpu = cpu_total + (time.process_time() - c_run0)
        cpu_all = [cpu]
        if world > 1:
            tt = torch.tensor([cpu], dtype=torch.float64)
            lst = [torch.zeros_like(tt) for _ in range(world)]
            dist.all_gather(lst, tt)
            cpu_all = [float(x) for x in lst]
        batch_states = [batcher.state()]
        in_sync = True
        if world > 1:
            cs = torch.tensor([float(sum(float(p.detach().double().sum()) for p in model.parameters()))],
                              dtype=torch.float64)
            lst = [torch.zeros_like(cs) for _ in range(world)]
            dist.all_gather(lst, cs)
            in_sync = all(float(x) == float(lst[0]) for x in lst)
            objs = [None] * world
            dist.all_gather_object(objs, batcher.state())
            batch_states = objs
        if not is_main:
            return
        wall = wall_total + (time.time() - t_run0)
        tmp = state_path + ".tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "ema": ema.shadow,
                    "clip": clipper.state_dict(), "batcher": batch_states, "step": step, "cpu_seconds": cpu,
                    "cpu_seconds_all_ranks": sum(cpu_all), "wall_seconds": wall, "ranks_in_sync": in_sync, "gen": gen.get_state(),
                    "args": vars(args)}, tmp)
        os.replace(tmp, state_path)
        t_save = time.time()
        if final or time.time() - t_rel > args.release_every_s:
            save_release(release_path, ema.shadow, release_meta(model, tok, {
                "stage": args.stage, "step": step, "cpu_seconds_all_ranks": round(sum(cpu_all), 1),
                "wall_seconds": round(wall, 1), "world_size": world, "vae_trained": vae_trained, "latent_norm": lnorm,
                "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
                "args": vars(args), "saved": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
            t_rel = time.time()

    run_steps = 0
    zero_posteriors = {}
    reuse_left, fetched = 0, None

    def sched_step():  # position in the LR schedule: the step, or the elapsed share of --time_budget_s
        if not args.time_budget_s:
            return step
        return int(args.steps * min(1.0, (time.time() - t_run0) / args.time_budget_s))

    def fetch(got=None):
        """One rendered (or cached) batch → (x0, cond_latent, cond_mask, captions, (T, size)) on the device."""
        cond_latent = cond_mask = None
        progress = min(1.0, step / max(1, args.curriculum_steps or args.steps))  # mask curriculum position
        if cache is not None:  # the cache holds the curriculum's final phase; the t2v share is set here
            if "zero" not in zero_posteriors:
                zero_posteriors["zero"] = vae.encode(torch.zeros(1, 3, args.frames, sizes[0], sizes[0]))
            t2v = MK.with_t2v_floor(MK.curriculum(1.0), args.t2v_min)["ratios"]["t2iv"]
            z, cz, cm, caps = batcher.next(args.bs_video, gen, t2v, zero_posteriors["zero"])
            log["t_data"] += time.time() - t0
            return LN.to_dit(z, lnorm), LN.to_dit(cz, lnorm), cm, caps, (args.frames, sizes[0])
        got = got or batcher.next()
        if len(got) == 4:  # from worker processes: uint8 video, and the masks drawn there
            video, caps, mask, sigma = got
            video = from_uint8(video, dev)
        else:
            (video, caps), mask, sigma = got, None, None
        log["t_data"] += time.time() - t0
        x0 = LN.to_dit(encode_latents(vae, video, gen), lnorm)
        if inpaint:
            if mask is None:
                mask, kinds, cur = MK.sample_masks(rng, video.shape[0], video.shape[2], video.shape[3],
                                                   video.shape[4], progress, args.t2v_min)
                sigma = MK.condition_sigma(rng, video.shape[0]) if cur["condition_noise"] else None
            mask = mask.to(dev).float()
            v_in = video
            if sigma is not None:
                v_in = MK.add_condition_noise(video, mask, sigma, gen)
            cond_latent = LN.to_dit(encode_condition(vae, v_in, mask, gen, zero_posteriors), lnorm)
            cond_mask = MK.compress_mask(mask)
        return x0, cond_latent, cond_mask, caps, (video.shape[2], video.shape[-1])

    while step < args.steps and run_steps < args.max_steps_this_run and not (
            args.time_budget_s and time.time() - t_run0 >= args.time_budget_s):
        lr = args.lr * min(1.0, (step + 1) / max(1, args.warmup)) * lr_decay(sched_step(), args.steps,
                                                                              args.decay_steps)
        for g in opt.param_groups:
            g["lr"] = lr * g.get("lr_mult", 1.0)
        t0, data_before = time.time(), log["t_data"]
        ready = batcher.next(block=False) if args.data_workers and reuse_left and fetched else None
        if reuse_left == 0 or ready is not None:
            fetched, reuse_left = fetch(ready), args.reuse
            log["batches"] += 1
        reuse_left -= 1
        x0, cond_latent, cond_mask, caps, shape_log = fetched
        caps = drop_text(caps, rng, args.text_drop, inpaint)
        ids, tmask = (v.to(dev) for v in tok.encode_batch(caps))
        t2 = time.time()
        b = x0.shape[0]
        t = D.stratified_timesteps(b, rank, world, gen)
        noise = torch.randn(x0.shape, generator=gen, device=dev)
        xt = D.q_sample(x0, noise, t)
        target = D.v_target(x0, noise, t)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bool(args.bf16)):
            states = model.text_encoder(ids, tmask)
            pred = model.dit(xt, t.float(), states, tmask, cond_latent, cond_mask)
        loss = D.v_loss(pred.float(), target, t, floor=args.snr_weight_floor)
        if args.text_id_loss:
            id_loss = text_identity_loss(model.text_encoder, states, ids, tmask)
            log["id_loss"] += float(id_loss.detach())
            loss = loss + args.text_id_loss * id_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = grad_norm(params)
        skip = False
        if world > 1:
            norms = torch.zeros(world, dtype=torch.float64)
            norms[rank] = gn
            dist.all_reduce(norms)
            if clip_mode == "v13":
                keep = clipper.decide(norms.tolist())
                m_ok = sum(keep)
                log["dropped"] += world - m_ok
                if m_ok == 0 and math.isfinite(clipper.tau()) and all(math.isfinite(float(n)) for n in norms):
                    # Every rank abnormal: upstream skips the step, but with few ranks a lasting rise of the norm
                    # then drops every later step too (the statistics only update from survivors) and training
                    # stalls. Clip each rank to τ instead (the v1.5 rule) so the run keeps moving.
                    keep, m_ok = [True] * world, world
                    for p in params:
                        if p.grad is not None:
                            p.grad.mul_(min(1.0, clipper.tau() / (float(norms[rank]) + 1e-12)))
                if m_ok == 0:
                    skip = True
                for p in params:
                    if p.grad is not None:
                        if keep[rank]:
                            p.grad.mul_(world / max(1, m_ok))
                        else:
                            p.grad.zero_()
                lt = torch.tensor([float(loss) if keep[rank] else 0.0, float(keep[rank])])
                dist.all_reduce(lt)
                loss_log = float(lt[0] / max(1.0, float(lt[1])))
            else:
                lt = torch.tensor([float(loss)])
                dist.all_reduce(lt)
                loss_log = float(lt[0]) / world
            allreduce_grads(params, world)
            if clip_mode == "v15":
                coef = clipper.clip_coef(grad_norm(params))
                for p in params:
                    if p.grad is not None:
                        p.grad.mul_(coef)
            elif clip_mode == "fixed":
                torch.nn.utils.clip_grad_norm_(params, 1.0)
        else:
            loss_log = float(loss)
            if clip_mode == "v15":
                coef = clipper.clip_coef(gn)
                if coef == 0.0:
                    skip = True
                for p in params:
                    if p.grad is not None:
                        p.grad.mul_(coef)
                log["dropped"] += int(coef < 1.0)
            elif clip_mode == "v13":
                keep = clipper.decide([gn])
                skip = not keep[0]
                log["dropped"] += int(skip)
            elif clip_mode == "fixed":
                torch.nn.utils.clip_grad_norm_(params, 1.0)
        if not skip:
            opt.step()
            ema.update(model)
        t3 = time.time()
        step += 1
        run_steps += 1
        log["loss"] += loss_log
        log["n"] += 1
        log["gn"] += gn
        log["t_vae"] += (t2 - t0) - (log["t_data"] - data_before)
        log["t_step"] += t3 - t2
        if is_main and (step % args.log_every == 0 or step == args.steps):
            n = log["n"]
            print(f"step {step} T {shape_log[0]} S {shape_log[1]} B {b} loss {log['loss'] / n:.4f} gn {log['gn'] / n:.3f} "
                  f"dropped {log['dropped']} batches {log['batches']} lr {lr:.2e} s/step data {log['t_data'] / n:.3f} vae "
                  f"{log['t_vae'] / n:.3f} dit {log['t_step'] / n:.3f} "
                  f"{'text_id ' + format(log['id_loss'] / n, '.4f') + ' ' if args.text_id_loss else ''}cpu_s "
                  f"{cpu_total + time.process_time() - c_run0:.0f}", flush=True)
            log = {k: 0.0 if isinstance(v, float) else 0 for k, v in log.items()}
        due = torch.tensor([float(time.time() - t_save > args.save_every_s)])
        if world > 1:
            dist.broadcast(due, 0)  # every rank must enter checkpoint() together (collectives inside)
        if bool(due[0]):
            checkpoint()
    checkpoint(final=True)
    if hasattr(batcher, "close"):
        batcher.close()
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return step


def _spawned(rank, world, port, argv):
    os.environ.update({"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(world),
                       "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)})
    main(argv)


def launch(nproc: int, argv, port: int = 29533):
    """torchrun stand-in: Debian's torchrun (torch 1.13 on Python 3.11) crashes in its log-redirect setup, so
    `--nproc N` spawns N ranks with the same env contract (RANK, WORLD_SIZE, MASTER_ADDR/PORT) and gloo."""
    import torch.multiprocessing as mp
    mp.spawn(_spawned, args=(nproc, port, argv), nprocs=nproc, join=True)


if __name__ == "__main__":
    import sys
    argv = sys.argv[1:]
    if "--nproc" in argv:
        i = argv.index("--nproc")
        n = int(argv[i + 1])
        rest = argv[:i] + argv[i + 2:]
        launch(n, rest, int(os.environ.get("MASTER_PORT", "29533")))
    else:
        main(argv)
