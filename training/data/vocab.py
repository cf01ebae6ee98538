"""The full caption vocabulary of all data worlds (for the word-level tokenizer).

``VOCAB``: sorted tuple of every word any caption of shapes_world, photo_clips or
real_video can contain.  ``tokenize(caption)`` lower-cases and splits a caption into
those words (punctuation is dropped).
"""
from __future__ import annotations

from .photo_clips import VOCAB as CAMERA_VOCAB
from .real_video import REAL_VIDEOS
from .shapes_world import VOCAB as SHAPES_VOCAB
from .shapes_world import tokenize

REAL_VOCAB: tuple[str, ...] = tuple(sorted({w for v in REAL_VIDEOS for w in tokenize(v.caption)}))
VOCAB: tuple[str, ...] = tuple(sorted(set(SHAPES_VOCAB) | set(CAMERA_VOCAB) | set(REAL_VOCAB)))

__all__ = ['VOCAB', 'SHAPES_VOCAB', 'CAMERA_VOCAB', 'REAL_VOCAB', 'tokenize']
