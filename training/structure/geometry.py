"""Sketch (thin outlines) and mask (filled silhouettes) of shapes-world scenes, from the world's own geometry:
the exact signed distance the renderer uses (training/data/shapes_world.py: star-polygon SDF, same radii and base
angles), evaluated at pixel centres in float64. The TypeScript twin is src/structure/geometry.ts (parity vectors in
training/fixtures/structure_parity.json).

A scene is the clip meta's geometry, which is also what the page's drawing produces:
    {'size': S, 'frames': T, 'objects': [{'shape', 'center': [[x, y]] * T, 'extent': [px] * T,
                                          'angle': [deg, clockwise] * T}, ...]}
    sketch = max over objects of clip(1 − |d|, 0, 1)   (a 2-px-wide anti-aliased line centred on the outline)
    mask   = max over objects of clip(0.5 − d, 0, 1)   (the renderer's own coverage)
"""
from __future__ import annotations

import numpy as np

from training.data.shapes_world import _BASE_ANGLE, _sdf_star, _star_params


def shape_sdf(shape: str, dx: np.ndarray, dy: np.ndarray, extent: float, angle_rad: float) -> np.ndarray:
    """Signed distance in pixels (negative inside), as shapes_world.shape_coverage computes it."""
    if shape == "circle":
        return np.hypot(dx, dy) - 0.5 * extent
    n, R, r = _star_params(shape)
    a = angle_rad + _BASE_ANGLE[shape]
    c, s = np.cos(a), np.sin(a)
    ux = (c * dx + s * dy) / extent
    uy = (-s * dx + c * dy) / extent
    return _sdf_star(ux, uy, n, R, r) * extent


def render_structure(scene: dict, kind: str) -> np.ndarray:
    """float32 [T, S, S] in [0, 1]: 'sketch' outlines or 'mask' silhouettes of every object."""
    if kind not in ("sketch", "mask"):
        raise ValueError(kind)
    size, frames = int(scene["size"]), int(scene["frames"])
    out = np.zeros((frames, size, size), np.float64)
    pc = np.arange(size, dtype=np.float64) + 0.5
    for o in scene["objects"]:
        for t in range(frames):
            cx, cy = o["center"][t]
            d = shape_sdf(o["shape"], pc[None, :] - cx, pc[:, None] - cy, float(o["extent"][t]),
                          np.deg2rad(float(o["angle"][t])))
            v = np.clip(1.0 - np.abs(d), 0.0, 1.0) if kind == "sketch" else np.clip(0.5 - d, 0.0, 1.0)
            out[t] = np.maximum(out[t], v)
    return out.astype(np.float32)


def scene_of_meta(meta: dict) -> dict:
    """The geometry part of a shapes-world clip meta (centres, extents, angles per frame)."""
    return {"size": meta["size"], "frames": meta["frames"],
            "objects": [{k: o[k] for k in ("shape", "center", "extent", "angle")} for o in meta["objects"]]}
