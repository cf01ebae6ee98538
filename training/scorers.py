"""Automatic prompt-adherence scorers for generated clips (uint8 video [T, H, W, 3], any square size).

Shapes world (text-to-video):
- ``background(video)``: robust mode of the border pixels → palette colour name + per-frame RGB.
- ``segment_frame`` / ``blobs``: objects = pixels closer to a non-background palette colour than to the measured
  background; connected components; a component that holds two colours (crossing objects) is split by colour.
  The final mask of a blob is "closer to the blob's own measured colour than to the background", i.e. the
  coverage-0.5 outline of an anti-aliased edge, so areas are unbiased.
- ``shape_features`` / ``classify_shape``: rotation- and scale-invariant: the magnitudes of the 3-, 4- and 5-fold
  angular harmonics of the blob (triangle, square, star; a circle has none) and solidity (area / convex hull,
  ≈ 0.62 for the star).
- ``track`` / ``motion_features`` / ``classify_motion``: per prompted colour, the largest blob of that colour in
  each frame; centroid displacement (linear fit, image y down), log-area trend (grow/shrink), rotation from the
  phase of the n-fold angular moment (n = 3/4/5: second moments are isotropic for these shapes), bounce =
  vertical path much longer than the net vertical displacement. Thresholds are half the slowest speed of the data
  world (training/data/shapes_world.py), expressed at 128² and scaled with the frame size.
- ``score_shapes(video, objects, background)``: per-object colour / shape / motion verdicts.

Photo clips (image-to-video):
- ``camera_motion(video)``: global similarity motion (translation + isotropic scale about the centre) between
  consecutive frames: phase-correlation initialisation, then Gauss-Newton (Lucas-Kanade) refinement on blurred
  grey frames; pan/tilt vs zoom vs still from the median per-frame motion. "The camera pans left" = the content
  moves RIGHT; "zooms in" = the content grows.
- ``psnr(a, b)`` on uint8 pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull

from training.data.shapes_world import PALETTE

COLOR_NAMES: tuple[str, ...] = tuple(PALETTE)
PAL = np.asarray([PALETTE[c] for c in COLOR_NAMES], dtype=np.float32)          # [11, 3]
SHAPE_FOLD = {'square': 4, 'triangle': 3, 'star': 5}

# Thresholds in pixels at 128² over a 17-frame clip (16 frame steps); scaled by size/128 and (T-1)/16.
MOVE_MIN = 8.0         # slowest translation: 1.0 px/frame · 16 = 16 px
SCALE_MIN = 0.35       # |log area ratio|; slowest grow: 1.022^32 ≈ 2.0 → 0.69
SPIN_MIN = 30.0        # degrees; slowest spin 4°/frame · 16 = 64°
BOUNCE_RANGE_MIN = 12.0
MIN_PRESENT = 0.6      # fraction of frames an object must be found in (the VAE smears fast small objects)
MIN_SOLIDITY = 0.5     # a blob less solid than this is not an object (the star is ≈ 0.62)
# speed split (between the slow and fast ranges of the data world), per frame at 128²
SPEED_SPLIT = {'translate': 2.15, 'spin': 8.0, 'scale': 0.072, 'bounce_hops': 1.6}
CAMERA_PAN_MIN = 0.5   # content px/frame at 128² (slowest pan 1.0)
CAMERA_ZOOM_MIN = 0.006  # relative scale change per frame (slowest zoom 0.012)
CAMERA_SPEED_SPLIT = {'pan': 2.1, 'zoom': 0.024}


# ------------------------------------------------------------------------------------------------ colours
def nearest_palette(rgb: np.ndarray, exclude: tuple[str, ...] = ()) -> np.ndarray:
    """Index into COLOR_NAMES of the nearest palette colour (RGB Euclidean) for [..., 3] pixels."""
    d = ((rgb[..., None, :].astype(np.float32) - PAL) ** 2).sum(-1)
    for name in exclude:
        d[..., COLOR_NAMES.index(name)] = np.inf
    return d.argmin(-1)


def background(video: np.ndarray) -> tuple[str, np.ndarray]:
    """→ (palette name of the background, measured background RGB per frame [T, 3]).

    The mode of the palette labels of the border ring (all frames) names the colour; each frame's RGB is the
    median of its border pixels with that label (objects touching the border do not move it)."""
    T, H, W, _ = video.shape
    b = max(1, H // 32)
    ring = np.concatenate([video[:, :b].reshape(T, -1, 3), video[:, -b:].reshape(T, -1, 3),
                           video[:, b:-b, :b].reshape(T, -1, 3), video[:, b:-b, -b:].reshape(T, -1, 3)], 1)
    lab = nearest_palette(ring)
    name_i = int(np.bincount(lab.ravel(), minlength=len(COLOR_NAMES)).argmax())
    rgb = np.empty((T, 3), np.float32)
    for t in range(T):
        sel = ring[t][lab[t] == name_i]
        rgb[t] = np.median(sel if len(sel) else ring[t], axis=0)
    return COLOR_NAMES[name_i], rgb


# ------------------------------------------------------------------------------------------------ blobs
@dataclass
class Blob:
    color: str
    mask: np.ndarray        # bool [H, W]
    area: int
    cx: float
    cy: float
    rgb: tuple              # measured median colour


def min_blob_area(size: int) -> float:
    # smallest object of the data world: a triangle of extent 22 px at 128² (~226 px² → 57 px² at 64²)
    return 0.006 * size * size


def _dist(img: np.ndarray, rgb) -> np.ndarray:
    return np.sqrt(((img - np.asarray(rgb, np.float32)) ** 2).sum(-1))


def segment_frame(frame: np.ndarray, bg_name: str, bg_rgb: np.ndarray) -> list[Blob]:
    """Blobs of one frame [H, W, 3] (uint8 or float)."""
    img = frame.astype(np.float32)
    H = img.shape[0]
    amin = min_blob_area(H)
    cand = np.concatenate([bg_rgb[None].astype(np.float32), PAL], 0)
    d = ((img[:, :, None, :] - cand) ** 2).sum(-1)
    d[:, :, 1 + COLOR_NAMES.index(bg_name)] = np.inf
    lab = d.argmin(-1) - 1                            # -1 = background, else palette index
    dbg = np.sqrt(d[:, :, 0])
    fg = (lab >= 0) & (dbg > 20.0)
    comps, n = ndimage.label(fg, structure=np.ones((3, 3)))
    out: list[Blob] = []
    for ci in range(1, n + 1):
        comp = comps == ci
        if comp.sum() < 0.5 * amin:
            continue
        core = ndimage.binary_erosion(comp, structure=np.ones((3, 3)))
        if core.sum() < 5:
            core = comp
        counts = np.bincount(lab[core], minlength=len(COLOR_NAMES))
        total = core.sum()
        majors = [i for i in np.argsort(-counts) if counts[i] >= max(0.2 * total, amin / 3)]
        if not majors:
            majors = [int(counts.argmax())]
        cols = [np.median(img[core & (lab == i)], axis=0) for i in majors]
        # pixels of the (slightly dilated) component go to the nearest of bg / the component's measured colours
        region = ndimage.binary_dilation(comp, iterations=1)
        dd = np.stack([dbg] + [_dist(img, c) for c in cols], -1)
        own = dd.argmin(-1)
        for j, (i, c) in enumerate(zip(majors, cols), start=1):
            m = region & (own == j)
            pieces, k = ndimage.label(m, structure=np.ones((3, 3)))
            if k == 0:
                continue
            sizes = ndimage.sum(m, pieces, range(1, k + 1))
            for pi in np.nonzero(sizes >= amin)[0]:
                pm = pieces == pi + 1
                ys, xs = np.nonzero(pm)
                out.append(Blob(COLOR_NAMES[i], pm, int(len(xs)), float(xs.mean()), float(ys.mean()),
                                tuple(float(v) for v in c)))
    return out


def blobs(video: np.ndarray) -> tuple[str, np.ndarray, list[list[Blob]]]:
    bg_name, bg_rgb = background(video)
    return bg_name, bg_rgb, [segment_frame(video[t], bg_name, bg_rgb[t]) for t in range(len(video))]


# ------------------------------------------------------------------------------------------------ shape
def shape_features(mask: np.ndarray) -> dict | None:
    """Rotation- and scale-invariant features of a binary blob: n-fold angular harmonics h3/h4/h5
    (|Σ r²·e^{inφ}| / Σ r² about the centroid; a triangle has strong h3, a square h4, a star h5, a circle none)
    and solidity (area / convex hull grown by ½ px, ≈ 0.62 for the star, ≥ 0.85 for convex shapes)."""
    ys, xs = np.nonzero(mask)
    n = len(xs)
    if n < 8:
        return None
    pts = np.stack([xs, ys], 1).astype(np.float64)
    try:
        hull = ConvexHull(pts)
    except Exception:                                  # degenerate (a line of pixels)
        return None
    # hull of pixel centres grown by ½ px (Minkowski sum with a disc of radius ½)
    hull_area = hull.volume + 0.5 * hull.area + math.pi / 4
    f = {'solidity': n / hull_area, 'area': n}
    for k in (3, 4, 5):
        f[f'h{k}'] = angular_phase(mask, k)[1]
    return f


# Calibrated on train-split clips (ground truth at 64² and 128² and their WF-VAE reconstructions, majority vote per
# object): ground truth 100 %; the reference values are below the ground-truth medians (0.55 / 0.29 / 0.52)
# because the 64² VAE rounds corners and fills in star points.
SHAPE_REF = {'triangle': ('h3', 0.30), 'square': ('h4', 0.20), 'star': ('h5', 0.15)}
SHAPE_MIN_SCORE = 0.3          # below this for every n-fold harmonic → circle
STAR_SOLIDITY = 0.8


def classify_shape(f: dict | None) -> str | None:
    if f is None:
        return None
    if f['solidity'] < STAR_SOLIDITY:
        return 'star'
    sc = {s: f[h] / ref for s, (h, ref) in SHAPE_REF.items()}
    best = max(sc, key=sc.get)
    return best if sc[best] >= SHAPE_MIN_SCORE else 'circle'


def angular_phase(mask: np.ndarray, n: int) -> tuple[float, float]:
    """(phase, relative magnitude) of Σ r²·e^{i n φ} over the mask about its centroid; phase/n is the
    orientation modulo 360°/n (clockwise positive in image coordinates)."""
    ys, xs = np.nonzero(mask)
    dx, dy = xs - xs.mean(), ys - ys.mean()
    r2 = dx * dx + dy * dy
    z = (r2 * np.exp(1j * n * np.arctan2(dy, dx))).sum()
    return float(np.angle(z)), float(abs(z) / max(r2.sum(), 1e-9))


# ------------------------------------------------------------------------------------------------ tracking
@dataclass
class Track:
    color: str
    present: np.ndarray      # bool [T]
    area: np.ndarray         # [T] (0 where absent)
    cx: np.ndarray
    cy: np.ndarray
    masks: list              # per frame mask or None


def track(frames_blobs: list[list[Blob]], color: str) -> Track:
    T = len(frames_blobs)
    present = np.zeros(T, bool)
    area, cx, cy = np.zeros(T), np.zeros(T), np.zeros(T)
    masks = [None] * T
    for t, bl in enumerate(frames_blobs):
        # the largest compact blob of that colour: ragged blobs (solidity < 0.5, e.g. noise) are not objects
        for b in sorted((b for b in bl if b.color == color), key=lambda b: -b.area):
            f = shape_features(b.mask)
            if f is not None and f['solidity'] >= MIN_SOLIDITY:
                present[t], area[t], cx[t], cy[t], masks[t] = True, b.area, b.cx, b.cy, b.mask
                break
    return Track(color, present, area, cx, cy, masks)


def track_shape(tr: Track) -> tuple[str | None, dict]:
    """Weighted majority shape over the frames where the object is present. Each frame's vote is weighted by
    1 / (h2 + 0.05), h2 = the 2-fold harmonic (elongation): frames smeared by fast motion (the VAE's 4-frame
    latents blur moving objects into streaks) count less. On ground truth h2 ≈ 0 for every shape."""
    votes: dict[str, float] = {}
    for m in tr.masks:
        if m is not None:
            s = classify_shape(shape_features(m))
            if s:
                votes[s] = votes.get(s, 0.0) + 1.0 / (angular_phase(m, 2)[1] + 0.05)
    if not votes:
        return None, votes
    return max(votes, key=votes.get), {k: round(v, 1) for k, v in votes.items()}


def _slope(t: np.ndarray, y: np.ndarray) -> float:
    if len(t) < 2:
        return 0.0
    return float(np.polyfit(t, y, 1)[0])


def motion_features(tr: Track, size: int, shape: str | None) -> dict:
    T = len(tr.present)
    idx = np.nonzero(tr.present)[0]
    k = 128.0 / size
    steps = max(T - 1, 1)
    if len(idx) < 2:
        return {'frames_present': int(len(idx))}
    t = idx.astype(np.float64)
    cx, cy, la = tr.cx[idx], tr.cy[idx], np.log(tr.area[idx])
    ys = ndimage.median_filter(cy, size=3, mode='nearest') if len(cy) >= 3 else cy
    dy = np.diff(ys)
    # reversals of the vertical direction with a minimum swing (hysteresis) → hops
    rev, ext, direction = 0, ys[0], 0
    swing = 3.0 / k
    for v in ys[1:]:
        if direction >= 0 and v < ext - swing:
            rev += direction > 0
            direction, ext = -1, v
        elif direction <= 0 and v > ext + swing:
            rev += direction < 0
            direction, ext = 1, v
        else:
            ext = max(ext, v) if direction > 0 else (min(ext, v) if direction < 0 else ext)
    # rotation: n-fold angular moment phase; circles (or shapes without n-fold structure) give no rotation
    rot, rot_mag = 0.0, 0.0
    folds = [SHAPE_FOLD[shape]] if shape in SHAPE_FOLD else []
    if folds:
        n = folds[0]
        ph, mags = [], []
        for i in idx:
            p, m = angular_phase(tr.masks[i], n)
            ph.append(p)
            mags.append(m)
        rot_mag = float(np.median(mags))
        if rot_mag > 0.02:
            dph = np.angle(np.exp(1j * np.diff(ph))) / n / np.diff(t)
            rot = float(np.degrees(np.median(dph)) * steps)
    return {
        'frames_present': int(len(idx)),
        'dx': _slope(t, cx) * steps * k, 'dy': _slope(t, cy) * steps * k,         # px at 128², over the clip
        'range_y': float(np.ptp(ys)) * k, 'path_y': float(np.abs(dy).sum()) * k,
        'range_x': float(np.ptp(cx)) * k,
        'reversals_y': int(rev),
        'log_area': _slope(t, la) * steps,
        'rotation': rot, 'rotation_strength': rot_mag,
    }


def classify_motion(f: dict, frames: int = 17) -> tuple[str | None, str | None]:
    """→ (motion, speed) from motion_features (speed None for still)."""
    if f.get('frames_present', 0) < 2:
        return None, None
    steps = max(frames - 1, 1)
    r = steps / 16.0
    if (f['range_y'] >= BOUNCE_RANGE_MIN * r and f['reversals_y'] >= 1
            and f['path_y'] >= 1.5 * abs(f['dy']) + BOUNCE_RANGE_MIN * r and f['range_x'] < 0.5 * f['range_y']):
        hops = f['path_y'] / max(2 * f['range_y'], 1e-6)      # ~1 for one hop, 2–3 for fast bouncing
        return 'bounce', 'fast' if hops > SPEED_SPLIT['bounce_hops'] else 'slow'
    scores = {
        'move': max(abs(f['dx']), abs(f['dy'])) / (MOVE_MIN * r),
        'scale': abs(f['log_area']) / (SCALE_MIN * r),
        'spin': abs(f['rotation']) / (SPIN_MIN * r),
    }
    best = max(scores, key=scores.get)
    if scores[best] < 1.0:
        return 'still', None
    if best == 'move':
        if abs(f['dx']) >= abs(f['dy']):
            m, v = ('right' if f['dx'] > 0 else 'left'), abs(f['dx'])
        else:
            m, v = ('down' if f['dy'] > 0 else 'up'), abs(f['dy'])
        return m, 'fast' if v / steps > SPEED_SPLIT['translate'] else 'slow'
    if best == 'scale':
        # extent rate ≈ half the log-area rate
        rate = math.expm1(abs(f['log_area']) / 2 / steps)
        return ('grow' if f['log_area'] > 0 else 'shrink'), 'fast' if rate > SPEED_SPLIT['scale'] / 2 else 'slow'
    return 'spin', 'fast' if abs(f['rotation']) / steps > SPEED_SPLIT['spin'] else 'slow'


def plausible_area(area: float, size: int) -> bool:
    # data world: extents 22–64 px at 128² → areas from ~0.45·(0.17 S)² to π/4·(0.5 S)²; generous margins
    return min_blob_area(size) <= area <= 0.35 * size * size


def score_shapes(video: np.ndarray, objects: list[dict], bg: str | None = None,
                 min_present: float = MIN_PRESENT) -> dict:
    """Verdicts for a shapes-world prompt. ``objects``: [{'color', 'shape', 'motion' (None for images), ...}].

    Per object: ``color`` (a blob of the prompted colour of plausible size in ≥ 60 % of the frames), ``shape``
    (majority shape of that blob), ``motion`` (classified motion equals the prompt; only if the colour is found),
    ``ok`` (all three). Clip: ``background`` (palette name of the border mode equals ``bg``)."""
    bg_name, _, fb = blobs(video)
    return score_blobs(bg_name, fb, video.shape[1], objects, bg, min_present)


def score_blobs(bg_name: str, fb: list[list[Blob]], S: int, objects: list[dict], bg: str | None = None,
                min_present: float = MIN_PRESENT) -> dict:
    """score_shapes on a precomputed segmentation (``blobs(video)``), to score several prompts cheaply."""
    T = len(fb)
    res = {'background_detected': bg_name, 'background': bg is None or bg_name == bg,
           'blobs_per_frame': float(np.median([len(b) for b in fb])), 'objects': []}
    for o in objects:
        tr = track(fb, o['color'])
        frac = float(tr.present.mean())
        med_area = float(np.median(tr.area[tr.present])) if tr.present.any() else 0.0
        color_ok = frac >= min_present and plausible_area(med_area, S)
        shape, votes = track_shape(tr) if tr.present.any() else (None, {})
        r = {'color': o['color'], 'shape_prompt': o['shape'], 'present_frac': frac, 'area': med_area,
             'color_ok': bool(color_ok), 'shape_detected': shape, 'shape_votes': votes,
             'shape_ok': bool(color_ok and shape == o['shape'])}
        if o.get('motion') is not None and T > 1:
            mf = motion_features(tr, S, shape)
            m, sp = classify_motion(mf, T)
            r.update({'motion_prompt': o['motion'], 'speed_prompt': o.get('speed'), 'motion_detected': m,
                      'speed_detected': sp, 'motion_features': {k: round(v, 3) if isinstance(v, float) else v
                                                                for k, v in mf.items()},
                      'motion_ok': bool(color_ok and m == o['motion'])})
            r['speed_ok'] = bool(r['motion_ok'] and (o['motion'] == 'still' or sp == o.get('speed')))
            r['ok'] = r['color_ok'] and r['shape_ok'] and r['motion_ok']
        else:
            r['ok'] = r['color_ok'] and r['shape_ok']
        res['objects'].append(r)
    res['all_ok'] = bool(res['background'] and all(r['ok'] for r in res['objects']))
    return res


def objects_from_meta(meta: dict) -> list[dict]:
    return [{k: o[k] for k in ('color', 'shape', 'size', 'motion', 'speed')} for o in meta['objects']]


# ------------------------------------------------------------------------------------------------ camera
def _gray(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def phase_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Sub-pixel (dx, dy) with b(x, y) ≈ a(x − dx, y − dy): the content moved by (+dx, +dy)."""
    H, W = a.shape
    win = np.outer(np.hanning(H), np.hanning(W))
    Fa = np.fft.fft2((a - a.mean()) * win)
    Fb = np.fft.fft2((b - b.mean()) * win)
    R = Fb * np.conj(Fa)
    R /= np.abs(R) + 1e-9
    r = np.real(np.fft.ifft2(R))
    py, px = np.unravel_index(int(np.argmax(r)), r.shape)

    def sub(c_m, c_0, c_p):                            # parabolic peak interpolation
        den = c_m - 2 * c_0 + c_p
        return 0.0 if abs(den) < 1e-12 else 0.5 * (c_m - c_p) / den
    ox = sub(r[py, (px - 1) % W], r[py, px], r[py, (px + 1) % W])
    oy = sub(r[(py - 1) % H, px], r[py, px], r[(py + 1) % H, px])
    dx, dy = px + ox, py + oy
    if dx > W / 2:
        dx -= W
    if dy > H / 2:
        dy -= H
    return float(dx), float(dy)


def similarity_motion(a: np.ndarray, b: np.ndarray, iters: int = 6) -> tuple[float, float, float]:
    """Global content motion a → b on grey frames: b(x + u(x)) ≈ a(x) with u = (tx, ty) + s·(x − centre).
    Returns (tx, ty, s): tx > 0 content moves right, s > 0 content grows (zoom in)."""
    H, W = a.shape
    sig = max(1.0, H / 64.0)
    a = ndimage.gaussian_filter(a, sig)
    b = ndimage.gaussian_filter(b, sig)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    cx, cy = (W - 1) / 2, (H - 1) / 2
    X, Y = xx - cx, yy - cy
    m = max(3, H // 10)
    inner = (slice(m, H - m), slice(m, W - m))
    tx, ty = phase_shift(a, b)
    s = 0.0
    for _ in range(iters):
        bw = ndimage.map_coordinates(b, [yy + ty + s * Y, xx + tx + s * X], order=1, mode='nearest')
        gy, gx = np.gradient(bw)
        r = (a - bw)[inner].ravel()
        J = np.stack([gx[inner].ravel(), gy[inner].ravel(), (gx * X + gy * Y)[inner].ravel()], 1)
        delta, *_ = np.linalg.lstsq(J, r, rcond=None)
        tx, ty, s = tx + delta[0], ty + delta[1], s + delta[2]
        if np.abs(delta[:2]).max() < 1e-3 and abs(delta[2]) < 1e-5:
            break
    return float(tx), float(ty), float(s)


CAMERA_FROM_CONTENT = {'right': 'pan_left', 'left': 'pan_right', 'down': 'pan_up', 'up': 'pan_down'}


def camera_features(video: np.ndarray) -> dict:
    g = [_gray(f) for f in video]
    per = np.array([similarity_motion(g[i], g[i + 1]) for i in range(len(g) - 1)])
    tx, ty, s = np.median(per, axis=0)
    return {'tx': float(tx), 'ty': float(ty), 'scale': float(s), 'per_frame': np.round(per, 4).tolist()}


def classify_camera(f: dict, size: int) -> tuple[str, str | None]:
    """→ (photo_clips motion name, speed) from camera_features (per-frame medians)."""
    k = 128.0 / size
    tn = max(abs(f['tx']), abs(f['ty'])) * k / CAMERA_PAN_MIN
    sn = abs(f['scale']) / CAMERA_ZOOM_MIN
    if max(tn, sn) < 1.0:
        return 'still', None
    if sn > tn:
        return ('zoom_in' if f['scale'] > 0 else 'zoom_out'), \
            'fast' if abs(f['scale']) > CAMERA_SPEED_SPLIT['zoom'] else 'slow'
    if abs(f['tx']) >= abs(f['ty']):
        content, v = ('right' if f['tx'] > 0 else 'left'), abs(f['tx'])
    else:
        content, v = ('down' if f['ty'] > 0 else 'up'), abs(f['ty'])
    return CAMERA_FROM_CONTENT[content], 'fast' if v * k > CAMERA_SPEED_SPLIT['pan'] else 'slow'


def camera_motion(video: np.ndarray) -> tuple[str, str | None, dict]:
    f = camera_features(video)
    m, sp = classify_camera(f, video.shape[1])
    return m, sp, f


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float('inf') if mse == 0 else 10.0 * math.log10(255.0 ** 2 / mse)
