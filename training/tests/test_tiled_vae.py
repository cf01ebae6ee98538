"""Tiled WF-VAE decode (training/tiled_vae.py): the grid, exactness against the one-shot decode on the bundled VAE
and on a random-weight VAE at a larger size, and the TS graph-parity fixture.

Run: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m unittest training.tests.test_tiled_vae
"""
import json
import os
import unittest

import numpy as np
import torch

from training import train_vae
from training.export_vae_tiles import FIXTURE, MARGIN
from training.models.wfvae import LATENT_SCALE, WFVAE, WFVAEConfig
from training.tiled_vae import axis_weights, decode_tiled, head_state_indices, tail_state_indices, tile_spans

FIX = "training/fixtures/vae"


class TestGrid(unittest.TestCase):
    def test_spans_cover_and_weights_sum_to_one(self):
        self.assertEqual(tile_spans(80, 32, 16), [(0, 32), (16, 48), (32, 64), (48, 80)])
        self.assertEqual(tile_spans(8, 32, 16), [(0, 8)])
        with self.assertRaises(ValueError):
            tile_spans(10, 4, 4)
        for n, tile, ov, bl in ((80, 32, 16, 2), (16, 15, 14, 0), (40, 20, 9, 3)):
            spans = tile_spans(n, tile, ov)
            total = torch.zeros(n * 8, dtype=torch.float64)
            for (a, b), wt in zip(spans, axis_weights(spans, n, 8, bl)):
                total[a * 8:b * 8] += wt
            self.assertLess(float((total - 1).abs().max()), 1e-9)


class TestTiledDecode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.vae = train_vae.load_release()[0]

    def test_states_split_between_head_and_tail(self):
        names = self.vae.decoder_state_names()
        hi, ti = head_state_indices(self.vae), tail_state_indices(self.vae)
        self.assertEqual(sorted(hi + ti), list(range(len(names))))
        self.assertTrue(all(names[i].startswith(("cache.conv_in", "cache.mid.")) for i in hi))

    def test_one_tile_is_the_chunked_decode(self):
        z = torch.randn(1, 8, 3, 8, 8, generator=torch.Generator().manual_seed(1))
        self.assertLess(float((decode_tiled(self.vae, z, 8, 4) - self.vae.decode_chunked(z)).abs().max()), 1e-5)

    def test_bundled_128_within_1e3_of_one_shot(self):
        # 9×128² in 2×2 tiles of 15 latent cells, MARGIN cells unused beside each cut (tiled_vae_report.py: 6 → 1.7e-3)
        z = torch.randn(1, 8, 3, 16, 16, generator=torch.Generator().manual_seed(2))
        with torch.no_grad():
            ref = self.vae.decode(z)
        err = float((decode_tiled(self.vae, z, 15, 2 * MARGIN, 0) - ref).abs().max())
        print(f"bundled 9×128², 2×2 tiles, margin {MARGIN}: max |tiled − one-shot| {err:.2e}")
        self.assertLess(err, 1e-3)
        self.assertGreater(err, 0)
        # the same tiles with 2 cells of margin are off (8.7e-3 measured): the margin is what makes it exact
        self.assertGreater(float((decode_tiled(self.vae, z, 15, 14, 10) - ref).abs().max()), 3e-3)

    def test_random_weight_vae_256_within_1e3(self):
        torch.manual_seed(0)
        vae = WFVAE(WFVAEConfig(16, 8, 16, 2, 8, 2)).eval()
        z = torch.randn(1, 8, 2, 32, 32, generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            ref = vae.decode(z)
        # random weights spread influence further than the trained VAE: MARGIN leaves 9.8e-4 here, one more cell
        # (tile 26, overlap 2·8 + 2) gives room under 1e-3
        err = float((decode_tiled(vae, z, 26, 2 * (MARGIN + 1) + 2, 2) - ref).abs().max())
        print(f"random-weight VAE 5×256², 2×2 tiles of 26, margin {MARGIN + 1}: max |tiled − one-shot| {err:.2e}")
        self.assertLess(err, 1e-3)

    def test_fixture_is_what_pytorch_computes(self):
        with open(os.path.join(FIX, "tiled.json")) as f:
            doc = json.load(f)
        self.assertEqual({k: doc[k] for k in FIXTURE}, FIXTURE)
        z = torch.from_numpy(np.fromfile(os.path.join(FIX, "tiled.in.latent.bin"), "<f4").reshape(FIXTURE["shape"]))
        want = torch.from_numpy(np.fromfile(os.path.join(FIX, "tiled.out.video.bin"), "<f4").reshape(doc["video_shape"]))
        got = decode_tiled(self.vae, z / LATENT_SCALE, FIXTURE["tile"], 2 * FIXTURE["margin"] + FIXTURE["blend"],
                           FIXTURE["blend"], t_chunk=FIXTURE["t_chunk"])
        self.assertLess(float((got - want).abs().max()), 1e-5)

    def test_bad_input_is_refused(self):
        with self.assertRaises(ValueError):
            decode_tiled(self.vae, torch.zeros(2, 8, 1, 8, 8), 8, 4)
        with self.assertRaises(ValueError):
            decode_tiled(self.vae, torch.zeros(1, 8, 1, 8, 8), 8, 4, blend=5)


if __name__ == "__main__":
    unittest.main()
