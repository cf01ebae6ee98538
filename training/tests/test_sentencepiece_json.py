"""spiece.model → tokenizer.json (training/convert/sentencepiece_json.py). The ids themselves are checked in the
engine (src/text/sentencepiece.test.ts and e2e/official-model.spec.ts: all 20 fixture cases)."""
import json
import os
import unittest

from training.convert.sentencepiece_json import (CONTROL, NORMAL, UNKNOWN, SentencePieceModelError, parse_model,
                                                 to_tokenizer_json)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPIECE = os.path.join(ROOT, "..", "shared", "fixtures", "upstream-v13", "mt5", "spiece.model")
COMMITTED = os.path.join(ROOT, "training", "fixtures", "official", "upstream-v13")


@unittest.skipUnless(os.path.exists(SPIECE), "needs ../shared/fixtures/upstream-v13")
class SentencePieceJsonTest(unittest.TestCase):
    def setUp(self):
        self.data = open(SPIECE, "rb").read()

    def test_parses_the_model_proto(self):
        m = parse_model(self.data)
        self.assertEqual(len(m["pieces"]), 1000)
        self.assertEqual([(p, t) for p, _, t in m["pieces"][:3]], [("<pad>", CONTROL), ("</s>", CONTROL), ("<unk>", UNKNOWN)])
        self.assertEqual(m["pieces"][3][2], NORMAL)
        self.assertEqual(m["normalizer"]["name"], "nmt_nfkc")
        self.assertTrue(m["normalizer"]["add_dummy_prefix"] and m["normalizer"]["remove_extra_whitespaces"])
        self.assertGreater(len(m["normalizer"]["precompiled_charsmap"]), 0)

    def test_tokenizer_json_layout(self):
        tj = to_tokenizer_json(self.data)
        self.assertEqual(tj["model"]["type"], "Unigram")
        self.assertEqual(tj["model"]["unk_id"], 2)
        self.assertEqual(len(tj["model"]["vocab"]), 1000)
        self.assertEqual(tj["normalizer"]["normalizers"][0]["type"], "Precompiled")
        self.assertEqual(tj["pre_tokenizer"], {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                                               "split": False})
        self.assertEqual(tj["post_processor"]["special_tokens"]["</s>"]["ids"], [1])

    def test_committed_fixture_model_has_the_same_tokenizer_json(self):
        got = json.load(open(os.path.join(COMMITTED, "tokenizer.json"), encoding="utf-8"))
        self.assertEqual(got, json.loads(json.dumps(to_tokenizer_json(self.data))))

    def test_rejects_bad_files(self):
        for bad in (b"", b"\x00\x01\x02", b"{\"model\": 1}", self.data[:1000], b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"):
            with self.assertRaises(SentencePieceModelError, msg=repr(bad[:20])):
                to_tokenizer_json(bad)


if __name__ == "__main__":
    unittest.main()
