import unittest

import torch

from training.average_weights import average


def _ckpt(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {'w': torch.randn(8, 6, generator=g), 'b': torch.randn(6, generator=g),
            'step': torch.tensor([3], dtype=torch.int64)}


class TestAverageWeights(unittest.TestCase):
    def test_weighted_mean_per_tensor(self):
        a, b, c = _ckpt(0), _ckpt(1), _ckpt(2)
        out = average([a, b, c], [0.5, 0.25, 0.25])
        for k in ('w', 'b'):
            self.assertTrue(torch.allclose(out[k], 0.5 * a[k] + 0.25 * b[k] + 0.25 * c[k], atol=1e-6))
        self.assertTrue(torch.equal(out['step'], a['step']))

    def test_single_checkpoint_with_weight_one_is_identity(self):
        a = _ckpt(3)
        out = average([a], [1.0])
        self.assertTrue(all(torch.equal(out[k], a[k]) for k in a))

    def test_rejects_mismatches(self):
        a, b = _ckpt(0), _ckpt(1)
        with self.assertRaisesRegex(ValueError, 'sum to'):
            average([a, b], [0.5, 0.6])
        with self.assertRaisesRegex(ValueError, 'differ in keys'):
            average([a, {k: v for k, v in b.items() if k != 'b'}], [0.5, 0.5])
        b['step'] = torch.tensor([4], dtype=torch.int64)
        with self.assertRaisesRegex(ValueError, 'integer buffer'):
            average([a, b], [0.5, 0.5])


if __name__ == '__main__':
    unittest.main()
