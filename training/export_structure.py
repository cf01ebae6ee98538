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


class DiTResidualGraph(nn.Module):
    """The WASM one-graph DiT (inpaint inputs) with one more input, residuals [M, 1, N, D], added after every block."""

    def __init__(self, dit):
        super().__init__()
        self.dit = dit

    def forward(self, latent, timestep, text_states, text_mask, cond_latent, cond_mask, residuals):
        from training.models.structure_controller import dit_forward_with_residuals
        return dit_forward_with_residuals(self.dit, latent, timestep, text_states, text_mask, cond_latent, cond_mask,
                                          residuals)


DEV_DIT_OUT = "training/fixtures/structure/dev_dit"


def export_dev_pipeline(out_dir: str = DEV_DIT_OUT):
    """A toy inpaint DiT + a matching controller (random, non-zero projectors): structure_controller.onnx →
    residuals → dit_structure.onnx, with PyTorch's v for a CFG batch of 2 at 17 × 64² (src/structure/
    pipeline.test.ts chains the two graphs on onnxruntime-node)."""
    from training.models.skiparse_dit import DiTConfig, OpenSoraT2V_v1_3
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(1)
    dit = OpenSoraT2V_v1_3(DiTConfig(num_layers=6, num_heads=2, head_dim=12, caption_channels=24,
                                     inpaint=True)).eval()
    ctrl = StructureController(StructureConfig.for_dit(dit.cfg, depth=1)).eval()
    with torch.no_grad():
        for p in ctrl.projectors:
            p.weight.normal_(0, 0.2)
    export(ctrl, out_dir, out_dir, {"source": "random dev weights, matching dev_dit"})
    g = torch.Generator().manual_seed(2)
    s, tid = fixture_inputs(ctrl)[0]
    with torch.no_grad():
        res = ControllerGraph(ctrl)(s, tid)
        b, lt = 2, 5
        inp = {"latent": torch.randn(b, 8, lt, 8, 8, generator=g), "timestep": torch.tensor([999.0, 499.0]),
               "text_states": torch.randn(b, 6, 24, generator=g), "text_mask": torch.tensor([[1.0] * 6, [1.0] * 3 + [0.0] * 3]),
               "cond_latent": torch.randn(b, 8, lt, 8, 8, generator=g), "cond_mask": torch.ones(b, 4, lt, 8, 8)}
        v = DiTResidualGraph(dit)(*inp.values(), res)
        v0 = dit(*inp.values())
    torch.onnx.export(DiTResidualGraph(dit), (*inp.values(), res), os.path.join(out_dir, "dit_structure.onnx"),
                      opset_version=OPSET, input_names=list(inp) + ["residuals"], output_names=["v"],
                      do_constant_folding=True, dynamic_axes={
                          "latent": {0: "B", 2: "T", 3: "H", 4: "W"}, "timestep": {0: "B"},
                          "text_states": {0: "B", 1: "L"}, "text_mask": {0: "B", 1: "L"},
                          "cond_latent": {0: "B", 2: "T", 3: "H", 4: "W"}, "cond_mask": {0: "B", 2: "T", 3: "H", 4: "W"},
                          "residuals": {2: "N"}, "v": {0: "B", 2: "T", 3: "H", 4: "W"}})
    files = {}
    for k, t in dict(inp, v=v, v_base=v0).items():
        t.numpy().astype("<f4").tofile(os.path.join(out_dir, f"dit_{k}.bin"))
        files[k] = {"file": f"dit_{k}.bin", "shape": list(t.shape)}
    with open(os.path.join(out_dir, "dit_fixture.json"), "w") as f:
        json.dump({"inputs": files, "structure_case": 0, "max_abs_v_minus_base": float((v - v0).abs().max())}, f,
                  indent=1)
        f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="", help="controller release (.pt); default: random dev weights")
    ap.add_argument("--out", default="")
    ap.add_argument("--fixtures", default="")
    ap.add_argument("--dev-dit", dest="dev_dit", action="store_true", help="also the toy DiT + controller pipeline")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.dev_dit:
        export_dev_pipeline()
    if args.ckpt:
        from training.models.structure_controller import load_controller
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
