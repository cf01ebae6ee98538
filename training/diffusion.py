"""Diffusion formulation of Open-Sora Plan v1.3 (spec §4): DDPM with 1000 linear betas rescaled to zero terminal
SNR, v-prediction, min-SNR-γ weighting, rank-stratified uniform timesteps, and the Euler-ancestral sampler with
trailing spacing exactly as docs/sampler.md (the contract the browser engine implements too).

Everything schedule-related is computed in float64 (numpy). The training helpers take torch tensors.

Two ᾱ tables exist, as upstream:
- ``TRAIN_ALPHAS_CUMPROD``: diffusers DDPMScheduler (training): ᾱ[999] = 0 exactly (pure noise, SNR 0).
- ``SAMPLER_ALPHAS_CUMPROD``: diffusers Euler schedulers under zero SNR: ᾱ[999] = 2^-24 so σ stays finite.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from training.prng import gaussian_noise

NUM_TRAIN_TIMESTEPS = 1000
BETA_START, BETA_END = 1e-4, 0.02
SNR_GAMMA = 5.0
VAE_SCALE = 0.18215
ZERO_SNR_EPS = 2.0 ** -24


def zero_snr_alphas_cumprod(num_steps: int = NUM_TRAIN_TIMESTEPS, beta_start: float = BETA_START,
                            beta_end: float = BETA_END) -> np.ndarray:
    """ᾱ of the linear schedule rescaled to zero terminal SNR (Lin et al.), float64; ᾱ[-1] == 0."""
    betas = np.linspace(beta_start, beta_end, num_steps, dtype=np.float64)
    a = np.sqrt(np.cumprod(1.0 - betas))
    a0, aT = a[0], a[-1]
    a = (a - aT) * a0 / (a0 - aT)
    abar = a * a
    alphas = np.concatenate([abar[:1], abar[1:] / abar[:-1]])
    betas = 1.0 - alphas
    return np.cumprod(1.0 - betas)


TRAIN_ALPHAS_CUMPROD = zero_snr_alphas_cumprod()
SAMPLER_ALPHAS_CUMPROD = TRAIN_ALPHAS_CUMPROD.copy()
SAMPLER_ALPHAS_CUMPROD[-1] = ZERO_SNR_EPS
SIGMA_TABLE = np.sqrt((1.0 - SAMPLER_ALPHAS_CUMPROD) / SAMPLER_ALPHAS_CUMPROD)


def snr(t) -> np.ndarray:
    """SNR_t = ᾱ/(1−ᾱ) of the training schedule (0 at t = 999)."""
    a = TRAIN_ALPHAS_CUMPROD[np.asarray(t, dtype=np.int64)]
    return a / (1.0 - a)


def min_snr_weight_v(t, gamma: float = SNR_GAMMA) -> np.ndarray:
    """min-SNR-γ loss weight for a v-prediction target: min(SNR, γ)/(SNR + 1); 0 at the zero-SNR endpoint."""
    s = snr(t)
    return np.minimum(s, gamma) / (s + 1.0)


# ----------------------------------------------------------------------------------------------- training helpers
def _coef(t, like):
    import torch
    a = torch.as_tensor(TRAIN_ALPHAS_CUMPROD, dtype=torch.float64)[t.long().cpu()]
    shape = (-1,) + (1,) * (like.dim() - 1)
    sa = a.sqrt().to(like.device, like.dtype).reshape(shape)
    s1a = (1.0 - a).sqrt().to(like.device, like.dtype).reshape(shape)
    return sa, s1a


def q_sample(x0, noise, t):
    """x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε (torch; t int tensor [B])."""
    sa, s1a = _coef(t, x0)
    return sa * x0 + s1a * noise


def v_target(x0, noise, t):
    """v = √ᾱ_t·ε − √(1−ᾱ_t)·x0."""
    sa, s1a = _coef(t, x0)
    return sa * noise - s1a * x0


def loss_weights(t, gamma: float = SNR_GAMMA, floor: float = 0.0):
    """Per-sample min-SNR-γ weight for v-prediction as a float32 torch tensor [B]; on the high-noise side (SNR < γ)
    raised to at least `floor`.

    floor = 0 is upstream. With zero terminal SNR the spec's weight is < 0.006 for every t ≥ 700 (0.2 % of the total
    weight on 30 % of the timesteps). A floor (train_dit --snr_weight_floor) departs from the spec to train those
    steps harder; measured on the tiny model it changed prompt adherence by no more than noise (docs/EXPERIMENTS.md)."""
    import torch
    tn = t.long().cpu().numpy()
    w = min_snr_weight_v(tn, gamma)
    w = np.where(snr(tn) < gamma, np.maximum(w, floor), w)
    return torch.as_tensor(w, dtype=torch.float32)


def v_loss(v_pred, v, t, gamma: float = SNR_GAMMA, valid=None, floor: float = 0.0):
    """MSE(v̂, v) averaged over (valid) latent positions per sample, weighted by min-SNR (high-noise floor: see
    loss_weights), averaged over the batch."""
    err = (v_pred.float() - v.float()) ** 2
    dims = tuple(range(1, err.dim()))
    if valid is None:
        per = err.mean(dim=dims)
    else:
        valid = valid.float().expand_as(err)
        per = (err * valid).sum(dim=dims) / valid.sum(dim=dims).clamp_min(1.0)
    w = loss_weights(t, gamma, floor).to(per.device)
    return (per * w).mean()


def stratified_timesteps(batch: int, rank: int = 0, world: int = 1, generator=None,
                         num_steps: int = NUM_TRAIN_TIMESTEPS):
    """Upstream "explicit uniform": rank r of n draws t = round(U(r·T/n − 0.5, (r+1)·T/n − 0.5)), clamped to
    [0, T−1]; the union over ranks covers [0, T−1] evenly each step."""
    import torch
    lo = rank * num_steps / world - 0.5
    hi = (rank + 1) * num_steps / world - 0.5
    u = torch.rand(batch, generator=generator, dtype=torch.float64,
                   device=generator.device if generator is not None else None)  # a CUDA generator draws on the GPU
    t = torch.round(lo + (hi - lo) * u).long()
    return t.clamp_(0, num_steps - 1)


# ------------------------------------------------------------------------------------------------------- sampler
def trailing_timesteps(steps: int, num_train: int = NUM_TRAIN_TIMESTEPS) -> np.ndarray:
    """round(arange(1000, 0, −1000/S)) − 1, descending ints. NB numpy rounds half to even (diffusers uses
    np.round): S = 16 → 1000 − 3·62.5 = 812.5 rounds to 812 (→ timestep 811), not 813."""
    if steps < 1 or steps > num_train:
        raise ValueError(f"steps must be in [1, {num_train}], got {steps}")
    ts = np.round(np.arange(num_train, 0, -num_train / steps, dtype=np.float64)) - 1
    ts = ts.astype(np.int64)
    assert len(ts) == steps, (steps, len(ts))
    return ts


@dataclass
class Schedule:
    timesteps: np.ndarray  # int64 [S]
    sigmas: np.ndarray  # float64 [S + 1], sigmas[S] = 0
    init_noise_sigma: float


def sampler_schedule(steps: int) -> Schedule:
    ts = trailing_timesteps(steps)
    sig = np.concatenate([SIGMA_TABLE[ts], [0.0]])
    return Schedule(ts, sig, float(sig[0]))


def initial_latent(seed: int, shape: Sequence[int], sched: Schedule) -> np.ndarray:
    """x_T = gaussian_noise(seed, stream 0) · init_noise_sigma, row-major [1, C, T, H, W], float64."""
    n = int(np.prod(shape))
    return gaussian_noise(seed, 0, n).astype(np.float64).reshape(shape) * sched.init_noise_sigma


def step_noise(seed: int, i: int, shape: Sequence[int]) -> np.ndarray:
    return gaussian_noise(seed, 1 + i, int(np.prod(shape))).reshape(shape)


def scale_model_input(x, sigma: float):
    return x / math.sqrt(sigma * sigma + 1.0)


def cfg_combine(v_uncond, v_cond, w: float):
    return v_uncond + w * (v_cond - v_uncond)


def euler_ancestral_step(x, v, sigma: float, sigma_next: float, noise):
    """One Euler-ancestral step for v-prediction (docs/sampler.md 3–5). Works on numpy or torch arrays.
    Scalars are float64; `noise` may be None only when sigma_next == 0."""
    x0 = v * (-sigma / math.sqrt(sigma * sigma + 1.0)) + x / (sigma * sigma + 1.0)
    sigma_up = math.sqrt(sigma_next ** 2 * (sigma ** 2 - sigma_next ** 2) / sigma ** 2)
    sigma_down = math.sqrt(sigma_next ** 2 - sigma_up ** 2)
    d = (x - x0) / sigma
    x = x + d * (sigma_down - sigma)
    if sigma_up > 0:
        x = x + noise * sigma_up
    return x


def sample(model: Callable, seed: int, shape: Sequence[int], steps: int, cfg_scale: float = 1.0,
           model_uncond: Optional[Callable] = None, callback: Optional[Callable] = None,
           x_init=None, to_array: Callable = lambda a: a):
    """The reference loop. `model(x_in, t_float) -> v` (prompt branch); with cfg_scale > 1 also
    `model_uncond(x_in, t_float)` (in a real model both are one batch of 2). numpy float64 state by default;
    `to_array` converts noise arrays into the caller's array type (e.g. torch). `callback(i, x)` after each step."""
    sched = sampler_schedule(steps)
    x = to_array(initial_latent(seed, shape, sched)) if x_init is None else x_init
    for i in range(steps):
        sigma, sigma_next = float(sched.sigmas[i]), float(sched.sigmas[i + 1])
        x_in = scale_model_input(x, sigma)
        t = float(sched.timesteps[i])
        if cfg_scale > 1.0:
            v = cfg_combine(model_uncond(x_in, t), model(x_in, t), cfg_scale)
        else:
            v = model(x_in, t)
        noise = to_array(step_noise(seed, i, shape).astype(np.float64)) if sigma_next > 0 else None
        x = euler_ancestral_step(x, v, sigma, sigma_next, noise)
        if callback is not None:
            callback(i, x)
    return x


# ------------------------------------------------------------------------------------------- shared test vectors
VECTOR_SHAPE = (1, 8, 2, 4, 4)
VECTOR_SEED = 1234
VECTOR_STEPS = 10
VECTOR_CFG = 4.5
SCHEDULE_STEPS = (1, 2, 3, 10, 16, 30, 50, 100)


def fake_model_linear(x_in, t):
    """Fake prompt model of the vectors: v = 0.3·x_in + 0.01·t/1000 (elementwise)."""
    return 0.3 * x_in + 0.01 * t / 1000.0


def fake_model_channel(x_in, t):
    """Fake conditional model of the CFG vectors: v = 0.25·x_in + 0.02·(c − 3.5), c = channel (axis 1)."""
    c = np.arange(x_in.shape[1], dtype=np.float64).reshape((1, -1) + (1,) * (x_in.ndim - 2))
    return 0.25 * x_in + 0.02 * (c - 3.5)


def half_even_step_counts(num_train: int = NUM_TRAIN_TIMESTEPS):
    """Step counts S whose trailing timesteps differ between round-half-even (numpy, the reference) and
    round-half-up (JS Math.round)."""
    out = []
    for s in range(1, num_train + 1):
        a = np.arange(num_train, 0, -num_train / s, dtype=np.float64)
        if not np.array_equal(np.round(a), np.floor(a + 0.5)):
            out.append(s)
    return out


def _trajectory(model, model_uncond, cfg, state_dtype):
    xs = []
    x = initial_latent(VECTOR_SEED, VECTOR_SHAPE, sampler_schedule(VECTOR_STEPS)).astype(state_dtype)

    def cb(i, x):
        xs.append(np.asarray(x, dtype=np.float64))
    if state_dtype == np.float32:
        def wrap(m):
            return (lambda a, t: np.asarray(m(a, t), dtype=np.float32)) if m else None
        final = sample(wrap(model), VECTOR_SEED, VECTOR_SHAPE, VECTOR_STEPS, cfg, wrap(model_uncond), cb, x_init=x,
                       to_array=lambda a: np.asarray(a, dtype=np.float32))
    else:
        final = sample(model, VECTOR_SEED, VECTOR_SHAPE, VECTOR_STEPS, cfg, model_uncond, cb, x_init=x)
    return x.astype(np.float64), xs, np.asarray(final, dtype=np.float64)


def build_sampler_vectors() -> dict:
    def flat(a):
        return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]

    schedules = {}
    for s in SCHEDULE_STEPS:
        sc = sampler_schedule(s)
        schedules[str(s)] = {"timesteps": [int(v) for v in sc.timesteps], "sigmas": flat(sc.sigmas),
                             "init_noise_sigma": sc.init_noise_sigma}
    trajs = {}
    for name, model, uncond, cfg, desc in (
            ("linear", fake_model_linear, None, 1.0, "v = 0.3*x_in + 0.01*t/1000 (single batch, no CFG)"),
            ("cfg", fake_model_channel, fake_model_linear, VECTOR_CFG,
             "uncond: v = 0.3*x_in + 0.01*t/1000; cond: v = 0.25*x_in + 0.02*(c - 3.5) with c the channel index "
             "(axis 1); v = v_u + 4.5*(v_c - v_u)")):
        x0, xs, final = _trajectory(model, uncond, cfg, np.float64)
        _, xs32, final32 = _trajectory(model, uncond, cfg, np.float32)
        dev = max(float(np.max(np.abs(a - b) / (1.0 + np.abs(b)))) for a, b in zip(xs32, xs))
        trajs[name] = {
            "model": desc, "cfg_scale": cfg, "seed": VECTOR_SEED, "steps": VECTOR_STEPS,
            "shape": list(VECTOR_SHAPE),
            "initial_x": flat(x0),
            "x_after_step": [flat(x) for x in xs],
            "final_x": flat(final),
            "max_rel_dev_float32_state": dev,
        }
    sc = sampler_schedule(VECTOR_STEPS)
    return {
        "description": "Sampler vectors for docs/sampler.md, generated by `/usr/bin/python3 -m training.diffusion "
                       "--write-vectors` (training/diffusion.py). Schedule and trajectories in float64 (noise from "
                       "training/prng.py, float32 values). Arrays are row-major flattenings of `shape`.",
        "tolerance": "compare trajectories with |a-b| <= 1e-3*(1+|b|): step 0 cancels x ~ 4096·N(0,1) down to O(1), so a "
                     "float32 state (every intermediate rounded to float32) deviates by max_rel_dev_float32_state "
                     "(~2.4e-4); schedules (float64) to ~1e-12 relative",
        "num_train_timesteps": NUM_TRAIN_TIMESTEPS,
        "zero_snr_alphas_cumprod_last_sampler": ZERO_SNR_EPS,
        "alphas_cumprod_sampler": flat(SAMPLER_ALPHAS_CUMPROD),
        "sigma_table": flat(SIGMA_TABLE),
        "rounding_note": "trailing timesteps use numpy round-half-to-even (as diffusers); these S differ from "
                         "round-half-up (JS Math.round): see half_even_step_counts (the S = 16 schedule is included: 811, not 812)",
        "half_even_step_counts": half_even_step_counts(),
        "schedules": schedules,
        "noise_check": {"seed": VECTOR_SEED, "stream0_first8": flat(gaussian_noise(VECTOR_SEED, 0, 8)),
                        "stream1_first8": flat(gaussian_noise(VECTOR_SEED, 1, 8))},
        "step_scalars": [{"i": i, "t": int(sc.timesteps[i]), "sigma": float(sc.sigmas[i]),
                          "sigma_next": float(sc.sigmas[i + 1]),
                          "sigma_up": math.sqrt(sc.sigmas[i + 1] ** 2 * (sc.sigmas[i] ** 2 - sc.sigmas[i + 1] ** 2)
                                                / sc.sigmas[i] ** 2),
                          "c_in": 1.0 / math.sqrt(sc.sigmas[i] ** 2 + 1.0)} for i in range(VECTOR_STEPS)],
        "trajectories": trajs,
    }


def write_sampler_vectors(path: str = "training/fixtures/sampler/vectors.json"):
    import json
    import os
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(build_sampler_vectors(), f, indent=1)
        f.write("\n")
    return path


if __name__ == "__main__":
    import sys
    if "--write-vectors" in sys.argv:
        print(write_sampler_vectors())
    else:
        s = sampler_schedule(10)
        print("timesteps", s.timesteps, "\nsigmas", s.sigmas, "\ninit_noise_sigma", s.init_noise_sigma)
