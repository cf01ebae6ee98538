"""Word-level tokenizer for the small text encoder (replaces mT5's SentencePiece at our scale).

Rule (the browser tokenizer implements the same; vocab.json carries everything it needs):
1. lower-case the prompt (Python str.lower ≈ JS toLowerCase);
2. words are maximal runs of letters/digits (Unicode \\p{L}\\p{N}; Python str.isalnum), anything else
   (spaces, punctuation, symbols) separates words and is dropped — as training/data/vocab.py `tokenize` does for
   every training caption;
3. each word maps to its id, or to <unk> (reported by `unknown_words` so the UI can show them);
4. ids are truncated to max_length − 1 words, <eos> is appended, and the rest is <pad>; mask = 1 on words and
   <eos>, 0 on padding. An empty prompt is just [<eos>, <pad>, …] with mask [1, 0, …].

Ids: 0 <pad>, 1 <unk>, 2 <eos>, then the sorted vocabulary (training/data/vocab.py VOCAB plus the words of
GENERIC_CAPTION, the inpainting text-dropout caption of spec §5.1).
"""
from __future__ import annotations

import json
from typing import Iterable, List, Sequence, Tuple

import numpy as np

from training.data.vocab import VOCAB as DATA_VOCAB

PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
SPECIALS = (PAD, UNK, EOS)
PAD_ID, UNK_ID, EOS_ID = 0, 1, 2
MAX_LENGTH = 32
GENERIC_CAPTION = "The video showcases a scene with coherent and clear visuals."


def split_words(text: str) -> List[str]:
    words, cur = [], []
    for ch in text.lower():
        if ch.isalnum():
            cur.append(ch)
        elif cur:
            words.append("".join(cur))
            cur = []
    if cur:
        words.append("".join(cur))
    return words


def _build_vocab() -> Tuple[str, ...]:
    words = set(DATA_VOCAB) | set(split_words(GENERIC_CAPTION))
    return SPECIALS + tuple(sorted(words))


class Tokenizer:
    def __init__(self, tokens: Sequence[str] = None, max_length: int = MAX_LENGTH):
        self.tokens = tuple(tokens) if tokens is not None else _build_vocab()
        assert self.tokens[:3] == SPECIALS
        self.ids = {w: i for i, w in enumerate(self.tokens)}
        self.max_length = max_length

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def _id_of(self, word: str):
        """The word's id, or its singular's when only that is known ("squares" -> "square", "boxes" -> "box"):
        users write plurals of the shapes the captions name one at a time. Same rule as src/text/tokenizer.ts."""
        i = self.ids.get(word)
        if i is not None or len(word) < 4 or not word.endswith("s") or word.endswith("ss"):
            return i
        i = self.ids.get(word[:-1])
        if i is None and word.endswith("es"):
            i = self.ids.get(word[:-2])
        return i

    def unknown_words(self, text: str) -> List[str]:
        """Words of `text` that map to <unk>, in order of appearance, without repeats."""
        out = []
        for w in split_words(text):
            if self._id_of(w) is None and w not in out:
                out.append(w)
        return out

    def encode(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        """ids int64 [max_length], mask float32 [max_length]."""
        ids = [self._id_of(w) for w in split_words(text)][: self.max_length - 1]
        ids = [UNK_ID if i is None else i for i in ids] + [EOS_ID]
        n = len(ids)
        out = np.full(self.max_length, PAD_ID, dtype=np.int64)
        out[:n] = ids
        mask = np.zeros(self.max_length, dtype=np.float32)
        mask[:n] = 1.0
        return out, mask

    def encode_batch(self, texts: Iterable[str]):
        import torch
        enc = [self.encode(t) for t in texts]
        return (torch.from_numpy(np.stack([e[0] for e in enc])), torch.from_numpy(np.stack([e[1] for e in enc])))

    def decode(self, ids) -> str:
        return " ".join(self.tokens[int(i)] for i in ids if int(i) not in (PAD_ID, EOS_ID))

    def to_json(self) -> dict:
        return {
            "type": "word-level",
            "version": 1,
            "lowercase": True,
            "split": "maximal runs of Unicode letters/digits (\\p{L}\\p{N}); everything else separates and is dropped",
            "js_regex": "[\\p{L}\\p{N}]+",
            "max_length": self.max_length,
            "pad_id": PAD_ID, "unk_id": UNK_ID, "eos_id": EOS_ID,
            "truncate_words_to": self.max_length - 1,
            "layout": "ids = word ids[:max_length-1] + [eos_id], padded with pad_id; mask 1 on words and eos",
            "tokens": list(self.tokens),
        }

    def write_json(self, path: str):
        with open(path, "w") as f:
            json.dump(self.to_json(), f, indent=1)
            f.write("\n")

    @staticmethod
    def from_json(path_or_dict) -> "Tokenizer":
        d = path_or_dict
        if isinstance(d, str):
            with open(d) as f:
                d = json.load(f)
        return Tokenizer(d["tokens"], d["max_length"])
