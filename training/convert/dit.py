"""Official Open-Sora Plan v1.3 DiT folders (`any93x640x640/`, `any93x640x640_i2v/`, diffusers layout) → our
`training.models.skiparse_dit.OpenSoraT2V_v1_3`.

A folder holds `config.json` (diffusers `to_json_string()` of `OpenSoraT2V_v1_3` / `OpenSoraInpaint_v1_3`) and
`diffusion_pytorch_model.safetensors` or its shards + `.safetensors.index.json`; a training output folder with
`model_ema/` (upstream's EMA save, the weights its own test code loads) and `model/` is accepted too and the EMA is
used. Names map 1:1 through `skiparse_dit.from_upstream_key`; loading is strict (unknown / missing names and shape
mismatches are errors naming the key). fp16 / bf16 files are upcast to fp32 (the export picks the stored dtype).
"""
from __future__ import annotations

import os
from typing import List, Tuple

from training.convert.safetensors_io import CheckpointError, checked_float, load_folder_weights, read_json
from training.models.skiparse_dit import DiTConfig, OpenSoraT2V_v1_3, from_upstream_key

CLASSES = {"OpenSoraT2V_v1_3": False, "OpenSoraInpaint_v1_3": True}
# config values our modules implement; anything else is an unsupported config
_FIXED = {"activation_fn": "gelu-approximate", "attention_bias": True, "norm_elementwise_affine": False,
          "only_cross_attention": False, "double_self_attention": False, "patch_size_t": 1}
# not used by forward at inference (dropout inactive in eval; sample sizes only size the training positional grid;
# upcast_attention only changes fp16 attention rounding, our graphs compute attention in fp32)
_IGNORED = ("dropout", "sample_size_h", "sample_size_w", "sample_size_t", "upcast_attention", "sample_size")
_USED = ("num_attention_heads", "attention_head_dim", "in_channels", "out_channels", "num_layers", "patch_size",
         "caption_channels", "cross_attention_dim", "norm_eps", "sparse1d", "sparse_n", "interpolation_scale_t",
         "interpolation_scale_h", "interpolation_scale_w", "vae_scale_factor_t")


def upstream_layer_modes(n: int, sparse1d: bool) -> List[str]:
    """upstream OpenSoraT2V_v1_3: block i is Skiparse iff `sparse1d and 1 < i < 30` (30 is a constant, not
    num_layers − 2), in group mode iff i is odd. 32 layers: DD + SG×14 + DD; 4 layers: DDSG."""
    out = []
    for i in range(n):
        if sparse1d and 1 < i < 30:
            out.append("group" if i % 2 == 1 else "single")
        else:
            out.append("dense")
    return out


def parse_config(cfg: dict, where: str) -> DiTConfig:
    cls = cfg.get("_class_name")
    if cls not in CLASSES:
        raise CheckpointError(f"{where}: _class_name {cls!r} is not an Open-Sora Plan v1.3 DiT "
                              f"(expected one of {sorted(CLASSES)})")
    inpaint = CLASSES[cls]
    unknown = sorted(k for k in cfg if not k.startswith("_") and k not in _FIXED and k not in _IGNORED
                     and k not in _USED)
    if unknown:
        raise CheckpointError(f"{where}: unknown config key {unknown[0]!r}")
    for k, v in _FIXED.items():
        if k in cfg and cfg[k] != v:
            raise CheckpointError(f"{where}: unsupported {k} = {cfg[k]!r} (this converter implements {v!r})")
    need = ["num_attention_heads", "attention_head_dim", "in_channels", "num_layers", "caption_channels"]
    missing = [k for k in need if k not in cfg]
    if missing:
        raise CheckpointError(f"{where}: config lacks {missing[0]!r}")
    heads, hd = cfg["num_attention_heads"], cfg["attention_head_dim"]
    hidden = heads * hd
    if cfg.get("cross_attention_dim", hidden) != hidden:
        raise CheckpointError(f"{where}: unsupported cross_attention_dim {cfg['cross_attention_dim']} ≠ hidden "
                              f"{hidden} (the caption projection outputs the hidden size)")
    sparse1d, sparse_n = bool(cfg.get("sparse1d", False)), int(cfg.get("sparse_n", 2))
    if sparse1d and sparse_n != 4:
        raise CheckpointError(f"{where}: unsupported sparse_n {sparse_n} (upstream prepares masks for 1 and 4 only; "
                              f"our Skiparse kernels implement 4)")
    if cfg.get("patch_size", 2) != 2:
        raise CheckpointError(f"{where}: unsupported patch_size {cfg['patch_size']} (v1.3 uses 2)")
    if hd % 6:
        raise CheckpointError(f"{where}: attention_head_dim {hd} must split into three even RoPE chunks")
    if inpaint and "vae_scale_factor_t" not in cfg:
        raise CheckpointError(f"{where}: inpaint config lacks 'vae_scale_factor_t' (mask channels)")
    n = cfg["num_layers"]
    return DiTConfig(
        num_layers=n, num_heads=heads, head_dim=hd, in_channels=cfg["in_channels"],
        out_channels=cfg.get("out_channels") or cfg["in_channels"], patch_size=2, patch_size_t=1,
        caption_channels=cfg["caption_channels"], sparse1d=sparse1d, sparse_n=sparse_n if sparse1d else 4,
        inpaint=inpaint, mask_channels=int(cfg.get("vae_scale_factor_t", 4)), norm_eps=float(cfg.get("norm_eps", 1e-6)),
        interpolation_scale=tuple(float(cfg.get(f"interpolation_scale_{a}", 1.0)) for a in "thw"),
        layer_schedule=upstream_layer_modes(n, sparse1d))


def resolve_folder(folder: str) -> str:
    if not os.path.isdir(folder):
        raise CheckpointError(f"{folder}: not a folder (expected a DiT folder such as any93x640x640/)")
    if os.path.exists(os.path.join(folder, "config.json")):
        return folder
    ema = os.path.join(folder, "model_ema")
    if os.path.exists(os.path.join(ema, "config.json")):
        return ema
    raise CheckpointError(f"{folder}: no config.json (nor model_ema/config.json): not a diffusers DiT folder")


def map_state(sd, model: OpenSoraT2V_v1_3, where: str):
    ours = model.state_dict()
    out = {}
    for k, v in sd.items():
        ok = from_upstream_key(k)
        if ok not in ours:
            raise CheckpointError(f"{where}: unexpected key {k!r} (not a parameter of "
                                  f"{'OpenSoraInpaint_v1_3' if model.cfg.inpaint else 'OpenSoraT2V_v1_3'} "
                                  f"with this config)")
        out[ok] = checked_float(where, k, v, ours[ok].shape)
    missing = [k for k in ours if k not in out]
    if missing:
        from training.models.skiparse_dit import to_upstream_key
        raise CheckpointError(f"{where}: missing key {to_upstream_key(missing[0])!r} ({len(missing)} missing in all)")
    return out


def load_official_dit(folder: str, expect_inpaint: bool | None = None) -> Tuple[OpenSoraT2V_v1_3, dict]:
    """→ (model in eval mode, fp32; info for the model card). expect_inpaint checks the class (--dit vs --inpaint)."""
    folder = resolve_folder(folder)
    cp = os.path.join(folder, "config.json")
    cfg = parse_config(read_json(cp), cp)
    if expect_inpaint is not None and cfg.inpaint != expect_inpaint:
        raise CheckpointError(f"{cp}: is a{'n inpaint' if cfg.inpaint else ' text-to-video'} DiT, expected "
                              f"{'OpenSoraInpaint_v1_3 (--inpaint)' if expect_inpaint else 'OpenSoraT2V_v1_3 (--dit)'}")
    sd = load_folder_weights(folder)
    model = OpenSoraT2V_v1_3(cfg)
    model.load_state_dict(map_state(sd, model, folder), strict=True)
    dtypes = sorted({str(v.dtype).replace("torch.", "") for v in sd.values()})
    return model.eval(), {"config": cfg.to_dict(), "folder": folder, "source_dtypes": dtypes}
