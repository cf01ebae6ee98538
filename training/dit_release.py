"""Weights-only DiT releases (save/load, with the ONNX fallback of training/checkpoint_from_onnx.py), their paths, and
the frozen WF-VAE that makes the DiT's latents (load_vae, encode_latents, encode_condition). Library part of
training/train_dit.py, which the training script, the samplers, the evaluators and the exporters import.
"""
from __future__ import annotations

import json
import os

import torch

from training import diffusion as D
from training import masks as MK
from training.dit_bundle import DiTBundle
from training.models.skiparse_dit import DiTConfig, count_params
from training.models.text_encoder import TextEncoderConfig
from training.tokenizer import Tokenizer

VAE_CKPT = "training/checkpoints/wfvae_tiny.pt"
RELEASE = {"t2v": "training/checkpoints/dit_tiny.pt", "inpaint": "training/checkpoints/dit_inpaint_tiny.pt"}


def release_meta(bundle: DiTBundle, tok: Tokenizer, extra: dict) -> dict:
    return {"dit_config": bundle.dit.cfg.to_dict(), "text_config": bundle.text_encoder.cfg.to_dict(),
            "tokenizer": tok.to_json(), "params": {"dit": count_params(bundle.dit),
                                                   "text_encoder": count_params(bundle.text_encoder)},
            "latent_scale": D.VAE_SCALE, "weights": "EMA", **extra}


def save_release(path: str, ema_state: dict, meta: dict):
    """The EMA weights (.pt) + meta (.json). The meta records the state's fingerprint, so a rebuild of the .pt from
    an exported folder (checkpoint_from_onnx) is checked to be this checkpoint, not just one of the same shapes."""
    from training.checkpoint_from_onnx import state_fingerprint
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in ema_state.items()}
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)
    with open(path.replace(".pt", ".json"), "w") as f:
        json.dump(dict(meta, state_sha256=state_fingerprint(state)), f, indent=1)
        f.write("\n")


def load_release(path: str):
    """→ (DiTBundle in eval mode, Tokenizer, meta)."""
    with open(path.replace(".pt", ".json")) as f:
        meta = json.load(f)
    tok = Tokenizer(meta["tokenizer"]["tokens"], meta["tokenizer"]["max_length"])
    b = DiTBundle(DiTConfig.from_dict(meta["dit_config"]), TextEncoderConfig(**meta["text_config"]))
    if os.path.exists(path):
        state = torch.load(path, map_location="cpu")
    else:  # a clone without the .pt: the weights are committed once, as the exported model's dit.weights
        from training.checkpoint_from_onnx import state_dict_for_release
        state = state_dict_for_release(path, meta)
    b.load_state_dict(state)
    b.latent_norm = meta.get("latent_norm")  # DiT-side per-channel latent normalisation (None: identity)
    return b.eval(), tok, meta


def load_vae(path=VAE_CKPT, allow_random=False):
    from training.models.wfvae import WFVAE, WFVAEConfig
    from training.train_vae import load_release as load_vae_release, release_available
    if path and release_available(path):  # the .pt, or its rebuild from the shipped vae_*.weights
        return load_vae_release(path)[0].requires_grad_(False), True
    if not allow_random:
        raise FileNotFoundError(f"{path} missing, and no exported model folder to rebuild it from (pass --vae random "
                                f"for a smoke run)")
    torch.manual_seed(1234)
    return WFVAE(WFVAEConfig.tiny()).eval().requires_grad_(False), False


@torch.no_grad()
def encode_latents(vae, video, generator=None, sample=True):
    """video [B, 3, T, H, W] in [−1, 1] → scaled latent (posterior sample − 0) × 0.18215, fp32."""
    post = vae.encode(video.float())
    z = post.sample(generator) if sample else post.mode()
    return z * D.VAE_SCALE


@torch.no_grad()
def encode_condition(vae, video, mask, generator, zero_cache: dict):
    """Scaled latent of VAE(masked video). All-masked rows (text-to-video, ≥ half the inpaint batches) encode an
    all-zero clip, whose posterior depends only on the shape: it is computed once and only sampled per row, which
    saves about a third of the inpaint stage's encoder time."""
    full = (mask >= 0.5).flatten(1).all(1)
    rest = (~full).nonzero().flatten()
    out = torch.empty(0)
    if len(rest):
        part = encode_latents(vae, MK.masked_video(video[rest], mask[rest]), generator)
        out = part.new_empty((video.shape[0],) + part.shape[1:])
        out[rest] = part
    if full.any():
        key = tuple(video.shape[1:])
        if key not in zero_cache:
            zero_cache[key] = vae.encode(torch.zeros((1,) + key, device=video.device))
        z = zero_cache[key].sample(generator, n=int(full.sum()))
        if not len(rest):
            out = z.new_empty((video.shape[0],) + z.shape[1:])
        out[full] = z * D.VAE_SCALE
    return out
