"""fp16 *storage* for exported graphs: every float32 initializer becomes a float16 initializer followed by a Cast to
float32, so the download (the external-data file) halves while every graph still computes in float32 exactly as
exported. Why not a float16 graph: the WASM EP and adapters without `shader-f16` have no fp16 kernels; a Cast at the
graph input is folded by onnxruntime at session creation (the upcast happens once, at load)."""
from __future__ import annotations

import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

MIN_ELEMENTS = 16  # scalars / shape constants stay fp32 (no size gain, keeps constant folding simple)


def _max_finite(a: np.ndarray) -> float:
    return float(np.abs(a).max()) if a.size else 0.0


def convert_model(model: onnx.ModelProto) -> int:
    """In place; returns the number of initializers converted. Raises if a weight does not fit fp16."""
    g = model.graph
    keep, casts, n = [], [], 0
    for t in g.initializer:
        if t.data_type != onnx.TensorProto.FLOAT:
            keep.append(t)
            continue
        a = numpy_helper.to_array(t)
        if a.size < MIN_ELEMENTS:
            keep.append(t)
            continue
        if _max_finite(a) > 65504:
            raise ValueError(f"initializer {t.name} has |w| up to {_max_finite(a)}: does not fit fp16")
        h = numpy_helper.from_array(a.astype(np.float16), t.name + "__fp16")
        keep.append(h)
        casts.append(helper.make_node("Cast", [h.name], [t.name], to=onnx.TensorProto.FLOAT,
                                      name=t.name + "__upcast"))
        n += 1
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    return n


def convert_files(paths) -> int:
    """Load each graph with its external data (resolved next to it), convert, save inline; the caller then moves the
    initializers into one shared external-data file again (export_dit / export_vae share_external)."""
    total = 0
    for p in paths:
        m = onnx.load(p)  # external data loaded from the graph's folder
        total += convert_model(m)
        onnx.save(m, p)
    return total


def remove_if_exists(*paths):
    for p in paths:
        if os.path.exists(p):
            os.remove(p)
