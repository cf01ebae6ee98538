"""train_dit: adaptive gradient clipping (v1.3 / v1.5), EMA, text dropout, resume, 2-process gloo run.

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
"""
import math
import os
import tempfile
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training import train_dit as TD
from training.tokenizer import GENERIC_CAPTION

torch.set_num_threads(2)
TINY = ["--layers", "4", "--heads", "2", "--head_dim", "12", "--text_width", "24", "--text_layers", "1",
        "--size", "32", "--frames", "5", "--bs_video", "2", "--bs_image", "2", "--vae", "random", "--log_every", "1",
        "--weights", '{"shapes": 1}']


class TestClip(unittest.TestCase):
    def test_v13(self):
        c = TD.AdaptiveClipV13(alpha=0.99)
        self.assertEqual(c.decide([1.0, 2.0]), [True, True])  # first step: statistics only
        self.assertEqual((c.ema, c.var), (2.0, 2.0))
        tau = 2.0 + 3 * math.sqrt(2.0)
        self.assertEqual(c.decide([1.0, tau + 0.1]), [True, False])
        ema = 0.99 * 2.0 + 0.01 * 1.0  # max over survivors
        self.assertAlmostEqual(c.ema, ema)
        self.assertAlmostEqual(c.var, 0.99 * 2.0 + 0.01 * (1.0 - ema) ** 2)
        self.assertEqual(c.decide([float("nan"), 1.0]), [False, True])
        before = (c.ema, c.var)
        self.assertEqual(c.decide([100.0, float("inf"), 1.0]), [False, False, True])
        self.assertEqual((c.ema, c.var), before)  # ≥ 2 dropped: no statistics update

    def test_v15(self):
        c = TD.AdaptiveClipV15(alpha=0.99)
        self.assertEqual(c.clip_coef(4.0), 1.0)
        tau = 4.0 + 3 * 2.0
        self.assertAlmostEqual(c.clip_coef(20.0), tau / 20.0)
        self.assertEqual((c.ema, c.var), (4.0, 4.0))  # not updated on a clipped step
        self.assertEqual(c.clip_coef(3.0), 1.0)
        self.assertAlmostEqual(c.ema, 0.99 * 4 + 0.01 * 3)
        self.assertEqual(c.clip_coef(float("nan")), 0.0)

    def test_ema_and_text_drop(self):
        m = torch.nn.Linear(2, 2)
        e = TD.EMA(m, 0.5)
        w0 = m.weight.detach().clone()
        with torch.no_grad():
            m.weight.add_(2.0)
        e.update(m)
        torch.testing.assert_close(e.shadow["weight"], w0 + 1.0)
        rng = np.random.default_rng(0)
        caps = TD.drop_text(["x"] * 20000, rng, 0.1, inpaint=True)
        self.assertAlmostEqual(caps.count("") / 20000, 0.05, delta=0.01)
        self.assertAlmostEqual(caps.count(GENERIC_CAPTION) / 20000, 0.05, delta=0.01)
        self.assertNotIn(GENERIC_CAPTION, TD.drop_text(["x"] * 2000, rng, 0.1, inpaint=False))


class TestRuns(unittest.TestCase):
    def test_single_resume_and_inpaint(self):
        with tempfile.TemporaryDirectory() as d:
            rel = os.path.join(d, "t2v.pt")
            # --init to a missing file: never start from a real release lying in training/checkpoints
            args = TINY + ["--stage", "joint", "--run_dir", d, "--release", rel, "--init", os.path.join(d, "none.pt")]
            self.assertEqual(TD.main(args + ["--steps", "2"]), 2)
            self.assertEqual(TD.main(args + ["--steps", "3"]), 3)  # resumes at 2
            st = torch.load(os.path.join(d, "state_joint.pt"))
            self.assertEqual(st["step"], 3)
            b, tok, meta = TD.load_release(rel)
            self.assertEqual(meta["step"], 3)
            self.assertEqual(b.dit.modes, ["dense", "dense", "dense", "dense"])
            inp = os.path.join(d, "inp.pt")
            TD.main(TINY + ["--stage", "inpaint", "--run_dir", d, "--release", inp, "--init", rel, "--steps", "1"])
            bi, _, mi = TD.load_release(inp)
            self.assertTrue(mi["dit_config"]["inpaint"])

    def test_two_process_gloo(self):
        with tempfile.TemporaryDirectory() as d:
            TD.launch(2, TINY + ["--layers", "6", "--stage", "joint", "--steps", "2", "--threads", "1",
                                 "--run_dir", d, "--release", os.path.join(d, "r.pt"), "--init", os.path.join(d, "none.pt")],
                      port=29561)
            st = torch.load(os.path.join(d, "state_joint.pt"))
            self.assertEqual(st["step"], 2)
            self.assertTrue(st["ranks_in_sync"])
            self.assertEqual(len(st["batcher"]), 2)
            self.assertNotEqual(st["batcher"][0]["data"], st["batcher"][1]["data"])
            self.assertEqual(st["batcher"][0]["shape"], st["batcher"][1]["shape"])


if __name__ == "__main__":
    unittest.main()
