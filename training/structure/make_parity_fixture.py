"""Write the shared parity vectors of the structure signals (Python ↔ TypeScript):

    /usr/bin/python3 -m training.structure.make_parity_fixture   → training/fixtures/structure/parity.json

canny: RGB frames (two shapes-world frames, one real-photo frame) and their edge maps (exact, integer canny);
sketch / mask: scenes (clip-meta geometry) and their renderings quantised to uint8 (TS must match within 1 level).
Arrays are base64 of uint8, row-major. training/tests/test_structure_signals.py and src/structure/*.test.ts both
check this file, so a change on either side that the other lacks fails a test.
"""
from __future__ import annotations

import base64
import json
import os

import numpy as np

from training.data import photo_clips
from training.data.shapes_world import make_clip
from training.structure.canny import HIGH, LOW, canny_frame
from training.structure.geometry import render_structure, scene_of_meta

OUT = "training/fixtures/structure/parity.json"


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode()


def canny_cases() -> list[dict]:
    frames = [make_clip(3, 17, 64).video[8], make_clip(12, 17, 64).video[0],
              photo_clips.make_camera_clip(0, 17, 64, "eval").video[0]]
    return [{"h": f.shape[0], "w": f.shape[1], "rgb": b64(f), "edges": b64(canny_frame(f))} for f in frames]


def scene_cases(frames=(0, 8, 16)) -> list[dict]:
    out = []
    for seed in (3, 5, 12, 21):
        sc = scene_of_meta(make_clip(seed, 17, 64).meta)
        sub = {"size": sc["size"], "frames": len(frames),
               "objects": [{"shape": o["shape"], "center": [o["center"][i] for i in frames],
                            "extent": [o["extent"][i] for i in frames], "angle": [o["angle"][i] for i in frames]}
                           for o in sc["objects"]]}
        out.append({"scene": sub, **{k: b64(np.round(render_structure(sub, k) * 255)) for k in ("sketch", "mask")}})
    return out


DRAWINGS = [
    {"size": 64, "frames": 17, "objects": [{"shape": "star", "extent": 26, "angle": 0, "path": [[14, 32], [50, 32]]}]},
    {"size": 64, "frames": 17, "objects": [
        {"shape": "square", "extent": 20, "angle": 10, "path": [[12, 12], [52, 20], [30, 50]], "spin": 4},
        {"shape": "circle", "extent": 14, "path": [[48, 48]], "grow": 1.03}]},
]


def drawing_cases() -> list[dict]:
    """Drawings (compact parameters) → their expanded scenes (compared within 1e-9; rendering is checked above)."""
    from training.structure.sampling import expand_drawing
    return [{"drawing": d, "scene": expand_drawing(d)} for d in DRAWINGS]


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"low": LOW, "high": HIGH, "canny": canny_cases(), "scenes": scene_cases(), "drawings": drawing_cases()}, f)
        f.write("\n")
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
