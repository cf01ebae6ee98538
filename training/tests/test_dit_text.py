"""Word-level tokenizer and the small text encoder.

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
"""
import json
import os
import tempfile
import unittest
from unittest import mock

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from training.data import shapes_world
from training.data.vocab import VOCAB, tokenize
from training.models.text_encoder import TextEncoder, TextEncoderConfig
from training.tokenizer import EOS_ID, GENERIC_CAPTION, PAD_ID, UNK_ID, Tokenizer, split_words

torch.set_num_threads(2)


class TestTokenizer(unittest.TestCase):
    def setUp(self):
        self.tok = Tokenizer()

    def test_vocab(self):
        self.assertEqual(self.tok.tokens[:3], ("<pad>", "<unk>", "<eos>"))
        for w in VOCAB:
            self.assertIn(w, self.tok.ids)
        self.assertEqual(self.tok.unknown_words(GENERIC_CAPTION), [])

    def test_split_matches_data_tokenize(self):
        for seed in range(300):
            cap = shapes_world.make_meta(seed)[0]
            self.assertEqual(split_words(cap), tokenize(cap))
            self.assertEqual(self.tok.unknown_words(cap), [])
        self.assertEqual(split_words("Red circle, moving RIGHT quickly; blue-background!"),
                         ["red", "circle", "moving", "right", "quickly", "blue", "background"])

    def test_encode(self):
        ids, mask = self.tok.encode("A red circle")
        self.assertEqual(ids.dtype, np.int64)
        self.assertEqual(ids.shape, (32,))
        self.assertEqual(ids[:4].tolist(), [self.tok.ids["a"], self.tok.ids["red"], self.tok.ids["circle"], EOS_ID])
        self.assertTrue(np.all(ids[4:] == PAD_ID))
        self.assertEqual(mask.tolist(), [1.0] * 4 + [0.0] * 28)
        self.assertEqual(self.tok.decode(ids), "a red circle")

    def test_unknown(self):
        ids, _ = self.tok.encode("a purple zebra dances, zebra!")
        self.assertEqual(ids[2], UNK_ID)
        self.assertEqual(self.tok.unknown_words("a purple zebra dances, zebra!"), ["zebra", "dances"])

    def test_empty_and_long(self):
        ids, mask = self.tok.encode("")
        self.assertEqual(ids[0], EOS_ID)
        self.assertEqual(mask.sum(), 1.0)
        ids, mask = self.tok.encode(" ,.!? ")
        self.assertEqual(mask.sum(), 1.0)
        ids, mask = self.tok.encode("red " * 50)
        self.assertEqual(mask.sum(), 32.0)
        self.assertEqual(ids[-1], EOS_ID)

    def test_json_roundtrip(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "vocab.json")
            self.tok.write_json(p)
            t2 = Tokenizer.from_json(p)
            with open(p) as f:
                j = json.load(f)
        self.assertEqual(t2.tokens, self.tok.tokens)
        self.assertEqual(j["eos_id"], EOS_ID)


class TestTextEncoder(unittest.TestCase):
    def test_shapes_and_padding(self):
        tok = Tokenizer()
        torch.manual_seed(0)
        te = TextEncoder(TextEncoderConfig(tok.vocab_size)).eval()
        ids, mask = tok.encode_batch(["a red circle moves left", ""])
        y = te(ids, mask)
        self.assertEqual(tuple(y.shape), (2, 32, 192))
        self.assertTrue(torch.isfinite(y).all())
        ids2 = ids.clone()
        ids2[0, 6:] = 5  # change padding ids: valid positions unaffected
        torch.testing.assert_close(te(ids2, mask)[0, :6], y[0, :6])


class TestTextStateGaps(unittest.TestCase):
    """eval_dit.text_state_gaps: each probe pair differs in exactly its word, and tied words read as a 0 gap."""

    def test_swaps_and_a_collapsed_pair(self):
        from training import eval_dit as E
        from training.train_dit import random_bundle
        b, tok = random_bundle(seed=0, layers=2, heads=2, head_dim=12, text_width=24, text_layers=1)
        for name, (w, x, y) in E.TEXT_SWAPS.items():
            self.assertIn(w, E.TEXT_PROBE, name)
            pa, pb = E.TEXT_PROBE.replace(w, x, 1), E.TEXT_PROBE.replace(w, y, 1)
            diff = [(u, v) for u, v in zip(split_words(pa), split_words(pb)) if u != v]
            self.assertEqual(len(split_words(pa)), len(split_words(pb)), name)
            self.assertEqual(len(diff), 1, name)
            self.assertTrue(all(u in tok.ids and v in tok.ids for u, v in diff), name)  # no <unk> on either side
        gaps = E.text_state_gaps(b, tok)
        self.assertTrue(all(0.0 < g < 10.0 for g in gaps.values()), gaps)
        with torch.no_grad():  # the same embedding for "left" and "right": the encoder cannot tell them apart
            b.text_encoder.tok.weight[tok.ids["left"]] = b.text_encoder.tok.weight[tok.ids["right"]]
        gaps2 = E.text_state_gaps(b, tok)
        self.assertEqual(gaps2["left/right"], 0.0)
        self.assertGreater(gaps2["up/down"], 0.0)
        # the DiT side: identical text states give an identical x0 prediction at every probed timestep
        sens = E.dit_word_sensitivity(b, tok, vae=None)
        self.assertEqual(set(sens["left/right"]), {f"t{t}" for t in E.PROBE_TIMESTEPS})
        self.assertTrue(all(v == 0.0 for v in sens["left/right"].values()), sens["left/right"])
        self.assertTrue(all(v > 0.0 for v in sens["up/down"].values()), sens["up/down"])


class TestWordUse(unittest.TestCase):
    """eval_dit.dit_word_use: a word the text encoder cannot tell apart projects to exactly 0."""

    def test_tied_shape_words_read_zero(self):
        from training import eval_dit as E
        from training.train_dit import load_vae, random_bundle
        b, tok = random_bundle(seed=0, inpaint=True, layers=2, heads=2, head_dim=12, text_width=24, text_layers=1)
        vae, _ = load_vae("", allow_random=True)
        with torch.no_grad():
            for w in ("square", "triangle", "star"):
                b.text_encoder.tok.weight[tok.ids[w]] = b.text_encoder.tok.weight[tok.ids["circle"]]
        use = E.dit_word_use(b, tok, vae, n=2)
        self.assertEqual(set(use), {"shape", "color", "direction"})
        self.assertEqual(set(use["color"]), {f"t{t}" for t in E.WORD_USE_TIMESTEPS})
        self.assertTrue(all(v == 0.0 for v in use["shape"].values()), use["shape"])
        self.assertTrue(any(v != 0.0 for v in use["color"].values()), use["color"])

    def test_tied_zoom_words_read_zero(self):
        """camera_word_use: with "in" and "out" tied the zoom pair reads exactly 0, the pans do not."""
        from training import eval_dit as E
        from training.train_dit import load_vae, random_bundle
        b, tok = random_bundle(seed=0, inpaint=True, layers=2, heads=2, head_dim=12, text_width=24, text_layers=1)
        vae, _ = load_vae("", allow_random=True)
        with torch.no_grad():
            b.text_encoder.tok.weight[tok.ids["out"]] = b.text_encoder.tok.weight[tok.ids["in"]]
        use = E.camera_word_use(b, tok, vae, n=2)
        self.assertEqual(set(use), {"camera_pan", "camera_zoom"})
        self.assertTrue(all(v == 0.0 for v in use["camera_zoom"].values()), use["camera_zoom"])
        self.assertTrue(any(v != 0.0 for v in use["camera_pan"].values()), use["camera_pan"])


class TestEvalSize(unittest.TestCase):
    """eval_dit --size: the whole run (prompts, sampling, scoring) happens at that size, and the module default is
    restored for the other tests."""

    def tearDown(self):
        from training import eval_dit as E
        E.SIZE = 64

    def test_random_model_at_32(self):
        from training import eval_dit as E
        shapes, run_t2v = [], E.run_t2v

        def spy(*a, **k):
            videos, scores, secs = run_t2v(*a, **k)
            shapes.extend(v.shape for v in videos)
            return videos, scores, secs
        with tempfile.TemporaryDirectory() as d, mock.patch.object(E, "run_t2v", spy):
            out = os.path.join(d, "e.json")
            E.main(["--random", "--vae", "", "--n", "1", "--n-train", "0", "--n-i2v", "0", "--steps", "1", "--cfg", "1",
                    "--size", "32", "--no-ceiling", "--sheet", "", "--out", out])
            res = json.load(open(out))
        self.assertEqual(res["params"]["size"], 32)
        self.assertEqual(shapes, [(17, 32, 32, 3)])
        with self.assertRaises(SystemExit):
            E.main(["--random", "--size", "40"])


if __name__ == "__main__":
    unittest.main()
