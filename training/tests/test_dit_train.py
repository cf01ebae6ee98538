"""train_dit: adaptive gradient clipping (v1.3 / v1.5), EMA, text dropout, resume, 2-process gloo run.

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
"""
import math
import os
import tempfile
import time
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training import train_dit as TD
from training.cpu_features import cpu_has_bf16
from training.tokenizer import GENERIC_CAPTION

torch.set_num_threads(2)
TINY = ["--layers", "4", "--heads", "2", "--head_dim", "12", "--text_width", "24", "--text_layers", "1",
        "--size", "32", "--frames", "5", "--bs_video", "2", "--bs_image", "2", "--vae", "random", "--log_every", "1",
        "--weights", '{"shapes": 1}']


class TestClip(unittest.TestCase):
    def test_v13(self):
        c = TD.AdaptiveClipV13(alpha=0.99)
        self.assertEqual(c.decide([1.0, 2.0]), [True, True])  # first step: statistics only
        self.assertEqual((c.ema, c.var), (2.0, 2.0))
        tau = 2.0 + 3 * math.sqrt(2.0)
        self.assertEqual(c.decide([1.0, tau + 0.1]), [True, False])
        ema = 0.99 * 2.0 + 0.01 * 1.0  # max over survivors
        self.assertAlmostEqual(c.ema, ema)
        self.assertAlmostEqual(c.var, 0.99 * 2.0 + 0.01 * (1.0 - ema) ** 2)
        self.assertEqual(c.decide([float("nan"), 1.0]), [False, True])
        before = (c.ema, c.var)
        self.assertEqual(c.decide([100.0, float("inf"), 1.0]), [False, False, True])
        self.assertEqual((c.ema, c.var), before)  # ≥ 2 dropped: no statistics update

    def test_v15(self):
        c = TD.AdaptiveClipV15(alpha=0.99)
        self.assertEqual(c.clip_coef(4.0), 1.0)
        tau = 4.0 + 3 * 2.0
        self.assertAlmostEqual(c.clip_coef(20.0), tau / 20.0)
        self.assertEqual((c.ema, c.var), (4.0, 4.0))  # not updated on a clipped step
        self.assertEqual(c.clip_coef(3.0), 1.0)
        self.assertAlmostEqual(c.ema, 0.99 * 4 + 0.01 * 3)
        self.assertEqual(c.clip_coef(float("nan")), 0.0)

    def test_ema_and_text_drop(self):
        m = torch.nn.Linear(2, 2)
        e = TD.EMA(m, 0.5)
        w0 = m.weight.detach().clone()
        with torch.no_grad():
            m.weight.add_(2.0)
        e.update(m)
        torch.testing.assert_close(e.shadow["weight"], w0 + 1.0)
        rng = np.random.default_rng(0)
        caps = TD.drop_text(["x"] * 20000, rng, 0.1, inpaint=True)
        self.assertAlmostEqual(caps.count("") / 20000, 0.05, delta=0.01)
        self.assertAlmostEqual(caps.count(GENERIC_CAPTION) / 20000, 0.05, delta=0.01)
        self.assertNotIn(GENERIC_CAPTION, TD.drop_text(["x"] * 2000, rng, 0.1, inpaint=False))


class TestSchedules(unittest.TestCase):
    def test_lr_decay(self):
        self.assertEqual(TD.lr_decay(500, 1000, 0), 1.0)
        self.assertEqual([round(TD.lr_decay(s, 1000, 200), 3) for s in (0, 800, 900, 999, 1000)],
                         [1.0, 1.0, 0.55, 0.105, 0.1])

    def test_bf16_autocast_only_on_native_bf16_cpus(self):
        self.assertTrue(cpu_has_bf16("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n"))
        self.assertTrue(cpu_has_bf16("flags\t: avx2 amx_bf16 amx_tile\n"))
        self.assertFalse(cpu_has_bf16("flags\t: fpu sse avx2 fma\n"))  # AVX2-only: bf16 would be emulated
        self.assertFalse(cpu_has_bf16("model name\t: no flags line\n"))
        self.assertEqual(TD.parse_args([]).bf16, -1)  # auto by default


class TestConditionEncode(unittest.TestCase):
    def test_all_masked_rows_share_the_zero_posterior(self):
        """encode_condition == VAE(masked video) in distribution: the posterior mean/std per row match the direct
        encode (random VAE), whether the row was all-masked (cached zero clip) or encoded."""
        from training import masks as MK
        vae, _ = TD.load_vae("", allow_random=True)
        torch.manual_seed(0)
        v = torch.rand(4, 3, 5, 16, 16) * 2 - 1
        m = torch.ones(4, 1, 5, 16, 16)
        m[1, :, 0] = 0
        m[3, :, :2] = 0
        direct = vae.encode(MK.masked_video(v, m))
        for sample_rows in (True, False):
            cache = {}
            mm = m if sample_rows else torch.ones_like(m)
            ref = vae.encode(MK.masked_video(v, mm))
            g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
            a = TD.encode_condition(vae, v, mm, g1, cache) / TD.D.VAE_SCALE
            b = TD.encode_condition(vae, v, mm, g2, cache) / TD.D.VAE_SCALE
            torch.testing.assert_close(a, b)  # seeded: reproducible
            z = (a - ref.mean) / ref.std  # standard normal where the mean/std match
            self.assertLess(float(z.abs().max()), 6.0)
            self.assertLess(abs(float(z.mean())), 0.2)
            self.assertEqual(len(cache), 1)
        torch.testing.assert_close(direct.mean[0], ref.mean[0])


class TestParamGroups(unittest.TestCase):
    def test_cross_attention_qk_group(self):
        b, _ = TD.random_bundle(inpaint=True, layers=2, heads=2, head_dim=12, text_width=24, text_layers=1)
        self.assertEqual(len(TD.param_groups(b, 0.01)), 1)
        rest, qk = TD.param_groups(b, 0.01, 10.0)
        names = {id(p): n for n, p in b.named_parameters()}
        self.assertEqual(sorted(names[id(p)].split(".attn2.")[1] for p in qk["params"]),
                         sorted(["to_q.weight", "to_q.bias", "to_k.weight", "to_k.bias"] * 2))
        self.assertEqual((qk["lr_mult"], qk["weight_decay"]), (10.0, 0.0))
        self.assertEqual(len(rest["params"]) + len(qk["params"]), len(list(b.parameters())))

    def test_lr_mult_applies(self):
        with tempfile.TemporaryDirectory() as d:
            TD.main(TINY + ["--stage", "joint", "--steps", "2", "--warmup", "1", "--xattn_lr_mult", "5",
                            "--run_dir", d, "--release", os.path.join(d, "r.pt"), "--init", os.path.join(d, "no.pt")])
            groups = torch.load(os.path.join(d, "state_joint.pt"))["opt"]["param_groups"]
            self.assertAlmostEqual(groups[1]["lr"], 5 * groups[0]["lr"])
            self.assertEqual(groups[1]["weight_decay"], 0.0)


class TestRuns(unittest.TestCase):
    def test_single_resume_and_inpaint(self):
        with tempfile.TemporaryDirectory() as d:
            rel = os.path.join(d, "t2v.pt")
            # --init to a missing file: never start from a real release lying in training/checkpoints
            args = TINY + ["--stage", "joint", "--run_dir", d, "--release", rel, "--init", os.path.join(d, "none.pt")]
            self.assertEqual(TD.main(args + ["--steps", "2"]), 2)
            self.assertEqual(TD.main(args + ["--steps", "3"]), 3)  # resumes at 2
            st = torch.load(os.path.join(d, "state_joint.pt"))
            self.assertEqual(st["step"], 3)
            b, tok, meta = TD.load_release(rel)
            self.assertEqual(meta["step"], 3)
            self.assertEqual(b.dit.modes, ["dense", "dense", "dense", "dense"])
            inp = os.path.join(d, "inp.pt")
            TD.main(TINY + ["--stage", "inpaint", "--run_dir", d, "--release", inp, "--init", rel, "--steps", "1",
                            "--text_id_loss", "0.01"])
            bi, _, mi = TD.load_release(inp)
            self.assertTrue(mi["dit_config"]["inpaint"])

    def test_worker_batches_reuse_and_time_budget(self):
        with tempfile.TemporaryDirectory() as d:
            # the deadline (10 s from now, less the start-up) shortens the 600 s budget
            args = TINY + ["--stage", "inpaint", "--run_dir", d, "--release", os.path.join(d, "r.pt"),
                           "--init", os.path.join(d, "none.pt"), "--data_workers", "2", "--reuse", "2",
                           "--steps", "1000", "--decay_steps", "1000", "--time_budget_s", "600",
                           "--stop_at_unix", str(time.time() + 10)]
            t0 = time.time()
            steps = TD.main(args)
            self.assertLess(time.time() - t0, 60)
            self.assertGreaterEqual(steps, 2)
            self.assertLess(steps, 1000)  # the deadline, not --steps, ended the run
            st = torch.load(os.path.join(d, "state_inpaint.pt"))
            self.assertEqual(st["batcher"], [{"workers": 2}])
            self.assertEqual(TD.load_release(os.path.join(d, "r.pt"))[2]["device"], "cpu")

    def test_uint8_transport_is_exact(self):
        from training.batch_workers import from_uint8, to_uint8
        from training.data.datasets import video_to_tensor
        v = np.random.default_rng(0).integers(0, 256, (3, 5, 7, 3), dtype=np.uint8)
        x = video_to_tensor(v)
        self.assertTrue(torch.equal(from_uint8(to_uint8(x), "cpu"), x))

    def test_two_process_gloo(self):
        with tempfile.TemporaryDirectory() as d:
            TD.launch(2, TINY + ["--layers", "6", "--stage", "joint", "--steps", "2", "--threads", "1",
                                 "--run_dir", d, "--release", os.path.join(d, "r.pt"), "--init", os.path.join(d, "none.pt")],
                      port=29561)
            st = torch.load(os.path.join(d, "state_joint.pt"))
            self.assertEqual(st["step"], 2)
            self.assertTrue(st["ranks_in_sync"])
            self.assertEqual(len(st["batcher"]), 2)
            self.assertNotEqual(st["batcher"][0]["data"], st["batcher"][1]["data"])
            self.assertEqual(st["batcher"][0]["shape"], st["batcher"][1]["shape"])


class TestTextIdentityLoss(unittest.TestCase):
    def test_pulls_collapsed_words_apart(self):
        from training.models.text_encoder import TextEncoder, TextEncoderConfig
        torch.manual_seed(0)
        te = TextEncoder(TextEncoderConfig(vocab_size=12, width=24, layers=1, heads=2, max_length=6))
        with torch.no_grad():
            # two words the encoder barely tells apart ("left" / "right"; an exact tie is a symmetry no loss breaks)
            te.tok.weight[5] = te.tok.weight[4] + 1e-3 * torch.randn(24)
        ids = torch.tensor([[3, 4, 2, 0, 0, 0], [3, 5, 2, 0, 0, 0]])
        mask = (ids > 0).long()

        def gap():
            s = te(ids, mask)
            return float((s[0, 1] - s[1, 1]).norm() / s[0, 1].norm())

        self.assertLess(gap(), 0.02)
        l0 = float(TD.text_identity_loss(te, te(ids, mask), ids, mask))
        opt = torch.optim.Adam(te.parameters(), lr=1e-2)
        for _ in range(150):
            loss = TD.text_identity_loss(te, te(ids, mask), ids, mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(float(loss), 0.5 * l0)
        self.assertGreater(gap(), 0.1)
        # padding is not scored: changing the padded ids leaves the loss unchanged
        s = te(ids, mask)
        self.assertEqual(float(TD.text_identity_loss(te, s, ids, mask)),
                         float(TD.text_identity_loss(te, s, ids.masked_fill(mask == 0, 7), mask)))


if __name__ == "__main__":
    unittest.main()
