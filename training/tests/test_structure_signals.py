"""Structure signals (training/structure/): canny, sketch and mask against the renderer and the shared parity
vectors (training/fixtures/structure/parity.json, also read by src/structure/*.test.ts)."""
import base64
import json
import unittest

import numpy as np

from training.data.shapes_world import PALETTE, make_clip
from training.structure.canny import HIGH, LOW, canny_frame, canny_video, edge_f1
from training.structure.geometry import render_structure, scene_of_meta
from training.structure.signals import parse_frames, signal_of, structure_video

FIX = "training/fixtures/structure/parity.json"


def unb64(s, shape):
    return np.frombuffer(base64.b64decode(s), np.uint8).reshape(shape)


class TestSignals(unittest.TestCase):
    def test_parity_vectors_are_current(self):
        with open(FIX) as f:
            d = json.load(f)
        self.assertEqual((d["low"], d["high"]), (LOW, HIGH))
        for c in d["canny"]:
            rgb = unb64(c["rgb"], (c["h"], c["w"], 3))
            self.assertTrue(np.array_equal(canny_frame(rgb), unb64(c["edges"], (c["h"], c["w"]))))
        for c in d["scenes"]:
            sc = c["scene"]
            for k in ("sketch", "mask"):
                ref = unb64(c[k], (sc["frames"], sc["size"], sc["size"])).astype(int)
                got = np.round(render_structure(sc, k) * 255).astype(int)
                self.assertLessEqual(int(np.abs(got - ref).max()), 0)
        from training.structure.sampling import expand_drawing
        for c in d["drawings"]:
            got = expand_drawing(c["drawing"])
            for o, r in zip(got["objects"], c["scene"]["objects"]):
                for k in ("center", "extent", "angle"):
                    self.assertTrue(np.allclose(o[k], r[k], atol=1e-9, rtol=0))

    def test_flat_image_has_no_edges(self):
        f = np.full((32, 32, 3), 120, np.uint8)
        self.assertEqual(int(canny_frame(f).sum()), 0)

    def test_canny_finds_the_rendered_outline(self):
        for seed in range(6):
            c = make_clip(seed, 17, 64)
            e = canny_video(c.video)
            sk = (render_structure(scene_of_meta(c.meta), "sketch") > 0.3).astype(np.uint8)
            self.assertGreater(edge_f1(e, sk, tol=1)["f1"], 0.8, c.caption)

    def test_canny_is_thin(self):
        """Non-maximum suppression: a vertical step gives a one-pixel-wide line."""
        f = np.zeros((16, 16, 3), np.uint8)
        f[:, 8:] = 200
        e = canny_frame(f)
        self.assertEqual(int(e[5].sum()), 1)

    def test_mask_is_the_renderer_coverage(self):
        c = make_clip(4, 17, 64)
        m = render_structure(scene_of_meta(c.meta), "mask")
        bg = np.asarray(PALETTE[c.meta["background"]])
        differs = np.abs(c.video.astype(int) - bg).sum(-1) > 30
        inside = m > 0.5
        self.assertGreater((differs == inside).mean(), 0.99)

    def test_sketch_is_an_outline(self):
        c = make_clip(0, 17, 64)
        sc = scene_of_meta(c.meta)
        sk, m = render_structure(sc, "sketch"), render_structure(sc, "mask")
        self.assertLess(sk.sum(), 0.6 * m.sum())  # a line, not the fill
        self.assertGreater(float(sk.max()), 0.9)

    def test_frames_and_present_channel(self):
        self.assertEqual(parse_frames("all", 5), [0, 1, 2, 3, 4])
        self.assertEqual(parse_frames("first", 17), [0])
        self.assertEqual(parse_frames("0,8,16", 17), [0, 8, 16])
        self.assertEqual(parse_frames("none", 17), [])
        with self.assertRaises(ValueError):
            parse_frames("0,17", 17)
        c = make_clip(2, 17, 64)
        s = structure_video(signal_of("mask", meta=c.meta), [0, 8])
        self.assertEqual(s.shape, (2, 17, 64, 64))
        self.assertEqual(s[1].reshape(17, -1).max(1).tolist(), [1.0 if i in (0, 8) else 0.0 for i in range(17)])
        self.assertEqual(float(s[0, 3].sum()), 0.0)
        self.assertGreater(float(s[0, 8].sum()), 0.0)


if __name__ == "__main__":
    unittest.main()
