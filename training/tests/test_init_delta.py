import os
import tempfile
import unittest

import torch

from training import init_delta


def _pair(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    base = {'w': torch.randn(64, 48, generator=g), 'b': torch.randn(48, generator=g),
            'steps': torch.tensor([7], dtype=torch.int64)}
    target = {'w': base['w'] + 0.05 * torch.randn(64, 48, generator=g),
              'b': base['b'] + 1e-4 * torch.randn(48, generator=g),
              'steps': torch.tensor([9], dtype=torch.int64)}
    return base, target


class TestInitDelta(unittest.TestCase):
    def test_round_trip_within_dropped_precision(self):
        base, target = _pair()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'delta.pt.xz')
            init_delta.save(init_delta.make(base, target, drop_bits=3), path)
            out = init_delta.apply(base, init_delta.load(path))
        for k in ('w', 'b'):
            diff = target[k] - base[k]
            # fp16 keeps 10 mantissa bits; with 3 dropped, truncation costs < 2^-7 of each value (+ fp16 rounding,
            # and an absolute floor for the fp16 subnormals of the tiny ones)
            tol = diff.abs() * 2.0 ** -6 + 1e-6
            self.assertTrue(((out[k] - target[k]).abs() <= tol).all(), k)
        self.assertTrue(torch.equal(out['steps'], target['steps']))

    def test_dropped_bits_are_zero_and_zero_drop_is_plain_fp16(self):
        base, target = _pair(1)
        d3 = init_delta.make(base, target, drop_bits=3)
        self.assertEqual(int((d3['w'].view(torch.int16) & 0x7).abs().sum()), 0)
        d0 = init_delta.make(base, target, drop_bits=0)
        self.assertTrue(torch.equal(d0['w'], (target['w'] - base['w']).half()))

    def test_key_mismatch_is_an_error(self):
        base, target = _pair()
        del target['b']
        with self.assertRaises(ValueError):
            init_delta.make(base, target)


if __name__ == '__main__':
    unittest.main()
