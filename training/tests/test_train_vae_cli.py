"""train_vae's width and release flags: a wider VAE is trained fresh into its own release, never over the shipped one.

Run: /usr/bin/python3 -m unittest training.tests.test_train_vae_cli
"""
import contextlib
import io
import json
import os
import tempfile
import unittest

from training import train_vae
from training.models.wfvae import WFVAEConfig


class TestWidthAndReleaseFlags(unittest.TestCase):
    def test_base_sets_released_ratios_and_release_path(self):
        shipped = train_vae.CKPT.replace(".pt", ".json")
        before = os.stat(shipped).st_mtime_ns if os.path.exists(shipped) else None
        with tempfile.TemporaryDirectory() as d:
            rel = os.path.join(d, "w8", "release.pt")
            with contextlib.redirect_stdout(io.StringIO()) as out:
                train_vae.main(["--base", "8", "--fresh", "1", "--release", rel, "--run_dir", d, "--max_steps", "2",
                                "--bs_video", "1", "--bs_image", "1", "--frames", "5", "--crop", "32",
                                "--threads", "1", "--photo_frac", "0", "--bf16", "0"])
            with open(rel.replace(".pt", ".json")) as f:
                meta = json.load(f)
            self.assertEqual(meta["step"], 2)
            cfg = meta["config"]
            # E_enc = B/2, E_dec = B: the released WF-VAE's ratios (spec §2.7)
            self.assertEqual((cfg["base_channels"], cfg["encoder_energy_flow_hidden_size"],
                              cfg["decoder_energy_flow_hidden_size"], cfg["latent_dim"]), (8, 4, 8, 8))
            self.assertIn("config {'base_channels': 8", out.getvalue())
            m, _ = train_vae.load_release(rel)  # the one loader reads the wider config back from the .json
            self.assertEqual(m.cfg, WFVAEConfig(8, 4, 8))
        after = os.stat(shipped).st_mtime_ns if os.path.exists(shipped) else None
        self.assertEqual(before, after, "a --fresh run with --release elsewhere must not touch the shipped release")


if __name__ == "__main__":
    unittest.main()
