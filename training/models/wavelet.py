"""Fixed Haar wavelet transforms of WF-VAE (spec §2.1).

Layout everywhere: [B, C, T, H, W]; transform outputs are *subband-major*: channel s*C + c
(subband s, input channel c), so channels 0..C-1 hold the all-low-pass band.

3D subbands (bit 0 = high in w, bit 1 = high in h, bit 2 = high in t):
  s = 0 LLL, 1 w, 2 h, 3 hw, 4 t, 5 tw, 6 th, 7 thw ; every filter entry is +-0.3536.
2D subbands: [LL, high-in-h, high-in-w, high-in-h-and-w] ; entries +-0.5.

The 3D forward transform is causal: the first frame is replicated once, so output frame 0
comes from the pair (x0, x0) and frame j>=1 from (x_{2j-1}, x_{2j}); 1+2m frames -> 1+m.
The inverse drops its first output frame in one-shot mode (or on the first chunk).
Transforms are depthwise: channels are folded into the batch (exactly what the WGSL kernels do).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _fp32(fn):
    """Run a transform in fp32 even under CPU bf16 autocast (the Haar transforms are exact, cheap ops)."""

    def wrapped(self, x, *args, **kwargs):
        with torch.autocast("cpu", enabled=False):
            return fn(self, x.float(), *args, **kwargs)

    wrapped.__doc__ = fn.__doc__
    return wrapped

HAAR3D_COEF = 0.3536
HAAR2D_COEF = 0.5


def haar3d_filters() -> torch.Tensor:
    """[8, 1, 2, 2, 2] filters, index s = 4*t_high + 2*h_high + w_high, axes (t, h, w)."""
    lo = torch.tensor([1.0, 1.0])
    hi = torch.tensor([1.0, -1.0])
    fs = []
    for s in range(8):
        ft = hi if (s >> 2) & 1 else lo
        fh = hi if (s >> 1) & 1 else lo
        fw = hi if s & 1 else lo
        f = ft[:, None, None] * fh[None, :, None] * fw[None, None, :]
        fs.append(f * HAAR3D_COEF)
    return torch.stack(fs)[:, None]


def haar2d_filters() -> torch.Tensor:
    """[4, 1, 2, 2] filters in order [LL, high-h, high-w, high-hw] (axes h, w)."""
    lo = torch.tensor([1.0, 1.0])
    hi = torch.tensor([1.0, -1.0])
    fs = []
    for fh, fw in ((lo, lo), (hi, lo), (lo, hi), (hi, hi)):
        fs.append(fh[:, None] * fw[None, :] * HAAR2D_COEF)
    return torch.stack(fs)[:, None]


class HaarWaveletTransform3D(nn.Module):
    """Forward 3D Haar. In chunk mode (``self.chunk_first`` set to False) no padding is applied;
    the kernel equals the stride so the causal cache is empty and chunks must have even length."""

    def __init__(self):
        super().__init__()
        self.register_buffer("weight", haar3d_filters(), persistent=False)
        self.chunk_first = True  # replicate-pad the first frame (one-shot or first chunk)

    @_fp32
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, h, w = x.shape
        x = x.reshape(b * c, 1, t, h, w)
        if self.chunk_first:
            x = torch.cat([x[:, :, :1], x], dim=2)
        y = F.conv3d(x, self.weight, stride=2)
        _, _, t2, h2, w2 = y.shape
        y = y.reshape(b, c, 8, t2, h2, w2).transpose(1, 2)
        return y.reshape(b, 8 * c, t2, h2, w2)


class InverseHaarWaveletTransform3D(nn.Module):
    """Inverse 3D Haar = the adjoint (stride-2 transposed conv with the same filters, summed over subbands).
    Kernel = stride, so it is computed as a per-block 8x8 MatMul followed by depth-to-space (same numbers as
    ConvTranspose3d; ORT's WebGPU EP has no 3D ConvTranspose)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("synth", haar3d_filters().reshape(8, 8), persistent=False)  # [s, dt*4+dh*2+dw]

    @_fp32
    def forward(self, y: torch.Tensor, drop_first: bool = True) -> torch.Tensor:
        b, c8, t, h, w = y.shape
        c = c8 // 8
        y = y.reshape(b, 8, c, t, h, w).permute(0, 2, 3, 4, 5, 1)  # [B, C, t, h, w, s]
        x = torch.matmul(y, self.synth).reshape(b, c, t, h, w, 2, 2, 2)
        x = x.permute(0, 1, 2, 5, 3, 6, 4, 7).reshape(b, c, 2 * t, 2 * h, 2 * w)
        if drop_first:
            x = x[:, :, 1:]
        return x


class HaarWaveletTransform2D(nn.Module):
    """Per-frame 2D Haar on [B, C, T, H, W] -> [B, 4C, T, H/2, W/2]."""

    def __init__(self):
        super().__init__()
        self.register_buffer("weight", haar2d_filters(), persistent=False)

    @_fp32
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, h, w = x.shape
        x = x.transpose(1, 2).reshape(b * t * c, 1, h, w)
        y = F.conv2d(x, self.weight, stride=2)
        y = y.reshape(b, t, c, 4, h // 2, w // 2).permute(0, 3, 2, 1, 4, 5)
        return y.reshape(b, 4 * c, t, h // 2, w // 2)


class InverseHaarWaveletTransform2D(nn.Module):
    """Inverse 2D Haar as a per-block 4x4 MatMul + depth-to-space (= stride-2 transposed conv, summed)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("synth", haar2d_filters().reshape(4, 4), persistent=False)  # [s, dh*2+dw]

    @_fp32
    def forward(self, y: torch.Tensor) -> torch.Tensor:
        b, c4, t, h, w = y.shape
        c = c4 // 4
        y = y.reshape(b, 4, c, t, h, w).permute(0, 2, 3, 4, 5, 1)  # [B, C, T, h, w, s]
        x = torch.matmul(y, self.synth).reshape(b, c, t, h, w, 2, 2)
        return x.permute(0, 1, 2, 3, 5, 4, 6).reshape(b, c, t, 2 * h, 2 * w)
