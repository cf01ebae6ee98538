"""Real camera video for evaluation (never used for training).

Short clips cut from real footage shipped by Debian packages: opencv-doc's sample
videos (vtest.avi, tree.avi, box.mp4.gz, cup.mp4.gz) and the forensics-samples-files
phone video of a dog.  Frames are decoded with ffmpeg (rawvideo rgb24 pipe; every
decoded frame, no frame-rate conversion), centre-cropped to a square, area-resized
to ``size`` and subsampled in time towards ~8 fps.  Clip start frames are fixed
(evenly spaced), so the set is deterministic.

API: ``real_eval_clips(size=128, frames=17) -> list[Clip]``;
``REAL_VIDEOS`` describes the sources.  Compressed sources are gunzipped into
``training/data/cache/`` (git-ignored), decoded frames are cached in memory.
"""
from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass

import numpy as np

from .shapes_world import Clip

CACHE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cache')


@dataclass(frozen=True)
class RealVideo:
    path: str
    caption: str
    src_fps: float        # rate of the decoded frames
    stride: int           # temporal subsampling towards ~8 fps
    n_clips: int          # clips per video (evenly spaced start frames)
    package: str
    license: str


_OCV = '/usr/share/doc/opencv-doc'
REAL_VIDEOS: tuple[RealVideo, ...] = (
    RealVideo(f'{_OCV}/examples/data/vtest.avi', 'people walking across a square, a static camera',
              10.0, 1, 6, 'opencv-doc', 'Apache-2.0 AND BSD-3-Clause (opencv-doc debian/copyright, Files: *)'),
    RealVideo(f'{_OCV}/examples/data/tree.avi', 'a tree seen through a window', 2.3, 1, 3,
              'opencv-doc', 'Apache-2.0 AND BSD-3-Clause (opencv-doc debian/copyright, Files: *)'),
    RealVideo(f'{_OCV}/opencv4/html/box.mp4.gz', 'a hand holding a box above a table', 29.97, 4, 6,
              'opencv-doc', 'Apache-2.0 AND BSD-3-Clause (opencv-doc debian/copyright, Files: *)'),
    RealVideo(f'{_OCV}/opencv4/html/cup.mp4.gz', 'a hand holding a black cup', 26.78, 3, 4,
              'opencv-doc', 'Apache-2.0 AND BSD-3-Clause (opencv-doc debian/copyright, Files: *)'),
    RealVideo('/usr/share/forensics-samples/original-files/movie1/VID_20191220_170832.mp4',
              'a white dog lying on the floor', 27.0, 2, 2, 'forensics-samples-files', 'CC-BY-SA-4.0'),
)

_frames_cache: dict[tuple[str, int], np.ndarray] = {}


def _local_path(path: str) -> str:
    """Path ffmpeg can read: .gz sources are decompressed once into CACHE_DIR."""
    if not path.endswith('.gz'):
        return path
    os.makedirs(CACHE_DIR, exist_ok=True)
    out = os.path.join(CACHE_DIR, os.path.basename(path)[:-3])
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(path):
        tmp = out + f'.tmp{os.getpid()}'
        with gzip.open(path, 'rb') as src, open(tmp, 'wb') as dst:
            shutil.copyfileobj(src, dst)
        os.replace(tmp, out)
    return out


def decode_video(path: str, size: int = 128) -> np.ndarray:
    """All decoded frames of ``path``, centre-cropped square, resized: uint8 [N,size,size,3]."""
    key = (path, int(size))
    if key in _frames_cache:
        return _frames_cache[key]
    src = _local_path(path)
    vf = f"crop='min(iw,ih)':'min(iw,ih)',scale={size}:{size}:flags=area"
    cmd = ['ffmpeg', '-v', 'error', '-nostdin', '-threads', '1', '-i', src, '-fps_mode', 'passthrough',
           '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    raw = proc.stdout
    fsz = size * size * 3
    n = len(raw) // fsz
    if n == 0:
        raise RuntimeError(f'ffmpeg decoded no frames from {src}: {proc.stderr.decode(errors="replace")[-500:]}')
    frames = np.frombuffer(raw[:n * fsz], dtype=np.uint8).reshape(n, size, size, 3).copy()
    _frames_cache[key] = frames
    return frames


def real_eval_clips(size: int = 128, frames: int = 17) -> list[Clip]:
    """Deterministic list of real-video clips (uint8 [frames,size,size,3]).

    Each video gives up to ``n_clips`` clips at evenly spaced start frames; if a clip
    at the configured stride does not fit, the stride is reduced (down to 1)."""
    clips: list[Clip] = []
    for v in REAL_VIDEOS:
        if not os.path.exists(v.path):
            warnings.warn(f'real video missing (package {v.package} not installed?): {v.path}')
            continue
        all_frames = decode_video(v.path, size)
        N = len(all_frames)
        stride = v.stride
        while stride > 1 and (frames - 1) * stride + 1 > N:
            stride -= 1
        span = (frames - 1) * stride + 1
        if span > N:
            continue
        n = min(v.n_clips, N - span + 1)
        starts = np.unique(np.round(np.linspace(0, N - span, n)).astype(int))
        for s in starts:
            idx = s + stride * np.arange(frames)
            meta = {
                'world': 'real', 'source': v.path, 'start_frame': int(s), 'stride': stride,
                'frame_indices': idx.tolist(), 'src_fps': v.src_fps, 'fps': v.src_fps / stride,
                'frames': frames, 'size': size, 'package': v.package, 'license': v.license,
            }
            clips.append(Clip(video=all_frames[idx].copy(), caption=v.caption, meta=meta))
    return clips


if __name__ == '__main__':
    import time
    t0 = time.perf_counter()
    cs = real_eval_clips()
    print(f'{len(cs)} clips in {time.perf_counter() - t0:.1f}s')
    for c in cs:
        print(os.path.basename(c.meta['source']), c.meta['start_frame'], c.meta['stride'], c.video.shape)
