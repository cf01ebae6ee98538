"""Small transformer text encoder trained jointly with the DiT (stands in for the frozen mT5-XXL of upstream,
whose 4096-wide features the caption projection consumes; here caption_channels = this encoder's width).

ids [B, L] int64 + mask [B, L] (1 = token) → text_states [B, L, width]. Token + learned position embeddings,
pre-LN bidirectional encoder layers (padding keys get the −10000 bias), final LayerNorm. Padded positions produce
values that the DiT's cross-attention masks out.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from training.tokenizer import MAX_LENGTH


@dataclass
class TextEncoderConfig:
    vocab_size: int
    width: int = 192
    layers: int = 3
    heads: int = 4
    max_length: int = MAX_LENGTH
    ffn_mult: int = 4

    def to_dict(self):
        return asdict(self)


class EncoderLayer(nn.Module):
    def __init__(self, w: int, heads: int, mult: int):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(w)
        self.qkv = nn.Linear(w, 3 * w)
        self.out = nn.Linear(w, w)
        self.ln2 = nn.LayerNorm(w)
        self.fc1 = nn.Linear(w, mult * w)
        self.fc2 = nn.Linear(mult * w, w)

    def forward(self, x, bias):
        b, n, w = x.shape
        hd = w // self.heads
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        s = torch.matmul(q, k.transpose(-1, -2)) * (hd ** -0.5) + bias
        p = torch.softmax(s.float() if s.dtype in (torch.float16, torch.bfloat16) else s, dim=-1).to(v.dtype)
        a = torch.matmul(p, v).transpose(1, 2).reshape(b, n, w)
        x = x + self.out(a)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class TextEncoder(nn.Module):
    def __init__(self, cfg: TextEncoderConfig):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.width)
        self.pos = nn.Parameter(torch.randn(cfg.max_length, cfg.width) * 0.02)
        nn.init.normal_(self.tok.weight, std=0.02)
        self.layers = nn.ModuleList([EncoderLayer(cfg.width, cfg.heads, cfg.ffn_mult) for _ in range(cfg.layers)])
        self.ln_f = nn.LayerNorm(cfg.width)

    def forward(self, ids, mask):
        n = ids.shape[1]
        x = self.tok(ids) + self.pos[:n][None].to(self.tok.weight.dtype)
        bias = ((1.0 - mask.to(x.dtype)) * -10000.0)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        return self.ln_f(x)
