"""Scorers (training/scorers.py) validated on ground-truth clips of the data worlds, plus negative cases.

Run: /usr/bin/python3 -m unittest training.tests.test_scorers   (~15 s)
"""
from __future__ import annotations

import collections
import json
import os
import tempfile
import unittest

import numpy as np
import torch

from training import scorers as S
from training.data import photo_clips
from training.data.shapes_world import MOTIONS, PALETTE, make_clip

# (size, split, number of clips): 64² is the DiT's training size, 128² the data world's native size
SHAPE_SETS = [(64, 'eval', 32), (64, 'train', 24), (128, 'eval', 6), (128, 'train', 6)]


def _clips(size, split, n, start=0):
    return [make_clip(s, 17, size, split) for s in range(start, start + n)]


class TestShapeScorers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.results = []                       # (clip, score)
        for size, split, n in SHAPE_SETS:
            for c in _clips(size, split, n):
                cls.results.append((c, S.score_shapes(c.video, S.objects_from_meta(c.meta), c.meta['background'])))

    def _acc(self, key):
        vals = [o[key] for _, r in self.results for o in r['objects']]
        return float(np.mean(vals)), len(vals)

    def test_background(self):
        self.assertEqual(np.mean([r['background'] for _, r in self.results]), 1.0)

    def test_color_accuracy(self):
        acc, n = self._acc('color_ok')
        self.assertGreaterEqual(acc, 0.98, n)

    def test_shape_accuracy(self):
        acc, n = self._acc('shape_ok')
        self.assertGreaterEqual(acc, 0.95, n)
        per = collections.defaultdict(list)
        for _, r in self.results:
            for o in r['objects']:
                per[o['shape_prompt']].append(o['shape_ok'])
        self.assertEqual(set(per), {'circle', 'square', 'triangle', 'star'})
        for s, v in per.items():
            self.assertGreaterEqual(np.mean(v), 0.9, s)

    def test_motion_accuracy(self):
        acc, n = self._acc('motion_ok')
        self.assertGreaterEqual(acc, 0.95, n)
        per = collections.defaultdict(list)
        for _, r in self.results:
            for o in r['objects']:
                per[o['motion_prompt']].append(o['motion_ok'])
        self.assertEqual(set(per), set(MOTIONS), 'every motion type is covered')
        for m, v in per.items():
            self.assertGreaterEqual(np.mean(v), 0.9, m)
        self.assertGreaterEqual(self._acc('speed_ok')[0], 0.9)

    def test_two_object_accuracy(self):
        two = [r['all_ok'] for c, r in self.results if c.meta['n_objects'] == 2]
        self.assertGreaterEqual(len(two), 20)
        self.assertGreaterEqual(np.mean(two), 0.95)

    def test_spin_direction_and_circles(self):
        spins = [(c.meta['objects'][i], o) for c, r in self.results for i, o in enumerate(r['objects'])
                 if o['motion_prompt'] == 'spin']
        self.assertGreaterEqual(len(spins), 3)
        for meta_o, o in spins:
            # measured rotation has the sign of spin_dir (+1 clockwise in image coordinates)
            self.assertGreater(o['motion_features']['rotation'] * meta_o['spin_dir'], 0, meta_o)
        still_circles = [o for _, r in self.results for o in r['objects']
                         if o['shape_prompt'] == 'circle' and o['motion_prompt'] == 'still']
        for o in still_circles:
            self.assertEqual(o['motion_detected'], 'still')

    def test_images(self):
        for seed in range(10):
            c = make_clip(seed, 1, 64, 'eval')
            r = S.score_shapes(c.video, S.objects_from_meta(c.meta), c.meta['background'])
            self.assertTrue(r['all_ok'], (c.caption, r))


class TestShapeNegatives(unittest.TestCase):
    """A wrong prompt must score wrong."""

    @classmethod
    def setUpClass(cls):
        cls.clips = [c for c in _clips(64, 'eval', 24) if c.meta['n_objects'] == 1]
        cls.seg = {id(c): S.blobs(c.video) for c in cls.clips}

    def _score(self, c, **change):
        o = dict(S.objects_from_meta(c.meta)[0], **change)
        bg_name, _, fb = self.seg[id(c)]
        return S.score_blobs(bg_name, fb, c.video.shape[1], [o], c.meta['background'])

    def test_wrong_color(self):
        for c in self.clips:
            o = c.meta['objects'][0]
            wrong = next(k for k in PALETTE if k not in (o['color'], c.meta['background']))
            self.assertFalse(self._score(c, color=wrong)['objects'][0]['color_ok'])

    def test_wrong_background(self):
        for c in self.clips:
            wrong = next(k for k in PALETTE if k not in (c.meta['objects'][0]['color'], c.meta['background']))
            bg_name, _, fb = self.seg[id(c)]
            r = S.score_blobs(bg_name, fb, 64, S.objects_from_meta(c.meta), wrong)
            self.assertFalse(r['background'])
            self.assertFalse(r['all_ok'])

    def test_wrong_shape(self):
        for c in self.clips:
            o = c.meta['objects'][0]
            for wrong in ('circle', 'square', 'triangle', 'star'):
                if wrong != o['shape']:
                    self.assertFalse(self._score(c, shape=wrong)['objects'][0]['shape_ok'], (c.caption, wrong))

    def test_wrong_motion(self):
        opposite = {'left': 'right', 'right': 'left', 'up': 'down', 'down': 'up', 'grow': 'shrink',
                    'shrink': 'grow', 'still': 'spin', 'spin': 'still', 'bounce': 'still'}
        for c in self.clips:
            o = c.meta['objects'][0]
            r = self._score(c, motion=opposite[o['motion']])['objects'][0]
            self.assertFalse(r['motion_ok'], (c.caption, r['motion_detected']))

    def test_time_reversed(self):
        flip = {'left': 'right', 'right': 'left', 'up': 'down', 'down': 'up', 'grow': 'shrink', 'shrink': 'grow'}
        n = 0
        for c in self.clips:
            o = c.meta['objects'][0]
            if o['motion'] in flip:
                r = S.score_shapes(c.video[::-1], S.objects_from_meta(c.meta), c.meta['background'])['objects'][0]
                self.assertEqual(r['motion_detected'], flip[o['motion']], c.caption)
                n += 1
        self.assertGreaterEqual(n, 3)

    def test_empty_video(self):
        c = self.clips[0]
        blank = np.empty_like(c.video)
        blank[...] = PALETTE[c.meta['background']]
        r = S.score_shapes(blank, S.objects_from_meta(c.meta), c.meta['background'])
        self.assertTrue(r['background'])
        self.assertFalse(r['objects'][0]['color_ok'])
        self.assertFalse(r['all_ok'])

    def test_frozen_video_is_still(self):
        for c in self.clips:
            o = c.meta['objects'][0]
            frozen = np.repeat(c.video[:1], len(c.video), 0)
            r = S.score_shapes(frozen, S.objects_from_meta(c.meta), c.meta['background'])['objects'][0]
            self.assertEqual(r['motion_detected'], 'still')
            self.assertEqual(r['motion_ok'], o['motion'] == 'still')


class TestCameraScorers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not photo_clips.eval_photos():
            raise unittest.SkipTest('photo packages not installed')
        cls.clips = [photo_clips.make_camera_clip(s, 17, 64, 'eval') for s in range(32)] + \
                    [photo_clips.make_camera_clip(s, 17, 128, 'train') for s in range(6)]

    def test_accuracy(self):
        got = [S.camera_motion(c.video)[:2] for c in self.clips]
        motion = np.mean([g[0] == c.meta['motion'] for g, c in zip(got, self.clips)])
        speed = np.mean([g == (c.meta['motion'], c.meta['speed']) for g, c in zip(got, self.clips)])
        self.assertGreaterEqual(motion, 0.95)
        self.assertGreaterEqual(speed, 0.9)
        self.assertEqual({c.meta['motion'] for c in self.clips}, set(photo_clips.CAMERA_MOTIONS))

    def test_reversed_and_frozen(self):
        flip = {'pan_left': 'pan_right', 'pan_right': 'pan_left', 'pan_up': 'pan_down', 'pan_down': 'pan_up',
                'zoom_in': 'zoom_out', 'zoom_out': 'zoom_in', 'still': 'still'}
        for c in self.clips[:14]:
            self.assertEqual(S.camera_motion(c.video[::-1])[0], flip[c.meta['motion']], c.caption)
            self.assertEqual(S.camera_motion(np.repeat(c.video[:1], 17, 0))[0], 'still')

    def test_pan_left_means_content_moves_right(self):
        c = next(c for c in self.clips if c.meta['motion'] == 'pan_left')
        f = S.camera_features(c.video)
        self.assertGreater(f['tx'], 0)

    def test_psnr(self):
        a = self.clips[0].video[0]
        self.assertEqual(S.psnr(a, a), float('inf'))
        noisy = np.clip(a.astype(int) + np.random.default_rng(0).integers(-8, 9, a.shape), 0, 255).astype(np.uint8)
        self.assertTrue(25 < S.psnr(a, noisy) < 35)
        self.assertLess(S.psnr(a, self.clips[1].video[0]), 20)


class TestEvalAggregation(unittest.TestCase):
    """training/eval_dit.py's prompt set and aggregation, on ground-truth clips (no model needed)."""

    def test_ground_truth_scores_full_marks(self):
        from training import eval_dit as E
        prompts = E.t2v_prompts(10, 4)
        self.assertEqual([p['split'] for p in prompts].count('train'), 4)
        self.assertTrue(all(any(o['combos'] for o in p['objects']) for p in prompts if p['split'] == 'eval'))
        self.assertFalse(any(o['combos'] for p in prompts if p['split'] == 'train' for o in p['objects']))
        scores = [E.score_t2v(make_clip(p['clip_seed'], 17, 64, p['split']).video, p) for p in prompts]
        agg = E.aggregate_t2v(prompts, scores)
        self.assertEqual(E.headline(agg), {'color': 1.0, 'shape': 1.0, 'motion': 1.0, 'two_object': 1.0})
        self.assertEqual(agg['objects_held_out']['all']['acc'], 1.0)
        # a clip rendered for another prompt scores below full marks
        wrong = [E.score_t2v(make_clip(p['clip_seed'] + 1, 17, 64, p['split']).video, p) for p in prompts]
        h = E.headline(E.aggregate_t2v(prompts, wrong))
        self.assertLess(max(h.values()), 0.7, h)

    def test_images(self):
        from training import eval_dit as E
        prompts = E.t2v_prompts(6, 2, frames=1)
        scores = [E.score_t2v(make_clip(p['clip_seed'], 1, 64, p['split']).video, p) for p in prompts]
        self.assertEqual(E.headline(E.aggregate_t2v(prompts, scores)),
                         {'color': 1.0, 'shape': 1.0, 'motion': None, 'two_object': 1.0})

    def test_i2v_only_run(self):
        """--i2v-only writes the image-to-video aggregate and one sample per held-out clip (random DiT: plumbing)."""
        from training import eval_dit as E
        from training.data import photo_clips
        if not photo_clips.eval_photos():
            self.skipTest('photo packages not installed')
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, 'i2v.json')
            res = E.main(['--random', '--i2v-only', '--n-i2v', '2', '--steps', '2', '--out', out])
            with open(out) as f:
                saved = json.load(f)
        self.assertEqual(saved['i2v']['camera_motion']['n'], 2)
        self.assertEqual([s['clip_seed'] for s in saved['i2v_samples']], [0, 1])
        self.assertNotIn('t2v', saved)
        self.assertEqual(res['i2v']['checkpoint'], 'random init')

    def test_transition_condition_keeps_the_last_frame(self):
        """--transition: the condition also keeps the last frame; the causal VAE leaves the first latent frame as in
        image-to-video."""
        from training import eval_dit as E
        from training.train_dit import load_vae
        vae, _ = load_vae('', allow_random=True)
        rng = np.random.default_rng(0)
        first, last = (rng.integers(0, 256, (E.SIZE, E.SIZE, 3), dtype=np.uint8) for _ in range(2))
        cl1, cm1 = E.i2v_condition(vae, first)
        cl2, cm2 = E.i2v_condition(vae, first, last=last)
        self.assertTrue(torch.equal(cm1[:, :, :-1], cm2[:, :, :-1]))
        self.assertFalse(torch.equal(cm1[:, :, -1], cm2[:, :, -1]))
        self.assertTrue(torch.allclose(cl1[:, :, 0], cl2[:, :, 0], atol=1e-6))
        self.assertFalse(torch.allclose(cl1[:, :, -1], cl2[:, :, -1]))


if __name__ == '__main__':
    unittest.main()
