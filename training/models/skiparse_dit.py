"""Joint image-video Skiparse denoiser of Open-Sora Plan v1.3 (`OpenSoraT2V_v1_3`, spec §3) and its
Image Condition Controller variant (`OpenSoraInpaint_v1_3`, spec §5.1), at any size.

Data flow (spec §3.2–3.3):
  latent [B, C, T, H, W] ─PatchEmbed2D (Conv2d k=s=2 per frame, no absolute positions)─► tokens [B, N, D],
      N = T·(H/2)·(W/2), token i = t·H'W' + y·W' + x
  (+ inpaint: PatchEmbed2D(masked latent)→zero Linear, PatchEmbed2D(mask)→zero Linear, summed)
  timestep ─sinusoid 256 (flip_sin_to_cos)→Linear→SiLU→Linear─► e [B, D] ─SiLU→Linear─► t6 [B, 6D] (shared)
  text [B, L, Ct] ─Linear→GELU(tanh)→Linear─► [B, L, D]; text mask → additive (1 − m)·(−10000)
  block × L: shift/scale/gate = table(6, D) + t6
      x += gate_msa · SelfAttn(LN1(x)·(1+scale_msa)+shift_msa)     3D RoPE on q, k; dense/Single/Group Skip
      x += CrossAttn(x, text)                                        no norm, no modulation, no gate, dense
      x += gate_mlp · FFN(LN2(x)·(1+scale_mlp)+shift_mlp)           GELU(tanh), 4D
  final: shift, scale = table(2, D) + e; LN; ·(1+scale)+shift; Linear(D → p·p·C_out); unpatchify.

Layer schedule (derived from depth, spec §13): layers 0, 1, L−2, L−1 dense; layers 2..L−3: even Single Skip,
odd Group Skip.

Every block is also callable in two halves (`pre_attention`, `post_attention`) around the self-attention core:
that is the split the WebGPU engine runs (ONNX graphs + the WGSL Skiparse kernel, training/export_dit.py).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from training.models.rope import ROPE_THETA, apply_rope, rope_tables

SKIPARSE_PAD_BIAS = -9980.0  # upstream prepare_sparse_mask: bias of padded keys
TEXT_MASK_BIAS = -10000.0  # (1 − m)·(−10000)


@dataclass
class DiTConfig:
    num_layers: int = 8
    num_heads: int = 4
    head_dim: int = 48
    in_channels: int = 8
    out_channels: int = 8
    patch_size: int = 2
    patch_size_t: int = 1
    caption_channels: int = 192
    sparse1d: bool = True
    sparse_n: int = 4
    inpaint: bool = False
    mask_channels: int = 4  # compressed mask channels = VAE temporal stride
    norm_eps: float = 1e-6
    ffn_mult: int = 4
    timestep_channels: int = 256
    rope_theta: float = ROPE_THETA
    interpolation_scale: Tuple[float, float, float] = (1.0, 1.0, 1.0)
    # Explicit per-layer self-attention modes ('dense' / 'single' / 'group'). None = derived from the depth
    # (layer_modes). Converted official checkpoints set it to upstream's hard-coded `1 < i < 30` rule, which only
    # coincides with the derived schedule at 32 layers (training/convert/dit.py upstream_layer_modes).
    layer_schedule: Optional[List[str]] = None

    @property
    def hidden(self) -> int:
        return self.num_heads * self.head_dim

    @staticmethod
    def tiny(inpaint: bool = False, caption_channels: int = 192) -> "DiTConfig":
        """The bundled browser model: 8 layers, 4 heads × 48 = 192, k = 4."""
        return DiTConfig(num_layers=8, num_heads=4, head_dim=48, caption_channels=caption_channels, inpaint=inpaint)

    @staticmethod
    def v1_3_2b_122(inpaint: bool = False) -> "DiTConfig":
        """Upstream OpenSoraT2V_v1_3_2B_122: 32 layers, 24 × 96 = 2304, mT5-XXL caption 4096."""
        return DiTConfig(num_layers=32, num_heads=24, head_dim=96, caption_channels=4096, inpaint=inpaint)

    def to_dict(self):
        d = asdict(self)
        d["interpolation_scale"] = list(self.interpolation_scale)
        d["hidden"] = self.hidden
        d["layer_modes"] = self.modes()
        if self.layer_schedule is None:
            del d["layer_schedule"]  # bundled configs stay as they were
        return d

    def modes(self) -> List[str]:
        if self.layer_schedule is None:
            return layer_modes(self.num_layers, self.sparse1d)
        s = list(self.layer_schedule)
        if len(s) != self.num_layers or any(m not in ("dense", "single", "group") for m in s):
            raise ValueError(f"layer_schedule must list {self.num_layers} modes of dense/single/group, got {s}")
        if not self.sparse1d and any(m != "dense" for m in s):
            raise ValueError("layer_schedule has Skiparse layers but sparse1d is false")
        return s

    @staticmethod
    def from_dict(d) -> "DiTConfig":
        keys = DiTConfig.__dataclass_fields__.keys()
        kw = {k: v for k, v in d.items() if k in keys}
        if "interpolation_scale" in kw:
            kw["interpolation_scale"] = tuple(kw["interpolation_scale"])
        if kw.get("layer_schedule") is not None:
            kw["layer_schedule"] = list(kw["layer_schedule"])
        return DiTConfig(**kw)


def layer_modes(num_layers: int, sparse1d: bool = True) -> List[str]:
    """'dense' for the first two and last two layers (all layers without sparse1d); in between even index =
    'single' (Single Skip), odd = 'group' (Group Skip). Upstream's hard-coded `1 < i < 30` for 32 layers."""
    out = []
    for i in range(num_layers):
        if not sparse1d or i < 2 or i >= num_layers - 2:
            out.append("dense")
        else:
            out.append("group" if i % 2 else "single")
    return out


# ------------------------------------------------------------------------------------------------- Skiparse
def skiparse_padded_tokens(n: int, k: int) -> int:
    kk = k * k
    return (n + kk - 1) // kk * kk


def skiparse_group_of(mode: str, k: int, i):
    if mode == "dense":
        return 0 * i
    if mode == "single":
        return i % k
    return (i // k) % k


def skiparse_position_of(mode: str, k: int, i):
    if mode == "dense":
        return i
    if mode == "single":
        return i // k
    return (i // (k * k)) * k + i % k


def sparse_regroup(x: torch.Tensor, mode: str, k: int) -> torch.Tensor:
    """[B, N_pad, C] → [k·B, N_pad/k, C], new batch index = group·B + b (upstream `_sparse_1d`):
    single: '(g k) b d -> g (k b) d'; group: '(n m k) b d -> (n k) (m b) d'."""
    b, npad, c = x.shape
    if mode == "single":
        return x.reshape(b, npad // k, k, c).permute(2, 0, 1, 3).reshape(k * b, npad // k, c)
    if mode == "group":
        return (x.reshape(b, npad // (k * k), k, k, c).permute(2, 0, 1, 3, 4).reshape(k * b, npad // k, c))
    raise ValueError(mode)


def sparse_ungroup(y: torch.Tensor, mode: str, k: int, b: int) -> torch.Tensor:
    """Inverse of sparse_regroup: [k·B, N_pad/k, C] → [B, N_pad, C]."""
    kb, s, c = y.shape
    if mode == "single":
        return y.reshape(k, b, s, c).permute(1, 2, 0, 3).reshape(b, s * k, c)
    if mode == "group":
        return y.reshape(k, b, s // k, k, c).permute(1, 2, 0, 3, 4).reshape(b, s * k, c)
    raise ValueError(mode)


def attention(q, k, v, heads: int, bias: Optional[torch.Tensor] = None):
    """Softmax attention on [B, Nq, H·hd] / [B, Nk, H·hd] tensors; bias broadcastable to [B, H, Nq, Nk]."""
    b, nq, c = q.shape
    nk = k.shape[1]
    hd = c // heads
    qh = q.reshape(b, nq, heads, hd).transpose(1, 2)
    kh = k.reshape(b, nk, heads, hd).transpose(1, 2)
    vh = v.reshape(b, nk, heads, hd).transpose(1, 2)
    s = torch.matmul(qh, kh.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
    if bias is not None:
        s = s + bias
    p = torch.softmax(s.float() if s.dtype in (torch.float16, torch.bfloat16) else s, dim=-1).to(vh.dtype)
    return torch.matmul(p, vh).transpose(1, 2).reshape(b, nq, c)


def self_attention_core(q, k, v, heads: int, mode: str, sparse_n: int):
    """The self-attention between the split graphs: dense, or Skiparse as upstream computes it (zero-pad to
    N_pad = k²·⌈N/k²⌉, padded keys biased −9980, regroup, dense attention per sequence, inverse, crop)."""
    if mode == "dense":
        return attention(q, k, v, heads)
    b, n, c = q.shape
    kk = sparse_n
    pad = (kk * kk - n % (kk * kk)) % (kk * kk)  # branch-free so the ONNX trace stays valid for any N
    npad = n + pad
    z = q.new_zeros(b, pad, c)
    q, k, v = torch.cat([q, z], 1), torch.cat([k, z], 1), torch.cat([v, z], 1)
    key_bias = torch.cat([q.new_zeros(1, n, 1), q.new_full((1, pad, 1), SKIPARSE_PAD_BIAS)], 1)
    qg, kg, vg = (sparse_regroup(t, mode, kk) for t in (q, k, v))
    kb = sparse_regroup(key_bias, mode, kk)  # [k, N_pad/k, 1]; sequence g·B + b uses row g
    s = npad // kk
    bias = kb.reshape(kk, 1, s).expand(kk, b, s).reshape(kk * b, 1, 1, s)
    out = attention(qg, kg, vg, heads, bias)
    return sparse_ungroup(out, mode, kk, b)[:, :n]


def skiparse_dense_mask(n: int, mode: str, k: int) -> torch.Tensor:
    """Boolean [N, N]: which keys each query sees under the 1D index rule (for tests and docs)."""
    i = torch.arange(n)
    g = skiparse_group_of(mode, k, i)
    return g[:, None] == g[None, :]


# -------------------------------------------------------------------------------------------------- modules
class FixedLayerNorm(nn.Module):
    """LayerNorm without affine parameters (elementwise_affine=False). Exported with constant weight 1 / bias 0
    because ONNX opset 17 LayerNormalization without a scale input fails validation (docs/platform.md)."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.dim, self.eps = dim, eps
        self.register_buffer("one", torch.ones(dim), persistent=False)
        self.register_buffer("zero", torch.zeros(dim), persistent=False)

    def forward(self, x):
        return F.layer_norm(x, (self.dim,), self.one.to(x.dtype), self.zero.to(x.dtype), self.eps)


class PatchEmbed2D(nn.Module):
    """Per-frame Conv2d(C → D, kernel = stride = p), flattened t-major: [B, C, T, H, W] → [B, T·H'·W', D]."""

    def __init__(self, cin: int, dim: int, patch: int):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, kernel_size=patch, stride=patch, bias=True)

    def forward(self, x):
        b, c, t, h, w = x.shape
        y = self.proj(x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w))  # [(b t), D, H', W']
        d = y.shape[1]
        return y.flatten(2).transpose(1, 2).reshape(b, -1, d)


def timestep_sinusoid(t: torch.Tensor, dim: int = 256, max_period: float = 10000.0) -> torch.Tensor:
    """diffusers get_timestep_embedding(flip_sin_to_cos=True, downscale_freq_shift=0): [cos, sin]."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half
    ang = t.float()[:, None] * torch.exp(exponent)[None, :]
    return torch.cat([torch.cos(ang), torch.sin(ang)], dim=-1)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class AdaLayerNormSingle(nn.Module):
    """PixArt-α adaLN-single: returns (t6 [B, 6D] shared by all blocks, embedded timestep e [B, D])."""

    def __init__(self, dim: int, timestep_channels: int = 256):
        super().__init__()
        self.timestep_channels = timestep_channels
        self.timestep_embedder = TimestepEmbedding(timestep_channels, dim)
        self.linear = nn.Linear(dim, 6 * dim)

    def forward(self, t):
        emb = timestep_sinusoid(t, self.timestep_channels).to(self.linear.weight.dtype)
        e = self.timestep_embedder(emb)
        return self.linear(F.silu(e)), e


class CaptionProjection(nn.Module):
    """PixArtAlphaTextProjection: Linear(Ct → D), GELU(tanh), Linear(D → D)."""

    def __init__(self, cin: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.gelu(self.linear_1(x), approximate="tanh"))


class Attention(nn.Module):
    """q/k/v/out projections with bias (attention_bias = true)."""

    def __init__(self, dim: int, heads: int, kv_dim: Optional[int] = None):
        super().__init__()
        kv_dim = kv_dim or dim
        self.heads = heads
        self.to_q = nn.Linear(dim, dim)
        self.to_k = nn.Linear(kv_dim, dim)
        self.to_v = nn.Linear(kv_dim, dim)
        self.to_out = nn.Linear(dim, dim)


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4):
        super().__init__()
        self.fc1 = nn.Linear(dim, mult * dim)
        self.fc2 = nn.Linear(mult * dim, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


def text_bias(text_mask: torch.Tensor) -> torch.Tensor:
    """[B, L] (1 = token) → additive cross-attention bias [B, 1, 1, L] = (1 − m)·(−10000)."""
    return ((1.0 - text_mask.float()) * TEXT_MASK_BIAS)[:, None, None, :]


class BasicTransformerBlock(nn.Module):
    def __init__(self, cfg: DiTConfig, mode: str):
        super().__init__()
        d = cfg.hidden
        self.mode, self.heads, self.sparse_n = mode, cfg.num_heads, cfg.sparse_n
        self.norm1 = FixedLayerNorm(d, cfg.norm_eps)
        self.attn1 = Attention(d, cfg.num_heads)
        self.attn2 = Attention(d, cfg.num_heads)
        self.norm2 = FixedLayerNorm(d, cfg.norm_eps)
        self.ff = FeedForward(d, cfg.ffn_mult)
        self.scale_shift_table = nn.Parameter(torch.randn(6, d) / d ** 0.5)

    def modulation(self, t6):
        """shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp, each [B, 1, D]."""
        b = t6.shape[0]
        m = self.scale_shift_table[None].to(t6.dtype) + t6.reshape(b, 6, -1)
        return m.chunk(6, dim=1)

    def pre_attention(self, x, t6, cos, sin):
        """x [B, N, D] → q, k, v [B, N, heads·head_dim] (RoPE applied to q and k)."""
        shift, scale, _, _, _, _ = self.modulation(t6)
        h = self.norm1(x) * (1 + scale) + shift
        q = apply_rope(self.attn1.to_q(h), cos, sin, self.heads)
        k = apply_rope(self.attn1.to_k(h), cos, sin, self.heads)
        return q, k, self.attn1.to_v(h)

    def post_attention(self, x, a, t6, text, tbias):
        """x [B, N, D], a = self-attention output [B, N, heads·head_dim] (before to_out) → new x."""
        _, _, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.modulation(t6)
        x = x + gate_msa * self.attn1.to_out(a)
        # cross-attention: raw residual stream as query, no norm / modulation / gate
        c = attention(self.attn2.to_q(x), self.attn2.to_k(text), self.attn2.to_v(text), self.heads, tbias)
        x = x + self.attn2.to_out(c)
        h = self.norm2(x) * (1 + scale_mlp) + shift_mlp
        return x + gate_mlp * self.ff(h)

    def forward(self, x, t6, cos, sin, text, tbias):
        q, k, v = self.pre_attention(x, t6, cos, sin)
        a = self_attention_core(q, k, v, self.heads, self.mode, self.sparse_n)
        return self.post_attention(x, a, t6, text, tbias)


class OpenSoraT2V_v1_3(nn.Module):
    """The denoiser; with cfg.inpaint the Image Condition Controller inputs are added (OpenSoraInpaint_v1_3)."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.cfg = cfg
        d, p = cfg.hidden, cfg.patch_size
        if cfg.patch_size_t != 1:
            raise NotImplementedError("patch_size_t must be 1 (v1.3)")
        if cfg.head_dim % 3 or (cfg.head_dim // 3) % 2:
            raise ValueError("head_dim must split into three even RoPE chunks")
        self.pos_embed = PatchEmbed2D(cfg.in_channels, d, p)
        if cfg.inpaint:
            self.pos_embed_masked_hidden_states = nn.ModuleList(
                [PatchEmbed2D(cfg.in_channels, d, p), nn.Linear(d, d, bias=False)])
            self.pos_embed_mask = nn.ModuleList([PatchEmbed2D(cfg.mask_channels, d, p), nn.Linear(d, d, bias=False)])
            self.init_condition_streams()
        self.adaln_single = AdaLayerNormSingle(d, cfg.timestep_channels)
        self.caption_projection = CaptionProjection(cfg.caption_channels, d)
        self.modes = cfg.modes()
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(cfg, m) for m in self.modes])
        self.norm_out = FixedLayerNorm(d, cfg.norm_eps)
        self.scale_shift_table = nn.Parameter(torch.randn(2, d) / d ** 0.5)
        self.proj_out = nn.Linear(d, p * p * cfg.out_channels)

    # ---- image condition controller
    @torch.no_grad()
    def init_condition_streams(self):
        """Masked-latent patch embedding := the noisy one; both condition Linears := 0 (model == T2V model)."""
        self.pos_embed_masked_hidden_states[0].load_state_dict(self.pos_embed.state_dict())
        nn.init.zeros_(self.pos_embed_masked_hidden_states[1].weight)
        nn.init.zeros_(self.pos_embed_mask[1].weight)

    def load_t2v(self, state_dict):
        """Initialise an inpaint model from T2V weights (spec §5.2)."""
        missing, unexpected = self.load_state_dict(state_dict, strict=False)
        assert not unexpected, unexpected
        assert all(m.startswith(("pos_embed_masked_hidden_states", "pos_embed_mask")) for m in missing), missing
        self.init_condition_streams()

    # ---- pieces (also the ONNX split)
    def embed(self, x, cond_latent=None, cond_mask=None):
        h = self.pos_embed(x)
        if self.cfg.inpaint:
            if cond_latent is None or cond_mask is None:
                raise ValueError("inpaint model needs cond_latent and cond_mask")
            h = h + self.pos_embed_masked_hidden_states[1](self.pos_embed_masked_hidden_states[0](cond_latent))
            h = h + self.pos_embed_mask[1](self.pos_embed_mask[0](cond_mask))
        return h

    def rope(self, t: int, hp: int, wp: int, device=None):
        return rope_tables(t, hp, wp, self.cfg.head_dim, self.cfg.rope_theta, self.cfg.interpolation_scale, device)

    def final(self, h, e, t: int, hp: int, wp: int):
        b = h.shape[0]
        shift, scale = (self.scale_shift_table[None].to(e.dtype) + e[:, None]).chunk(2, dim=1)
        h = self.norm_out(h) * (1 + scale) + shift
        h = self.proj_out(h)  # [B, N, p·p·C]
        p, c = self.cfg.patch_size, self.cfg.out_channels
        h = h.reshape(b, t, hp, wp, 1, p, p, c)
        return h.permute(0, 7, 1, 4, 2, 5, 3, 6).reshape(b, c, t, hp * p, wp * p)

    def forward(self, x, timestep, text_states, text_mask, cond_latent=None, cond_mask=None):
        """x [B, C, T, H, W] (scaled noisy latent, model input), timestep [B] float, text_states [B, L, Ct],
        text_mask [B, L] (1 = token); inpaint: cond_latent [B, C, T, H, W], cond_mask [B, 4, T, H, W].
        Returns v̂ [B, C_out, T, H, W]."""
        b, _, t, hh, ww = x.shape
        p = self.cfg.patch_size
        hp, wp = hh // p, ww // p
        h = self.embed(x, cond_latent, cond_mask)
        t6, e = self.adaln_single(timestep)
        text = self.caption_projection(text_states)
        tb = text_bias(text_mask).to(h.dtype)
        cos, sin = self.rope(t, hp, wp, x.device)
        for blk in self.transformer_blocks:
            h = blk(h, t6, cos, sin, text, tb)
        return self.final(h, e, t, hp, wp)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def analytic_param_count(cfg: DiTConfig) -> dict:
    """Parameter count without allocating (spec §3.7)."""
    d, p, ct = cfg.hidden, cfg.patch_size, cfg.caption_channels
    f = cfg.ffn_mult * d
    attn_self = 4 * d * d + 4 * d
    attn_cross = 3 * d * d + 3 * d + d * d + d  # to_k/to_v take the projected text (dimension D)
    ffn = d * f + f + f * d + d
    block = attn_self + attn_cross + ffn + 6 * d
    patch = cfg.in_channels * d * p * p + d
    caption = ct * d + d + d * d + d
    adaln = cfg.timestep_channels * d + d + d * d + d + d * 6 * d + 6 * d
    final = 2 * d + d * p * p * cfg.out_channels + p * p * cfg.out_channels
    out = {"block": block, "blocks": block * cfg.num_layers, "patch_embed": patch, "caption_projection": caption,
           "adaln_single": adaln, "final": final}
    out["t2v_total"] = sum(out[k] for k in ("blocks", "patch_embed", "caption_projection", "adaln_single", "final"))
    extra = (cfg.in_channels * d * p * p + d) + (cfg.mask_channels * d * p * p + d) + 2 * d * d
    out["inpaint_extra"] = extra
    out["total"] = out["t2v_total"] + (extra if cfg.inpaint else 0)
    return out


# ------------------------------------------------------------------------------------ upstream parameter names
_UPSTREAM_RENAMES = (  # ours → diffusers/Open-Sora-Plan module paths
    ("adaln_single.timestep_embedder.", "adaln_single.emb.timestep_embedder."),
    (".attn1.to_out.", ".attn1.to_out.0."),
    (".attn2.to_out.", ".attn2.to_out.0."),
    (".ff.fc1.", ".ff.net.0.proj."),
    (".ff.fc2.", ".ff.net.2."),
)


def to_upstream_key(k: str) -> str:
    for a, b in _UPSTREAM_RENAMES:
        k = k.replace(a, b)
    return k


def from_upstream_key(k: str) -> str:
    for a, b in _UPSTREAM_RENAMES:
        k = k.replace(b, a)
    return k


def load_upstream_state_dict(model: OpenSoraT2V_v1_3, sd: dict, strict: bool = True):
    """Load a state dict named like upstream OpenSoraT2V_v1_3 / OpenSoraInpaint_v1_3 (diffusers module paths,
    e.g. `transformer_blocks.3.ff.net.0.proj.weight`). The mapping follows the upstream module structure; it has
    not been checked against a released checkpoint here (none can be downloaded in this environment)."""
    return model.load_state_dict({from_upstream_key(k): v for k, v in sd.items()}, strict=strict)
