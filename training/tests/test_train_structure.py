"""train_structure: a short run against the bundled base, then a resume that continues from the saved state."""
import json
import os
import tempfile
import unittest

import numpy as np

from training.train_structure import draw_frames, draw_sample, main


class TestTrainStructure(unittest.TestCase):
    def test_samples_stay_in_the_train_split(self):
        from training.data.shapes_world import is_held_out
        rng = np.random.default_rng(0)
        for _ in range(20):
            video, cap, s, tid, (kind, mode) = draw_sample(rng, 9, 32, 0.0)
            self.assertEqual(s.shape, (2, 9, 32, 32))
            self.assertIn(kind, ("canny", "sketch", "mask"))
            self.assertEqual(s[1].reshape(9, -1).max(1).sum() == 9, mode == "all")
        from training.data.shapes_world import make_meta
        self.assertFalse(any(is_held_out(make_meta(int(s), 9, 32, "train")[1]) for s in range(50)))
        modes = [draw_frames(rng, 17)[0] for _ in range(200)]
        self.assertGreater(modes.count("first"), 20)

    @unittest.skipUnless(os.path.exists("public/models/osp-v13-tiny/dit.weights"), "needs the bundled model")
    def test_run_and_resume(self):
        with tempfile.TemporaryDirectory() as d:
            rel = os.path.join(d, "s.pt")
            common = ["--bs", "1", "--frames", "5", "--size", "32", "--run_dir", d, "--release", rel, "--log_every", "1"]
            self.assertEqual(main(["--steps", "2"] + common), 2)
            with open(rel.replace(".pt", ".json")) as f:
                self.assertEqual(json.load(f)["step"], 2)
            self.assertEqual(main(["--steps", "3"] + common), 3)  # resumed at 2, one more step
            with open(rel.replace(".pt", ".json")) as f:
                meta = json.load(f)
            self.assertEqual(meta["step"], 3)
            self.assertGreater(meta["cpu_seconds"], 0)
            self.assertEqual(meta["structure_config"]["depth"], 2)


if __name__ == "__main__":
    unittest.main()
