"""Structure Condition Controller (training/models/structure_controller.py): zero-init = base model, injection after
every block, shapes, frame-subset locality of E, frozen base."""
import unittest

import torch

from training.models.skiparse_dit import DiTConfig, OpenSoraT2V_v1_3
from training.models.structure_controller import (StructureConfig, StructureController, controller_bytes,
                                                  dit_forward_with_residuals)

torch.set_num_threads(1)


def small():
    torch.manual_seed(0)
    cfg = DiTConfig(num_layers=4, num_heads=2, head_dim=24, caption_channels=16, inpaint=True)
    dit = OpenSoraT2V_v1_3(cfg).eval()
    ctrl = StructureController(StructureConfig.for_dit(cfg, depth=1)).eval()
    return dit, ctrl


def inputs(t_pix=9, size=32, b=2):
    lt = 1 + (t_pix - 1) // 4
    g = torch.Generator().manual_seed(1)
    x = torch.randn(b, 8, lt, size // 8, size // 8, generator=g)
    return (x, torch.tensor([500.0] * b), torch.randn(b, 5, 16, generator=g), torch.ones(b, 5),
            torch.randn(b, 8, lt, size // 8, size // 8, generator=g), torch.ones(b, 4, lt, size // 8, size // 8),
            torch.rand(b, 2, t_pix, size, size, generator=g))


class TestController(unittest.TestCase):
    def test_zero_init_is_the_base_model(self):
        dit, ctrl = small()
        x, t, txt, m, cl, cm, s = inputs()
        with torch.no_grad():
            base = dit(x, t, txt, m, cl, cm)
            r = ctrl.residuals_for(dit, s, torch.tensor([0, 2]))
            out = dit_forward_with_residuals(dit, x, t, txt, m, cl, cm, r)
        self.assertTrue(torch.equal(base, out))
        self.assertTrue(torch.equal(base, dit_forward_with_residuals(dit, x, t, txt, m, cl, cm, None)))

    def test_residual_added_after_every_block(self):
        dit, ctrl = small()
        x, t, txt, m, cl, cm, s = inputs()
        n = 3 * 2 * 2
        res = torch.zeros(4, 1, n, 48)
        res[2] = 0.5  # only after block 2: blocks 0, 1 unchanged, the output changes
        with torch.no_grad():
            out = dit_forward_with_residuals(dit, x, t, txt, m, cl, cm, res)
            # manual: run the blocks, add at j = 2
            h = dit.embed(x, cl, cm)
            t6, e = dit.adaln_single(t)
            text = dit.caption_projection(txt)
            from training.models.skiparse_dit import text_bias
            cos, sin = dit.rope(3, 2, 2)
            for j, blk in enumerate(dit.transformer_blocks):
                h = blk(h, t6, cos, sin, text, text_bias(m))
                if j == 2:
                    h = h + 0.5
            ref = dit.final(h, e, 3, 2, 2)
        self.assertTrue(torch.allclose(out, ref, atol=1e-6))
        self.assertFalse(torch.allclose(out, dit(x, t, txt, m, cl, cm), atol=1e-4))

    def test_shapes(self):
        dit, ctrl = small()
        for t_pix, size in ((17, 64), (1, 32), (9, 48)):
            s = torch.rand(1, 2, t_pix, size, size)
            r = ctrl.residuals_for(dit, s, torch.tensor([1]))
            n = (1 + (t_pix - 1) // 4) * (size // 16) ** 2
            self.assertEqual(tuple(r.shape), (4, 1, n, 48))
        full = StructureController(StructureConfig.for_dit(DiTConfig.tiny(inpaint=True)))
        self.assertEqual(len(full.projectors), 8)
        self.assertLess(controller_bytes(full), 8_000_000)  # keeps the bundle within 60 MB

    def test_encoder_is_causal_and_grouped_like_the_vae(self):
        """Latent frame 0 sees pixel frame 0 only; latent k sees frames 4k−3..4k — so a first-frame-only structure
        reaches the other latent frames only through the controller's attention."""
        _, ctrl = small()
        s = torch.rand(1, 2, 9, 32, 32)
        s2 = s.clone()
        s2[:, :, 5:9] = 0  # frames of latent 2 only
        with torch.no_grad():
            a, b = ctrl.encoder(s), ctrl.encoder(s2)
        self.assertEqual(a.shape[2], 3)
        self.assertTrue(torch.equal(a[:, :, :2], b[:, :, :2]))
        self.assertFalse(torch.allclose(a[:, :, 2], b[:, :, 2]))

    def test_present_channel_matters(self):
        """An uncontrolled frame (present 0) and a controlled empty frame (present 1, no signal) differ."""
        dit, ctrl = small()
        with torch.no_grad():
            for p in ctrl.projectors:
                p.weight.normal_(0, 0.1)
            none = torch.zeros(1, 2, 9, 32, 32)
            empty = none.clone()
            empty[:, 1] = 1.0
            a = ctrl.residuals_for(dit, none, torch.tensor([0]))
            b = ctrl.residuals_for(dit, empty, torch.tensor([0]))
        self.assertFalse(torch.allclose(a, b, atol=1e-5))

    def test_type_embedding_matters_and_base_gets_no_gradient(self):
        dit, ctrl = small()
        dit.requires_grad_(False)
        with torch.no_grad():
            for p in ctrl.projectors:
                p.weight.normal_(0, 0.1)
        x, t, txt, m, cl, cm, s = inputs(b=1)
        ra = ctrl.residuals_for(dit, s, torch.tensor([0]))
        rb = ctrl.residuals_for(dit, s, torch.tensor([2]))
        self.assertFalse(torch.allclose(ra, rb))
        dit_forward_with_residuals(dit, x, t, txt, m, cl, cm, ra).square().mean().backward()
        self.assertTrue(all(p.grad is None for p in dit.parameters()))
        self.assertTrue(all(p.grad is not None for p in ctrl.projectors.parameters()))

    def test_zero_projectors_still_train(self):
        """Zero P_j: the first step's gradient reaches P_j (∂L/∂W_j = R·∂L/∂F_j ≠ 0) though not E or the blocks."""
        dit, ctrl = small()
        dit.requires_grad_(False)
        x, t, txt, m, cl, cm, s = inputs(b=1)
        r = ctrl.residuals_for(dit, s, torch.tensor([1]))
        dit_forward_with_residuals(dit, x, t, txt, m, cl, cm, r).square().mean().backward()
        self.assertGreater(float(ctrl.projectors[0].weight.grad.abs().sum()), 0.0)


if __name__ == "__main__":
    unittest.main()
