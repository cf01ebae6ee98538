"""Inpainting masks: six types, curriculum, masked video, condition noise, MaskCompressor.

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
"""
import math
import unittest

import numpy as np
import torch

from training import masks as M


class TestMasks(unittest.TestCase):
    def test_types(self):
        rng = np.random.default_rng(0)
        t = 17
        self.assertEqual(M.make_mask("t2iv", t, 8, 8).sum(), t * 64)
        self.assertEqual(M.make_mask("clear", t, 8, 8).sum(), 0)
        m = M.make_mask("i2v", t, 8, 8)
        self.assertEqual(m[0].sum(), 0)
        self.assertEqual(m[1:].min(), 1)
        m = M.make_mask("transition", t, 8, 8)
        self.assertEqual(m[:, 0, 0, 0].tolist(), [0] + [1] * 15 + [0])
        for _ in range(50):
            m = M.make_mask("continuation", t, 4, 4, rng, 0.5, 1.0)
            f = m[:, 0, 0, 0]
            n = int((f == 0).sum())
            self.assertTrue(8 <= n <= 16)
            self.assertTrue(torch.all(f[:n] == 0) and torch.all(f[n:] == 1))
            m = M.make_mask("random_temporal", t, 4, 4, rng, 0.25, 1.0)
            n = int((m[:, 0, 0, 0] == 0).sum())
            self.assertTrue(4 <= n <= 16)
        self.assertEqual(M.kept_frames("random_temporal", 9, indices=[0, 4, -1]), [0, 4, 8])

    def test_curriculum(self):
        c0 = M.curriculum(0.0)
        self.assertEqual(c0["min_clear_ratio"], 0.5)
        self.assertAlmostEqual(c0["ratios"]["continuation"], 0.4)
        self.assertEqual(c0["ratios"]["i2v"], 0.0)
        for p in np.linspace(0, 1, 41):
            c = M.curriculum(p)
            self.assertAlmostEqual(sum(c["ratios"].values()), 1.0)
            self.assertGreaterEqual(c["ratios"]["t2iv"], 0.05)  # ≥ 5 % T2V at every stage
        c = M.curriculum(0.8)
        self.assertAlmostEqual(c["ratios"]["i2v"], 0.4)
        self.assertAlmostEqual(c["ratios"]["transition"], 0.4)
        self.assertTrue(M.curriculum(1.0)["condition_noise"])
        self.assertFalse(M.curriculum(0.5)["condition_noise"])
        stages = [M.curriculum(p)["stage"] for p in np.linspace(0, 1, 200)]
        self.assertEqual(stages, sorted(stages))
        self.assertEqual(len(set(stages)), len(M.CURRICULUM))

    def test_sample_masks(self):
        rng = np.random.default_rng(1)
        m, kinds, cur = M.sample_masks(rng, 400, 9, 16, 16, 0.0)
        self.assertEqual(tuple(m.shape), (400, 1, 9, 16, 16))
        frac = kinds.count("random_temporal") / 400
        self.assertTrue(0.3 < frac < 0.5)
        self.assertNotIn("i2v", kinds)

    def test_masked_video_and_noise(self):
        v = torch.rand(2, 3, 5, 8, 8) * 2 - 1
        m = torch.stack([M.make_mask("i2v", 5, 8, 8), M.make_mask("t2iv", 5, 8, 8)]).permute(0, 2, 1, 3, 4)
        mv = M.masked_video(v, m)
        self.assertTrue(torch.equal(mv[0, :, 0], v[0, :, 0]))
        self.assertEqual(float(mv[0, :, 1:].abs().sum()), 0.0)
        self.assertEqual(float(mv[1].abs().sum()), 0.0)
        nv = M.masked_video(M.add_condition_noise(v, m, [0.1, 0.1], torch.Generator().manual_seed(0)), m)
        self.assertGreater(float((nv[0, :, 0] - v[0, :, 0]).abs().max()), 0.0)
        self.assertEqual(float(nv[0, :, 1:].abs().sum()), 0.0)  # noise only on kept pixels
        s = M.condition_sigma(np.random.default_rng(0), 20000)
        self.assertAlmostEqual((s == 0).mean(), 0.05, delta=0.01)
        self.assertAlmostEqual(float(np.median(s[s > 0])), math.exp(-3), delta=0.003)
        self.assertAlmostEqual(float(np.log(s[s > 0]).std()), 0.5, delta=0.02)
        self.assertAlmostEqual(M.inference_sigma(np.random.default_rng(0), 0.1), 0.1, delta=0.005)

    def test_compress(self):
        t, h, w = 9, 32, 16
        m = torch.ones(2, 1, t, h, w)
        m[0, 0, 0] = 0  # i2v
        m[1, 0, 5] = 0
        c = M.compress_mask(m)
        self.assertEqual(tuple(c.shape), (2, 4, 3, 4, 2))
        self.assertEqual(c[0, :, 0].sum(), 0)  # frame 0 replicated into all 4 channels of latent frame 0
        self.assertEqual(c[0, :, 1:].min(), 1)
        # replicated sequence: [f0, f0, f0, f0, f1..f8] -> latent frame j channel c = frame 4j + c - 3
        f = (4 * torch.arange(3)[None, :] + torch.arange(4)[:, None] - 3).clamp_min(0)
        zero = (f == 5)
        self.assertTrue(torch.equal(c[1, :, :, 0, 0] == 0, zero))
        # spatial: bilinear resize of a half-kept frame
        m = torch.ones(1, 1, 1, 16, 16)
        m[..., :, :8] = 0
        c = M.compress_mask(m)
        self.assertEqual(tuple(c.shape), (1, 4, 1, 2, 2))
        self.assertEqual(c[0, 0, 0].tolist(), [[0.0, 1.0], [0.0, 1.0]])

    def test_modes(self):
        self.assertEqual(M.condition_mode(1), "i2v")
        self.assertEqual(M.condition_mode(2), "transition")
        self.assertEqual(M.condition_mode(0, 17), "continuation")
        self.assertEqual(M.condition_mode(), "t2iv")


if __name__ == "__main__":
    unittest.main()
