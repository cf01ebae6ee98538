"""The Haar split of the WF-VAE decoder chunk step (export_vae.py): the chunk-core step (no inverse Haar
transforms, no W3 delay state) + the Haar steps outside it (`haar_chunk_tail`, what the WebGPU engine runs as WGSL
kernels) equal the chunk step and the one-shot decoder, for every chunking of T = 1..6 latent frames.

Run: /usr/bin/python3 -m unittest training.tests.test_vae_split
"""
import os
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

from training.export_vae import CORE_DROPPED_STATE, core_state_indices, decode_chunk_core_step, haar_chunk_tail
from training.tests.test_wfvae import small_model

torch.set_num_threads(2)


def split_decode(m, z, n):
    t, h, w = z.shape[2:]
    idx = core_state_indices(m)
    state = [s for i, s in enumerate(m.decoder_chunk_state_init(1, h, w)) if i in idx]
    delay = torch.zeros(1, 3, 1, 2 * h, 2 * w)
    bounds = [(0, 1)] + [(s, min(s + n, t)) for s in range(1, t, n)]
    outs = []
    for i, (a, b) in enumerate(bounds):
        f = torch.tensor([1.0 if i == 0 else 0.0])
        last = torch.tensor([1.0 if i == len(bounds) - 1 else 0.0])
        w3, w2, w1, state = decode_chunk_core_step(m, z[:, :, a:b], state, f, last)
        x, delay = haar_chunk_tail(m, w3, w2, w1, delay, i)
        outs.append(x)
    return outs, bounds


class TestVaeSplit(unittest.TestCase):
    def test_core_state_is_the_chunk_state_without_the_delay(self):
        m = small_model()
        names = m.decoder_state_names()
        idx = core_state_indices(m)
        self.assertEqual(len(idx), len(names) - 1)
        self.assertNotIn(names.index(CORE_DROPPED_STATE), idx)

    @torch.no_grad()
    def test_split_equals_chunk_step_and_one_shot(self):
        m = small_model(1)
        torch.manual_seed(2)
        z = torch.randn(1, 8, 6, 2, 3)
        for t in range(1, 7):
            for n in (1, 2, 3, 4):
                with self.subTest(t=t, n=n):
                    outs, bounds = split_decode(m, z[:, :, :t], n)
                    # chunk-by-chunk equal to the whole chunk step
                    state = m.decoder_chunk_state_init(1, 2, 3)
                    for i, (a, b) in enumerate(bounds):
                        f = torch.tensor([1.0 if i == 0 else 0.0])
                        last = torch.tensor([1.0 if i == len(bounds) - 1 else 0.0])
                        x, state = m.decode_chunk_step(z[:, :, a:b], state, f, last)
                        self.assertEqual(outs[i].shape, x.shape)
                        self.assertLessEqual((outs[i] - x).abs().max().item(), 1e-6)
                    full = torch.cat(outs, 2)
                    self.assertEqual(full.shape[2], 1 + 4 * (t - 1))
                    self.assertLessEqual((full - m.decode(z[:, :, :t])).abs().max().item(), 1e-5)


if __name__ == "__main__":
    unittest.main()
