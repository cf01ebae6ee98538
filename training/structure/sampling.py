"""Structure-guided sampling: load a structure (drawn scene JSON, or a video / photo for canny), compute the
controller's residuals once, and run the reference sampler (training/sample.py `generate`) with them added after
every DiT block at every step, on both CFG branches.

Structure files:
  *.json  a scene — {"size", "frames", "objects": [{"shape", "center": [[x, y]]*T, "extent": [..]*T,
          "angle": [deg]*T}]} (clip-meta geometry) — or a drawing — {"size", "frames", "objects": [{"shape",
          "extent", "angle"?, "path": [[x, y], ...] (key points spread evenly over the clip), "spin"? (deg/frame),
          "grow"? (extent ratio per frame)}]}; sketch or mask
  video   (.mp4/.webm/...) canny of its first T frames; image (.png/.jpg) canny of the photo on every frame
"""
from __future__ import annotations

import json
import os
import time
from types import SimpleNamespace

import numpy as np
import torch

from training.models.structure_controller import STRUCTURE_TYPES, dit_forward_with_residuals
from training.structure.canny import canny_video
from training.structure.geometry import render_structure
from training.structure.signals import parse_frames, structure_video

IMAGE_EXT = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def expand_drawing(d: dict) -> dict:
    """A drawing (key-point path per object) → a scene with per-frame centre / extent / angle."""
    t = int(d["frames"])
    objs = []
    for o in d["objects"]:
        if "center" in o:
            objs.append(o)
            continue
        path = np.asarray(o["path"], np.float64).reshape(-1, 2)
        if len(path) == 1:
            c = np.repeat(path, t, 0)
        else:  # key points spread evenly over the frames, linear in between
            u = np.linspace(0, len(path) - 1, t)
            c = np.stack([np.interp(u, np.arange(len(path)), path[:, k]) for k in (0, 1)], 1)
        f = np.arange(t, dtype=np.float64)
        ext = float(o["extent"]) * float(o.get("grow", 1.0)) ** f
        ang = float(o.get("angle", 0.0)) + float(o.get("spin", 0.0)) * f
        objs.append({"shape": o["shape"], "center": c.tolist(), "extent": ext.tolist(), "angle": ang.tolist()})
    return {"size": int(d["size"]), "frames": t, "objects": objs}


def scale_scene(scene: dict, size: int, frames: int) -> dict:
    """Rescale a scene to size × size and `frames` frames (extra frames hold the last pose)."""
    k = size / float(scene["size"])
    n = int(scene["frames"])
    idx = [min(i, n - 1) for i in range(frames)]
    return {"size": size, "frames": frames, "objects": [
        {"shape": o["shape"], "center": [[o["center"][i][0] * k, o["center"][i][1] * k] for i in idx],
         "extent": [o["extent"][i] * k for i in idx], "angle": [o["angle"][i] for i in idx]}
        for o in scene["objects"]]}


def load_signal(path: str, kind: str, frames: int, size: int) -> np.ndarray:
    """float32 [T, size, size] signal of a structure file."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".json":
        if kind == "canny":
            raise ValueError("a drawn structure gives sketch or mask; canny needs a video or a photo")
        with open(path) as f:
            scene = scale_scene(expand_drawing(json.load(f)), size, frames)
        return render_structure(scene, kind)
    if kind != "canny":
        raise ValueError(f"{path}: a video or photo gives canny structure (--structure-type canny)")
    from training.media_io import load_image, load_video
    if ext in IMAGE_EXT:
        im = load_image(path, size, size)
        u8 = ((im.permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).byte().numpy()
        return np.repeat(canny_video(u8[None]).astype(np.float32), frames, 0)
    v = load_video(path, frames, size, size)
    u8 = ((v.permute(1, 2, 3, 0) + 1) * 127.5).round().clamp(0, 255).byte().numpy()
    return canny_video(u8).astype(np.float32)


@torch.no_grad()
def residuals(ctrl, dit, signal: np.ndarray, kind: str, frames_spec) -> tuple[torch.Tensor, float]:
    """→ (residuals [M, 1, N, D], milliseconds): once per generation."""
    sel = parse_frames(frames_spec, signal.shape[0]) if isinstance(frames_spec, str) else list(frames_spec)
    s = torch.from_numpy(structure_video(signal, sel))[None]
    t0 = time.perf_counter()
    r = ctrl.residuals_for(dit, s, torch.tensor([STRUCTURE_TYPES.index(kind)]))
    return r, (time.perf_counter() - t0) * 1000.0


class _DiTWithResiduals(torch.nn.Module):
    """Stands in for bundle.dit in `generate`: the same call, the residuals added after every block."""

    def __init__(self, dit, res):
        super().__init__()
        self.inner, self.res, self.cfg = dit, res, dit.cfg

    def forward(self, x, t, states, mask, cl=None, cm=None):
        return dit_forward_with_residuals(self.inner, x, t, states, mask, cl, cm, self.res)


def structured_bundle(bundle, res):
    """A bundle whose DiT adds `res` (None: the bundle itself)."""
    if res is None:
        return bundle
    return SimpleNamespace(dit=_DiTWithResiduals(bundle.dit, res), text_encoder=bundle.text_encoder,
                           latent_norm=bundle.latent_norm)
