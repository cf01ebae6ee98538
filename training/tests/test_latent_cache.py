"""latent_cache: deterministic resumable shards that equal direct encoding, the cached batcher's t2v mix, and
train_dit --latent_cache.

Run: /usr/bin/python3 -m unittest training.tests.test_latent_cache
"""
import glob
import os
import tempfile
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training import latent_cache as LC
from training import masks as MK
from training import train_dit as TD
from training.data.datasets import make_sample

torch.set_num_threads(2)
SHAPES = {"shapes": 1}
KW = dict(clips=6, size=32, frames=5, weights=SHAPES, vae_path="random", shard=4, log=lambda *_: None)


class TestBuild(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = os.path.join(cls.tmp.name, "c")
        LC.build(cls.dir, **KW)
        cls.cache = LC.LatentCache(cls.dir, 32, 5)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_shapes_and_kinds(self):
        self.assertEqual(len(self.cache), 8)  # 6 clips round up to whole shards of 4
        self.assertEqual(tuple(self.cache.tensors["mean"].shape), (8, 8, 2, 4, 4))
        self.assertEqual(tuple(self.cache.tensors["cond_mask"].shape), (8, 4, 2, 4, 4))
        self.assertTrue(set(self.cache.kinds) <= set(LC.COND_KINDS))
        self.assertNotIn("t2iv", LC.cond_ratios())
        self.assertAlmostEqual(sum(LC.cond_ratios().values()), 1.0)
        # every cached condition keeps something: no row is all masked
        self.assertTrue(bool((self.cache.tensors["cond_mask"].flatten(1).min(1).values < 0.5).all()))

    def test_equals_direct_encoding(self):
        shard = torch.load(os.path.join(self.dir, "shard_00000.pt"))
        vae, _ = TD.load_vae("", allow_random=True)
        rng = np.random.default_rng(0)
        for i in (0, 3):
            video = make_sample("shapes", shard["seeds"][i], 5, 32, "train", None, rng)["video"][None]
            self.assertEqual(make_sample("shapes", shard["seeds"][i], 5, 32, "train", None, rng)["caption"],
                             shard["captions"][i])
            ref = vae.encode(video).mean * TD.D.VAE_SCALE
            torch.testing.assert_close(shard["mean"][i:i + 1].float(), ref, atol=2e-3, rtol=2e-3)
            kind = shard["kinds"][i]
            if kind in ("i2v", "transition", "clear"):  # deterministic kept frames: the mask is known
                m = MK.make_mask(kind, 5, 32, 32).permute(1, 0, 2, 3)[None]
                torch.testing.assert_close(shard["cond_mask"][i:i + 1].float(), MK.compress_mask(m), atol=1e-3,
                                           rtol=0)

    def test_deterministic_and_resumable(self):
        with tempfile.TemporaryDirectory() as d:
            LC.build(d, **KW)
            os.remove(os.path.join(d, "shard_00001.pt"))
            LC.build(d, **KW)  # rebuilds only the missing shard
            for f in sorted(glob.glob(os.path.join(self.dir, "shard_*.pt"))):
                a, b = torch.load(f), torch.load(os.path.join(d, os.path.basename(f)))
                for k in ("mean", "cond_mean", "cond_mask"):
                    torch.testing.assert_close(a[k], b[k], atol=0, rtol=0)
                self.assertEqual(a["captions"], b["captions"])
            with self.assertRaises(SystemExit):  # same folder, other settings
                LC.build(d, **dict(KW, seed=1))

    def test_refuses_other_shapes_and_vaes(self):
        with self.assertRaises(ValueError):
            LC.LatentCache(self.dir, 64, 5)
        other = TD.load_vae("", allow_random=True)[0]
        with torch.no_grad():
            next(other.parameters()).add_(1.0)
        with self.assertRaises(ValueError):
            LC.LatentCache(self.dir, 32, 5, other)

    def test_batcher_t2v_share(self):
        vae, _ = TD.load_vae("", allow_random=True)
        zero = vae.encode(torch.zeros(1, 3, 5, 32, 32))
        b = LC.CachedBatcher(self.cache, 0, 0)
        z, cz, cm, caps = b.next(16, torch.Generator().manual_seed(0), 1.0, zero)
        self.assertEqual(len(caps), 16)
        self.assertTrue(bool((cm == 1).all()))
        dev = (cz - zero.mean * TD.D.VAE_SCALE) / (zero.std * TD.D.VAE_SCALE)  # posterior samples of the zero clip
        self.assertLess(float(dev.abs().max()), 6.0)
        self.assertLess(abs(float(dev.std()) - 1.0), 0.1)
        z, cz, cm, _ = b.next(16, torch.Generator().manual_seed(0), 0.0, zero)
        self.assertFalse(bool((cm.flatten(1).min(1).values == 1).any()))
        s = b.state()
        b2 = LC.CachedBatcher(self.cache, 0, 1)
        b2.load(s)
        torch.testing.assert_close(b.next(4, torch.Generator().manual_seed(1), 0.5, zero)[0],
                                   b2.next(4, torch.Generator().manual_seed(1), 0.5, zero)[0])

    def test_train_dit_reads_the_cache(self):
        with tempfile.TemporaryDirectory() as d:
            rel = os.path.join(d, "inp.pt")
            args = [a for a in TD_TINY] + ["--stage", "inpaint", "--run_dir", d, "--release", rel,
                                           "--init", os.path.join(d, "none.pt"), "--latent_cache", self.dir]
            self.assertEqual(TD.main(args + ["--steps", "2"]), 2)
            self.assertEqual(TD.main(args + ["--steps", "3"]), 3)  # resumes, batcher state included
            _, _, meta = TD.load_release(rel)
            self.assertEqual(meta["args"]["latent_cache"], self.dir)
            with self.assertRaises(SystemExit):  # the cache serves the inpaint stage only
                TD.main([a for a in TD_TINY] + ["--stage", "joint", "--run_dir", d, "--latent_cache", self.dir,
                                                 "--steps", "1"])


TD_TINY = ["--layers", "4", "--heads", "2", "--head_dim", "12", "--text_width", "24", "--text_layers", "1",
           "--size", "32", "--frames", "5", "--bs_video", "3", "--vae", "random", "--log_every", "1",
           "--t2v_min", "0.5"]

if __name__ == "__main__":
    unittest.main()
