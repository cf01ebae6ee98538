"""WF-VAE structure, Haar transforms, causality and causal-cache chunking.

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
"""
import json
import os
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn.functional as F

from training.models.wavelet import (HAAR3D_COEF, HaarWaveletTransform2D, HaarWaveletTransform3D,
                                     InverseHaarWaveletTransform2D, InverseHaarWaveletTransform3D)
from training.models.wfvae import (CausalConv3d, Spatial2xTime2x3DUpsample, WFVAE, WFVAEConfig, count_params,
                                   set_chunk_mode)

torch.set_num_threads(2)

HAAR_GAIN = 8 * HAAR3D_COEF ** 2  # 1.00023: the 0.3536 rounding of 1/(2*sqrt 2)


def small_model(seed=0):
    torch.manual_seed(seed)
    m = WFVAE(WFVAEConfig(8, 4, 8, 1, 8, 1)).eval()
    # random LayerNorm affine so the test does not rely on the identity init
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "norm" in n:
                p.add_(0.1 * torch.randn_like(p))
    return m


class TestHaar(unittest.TestCase):
    def test_haar3d_shapes_and_roundtrip(self):
        f, i = HaarWaveletTransform3D(), InverseHaarWaveletTransform3D()
        for t in (1, 5, 9):
            x = torch.randn(2, 3, t, 8, 12)
            y = f(x)
            self.assertEqual(tuple(y.shape), (2, 24, (t - 1) // 2 + 1, 4, 6))
            self.assertTrue(torch.allclose(i(y), x * HAAR_GAIN, atol=1e-5))

    def test_haar3d_first_frame_pairing_and_layout(self):
        f = HaarWaveletTransform3D()
        x = torch.randn(1, 3, 5, 4, 4)
        y = f(x)
        # temporal high bands (s = 4..7) of output frame 0 are zero: pair (x0, x0)
        self.assertLess(y[:, 12:, 0].abs().max().item(), 1e-6)
        # LLL of frame j >= 1 is the 2x2x2 block sum of (x_{2j-1}, x_{2j}) times 0.3536
        blk = x[:, :, 1:3, 0:2, 0:2].sum(dim=(2, 3, 4)) * HAAR3D_COEF
        self.assertTrue(torch.allclose(y[:, 0:3, 1, 0, 0], blk, atol=1e-5))
        # subband-major: a pure horizontal (w) alternation lands in s = 1 (channels 3..5)
        xw = torch.zeros(1, 3, 1, 2, 2)
        xw[..., 0] = 1.0
        xw[..., 1] = -1.0
        yw = f(xw)
        self.assertGreater(yw[:, 3:6].abs().min().item(), 1.0)
        self.assertLess(yw[:, [0, 1, 2] + list(range(6, 24))].abs().max().item(), 1e-6)
        # vertical (h) alternation lands in s = 2, temporal in s = 4
        xh = torch.zeros(1, 1, 1, 2, 2)
        xh[..., 0, :] = 1.0
        xh[..., 1, :] = -1.0
        self.assertEqual(f(xh)[0, :, 0, 0, 0].abs().argmax().item(), 2)
        xt = torch.zeros(1, 1, 3, 2, 2)
        xt[:, :, 1] = 1.0
        xt[:, :, 2] = -1.0
        self.assertEqual(f(xt)[0, :, 1, 0, 0].abs().argmax().item(), 4)

    def test_haar2d_roundtrip_and_layout(self):
        f, i = HaarWaveletTransform2D(), InverseHaarWaveletTransform2D()
        x = torch.randn(2, 3, 3, 8, 8)
        y = f(x)
        self.assertEqual(tuple(y.shape), (2, 12, 3, 4, 4))
        self.assertTrue(torch.allclose(i(y), x, atol=1e-6))
        self.assertTrue(torch.allclose(y[:, 0:3], F.avg_pool3d(x, (1, 2, 2)) * 2, atol=1e-6))
        # order [LL, high-h, high-w, high-hw]
        xh = torch.zeros(1, 1, 1, 2, 2)
        xh[..., 0, :] = 1.0
        xh[..., 1, :] = -1.0
        self.assertEqual(f(xh)[0, :, 0, 0, 0].abs().argmax().item(), 1)
        self.assertEqual(f(xh.transpose(3, 4))[0, :, 0, 0, 0].abs().argmax().item(), 2)


    def test_inverse_is_transposed_conv(self):
        from training.models.wavelet import haar2d_filters, haar3d_filters
        y = torch.randn(2, 24, 3, 4, 5)
        got = InverseHaarWaveletTransform3D()(y, drop_first=False)
        yy = y.reshape(2, 8, 3, 3, 4, 5).transpose(1, 2).reshape(6, 8, 3, 4, 5)
        ref = F.conv_transpose3d(yy, haar3d_filters(), stride=2).reshape(2, 3, 6, 8, 10)
        self.assertLess((got - ref).abs().max().item(), 1e-5)
        y = torch.randn(2, 12, 3, 4, 5)
        got = InverseHaarWaveletTransform2D()(y)
        yy = y.reshape(2, 4, 3, 3, 4, 5).permute(0, 3, 2, 1, 4, 5).reshape(18, 4, 4, 5)
        ref = F.conv_transpose2d(yy, haar2d_filters(), stride=2).reshape(2, 3, 3, 8, 10).transpose(1, 2)
        self.assertLess((got - ref).abs().max().item(), 1e-5)


class TestLayers(unittest.TestCase):
    def test_causal_conv_cache(self):
        torch.manual_seed(0)
        for k, s, chunk in ((3, 1, 4), (3, 1, 1), (3, 2, 4)):
            conv = CausalConv3d(4, 5, k, stride=(s, 1, 1))
            x = torch.randn(1, 4, 1 + 4 * chunk, 6, 6)
            ref = conv(x)
            conv.chunk = True
            outs = [conv(x[:, :, :1])]
            for a in range(1, x.shape[2], chunk):
                outs.append(conv(x[:, :, a:a + chunk]))
            conv.chunk, conv.cache = False, None
            self.assertLess((torch.cat(outs, 2) - ref).abs().max().item(), 1e-5, (k, s, chunk))

    def test_causal_conv_replicate_padding(self):
        conv = CausalConv3d(2, 2, 3)
        x = torch.randn(1, 2, 1, 5, 5)
        ref = F.conv3d(x.repeat(1, 1, 3, 1, 1), conv.conv.weight, conv.conv.bias, padding=(0, 1, 1))
        self.assertTrue(torch.allclose(conv(x), ref, atol=1e-6))

    def test_time_upsample_is_trilinear(self):
        z = torch.randn(1, 3, 5, 4, 4)
        ours = Spatial2xTime2x3DUpsample.time_up(z)
        ref = F.interpolate(z, scale_factor=(2, 1, 1), mode="trilinear", align_corners=False)
        self.assertLess((ours - ref).abs().max().item(), 1e-6)


class TestModel(unittest.TestCase):
    def test_released_config_param_counts(self):
        m = WFVAE(WFVAEConfig.released())
        enc, dec = count_params(m.encoder), count_params(m.decoder)
        self.assertAlmostEqual(enc / 1e6, 37.18, delta=0.01)
        self.assertAlmostEqual(dec / 1e6, 110.17, delta=0.01)

    def test_tiny_config_budget(self):
        m = WFVAE(WFVAEConfig.tiny())
        self.assertLessEqual(count_params(m), 2.5e6)

    def test_shapes(self):
        m = small_model()
        for t, tl in ((1, 1), (5, 2), (9, 3), (17, 5)):
            x = torch.randn(1, 3, t, 16, 24)
            with torch.no_grad():
                post = m.encode(x)
                self.assertEqual(tuple(post.mean.shape), (1, 8, tl, 2, 3))
                self.assertEqual(tuple(m.decode(post.mean).shape), (1, 3, t, 16, 24))
                zs = m.encode_scaled(x)
                self.assertTrue(torch.allclose(zs, post.mean * 0.18215))

    def test_logvar_clamp(self):
        from training.models.wfvae import DiagonalGaussianDistribution
        mom = torch.cat([torch.zeros(1, 8, 1, 1, 1), torch.full((1, 8, 1, 1, 1), 100.0)], 1)
        self.assertEqual(DiagonalGaussianDistribution(mom).logvar.max().item(), 20.0)

    def test_causality(self):
        m = small_model(1)
        x = torch.randn(1, 3, 17, 16, 16)
        x2 = x.clone()
        x2[:, :, 9:] += torch.randn_like(x2[:, :, 9:])  # change pixel frames >= 9 (latent frames >= 3)
        with torch.no_grad():
            a, b = m.encode(x).mean, m.encode(x2).mean
            self.assertLess((a[:, :, :3] - b[:, :, :3]).abs().max().item(), 1e-6)
            self.assertGreater((a[:, :, 3:] - b[:, :, 3:]).abs().max().item(), 1e-4)
            z2 = a.clone()
            z2[:, :, 3:] += 1.0  # change latent frames >= 3 -> pixel frames >= 9 - 2 (time-interp look-ahead)
            da = (m.decode(a) - m.decode(z2)).abs().amax(dim=(0, 1, 3, 4))
            # pixel frames < 7 depend on latent frames < 3 only (trilinear interp reaches one latent frame ahead)
            self.assertLess(da[:7].max().item(), 1e-6)
            self.assertGreater(da[9:].min().item(), 1e-5)

    def test_chunked_encode_equals_oneshot(self):
        m = small_model(2)
        for t in (1, 17, 33):
            x = torch.randn(1, 3, t, 16, 16)
            with torch.no_grad():
                ref = m.encode(x)
                for ch in (4, 8):
                    got = m.encode_chunked(x, ch)
                    self.assertLess((got.mean - ref.mean).abs().max().item(), 1e-5, (t, ch))
                    self.assertLess((got.logvar - ref.logvar).abs().max().item(), 1e-5, (t, ch))

    def test_chunked_decode_equals_oneshot(self):
        m = small_model(3)
        for tl in (1, 5, 9):  # T = 1, 17, 33
            z = torch.randn(1, 8, tl, 3, 2)
            with torch.no_grad():
                ref = m.decode(z)
                for ch in (1, 2, 3, 4):
                    got = m.decode_chunked(z, ch)
                    self.assertEqual(got.shape, ref.shape)
                    self.assertLess((got - ref).abs().max().item(), 1e-5, (tl, ch))

    def test_chunk_step_emission_counts(self):
        m = small_model(4)
        z = torch.randn(1, 8, 5, 2, 2)
        state = m.decoder_chunk_state_init(1, 2, 2)
        counts = []
        with torch.no_grad():
            for i, (a, b) in enumerate(((0, 1), (1, 3), (3, 5))):
                x, state = m.decode_chunk_step(z[:, :, a:b], state, torch.tensor(float(i == 0)),
                                               torch.tensor(float(i == 2)))
                counts.append(x.shape[2])
        self.assertEqual(counts, [1, 6, 10])  # 1, 4n-2, 4n+2 (last chunk flushes the held-back frames)
        set_chunk_mode(m, False)


class TestDecoderOnlyEMA(unittest.TestCase):
    def test_frozen_encoder_stays_byte_identical(self):
        from training.train_vae import ema_update
        torch.manual_seed(0)
        model, ema = WFVAE(WFVAEConfig.tiny()), WFVAE(WFVAEConfig.tiny())
        ema.load_state_dict(model.state_dict())
        model.encoder.requires_grad_(False)
        with torch.no_grad():
            for p in model.decoder.parameters():
                p.add_(1.0)
            for p in model.encoder.parameters():  # frozen: the EMA must not follow it either
                p.add_(0.5)
        enc0 = {k: v.clone() for k, v in ema.encoder.state_dict().items()}
        for _ in range(3):
            ema_update(ema, model, 0.7)
        for k, v in ema.encoder.state_dict().items():
            self.assertTrue(torch.equal(v, enc0[k]), k)
        dec_e, dec_m = next(ema.decoder.parameters()), next(model.decoder.parameters())
        torch.testing.assert_close(dec_e, dec_m - 0.7 ** 3)


class TestTrainVaeStop(unittest.TestCase):
    """train_vae.main on SIGTERM (a session ending): finishes the step, saves the state and a release whose meta has
    the state's fingerprint; with --decoder_only the released encoder is still the initial one."""

    def test_sigterm_saves_state_and_fingerprinted_release(self):
        import signal
        import tempfile
        from unittest import mock
        from training import train_vae as T
        from training.checkpoint_from_onnx import state_fingerprint
        small = WFVAEConfig(8, 4, 8, 1, 8, 1)

        class FakeData:  # tiny random clips; the second batch brings the SIGTERM
            make_photo, calls = None, 0

            def __init__(self, *a, **k):
                pass

            def batch(self, bs, frames, size, crop):
                FakeData.calls += 1
                if FakeData.calls == 2:
                    os.kill(os.getpid(), signal.SIGTERM)
                return torch.rand(1, 3, 5, 16, 16, generator=torch.Generator().manual_seed(FakeData.calls)) * 2 - 1

        old = signal.getsignal(signal.SIGTERM)
        with tempfile.TemporaryDirectory() as d, mock.patch.object(T, "CKPT", os.path.join(d, "ck", "wfvae_t.pt")), \
                mock.patch.object(T, "MixedData", FakeData), \
                mock.patch.object(T.WFVAEConfig, "tiny", staticmethod(lambda: small)):
            try:
                torch.manual_seed(0)
                T.main(["--decoder_only", "1", "--run_dir", os.path.join(d, "run"), "--threads", "1", "--bf16", "0",
                        "--image_every", "0", "--lr", "1e-2", "--warmup", "1"])
            finally:
                signal.signal(signal.SIGTERM, old)
                torch.set_num_threads(1)
            self.assertEqual(torch.load(os.path.join(d, "run", "state.pt"))["step"], 2)
            with open(os.path.join(d, "ck", "wfvae_t.json")) as f:
                meta = json.load(f)
            rel = torch.load(os.path.join(d, "ck", "wfvae_t.pt"))
            self.assertEqual((meta["step"], meta["decoder_only"]), (2, True))
            self.assertEqual(meta["state_sha256"], state_fingerprint(rel))
        torch.manual_seed(0)
        init = WFVAE(small).state_dict()
        enc = [k for k in init if k.startswith("encoder.")]
        dec = [k for k in init if k.startswith("decoder.") and init[k].dtype.is_floating_point]
        self.assertTrue(enc and all(torch.equal(rel[k], init[k]) for k in enc))
        self.assertTrue(any(not torch.equal(rel[k], init[k]) for k in dec), "the decoder did not train")


if __name__ == "__main__":
    unittest.main()
