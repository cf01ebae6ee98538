"""WF-VAE (Open-Sora Plan v1.3 `WFVAEModel_D8_4x8x8` architecture), spec §2.

Sizes are configurable (B = base_channels, E_enc / E_dec energy-flow widths, c = connect_res_layer_num,
L = latent_dim); `WFVAEConfig.released()` is the shipped v1.3 configuration (37.18M / 110.17M params).

Chunked (causal-cache) inference, spec §2.5:
* Encoder: chunks [0,1) then chunks of `t_chunk` pixel frames (multiple of 4). Every CausalConv3d keeps the
  unconsumed tail of its padded input; the Haar convs (kernel = stride = 2) need no cache.
* Decoder: chunks [0,1) then chunks of latent frames. Instead of the upstream "one latent frame of
  look-ahead, decode it and throw its output away" scheme we use an exactly equivalent *delayed emission*
  scheme (see `Spatial2xTime2x3DUpsample.forward_chunk`): the trilinear 2x time upsample needs the next
  latent frame only for the second half-frame b_i of the last latent frame of a chunk, so that half-frame is
  held back and emitted at the start of the next chunk (or, clamped, on the last chunk). Everything
  downstream of the upsample therefore runs one level-2 frame "late", i.e. every chunk except the first and
  last emits 4n pixel frames that lag the input by 2 pixel frames; the second chunk emits 4n-2 and the
  last chunk 2 more. No frame is computed twice. The Ŵ3 inflow of the outflow branch is delayed by the same
  one frame (a 1-frame buffer) so the LL-band sum stays aligned. Flags `is_first` / `is_last` are float
  tensors (0/1) so one traced graph (ONNX chunk step) serves every chunk.
"""
from dataclasses import dataclass, asdict
import math
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .wavelet import (HaarWaveletTransform2D, HaarWaveletTransform3D,
                      InverseHaarWaveletTransform2D, InverseHaarWaveletTransform3D)

LATENT_SCALE = 0.18215
LATENT_SHIFT = 0.0


@dataclass
class WFVAEConfig:
    base_channels: int = 128
    encoder_energy_flow_hidden_size: int = 64
    decoder_energy_flow_hidden_size: int = 128
    connect_res_layer_num: int = 2
    latent_dim: int = 8
    num_resblocks: int = 2

    @staticmethod
    def released() -> "WFVAEConfig":
        return WFVAEConfig(128, 64, 128, 2, 8, 2)

    @staticmethod
    def tiny() -> "WFVAEConfig":
        return WFVAEConfig(16, 8, 16, 2, 8, 2)

    def to_dict(self):
        return asdict(self)


# ----------------------------------------------------------------------------------------------
# building blocks


class Norm(nn.Module):
    """LayerNorm over channels at every position (eps 1e-6, affine). Works on [N, C, ...]."""

    def __init__(self, c: int):
        super().__init__()
        self.norm = nn.LayerNorm(c, eps=1e-6, elementwise_affine=True)

    def forward(self, x):
        # fp32 statistics (LayerNorm under CPU bf16 autocast fails in torch 1.13)
        # explicit non-negative permutations (movedim(-1, 1) exports an invalid Transpose perm in torch 1.13)
        n = x.dim()
        to_last = [0] + list(range(2, n)) + [1]
        to_first = [0, n - 1] + list(range(1, n - 1))
        return self.norm(x.float().permute(*to_last)).permute(*to_first)


class Conv2dPF(nn.Module):
    """Conv2d applied per frame to [B, C, T, H, W] (time folded into the batch)."""

    def __init__(self, cin, cout, k=3, stride=1, padding=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, padding)

    def forward(self, x):
        b, c, t, h, w = x.shape
        y = self.conv(x.transpose(1, 2).reshape(b * t, c, h, w))
        return y.reshape(b, t, y.shape[1], y.shape[2], y.shape[3]).transpose(1, 2)


class CausalConv3d(nn.Module):
    """Conv3d with first-frame replicate temporal padding (k_t - 1 frames, none at the end).

    Chunk mode (`self.chunk = True`): the temporal padding comes from `self.cache` (the unconsumed tail of
    the previous chunk's padded input) unless `self.cache is None` (first chunk, python-level) or the
    tensor flag `self.first_flag` is 1 (then `flag * replicate + (1 - flag) * cache`, exact for 0/1).
    After the call `self.cache` holds the new cache.
    """

    def __init__(self, cin, cout, k=3, stride=1, spatial_padding=None):
        super().__init__()
        k = (k, k, k) if isinstance(k, int) else tuple(k)
        s = (stride, stride, stride) if isinstance(stride, int) else tuple(stride)
        if spatial_padding is None:
            spatial_padding = (k[1] // 2, k[2] // 2)
        self.kt, self.st = k[0], s[0]
        self.conv = nn.Conv3d(cin, cout, k, s, padding=(0,) + tuple(spatial_padding))
        self.chunk = False
        self.cache: Optional[torch.Tensor] = None
        self.first_flag: Optional[torch.Tensor] = None

    @property
    def cached(self) -> bool:
        return self.kt > 1

    def forward(self, x):
        if self.kt == 1:
            return self.conv(x)
        rep = x[:, :, :1].expand(-1, -1, self.kt - 1, -1, -1)
        if not self.chunk or self.cache is None:
            pad = rep
        elif self.first_flag is None:
            pad = self.cache
        else:
            f = self.first_flag
            pad = f * rep + (1.0 - f) * self.cache
        xp = torch.cat([pad, x], dim=2)
        if self.chunk:
            if self.st == 1:
                self.cache = xp[:, :, 1 - self.kt:]
            else:
                n_out = (xp.shape[2] - self.kt) // self.st + 1
                self.cache = xp[:, :, n_out * self.st:]
        return self.conv(xp)


class ResnetBlock3D(nn.Module):
    def __init__(self, cin, cout=None):
        super().__init__()
        cout = cout or cin
        self.norm1 = Norm(cin)
        self.conv1 = CausalConv3d(cin, cout, 3)
        self.norm2 = Norm(cout)
        self.conv2 = CausalConv3d(cout, cout, 3)
        self.nin_shortcut = CausalConv3d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))  # dropout 0
        if self.nin_shortcut is not None:
            x = self.nin_shortcut(x)
        return x + h


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout=None):
        super().__init__()
        cout = cout or cin
        self.norm1 = Norm(cin)
        self.conv1 = Conv2dPF(cin, cout)
        self.norm2 = Norm(cout)
        self.conv2 = Conv2dPF(cout, cout)
        self.nin_shortcut = Conv2dPF(cin, cout, 1, 1, 0) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        if self.nin_shortcut is not None:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock3DFix(nn.Module):
    """Single-head attention within each frame (time folded into batch), residual."""

    def __init__(self, c):
        super().__init__()
        self.norm = Norm(c)
        self.q = CausalConv3d(c, c, 1)
        self.k = CausalConv3d(c, c, 1)
        self.v = CausalConv3d(c, c, 1)
        self.proj_out = CausalConv3d(c, c, 1)

    def forward(self, x):
        h = self.norm(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        b, c, t, hh, ww = q.shape

        def fold(z):  # [B, C, T, H, W] -> [B*T, HW, C]
            return z.permute(0, 2, 3, 4, 1).reshape(b * t, hh * ww, c)

        q, k, v = fold(q), fold(k), fold(v)
        a = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * (1.0 / math.sqrt(c)), dim=-1)
        o = torch.bmm(a, v).reshape(b, t, hh, ww, c).permute(0, 4, 1, 2, 3)
        return x + self.proj_out(o)


class Downsample(nn.Module):
    """Per frame: zero-pad right/bottom by 1, Conv2d 3x3 stride 2, no padding."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = Conv2dPF(cin, cout, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Spatial2xTime2x3DDownsample(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = CausalConv3d(cin, cout, 3, 2, spatial_padding=(0, 0))

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


def _up2_axis(x, dim):
    """2x linear upsampling along `dim` with align_corners=False semantics (edge-clamped): output pair of
    input i is (.25 x[i-1] + .75 x[i], .75 x[i] + .25 x[i+1]). Written with slices only (no Resize op)."""
    n = x.shape[dim]
    lo = x.narrow(dim, 0, n - 1)
    hi = x.narrow(dim, 1, n - 1)
    a = torch.cat([x.narrow(dim, 0, 1), 0.25 * lo + 0.75 * hi], dim=dim)
    b = torch.cat([0.75 * lo + 0.25 * hi, x.narrow(dim, n - 1, 1)], dim=dim)
    shape = list(x.shape)
    shape[dim] = 2 * n
    return torch.stack([a, b], dim=dim + 1).reshape(shape)


def _spatial_up2(x):
    """2x bilinear per frame (= trilinear with time scale 1, align_corners=False)."""
    return _up2_axis(_up2_axis(x, 3), 4)


def _interleave(a, b):
    bsz, c, n, h, w = a.shape
    return torch.stack([a, b], dim=3).reshape(bsz, c, 2 * n, h, w)


def _select_frames(x, start, stop):
    """x[:, :, start:stop] with start/stop possibly 0-dim int64 tensors (traced dynamically)."""
    idx = torch.arange(start, stop)
    return torch.index_select(x, 2, idx)


class Spatial2xTime2x3DUpsample(nn.Module):
    """Frame 0: spatial 2x only. Frames 1..k: trilinear 2x in time (align_corners=False: output pair of
    latent frame i is a_i = .25 z_{i-1} + .75 z_i, b_i = .75 z_i + .25 z_{i+1}, clamped at both ends of
    the sequence 1..k), then 2x in space. Then CausalConv3d 3^3."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = CausalConv3d(cin, cout, 3)
        self.chunk = False
        self.prev: Optional[torch.Tensor] = None  # last latent-rate frame of previous chunk
        self.has_prev: Optional[torch.Tensor] = None  # float 0/1 scalar tensor
        self.flush: Optional[torch.Tensor] = None  # float 0/1: emit the held-back half-frame

    @staticmethod
    def time_up(z):
        a = torch.cat([z[:, :, :1], 0.25 * z[:, :, :-1] + 0.75 * z[:, :, 1:]], dim=2)
        b = torch.cat([0.75 * z[:, :, :-1] + 0.25 * z[:, :, 1:], z[:, :, -1:]], dim=2)
        return _interleave(a, b)

    def forward(self, x):
        if self.chunk:
            return self.forward_chunk(x)
        if x.shape[2] > 1:
            y = torch.cat([x[:, :, :1], self.time_up(x[:, :, 1:])], dim=2)
        else:
            y = x
        return self.conv(_spatial_up2(y))

    def forward_chunk(self, z):
        # z: latent-rate frames z_a..z_b of this chunk (z_0 alone on the first chunk)
        hp = self.has_prev
        prev = self.prev
        n = z.shape[2]
        a0 = hp * (0.25 * prev + 0.75 * z[:, :, :1]) + (1.0 - hp) * z[:, :, :1]
        a = torch.cat([a0, 0.25 * z[:, :, :-1] + 0.75 * z[:, :, 1:]], dim=2)
        b = torch.cat([0.75 * z[:, :, :-1] + 0.25 * z[:, :, 1:], z[:, :, -1:]], dim=2)
        b_prev = 0.75 * prev + 0.25 * z[:, :, :1]
        seq = torch.cat([b_prev, _interleave(a, b)], dim=2)  # 2n + 1 frames
        one = torch.ones((), dtype=torch.int64)
        start = one - hp.long()
        stop = (2 * n + 1) * one - (one - self.flush.long())
        y = _select_frames(seq, start, stop)
        self.prev = z[:, :, n - 1:]
        return self.conv(_spatial_up2(y))


class Upsample(nn.Module):
    """Per frame: 2x nearest spatial, Conv2d 3x3."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = Conv2dPF(cin, cout, 3, 1, 1)

    def forward(self, x):
        b, c, t, h, w = x.shape
        y = x.reshape(b, c, t, h, 1, w, 1).expand(b, c, t, h, 2, w, 2).reshape(b, c, t, 2 * h, 2 * w)
        return self.conv(y)


# ----------------------------------------------------------------------------------------------
# encoder / decoder


class Encoder(nn.Module):
    def __init__(self, cfg: WFVAEConfig):
        super().__init__()
        B, E, L, nr = cfg.base_channels, cfg.encoder_energy_flow_hidden_size, cfg.latent_dim, cfg.num_resblocks
        self.wavelet_transform_in = HaarWaveletTransform3D()
        self.wavelet_transform_l1 = HaarWaveletTransform2D()
        self.wavelet_transform_l2 = HaarWaveletTransform3D()
        self.down1 = nn.Sequential(Conv2dPF(24, B), *[ResnetBlock2D(B) for _ in range(nr)], Downsample(B, B))
        self.connect_l1 = Conv2dPF(12, E)
        self.down2 = nn.Sequential(Conv2dPF(B + E, 2 * B), *[ResnetBlock3D(2 * B) for _ in range(nr)],
                                   Spatial2xTime2x3DDownsample(2 * B, 2 * B))
        self.connect_l2 = Conv2dPF(24, E)
        self.mid = nn.Sequential(ResnetBlock3D(2 * B + E, 4 * B), AttnBlock3DFix(4 * B), ResnetBlock3D(4 * B))
        self.norm_out = Norm(4 * B)
        self.conv_out = CausalConv3d(4 * B, 2 * L, 3)

    def wavelets(self, x):
        w1 = self.wavelet_transform_in(x)
        w2 = self.wavelet_transform_l1(w1[:, :3])
        w3 = self.wavelet_transform_l2(w2[:, :3])
        return w1, w2, w3

    def core(self, w1, w2, w3):
        h = self.down1(w1)
        h = torch.cat([h, self.connect_l1(w2)], dim=1)
        h = self.down2(h)
        h = torch.cat([h, self.connect_l2(w3)], dim=1)
        h = self.mid(h)
        return self.conv_out(F.silu(self.norm_out(h)))

    def forward(self, x):
        w1, w2, w3 = self.wavelets(x)
        return self.core(w1, w2, w3), w2, w3


class Decoder(nn.Module):
    def __init__(self, cfg: WFVAEConfig):
        super().__init__()
        B, E, L = cfg.base_channels, cfg.decoder_energy_flow_hidden_size, cfg.latent_dim
        c, nr = cfg.connect_res_layer_num, cfg.num_resblocks
        self.B4 = 4 * B
        self.conv_in = CausalConv3d(L, 4 * B, 3)
        self.mid = nn.Sequential(ResnetBlock3D(4 * B), AttnBlock3DFix(4 * B), ResnetBlock3D(4 * B, 4 * B + E))
        self.connect_l2 = nn.Sequential(*[ResnetBlock3D(E) for _ in range(c)], Conv2dPF(E, 24))
        self.up2 = nn.Sequential(*[ResnetBlock3D(4 * B) for _ in range(nr)],
                                 Spatial2xTime2x3DUpsample(4 * B, 4 * B), ResnetBlock3D(4 * B, 4 * B + E))
        self.connect_l1 = nn.Sequential(*[ResnetBlock3D(E) for _ in range(c)], Conv2dPF(E, 12))
        self.up1 = nn.Sequential(ResnetBlock3D(4 * B, 2 * B), ResnetBlock3D(2 * B), Upsample(2 * B, 2 * B),
                                 ResnetBlock3D(2 * B))
        self.layer = nn.Sequential(ResnetBlock3D(2 * B, B), ResnetBlock3D(B))
        self.norm_out = Norm(B)
        self.conv_out = Conv2dPF(B, 24)
        self.inverse_wavelet_l2 = InverseHaarWaveletTransform3D()
        self.inverse_wavelet_l1 = InverseHaarWaveletTransform2D()
        self.inverse_wavelet_out = InverseHaarWaveletTransform3D()
        # chunk-mode state for the W3 -> W2 sum (1-frame delay buffer) and flags
        self.chunk = False
        self.tail_only = False
        self.delay: Optional[torch.Tensor] = None
        self.has_prev: Optional[torch.Tensor] = None
        self.is_first: Optional[torch.Tensor] = None
        self.is_last: Optional[torch.Tensor] = None

    def core(self, z):
        """Backbone without the Haar inverses: returns (w3, w2_pre, w1_pre). With `tail_only`, `z` is already the
        head's output (training/tiled_vae.py: the head runs on the whole frame, the tail tile by tile)."""
        return self.core_tail(z if self.tail_only else self.core_head(z))

    def core_head(self, z):
        """conv_in + mid: the part with the frame-global attention, at latent resolution → [B, 4B + E, T, h, w]."""
        return self.mid(self.conv_in(z))

    def core_tail(self, h):
        """Everything after mid: local ops only (convs, per-position norms, upsampling)."""
        h, f3 = h[:, :self.B4], h[:, self.B4:]
        w3 = self.connect_l2(f3)
        h = self.up2(h)
        h, f2 = h[:, :self.B4], h[:, self.B4:]
        w2 = self.connect_l1(f2)
        h = self.layer(self.up1(h))
        w1 = self.conv_out(F.silu(self.norm_out(h)))
        return w3, w2, w1

    @staticmethod
    def add_ll(w, s):
        return torch.cat([w[:, :3] + s, w[:, 3:]], dim=1)

    def forward(self, z):
        if self.chunk:
            return self.forward_chunk(z)
        w3, w2, w1 = self.core(z)
        w2 = self.add_ll(w2, self.inverse_wavelet_l2(w3, drop_first=True))
        w1 = self.add_ll(w1, self.inverse_wavelet_l1(w2))
        return self.inverse_wavelet_out(w1, drop_first=True), w2, w3

    def forward_chunk(self, z):
        w3, w2, w1 = self.core(z)
        one = torch.ones((), dtype=torch.int64)
        first = self.is_first.long()
        s3 = self.inverse_wavelet_l2(w3, drop_first=False)
        s3 = _select_frames(s3, first, s3.shape[2] * one)
        m = s3.shape[2]
        seq = torch.cat([self.delay, s3], dim=2)
        flush = torch.clamp(self.is_first + self.is_last, max=1.0).long()
        s3d = _select_frames(seq, one - self.has_prev.long(), (m + 1) * one - (one - flush))
        self.delay = s3[:, :, m - 1:]
        w2 = self.add_ll(w2, s3d)
        w1 = self.add_ll(w1, self.inverse_wavelet_l1(w2))
        x = self.inverse_wavelet_out(w1, drop_first=False)
        x = _select_frames(x, first, x.shape[2] * one)
        return x, w2, w3


class DiagonalGaussianDistribution:
    def __init__(self, moments):
        self.mean, logvar = torch.chunk(moments, 2, dim=1)
        self.logvar = torch.clamp(logvar, -30.0, 20.0)
        self.std = torch.exp(0.5 * self.logvar)
        self.var = torch.exp(self.logvar)

    def sample(self, generator=None, n: int | None = None):
        """One draw per row; with n, n draws of a batch-1 posterior (the all-zero clip's, shared by many rows)."""
        shape = self.mean.shape if n is None else (n,) + tuple(self.mean.shape[1:])
        return self.mean + self.std * torch.randn(shape, generator=generator, dtype=self.mean.dtype,
                                                 device=self.mean.device)

    def mode(self):
        return self.mean

    def kl(self):
        return 0.5 * torch.sum(self.mean.pow(2) + self.var - 1.0 - self.logvar, dim=[1, 2, 3, 4])


# ----------------------------------------------------------------------------------------------
# chunk-state helpers


def _chunk_modules(module: nn.Module):
    """Stateful modules of a (sub)model in a fixed order."""
    out = []
    for name, m in module.named_modules():
        if isinstance(m, CausalConv3d) and m.cached:
            out.append((name, m))
        elif isinstance(m, (Spatial2xTime2x3DUpsample, HaarWaveletTransform3D)):
            out.append((name, m))
    return out


def set_chunk_mode(module: nn.Module, on: bool):
    for _, m in module.named_modules():
        if isinstance(m, (CausalConv3d, Spatial2xTime2x3DUpsample, Decoder)):
            m.chunk = on
            if isinstance(m, CausalConv3d):
                m.cache, m.first_flag = None, None
        if isinstance(m, HaarWaveletTransform3D):
            m.chunk_first = True


class WFVAE(nn.Module):
    def __init__(self, cfg: WFVAEConfig = None):
        super().__init__()
        self.cfg = cfg or WFVAEConfig.tiny()
        self.encoder = Encoder(self.cfg)
        self.decoder = Decoder(self.cfg)

    # ---- one-shot
    def encode(self, x) -> DiagonalGaussianDistribution:
        moments, _, _ = self.encoder(x)
        return DiagonalGaussianDistribution(moments)

    def decode(self, z):
        return self.decoder(z)[0]

    def forward(self, x, sample=True):
        moments, w2, w3 = self.encoder(x)
        post = DiagonalGaussianDistribution(moments)
        z = post.sample() if sample else post.mode()
        rec, w2h, w3h = self.decoder(z)
        return rec, post, (w2, w3), (w2h, w3h)

    # ---- scaled latent interface (v1.3 wrapper): (z - shift) * scale
    def encode_scaled(self, x, sample=False):
        post = self.encode(x)
        z = post.sample() if sample else post.mode()
        return (z - LATENT_SHIFT) * LATENT_SCALE

    def decode_scaled(self, z):
        return self.decode(z / LATENT_SCALE + LATENT_SHIFT)

    # ---- chunked (causal cache)
    @torch.no_grad()
    def encode_chunked(self, x, t_chunk: int = 8) -> DiagonalGaussianDistribution:
        assert t_chunk % 4 == 0 and (x.shape[2] - 1) % 4 == 0
        enc = self.encoder
        set_chunk_mode(enc, True)
        outs = []
        try:
            bounds = [(0, 1)] + [(s, min(s + t_chunk, x.shape[2])) for s in range(1, x.shape[2], t_chunk)]
            for i, (s, e) in enumerate(bounds):
                outs.append(enc(x[:, :, s:e])[0])
                if i == 0:
                    for _, m in enc.named_modules():
                        if isinstance(m, HaarWaveletTransform3D):
                            m.chunk_first = False
        finally:
            set_chunk_mode(enc, False)
        return DiagonalGaussianDistribution(torch.cat(outs, dim=2))

    def decoder_chunk_state_init(self, batch: int, h: int, w: int) -> List[torch.Tensor]:
        """Zero initial caches for the chunk step (shapes found by a dry run on one latent frame)."""
        z = torch.zeros(batch, self.cfg.latent_dim, 1, h, w)
        state = self._decoder_state_template(z)
        return [torch.zeros_like(t) for t in state]

    @torch.no_grad()
    def _decoder_state_template(self, z):
        dec = self.decoder
        set_chunk_mode(dec, True)
        try:
            # python-level first chunk (cache None) to learn the cache shapes
            ups = [m for _, m in dec.named_modules() if isinstance(m, Spatial2xTime2x3DUpsample)]
            for u in ups:
                u.prev = torch.zeros_like(z[:, :1]).expand(-1, u.conv.conv.in_channels, -1, -1, -1)
                u.has_prev = torch.zeros(())
                u.flush = torch.zeros(())
            dec.delay = torch.zeros(z.shape[0], 3, 1, z.shape[3] * 2, z.shape[4] * 2)
            dec.has_prev = torch.zeros(())
            dec.is_first = torch.ones(())
            dec.is_last = torch.zeros(())
            dec(z)
            return self._get_decoder_state()
        finally:
            set_chunk_mode(dec, False)

    def decoder_state_names(self) -> List[str]:
        names = []
        for name, m in _chunk_modules(self.decoder):
            if isinstance(m, CausalConv3d):
                names.append("cache." + name)
            elif isinstance(m, Spatial2xTime2x3DUpsample):
                names.append("prev." + name)
        return names + ["delay.w3", "has_prev"]

    def _get_decoder_state(self) -> List[torch.Tensor]:
        dec = self.decoder
        out = []
        for _, m in _chunk_modules(dec):
            if isinstance(m, CausalConv3d):
                out.append(m.cache)
            elif isinstance(m, Spatial2xTime2x3DUpsample):
                out.append(m.prev)
        out.append(dec.delay)
        out.append(dec.has_prev.reshape(1))
        return out

    def decode_chunk_step(self, z, state: List[torch.Tensor], is_first: torch.Tensor, is_last: torch.Tensor):
        """One decoder chunk with explicit state; flags are float 0-dim (or [1]) tensors in {0, 1}.
        Returns (frames, new_state). `z` is the *unscaled* latent."""
        dec = self.decoder
        is_first = is_first.reshape(())
        is_last = is_last.reshape(())
        set_chunk_mode(dec, True)
        try:
            mods = _chunk_modules(dec)
            i = 0
            has_prev = state[-1].reshape(())
            for _, m in mods:
                if isinstance(m, CausalConv3d):
                    m.cache, m.first_flag = state[i], is_first
                    i += 1
                elif isinstance(m, Spatial2xTime2x3DUpsample):
                    m.prev, m.has_prev = state[i], has_prev
                    m.flush = is_last * (1.0 - is_first)
                    i += 1
            dec.delay = state[i]
            dec.has_prev = has_prev
            dec.is_first, dec.is_last = is_first, is_last
            x = dec(z)[0]
            new_state = self._get_decoder_state()
            new_state[-1] = (1.0 - is_first).reshape(1)
            return x, new_state
        finally:
            set_chunk_mode(dec, False)

    @torch.no_grad()
    def decode_chunked(self, z, t_chunk: int = 2):
        """Chunks [0,1), then `t_chunk` latent frames at a time (unscaled latent)."""
        tl = z.shape[2]
        state = self.decoder_chunk_state_init(z.shape[0], z.shape[3], z.shape[4])
        bounds = [(0, 1)] + [(s, min(s + t_chunk, tl)) for s in range(1, tl, t_chunk)]
        outs = []
        for i, (s, e) in enumerate(bounds):
            f = torch.tensor(1.0 if i == 0 else 0.0)
            l = torch.tensor(1.0 if i == len(bounds) - 1 else 0.0)
            x, state = self.decode_chunk_step(z[:, :, s:e], state, f, l)
            outs.append(x)
        return torch.cat(outs, dim=2)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
