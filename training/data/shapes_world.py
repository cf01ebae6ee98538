"""Shapes world: procedural text-to-video clips of coloured shapes.

Everything is deterministic from an integer seed (numpy ``Generator``).  A clip is
``T`` frames (1 + 4k: 17 or 33 for video, 1 for an image) of ``size``x``size`` RGB
at 8 fps.  Shapes are rendered with analytic anti-aliasing: the exact signed
distance (in pixels) from each pixel centre to the shape outline gives a coverage
``clip(0.5 - d, 0, 1)``, so edges are clean at any sub-pixel position, scale and
rotation.

Public API
----------
- ``make_clip(seed, frames=17, size=128, split='train') -> Clip``
- ``make_meta(seed, ...) -> (caption, meta)``: the same without rendering (fast)
- ``PALETTE`` (colour name -> RGB), ``COLORS``, ``SHAPES``, ``SIZES``, ``MOTIONS``,
  ``SPEEDS``, ``FPS``
- ``HELD_OUT_COMBOS`` and ``is_held_out(meta)``: attribute combinations that the
  ``'train'`` split never emits and the ``'eval'`` split always contains.
- ``VOCAB``: every word a caption can contain; ``tokenize(caption)`` splits a
  caption into those words.

``Clip.meta`` layout::

    {'world': 'shapes', 'seed', 'split', 'frames', 'size', 'fps',
     'background': colour name, 'n_objects': 1 or 2,
     'objects': [{'color', 'shape', 'size' ('small'|'big'),
                  'motion' (one of MOTIONS, None for images),
                  'speed' ('slow'|'fast', None for still/images),
                  'center': [[x, y]] * T (pixels, origin top-left, x right, y down),
                  'extent': [px] * T (diameter of the shape's bounding circle-ish
                            extent: the nominal object size in pixels),
                  'angle': [deg] * T (clockwise rotation in image coordinates),
                  'spin_dir': +1 clockwise / -1 counter-clockwise (spins only)}]}
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

FPS = 8

# Fixed palette (sRGB, 0..255). Exported so scorers can classify colours later.
PALETTE: dict[str, tuple[int, int, int]] = {
    'red': (220, 38, 38),
    'orange': (245, 140, 20),
    'yellow': (245, 220, 40),
    'green': (34, 160, 60),
    'cyan': (40, 210, 225),
    'blue': (35, 75, 215),
    'purple': (135, 55, 195),
    'pink': (245, 135, 195),
    'white': (245, 245, 245),
    'gray': (128, 128, 128),
    'black': (20, 20, 20),
}
COLORS: tuple[str, ...] = tuple(PALETTE)
SHAPES: tuple[str, ...] = ('circle', 'square', 'triangle', 'star')
SIZES: tuple[str, ...] = ('small', 'big')
MOTIONS: tuple[str, ...] = ('left', 'right', 'up', 'down', 'still', 'spin', 'grow', 'shrink', 'bounce')
DIRECTIONS: tuple[str, ...] = MOTIONS[:4]
SPEEDS: tuple[str, ...] = ('slow', 'fast')

# Object extent (pixels at 128x128; scaled linearly with ``size``).
SIZE_RANGE = {'small': (26.0, 32.0), 'big': (44.0, 56.0)}
SIZE_RANGE_TWO = {'small': (26.0, 30.0), 'big': (40.0, 48.0)}   # two-object scenes
EXTENT_LIMITS = (22.0, 64.0)                                     # grow / shrink clamp
# Speeds per frame at 8 fps (pixels at 128x128, degrees, scale ratio).
TRANSLATE_SPEED = {'slow': (1.0, 1.5), 'fast': (2.8, 3.8)}
SPIN_SPEED = {'slow': (4.0, 6.0), 'fast': (10.0, 14.0)}
SCALE_RATE = {'slow': (0.022, 0.028), 'fast': (0.045, 0.06)}
BOUNCE_PERIOD = {'slow': (13.0, 16.0), 'fast': (6.0, 8.0)}       # frames per hop

# Attribute combinations never shown in training (any object matching all the
# key/value pairs of one entry makes the clip held out).
HELD_OUT_COMBOS: tuple[dict[str, str], ...] = (
    {'color': 'green', 'shape': 'triangle'},
    {'color': 'purple', 'shape': 'circle'},
    {'color': 'orange', 'shape': 'star'},
    {'shape': 'square', 'motion': 'bounce'},
    {'shape': 'triangle', 'motion': 'shrink'},
    {'shape': 'star', 'motion': 'left'},
    {'color': 'yellow', 'motion': 'down'},
)

# Minimum RGB distance between any two colours in one scene (object/background and
# object/object) so that nothing is low-contrast.
MIN_COLOR_DIST = 70.0


def _color_dist(a: str, b: str) -> float:
    return float(np.linalg.norm(np.subtract(PALETTE[a], PALETTE[b], dtype=np.float64)))


def _object_matches(obj: dict, combo: dict) -> bool:
    return all(obj.get(k) == v for k, v in combo.items())


def is_held_out(meta: dict) -> bool:
    """True if a clip meta (or a single object meta) contains a held-out combo."""
    objs = meta['objects'] if 'objects' in meta else [meta]
    return any(_object_matches(o, c) for o in objs for c in HELD_OUT_COMBOS)


@dataclass
class Clip:
    video: np.ndarray          # uint8 [T, H, W, 3]
    caption: str
    meta: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Captions
# --------------------------------------------------------------------------------------
SIZE_WORDS = {'small': ('small', 'little', 'tiny'), 'big': ('big', 'large')}
SHAPE_WORDS = {'circle': ('circle', 'circle', 'ball'), 'square': ('square',),
               'triangle': ('triangle',), 'star': ('star',)}
# present-tense verb phrases (3rd person singular) and gerunds
MOTION_VP = {
    'left': ('moves left', 'moves to the left', 'slides left', 'drifts left', 'travels left',
             'goes to the left'),
    'right': ('moves right', 'moves to the right', 'slides right', 'drifts right', 'travels right',
              'goes to the right'),
    'up': ('moves up', 'moves upward', 'slides up', 'drifts up', 'travels up', 'rises'),
    'down': ('moves down', 'moves downward', 'slides down', 'drifts down', 'travels down', 'sinks'),
    'still': ('stays still', 'does not move', 'stays in place', 'sits still', 'rests'),
    'spin': ('spins', 'rotates', 'turns around', 'spins around'),
    'grow': ('grows', 'gets bigger', 'expands', 'grows larger'),
    'shrink': ('shrinks', 'gets smaller', 'shrinks down', 'contracts'),
    'bounce': ('bounces', 'bounces up and down', 'hops', 'hops up and down'),
}
MOTION_GERUND = {
    'left': ('moving left', 'sliding left', 'drifting left', 'traveling left', 'moving to the left'),
    'right': ('moving right', 'sliding right', 'drifting right', 'traveling right', 'moving to the right'),
    'up': ('moving up', 'sliding up', 'drifting up', 'rising', 'moving upward'),
    'down': ('moving down', 'sliding down', 'drifting down', 'sinking', 'moving downward'),
    'still': ('staying still', 'not moving', 'standing still', 'resting'),
    'spin': ('spinning', 'rotating', 'turning around'),
    'grow': ('growing', 'getting bigger', 'expanding'),
    'shrink': ('shrinking', 'getting smaller', 'contracting'),
    'bounce': ('bouncing', 'bouncing up and down', 'hopping'),
}
SPEED_PRE = {'slow': ('slowly', 'gently'), 'fast': ('quickly', 'rapidly')}
SPEED_POST = {'slow': ('slowly', 'gently'), 'fast': ('quickly', 'fast', 'rapidly')}
BG_PHRASES = ('on a {c} background', 'against a {c} background', 'on a {c} backdrop',
              'in front of a {c} background', 'over a plain {c} background')
IMAGE_PREFIX = ('', '', 'a picture of ', 'an image of ', 'a photo of ')

_WORD_RE = re.compile(r"[a-z]+")


def tokenize(caption: str) -> list[str]:
    """Lower-case word tokens of a caption (punctuation dropped)."""
    return _WORD_RE.findall(caption.lower())


def _build_vocab() -> tuple[str, ...]:
    words: set[str] = set(COLORS)
    tables = [SIZE_WORDS, SHAPE_WORDS, MOTION_VP, MOTION_GERUND, SPEED_PRE, SPEED_POST]
    for t in tables:
        for phrases in t.values():
            for p in phrases:
                words.update(tokenize(p))
    for p in BG_PHRASES + IMAGE_PREFIX:
        words.update(tokenize(p.format(c='')))
    # glue words used by the templates below
    words.update(['a', 'an', 'and', 'while', 'with', 'background'])
    return tuple(sorted(words))


def _uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """rng.uniform that tolerates hi < lo by float round-off (returns lo)."""
    return lo + max(hi - lo, 0.0) * rng.random()


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _article(next_word: str) -> str:
    return 'an' if next_word[0] in 'aeiou' else 'a'


def _noun_phrase(rng, obj, with_article=True, allow_drop_size=True) -> str:
    words = []
    if not (allow_drop_size and rng.random() < 0.15):
        words.append(_pick(rng, SIZE_WORDS[obj['size']]))
    words.append(obj['color'])
    words.append(_pick(rng, SHAPE_WORDS[obj['shape']]))
    np_ = ' '.join(words)
    return f'{_article(np_)} {np_}' if with_article else np_


def _verb_phrase(rng, obj) -> str:
    vp = _pick(rng, MOTION_VP[obj['motion']])
    if obj['speed'] is None:
        return vp
    if rng.random() < 0.5 and not vp.startswith(('does', 'goes')):
        return f"{_pick(rng, SPEED_PRE[obj['speed']])} {vp}"
    return f"{vp} {_pick(rng, SPEED_POST[obj['speed']])}"


def _gerund_phrase(rng, obj) -> str:
    g = _pick(rng, MOTION_GERUND[obj['motion']])
    if obj['speed'] is None:
        return g
    if rng.random() < 0.5:
        return f"{_pick(rng, SPEED_PRE[obj['speed']])} {g}"
    return f"{g} {_pick(rng, SPEED_POST[obj['speed']])}"


def _bg_phrase(rng, bg: str) -> str:
    return _pick(rng, BG_PHRASES).format(c=bg)


def make_caption(rng: np.random.Generator, objects: list[dict], background: str, image: bool) -> str:
    """Caption with varied phrasing (sentence or dense comma form)."""
    if image:
        nps = [_noun_phrase(rng, o) for o in objects]
        form = int(rng.integers(3))
        if form == 0:
            return _pick(rng, IMAGE_PREFIX) + ' and '.join(nps) + ' ' + _bg_phrase(rng, background)
        if form == 1:
            dense = [_noun_phrase(rng, o, with_article=False) for o in objects]
            return ', '.join(dense) + f', {background} background'
        return f'{_article(background)} {background} background with ' + ' and '.join(nps)
    form = int(rng.integers(4))
    if form == 0:      # a big red circle moves right on a blue background
        clauses = [f'{_noun_phrase(rng, o)} {_verb_phrase(rng, o)}' for o in objects]
        joiner = ' and ' if rng.random() < 0.5 else ' while '
        return joiner.join(clauses) + ' ' + _bg_phrase(rng, background)
    if form == 1:      # red circle, moving right, blue background
        if len(objects) == 1:
            o = objects[0]
            return f'{_noun_phrase(rng, o, with_article=False)}, {_gerund_phrase(rng, o)}, {background} background'
        # red circle moving right and blue star spinning, green background
        parts = [f'{_noun_phrase(rng, o, with_article=False)} {_gerund_phrase(rng, o)}' for o in objects]
        return ' and '.join(parts) + f', {background} background'
    if form == 2:      # a big red circle moving right on a blue background
        clauses = [f'{_noun_phrase(rng, o)} {_gerund_phrase(rng, o)}' for o in objects]
        return ' and '.join(clauses) + ' ' + _bg_phrase(rng, background)
    # a blue background with a big red circle moving right
    clauses = [f'{_noun_phrase(rng, o)} {_gerund_phrase(rng, o)}' for o in objects]
    return f'{_article(background)} {background} background with ' + ' and '.join(clauses)


VOCAB: tuple[str, ...] = _build_vocab()


# --------------------------------------------------------------------------------------
# Geometry: exact signed distance of unit shapes (negative inside)
# --------------------------------------------------------------------------------------
# Each shape is given as a star polygon with n points, outer radius R and inner radius
# r (a regular polygon is a star whose inner vertices sit on the edge midpoints).
# Radii are relative to the object's nominal extent (= 1).
def _star_params(shape: str) -> tuple[int, float, float]:
    if shape == 'square':
        R = 0.88 / np.sqrt(2.0) * 1.0      # side 0.88 of the extent
        return 4, R, R * np.cos(np.pi / 4)
    if shape == 'triangle':
        R = 0.60
        return 3, R, R * np.cos(np.pi / 3)
    if shape == 'star':
        R = 0.60
        return 5, R, R * 0.5
    raise ValueError(shape)


# angle of the first outer vertex (image coords, y down): triangle and star point up,
# the square is axis aligned.
_BASE_ANGLE = {'square': np.pi / 4, 'triangle': -np.pi / 2, 'star': -np.pi / 2}


def _sdf_star(x: np.ndarray, y: np.ndarray, n: int, R: float, r: float) -> np.ndarray:
    """Signed distance to a star polygon whose first outer vertex is on +x."""
    sector = np.pi / n
    theta = np.arctan2(y, x)
    rad = np.hypot(x, y)
    # fold into [0, pi/n]
    t = np.abs(np.mod(theta + sector, 2 * sector) - sector)
    px = rad * np.cos(t)
    py = rad * np.sin(t)
    ax, ay = R, 0.0
    bx, by = r * np.cos(sector), r * np.sin(sector)
    ex, ey = bx - ax, by - ay
    el2 = ex * ex + ey * ey
    h = np.clip(((px - ax) * ex + (py - ay) * ey) / el2, 0.0, 1.0)
    dx = px - ax - h * ex
    dy = py - ay - h * ey
    dist = np.sqrt(dx * dx + dy * dy)
    # inside iff on the origin side of the edge line A->B (origin is inside)
    cross = ex * (py - ay) - ey * (px - ax)
    return np.where(cross > 0, -dist, dist)   # origin gives cross = ex*(-ay)-ey*(-ax) = R*ey > 0


def shape_coverage(shape: str, dx: np.ndarray, dy: np.ndarray, extent: np.ndarray,
                   angle: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage in [0,1] of ``shape`` at pixel offsets (dx, dy) from its
    centre. ``extent`` (pixels) and ``angle`` (radians, clockwise in image coords)
    broadcast against dx/dy."""
    if shape == 'circle':
        d = np.hypot(dx, dy) - 0.5 * extent
    else:
        n, R, r = _star_params(shape)
        a = angle + _BASE_ANGLE[shape]
        c, s = np.cos(a), np.sin(a)
        # rotate offsets by -a so that the first vertex lies on +x, scale to unit extent
        ux = (c * dx + s * dy) / extent
        uy = (-s * dx + c * dy) / extent
        d = _sdf_star(ux, uy, n, R, r) * extent
    return np.clip(0.5 - d, 0.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------------------
# Scene sampling
# --------------------------------------------------------------------------------------
def _sample_object(rng, image: bool, n_objects: int, forced: dict | None = None,
                   motions: tuple[str, ...] | None = None, shapes: tuple[str, ...] | None = None) -> dict:
    forced = forced or {}
    shape = forced.get('shape') or _pick(rng, shapes or SHAPES)
    color = forced.get('color') or _pick(rng, COLORS)
    if image:
        motion = None
    elif 'motion' in forced:
        motion = forced['motion']
    else:
        choices = [m for m in (motions or MOTIONS) if not (shape == 'circle' and m == 'spin')]
        motion = _pick(rng, choices)
    if motion == 'grow':
        size = 'small'
    elif motion == 'shrink':
        size = 'big'
    else:
        size = _pick(rng, SIZES)
    speed = None if motion in (None, 'still') else _pick(rng, SPEEDS)
    return {'color': color, 'shape': shape, 'size': size, 'motion': motion, 'speed': speed}


def _colors_ok(objs: list[dict], bg: str) -> bool:
    cols = [o['color'] for o in objs] + [bg]
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            if _color_dist(cols[i], cols[j]) < MIN_COLOR_DIST:
                return False
    return True


def _sample_scene(rng, split: str, image: bool, motions: tuple[str, ...] | None = None,
                  shapes: tuple[str, ...] | None = None):
    """Attributes of the objects and background (no geometry yet). ``motions`` / ``shapes``: one object whose
    motion / shape is drawn from these (data-emphasis worlds); None: the normal mix, drawn exactly as before the
    options existed."""
    n_objects = 1 if rng.random() < 0.6 or motions or shapes else 2
    for _ in range(1000):
        forced = None
        if split == 'eval':
            combos = [c for c in HELD_OUT_COMBOS if not (image and 'motion' in c)]
            forced = dict(_pick(rng, combos))
            if forced.get('shape') == 'circle' and forced.get('motion') == 'spin':
                continue
        objs = [_sample_object(rng, image, n_objects, forced, motions, shapes)]
        for _k in range(1, n_objects):
            objs.append(_sample_object(rng, image, n_objects))
        bg = _pick(rng, COLORS)
        if not _colors_ok(objs, bg):
            continue
        held = is_held_out({'objects': objs})
        if split == 'train' and held:
            continue
        if split == 'eval' and not held:
            continue
        return objs, bg
    raise RuntimeError('could not sample a scene')


def _plan_trajectory(rng, obj: dict, T: int, S: float, box: tuple[float, float, float, float],
                     two: bool) -> None:
    """Fill obj['center'] [T,2], obj['extent'] [T], obj['angle'] [T] (float arrays)
    inside ``box`` = (x0, y0, x1, y1) (pixels) the object's centre may use."""
    k = S / 128.0
    lo, hi = (SIZE_RANGE_TWO if two else SIZE_RANGE)[obj['size']]
    ext0 = rng.uniform(lo, hi) * k
    t = np.arange(T, dtype=np.float64)
    motion, speed = obj['motion'], obj['speed']
    extent = np.full(T, ext0)
    angle = np.full(T, 0.0) if obj['shape'] == 'circle' else np.full(T, np.deg2rad(rng.uniform(-8, 8)))
    ang0 = angle[0]
    if motion == 'spin':
        sdir = 1 if rng.random() < 0.5 else -1
        obj['spin_dir'] = sdir
        w = np.deg2rad(rng.uniform(*SPIN_SPEED[speed]))
        angle = ang0 + sdir * w * t
    elif motion in ('grow', 'shrink'):
        rate = rng.uniform(*SCALE_RATE[speed])
        emin, emax = EXTENT_LIMITS[0] * k, EXTENT_LIMITS[1] * k
        if two:
            emax = min(emax, 52.0 * k)
        # clamp the rate so the whole ramp fits in [emin, emax]
        max_ratio = emax / emin
        rate = min(rate, max_ratio ** (1.0 / max(T - 1, 1)) - 1.0)
        ratio = (1.0 + rate) ** (T - 1)
        if motion == 'grow':
            ext0 = float(np.clip(ext0, emin, emax / ratio))
            extent = ext0 * (1.0 + rate) ** t
        else:
            ext0 = float(np.clip(max(ext0, emin * ratio), emin * ratio, emax))
            extent = ext0 / (1.0 + rate) ** t
    emax_t = float(extent.max())
    # keep the whole object in frame: the centre stays >= its circumradius from the
    # border of its box
    m = (0.5 if obj['shape'] == 'circle' else _star_params(obj['shape'])[1]) * emax_t
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = x0 + m, y0 + m, x1 - m, y1 - m
    if x1 < x0:
        x0 = x1 = 0.5 * (box[0] + box[2])
    if y1 < y0:
        y0 = y1 = 0.5 * (box[1] + box[3])
    if motion in ('left', 'right', 'up', 'down'):
        v = rng.uniform(*TRANSLATE_SPEED[speed]) * k
        horiz = motion in ('left', 'right')
        span = (x1 - x0) if horiz else (y1 - y0)
        v = min(v, span / max(T - 1, 1))
        travel = v * (T - 1)
        sgn = 1.0 if motion in ('right', 'down') else -1.0
        if horiz:
            start = _uniform(rng, x0, x1 - travel) if sgn > 0 else _uniform(rng, x0 + travel, x1)
            cx = start + sgn * v * t
            cy = np.full(T, _uniform(rng, y0, y1))
        else:
            start = _uniform(rng, y0, y1 - travel) if sgn > 0 else _uniform(rng, y0 + travel, y1)
            cy = start + sgn * v * t
            cx = np.full(T, _uniform(rng, x0, x1))
        obj['velocity'] = float(sgn * v)
    elif motion == 'bounce':
        period = rng.uniform(*BOUNCE_PERIOD[speed])
        amp = rng.uniform(0.55, 0.8) * (y1 - y0)
        floor = y1 - rng.uniform(0.0, 0.1) * (y1 - y0)
        phase = rng.uniform(0.0, 0.3)
        cy = floor - amp * np.abs(np.sin(np.pi * (t / period + phase)))
        cx = np.full(T, _uniform(rng, x0, x1))
        obj['bounce_period'] = float(period)
    else:
        cx = np.full(T, _uniform(rng, x0, x1))
        cy = np.full(T, _uniform(rng, y0, y1))
    obj['center'] = np.stack([cx, cy], axis=1)
    obj['extent'] = extent
    obj['angle'] = angle


def _layout(rng, objs: list[dict], S: float):
    """Boxes for object centres: two objects get separate lanes when their motions allow."""
    full = (0.0, 0.0, S, S)
    if len(objs) == 1:
        return [full]
    mots = [o['motion'] for o in objs]
    horiz = any(m in ('left', 'right') for m in mots)
    vert = any(m in ('up', 'down', 'bounce') for m in mots)
    h = S / 2
    if horiz and not vert:
        lanes = [(0.0, 0.0, S, h), (0.0, h, S, S)]          # top / bottom
    elif vert and not horiz:
        lanes = [(0.0, 0.0, h, S), (h, 0.0, S, S)]          # left / right
    elif not horiz and not vert:
        lanes = [(0.0, 0.0, h, S), (h, 0.0, S, S)] if rng.random() < 0.5 else \
                [(0.0, 0.0, S, h), (0.0, h, S, S)]
    else:
        # one moves horizontally, one vertically: the horizontal mover keeps to a band
        # at the top or bottom, the vertical one to the side; they may cross.
        hb = [(0.0, 0.0, S, h), (0.0, h, S, S)][int(rng.integers(2))]
        vb = [(0.0, 0.0, h, S), (h, 0.0, S, S)][int(rng.integers(2))]
        return [hb if m in ('left', 'right') else vb for m in mots]
    if rng.random() < 0.5:
        lanes = lanes[::-1]
    return lanes


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------
def _render_object(video: np.ndarray, obj: dict) -> None:
    T, H, W, _ = video.shape
    centers, extent, angle = obj['center'], obj['extent'], obj['angle']
    # half-size of the per-frame window around the centre (the star/triangle/square
    # circumradius is <= 0.63 * extent); +2 px for the anti-aliased rim
    half = int(np.ceil(0.64 * extent.max())) + 2
    B = 2 * half
    ox = np.floor(centers[:, 0]).astype(np.int64) - half + 1      # window origin per frame
    oy = np.floor(centers[:, 1]).astype(np.int64) - half + 1
    idx = np.arange(B, dtype=np.float32)
    dx = (ox[:, None, None] + idx[None, None, :] + 0.5 - centers[:, 0, None, None]).astype(np.float32)
    dy = (oy[:, None, None] + idx[None, :, None] + 0.5 - centers[:, 1, None, None]).astype(np.float32)
    ext = extent.astype(np.float32)[:, None, None]
    ang = angle.astype(np.float32)[:, None, None]
    cov = shape_coverage(obj['shape'], dx, dy, ext, ang)           # [T, B, B]
    color = np.asarray(PALETTE[obj['color']], dtype=np.float32)
    for t in range(T):
        x0, y0 = int(ox[t]), int(oy[t])
        xa, ya = max(x0, 0), max(y0, 0)
        xb, yb = min(x0 + B, W), min(y0 + B, H)
        if xa >= xb or ya >= yb:
            continue
        a = cov[t, ya - y0:yb - y0, xa - x0:xb - x0, None]
        region = video[t, ya:yb, xa:xb].astype(np.float32)
        region += (color - region) * a
        video[t, ya:yb, xa:xb] = (region + 0.5).astype(np.uint8)


def _to_meta_obj(obj: dict) -> dict:
    out = {k: v for k, v in obj.items() if k not in ('center', 'extent', 'angle')}
    out['center'] = np.round(obj['center'], 3).tolist()
    out['extent'] = np.round(obj['extent'], 3).tolist()
    out['angle'] = np.round(np.rad2deg(obj['angle']), 3).tolist()
    return out


def _scene(seed: int, frames: int, size: int, split: str, motions: tuple[str, ...] | None = None,
           shapes: tuple[str, ...] | None = None):
    if split not in ('train', 'eval'):
        raise ValueError(f'split must be train or eval, got {split!r}')
    if frames < 1:
        raise ValueError('frames must be >= 1')
    rng = np.random.default_rng([int(seed), 0x5AA9E5, 1 if split == 'eval' else 0])
    image = frames == 1
    objs, bg = _sample_scene(rng, split, image, motions, shapes)
    S = float(size)
    boxes = _layout(rng, objs, S)
    for o, box in zip(objs, boxes):
        if image:
            o_tmp = dict(o, motion='still', speed=None)
            _plan_trajectory(rng, o_tmp, 1, S, box, len(objs) == 2)
            o.update({k: o_tmp[k] for k in ('center', 'extent', 'angle')})
        else:
            _plan_trajectory(rng, o, frames, S, box, len(objs) == 2)
    caption = make_caption(rng, objs, bg, image)
    meta = {
        'world': 'shapes', 'seed': int(seed), 'split': split, 'frames': frames, 'size': size,
        'fps': FPS, 'background': bg, 'n_objects': len(objs),
        'objects': [_to_meta_obj(o) for o in objs],
    }
    return objs, bg, caption, meta


def make_meta(seed: int, frames: int = 17, size: int = 128, split: str = 'train') -> tuple[str, dict]:
    """Caption and meta of ``make_clip(seed, frames, size, split)`` without rendering."""
    _, _, caption, meta = _scene(seed, frames, size, split)
    return caption, meta


def make_clip(seed: int, frames: int = 17, size: int = 128, split: str = 'train',
              motions: tuple[str, ...] | None = None, shapes: tuple[str, ...] | None = None) -> Clip:
    """Render one deterministic shapes-world clip.

    ``frames``: 1 (an image: static scene, caption without motion) or any T >= 2
    (17 = 1+4*4 and 33 = 1+4*8 are the intended lengths).  ``split``: 'train' never
    contains a ``HELD_OUT_COMBOS`` entry, 'eval' always contains one.  ``motions`` / ``shapes``: a single object
    moving in one of these ways (e.g. ``DIRECTIONS``) / of one of these shapes (e.g. ``('circle',)``); default the
    normal one- and two-object mix.
    """
    objs, bg, caption, meta = _scene(seed, frames, size, split, motions, shapes)
    return Clip(video=render(objs, bg, frames, size), caption=caption, meta=meta)


def scene(seed: int, frames: int = 17, size: int = 128, split: str = 'train') -> tuple[list[dict], str]:
    """The objects (with per-frame ``center``/``extent``/``angle`` arrays) and background of ``make_clip``'s scene,
    for rendering edited copies with ``render`` (e.g. the same motion with another shape)."""
    objs, bg, _, _ = _scene(seed, frames, size, split)
    return objs, bg


def render(objs: list[dict], bg: str, frames: int, size: int) -> np.ndarray:
    """uint8 [T, size, size, 3]: the background colour, then each object in order."""
    video = np.empty((frames, size, size, 3), dtype=np.uint8)
    video[...] = np.asarray(PALETTE[bg], dtype=np.uint8)
    for o in objs:
        _render_object(video, o)
    return video


def eval_clips(n: int, frames: int = 17, size: int = 128, start_seed: int = 0) -> list[Clip]:
    """``n`` held-out clips (seeds start_seed .. start_seed+n-1 of the eval split)."""
    return [make_clip(start_seed + i, frames, size, 'eval') for i in range(n)]


if __name__ == '__main__':   # quick look: python3 -m training.data.shapes_world
    import time
    t0 = time.perf_counter()
    n = 100
    for i in range(n):
        c = make_clip(i)
    dt = time.perf_counter() - t0
    print(f'{n / dt:.1f} clips/s (17x128x128)')
    for i in range(8):
        print(make_clip(i).caption)
