"""Tests for training/data (run: /usr/bin/python3 -m unittest discover -s training/tests -t .)."""
from __future__ import annotations

import hashlib
import os
import re
import unittest

import numpy as np

from training.data import photo_clips, shapes_world
from training.data.shapes_world import (COLORS, HELD_OUT_COMBOS, PALETTE, is_held_out, make_clip,
                                        make_meta, tokenize)


def _single_object_clips(motion: str, n: int, frames: int = 17, split: str = 'train'):
    out = []
    seed = 0
    while len(out) < n and seed < 20000:
        cap, meta = make_meta(seed, frames, split=split)
        if meta['n_objects'] == 1 and meta['objects'][0]['motion'] == motion:
            out.append(make_clip(seed, frames, split=split))
        seed += 1
    return out


def _object_mask(clip) -> np.ndarray:
    bg = np.asarray(PALETTE[clip.meta['background']], dtype=np.int16)
    diff = np.abs(clip.video.astype(np.int16) - bg).max(axis=-1)
    return diff > 40                                                  # [T,H,W]


def _centroids(mask: np.ndarray) -> np.ndarray:
    T, H, W = mask.shape
    ys, xs = np.mgrid[0:H, 0:W]
    area = mask.sum(axis=(1, 2)).astype(np.float64)
    cx = (mask * xs).sum(axis=(1, 2)) / np.maximum(area, 1)
    cy = (mask * ys).sum(axis=(1, 2)) / np.maximum(area, 1)
    return np.stack([cx, cy], axis=1), area


def _phase_shift(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Integer (dx, dy) such that b(x, y) ~= a(x - dx, y - dy) (content moved by +dx, +dy)."""
    ga = a.astype(np.float64).mean(-1)
    gb = b.astype(np.float64).mean(-1)
    win = np.outer(np.hanning(ga.shape[0]), np.hanning(ga.shape[1]))
    Fa = np.fft.fft2((ga - ga.mean()) * win)
    Fb = np.fft.fft2((gb - gb.mean()) * win)
    R = Fb * np.conj(Fa)
    R /= np.abs(R) + 1e-9
    r = np.real(np.fft.ifft2(R))
    dy, dx = np.unravel_index(int(np.argmax(r)), r.shape)
    H, W = r.shape
    if dx > W // 2:
        dx -= W
    if dy > H // 2:
        dy -= H
    return int(dx), int(dy)


class TestShapesWorld(unittest.TestCase):
    def test_determinism(self):
        for seed in (0, 7, 12345):
            for frames in (1, 17):
                a, b = make_clip(seed, frames), make_clip(seed, frames)
                self.assertEqual(a.video.tobytes(), b.video.tobytes())
                self.assertEqual(a.caption, b.caption)
                self.assertEqual(a.meta, b.meta)
        self.assertNotEqual(make_clip(1).video.tobytes(), make_clip(2).video.tobytes())

    def test_directional_world(self):
        """The emphasis world: one object moving left/right/up/down, its caption says so, and the normal world's
        scenes are unchanged by the option (same rng stream)."""
        from training.data.datasets import WORLDS
        from training.data.shapes_world import DIRECTIONS, MOTION_GERUND, MOTION_VP, make_meta
        seen = set()
        for seed in range(40):
            clip = WORLDS['shapes_directional'](seed, frames=17, size=64)
            (obj,) = clip.meta['objects']
            self.assertIn(obj['motion'], DIRECTIONS)
            phrases = MOTION_VP[obj['motion']] + MOTION_GERUND[obj['motion']]
            self.assertTrue(any(p in clip.caption for p in phrases), clip.caption)
            seen.add(obj['motion'])
            dx, dy = np.subtract(obj['center'][-1], obj['center'][0])
            self.assertEqual(obj['motion'], ('right' if dx > 0 else 'left') if abs(dx) > abs(dy) else
                             ('down' if dy > 0 else 'up'))
        self.assertEqual(seen, set(DIRECTIONS))
        self.assertIn(2, [make_meta(s, 17, 64)[1]['n_objects'] for s in range(40)])  # the default mix still has pairs

    def test_circles_world(self):
        """The circle-emphasis world: one circle per clip (its caption names it), moving in every way a circle can,
        never a held-out colour-shape combination (purple circle) in the train split."""
        from training.data.datasets import WORLDS
        from training.data.shapes_world import SHAPE_WORDS, is_held_out
        motions = set()
        for seed in range(40):
            clip = WORLDS['shapes_circles'](seed, frames=17, size=64)
            (obj,) = clip.meta['objects']
            self.assertEqual(obj['shape'], 'circle')
            self.assertTrue(set(SHAPE_WORDS['circle']) & set(re.findall(r'[a-z]+', clip.caption)), clip.caption)
            self.assertFalse(is_held_out(clip.meta), clip.meta)
            motions.add(obj['motion'])
        self.assertNotIn('spin', motions)
        self.assertGreaterEqual(len(motions), 6)

    def test_scene_render_is_make_clip(self):
        from training.data.shapes_world import render, scene
        for seed, frames in ((4, 17), (9, 1)):
            objs, bg = scene(seed, frames, 64)
            self.assertEqual(render(objs, bg, frames, 64).tobytes(), make_clip(seed, frames, 64).video.tobytes())

    def test_shapes_and_dtypes(self):
        for frames in (1, 17, 33):
            for size in (64, 128):
                c = make_clip(3, frames=frames, size=size)
                self.assertEqual(c.video.shape, (frames, size, size, 3))
                self.assertEqual(c.video.dtype, np.uint8)
                self.assertIsInstance(c.caption, str)
                for o in c.meta['objects']:
                    self.assertEqual(len(o['center']), frames)
                    self.assertEqual(len(o['extent']), frames)
        img = make_clip(5, frames=1)
        self.assertTrue(all(o['motion'] is None for o in img.meta['objects']))

    def test_held_out_never_in_train(self):
        seen = set()
        for seed in range(4000):
            for frames in (17, 1):
                if frames == 1 and seed % 4:
                    continue
                _, meta = make_meta(seed, frames, split='train')
                self.assertFalse(is_held_out(meta), meta)
                for o in meta['objects']:
                    seen.add((o['color'], o['shape']))
        # every color/shape pair that is not held out is reachable
        held_cs = {(c['color'], c['shape']) for c in HELD_OUT_COMBOS if set(c) == {'color', 'shape'}}
        for col in COLORS:
            for shp in shapes_world.SHAPES:
                if (col, shp) not in held_cs:
                    self.assertIn((col, shp), seen)
        self.assertTrue(5 <= len(HELD_OUT_COMBOS) <= 8)

    def test_eval_split_only_held_out(self):
        combos_hit = set()
        for seed in range(600):
            _, meta = make_meta(seed, 17, split='eval')
            self.assertTrue(is_held_out(meta))
            for i, c in enumerate(HELD_OUT_COMBOS):
                if any(all(o.get(k) == v for k, v in c.items()) for o in meta['objects']):
                    combos_hit.add(i)
        self.assertEqual(combos_hit, set(range(len(HELD_OUT_COMBOS))))
        for seed in range(50):
            _, meta = make_meta(seed, 1, split='eval')
            self.assertTrue(is_held_out(meta))

    def test_captions_use_vocabulary(self):
        vocab = set(shapes_world.VOCAB)
        for seed in range(1500):
            for frames in ((17, 1) if seed % 5 == 0 else (17,)):
                for split in ('train', 'eval'):
                    cap, meta = make_meta(seed, frames, split=split)
                    toks = tokenize(cap)
                    self.assertTrue(set(toks) <= vocab, (cap, set(toks) - vocab))
                    # colour, shape and background words appear in the caption
                    self.assertIn(meta['background'], toks)
                    for o in meta['objects']:
                        self.assertIn(o['color'], toks)

    def test_background_differs_from_objects(self):
        for seed in range(2000):
            _, meta = make_meta(seed)
            cols = [o['color'] for o in meta['objects']]
            self.assertNotIn(meta['background'], cols)
            self.assertEqual(len(set(cols)), len(cols))

    def test_rendered_motion_matches_meta(self):
        for motion in ('left', 'right', 'up', 'down'):
            for c in _single_object_clips(motion, 4):
                cen, area = _centroids(_object_mask(c))
                self.assertTrue((area > 100).all(), 'object visible in every frame')
                d = cen[-1] - cen[0]
                axis = 0 if motion in ('left', 'right') else 1
                sign = 1 if motion in ('right', 'down') else -1
                self.assertGreater(sign * d[axis], 12.0, (motion, c.caption, d))
                self.assertLess(abs(d[1 - axis]), 2.0)
                # meta centre agrees with the pixel centroid
                self.assertLess(np.abs(np.asarray(c.meta['objects'][0]['center']) - cen).max(), 3.0)
                # fast clearly faster than slow
                speed = abs(d[axis]) / 16
                if c.meta['objects'][0]['speed'] == 'fast':
                    self.assertGreater(speed, 2.3)
                else:
                    self.assertLess(speed, 1.8)
        for c in _single_object_clips('still', 2):
            self.assertTrue((c.video == c.video[:1]).all())
        for c in _single_object_clips('spin', 3):
            cen, area = _centroids(_object_mask(c))
            self.assertLess(np.abs(cen - cen[0]).max(), 2.0)
            m = _object_mask(c)
            self.assertGreater((m[4] != m[0]).sum(), 20, 'the outline turns')
        for c in _single_object_clips('grow', 3):
            _, area = _centroids(_object_mask(c))
            self.assertGreater(area[-1], 1.2 * area[0])
        for c in _single_object_clips('shrink', 3):
            _, area = _centroids(_object_mask(c))
            self.assertLess(area[-1], area[0] / 1.2)
        for c in _single_object_clips('bounce', 3):
            cen, _ = _centroids(_object_mask(c))
            dy = np.diff(cen[:, 1])
            self.assertTrue((dy > 0.5).any() and (dy < -0.5).any(), 'goes both up and down')
            self.assertGreater(np.ptp(cen[:, 1]), 15)

    def test_objects_large_enough(self):
        for seed in range(300):
            c = make_clip(seed, 1)
            if c.meta['n_objects'] == 1:
                area = _object_mask(c).sum()
                self.assertGreater(area, 24 * 24 * 0.35, c.caption)

    def test_antialiased_edges(self):
        c = make_clip(0)
        bg = np.asarray(PALETTE[c.meta['background']])
        # there are intermediate (blended) pixel values along edges
        vals = {tuple(v) for v in c.video[0].reshape(-1, 3)}
        self.assertGreater(len(vals), 5)
        self.assertIn(tuple(bg), vals)


class TestPhotoClips(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not photo_clips.train_photos() or not photo_clips.eval_photos():
            raise unittest.SkipTest('photo packages not installed')

    def _clips(self, motion, n, split='train', frames=17):
        out, seed = [], 0
        while len(out) < n and seed < 500:
            c = photo_clips.make_camera_clip(seed, frames, split=split)
            if c.meta['motion'] == motion:
                out.append(c)
            seed += 1
        return out

    def test_determinism_and_shapes(self):
        for frames in (1, 17, 33):
            a = photo_clips.make_camera_clip(11, frames)
            b = photo_clips.make_camera_clip(11, frames)
            self.assertEqual(a.video.shape, (frames, 128, 128, 3))
            self.assertEqual(a.video.dtype, np.uint8)
            self.assertEqual(a.video.tobytes(), b.video.tobytes())
            self.assertEqual(a.caption, b.caption)
            self.assertEqual(len(a.meta['window']), frames)
            w = np.asarray(a.meta['window'])
            self.assertTrue((w >= -1e-4).all() and (w <= 1 + 1e-4).all(), 'window inside the photo')

    def test_pan_directions(self):
        expect = {'pan_left': (1, 0), 'pan_right': (-1, 0), 'pan_up': (0, 1), 'pan_down': (0, -1)}
        for motion, (sx, sy) in expect.items():
            for c in self._clips(motion, 3):
                dx, dy = _phase_shift(c.video[0], c.video[8])
                if sx:
                    self.assertGreater(sx * dx, 5, (motion, c.meta['photo'], dx, dy))
                    self.assertLessEqual(abs(dy), 1)
                else:
                    self.assertGreater(sy * dy, 5, (motion, c.meta['photo'], dx, dy))
                    self.assertLessEqual(abs(dx), 1)

    def test_zoom_direction(self):
        for motion in ('zoom_in', 'zoom_out'):
            for c in self._clips(motion, 2):
                w = np.asarray(c.meta['window'])
                side = w[:, 2] - w[:, 0]
                if motion == 'zoom_in':
                    self.assertTrue((np.diff(side) < 0).all())
                else:
                    self.assertTrue((np.diff(side) > 0).all())
                self.assertTrue(side.max() / side.min() > 1.2)

    def test_zoom_world(self):
        """The emphasis world draws zooms only, captioned as such; the normal world's clips are unchanged."""
        from training.data.datasets import WORLDS
        speed_words = {w for ws in (*photo_clips.SPEED_ADV.values(), *photo_clips.SPEED_ADJ.values()) for w in ws}
        seen = set()
        for seed in range(12):
            c = WORLDS['photo_zoom'](seed, frames=17, size=64)
            self.assertIn(c.meta['motion'], photo_clips.ZOOMS)
            plain = ' '.join(w for w in c.caption.replace(',', ' ,').split() if w not in speed_words)
            self.assertTrue(any(p in plain for p in photo_clips.CAM_SENTENCE[c.meta['motion']]
                                + photo_clips.CAM_GERUND[c.meta['motion']]), c.caption)
            seen.add(c.meta['motion'])
        self.assertEqual(seen, set(photo_clips.ZOOMS))
        caps = [WORLDS['photo'](s, frames=17, size=64).caption for s in range(30)]
        # the captions of the normal world before the option existed (they fix its rng stream)
        self.assertEqual(hashlib.sha256('\n'.join(caps).encode()).hexdigest()[:16], 'd38a35809c085ee2')

    def test_held_out_photos(self):
        held = set(photo_clips.HELD_OUT_PHOTOS)
        self.assertGreaterEqual(len(held), 4)
        for seed in range(400):
            c = photo_clips.make_camera_clip(seed, 1, size=32, split='train')
            self.assertNotIn(c.meta['photo'], held)
        for seed in range(40):
            c = photo_clips.make_camera_clip(seed, 1, size=32, split='eval')
            self.assertIn(c.meta['photo'], held)

    def test_captions_use_vocabulary(self):
        vocab = set(photo_clips.VOCAB)
        for seed in range(300):
            for frames in (17, 1):
                c = photo_clips.make_camera_clip(seed, frames, size=32)
                self.assertTrue(set(tokenize(c.caption)) <= vocab, c.caption)


class TestPortablePhotoCache(unittest.TestCase):
    def test_cache_replaces_the_installed_photos(self):
        """A machine without the Debian photo packages trains on a saved cache and renders the same clips."""
        import subprocess
        import sys
        import tempfile
        if len(photo_clips.train_photos()) < 2:
            self.skipTest('photo packages not installed')
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, 'p.npz')
            self.assertEqual(photo_clips.save_cache(out, [32, 16]), len(photo_clips.train_photos()))
            refs = [photo_clips.make_camera_clip(5, frames=3, size=z, split='train').video for z in (32, 16)]
            script = ("import os, sys, numpy as np; real = os.path.exists\n"
                      "os.path.exists = lambda p: False if str(p).startswith(('/usr/share', '/usr/lib')) else real(p)\n"
                      "from training.data import photo_clips as P\n"
                      "np.save(sys.argv[1], P.make_camera_clip(5, frames=3, size=32, split='train').video)\n"
                      "np.save(sys.argv[2], P.make_camera_clip(5, frames=3, size=16, split='train').video)\n"
                      "print(len(P.train_photos()), len(P.eval_photos()))")
            vids = [os.path.join(d, 'v32.npy'), os.path.join(d, 'v16.npy')]
            r = subprocess.run([sys.executable, '-c', script, *vids], capture_output=True,
                               text=True, env=dict(os.environ, OSP_PHOTO_CACHE=out), cwd=os.getcwd())
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.split(), [str(len(photo_clips.train_photos())), '0'])
            for v, ref in zip(vids, refs):  # both cached sizes render byte-identical clips
                np.testing.assert_array_equal(np.load(v), ref)


class TestRealVideo(unittest.TestCase):
    def test_real_eval_clips(self):
        from training.data import real_video
        if not any(os.path.exists(v.path) for v in real_video.REAL_VIDEOS):
            self.skipTest('no real video installed')
        clips = real_video.real_eval_clips(size=64, frames=17)
        self.assertGreaterEqual(len(clips), 10)
        for c in clips:
            self.assertEqual(c.video.shape, (17, 64, 64, 3))
            self.assertEqual(c.video.dtype, np.uint8)
            self.assertIn('start_frame', c.meta)
            self.assertGreater(c.video.std(), 5)
        again = real_video.real_eval_clips(size=64, frames=17)
        self.assertEqual([c.video.tobytes() for c in clips], [c.video.tobytes() for c in again])


class TestVocab(unittest.TestCase):
    def test_combined_vocab(self):
        from training.data.vocab import VOCAB
        self.assertEqual(list(VOCAB), sorted(set(VOCAB)))
        self.assertTrue(set(shapes_world.VOCAB) <= set(VOCAB))
        self.assertTrue(set(photo_clips.VOCAB) <= set(VOCAB))


class TestDatasets(unittest.TestCase):
    def test_batches(self):
        import torch
        from training.data.datasets import MixedBatchDataset, MixedVideoDataset
        ds = MixedBatchDataset(batch_size=3, frame_choices={17: 0.5, 1: 0.5}, size=64, seed=1,
                               image_batch_size=5)
        it = iter(ds)
        seen_t = set()
        for _ in range(6):
            b = next(it)
            v = b['video']
            T = v.shape[2]
            seen_t.add(T)
            self.assertEqual(v.dtype, torch.float32)
            self.assertEqual(tuple(v.shape), (5 if T == 1 else 3, 3, T, 64, 64))
            self.assertGreaterEqual(float(v.min()), -1.0)
            self.assertLessEqual(float(v.max()), 1.0)
            self.assertEqual(len(b['caption']), v.shape[0])
        self.assertEqual(seen_t, {1, 17})
        # determinism
        b1 = next(iter(MixedBatchDataset(2, {17: 1.0}, size=32, seed=5)))
        b2 = next(iter(MixedBatchDataset(2, {17: 1.0}, size=32, seed=5)))
        self.assertTrue(torch.equal(b1['video'], b2['video']))
        # crop
        s = next(iter(MixedVideoDataset(frames=9, size=128, crop=64, seed=2)))
        self.assertEqual(tuple(s['video'].shape), (3, 9, 64, 64))

    def test_mixing_weights(self):
        from training.data.datasets import MixedVideoDataset
        it = iter(MixedVideoDataset(frames=1, size=32, seed=3))
        worlds = [next(it)['world'] for _ in range(300)]
        frac = worlds.count('shapes') / len(worlds)
        self.assertTrue(0.5 < frac < 0.7, frac)
        it = iter(MixedVideoDataset(frames=1, size=32, seed=3, weights={'shapes': 1.0}))
        self.assertTrue(all(next(it)['world'] == 'shapes' for _ in range(20)))

    def test_video_to_tensor_range(self):
        from training.data.datasets import tensor_to_video, video_to_tensor
        c = make_clip(4)
        x = video_to_tensor(c.video)
        self.assertEqual(tuple(x.shape), (3, 17, 128, 128))
        self.assertAlmostEqual(float(video_to_tensor(np.zeros((1, 1, 1, 3), np.uint8)).min()), -1.0)
        self.assertAlmostEqual(float(video_to_tensor(np.full((1, 1, 1, 3), 255, np.uint8)).max()), 1.0)
        self.assertTrue(np.array_equal(tensor_to_video(x), c.video))


if __name__ == '__main__':
    unittest.main()
