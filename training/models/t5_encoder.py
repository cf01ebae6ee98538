"""T5 / mT5 encoder (the text encoder of Open-Sora Plan v1.3: google/mt5-xxl, `MT5EncoderModel`), written from the
T5 maths, loaded from Hugging Face layout weights (`config.json` + `model.safetensors` or shards).

ids [B, L] int64 + mask [B, L] (1 = token) → last_hidden_state [B, L, d_model]:
  x = shared[ids]                              (no embedding scaling)
  bias = relative_position_bias(L) [1, H, L, L] (block 0's table, bidirectional buckets, shared by all blocks)
         + (1 − m)·finfo(f32).min on the keys
  block × n: x += o(attn(RMSNorm(x)))           q, k, v, o without bias; scores q·kᵀ without 1/√d
             x += wo(gelu_tanh(wi_0 h) · wi_1 h), h = RMSNorm(x)   (gated-GELU; `relu` variant for T5 v1.0)
  RMSNorm(x) (final)
RMSNorm: w · x / √(mean(x²) + eps), no mean subtraction, statistics in fp32.

Upstream's prompt handling (opensora/sample/pipeline_opensora.py): pad to max_length 512 with id 0 and mask 0,
truncate to 511 pieces + EOS; the DiT masks padded positions in its cross-attention.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

MAX_LENGTH = 512  # upstream max_sequence_length


@dataclass
class T5Config:
    vocab_size: int
    d_model: int
    d_kv: int
    num_heads: int
    d_ff: int
    num_layers: int
    relative_attention_num_buckets: int = 32
    relative_attention_max_distance: int = 128
    layer_norm_epsilon: float = 1e-6
    gated: bool = True  # feed_forward_proj "gated-gelu" (T5 v1.1 / mT5); False = "relu" (T5 v1.0)
    max_length: int = MAX_LENGTH
    pad_id: int = 0
    eos_id: int = 1

    def to_dict(self):
        d = asdict(self)
        d["kind"] = "t5-encoder"
        d["width"] = self.d_model  # = the DiT's caption_channels
        return d


def relative_position_bucket(rel: torch.Tensor, num_buckets: int, max_distance: int) -> torch.Tensor:
    """Bidirectional T5 buckets of rel = key − query: half the buckets per sign, exact below num_buckets/4, then
    log-spaced up to max_distance."""
    nb = num_buckets // 2
    out = (rel > 0).long() * nb
    n = rel.abs()
    max_exact = nb // 2
    large = max_exact + (torch.log(n.float().clamp(min=1) / max_exact) / math.log(max_distance / max_exact)
                         * (nb - max_exact)).long()
    large = torch.clamp(large, max=nb - 1)
    return out + torch.where(n < max_exact, n, large)


class RMSNorm(nn.Module):
    def __init__(self, d: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        # casts only where the dtype changes: a float→float Cast chain in the exported graph trips onnxruntime's
        # Cast-elimination pass ("Node input … is not a graph input") at optimization level basic and above
        xf = x if x.dtype == torch.float32 else x.float()
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * (y if y.dtype == self.weight.dtype else y.to(self.weight.dtype))


class SelfAttention(nn.Module):
    def __init__(self, cfg: T5Config, has_bias_table: bool):
        super().__init__()
        inner = cfg.num_heads * cfg.d_kv
        self.cfg = cfg
        self.q = nn.Linear(cfg.d_model, inner, bias=False)
        self.k = nn.Linear(cfg.d_model, inner, bias=False)
        self.v = nn.Linear(cfg.d_model, inner, bias=False)
        self.o = nn.Linear(inner, cfg.d_model, bias=False)
        if has_bias_table:
            self.relative_attention_bias = nn.Embedding(cfg.relative_attention_num_buckets, cfg.num_heads)

    def position_bias(self, n: int, device=None) -> torch.Tensor:
        """[1, H, n, n] from this layer's table (block 0)."""
        pos = torch.arange(n, device=device)
        b = relative_position_bucket(pos[None, :] - pos[:, None], self.cfg.relative_attention_num_buckets,
                                     self.cfg.relative_attention_max_distance)
        return self.relative_attention_bias(b).permute(2, 0, 1)[None]

    def forward(self, x, bias):
        b, n, _ = x.shape
        h, d = self.cfg.num_heads, self.cfg.d_kv
        q, k, v = (f(x).reshape(b, n, h, d).transpose(1, 2) for f in (self.q, self.k, self.v))
        s = torch.matmul(q, k.transpose(-1, -2)) + bias  # T5: no 1/√d (folded into the init)
        p = torch.softmax(s if s.dtype == torch.float32 else s.float(), dim=-1)
        p = p if p.dtype == v.dtype else p.to(v.dtype)
        return self.o(torch.matmul(p, v).transpose(1, 2).reshape(b, n, h * d))


class DenseGatedGelu(nn.Module):
    def __init__(self, cfg: T5Config):
        super().__init__()
        self.gated = cfg.gated
        if cfg.gated:
            self.wi_0 = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
            self.wi_1 = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        else:
            self.wi = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.wo = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x):
        if self.gated:
            return self.wo(F.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x))
        return self.wo(F.relu(self.wi(x)))


class _Layer0(nn.Module):
    def __init__(self, cfg, first):
        super().__init__()
        self.SelfAttention = SelfAttention(cfg, first)
        self.layer_norm = RMSNorm(cfg.d_model, cfg.layer_norm_epsilon)


class _Layer1(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.DenseReluDense = DenseGatedGelu(cfg)
        self.layer_norm = RMSNorm(cfg.d_model, cfg.layer_norm_epsilon)


class T5Block(nn.Module):
    """Module paths mirror HF's (`layer.0.SelfAttention.q`, `layer.1.DenseReluDense.wi_0`, …) so weights load 1:1."""

    def __init__(self, cfg: T5Config, first: bool):
        super().__init__()
        self.layer = nn.ModuleList([_Layer0(cfg, first), _Layer1(cfg)])

    def forward(self, x, bias):
        a, f = self.layer
        x = x + a.SelfAttention(a.layer_norm(x), bias)
        return x + f.DenseReluDense(f.layer_norm(x))


class _Stack(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.block = nn.ModuleList([T5Block(cfg, i == 0) for i in range(cfg.num_layers)])
        self.final_layer_norm = RMSNorm(cfg.d_model, cfg.layer_norm_epsilon)


class T5Encoder(nn.Module):
    """state_dict names = HF `MT5EncoderModel` (`shared.weight`, `encoder.block.{i}…`, `encoder.final_layer_norm`)."""

    def __init__(self, cfg: T5Config):
        super().__init__()
        self.cfg = cfg
        self.shared = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.encoder = _Stack(cfg)

    def forward(self, ids, mask, return_intermediates: bool = False):
        x = self.shared(ids)
        n = ids.shape[1]
        pb = self.encoder.block[0].layer[0].SelfAttention.position_bias(n, ids.device)
        m = mask if mask.dtype == torch.float32 else mask.to(torch.float32)
        bias = pb + ((1.0 - m) * torch.finfo(torch.float32).min)[:, None, None, :]
        inter = {"embeddings": x, "position_bias": pb}
        for i, blk in enumerate(self.encoder.block):
            x = blk(x, bias)
            inter[f"block_out_{i}"] = x
        x = self.encoder.final_layer_norm(x)
        return (x, inter) if return_intermediates else x
