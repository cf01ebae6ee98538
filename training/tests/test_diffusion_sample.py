"""training/sample.py reproduces the shared sampler vectors (CFG batch order [negative, prompt], timesteps as floats,
noise streams) with fake models plugged into its real generate() loop; random-model smoke run.

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
"""
import json
import os
import types
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training import sample as S
from training.tokenizer import Tokenizer

torch.set_num_threads(2)
VECTORS = os.path.join(os.path.dirname(__file__), "..", "fixtures", "sampler", "vectors.json")


class FakeDiT(torch.nn.Module):
    """row 0 of a batch of 2 = negative/uncond, row 1 = prompt (docs/sampler.md)."""

    def __init__(self):
        super().__init__()
        self.cfg = types.SimpleNamespace(inpaint=False, in_channels=8)
        self.seen_t = []

    def forward(self, x, t, text, mask, cl=None, cm=None):
        self.seen_t.append(float(t[0]))
        x = x.double()
        lin = 0.3 * x + 0.01 * t.double().reshape(-1, 1, 1, 1, 1) / 1000
        c = torch.arange(8, dtype=torch.float64).reshape(1, 8, 1, 1, 1)
        chan = 0.25 * x + 0.02 * (c - 3.5)
        if x.shape[0] == 1:
            return lin.float()
        return torch.cat([lin[:1], chan[1:]]).float()


class TestSampleCLI(unittest.TestCase):
    def setUp(self):
        with open(VECTORS) as f:
            self.vec = json.load(f)
        self.bundle = types.SimpleNamespace(dit=FakeDiT(), text_encoder=lambda ids, mask: torch.zeros(ids.shape[0], 4, 2))
        self.tok = Tokenizer()

    def check(self, name, cfg):
        tr = self.vec["trajectories"][name]
        xs = []
        x = S.generate(self.bundle, self.tok, None, "a red circle", "", seed=1234, steps=10, cfg=cfg, frames=5,
                       height=32, width=32, callback=lambda i, x: xs.append(x.copy()))
        self.assertEqual(list(x.shape), tr["shape"])
        # the model runs in float32 here; the vectors are float64 throughout
        np.testing.assert_allclose(x.reshape(-1), tr["final_x"], rtol=1e-3, atol=1e-3)
        for a, b in zip(xs, tr["x_after_step"]):
            b = np.asarray(b)
            self.assertTrue(np.all(np.abs(a.reshape(-1) - b) <= 1e-3 * (1 + np.abs(b))))
        self.assertEqual(self.bundle.dit.seen_t[:3], [999.0, 899.0, 799.0])

    def test_linear(self):
        self.check("linear", 1.0)

    def test_cfg(self):
        self.check("cfg", 4.5)

    def test_random_model_runs(self):
        from training.train_dit import random_bundle
        b, tok = random_bundle(layers=4, heads=2, head_dim=12, text_width=24, text_layers=1)
        x = S.generate(b, tok, None, "a cat", "", seed=3, steps=2, cfg=2.0, frames=5, height=32, width=32)
        self.assertEqual(x.shape, (1, 8, 2, 4, 4))
        self.assertTrue(np.isfinite(x).all())
        bi, _ = random_bundle(inpaint=True, layers=4, heads=2, head_dim=12, text_width=24, text_layers=1)
        cl, cm = torch.zeros(1, 8, 2, 4, 4), torch.ones(1, 4, 2, 4, 4)
        x = S.generate(bi, tok, None, "a cat", "", seed=3, steps=2, cfg=2.0, frames=5, height=32, width=32,
                       cond=(cl, cm))
        self.assertTrue(np.isfinite(x).all())


class TestDefaultCfg(unittest.TestCase):
    """sample.default_cfg mirrors src/models/manifest.ts defaultCfgScale."""

    def test_image_guidance_only_when_frames_are_given(self):
        self.assertEqual(S.default_cfg({"cfgScale": 7, "imageCfgScale": 3}, conditioned=True), 3.0)
        self.assertEqual(S.default_cfg({"cfgScale": 7, "imageCfgScale": 3}, conditioned=False), 7.0)
        self.assertEqual(S.default_cfg({"cfgScale": 7}, conditioned=True), 7.0)
        self.assertEqual(S.default_cfg({}, conditioned=False), 4.5)


class TestScriptCli(unittest.TestCase):
    """The issue's command, `python3 training/sample.py "prompt" -o out.mp4`, on the shipped model: run as a script
    (not -m), positional prompt, -o, defaults from the manifest; the .pt is rebuilt from the ONNX weights if missing."""

    def test_script_positional_prompt(self):
        import subprocess
        import tempfile
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        if not os.path.exists(os.path.join(root, S.SHIPPED_MODEL, "manifest.json")):
            self.skipTest("no shipped model")
        d = S.shipped_defaults()
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.mp4")
            r = subprocess.run(["/usr/bin/python3", "training/sample.py", "a big red circle moves right", "-o", out,
                                "--steps", "2", "--frames", "5"], cwd=root, capture_output=True, text=True,
                               timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            info = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertEqual((info["steps"], info["cfg"]), (2, d["cfgScale"]))
            self.assertEqual(info["shape"], [1, 8, 2, d["height"] // 8, d["width"] // 8])
            self.assertGreater(os.path.getsize(out), 0)
            self.assertTrue(os.path.exists(os.path.join(tmp, "out.npy")))
            both = subprocess.run(["/usr/bin/python3", "training/sample.py", "a", "--prompt", "b"], cwd=root,
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(both.returncode, 2)
            self.assertIn("give the prompt once", both.stderr)


if __name__ == "__main__":
    unittest.main()
