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

    @unittest.skipUnless(os.path.exists("public/models/osp-v13-tiny/dit.weights"), "needs the bundled model")
    def test_sigterm_saves_and_exits(self):
        import signal
        import subprocess
        import sys
        import time
        with tempfile.TemporaryDirectory() as d:
            rel = os.path.join(d, "s.pt")
            env = dict(os.environ, OMP_NUM_THREADS="1")
            p = subprocess.Popen([sys.executable, "-m", "training.train_structure", "--bs", "1", "--frames", "5",
                                  "--size", "32", "--run_dir", d, "--release", rel, "--log_every", "1"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
            t0 = time.time()
            for line in p.stdout:  # wait for the first logged step, then ask it to stop
                if line.startswith("step 2 ") or time.time() - t0 > 120:
                    break
            p.send_signal(signal.SIGTERM)
            rest = p.communicate(timeout=120)[0]
            self.assertEqual(p.returncode, 0)
            self.assertIn("(SIGTERM)", rest)
            with open(rel.replace(".pt", ".json")) as f:
                self.assertGreaterEqual(json.load(f)["step"], 2)
            self.assertTrue(os.path.exists(os.path.join(d, "state_structure.pt")))


if __name__ == "__main__":
    unittest.main()
