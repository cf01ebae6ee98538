"""Export the Structure Condition Controller as its own ONNX graph (opset 17, fp32, weights inside the graph).

    /usr/bin/python3 -m training.export_structure                       dev graph + parity fixture (random weights,
                                                                        toy width) → training/fixtures/structure/dev
    /usr/bin/python3 -m training.export_structure --ckpt training/checkpoints/structure_tiny.pt \
        --out public/models/osp-v13-tiny                                the trained controller + its parity fixture

Graph structure_controller.onnx:
  structure [1, 2, T, H, W] float32 (channel 0 signal, channel 1 frame-present; training/structure/signals.py),
  type_id [1] int64 (0 canny, 1 sketch, 2 mask) → residuals [M, 1, N, D] (N = (1 + (T−1)/4)·(H/16)·(W/16)).
The DiT's 3D RoPE tables are computed inside the graph from the structure's shape (as dit_embed.onnx does).
The engine runs it once per generation and adds residuals[j] to the hidden state after DiT block j at every step:
between dit_block{j}_post and dit_block{j+1}_pre on the split (WebGPU) path.
Fixture (structure_fixture.json + .bin files): two structure shapes, inputs and PyTorch residuals, for
src/structure/controller.test.ts (onnxruntime-node).
"""
from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn as nn

from training.data.shapes_world import make_clip
from training.models.rope import rope_tables
from training.models.structure_controller import StructureConfig, StructureController
from training.structure.signals import signal_of, structure_video

OPSET = 17
GRAPH = "structure_controller.onnx"
DEV_OUT = "training/fixtures/structure/dev"
DEV_CFG = dict(hidden=48, heads=2, head_dim=24, num_dit_layers=6, depth=1, conv_channels=(8, 16, 16))


class ControllerGraph(nn.Module):
    def __init__(self, ctrl: StructureController):
        super().__init__()
        self.ctrl = ctrl

    def forward(self, structure, type_id):
        c = self.ctrl.cfg
        _, _, t, h, w = structure.shape
        p = c.patch_size * 8
        cos, sin = rope_tables(1 + (t - 1) // c.temporal_stride, h // p, w // p, c.head_dim, c.rope_theta)
        return self.ctrl(structure, type_id, cos, sin)


def fixture_inputs(ctrl):
    """Two cases: 17 × 64² sketch on frames 0, 8, 16; 9 × 32×48 mask on all frames."""
    out = []
    for frames, h, w, kind, sel in ((17, 64, 64, "sketch", [0, 8, 16]), (9, 32, 48, "mask", list(range(9)))):
        clip = make_clip(7, frames, 64)
        sig = signal_of(kind, clip.video, clip.meta)[:, :h, :w]
        s = torch.from_numpy(structure_video(np.ascontiguousarray(sig), sel))[None]
        out.append((s, torch.tensor([("canny", "sketch", "mask").index(kind)])))
    return out


def export(ctrl: StructureController, out_dir: str, fixture_dir: str, meta: dict):
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(fixture_dir, exist_ok=True)
    g = ControllerGraph(ctrl.eval())
    path = os.path.join(out_dir, GRAPH)
    s0, t0 = fixture_inputs(ctrl)[0]
    torch.onnx.export(g, (s0, t0), path, opset_version=OPSET, input_names=["structure", "type_id"],
                      output_names=["residuals"], do_constant_folding=True,
                      dynamic_axes={"structure": {2: "T", 3: "H", 4: "W"}, "residuals": {2: "N"}})
    cases = []
    with torch.no_grad():
        for i, (s, tid) in enumerate(fixture_inputs(ctrl)):
            r = g(s, tid)
            for name, arr in (("structure", s), ("residuals", r)):
                arr.numpy().astype("<f4").tofile(os.path.join(fixture_dir, f"case{i}_{name}.bin"))
            cases.append({"structure_shape": list(s.shape), "type_id": int(tid[0]), "residuals_shape": list(r.shape),
                          "files": {k: f"case{i}_{k}.bin" for k in ("structure", "residuals")}})
    with open(os.path.join(fixture_dir, "structure_fixture.json"), "w") as f:
        json.dump({"graph": os.path.relpath(path), "config": ctrl.cfg.to_dict(), "cases": cases, **meta}, f, indent=1)
        f.write("\n")
    return path


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="", help="controller release (.pt); default: random dev weights")
    ap.add_argument("--out", default="")
    ap.add_argument("--fixtures", default="")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.ckpt:
        from training.train_structure import load_controller
        ctrl, meta = load_controller(args.ckpt)
        meta = {"source": args.ckpt, "step": meta.get("step")}
        out = args.out or "public/models/osp-v13-tiny"
        fix = args.fixtures or "training/fixtures/structure/bundled"
    else:
        torch.manual_seed(0)
        ctrl = StructureController(StructureConfig(**DEV_CFG))
        with torch.no_grad():  # non-zero projectors: a zero graph would pass any parity test
            for p in ctrl.projectors:
                p.weight.normal_(0, 0.2)
                p.bias.normal_(0, 0.1)
        meta = {"source": "random dev weights"}
        out = args.out or DEV_OUT
        fix = args.fixtures or DEV_OUT
    path = export(ctrl, out, fix, meta)
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
