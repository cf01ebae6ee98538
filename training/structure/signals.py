"""The controller's input: a 2-channel pixel structure video [2, T, H, W] (signal, frame-present), per type.

Per-frame representation (the paper leaves it open): channel 0 is the signal in [0, 1] (canny edges 0/1, sketch
outlines, mask silhouettes), channel 1 is 1 on frames that carry structure and 0 elsewhere; an uncontrolled frame
is all-zero in both channels, which the controller can tell apart from "a frame with no edges" (present = 1).
"""
from __future__ import annotations

import numpy as np

from training.models.structure_controller import STRUCTURE_TYPES
from training.structure.canny import canny_video
from training.structure.geometry import render_structure, scene_of_meta


def parse_frames(spec: str, frames: int) -> list[int]:
    """'all' | 'first' | 'none' | comma list of frame indices ('0,8,16') → sorted indices < frames."""
    spec = (spec or "all").strip()
    if spec == "all":
        return list(range(frames))
    if spec == "first":
        return [0]
    if spec == "none":
        return []
    idx = sorted({int(v) for v in spec.split(",") if v.strip() != ""})
    bad = [i for i in idx if not 0 <= i < frames]
    if bad:
        raise ValueError(f"structure frames {bad} outside 0..{frames - 1}")
    return idx


def type_id(kind: str) -> int:
    return STRUCTURE_TYPES.index(kind)


def signal_of(kind: str, video: np.ndarray | None = None, meta: dict | None = None) -> np.ndarray:
    """float32 [T, H, W]: canny of the rendered (or real) video, or the sketch / mask of the scene geometry."""
    if kind == "canny":
        return canny_video(video).astype(np.float32)
    if meta is None:
        raise ValueError(f"{kind} needs the scene geometry")
    return render_structure(scene_of_meta(meta) if "objects" in meta and "seed" in meta else meta, kind)


def structure_video(signal: np.ndarray, frames: list[int]) -> np.ndarray:
    """[T, H, W] signal + controlled frame indices → float32 [2, T, H, W] (other frames all-zero)."""
    t = signal.shape[0]
    out = np.zeros((2,) + signal.shape, np.float32)
    for i in frames:
        if i < t:
            out[0, i] = signal[i]
            out[1, i] = 1.0
    return out
