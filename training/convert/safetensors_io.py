"""Minimal safetensors reader/writer (no Debian package provides `safetensors`; the format is trivial:
u64 little-endian header length, JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, raw bytes).

Also reads sharded checkpoints (`*.safetensors.index.json` with a `weight_map` {tensor: shard file}), as diffusers /
transformers save large models. Every structural problem raises `CheckpointError` naming the file and tensor.
"""
from __future__ import annotations

import json
import os
import struct
from typing import Dict

import numpy as np
import torch


class CheckpointError(ValueError):
    """A checkpoint file or folder that cannot be converted; the message names the file / key / field."""


_DTYPES = {"F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16), "F64": (np.float64, torch.float64),
           "I64": (np.int64, torch.int64), "I32": (np.int32, torch.int32), "I8": (np.int8, torch.int8),
           "U8": (np.uint8, torch.uint8), "BOOL": (np.bool_, torch.bool)}
_BF16 = "BF16"  # numpy has no bfloat16: read as uint16 and widen to fp32 bit patterns


def read_header(path: str) -> dict:
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise CheckpointError(f"{path}: not a safetensors file (shorter than 8 bytes)")
        (n,) = struct.unpack("<Q", raw)
        if n > os.path.getsize(path) - 8 or n > 100 * 2 ** 20:
            raise CheckpointError(f"{path}: not a safetensors file (header length {n} is impossible)")
        try:
            return json.loads(f.read(n))
        except ValueError as e:
            raise CheckpointError(f"{path}: safetensors header is not JSON ({e})") from None


def read_json(path: str):
    try:
        with open(path) as f:
            return json.load(f)
    except ValueError as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None


def load_file(path: str) -> Dict[str, torch.Tensor]:
    """All tensors of one .safetensors file, in the file's dtype."""
    header = read_header(path)
    with open(path, "rb") as f:
        base = 8 + struct.unpack("<Q", f.read(8))[0]
    size = os.path.getsize(path)
    data = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt, shape, (a, b) = info.get("dtype"), info.get("shape"), info.get("data_offsets", (None, None))
        if dt not in _DTYPES and dt != _BF16:
            raise CheckpointError(f"{path}: tensor {name!r} has unsupported dtype {dt}")
        if a is None or not (0 <= a <= b <= size - base):
            raise CheckpointError(f"{path}: tensor {name!r} data_offsets {info.get('data_offsets')} outside the file "
                                  f"(truncated download?)")
        buf = np.array(data[base + a: base + b])  # copy: the memmap is closed with the function
        n = int(np.prod(shape)) if shape else 1
        if dt == _BF16:
            if b - a != 2 * n:
                raise CheckpointError(f"{path}: tensor {name!r} has {b - a} bytes for shape {shape} BF16")
            u = buf.view("<u2").astype(np.uint32) << 16
            out[name] = torch.from_numpy(u.view(np.float32).reshape(shape))
            continue
        npdt = np.dtype(_DTYPES[dt][0]).newbyteorder("<")
        if b - a != n * npdt.itemsize:
            raise CheckpointError(f"{path}: tensor {name!r} has {b - a} bytes for shape {shape} {dt}")
        out[name] = torch.from_numpy(buf.view(npdt).reshape(shape).copy())
    return out


def load_folder_weights(folder: str, stem: str = "diffusion_pytorch_model") -> Dict[str, torch.Tensor]:
    """`<stem>.safetensors`, or the shards listed by `<stem>.safetensors.index.json` (every shard must exist, every
    tensor must be in the shard the index names, and no shard may hold a tensor the index does not list)."""
    single = os.path.join(folder, stem + ".safetensors")
    index = single + ".index.json"
    if os.path.exists(index):
        try:
            wm = read_json(index)["weight_map"]
        except (ValueError, KeyError) as e:
            raise CheckpointError(f"{index}: not a safetensors index (no weight_map: {e})") from None
        out: Dict[str, torch.Tensor] = {}
        for shard in sorted(set(wm.values())):
            p = os.path.join(folder, shard)
            if not os.path.exists(p):
                raise CheckpointError(f"{folder}: missing shard {shard} (listed in {os.path.basename(index)})")
            part = load_file(p)
            for k, v in part.items():
                if wm.get(k) != shard:
                    raise CheckpointError(f"{p}: tensor {k!r} is not listed for this shard in the index")
                out[k] = v
        absent = sorted(set(wm) - set(out))
        if absent:
            raise CheckpointError(f"{index}: tensor {absent[0]!r} (and {len(absent) - 1} more) listed but in no shard")
        return out
    if os.path.exists(single):
        return load_file(single)
    raise CheckpointError(f"{folder}: no {stem}.safetensors or {stem}.safetensors.index.json")


def save_file(tensors: Dict[str, torch.Tensor], path: str, metadata: dict | None = None):
    """Write tensors (fp32/fp16/int) as one safetensors file (used by tests and the real-width script)."""
    rev = {v[1]: k for k, v in _DTYPES.items()}
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous().cpu()
        b = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": rev[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def save_sharded(tensors: Dict[str, torch.Tensor], folder: str, stem: str, max_bytes: int):
    """Split into shards of at most ~max_bytes plus `<stem>.safetensors.index.json` (diffusers naming)."""
    shards, cur, size = [], {}, 0
    for k in sorted(tensors):
        nb = tensors[k].numel() * tensors[k].element_size()
        if cur and size + nb > max_bytes:
            shards.append(cur)
            cur, size = {}, 0
        cur[k] = tensors[k]
        size += nb
    shards.append(cur)
    wm = {}
    for i, part in enumerate(shards):
        name = f"{stem}-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(part, os.path.join(folder, name), {"format": "pt"})
        wm.update({k: name for k in part})
    with open(os.path.join(folder, stem + ".safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(t.numel() * t.element_size() for t in tensors.values())},
                   "weight_map": wm}, f, indent=1)


def checked_float(where: str, key: str, v, expected_shape) -> "torch.Tensor":
    """A checkpoint tensor with the shape our config implies and a float dtype, as float32 (else a CheckpointError)."""
    if tuple(v.shape) != tuple(expected_shape):
        raise CheckpointError(f"{where}: {key!r} has shape {tuple(v.shape)}, the config implies {tuple(expected_shape)}")
    if not v.is_floating_point():
        raise CheckpointError(f"{where}: {key!r} has dtype {v.dtype}, expected a float tensor")
    return v.float()
