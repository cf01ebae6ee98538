"""Official WF-VAE (`WFVAEModel`, `vae/` folder) → our `training.models.wfvae.WFVAE`.

Input layouts (as upstream saves them, see ../shared/fixtures/upstream-v13/README.md §1):
* `config.json` (diffusers register_to_config kwargs incl. per-channel `shift` / `scale`);
* a training checkpoint `*.ckpt` (`ema_state_dict` with `module.` in the names and without the Haar constants, else
  `state_dict.gen_model`, else a plain state dict), chosen over safetensors like upstream's
  `VideoBaseAE.from_pretrained`; or `diffusion_pytorch_model.safetensors` (diffusers layout).

Key mapping: upstream's per-frame Conv2d *is* an nn.Conv2d (weights at the module path) while ours wraps one
(`Conv2dPF.conv`), so `<path>.weight` ↔ `<path>.conv.weight` for exactly the Conv2dPF modules; all other names are
equal. The 40 Haar constants are not learned: they are checked against the transform definitions and dropped.
"""
from __future__ import annotations

import glob
import os
from typing import Dict, Tuple

import torch

from training.convert.safetensors_io import CheckpointError, checked_float, load_folder_weights, read_json
from training.models.wavelet import haar2d_filters, haar3d_filters
from training.models.wfvae import LATENT_SCALE, WFVAE, Conv2dPF, WFVAEConfig

# upstream config values our WFVAE implements (anything else is an unsupported config)
_FIXED = {"norm_type": "layernorm", "t_interpolation": "trilinear", "use_attention": True,
          "attention_type": "AttnBlock3DFix", "l1_dowmsample_block": "Downsample",
          "l1_downsample_wavelet": "HaarWaveletTransform2D", "l1_upsample_block": "Upsample",
          "l1_upsample_wavelet": "InverseHaarWaveletTransform2D", "l2_dowmsample_block": "Spatial2xTime2x3DDownsample",
          "l2_downsample_wavelet": "HaarWaveletTransform3D", "l2_upsample_block": "Spatial2xTime2x3DUpsample",
          "l2_upsample_wavelet": "InverseHaarWaveletTransform3D"}
_SIZES = ("latent_dim", "base_channels", "encoder_num_resblocks", "decoder_num_resblocks",
          "encoder_energy_flow_hidden_size", "decoder_energy_flow_hidden_size", "connect_res_layer_num")
_IGNORED = ("dropout",)  # inactive at inference

# Haar constants: upstream name → our filter (haar3d_filters index s = 4·t_high + 2·h_high + w_high; 2D [LL,h,w,hw])
_H3 = ("h", "g", "hh", "gh", "h_v", "g_v", "hh_v", "gh_v")
_H2 = ("aa", "ad", "da", "dd")


def haar_constants() -> Dict[str, torch.Tensor]:
    f3, f2 = haar3d_filters(), haar2d_filters()
    out = {}
    for mod in ("encoder.wavelet_transform_in", "encoder.wavelet_transform_l2"):
        out.update({f"{mod}.{n}_conv.conv.weight": f3[s:s + 1] for s, n in enumerate(_H3)})
    for mod in ("decoder.inverse_wavelet_transform_out", "decoder.inverse_wavelet_transform_l2"):
        out.update({f"{mod}.{n}": f3[s:s + 1] for s, n in enumerate(_H3)})
    for mod in ("encoder.wavelet_transform_l1", "decoder.inverse_wavelet_transform_l1"):
        out.update({f"{mod}.{n}": f2[s:s + 1] for s, n in enumerate(_H2)})
    return out


def parse_config(cfg: dict, where: str) -> Tuple[WFVAEConfig, dict]:
    """→ (WFVAEConfig, latent {"shift": [C], "scale": [C]} in upstream's convention x = (mean − shift)·scale)."""
    cls = cfg.get("_class_name", "WFVAEModel")
    if cls != "WFVAEModel":
        raise CheckpointError(f"{where}: _class_name {cls!r} is not a WF-VAE (expected WFVAEModel)")
    unknown = sorted(k for k in cfg if not k.startswith("_") and k not in _FIXED and k not in _SIZES
                     and k not in _IGNORED and k not in ("shift", "scale"))
    if unknown:
        raise CheckpointError(f"{where}: unknown config key {unknown[0]!r}")
    for k, v in _FIXED.items():
        if cfg.get(k, v) != v:
            raise CheckpointError(f"{where}: unsupported {k} = {cfg[k]!r} (this converter implements {v!r})")
    missing = [k for k in _SIZES if k not in cfg]
    if missing:
        raise CheckpointError(f"{where}: config lacks {missing[0]!r}")
    if cfg["encoder_num_resblocks"] != cfg["decoder_num_resblocks"]:
        raise CheckpointError(f"{where}: unsupported encoder_num_resblocks {cfg['encoder_num_resblocks']} ≠ "
                              f"decoder_num_resblocks {cfg['decoder_num_resblocks']}")
    c = WFVAEConfig(base_channels=cfg["base_channels"],
                    encoder_energy_flow_hidden_size=cfg["encoder_energy_flow_hidden_size"],
                    decoder_energy_flow_hidden_size=cfg["decoder_energy_flow_hidden_size"],
                    connect_res_layer_num=cfg["connect_res_layer_num"], latent_dim=cfg["latent_dim"],
                    num_resblocks=cfg["encoder_num_resblocks"])
    L = c.latent_dim
    # upstream WFVAEModel.__init__ defaults when the config does not carry them
    shift = cfg.get("shift", [0.0] * L)
    scale = cfg.get("scale", [0.18215] * L)
    for name, v in (("shift", shift), ("scale", scale)):
        if not isinstance(v, list) or len(v) != L or not all(isinstance(x, (int, float)) for x in v):
            raise CheckpointError(f"{where}: {name} must be a list of {L} numbers, got {v!r}")
    if any(x <= 0 for x in scale):
        raise CheckpointError(f"{where}: scale must be positive, got {scale}")
    return c, {"shift": [float(x) for x in shift], "scale": [float(x) for x in scale]}


def engine_latent_norm(latent: dict) -> dict:
    """Upstream x = (mean − shift)·scale in our engine's convention (manifest vae.latentNorm): the VAE graphs
    exchange z = mean·0.18215 and x = (z − shift')/scale', so shift' = 0.18215·shift, scale' = 0.18215/scale."""
    return {"shift": [LATENT_SCALE * s for s in latent["shift"]], "scale": [LATENT_SCALE / k for k in latent["scale"]]}


def _tensor_dict(d, where):
    if not isinstance(d, dict) or not d or not all(isinstance(v, torch.Tensor) for v in d.values()):
        raise CheckpointError(f"{where}: not a state dict of tensors")
    return d


def state_from_ckpt(path: str, use_ema: bool = True) -> Tuple[Dict[str, torch.Tensor], str]:
    """upstream init_from_ckpt's choice: non-empty `ema_state_dict` (unless use_ema=False), else
    `state_dict["gen_model"]`, else `state_dict`, else the file itself as a plain state dict; every "module."
    substring is removed from the names (str.replace, as upstream)."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 — any unpickling failure is a bad file
        raise CheckpointError(f"{path}: cannot read checkpoint ({type(e).__name__}: {e})") from None
    if not isinstance(ck, dict):
        raise CheckpointError(f"{path}: checkpoint is a {type(ck).__name__}, not a dict")
    if use_ema and isinstance(ck.get("ema_state_dict"), dict) and ck["ema_state_dict"]:
        sd, branch = ck["ema_state_dict"], "ema_state_dict"
    elif "state_dict" in ck:
        sd = ck["state_dict"]
        sd, branch = (sd["gen_model"], "state_dict.gen_model") if isinstance(sd, dict) and "gen_model" in sd \
            else (sd, "state_dict")
    else:
        sd, branch = ck, "plain state dict"
    sd = _tensor_dict(sd, f"{path} [{branch}]")
    return {k.replace("module.", ""): v for k, v in sd.items()}, branch


def find_weights(folder: str, use_ema: bool = True) -> Tuple[Dict[str, torch.Tensor], str]:
    """A `*.ckpt` if the folder holds one (upstream's precedence), else diffusers safetensors."""
    ckpts = sorted(glob.glob(os.path.join(folder, "*.ckpt")))
    if len(ckpts) > 1:
        raise CheckpointError(f"{folder}: {len(ckpts)} .ckpt files ({', '.join(map(os.path.basename, ckpts))}); "
                              f"upstream would pick one arbitrarily — keep exactly one")
    if ckpts:
        sd, branch = state_from_ckpt(ckpts[0], use_ema)
        return sd, f"{os.path.basename(ckpts[0])} [{branch}]"
    return load_folder_weights(folder), "diffusion_pytorch_model.safetensors"


def map_state(sd: Dict[str, torch.Tensor], model: WFVAE, where: str) -> Dict[str, torch.Tensor]:
    """Strict upstream → ours: every learned tensor present with its shape, no unknown name; Haar constants (may be
    absent, e.g. in an EMA state) must equal the transform definitions and are dropped."""
    ours = model.state_dict()
    up_to_ours = {}
    pf = {name for name, m in model.named_modules() if isinstance(m, Conv2dPF)}
    for k in ours:
        mod, _, leaf = k.rpartition(".")
        up = mod[:-len(".conv")] + "." + leaf if mod.endswith(".conv") and mod[:-len(".conv")] in pf else k
        up_to_ours[up] = k
    haar = haar_constants()
    out = {}
    for k, v in sd.items():
        if k in haar:
            if tuple(v.shape) != tuple(haar[k].shape) or not torch.equal(v.float(), haar[k]):
                raise CheckpointError(f"{where}: Haar constant {k!r} differs from the wavelet definition "
                                      f"(max |Δ| {float((v.float() - haar[k]).abs().max()) if v.shape == haar[k].shape else 'shape'})")
            continue
        if k not in up_to_ours:
            raise CheckpointError(f"{where}: unexpected key {k!r} (not a WF-VAE parameter of this config)")
        ok = up_to_ours[k]
        out[ok] = checked_float(where, k, v, ours[ok].shape)
    missing = [u for u, o in up_to_ours.items() if o not in out]
    if missing:
        raise CheckpointError(f"{where}: missing key {missing[0]!r} ({len(missing)} missing in all)")
    return out


def load_official_vae(folder: str, use_ema: bool = True) -> Tuple[WFVAE, dict, dict]:
    """→ (WFVAE in eval mode, fp32; latent {"shift", "scale"} in upstream's convention; info for the model card)."""
    if not os.path.isdir(folder):
        raise CheckpointError(f"{folder}: not a folder (expected the released vae/ folder)")
    cp = os.path.join(folder, "config.json")
    if not os.path.exists(cp):
        raise CheckpointError(f"{folder}: no config.json (is this the vae/ folder?)")
    cfg, latent = parse_config(read_json(cp), cp)
    sd, source = find_weights(folder, use_ema)
    model = WFVAE(cfg)
    model.load_state_dict(map_state(sd, model, os.path.join(folder, source)), strict=True)
    src_dtypes = sorted({str(v.dtype).replace("torch.", "") for v in sd.values()})
    return model.eval(), latent, {"config": cfg.to_dict(), "weights": source, "source_dtypes": src_dtypes}
