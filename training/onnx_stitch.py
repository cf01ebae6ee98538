"""Build the DiT one-graph (dit.onnx) by stitching small traced graphs: embed → block 0 … block L−1 → final.

Why: torch 1.13's ONNX exporter is super-linear in graph size (its shape/type inference passes); tracing a 32-layer
DiT as one graph takes 15–30 min on 2 cores, while 34 small graphs take a minute. The stitched graph is the same
computation (each block graph is the whole block, Skiparse self-attention included) and has the same inputs and
output as the traced one; the ONNX parity tests (src/models/official-onnx.test.ts) run it against upstream's outputs.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import onnx
from onnx import helper


def _rename_graph(g: onnx.GraphProto, prefix: str, io: Dict[str, str]):
    """Nodes, initializers and intermediate values of g renamed in place: names in `io` → mapped, others prefixed."""
    def r(n: str) -> str:
        return n if n == "" else io.get(n, prefix + n)
    for node in g.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            raise NotImplementedError(f"stitching graphs with control flow ({node.op_type}) is not supported")
        node.input[:] = [r(n) for n in node.input]
        node.output[:] = [r(n) for n in node.output]
        if node.name:
            node.name = prefix + node.name
    for t in g.initializer:
        t.name = r(t.name)
    for v in g.value_info:
        v.name = r(v.name)


def stitch(parts: List[Tuple[onnx.ModelProto, str, Dict[str, str]]], inputs: List[onnx.ValueInfoProto],
           outputs: List[onnx.ValueInfoProto]) -> onnx.ModelProto:
    """parts: (model, prefix, io map of its graph inputs/outputs → global value names), in execution order."""
    nodes, inits, infos = [], [], []
    for m, prefix, io in parts:
        g = onnx.GraphProto()
        g.CopyFrom(m.graph)
        _rename_graph(g, prefix, io)
        nodes.extend(g.node)
        inits.extend(g.initializer)
        infos.extend(g.value_info)
    graph = helper.make_graph(nodes, "dit_stitched", inputs, outputs, initializer=inits, value_info=infos)
    first = parts[0][0]
    model = helper.make_model(graph, opset_imports=list(first.opset_import), producer_name="training/onnx_stitch.py")
    model.ir_version = first.ir_version
    return model
