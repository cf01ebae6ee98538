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


# graph families that share one external-data file (export_vae / export_dit layout)
FAMILIES = (("vae_encoder.weights", ("vae_encoder.onnx", "vae_encoder_core.onnx")),
            ("vae_decoder.weights", ("vae_decoder.onnx", "vae_decoder_core.onnx", "vae_decoder_chunk.onnx",
                                     "vae_decoder_chunk_core.onnx")),
            ("dit.weights", None))  # None: every dit*.onnx + text_encoder.onnx


def store_fp16(folder: str) -> dict:
    """Convert an exported fp32 model folder to fp16 storage in place (graphs + re-shared external data); returns
    {weights file: (bytes before, bytes after)}. The manifest must be rebuilt afterwards (sizes / sha256 change)."""
    from training.export_dit import share_external as share_dit
    from training.export_vae import share_external as share_vae
    out = {}
    for weights, names in FAMILIES:
        if names is None:
            names = sorted(n for n in os.listdir(folder) if n.startswith(("dit", "text_encoder")) and n.endswith(".onnx"))
        paths = [os.path.join(folder, n) for n in names if os.path.exists(os.path.join(folder, n))]
        if not paths:
            continue
        before = os.path.getsize(os.path.join(folder, weights))
        convert_files(paths)
        after = share_dit(paths, folder, weights) if weights == "dit.weights" else share_vae(paths, weights)
        out[weights] = (before, after)
    return out


def main(argv=None):
    """python -m training.convert.onnx_fp16 SRC DST: an fp16-storage copy of an exported model folder (no re-export;
    the manifest's files are rebuilt, everything else is kept)."""
    import argparse
    import json
    import shutil
    from training.export_manifest import file_entries
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    a = ap.parse_args(argv)
    shutil.copytree(a.src, a.dst, dirs_exist_ok=True)
    sizes = store_fp16(a.dst)
    mp = os.path.join(a.dst, "manifest.json")
    if os.path.exists(mp):
        m = json.load(open(mp))
        m["files"] = file_entries(a.dst)
        if isinstance(m.get("dit"), dict):
            m["dit"]["weightsDtype"] = "fp16"
        with open(mp, "w") as f:
            json.dump(m, f, indent=1, ensure_ascii=False)
            f.write("\n")
    print(json.dumps(sizes))


if __name__ == "__main__":
    main()
