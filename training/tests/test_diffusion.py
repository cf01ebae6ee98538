"""Diffusion schedule, v-prediction, min-SNR, Euler-ancestral sampler and the shared sampler vectors.

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
"""
import json
import math
import os
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training import diffusion as D
from training.prng import gaussian_noise

torch.set_num_threads(2)
VECTORS = os.path.join(os.path.dirname(__file__), "..", "fixtures", "sampler", "vectors.json")


class TestSchedule(unittest.TestCase):
    def test_zero_terminal_snr(self):
        a = D.TRAIN_ALPHAS_CUMPROD
        self.assertEqual(a.dtype, np.float64)
        self.assertEqual(len(a), 1000)
        self.assertEqual(a[-1], 0.0)
        self.assertAlmostEqual(a[0], 1 - 1e-4, places=12)  # rescaling keeps sqrt(ᾱ_0)
        self.assertTrue(np.all(np.diff(a) < 0))
        self.assertEqual(D.SAMPLER_ALPHAS_CUMPROD[-1], 2.0 ** -24)
        np.testing.assert_array_equal(D.SAMPLER_ALPHAS_CUMPROD[:-1], a[:-1])
        self.assertAlmostEqual(D.SIGMA_TABLE[999], math.sqrt((1 - 2 ** -24) / 2 ** -24), places=9)
        self.assertTrue(np.all(np.isfinite(D.SIGMA_TABLE)))

    def test_trailing_timesteps(self):
        self.assertEqual(list(D.trailing_timesteps(1)), [999])
        self.assertEqual(list(D.trailing_timesteps(2)), [999, 499])
        ts = D.trailing_timesteps(50)
        self.assertEqual(list(ts), list(range(999, 0, -20)))
        self.assertEqual(list(D.trailing_timesteps(10)), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99])
        self.assertEqual(list(D.trailing_timesteps(16))[:4], [999, 937, 874, 811])  # 812.5 -> 812 (half to even)
        for s in (3, 7, 25, 30, 77, 1000):
            ts = D.trailing_timesteps(s)
            self.assertEqual(len(ts), s)
            self.assertTrue(np.all(np.diff(ts) < 0))
            self.assertEqual(ts[0], 999)

    def test_sampler_schedule(self):
        s = D.sampler_schedule(10)
        self.assertEqual(len(s.sigmas), 11)
        self.assertEqual(s.sigmas[-1], 0.0)
        self.assertEqual(s.init_noise_sigma, s.sigmas[0])
        self.assertEqual(s.sigmas[0], D.SIGMA_TABLE[999])


class TestTraining(unittest.TestCase):
    def test_v_target_identities(self):
        g = torch.Generator().manual_seed(0)
        x0 = torch.randn(6, 8, 3, 4, 4, generator=g, dtype=torch.float64)
        eps = torch.randn(6, 8, 3, 4, 4, generator=g, dtype=torch.float64)
        t = torch.tensor([0, 1, 250, 500, 998, 999])
        xt = D.q_sample(x0, eps, t)
        v = D.v_target(x0, eps, t)
        a = torch.as_tensor(D.TRAIN_ALPHAS_CUMPROD)[t].reshape(-1, 1, 1, 1, 1)
        torch.testing.assert_close(a.sqrt() * xt - (1 - a).sqrt() * v, x0)
        torch.testing.assert_close((1 - a).sqrt() * xt + a.sqrt() * v, eps)
        torch.testing.assert_close(xt[-1], eps[-1])  # t = 999 is pure noise
        torch.testing.assert_close(v[-1], -x0[-1])

    def test_min_snr_weight(self):
        w = D.min_snr_weight_v(np.arange(1000))
        self.assertEqual(w[999], 0.0)
        s = D.snr(np.arange(1000))
        np.testing.assert_allclose(w, np.minimum(s, 5) / (s + 1))
        self.assertAlmostEqual(w[0], 5 / (s[0] + 1))
        # below SNR 5 the weight equals SNR/(SNR+1) = ᾱ
        hi = s < 5
        np.testing.assert_allclose(w[hi], D.TRAIN_ALPHAS_CUMPROD[hi], rtol=1e-12)
        self.assertLessEqual(w.max(), 5 / 6 + 1e-12)

    def test_v_loss(self):
        v = torch.randn(3, 8, 1, 4, 4)
        t = torch.tensor([10, 500, 999])
        self.assertEqual(float(D.v_loss(v, v, t)), 0.0)
        l = D.v_loss(v + 1, v, t)
        self.assertAlmostEqual(float(l), float(D.loss_weights(t).mean()), places=6)

    def test_weight_floor(self):
        t = torch.tensor([10, 500, 999])
        w0, w = D.loss_weights(t), D.loss_weights(t, floor=0.05)
        self.assertEqual(float(w0[2]), 0.0)                      # upstream: nothing learned at zero SNR
        self.assertAlmostEqual(float(w[2]), 0.05, places=7)
        self.assertEqual(float(w[0]), float(w0[0]))              # low noise untouched (5/(SNR+1) < floor there)
        v = torch.randn(3, 8, 1, 4, 4)
        self.assertAlmostEqual(float(D.v_loss(v + 1, v, t, floor=0.05)), float(w.mean()), places=6)

    def test_stratified_timesteps(self):
        g = torch.Generator().manual_seed(0)
        for world in (1, 2, 4):
            for r in range(world):
                t = D.stratified_timesteps(4000, r, world, g)
                self.assertGreaterEqual(int(t.min()), max(0, r * 1000 // world - 1))
                self.assertLessEqual(int(t.max()), (r + 1) * 1000 // world)
                self.assertEqual(int(t.min()), r * 1000 // world)
        t = D.stratified_timesteps(20000, 0, 1, g)
        self.assertEqual(int(t.min()), 0)
        self.assertEqual(int(t.max()), 999)


class TestSampler(unittest.TestCase):
    def test_x0_prediction_is_exact_for_true_v(self):
        rng = np.random.default_rng(0)
        x0, eps = rng.standard_normal(32), rng.standard_normal(32)
        for t in (0, 300, 999):
            sigma = D.SIGMA_TABLE[t]
            x = x0 + sigma * eps  # Euler (variance-exploding) parametrisation
            a = D.SAMPLER_ALPHAS_CUMPROD[t]
            v = math.sqrt(a) * eps - math.sqrt(1 - a) * x0
            np.testing.assert_allclose(D.scale_model_input(x, sigma), math.sqrt(a) * x0 + math.sqrt(1 - a) * eps,
                                       atol=1e-9 * max(1, sigma))
            xn = D.euler_ancestral_step(x, v, sigma, 0.0, None)  # last step: x -> x̂0
            np.testing.assert_allclose(xn, x0, atol=1e-8 * max(1, sigma))

    def test_ancestral_variance(self):
        # σ_down² + σ_up² = σ_next²
        s = D.sampler_schedule(10).sigmas
        for i in range(10):
            a, b = s[i], s[i + 1]
            up = math.sqrt(b * b * (a * a - b * b) / (a * a))
            self.assertAlmostEqual((b * b - up * up) + up * up, b * b)

    def test_torch_state_matches_numpy(self):
        shape = (1, 8, 2, 4, 4)
        ref = D.sample(D.fake_model_linear, 7, shape, 5)
        tt = D.sample(lambda x, t: 0.3 * x + 0.01 * t / 1000, 7, shape, 5,
                      to_array=lambda a: torch.as_tensor(a, dtype=torch.float64))
        np.testing.assert_allclose(tt.numpy(), ref, rtol=1e-12, atol=1e-12)

    def test_noise_streams(self):
        shape = (1, 8, 2, 4, 4)
        s = D.sampler_schedule(3)
        x = D.initial_latent(5, shape, s)
        np.testing.assert_array_equal(x.reshape(-1), gaussian_noise(5, 0, 256).astype(np.float64) * s.sigmas[0])
        np.testing.assert_array_equal(D.step_noise(5, 2, shape).reshape(-1), gaussian_noise(5, 3, 256))


class TestVectors(unittest.TestCase):
    def test_vectors_file_is_current(self):
        with open(VECTORS) as f:
            stored = json.load(f)
        fresh = json.loads(json.dumps(D.build_sampler_vectors()))
        self.assertEqual(stored.keys(), fresh.keys())
        for s in ("1", "2", "10", "50"):
            self.assertIn(s, stored["schedules"])
        self.assertEqual(stored["schedules"], fresh["schedules"])
        for name in ("linear", "cfg"):
            a, b = stored["trajectories"][name], fresh["trajectories"][name]
            self.assertEqual(len(a["x_after_step"]), 10)
            np.testing.assert_allclose(a["initial_x"], b["initial_x"], rtol=1e-15)
            np.testing.assert_allclose(a["x_after_step"], b["x_after_step"], rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(a["final_x"], a["x_after_step"][-1], rtol=0, atol=0)

    def test_manual_first_step(self):
        with open(VECTORS) as f:
            v = json.load(f)
        tr = v["trajectories"]["cfg"]
        sched = v["schedules"]["10"]
        x = np.array(tr["initial_x"]).reshape(tr["shape"])
        s0, s1 = sched["sigmas"][0], sched["sigmas"][1]
        xin = x / math.sqrt(s0 * s0 + 1)
        t = sched["timesteps"][0]
        vu = 0.3 * xin + 0.01 * t / 1000
        c = np.arange(8).reshape(1, 8, 1, 1, 1)
        vc = 0.25 * xin + 0.02 * (c - 3.5)
        vv = vu + 4.5 * (vc - vu)
        x0 = vv * (-s0 / math.sqrt(s0 * s0 + 1)) + x / (s0 * s0 + 1)
        up = math.sqrt(s1 * s1 * (s0 * s0 - s1 * s1) / (s0 * s0))
        down = math.sqrt(s1 * s1 - up * up)
        xn = x + (x - x0) / s0 * (down - s0) + gaussian_noise(1234, 1, x.size).astype(np.float64).reshape(x.shape) * up
        np.testing.assert_allclose(xn.reshape(-1), tr["x_after_step"][0], rtol=1e-9, atol=1e-9)


if __name__ == "__main__":
    unittest.main()
