"""Real-photo camera-motion clips (pan / tilt / zoom / still) cut from photographs
shipped by Debian packages (nothing is copied into the repository; see the
"## Data" section of training/README.md for the licences).

A clip is a moving square crop window over a photo, resampled to ``size``x``size``
with Pillow's anti-aliased bilinear resize from a float (sub-pixel) box, so motion
is smooth.  Photos are decoded once at a reduced resolution (short side
``BASE_FACTOR * size``; JPEG DCT-domain draft decoding keeps this fast) and cached
in memory.

Public API
----------
- ``make_camera_clip(seed, frames=17, size=128, split='train') -> Clip``
- ``PHOTOS`` (all usable photos with licence info), ``HELD_OUT_PHOTOS`` (paths used
  only by ``split='eval'``), ``train_photos()``, ``eval_photos()``
- ``CAMERA_MOTIONS``, ``VOCAB``, ``preload(size)``

``Clip.meta``::

    {'world': 'photo', 'seed', 'split', 'frames', 'size', 'fps', 'photo' (path),
     'subject' (short description), 'motion' (one of CAMERA_MOTIONS, None for T=1),
     'speed' ('slow'|'fast'|None), 'content_speed' (output px/frame for pans,
     relative side change per frame for zooms),
     'window': [[x0, y0, x1, y1]] * T  (crop window per frame, as fractions of the
               photo width/height)}

Direction convention: "the camera pans left" means the camera turns left, so the
window moves left over the photo and the picture content moves RIGHT in the frame.
"Tilts/pans up": the window moves up, content moves down.  "Zooms in": the window
shrinks, content grows from the centre.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .shapes_world import Clip, FPS

# ------------------------------------------------------------------------------------
# Photo catalogue
# ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    path: str
    subject: str          # short description used in captions
    package: str          # Debian package that ships it
    license: str
    author: str


def _skimage_dir() -> str:
    spec = importlib.util.find_spec('skimage')
    if spec is None or not spec.submodule_search_locations:
        return '/usr/lib/python3/dist-packages/skimage/data'
    return os.path.join(list(spec.submodule_search_locations)[0], 'data')


_BG = '/usr/share/backgrounds'
_KDE = '/usr/share/wallpapers'
_MATE = '/usr/share/backgrounds/mate/nature'
_SK = _skimage_dir()


def _kde(name: str) -> str:
    d = f'{_KDE}/{name}/contents/images'
    for res in ('1920x1080.jpg', '1920x1200.jpg', '2560x1600.jpg', '1280x800.jpg'):
        if os.path.exists(f'{d}/{res}'):
            return f'{d}/{res}'
    return f'{d}/1920x1080.jpg'


_LOM = 'lomiri-wallpapers-16.04'
_KDEP = 'plasma-workspace-wallpapers'
_KDEL = 'GPL-2+ (debian/copyright; metadata.json says LGPLv3)'
_MATEP = 'mate-backgrounds'
_SKP = 'python3-skimage'

_ALL_PHOTOS: tuple[Photo, ...] = (
    # lomiri-wallpapers-16.04 (photographs only; the 20.04 set is mostly artwork)
    Photo(f'{_BG}/Bridge_by_Sander_Klootwijk.jpg', 'the cables of a bridge over a wide beach', _LOM,
          'CC-BY-SA-4.0', 'Sander Klootwijk'),
    Photo(f'{_BG}/Dragonfly_by_Bolly.jpg', 'a dragonfly on green leaves', _LOM, 'CC-BY-SA-4.0', 'Bolly'),
    Photo(f'{_BG}/Kleiber_by_Lukas_Baubkus.jpg', 'a small bird on a tree trunk', 'lomiri-wallpapers-20.04',
          'CC-BY-SA-3.0', 'Lukas Baubkus'),
    Photo(f'{_BG}/Picture_0B_by_freespace.jpg', 'a fig in a red bowl', _LOM, 'CC-BY-4.0', 'Trevor "Freespace"'),
    Photo(f'{_BG}/Picture_1A_by_freespace.jpg', 'colorful paint brushes', _LOM, 'CC-BY-4.0',
          'Trevor "Freespace"'),
    Photo(f'{_BG}/Wine_by_Jakkub_Mede.jpg', 'a drum in a living room', _LOM, 'CC-BY-4.0', 'Jakub Mede'),
    Photo(f'{_BG}/aitzgorri_by_Aitzol_Berasategi.jpg', 'mountains above a green meadow', _LOM, 'CC-BY-4.0',
          'Aitzol Berasategi'),
    Photo(f'{_BG}/free_by_Peter_Nerlich.jpg', 'a toy bird under white lamps', _LOM, 'CC-BY-SA-4.0',
          'Peter Nerlich'),
    Photo(f'{_BG}/friends_by_Aitzol_Berasategi.jpg', 'two dogs at a wooden door', _LOM, 'CC-BY-4.0',
          'Aitzol Berasategi'),
    Photo(f'{_BG}/life_by_Aitzol_Berasategi.jpg', 'a stream between rocks in a forest', _LOM, 'CC-BY-4.0',
          'Aitzol Berasategi'),
    Photo(f'{_BG}/picosdeeuropa_by_Aitzol_Berasategi.jpg', 'a path across a meadow below rocky mountains',
          _LOM, 'CC-BY-4.0', 'Aitzol Berasategi'),
    Photo(f'{_BG}/seeding_by_Clements_Engelhardt.jpg', 'dandelions in a field', _LOM, 'CC0-1.0',
          'Clemens Engelhardt'),
    Photo(f'{_BG}/sunset_by_Aitzol_Berasategi.jpg', 'the sun setting over hills', _LOM, 'CC-BY-4.0',
          'Aitzol Berasategi'),
    # plasma-workspace-wallpapers (the photographic ones)
    Photo(_kde('BytheWater'), 'a wooden pier by the water', _KDEP, _KDEL, 'Maciej Wiklo'),
    Photo(_kde('ColdRipple'), 'a pier in the fog', _KDEP, _KDEL, 'Risto Saukonpää'),
    Photo(_kde('DarkestHour'), 'a misty blue lake', _KDEP, _KDEL, 'Risto Saukonpää'),
    Photo(_kde('EveningGlow'), 'rowing boats on a lake at sunset', _KDEP, _KDEL, 'Ian Hex'),
    Photo(_kde('FallenLeaf'), 'autumn leaves on the ground', _KDEP, _KDEL, 'Martin Klapetek'),
    Photo(_kde('Grey'), 'the curved facade of a building', _KDEP, _KDEL, 'Sigi Sagi'),
    Photo(_kde('Kite'), 'a kite in a blue sky', _KDEP, _KDEL, 'Risto Saukonpää'),
    Photo(_kde('OneStandsOut'), 'green moss with one orange plant', _KDEP, _KDEL, 'Risto Saukonpää'),
    Photo(_kde('Path'), 'a path through a forest', _KDEP, _KDEL, 'Risto Saukonpää'),
    Photo(_kde('summer_1am'), 'a calm lake at dusk', _KDEP, _KDEL, 'Risto Saukonpää'),
    # mate-backgrounds (nature photos listed in debian/copyright)
    Photo(f'{_MATE}/Aqua.jpg', 'a drop splashing into water', _MATEP, 'GPL-2+', 'Charles Barbin'),
    Photo(f'{_MATE}/Blinds.jpg', 'a green leaf', _MATEP, 'GPL-2+', 'Lennart Poettering'),
    Photo(f'{_MATE}/Dune.jpg', 'dry grass by the sea', _MATEP, 'GPL-2+', 'Marco Cogoni'),
    Photo(f'{_MATE}/FreshFlower.jpg', 'an orange flower', _MATEP, 'GPL-2+', 'Jens Ansorg'),
    Photo(f'{_MATE}/GreenMeadow.jpg', 'green grass', _MATEP, 'GPL-2+', 'Timothy Schellhase'),
    Photo(f'{_MATE}/RainDrops.jpg', 'raindrops on green leaves', _MATEP, 'GPL-2+', 'blackcombwhistler07'),
    Photo(f'{_MATE}/Storm.jpg', 'storm clouds over a road', _MATEP, 'GPL-2+', 'Sergey Nazarov'),
    Photo(f'{_MATE}/TwoWings.jpg', 'dandelion seeds in front of orange flowers', _MATEP, 'GPL-2+',
          'Charles Barbin'),
    Photo(f'{_MATE}/Wood.jpg', 'a pale wooden surface', _MATEP, 'GPL-2+', 'Jean-François Fortin Tam'),
    # python3-skimage sample data (CC0 / public domain per skimage.data docstrings)
    Photo(f'{_SK}/astronaut.png', 'an astronaut', _SKP, 'public domain (NASA)', 'NASA'),
    Photo(f'{_SK}/chelsea.png', 'a cat', _SKP, 'CC0', 'Stefan van der Walt'),
    Photo(f'{_SK}/coffee.png', 'a cup of coffee', _SKP, 'CC0', 'Rachel Michetti'),
    Photo(f'{_SK}/rocket.jpg', 'a rocket on a launch pad at night', _SKP, 'public domain (SpaceX)', 'SpaceX'),
    Photo(f'{_SK}/camera.png', 'a man with a camera', _SKP, 'CC0', 'Lav Varshney'),
    Photo(f'{_SK}/hubble_deep_field.jpg', 'galaxies in deep space', _SKP, 'public domain (NASA)', 'NASA'),
    Photo(f'{_SK}/grass.png', 'grass', _SKP, 'CC0 (cc0textures)', 'cc0textures'),
    Photo(f'{_SK}/gravel.png', 'gravel', _SKP, 'CC0 (cc0textures)', 'cc0textures'),
    Photo(f'{_SK}/brick.png', 'a brick wall', _SKP, 'CC0 (cc0textures)', 'cc0textures'),
)

# ------------------------------------------------------------------------------------
# Portable photo cache: a machine without the Debian packages (a rented GPU box) can
# train on the photos decoded here.  OSP_PHOTO_CACHE names an .npz written by
# ``save_cache``; its photos count as installed at the cached sizes only.
# ------------------------------------------------------------------------------------
PHOTO_CACHE_ENV = 'OSP_PHOTO_CACHE'


def _read_cache_file(path: str) -> dict[tuple[str, int], Image.Image]:
    with np.load(path) as z:
        index = json.loads(str(z['index']))
        return {(p, int(side)): Image.fromarray(z[f'img{i}']) for i, (p, side) in enumerate(index)}


_PORTABLE = _read_cache_file(os.environ[PHOTO_CACHE_ENV]) if os.environ.get(PHOTO_CACHE_ENV) else {}

#: every catalogued photo whose file is installed (or is in the portable cache)
PHOTOS: tuple[Photo, ...] = tuple(p for p in _ALL_PHOTOS
                                  if os.path.exists(p.path) or any(k[0] == p.path for k in _PORTABLE))

#: photos never used by split='train' (one or two from each package)
HELD_OUT_PHOTOS: tuple[str, ...] = (
    f'{_BG}/picosdeeuropa_by_Aitzol_Berasategi.jpg',
    f'{_BG}/Kleiber_by_Lukas_Baubkus.jpg',
    _kde('EveningGlow'),
    _kde('Path'),
    f'{_MATE}/FreshFlower.jpg',
    f'{_SK}/chelsea.png',
)


def train_photos() -> tuple[Photo, ...]:
    return tuple(p for p in PHOTOS if p.path not in HELD_OUT_PHOTOS)


def eval_photos() -> tuple[Photo, ...]:
    return tuple(p for p in PHOTOS if p.path in HELD_OUT_PHOTOS)


# ------------------------------------------------------------------------------------
# Photo cache
# ------------------------------------------------------------------------------------
BASE_FACTOR = 3.0          # cached short side = BASE_FACTOR * output size
_cache: dict[tuple[str, int], Image.Image] = dict(_PORTABLE)
_cache_lock = threading.Lock()


def save_cache(out: str, size: int | list[int], split: str | None = 'train') -> int:
    """Write the decoded photos (of one split, or all) at output ``size`` — one size or a list, for legs that bucket
    several sizes (--sizes) — to ``out`` (.npz) for OSP_PHOTO_CACHE. Returns the number of photos."""
    photos = PHOTOS if split is None else (train_photos() if split == 'train' else eval_photos())
    keys = [(p.path, int(round(BASE_FACTOR * z))) for z in ([size] if isinstance(size, int) else size) for p in photos]
    arrays = {f'img{i}': np.asarray(load_photo(path, side)) for i, (path, side) in enumerate(keys)}
    np.savez_compressed(out, index=np.array(json.dumps([list(k) for k in keys])), **arrays)
    return len(photos)


def load_photo(path: str, short_side: int) -> Image.Image:
    """RGB PIL image of ``path`` with its short side resized to ``short_side`` (cached)."""
    key = (path, int(short_side))
    im = _cache.get(key)
    if im is not None:
        return im
    with Image.open(path) as src:
        w, h = src.size
        scale = short_side / min(w, h)
        if src.format == 'JPEG':
            src.draft('RGB', (max(1, int(w * scale)), max(1, int(h * scale))))
        img = src.convert('RGB')
    w, h = img.size
    scale = short_side / min(w, h)
    tw, th = max(short_side, round(w * scale)), max(short_side, round(h * scale))
    img = img.resize((tw, th), Image.BOX if scale < 1 else Image.BICUBIC)
    img.load()
    with _cache_lock:
        _cache[key] = img
    return img


def preload(size: int = 128, split: str | None = None) -> None:
    """Decode all photos (of one split, or all) into the cache, e.g. before forking
    DataLoader workers so they share the memory."""
    photos = PHOTOS if split is None else (train_photos() if split == 'train' else eval_photos())
    for p in photos:
        load_photo(p.path, int(round(BASE_FACTOR * size)))


# ------------------------------------------------------------------------------------
# Motion and captions
# ------------------------------------------------------------------------------------
CAMERA_MOTIONS: tuple[str, ...] = ('pan_left', 'pan_right', 'pan_up', 'pan_down', 'zoom_in', 'zoom_out',
                                   'still')
ZOOMS: tuple[str, ...] = ('zoom_in', 'zoom_out')
# content speed in output pixels per frame at 128 px (scaled with size) for pans
PAN_SPEED = {'slow': (1.0, 1.6), 'fast': (2.6, 3.6)}
# relative change of the window side per frame for zooms
ZOOM_RATE = {'slow': (0.012, 0.018), 'fast': (0.03, 0.04)}
MIN_SIDE_FRAC = 1.0 / BASE_FACTOR     # window side >= output size (never upsample)

CAM_SENTENCE = {
    'pan_left': ('the camera pans left', 'the camera pans to the left', 'the camera moves left',
                 'the view pans left'),
    'pan_right': ('the camera pans right', 'the camera pans to the right', 'the camera moves right',
                  'the view pans right'),
    'pan_up': ('the camera tilts up', 'the camera pans up', 'the camera moves up', 'the view tilts up'),
    'pan_down': ('the camera tilts down', 'the camera pans down', 'the camera moves down',
                 'the view tilts down'),
    'zoom_in': ('the camera zooms in', 'the view zooms in', 'the camera moves in'),
    'zoom_out': ('the camera zooms out', 'the view zooms out', 'the camera pulls back'),
    'still': ('the camera stays still', 'the camera does not move', 'a still shot', 'a static shot'),
}
CAM_GERUND = {
    'pan_left': ('camera panning left', 'panning to the left', 'a pan to the left'),
    'pan_right': ('camera panning right', 'panning to the right', 'a pan to the right'),
    'pan_up': ('camera tilting up', 'tilting up', 'a tilt up'),
    'pan_down': ('camera tilting down', 'tilting down', 'a tilt down'),
    'zoom_in': ('camera zooming in', 'zooming in', 'a zoom in'),
    'zoom_out': ('camera zooming out', 'zooming out', 'a zoom out'),
    'still': ('still camera', 'static camera', 'a still shot', 'a static shot'),
}
CAM_PREP = {'pan_left': ('across', 'over'), 'pan_right': ('across', 'over'), 'pan_up': ('over', 'along'),
            'pan_down': ('over', 'along'), 'zoom_in': ('on',), 'zoom_out': ('from',), 'still': ('of',)}
SPEED_ADV = {'slow': ('slowly', 'gently'), 'fast': ('quickly', 'fast', 'rapidly')}
SPEED_ADJ = {'slow': ('slow', 'gentle'), 'fast': ('quick', 'fast', 'rapid')}
IMAGE_CAPTIONS = ('a photo of {s}', '{s}', 'a picture of {s}', 'a still photo of {s}')

_WORD_RE = re.compile(r"[a-z]+")


def _tok(s: str) -> list[str]:
    return _WORD_RE.findall(s.lower())


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _with_speed(rng, phrase: str, speed: str | None) -> str:
    """Insert a speed word into a camera phrase."""
    if speed is None:
        return phrase
    if phrase.startswith('a '):                      # 'a pan to the left' -> 'a slow pan ...'
        adj = _pick(rng, SPEED_ADJ[speed])
        art = 'an' if adj[0] in 'aeiou' else 'a'
        return f'{art} {adj} {phrase[2:]}'
    words = phrase.split(' ')
    adv = _pick(rng, SPEED_ADV[speed])
    if rng.random() < 0.5 or adv == 'fast':
        return f'{phrase} {adv}'
    if words[0] == 'the' and len(words) >= 3:         # 'the camera slowly pans left'
        return ' '.join(words[:2] + [adv] + words[2:])
    if words[0] == 'camera':                          # 'camera slowly panning left'
        return ' '.join(words[:1] + [adv] + words[1:])
    return f'{adv} {phrase}'


def camera_caption(rng, motion: str | None, speed: str | None, subject: str) -> str:
    if motion is None:
        return _pick(rng, IMAGE_CAPTIONS).format(s=subject)
    form = int(rng.integers(4))
    if form == 0:    # the camera pans left
        return _with_speed(rng, _pick(rng, CAM_SENTENCE[motion]), speed)
    if form == 1:    # a cat, the camera slowly pans left
        return f'{subject}, ' + _with_speed(rng, _pick(rng, CAM_SENTENCE[motion] + CAM_GERUND[motion]), speed)
    if form == 2:    # the camera pans left across a cat / a still shot of a cat
        base = _with_speed(rng, _pick(rng, CAM_SENTENCE[motion]), speed)
        if base.endswith(('fast', 'quickly', 'slowly', 'gently', 'rapidly')) and rng.random() < 0.5:
            base = _with_speed(rng, _pick(rng, CAM_SENTENCE[motion]), None)
        return f'{base} {_pick(rng, CAM_PREP[motion])} {subject}'
    # camera panning left, a cat
    return _with_speed(rng, _pick(rng, CAM_GERUND[motion]), speed) + f', {subject}'


def _build_vocab() -> tuple[str, ...]:
    words: set[str] = {'a', 'an'}
    for t in (CAM_SENTENCE, CAM_GERUND, CAM_PREP, SPEED_ADV, SPEED_ADJ):
        for phrases in t.values():
            for p in phrases:
                words.update(_tok(p))
    for p in IMAGE_CAPTIONS:
        words.update(_tok(p.format(s='')))
    for p in _ALL_PHOTOS:
        words.update(_tok(p.subject))
    return tuple(sorted(words))


VOCAB: tuple[str, ...] = _build_vocab()


# ------------------------------------------------------------------------------------
# Window planning and rendering
# ------------------------------------------------------------------------------------
def _plan_windows(rng, motion: str | None, speed: str | None, T: int, W: int, H: int, size: int):
    """Per-frame windows (cx, cy, side) in base-image pixels and the effective speed."""
    short = min(W, H)
    smin = MIN_SIDE_FRAC * short
    t = np.arange(T, dtype=np.float64)
    eff = 0.0
    if motion in ('pan_left', 'pan_right', 'pan_up', 'pan_down'):
        horiz = motion in ('pan_left', 'pan_right')
        dim = W if horiz else H
        v = rng.uniform(*PAN_SPEED[speed]) * size / 128.0          # output px / frame
        side = rng.uniform(0.45, 0.95) * short
        # the window plus its travel must fit along the pan axis
        side = min(side, dim / (1.0 + v * (T - 1) / size))
        if side < smin:
            side = smin
            v = min(v, (dim / side - 1.0) * size / max(T - 1, 1))
        step = v * side / size                                      # base px / frame
        travel = step * (T - 1)
        sgn = -1.0 if motion in ('pan_left', 'pan_up') else 1.0
        lo, hi = side / 2, dim - side / 2 - travel
        start = rng.uniform(lo, max(lo, hi))
        pos = start + travel * (sgn < 0) + sgn * step * t
        other = W if not horiz else H
        c_other = np.full(T, rng.uniform(side / 2, other - side / 2))
        cx, cy = (pos, c_other) if horiz else (c_other, pos)
        sides = np.full(T, side)
        eff = v
    elif motion in ('zoom_in', 'zoom_out'):
        r = rng.uniform(*ZOOM_RATE[speed])
        smax = 0.97 * short
        r = min(r, (smax / smin) ** (1.0 / max(T - 1, 1)) - 1.0)
        ratio = (1.0 + r) ** (T - 1)
        big = rng.uniform(smin * ratio, smax) if smin * ratio < smax else smax
        if motion == 'zoom_in':
            sides = big / (1.0 + r) ** t
        else:
            sides = big / ratio * (1.0 + r) ** t
        cx = np.full(T, rng.uniform(big / 2, W - big / 2))
        cy = np.full(T, rng.uniform(big / 2, H - big / 2))
        eff = r
    else:   # still / image
        side = rng.uniform(0.45, 0.95) * short
        cx = np.full(T, rng.uniform(side / 2, W - side / 2))
        cy = np.full(T, rng.uniform(side / 2, H - side / 2))
        sides = np.full(T, side)
    return cx, cy, sides, float(eff)


def _render(img: Image.Image, cx, cy, sides, size: int) -> np.ndarray:
    T = len(cx)
    W, H = img.size
    out = np.empty((T, size, size, 3), dtype=np.uint8)
    for i in range(T):
        side = min(float(sides[i]), W, H)
        # float round-off can put the box a hair outside the photo: shift it back in
        x0 = min(max(float(cx[i]) - side / 2, 0.0), W - side)
        y0 = min(max(float(cy[i]) - side / 2, 0.0), H - side)
        box = (x0, y0, x0 + side, y0 + side)
        out[i] = np.asarray(img.resize((size, size), Image.BILINEAR, box=box))
    return out


def make_camera_clip(seed: int, frames: int = 17, size: int = 128, split: str = 'train',
                     motions: tuple[str, ...] | None = None) -> Clip:
    """Deterministic camera-motion clip over a random photo of ``split``.

    ``frames == 1`` gives a single random crop (an image) with a photo caption. ``motions``: draw the camera motion
    from these only (a data-emphasis world, e.g. ``ZOOMS``); None: all of ``CAMERA_MOTIONS``, the rng stream as before
    the option existed.
    """
    if split not in ('train', 'eval'):
        raise ValueError(f'split must be train or eval, got {split!r}')
    photos = train_photos() if split == 'train' else eval_photos()
    if not photos:
        raise RuntimeError('no photos installed for this split (see training/README.md, ## Data)')
    rng = np.random.default_rng([int(seed), 0xCA3E7A, 1 if split == 'eval' else 0])
    photo = photos[int(rng.integers(len(photos)))]
    if frames == 1:
        motion, speed = None, None
    else:
        motion = _pick(rng, CAMERA_MOTIONS if motions is None else motions)
        speed = None if motion == 'still' else _pick(rng, ('slow', 'fast'))
    img = load_photo(photo.path, int(round(BASE_FACTOR * size)))
    W, H = img.size
    cx, cy, sides, eff = _plan_windows(rng, motion, speed, frames, W, H, size)
    caption = camera_caption(rng, motion, speed, photo.subject)
    video = _render(img, cx, cy, sides, size)
    h = sides / 2
    window = np.stack([(cx - h) / W, (cy - h) / H, (cx + h) / W, (cy + h) / H], axis=1)
    meta = {
        'world': 'photo', 'seed': int(seed), 'split': split, 'frames': frames, 'size': size, 'fps': FPS,
        'photo': photo.path, 'subject': photo.subject, 'license': photo.license,
        'motion': motion, 'speed': speed, 'content_speed': eff,
        'window': np.round(window, 5).tolist(),
    }
    return Clip(video=video, caption=caption, meta=meta)


if __name__ == '__main__':
    import sys
    import time
    if len(sys.argv) == 4 and sys.argv[1] == '--save-cache':   # --save-cache OUT.npz SIZE[,SIZE…] (train split)
        print(save_cache(sys.argv[2], [int(z) for z in sys.argv[3].split(',')]), 'photos written to', sys.argv[2])
        sys.exit(0)
    preload()
    t0 = time.perf_counter()
    for i in range(50):
        c = make_camera_clip(i)
    print(f'{50 / (time.perf_counter() - t0):.1f} clips/s (17x128x128, photos cached)')
    for i in range(10):
        c = make_camera_clip(i)
        print(c.meta['motion'], c.meta['speed'], '|', c.caption)
