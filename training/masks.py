"""Temporal-inpainting masks of the Image Condition Controller (spec §5.1–5.2).

Pixel mask M: float [T, 1, H, W] (batched: [B, 1, T, H, W]); 1 = generate (masked), 0 = given (kept).
- six mask types (`MASK_TYPES`) and the progressive curriculum of spec §5.2 as a function of training progress;
- masked video = pixels · (M < 0.5) (masked frames become 0 = mid-grey), optional log-normal condition noise
  σ = exp(N(−3, 0.5²)) on kept pixels (5 % of samples none);
- MaskCompressor: bilinear resize to the latent grid (H/8, W/8), replicate the first frame ×4, reshape
  (k+1, 4) along time → 4 channels: [B, 4, 1+k, H/8, W/8] for T = 1 + 4k.
"""
from __future__ import annotations

import math
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

MASK_TYPES = ("t2iv", "i2v", "transition", "continuation", "random_temporal", "clear")
VAE_STRIDE_T, VAE_STRIDE_S = 4, 8
GENERIC_NOISE_MEAN, GENERIC_NOISE_STD, NO_NOISE_PROB = -3.0, 0.5, 0.05

# spec §5.2: (samples in millions, ratios in %, min kept ratio for continuation/random, condition noise)
CURRICULUM = (
    (4, {"t2iv": 10, "continuation": 40, "random_temporal": 40, "clear": 10}, 0.5, False),
    (4, {"t2iv": 10, "continuation": 40, "random_temporal": 40, "clear": 10}, 0.25, False),
    (4, {"t2iv": 10, "continuation": 40, "random_temporal": 40, "clear": 10}, 0.125, False),
    (4, {"t2iv": 10, "continuation": 25, "random_temporal": 60, "clear": 5}, 0.125, False),
    (8, {"t2iv": 10, "continuation": 25, "random_temporal": 60, "clear": 5}, 0.0, False),
    (16, {"t2iv": 10, "continuation": 10, "random_temporal": 20, "i2v": 40, "transition": 20}, 0.0, False),
    (10, {"t2iv": 5, "continuation": 5, "random_temporal": 10, "i2v": 40, "transition": 40}, 0.0, False),
    # stage 2 (high-quality data) and the condition-noise fine-tune
    (15, {"t2iv": 5, "continuation": 5, "random_temporal": 10, "i2v": 40, "transition": 40}, 0.0, False),
    (5, {"t2iv": 5, "continuation": 5, "random_temporal": 10, "i2v": 40, "transition": 40}, 0.0, True),
)
_TOTAL = float(sum(c[0] for c in CURRICULUM))


def curriculum(progress: float) -> dict:
    """Mask-type probabilities (sum 1), min/max clear ratio and whether to add condition noise at training
    progress ∈ [0, 1] (position along the spec's 70M-sample inpainting schedule, compressed to our run)."""
    p = min(max(float(progress), 0.0), 1.0) * _TOTAL
    acc = 0.0
    for i, (n, ratios, min_clear, noise) in enumerate(CURRICULUM):
        acc += n
        if p < acc or i == len(CURRICULUM) - 1:
            tot = float(sum(ratios.values()))
            return {"stage": i, "ratios": {k: ratios.get(k, 0) / tot for k in MASK_TYPES},
                    "min_clear_ratio": min_clear, "max_clear_ratio": 1.0, "condition_noise": noise}
    raise AssertionError


def choose_type(rng: np.random.Generator, ratios: Dict[str, float]) -> str:
    keys = [k for k in MASK_TYPES if ratios.get(k, 0) > 0]
    w = np.array([ratios[k] for k in keys], dtype=np.float64)
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def _num_clear(rng, t: int, min_clear: float, max_clear: float) -> int:
    lo, hi = math.floor(t * min_clear), math.ceil(t * max_clear)
    n = int(rng.integers(lo, hi + 1))
    return min(max(n, 1), max(t - 1, 1))  # keep ≥ 1 frame and leave ≥ 1 to generate


def kept_frames(kind: str, t: int, rng: Optional[np.random.Generator] = None, min_clear: float = 0.0,
                max_clear: float = 1.0, indices: Optional[Sequence[int]] = None) -> list:
    """Indices of kept (given) frames for one mask type."""
    if kind == "t2iv":
        return []
    if kind == "clear":
        return list(range(t))
    if kind == "i2v":
        return [0]
    if kind == "transition":
        return sorted({0, t - 1})
    if kind == "continuation":
        return list(range(_num_clear(rng, t, min_clear, max_clear)))
    if kind == "random_temporal":
        if indices is not None:
            return sorted({i % t for i in indices})
        n = _num_clear(rng, t, min_clear, max_clear)
        return sorted(int(i) for i in rng.choice(t, size=n, replace=False))
    raise ValueError(kind)


def make_mask(kind: str, t: int, h: int, w: int, rng: Optional[np.random.Generator] = None, min_clear: float = 0.0,
              max_clear: float = 1.0, indices: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Pixel mask [T, 1, H, W] float32: 1 = generate, 0 = kept."""
    m = torch.ones(t, 1, h, w)
    for i in kept_frames(kind, t, rng, min_clear, max_clear, indices):
        m[i] = 0.0
    return m


def masked_video(video: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """video [B, 3, T, H, W] in [−1, 1], mask [B, 1, T, H, W] → video · (M < 0.5)."""
    return video * (mask < 0.5).to(video.dtype)


def condition_sigma(rng: np.random.Generator, batch: int) -> np.ndarray:
    """Training condition-noise σ per sample: exp(N(−3, 0.5²)), 0 for 5 % of the samples."""
    s = np.exp(rng.normal(GENERIC_NOISE_MEAN, GENERIC_NOISE_STD, size=batch))
    s[rng.random(batch) < NO_NOISE_PROB] = 0.0
    return s


def inference_sigma(rng: np.random.Generator, strength: float) -> float:
    """Inference noise_strength s > 0: σ ≈ s (log-normal with std 0.01); 0 → no noise."""
    return 0.0 if strength <= 0 else float(np.exp(rng.normal(math.log(strength), 0.01)))


def add_condition_noise(video: torch.Tensor, mask: torch.Tensor, sigma, generator=None) -> torch.Tensor:
    """Adds N(0, σ²) noise only on kept pixels (M < 0.5); σ per sample [B]."""
    s = torch.as_tensor(np.asarray(sigma, dtype=np.float32)).reshape(-1, 1, 1, 1, 1).to(video)
    keep = (mask < 0.5).to(video.dtype)
    noise = torch.randn(video.shape, generator=generator, dtype=video.dtype, device=video.device)
    return video + noise * s * keep


def compress_mask(mask: torch.Tensor, stride_t: int = VAE_STRIDE_T, stride_s: int = VAE_STRIDE_S) -> torch.Tensor:
    """MaskCompressor: [B, 1, T, H, W] with T = 1 + 4k → [B, 4, 1 + k, H/8, W/8]. Latent frame j, channel c holds
    pixel frame 4j + c − 3 of the first-frame-replicated sequence (frame 0 fills all 4 channels of latent frame 0)."""
    b, c, t, h, w = mask.shape
    assert c == 1 and (t - 1) % stride_t == 0, mask.shape
    hl, wl = h // stride_s, w // stride_s
    m = mask.permute(0, 2, 1, 3, 4).reshape(b * t, 1, h, w)
    m = F.interpolate(m, size=(hl, wl), mode="bilinear", align_corners=False).reshape(b, t, hl, wl)
    m = torch.cat([m[:, :1].expand(b, stride_t - 1, hl, wl), m], dim=1)  # first frame ×4 in total
    k1 = m.shape[1] // stride_t
    return m.reshape(b, k1, stride_t, hl, wl).permute(0, 2, 1, 3, 4).contiguous()


def condition_mode(n_images: int = 0, video_frames: int = 0):
    """Inference mode selection (spec §5.1): 1 image → i2v, 2 → transition, a video → continuation (0.5)."""
    if video_frames:
        return "continuation"
    if n_images == 1:
        return "i2v"
    if n_images == 2:
        return "transition"
    if n_images > 2:
        return "random_temporal"
    return "t2iv"


def with_t2v_floor(cur: dict, t2v_min: float) -> dict:
    """Raise the all-masked (text-to-video) share to ≥ t2v_min, scaling the other types down. Our one bundled model
    serves text-to-video through the inpaint graph, and a CPU-sized run cannot afford the spec's 5–10 %."""
    r = cur["ratios"]
    if r["t2iv"] >= t2v_min:
        return cur
    rest = 1.0 - r["t2iv"]
    scale = (1.0 - t2v_min) / rest if rest > 0 else 0.0
    return {**cur, "ratios": {k: (t2v_min if k == "t2iv" else v * scale) for k, v in r.items()}}


def sample_masks(rng: np.random.Generator, batch: int, t: int, h: int, w: int, progress: float,
                 t2v_min: float = 0.0):
    """A batch of training masks following the curriculum: ([B, 1, T, H, W], kinds, curriculum dict)."""
    cur = with_t2v_floor(curriculum(progress), t2v_min)
    kinds, ms = [], []
    for _ in range(batch):
        k = choose_type(rng, cur["ratios"])
        kinds.append(k)
        ms.append(make_mask(k, t, h, w, rng, cur["min_clear_ratio"], cur["max_clear_ratio"]))
    return torch.stack(ms).permute(0, 2, 1, 3, 4).contiguous(), kinds, cur
