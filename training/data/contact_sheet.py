"""Contact sheet of the data worlds: ``/usr/bin/python3 -m training.data.contact_sheet [out.png]``.

Each row is one clip (frames side by side, left to right in time) with its caption
underneath.  Default output: docs/data-worlds.png (palette PNG, kept small).
"""
from __future__ import annotations

import os
import sys
import textwrap

from PIL import Image, ImageDraw

from . import photo_clips, real_video, shapes_world

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _row(clip, frame_ids, thumb: int, label: str, width: int) -> Image.Image:
    frames = [Image.fromarray(clip.video[i]).resize((thumb, thumb), Image.BOX) for i in frame_ids]
    pad = 2
    text = textwrap.wrap(f'{label}: {clip.caption}', width=width // 6)
    th = 11 * len(text) + 4
    img = Image.new('RGB', (len(frames) * (thumb + pad) - pad, thumb + th), 'white')
    for k, f in enumerate(frames):
        img.paste(f, (k * (thumb + pad), 0))
    d = ImageDraw.Draw(img)
    for j, line in enumerate(text):
        d.text((2, thumb + 2 + 11 * j), line, fill='black')
    return img


def build(thumb: int = 80, frames: int = 17) -> Image.Image:
    frame_ids = [0, 2, 4, 6, 8, 10, 12, 14, 16] if frames == 17 else list(range(0, frames, max(1, frames // 8)))
    width = len(frame_ids) * (thumb + 2)
    rows = []
    for seed in (0, 1, 4, 6, 9, 3):
        rows.append(_row(shapes_world.make_clip(seed, frames), frame_ids, thumb, f'shapes train #{seed}', width))
    rows.append(_row(shapes_world.make_clip(0, frames, split='eval'), frame_ids, thumb,
                     'shapes EVAL (held-out combo)', width))
    for seed in (7, 4, 2, 0):
        c = photo_clips.make_camera_clip(seed, frames)
        rows.append(_row(c, frame_ids, thumb, f"photo {c.meta['motion']} #{seed}", width))
    reals = real_video.real_eval_clips(size=128, frames=frames)
    picked, seen = [], set()
    for c in reals:
        src = c.meta['source']
        if src not in seen:
            seen.add(src)
            picked.append(c)
    for c in picked:
        rows.append(_row(c, frame_ids, thumb, f"real {os.path.basename(c.meta['source'])}", width))
    H = sum(r.height + 6 for r in rows)
    sheet = Image.new('RGB', (width, H), 'white')
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height + 6
    return sheet


def main(out: str | None = None) -> str:
    out = out or os.path.join(REPO, 'docs', 'data-worlds.png')
    sheet = build()
    q = sheet.quantize(colors=256, method=Image.MEDIANCUT, dither=Image.NONE)
    q.save(out, optimize=True)
    return out


if __name__ == '__main__':
    path = main(sys.argv[1] if len(sys.argv) > 1 else None)
    print(path, os.path.getsize(path) // 1024, 'KB')
