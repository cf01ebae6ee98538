"""Rebuild a release checkpoint from an exported model folder, so the weights are committed once: as the shipped
external data of the ONNX graphs. The DiT release (the DiTBundle state_dict of training/checkpoints/dit_*.pt) from
dit.weights (training/export_dit.py); with --vae the WF-VAE release (the WFVAE state_dict of
training/checkpoints/wfvae_*.pt) from vae_encoder.weights + vae_decoder.weights (training/export_vae.py).

    /usr/bin/python3 -m training.checkpoint_from_onnx --model public/models/osp-v13-tiny \
        --out /tmp/dit_inpaint_tiny.pt [--check training/checkpoints/dit_inpaint_tiny.pt]
    /usr/bin/python3 -m training.checkpoint_from_onnx --vae --model public/models/osp-v13-tiny \
        --out /tmp/wfvae_tiny.pt [--check training/checkpoints/wfvae_tiny.pt]

Sources: dit.onnx (every parameter of the denoiser) and text_encoder.onnx (every parameter of the text encoder),
whose initializers point into dit.weights (or, under 64 bytes, are inline). The split graphs hold the same bytes
(content-deduplicated), so they are not needed. torch.onnx stores each parameter in one of three ways, all lossless:
  - under its own name (graph wrapper prefix "dit." / "te." + the parameter path), same layout;
  - as an unnamed folded constant: Linear weights of 3-D inputs become MatMul's second input TRANSPOSED
    ([in, out]); `table[None]` of scale_shift_table becomes an unsqueezed [1, 6, D] Add constant;
  - as an Identity node's output named like it, when the exporter merged equal-valued parameters into one
    initializer (e.g. the all-ones LayerNorm weights of a fresh model).
Each initializer use is mapped to a state-dict key by its name first, then by graph structure (the module scope of
the consuming node + the operand's role, a MatMul's bias Add, a module's only parameter of that size). Every key
of the bundle built from the recorded config must be found, with its exact dtype and shape: the DiTBundle has no
persistent buffers (RoPE tables and LayerNorm constants are non-persistent and recomputed), so nothing needs
recomputing. The .pt written by write_pt is byte-identical to save_release's (same dict order; torch names the
archive folder after the file, hence the same ".pt.tmp then rename").

WF-VAE: vae_encoder.onnx holds every encoder parameter and vae_decoder.onnx every decoder parameter, each under its
own name ("m." + the state-dict key; the other graphs of each family share the same bytes). The WFVAE has no
persistent buffers: its Haar filters are non-persistent constants of the architecture, rebuilt by the constructor.
The config comes from the release meta, or from vae_split.json where export_vae recorded it (with the source .pt
and the state's fingerprint; folders exported before that record are the source of export_vae's default --ckpt).
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
from collections import OrderedDict

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import onnx
import torch
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_GLOBS = ("public/models/*/dit_graphs.json", "public/models/*/*/dit_graphs.json")
# graph file -> (initializer-name prefix of its export wrapper, state-dict prefix in DiTBundle)
GRAPHS = (("dit.onnx", "dit.", "dit."), ("text_encoder.onnx", "te.", "text_encoder."))
# the same for the WF-VAE (export_vae's wrappers hold the WFVAE as .m) and its record of the export
VAE_GRAPHS = (("vae_encoder.onnx", "m.", ""), ("vae_decoder.onnx", "m.", ""))
VAE_RECORD = "vae_split.json"
VAE_DEFAULT_SOURCE = "training/checkpoints/wfvae_tiny.pt"  # export_vae's default --ckpt
# operand role of a parameter by (op, input slot): the parameter leaf name inside the node's module
ROLE = {("MatMul", 1): "weight", ("Gemm", 1): "weight", ("Gemm", 2): "bias", ("Conv", 1): "weight",
        ("Conv", 2): "bias", ("LayerNormalization", 1): "weight", ("LayerNormalization", 2): "bias",
        ("Gather", 0): "weight", ("Add", 0): "bias", ("Add", 1): "bias"}


class RebuildError(RuntimeError):
    pass


def _np_dtype(onnx_type: int):
    if hasattr(onnx.helper, "tensor_dtype_to_np_dtype"):  # onnx >= 1.13
        return onnx.helper.tensor_dtype_to_np_dtype(onnx_type)
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]  # Debian's onnx 1.12


def _read_initializer(t: onnx.TensorProto, model_dir: str, blobs: dict) -> np.ndarray:
    if t.data_location != onnx.TensorProto.EXTERNAL:
        return numpy_helper.to_array(t)
    ext = {e.key: e.value for e in t.external_data}
    path = os.path.join(model_dir, ext["location"])
    if path not in blobs:
        blobs[path] = np.memmap(path, dtype=np.uint8, mode="r")
    off, n = int(ext.get("offset", 0)), int(ext["length"])
    raw = bytes(blobs[path][off:off + n])
    if len(raw) != n:
        raise RebuildError(f"{t.name}: {path} is shorter than offset {off} + length {n}")
    dt = np.dtype(_np_dtype(t.data_type)).newbyteorder("<")  # ONNX raw data is little-endian
    return np.frombuffer(raw, dtype=dt).reshape(tuple(t.dims))


def _scope(node: onnx.NodeProto, onnx_prefix: str, key_prefix: str) -> str | None:
    """'/dit/transformer_blocks.0/norm1/LayerNormalization' -> 'dit.transformer_blocks.0.norm1' (state-dict form)."""
    parts = [p for p in node.name.split("/") if p][:-1]
    if not parts or parts[0] + "." != onnx_prefix:
        return None
    return key_prefix + ".".join(parts[1:]) if len(parts) > 1 else key_prefix[:-1]


def _fit(arr: np.ndarray, shape: tuple, transpose: bool) -> np.ndarray | None:
    """arr in the state-dict layout, or None when it cannot be that parameter."""
    if transpose:
        return arr.T if arr.ndim == 2 and tuple(arr.shape[::-1]) == shape else None
    return arr.reshape(shape) if arr.size == int(np.prod(shape, dtype=np.int64)) else None


def _map_graph(path: str, onnx_prefix: str, key_prefix: str, expected: dict, found: dict, blobs: dict):
    model_dir = os.path.dirname(path)
    g = onnx.load(path, load_external_data=False).graph
    inits = {t.name: t for t in g.initializer}
    # the exporter's by-value dedup keeps one initializer and re-creates the others as Identity outputs
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
    arrays: dict = {}

    def arr(name):
        name = alias.get(name, name)
        if name not in arrays:
            arrays[name] = _read_initializer(inits[name], model_dir, blobs)
        return arrays[name]

    def put(key, a, why):
        if key in found:
            if found[key][0].tobytes() != a.tobytes():
                raise RebuildError(f"{key}: two different tensors in {os.path.basename(path)} ({found[key][1]}, {why})")
            return
        found[key] = (np.ascontiguousarray(a), why)

    consumers: dict = {}
    uses = []  # (node, slot, initializer name)
    for node in g.node:
        for i, x in enumerate(node.input):
            consumers.setdefault(x, []).append(node)
            if (x in inits or x in alias) and node.op_type != "Identity":
                uses.append((node, i, x))

    def named_key(name):
        k = key_prefix + name[len(onnx_prefix):] if name.startswith(onnx_prefix) else None
        return k if k in expected else None

    # pass 1: initializers that carry their parameter's name (the exporter's own mapping)
    for name in [*inits, *alias]:
        k = named_key(name)
        if k is not None:
            a = _fit(arr(name), expected[k][0], transpose=False)
            if a is None:
                raise RebuildError(f"{name}: shape {list(arr(name).shape)} is not {list(expected[k][0])} of {k}")
            put(k, a, f"name {name}")

    # pass 2: folded constants and merged duplicates, by structure; only keys still missing are filled
    for node, slot, name in uses:
        transpose = node.op_type == "MatMul" and slot == 1 and named_key(name) is None
        scope = _scope(node, onnx_prefix, key_prefix)
        cands = []
        role = ROLE.get((node.op_type, slot))
        if scope is not None and role is not None:
            cands.append(f"{scope}.{role}")
        if node.op_type == "MatMul" and slot == 1:  # Linear = MatMul + Add(bias): the bias names the Linear
            for add in consumers.get(node.output[0], []):
                for x in add.input if add.op_type == "Add" else ():
                    bk = named_key(x) if x in inits or x in alias else None
                    if bk is not None and bk.endswith(".bias"):
                        cands.append(bk[:-len("bias")] + "weight")
        if scope is not None and node.op_type == "Add":  # e.g. scale_shift_table[None] + t6
            direct = [k for k in expected if k.startswith(scope + ".") and "." not in k[len(scope) + 1:]
                      and k not in found and _fit(arr(name), expected[k][0], False) is not None]
            if len(direct) == 1:
                cands.append(direct[0])
        for k in cands:
            if k in expected and k not in found:
                a = _fit(arr(name), expected[k][0], transpose)
                if a is not None:
                    put(k, a, f"{node.op_type} {node.name} input {slot} ({name})")
                    break


def _expected(module: torch.nn.Module) -> "OrderedDict[str, tuple]":
    """key -> (shape, numpy dtype) of the module's state_dict, in its order."""
    return OrderedDict((k, (tuple(v.shape), v.numpy().dtype)) for k, v in module.state_dict().items())


def expected_state(dit_config: dict, text_config: dict) -> "OrderedDict[str, tuple]":
    """key -> (shape, numpy dtype) of a DiTBundle with these configs, in state_dict order."""
    from training.models.skiparse_dit import DiTConfig
    from training.models.text_encoder import TextEncoderConfig
    from training.dit_bundle import DiTBundle
    return _expected(DiTBundle(DiTConfig.from_dict(dit_config), TextEncoderConfig(**text_config)))


def expected_vae_state(config: dict) -> "OrderedDict[str, tuple]":
    """key -> (shape, numpy dtype) of a WFVAE with this config, in state_dict order."""
    from training.models.wfvae import WFVAE, WFVAEConfig
    return _expected(WFVAE(WFVAEConfig(**config)))


def _rebuild(model_dir: str, graphs, expected: dict) -> "OrderedDict[str, torch.Tensor]":
    """The state_dict with the keys, order, dtypes and shapes of `expected`, from the initializers of `graphs`
    ((file, initializer prefix, state-dict prefix) in model_dir)."""
    found: dict = {}
    blobs: dict = {}
    for fn, onnx_prefix, key_prefix in graphs:
        _map_graph(os.path.join(model_dir, fn), onnx_prefix, key_prefix, expected, found, blobs)
    missing = [k for k in expected if k not in found]
    if missing:
        raise RebuildError(f"{model_dir}: no initializer for {len(missing)} parameter(s): {', '.join(missing[:8])}"
                           + (" ..." if len(missing) > 8 else ""))
    out = OrderedDict()
    for k, (shape, dt) in expected.items():
        a = found[k][0]
        if (a.dtype.kind, a.dtype.itemsize) != (dt.kind, dt.itemsize):
            raise RebuildError(f"{k}: dtype {a.dtype} in the graph, {dt} in the model")
        out[k] = torch.from_numpy(np.array(a, dtype=dt, copy=True)).reshape(shape)
    return out


def rebuild_state_dict(model_dir: str, dit_config: dict | None = None,
                       text_config: dict | None = None) -> "OrderedDict[str, torch.Tensor]":
    """The DiTBundle state_dict stored in model_dir (configs default to its dit_graphs.json)."""
    if dit_config is None or text_config is None:
        with open(os.path.join(model_dir, "dit_graphs.json")) as f:
            man = json.load(f)
        dit_config, text_config = dit_config or man["dit_config"], text_config or man["text_config"]
    return _rebuild(model_dir, GRAPHS, expected_state(dit_config, text_config))


def vae_record(model_dir: str) -> dict:
    """What export_vae recorded about the checkpoint it exported (source, vae_config, state_sha256; {} before it
    recorded any)."""
    with open(os.path.join(model_dir, VAE_RECORD)) as f:
        man = json.load(f)
    return {k: man[k] for k in ("source", "vae_config", "state_sha256") if k in man}


def rebuild_vae_state_dict(model_dir: str, config: dict | None = None) -> "OrderedDict[str, torch.Tensor]":
    """The WFVAE state_dict stored in model_dir (config defaults to the one its vae_split.json records)."""
    rec = vae_record(model_dir)
    if config is None:
        if "vae_config" not in rec:
            raise RebuildError(f"{model_dir}/{VAE_RECORD} records no vae_config: pass the release meta's config")
        config = rec["vae_config"]
    state = _rebuild(model_dir, VAE_GRAPHS, expected_vae_state(config))
    if rec.get("state_sha256") and state_fingerprint(state) != rec["state_sha256"]:
        raise RebuildError(f"{model_dir}: vae_*.weights do not hold the exported checkpoint (state_sha256 differs "
                           f"from {VAE_RECORD}: corrupt or replaced weights)")
    return state


def state_fingerprint(state: dict) -> str:
    """sha256 over keys, dtypes, shapes and bytes in order: one checkpoint's identity, independent of torch's .pt
    serialisation."""
    h = hashlib.sha256()
    for k, v in state.items():
        v = v.detach().contiguous().cpu()
        h.update(f"{k}|{v.dtype}|{list(v.shape)}|".encode())
        h.update(v.numpy().tobytes() if v.dtype != torch.bfloat16 else v.view(torch.int16).numpy().tobytes())
    return h.hexdigest()


def write_pt(state: dict, path: str):
    """torch.save like train_dit.save_release (path.tmp then rename: torch names the archive folder after the file
    it writes, so this reproduces the release file byte for byte)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save({k: v.detach().clone() for k, v in state.items()}, tmp)
    os.replace(tmp, path)


def _same_path(a: str, b: str) -> bool:
    return bool(a and b) and os.path.abspath(a) in (os.path.abspath(os.path.join(ROOT, b)), os.path.abspath(b))


def _record_dirs(record: str):
    """(folder, parsed record) for every `record` file where MODELS_GLOBS would find a dit_graphs.json."""
    for pattern in MODELS_GLOBS:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern.replace("dit_graphs.json", record)))):
            with open(path) as f:
                yield os.path.dirname(path), json.load(f)


def model_dir_for(ckpt_path: str) -> str | None:
    """The exported model folder whose dit_graphs.json names ckpt_path as its source (export_dit --ckpt)."""
    return next((d for d, man in _record_dirs("dit_graphs.json") if _same_path(ckpt_path, man.get("source", ""))),
                None)


def vae_model_dir_for(ckpt_path: str) -> str | None:
    """The exported model folder whose vae_split.json names ckpt_path as its source (export_vae --ckpt); a folder
    exported before export_vae recorded it counts as exported from the default --ckpt."""
    return next((d for d, man in _record_dirs(VAE_RECORD)
                 if _same_path(ckpt_path, man.get("source", VAE_DEFAULT_SOURCE))), None)


def state_dict_for_release(ckpt_path: str, meta: dict) -> "OrderedDict[str, torch.Tensor]":
    """load_release's fallback for a missing .pt: rebuild it from the model folder exported from it, after checking
    that folder was exported with the configs of this release meta."""
    d = model_dir_for(ckpt_path)
    if d is None:
        raise FileNotFoundError(f"{ckpt_path} is missing and no exported model folder ({', '.join(MODELS_GLOBS)}) "
                                f"records it as its source in dit_graphs.json")
    with open(os.path.join(d, "dit_graphs.json")) as f:
        man = json.load(f)
    for key in ("dit_config", "text_config"):
        if man[key] != meta[key]:
            raise RebuildError(f"{d} was exported with another {key} than {ckpt_path}'s meta")
    if man.get("latent", {}).get("norm") != meta.get("latent_norm"):  # absent = identity on both sides
        raise RebuildError(f"{d} was exported with another latent_norm than {ckpt_path}'s meta")
    return _checked(rebuild_state_dict(d, meta["dit_config"], meta["text_config"]), meta, d, ckpt_path)


def vae_state_dict_for_release(ckpt_path: str, meta: dict) -> "OrderedDict[str, torch.Tensor]":
    """train_vae.load_release's fallback for a missing .pt: rebuild it from the model folder exported from it, with
    the config of its release meta (which must be the one the folder records, if it records one)."""
    d = vae_model_dir_for(ckpt_path)
    if d is None:
        raise FileNotFoundError(f"{ckpt_path} is missing and no exported model folder records it as the source of "
                                f"its {VAE_RECORD}")
    rec = vae_record(d)
    if "vae_config" in rec and rec["vae_config"] != meta["config"]:
        raise RebuildError(f"{d} was exported with another WF-VAE config than {ckpt_path}'s meta")
    return _checked(rebuild_vae_state_dict(d, meta["config"]), meta, d, ckpt_path)


def _checked(state: dict, meta: dict, model_dir: str, ckpt_path: str) -> dict:
    if meta.get("state_sha256") and state_fingerprint(state) != meta["state_sha256"]:
        raise RebuildError(f"{model_dir}'s weights are not the checkpoint of {ckpt_path}'s meta (state_sha256 "
                           f"differs)")
    return state


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="public/models/osp-v13-tiny", help="exported model folder (dit_graphs.json)")
    ap.add_argument("--out", required=True, help="the .pt to write (its .json meta is not written)")
    ap.add_argument("--check", default="", help="an existing .pt that the rebuild must equal exactly")
    ap.add_argument("--vae", action="store_true", help="rebuild the WF-VAE (vae_encoder/decoder.onnx) instead")
    ap.add_argument("--vae-meta", dest="vae_meta", default=VAE_DEFAULT_SOURCE.replace(".pt", ".json"),
                    help="with --vae: the release meta whose config is used when vae_split.json records none")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.vae:
        config = vae_record(args.model).get("vae_config")
        if config is None:
            with open(args.vae_meta) as f:
                config = json.load(f)["config"]
        state = rebuild_vae_state_dict(args.model, config)
    else:
        state = rebuild_state_dict(args.model)
    write_pt(state, args.out)
    info = {"out": args.out, "keys": len(state), "bytes": sum(v.numel() * v.element_size() for v in state.values()),
            "state_sha256": state_fingerprint(state)}
    if args.check:
        ref = torch.load(args.check, map_location="cpu")
        info["equal_to_check"] = state_fingerprint(ref) == info["state_sha256"]
    print(json.dumps(info, indent=1))
    if args.check and not info["equal_to_check"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
