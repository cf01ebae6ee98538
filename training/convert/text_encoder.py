"""HF-layout T5 / mT5 encoder folder (`config.json`, `model.safetensors` or shards + index, `spiece.model`) →
`training.models.t5_encoder.T5Encoder`. Strict: every encoder tensor present with its shape; `decoder.*` and
`lm_head.weight` of a full seq2seq checkpoint are ignored (the encoder does not use them); anything else is an error.
`encoder.embed_tokens.weight`, when a checkpoint stores it, must equal `shared.weight` (HF ties them)."""
from __future__ import annotations

import os
from typing import Tuple

import torch

from training.convert.safetensors_io import CheckpointError, load_folder_weights, read_json
from training.models.t5_encoder import T5Config, T5Encoder

_IGNORED_PREFIXES = ("decoder.", "lm_head.")


def parse_config(c: dict, where: str) -> T5Config:
    mt = c.get("model_type")
    if mt not in ("t5", "mt5", "umt5"):
        raise CheckpointError(f"{where}: model_type {mt!r} is not a T5 / mT5 encoder")
    if mt == "umt5":
        raise CheckpointError(f"{where}: unsupported model_type 'umt5' (per-layer position bias)")
    ff = c.get("feed_forward_proj", "relu")
    if ff not in ("gated-gelu", "relu"):
        raise CheckpointError(f"{where}: unsupported feed_forward_proj {ff!r} (gated-gelu or relu)")
    if ff == "gated-gelu" and c.get("dense_act_fn", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh"):
        raise CheckpointError(f"{where}: unsupported dense_act_fn {c['dense_act_fn']!r}")
    need = ["vocab_size", "d_model", "d_kv", "num_heads", "d_ff", "num_layers"]
    miss = [k for k in need if k not in c]
    if miss:
        raise CheckpointError(f"{where}: config lacks {miss[0]!r}")
    return T5Config(vocab_size=c["vocab_size"], d_model=c["d_model"], d_kv=c["d_kv"], num_heads=c["num_heads"],
                    d_ff=c["d_ff"], num_layers=c["num_layers"],
                    relative_attention_num_buckets=c.get("relative_attention_num_buckets", 32),
                    relative_attention_max_distance=c.get("relative_attention_max_distance", 128),
                    layer_norm_epsilon=c.get("layer_norm_epsilon", 1e-6), gated=ff == "gated-gelu",
                    pad_id=c.get("pad_token_id", 0) if c.get("pad_token_id") is not None else 0,
                    eos_id=c.get("eos_token_id", 1) if c.get("eos_token_id") is not None else 1)


def load_official_text_encoder(folder: str) -> Tuple[T5Encoder, dict]:
    if not os.path.isdir(folder):
        raise CheckpointError(f"{folder}: not a folder (expected the mt5-xxl folder in Hugging Face layout)")
    cp = os.path.join(folder, "config.json")
    if not os.path.exists(cp):
        raise CheckpointError(f"{folder}: no config.json (not a Hugging Face model folder)")
    if not os.path.exists(os.path.join(folder, "spiece.model")):
        raise CheckpointError(f"{folder}: no spiece.model (the SentencePiece tokenizer of the encoder)")
    cfg = parse_config(read_json(cp), cp)
    sd = load_folder_weights(folder, "model")
    model = T5Encoder(cfg)
    ours = model.state_dict()
    emb = sd.pop("encoder.embed_tokens.weight", None)
    if emb is not None and "shared.weight" in sd and not torch.equal(emb, sd["shared.weight"]):
        raise CheckpointError(f"{folder}: encoder.embed_tokens.weight differs from shared.weight")
    if emb is not None and "shared.weight" not in sd:
        sd["shared.weight"] = emb
    out = {}
    for k, v in sd.items():
        if k.startswith(_IGNORED_PREFIXES):
            continue
        if k not in ours:
            raise CheckpointError(f"{folder}: unexpected key {k!r} (not a parameter of this T5 encoder config)")
        if tuple(v.shape) != tuple(ours[k].shape):
            raise CheckpointError(f"{folder}: {k!r} has shape {tuple(v.shape)}, the config implies "
                                  f"{tuple(ours[k].shape)}")
        out[k] = v.float()
    missing = [k for k in ours if k not in out]
    if missing:
        raise CheckpointError(f"{folder}: missing key {missing[0]!r} ({len(missing)} missing in all)")
    model.load_state_dict(out, strict=True)
    dtypes = sorted({str(v.dtype).replace("torch.", "") for v in sd.values()})
    return model.eval(), {"config": cfg.to_dict(), "folder": folder, "source_dtypes": dtypes}
