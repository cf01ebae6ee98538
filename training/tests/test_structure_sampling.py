"""Structure-guided sampling (training/structure/sampling.py): drawings, structure files, and the sampler path."""
import json
import os
import tempfile
import unittest

import numpy as np
import torch

from training.models.structure_controller import StructureConfig, StructureController
from training.structure.sampling import expand_drawing, load_signal, residuals, scale_scene, structured_bundle

torch.set_num_threads(1)


class TestDrawing(unittest.TestCase):
    def test_path_grow_spin(self):
        d = {"size": 64, "frames": 17, "objects": [{"shape": "star", "extent": 20, "path": [[10, 30], [50, 30]],
                                                    "grow": 1.02, "spin": 3}]}
        sc = expand_drawing(d)
        o = sc["objects"][0]
        self.assertEqual(len(o["center"]), 17)
        self.assertAlmostEqual(o["center"][0][0], 10)
        self.assertAlmostEqual(o["center"][16][0], 50)
        self.assertAlmostEqual(o["center"][8][0], 30)
        self.assertAlmostEqual(o["extent"][16], 20 * 1.02 ** 16)
        self.assertAlmostEqual(o["angle"][16], 48)
        half = scale_scene(sc, 32, 17)
        self.assertAlmostEqual(half["objects"][0]["center"][16][0], 25)

    def test_load_signal_json_and_photo(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "s.json")
            with open(p, "w") as f:
                json.dump({"size": 64, "frames": 17, "objects": [{"shape": "square", "extent": 24,
                                                                  "path": [[20, 20], [44, 44]]}]}, f)
            m = load_signal(p, "mask", 17, 64)
            self.assertEqual(m.shape, (17, 64, 64))
            self.assertGreater(m[0, 20, 20], 0.9)
            self.assertGreater(m[16, 44, 44], 0.9)
            with self.assertRaises(ValueError):
                load_signal(p, "canny", 17, 64)
            from PIL import Image
            im = np.zeros((64, 64, 3), np.uint8)
            im[16:48, 16:48] = 220
            Image.fromarray(im).save(os.path.join(d, "p.png"))
            e = load_signal(os.path.join(d, "p.png"), "canny", 5, 64)
            self.assertEqual(e.shape, (5, 64, 64))
            self.assertGreater(e[0].sum(), 60)
            self.assertTrue(np.array_equal(e[0], e[4]))


class TestSampler(unittest.TestCase):
    def test_zero_controller_gives_the_base_sample_and_a_trained_one_does_not(self):
        from training.sample import generate
        from training.train_dit import random_bundle
        bundle, tok = random_bundle(inpaint=True, layers=4, heads=2, head_dim=24, text_width=48, text_layers=1)
        ctrl = StructureController(StructureConfig.for_dit(bundle.dit.cfg, depth=1)).eval()
        sig = np.zeros((17, 64, 64), np.float32)
        sig[:, 20:40, 20:40] = 1
        res, _ = residuals(ctrl, bundle.dit, sig, "mask", "all")
        kw = dict(seed=3, steps=2, cfg=3.0, frames=17, height=64, width=64)
        base = generate(bundle, tok, None, "a red square", **kw)
        same = generate(structured_bundle(bundle, res), tok, None, "a red square", **kw)
        self.assertTrue(np.array_equal(base, same))
        with torch.no_grad():
            for p in ctrl.projectors:
                p.weight.normal_(0, 0.1)
        res2, _ = residuals(ctrl, bundle.dit, sig, "mask", "first")
        other = generate(structured_bundle(bundle, res2), tok, None, "a red square", **kw)
        self.assertGreater(float(np.abs(other - base).max()), 1e-3)


if __name__ == "__main__":
    unittest.main()
