"""The issue's "Done when", checked through the real CLI: `sample.py` → MP4 → ffmpeg decode → the eval's scorers.

1. "a big red circle moves right on a blue background" (text-to-video) for seeds 0…N−1: colour, shape, direction.
2. Image-to-video from every held-out photo with "<subject>, the camera zooms in": the camera scorer's verdict.

    /usr/bin/python3 -m training.eval_done_when --out docs/eval/done_when.json [--ckpt PATH] [--seeds 8]

Unlike eval_dit this goes through the user-facing command (argument parsing, image loading and crop, MP4 encode), so
a regression anywhere on that path shows here.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from training import scorers as S
from training.data import photo_clips as PC

T2V_PROMPT = "a big red circle moves right on a blue background"
T2V_OBJECT = {'color': 'red', 'shape': 'circle', 'motion': 'right'}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def decode(mp4: str) -> np.ndarray:
    """[T, H, W, 3] uint8 frames of an MP4 as written (size from ffprobe). Not sample.load_video: that one crops,
    resizes and pads to a requested shape, which would hide a wrong size or frame count here."""
    wh = subprocess.check_output(['ffprobe', '-v', 'error', '-select_streams', 'v:0', '-show_entries',
                                  'stream=width,height', '-of', 'csv=p=0', mp4], text=True).strip().split(',')
    w, h = int(wh[0]), int(wh[1])
    raw = subprocess.check_output(['ffmpeg', '-v', 'error', '-i', mp4, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'])
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def run_cli(args: list[str], out: str, ckpt: str, threads: int) -> np.ndarray:
    cmd = [sys.executable, os.path.join(ROOT, 'training', 'sample.py'), *args, '-o', out, '--threads', str(threads)]
    if ckpt:
        cmd += ['--ckpt', ckpt]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return decode(out)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ckpt', default='', help="DiT release .pt (default: sample.py's, the shipped model)")
    ap.add_argument('--seeds', type=int, default=8)
    ap.add_argument('--i2v-seeds', dest='i2v_seeds', type=int, default=2)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default='')
    args = ap.parse_args(argv)
    res: dict = {'what': "the issue's Done-when through training/sample.py (MP4 decoded, eval scorers)",
                 'command': 'python -m training.eval_done_when ' + ' '.join(argv if argv is not None else sys.argv[1:]),
                 't2v_prompt': T2V_PROMPT, 't2v': [], 'i2v_zoom_in': []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            v = run_cli([T2V_PROMPT, '--seed', str(seed)], os.path.join(tmp, f't2v{seed}.mp4'), args.ckpt, args.threads)
            r = S.score_shapes(v, [T2V_OBJECT], 'blue')
            o = r['objects'][0]
            res['t2v'].append({'seed': seed, 'background_ok': r['background'], 'color_ok': o['color_ok'],
                               'shape': o['shape_detected'], 'motion': o.get('motion_detected'), 'ok': r['all_ok']})
        for i, p in enumerate(PC.eval_photos()):
            for seed in range(args.i2v_seeds):
                prompt = f'{p.subject}, the camera zooms in'
                v = run_cli([prompt, '--image', p.path, '--seed', str(seed)], os.path.join(tmp, f'i2v{i}_{seed}.mp4'),
                            args.ckpt, args.threads)
                m, sp, _ = S.camera_motion(v)
                res['i2v_zoom_in'].append({'photo': os.path.basename(p.path), 'prompt': prompt, 'seed': seed,
                                           'motion': m, 'speed': sp, 'ok': m == 'zoom_in'})
    t, z = res['t2v'], res['i2v_zoom_in']
    res['summary'] = {
        't2v_red_on_blue_moving_right': f"{sum(r['color_ok'] and r['background_ok'] and r['motion'] == 'right' for r in t)} / {len(t)}",
        't2v_circle': f"{sum(r['shape'] == 'circle' for r in t)} / {len(t)}",
        't2v_all_right': f"{sum(r['ok'] for r in t)} / {len(t)}",
        'i2v_zoom_in': f"{sum(r['ok'] for r in z)} / {len(z)}"}
    print(json.dumps(res['summary'], indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=1)
    return res


if __name__ == '__main__':
    main()
