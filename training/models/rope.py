"""3D rotary position embedding of Open-Sora Plan v1.3 (spec §3.4, upstream `RoPE3D` + `PositionGetter3D`).

- Each head's q/k vector (head_dim) is split into 3 equal contiguous chunks: t, y (height), x (width).
- Within a chunk of d dims: inv_freq_j = 1/θ^(2j/d), j < d/2, θ = 10000; angle = (p / interpolation_scale)·inv_freq_j;
  the cos/sin tables are the d/2 frequencies duplicated ([f, f]) and the rotation is "rotate-half" (GPT-NeoX):
  element j pairs with element j + d/2.
- Positions are the integer patch coordinates (t, y, x) of token i = t·H'W' + y·W' + x.

Tokens here are [B, N, heads·head_dim] (the layout of the projections and of the WGSL kernel); RoPE is applied per
head. `rope_tables` gives [N, head_dim] cos/sin tables that `apply_rope` broadcasts over batch and heads.
"""
from __future__ import annotations

import torch

ROPE_THETA = 10000.0


def grid_positions(t: int, h: int, w: int, device=None) -> torch.Tensor:
    """Integer (t, y, x) of every token in t-major, then y, then x order: int64 [N, 3]."""
    tt = torch.arange(t, device=device).view(t, 1, 1).expand(t, h, w)
    yy = torch.arange(h, device=device).view(1, h, 1).expand(t, h, w)
    xx = torch.arange(w, device=device).view(1, 1, w).expand(t, h, w)
    return torch.stack([tt, yy, xx], dim=-1).reshape(-1, 3)


def axis_cos_sin(pos: torch.Tensor, dim: int, theta: float = ROPE_THETA, interpolation_scale: float = 1.0):
    """cos/sin tables [N, dim] of one axis (dim even): frequencies duplicated as [f, f]."""
    if dim % 2:
        raise ValueError(f"RoPE chunk dim must be even, got {dim}")
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float32, device=pos.device) / dim))
    ang = (pos.to(torch.float32) / interpolation_scale)[:, None] * inv_freq[None, :]
    ang = torch.cat([ang, ang], dim=-1)
    return ang.cos(), ang.sin()


def rope_tables(t: int, h: int, w: int, head_dim: int, theta: float = ROPE_THETA, interpolation_scale=(1.0, 1.0, 1.0),
                device=None):
    """cos, sin: float32 [N, head_dim]; columns [0, d) encode t, [d, 2d) y, [2d, 3d) x with d = head_dim/3."""
    if head_dim % 3:
        raise ValueError(f"head_dim must be divisible by 3 for 3D RoPE, got {head_dim}")
    d = head_dim // 3
    pos = grid_positions(t, h, w, device)
    cs = [axis_cos_sin(pos[:, a], d, theta, interpolation_scale[a]) for a in range(3)]
    return torch.cat([c for c, _ in cs], dim=-1), torch.cat([s for _, s in cs], dim=-1)


def rotate_half_chunks(x: torch.Tensor, chunk: int) -> torch.Tensor:
    """rotate-half within each consecutive `chunk`-wide slice of the last dim: [a, b] -> [-b, a]."""
    shp = x.shape
    x = x.reshape(shp[:-1] + (shp[-1] // chunk, 2, chunk // 2))
    x1, x2 = x[..., 0, :], x[..., 1, :]
    return torch.stack([-x2, x1], dim=-2).reshape(shp)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, heads: int) -> torch.Tensor:
    """x: [B, N, heads·head_dim]; cos/sin: [N, head_dim]. Returns x·cos + rotate_half(x)·sin per head/axis chunk."""
    b, n, c = x.shape
    hd = c // heads
    xh = x.reshape(b, n, heads, hd)
    out = xh * cos[None, :, None, :] + rotate_half_chunks(xh, hd // 3) * sin[None, :, None, :]
    return out.reshape(b, n, c)
