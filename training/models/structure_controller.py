"""Structure Condition Controller of Open-Sora Plan v1.3 (spec §6, paper §2.3.2 / Fig. 8; no upstream code exists).

    structure video C_S [B, 2, T, H, W] (pixels; channel 0 = the signal in [0, 1], channel 1 = "this frame carries
    structure", so any subset of frames can be controlled and an uncontrolled frame is all-zero, not "no edges")
      ─E: 3D conv stack (stride 2 × 3 in space, causal 4× in time: frame 0 alone, then groups of 4, as the WF-VAE)
          → [B, C_lat, t, H/8, W/8] = the latent shape of z_t
      ─PatchEmbed2D (the DiT's patchifier shape, k = s = 2) → tokens [B, N, D] + type embedding (canny/sketch/mask)
      ─K controller blocks (LN → dense self-attention with the DiT's 3D RoPE → LN → FFN), shape kept → R
      ─P_j (j = 1..M, one Linear per DiT block, ZERO-initialised) → F_j = P_j(R), stacked [M, B, N, D]
    DiT: X_j ← T_j(X_{j−1}) + F_j after every block j (`dit_forward_with_residuals`); the base DiT stays frozen.

Once per generation, not per step: the spec's E sees only C_S — no timestep, no noisy latent, no text — so R and every
F_j are constants of the structure; the engine computes them once and adds the same residuals at every denoising
step (and to both CFG branches: structure is a condition of the sample, not part of the text guidance).

One controller for all signal types with a learned type embedding: the three signals share most of their meaning
(an object's outline and where it goes) and one set of weights keeps the download at one file; a per-type
controller would triple the bytes.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from training.models.rope import apply_rope
from training.models.skiparse_dit import PatchEmbed2D, attention, text_bias

STRUCTURE_TYPES = ("canny", "sketch", "mask")


@dataclass
class StructureConfig:
    hidden: int = 192  # = the DiT's D
    heads: int = 4
    head_dim: int = 48
    num_dit_layers: int = 8  # M projectors
    depth: int = 2  # K controller blocks
    latent_channels: int = 8  # E's output = the latent shape of z_t
    conv_channels: tuple = (32, 64, 64)
    patch_size: int = 2
    temporal_stride: int = 4  # the WF-VAE's: latent frame 0 = pixel frame 0, latent k = frames 4k−3 .. 4k
    num_types: int = len(STRUCTURE_TYPES)
    ffn_mult: int = 4
    rope_theta: float = 10000.0

    def to_dict(self):
        d = asdict(self)
        d["conv_channels"] = list(self.conv_channels)
        return d

    @staticmethod
    def from_dict(d) -> "StructureConfig":
        kw = {k: v for k, v in d.items() if k in StructureConfig.__dataclass_fields__}
        if "conv_channels" in kw:
            kw["conv_channels"] = tuple(kw["conv_channels"])
        return StructureConfig(**kw)

    @staticmethod
    def for_dit(dit_cfg, depth: int = 2) -> "StructureConfig":
        return StructureConfig(hidden=dit_cfg.hidden, heads=dit_cfg.num_heads, head_dim=dit_cfg.head_dim,
                               num_dit_layers=dit_cfg.num_layers, depth=depth, latent_channels=dit_cfg.in_channels,
                               patch_size=dit_cfg.patch_size, rope_theta=dit_cfg.rope_theta)


class StructureEncoderConv(nn.Module):
    """E's convolutional part: [B, 2, T, H, W] → [B, C_lat, 1 + (T−1)/4, H/8, W/8]."""

    def __init__(self, cfg: StructureConfig):
        super().__init__()
        c1, c2, c3 = cfg.conv_channels
        self.ts = cfg.temporal_stride
        self.down = nn.ModuleList([nn.Conv3d(2, c1, (1, 3, 3), (1, 2, 2), (0, 1, 1)),
                                   nn.Conv3d(c1, c2, (1, 3, 3), (1, 2, 2), (0, 1, 1)),
                                   nn.Conv3d(c2, c3, (1, 3, 3), (1, 2, 2), (0, 1, 1))])
        self.time = nn.Conv3d(c3, c3, (self.ts, 1, 1), (self.ts, 1, 1))
        self.out = nn.Conv3d(c3, cfg.latent_channels, (1, 3, 3), 1, (0, 1, 1))

    def forward(self, s):
        h = s
        for conv in self.down:
            h = F.silu(conv(h))
        # causal time grouping: frame 0 repeated (ts − 1) times in front, as the causal VAE pads, so latent frame 0
        # sees only pixel frame 0 and latent k sees frames 4k−3 .. 4k
        h = torch.cat([h[:, :, :1]] * (self.ts - 1) + [h], dim=2)
        h = F.silu(self.time(h))
        return self.out(h)


class ControllerBlock(nn.Module):
    """Pre-LN transformer block without timestep modulation or text (R depends on the structure only)."""

    def __init__(self, cfg: StructureConfig):
        super().__init__()
        d = cfg.hidden
        self.heads = cfg.heads
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.fc1 = nn.Linear(d, cfg.ffn_mult * d)
        self.fc2 = nn.Linear(cfg.ffn_mult * d, d)

    def forward(self, x, cos, sin):
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k = apply_rope(q, cos, sin, self.heads), apply_rope(k, cos, sin, self.heads)
        x = x + self.proj(attention(q, k, v, self.heads))  # dense: N is small (80 tokens at 17 × 64²)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate="tanh"))


class StructureController(nn.Module):
    def __init__(self, cfg: StructureConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.hidden
        self.encoder = StructureEncoderConv(cfg)
        self.patch = PatchEmbed2D(cfg.latent_channels, d, cfg.patch_size)
        self.type_embed = nn.Embedding(cfg.num_types, d)
        nn.init.normal_(self.type_embed.weight, std=0.02)
        self.blocks = nn.ModuleList([ControllerBlock(cfg) for _ in range(cfg.depth)])
        self.norm_out = nn.LayerNorm(d, eps=1e-6)
        self.projectors = nn.ModuleList([nn.Linear(d, d) for _ in range(cfg.num_dit_layers)])
        self.zero_projectors()

    @torch.no_grad()
    def zero_projectors(self):
        """P_j := 0 so that a fresh controller leaves the base model's output exactly unchanged."""
        for p in self.projectors:
            nn.init.zeros_(p.weight)
            nn.init.zeros_(p.bias)

    def forward(self, structure: torch.Tensor, type_id: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor):
        """structure [B, 2, T, H, W], type_id int64 [B], cos/sin: the DiT's RoPE tables for the latent grid
        ([N, head_dim], `dit.rope(t, h/16, w/16)`) → residuals [M, B, N, D]."""
        z = self.encoder(structure)
        r = self.patch(z) + self.type_embed(type_id)[:, None, :]
        for blk in self.blocks:
            r = blk(r, cos, sin)
        r = self.norm_out(r)
        return torch.stack([p(r) for p in self.projectors], dim=0)

    def residuals_for(self, dit, structure, type_id):
        """Residuals for `dit`'s latent grid of this structure video (convenience: builds the RoPE tables)."""
        _, _, t, h, w = structure.shape
        lt = 1 + (t - 1) // self.cfg.temporal_stride
        p = self.cfg.patch_size * 8
        cos, sin = dit.rope(lt, h // p, w // p, structure.device)
        return self(structure, type_id, cos, sin)


def dit_forward_with_residuals(dit, x, timestep, text_states, text_mask, cond_latent=None, cond_mask=None,
                               residuals=None):
    """`OpenSoraT2V_v1_3.forward` with X_j ← X_j + F_j after every block (residuals [M, B or 1, N, D]); None: the
    base forward. Kept here, not in skiparse_dit.py, so the base model file stays the base model."""
    b, _, t, hh, ww = x.shape
    p = dit.cfg.patch_size
    hp, wp = hh // p, ww // p
    h = dit.embed(x, cond_latent, cond_mask)
    t6, e = dit.adaln_single(timestep)
    text = dit.caption_projection(text_states)
    tb = text_bias(text_mask).to(h.dtype)
    cos, sin = dit.rope(t, hp, wp, x.device)
    for j, blk in enumerate(dit.transformer_blocks):
        h = blk(h, t6, cos, sin, text, tb)
        if residuals is not None:
            h = h + residuals[j].to(h.dtype)
    return dit.final(h, e, t, hp, wp)


def controller_bytes(ctrl: nn.Module) -> int:
    """fp32 weight bytes (what the exported .weights file holds)."""
    return 4 * sum(p.numel() for p in ctrl.parameters())


def load_controller(path: str) -> tuple[StructureController, dict]:
    """A trained controller: `path` (.pt state dict) beside its `.json` (structure_config + training metadata)."""
    import json
    with open(path.replace(".pt", ".json")) as f:
        meta = json.load(f)
    ctrl = StructureController(StructureConfig.from_dict(meta["structure_config"]))
    ctrl.load_state_dict(torch.load(path, map_location="cpu"))
    return ctrl.eval(), meta
