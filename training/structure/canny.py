"""Canny edges with fixed thresholds, in integer arithmetic so the TypeScript twin (src/structure/canny.ts) is
bit-identical (parity vectors: training/fixtures/structure_parity.json).

    gray  = (77 R + 150 G + 29 B + 128) >> 8                                   (integer BT.601 luma)
    blur  = separable binomial [1 4 6 4 1] ⊗ [1 4 6 4 1]  (sum 256, kept ×256), edges replicated
    gx/gy = Sobel on blur (edges replicated); mag = |gx| + |gy|  (L1: no sqrt, so no float rounding)
    NMS   = 4 directions from integer tangent tests (tan 22.5° ≈ 414/1000, tan 67.5° ≈ 2414/1000); a pixel survives
            if mag > its forward neighbour and ≥ its backward one (plateaus keep one side); the 1-px border is 0
    hysteresis: NMS ≥ HIGH are edges, NMS ≥ LOW are edges when 8-connected to one.

Thresholds are in grey levels of L1 Sobel magnitude of the blurred image (a step of h grey levels peaks at 2.5 h):
LOW 20, HIGH 40 — every object/background pair of the shapes world whose luma differs by ≥ 16 levels is found;
a few colour pairs have (nearly) equal luma (red on purple: 2 levels) and give no edges (≈ 2 % of frames).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

LOW, HIGH = 20, 40
_SCALE = 256  # the blur's weight sum: magnitudes carry it


def gray_u8(rgb: np.ndarray) -> np.ndarray:
    """uint8 [..., H, W, 3] → int64 [..., H, W] luma."""
    c = rgb.astype(np.int64)
    return (77 * c[..., 0] + 150 * c[..., 1] + 29 * c[..., 2] + 128) >> 8


def _blur(g: np.ndarray) -> np.ndarray:
    k = (1, 4, 6, 4, 1)
    p = np.pad(g, ((2, 2), (0, 0)), mode="edge")
    v = sum(w * p[i:i + g.shape[0]] for i, w in enumerate(k))
    p = np.pad(v, ((0, 0), (2, 2)), mode="edge")
    return sum(w * p[:, i:i + g.shape[1]] for i, w in enumerate(k))


def gradients(g: np.ndarray):
    """int64 gray [H, W] → (gx, gy) Sobel of the binomial blur (×256)."""
    b = np.pad(_blur(g), 1, mode="edge")
    h, w = g.shape

    def s(dy, dx):
        return b[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
    gx = (s(-1, 1) + 2 * s(0, 1) + s(1, 1)) - (s(-1, -1) + 2 * s(0, -1) + s(1, -1))
    gy = (s(1, -1) + 2 * s(1, 0) + s(1, 1)) - (s(-1, -1) + 2 * s(-1, 0) + s(-1, 1))
    return gx, gy


def nms(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    mag = np.abs(gx) + np.abs(gy)
    ax, ay = np.abs(gx), np.abs(gy)
    h, w = mag.shape
    m = np.pad(mag, 1)

    def nb(dy, dx):
        return m[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
    horiz = ay * 1000 <= ax * 414
    vert = ay * 1000 >= ax * 2414
    same = (gx > 0) == (gy > 0)  # gradient along the main diagonal (image y down)
    fwd = np.where(horiz, nb(0, 1), np.where(vert, nb(1, 0), np.where(same, nb(1, 1), nb(1, -1))))
    bwd = np.where(horiz, nb(0, -1), np.where(vert, nb(-1, 0), np.where(same, nb(-1, -1), nb(-1, 1))))
    keep = (mag > fwd) & (mag >= bwd)
    out = np.where(keep, mag, 0)
    out[0, :] = out[-1, :] = 0
    out[:, 0] = out[:, -1] = 0
    return out


def canny_frame(rgb: np.ndarray, low: int = LOW, high: int = HIGH) -> np.ndarray:
    """uint8 [H, W, 3] → uint8 [H, W] edges (0 / 1)."""
    n = nms(*gradients(gray_u8(rgb)))
    weak = n >= low * _SCALE
    strong = n >= high * _SCALE
    lab, count = ndimage.label(weak, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return np.zeros(n.shape, np.uint8)
    hit = np.zeros(count + 1, bool)
    hit[np.unique(lab[strong])] = True
    hit[0] = False
    return hit[lab].astype(np.uint8)


def canny_video(video: np.ndarray, low: int = LOW, high: int = HIGH) -> np.ndarray:
    """uint8 [T, H, W, 3] → uint8 [T, H, W] edges."""
    return np.stack([canny_frame(f, low, high) for f in video])


def edge_f1(a: np.ndarray, b: np.ndarray, tol: int = 1) -> dict:
    """Edge overlap of two edge maps (any shape [..., H, W], 0/1): precision = share of a's edge pixels within `tol`
    px (Chebyshev) of an edge of b, recall = the same for b's in a, F1 their harmonic mean."""
    st = np.ones((2 * tol + 1,) * 2, bool)
    a2, b2 = a.reshape(-1, *a.shape[-2:]) > 0, b.reshape(-1, *b.shape[-2:]) > 0
    da = np.stack([ndimage.binary_dilation(x, st) for x in a2])
    db = np.stack([ndimage.binary_dilation(x, st) for x in b2])
    na, nb_ = int(a2.sum()), int(b2.sum())
    p = float((a2 & db).sum() / na) if na else 0.0
    r = float((b2 & da).sum() / nb_) if nb_ else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}
