"""Reading photos and clips for the sampler and the structure signals: centre-crop-resize to the model's size, values in
[-1, 1]. A library module (training/sample.py and training/structure/sampling.py both read through it), so no
library imports the sampler script."""
from __future__ import annotations

import subprocess

import numpy as np
import torch


def load_image(path: str, h: int, w: int) -> torch.Tensor:
    """Centre-crop-resize to h×w (upstream --crop_for_hw) → [3, H, W] in [−1, 1]."""
    from PIL import Image
    im = Image.open(path).convert("RGB")
    s = max(h / im.height, w / im.width)
    im = im.resize((max(w, round(im.width * s)), max(h, round(im.height * s))), Image.BICUBIC)
    x0, y0 = (im.width - w) // 2, (im.height - h) // 2
    a = np.asarray(im.crop((x0, y0, x0 + w, y0 + h)), dtype=np.float32)
    return torch.from_numpy(a).permute(2, 0, 1) / 127.5 - 1.0


def load_video(path: str, frames: int, h: int, w: int) -> torch.Tensor:
    """First `frames` frames, centre-cropped to h×w → [3, T, H, W] in [−1, 1] (ffmpeg rgb24 pipe)."""
    vf = f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h}"
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", vf, "-frames:v", str(frames), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    v = np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w, 3)
    if len(v) < frames:
        v = np.concatenate([v, np.repeat(v[-1:], frames - len(v), 0)])
    return torch.from_numpy(v.astype(np.float32)).permute(3, 0, 1, 2) / 127.5 - 1.0
