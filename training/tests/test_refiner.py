"""training/refiner.py: every construction the refiner claims (issue #29), the shared vectors the TS refiner is checked
against (training/fixtures/refiner_vectors.json), and the held-out paraphrase eval.

Regenerate the vectors after a deliberate rule change (then src/text/refiner.test.ts must agree):
    /usr/bin/python3 -m training.tests.test_refiner --write
"""
from __future__ import annotations

import json
import os
import sys
import unittest

from training.refiner import REFINER_VERSION, refine_prompt, refined_caption, within_one_edit
from training.eval_refiner import OUT as EVAL_JSON, score
from training.tokenizer import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "training", "fixtures", "refiner_vectors.json")

# (prompt, expected caption): one or more per construction.
CASES = [
    # any clause order (background first), commas, case and punctuation
    ("on a blue background, a small red circle moves left", "a small red circle moves left on a blue background"),
    ("A SMALL red circle... moves LEFT!!! (blue background)", "a small red circle moves left on a blue background"),
    ("blue background; red circle; moving left", "a red circle moves left on a blue background"),
    # there is / are, plurals, counts
    ("there is a green star spinning", "a green star spins"),
    ("there are two squares moving up", "a square moves up and a square moves up"),
    ("squares bounce on a black background", "a square bounces and a square bounces on a black background"),
    ("a pair of yellow triangles shrink", "a yellow triangle shrinks and a yellow triangle shrinks"),
    ("red and blue circles move right", "a red circle moves right and a blue circle moves right"),
    ("three stars", "a star and a star"),
    # with
    ("a white background with a big pink square moving down", "a big pink square moves down on a white background"),
    ("a red circle with a blue square, both spinning", "a red circle spins and a blue square spins"),
    # adverbs and speed
    ("a circle goes leftward slowly", "a circle moves left slowly"),
    ("quickly, upwards, a cyan ball travels", "a cyan circle moves up quickly"),
    ("a star rotating rapidly", "a star spins quickly"),
    # negation where the world has it
    ("a gray triangle that does not move on a red background", "a gray triangle stays still on a red background"),
    ("the square doesn't move", "a square stays still"),
    ("a circle not spinning", "a circle"),
    # misspellings within one edit
    ("a purpel trinagle bounces", "a purple triangle bounces"),
    ("a yelow squre moves rigth", "a yellow square moves right"),
    # lexical knowledge: WordNet and colour names
    ("a crimson ball rolls left on a navy backdrop", "a red circle moves left on a blue background"),
    ("an enormous teal cube twirls", "a big cyan square spins"),
    ("a tiny ivory disc enlarges", "a small white circle grows"),
    ("the background is ivory and a block dwindles", "a square shrinks on a white background"),
    # postposed / predicative attributes, ordinals
    ("a circle, red, moving right fast, on a background that is black", "a red circle moves right quickly on a black background"),
    ("a red circle and a blue star: the first rises, the second sinks", "a red circle moves up and a blue star moves down"),
    # camera moves (image-to-video)
    ("the camera is zooming into the forest", "the camera zooms in"),
    ("pan to the left slowly", "the camera pans left slowly"),
    ("the view tilts upward", "the camera tilts up"),
    ("the camera pulls back", "the camera zooms out"),
    ("static shot of a lake", "the camera stays still"),
    # nothing of the world
    ("a dog runs in the park", ""),
    ("", ""),
]

BAD_INPUTS = ["", "a" * 2000, "a red circle " * 160, "🙂🙂 a red 🔴 circle", "دائرة حمراء a red circle",
              "\u202ea red circle\u202c", "a red\x00circle\x07\x1b[31m moves\tleft\r\n", "\ud7ff\ufffd"]


def vector_prompts() -> list[str]:
    return [p for p, _ in CASES] + BAD_INPUTS + [
        "a big red circle moves right on a blue background", "camera zooms", "the camera moves", "a red", "background",
        "a big background", "slowly", "not", "a circle moves and spins", "a huge crimson sphere and a wee navy pentagram",
    ]


def build_vectors() -> dict:
    with open(EVAL_JSON, encoding="utf-8") as f:
        eval_items = json.load(f)["items"]
    return {"refiner_version": REFINER_VERSION,
            "cases": [{"prompt": p, "result": refine_prompt(p)} for p in vector_prompts()],
            "eval_captions": [refine_prompt(it["prompt"])["caption"] for it in eval_items]}


class TestConstructions(unittest.TestCase):
    def test_cases(self):
        for prompt, want in CASES:
            with self.subTest(prompt=prompt):
                self.assertEqual(refine_prompt(prompt)["caption"], want)

    def test_every_word_is_placed_or_reported(self):
        r = refine_prompt("a crimson ball and a dog fly leftward on a navy backdrop")
        self.assertIn({"from": "crimson", "to": "red", "why": "nearest of the model's colours (CIELAB)"}, r["mappings"])
        self.assertTrue(any(m["from"] == "ball" and m["to"] == "circle" for m in r["mappings"]))
        self.assertEqual([u["word"] for u in r["unplaced"]], ["dog"])
        self.assertIn("circles, squares, triangles and stars", r["unplaced"][0]["why"])

    def test_plural_is_mapped_not_unknown(self):
        r = refine_prompt("squares")
        self.assertEqual(r["unplaced"], [])
        self.assertEqual(len(r["scene"]["objects"]), 2)

    def test_refined_caption_only_uses_model_words(self):
        tok = Tokenizer()
        for prompt, want in CASES:
            self.assertEqual(tok.unknown_words(want), [], want)

    def test_toggle_and_fallback(self):
        self.assertEqual(refined_caption("a crimson ball", refine=False), "a crimson ball")
        self.assertEqual(refined_caption("a crimson ball"), "a red circle")
        self.assertEqual(refined_caption("hello world"), "hello world")  # nothing recognised: as written

    def test_bad_input(self):
        for p in BAD_INPUTS:
            r = refine_prompt(p)
            self.assertIsInstance(r["caption"], str)
            self.assertLessEqual(len(r["scene"]["objects"]), 2)

    def test_one_edit(self):
        self.assertTrue(within_one_edit("squre", "square"))
        self.assertTrue(within_one_edit("rigth", "right"))
        self.assertTrue(within_one_edit("circel", "circle"))
        self.assertFalse(within_one_edit("sqre", "square"))
        self.assertFalse(within_one_edit("ab", "ba1"))


class TestSampleApplies(unittest.TestCase):
    def test_sample_py_refines_like_the_page(self):
        import contextlib
        import io
        from training.sample import refine_for_model
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(refine_for_model("on a navy backdrop, a crimson ball rolls leftward"),
                             "a red circle moves left on a blue background")
            self.assertEqual(refine_for_model("a crimson ball", refine=False), "a crimson ball")
            self.assertEqual(refine_for_model("hello"), "hello")
        self.assertIn("crimson → red", err.getvalue())


class TestSharedVectors(unittest.TestCase):
    def test_matches_fixture(self):
        with open(VECTORS, encoding="utf-8") as f:
            want = json.load(f)
        self.assertEqual(build_vectors(), want)


class TestHeldOutEval(unittest.TestCase):
    def test_accuracy(self):
        with open(EVAL_JSON, encoding="utf-8") as f:
            doc = json.load(f)
        s = score(doc["items"])
        self.assertGreaterEqual(len(doc["items"]), 300)
        self.assertGreaterEqual(s["accuracy"], 0.98, s["misses"][:5])
        self.assertEqual(round(s["accuracy"], 4), doc["scene_accuracy"])


if __name__ == "__main__":
    if "--write" in sys.argv:
        with open(VECTORS, "w", encoding="utf-8") as f:
            json.dump(build_vectors(), f, indent=1, ensure_ascii=False)
            f.write("\n")
        print("wrote", VECTORS)
    else:
        unittest.main()
