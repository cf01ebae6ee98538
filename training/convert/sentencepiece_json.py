"""SentencePiece `spiece.model` (a serialized ModelProto) → a Hugging Face `tokenizer.json` (Unigram) that the browser
engine loads with `@huggingface/tokenizers` (pure JS, no eval: the page's CSP has no 'unsafe-eval').

The protobuf wire format is read by hand (no sentencepiece / protobuf dependency). The layout follows what HF
transformers' slow→fast converter (SpmConverter / T5Converter) builds for T5 / mT5:
  model          Unigram, vocab = [[piece, score], ...] in id order, unk_id = the UNKNOWN piece
  normalizer     Precompiled(precompiled_charsmap) when the model has one, then remove_extra_whitespaces
                 (strip both ends, collapse runs of spaces) as SentencePiece does after normalisation
  pre_tokenizer  Metaspace('▁', prepend_scheme 'always' if add_dummy_prefix else 'never', split False)
  post_processor TemplateProcessing: $A </s>
  decoder        Metaspace
The engine truncates / pads itself (maxLength − 1 pieces, then </s>, then <pad>)."""
from __future__ import annotations

import base64
import json
import struct
from typing import Dict, List, Tuple

# ModelProto.SentencePiece.Type
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


class SentencePieceModelError(ValueError):
    pass


def _varint(b: bytes, i: int) -> Tuple[int, int]:
    v, shift = 0, 0
    while True:
        if i >= len(b):
            raise SentencePieceModelError("truncated varint")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7
        if shift > 63:
            raise SentencePieceModelError("varint too long")


def _fields(b: bytes):
    """(field number, wire type, value) of one message; value is int (varint / fixed) or bytes (length-delimited)."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if num == 0:
            raise SentencePieceModelError("field number 0")
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 1:
            if i + 8 > len(b):
                raise SentencePieceModelError("truncated fixed64")
            v, i = b[i:i + 8], i + 8
        elif wt == 2:
            n, i = _varint(b, i)
            if i + n > len(b):
                raise SentencePieceModelError("truncated length-delimited field")
            v, i = b[i:i + n], i + n
        elif wt == 5:
            if i + 4 > len(b):
                raise SentencePieceModelError("truncated fixed32")
            v, i = b[i:i + 4], i + 4
        else:
            raise SentencePieceModelError(f"unsupported wire type {wt}")
        yield num, wt, v


def parse_model(data: bytes) -> Dict:
    """pieces [(piece, score, type)], normalizer {name, precompiled_charsmap, add_dummy_prefix,
    remove_extra_whitespaces, escape_whitespaces}, trainer model_type (1 = unigram)."""
    pieces: List[Tuple[str, float, int]] = []
    norm = {"name": "", "precompiled_charsmap": b"", "add_dummy_prefix": True, "remove_extra_whitespaces": True,
            "escape_whitespaces": True}
    model_type = 1
    for num, wt, v in _fields(data):
        if num == 1 and wt == 2:  # pieces
            p, s, t = None, 0.0, NORMAL
            for n2, w2, v2 in _fields(v):
                if n2 == 1 and w2 == 2:
                    p = v2.decode("utf-8")
                elif n2 == 2 and w2 == 5:
                    s = struct.unpack("<f", v2)[0]
                elif n2 == 3 and w2 == 0:
                    t = v2
            if p is None:
                raise SentencePieceModelError(f"piece {len(pieces)} has no text")
            pieces.append((p, s, t))
        elif num == 2 and wt == 2:  # trainer_spec
            for n2, w2, v2 in _fields(v):
                if n2 == 3 and w2 == 0:
                    model_type = v2
        elif num == 3 and wt == 2:  # normalizer_spec
            for n2, w2, v2 in _fields(v):
                if n2 == 1 and w2 == 2:
                    norm["name"] = v2.decode("utf-8")
                elif n2 == 2 and w2 == 2:
                    norm["precompiled_charsmap"] = bytes(v2)
                elif n2 == 3 and w2 == 0:
                    norm["add_dummy_prefix"] = bool(v2)
                elif n2 == 4 and w2 == 0:
                    norm["remove_extra_whitespaces"] = bool(v2)
                elif n2 == 5 and w2 == 0:
                    norm["escape_whitespaces"] = bool(v2)
    if not pieces:
        raise SentencePieceModelError("no pieces (not a SentencePiece model)")
    return {"pieces": pieces, "normalizer": norm, "model_type": model_type}


def to_tokenizer_json(data: bytes, eos_piece: str = "</s>") -> Dict:
    m = parse_model(data)
    if m["model_type"] != 1:
        raise SentencePieceModelError(f"model_type {m['model_type']} is not unigram (T5 / mT5 use unigram)")
    pieces, nrm = m["pieces"], m["normalizer"]
    unk = [i for i, (_, _, t) in enumerate(pieces) if t == UNKNOWN]
    if len(unk) != 1:
        raise SentencePieceModelError(f"expected one UNKNOWN piece, found {len(unk)}")
    vocab = {p: i for i, (p, _, _) in enumerate(pieces)}
    if eos_piece not in vocab:
        raise SentencePieceModelError(f"no {eos_piece!r} piece")
    eos_id = vocab[eos_piece]
    norms = []
    if nrm["precompiled_charsmap"]:
        norms.append({"type": "Precompiled",
                      "precompiled_charsmap": base64.b64encode(nrm["precompiled_charsmap"]).decode("ascii")})
    if nrm["remove_extra_whitespaces"]:
        norms += [{"type": "Strip", "strip_left": True, "strip_right": True},
                  {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]
    added = [{"id": i, "content": p, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for i, (p, _, t) in enumerate(pieces) if t in (CONTROL, UNKNOWN)]
    prepend = "always" if nrm["add_dummy_prefix"] else "never"
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": norms} if norms else None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": prepend, "split": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": eos_piece, "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": eos_piece, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": eos_piece, "type_id": 0}}],
            "special_tokens": {eos_piece: {"id": eos_piece, "ids": [eos_id], "tokens": [eos_piece]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": prepend, "split": False},
        "model": {"type": "Unigram", "unk_id": unk[0], "byte_fallback": False,
                  "vocab": [[p, float(s)] for p, s, _ in pieces]},
    }


def write_tokenizer_json(spiece_path: str, out_path: str) -> None:
    with open(spiece_path, "rb") as f:
        data = f.read()
    tj = to_tokenizer_json(data)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
