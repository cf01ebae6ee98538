"""Converted official models → the app's model folder: the same ONNX graphs as the bundled model (VAE one-shot /
chunk-step / Haar split via export_vae, DiT one-graph + split + inpaint one-graph via export_dit, the T5 text
encoder), weights as external data (fp32 or fp16 storage), manifest.json with sha256 + sizes, README.md model card
stub carrying the source licence and the source files' hashes."""
from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
from types import SimpleNamespace

import torch

from training.convert import onnx_fp16
from training.convert.sentencepiece_json import write_tokenizer_json
from training.convert.vae import engine_latent_norm
from training.export_manifest import FORMAT, VERSION, file_entries


class SentencePieceForExport:
    """The tokenizer as export_dit sees it. The engine tokenizes with tokenizer.json written from `spiece.model` (Unigram in
    the browser, @huggingface/tokenizers); tracing the graphs only needs valid ids of the right layout (pieces, EOS, then padding with mask 0),
    so these are synthetic — no Python SentencePiece is needed to convert."""
    kind = "sentencepiece"

    def __init__(self, spiece_path: str, vocab_size: int, max_length: int, pad_id: int, eos_id: int):
        self.path, self.vocab_size, self.max_length = spiece_path, vocab_size, max_length
        self.pad_id, self.eos_id = pad_id, eos_id

    def encode_batch(self, texts):
        L = self.max_length
        ids = torch.full((len(texts), L), self.pad_id, dtype=torch.long)
        mask = torch.zeros(len(texts), L)
        for i, t in enumerate(texts):
            n = min(len(t.split()), L - 1)
            ids[i, :n] = 3 + (torch.arange(n) * 7919) % max(1, self.vocab_size - 3)
            ids[i, n] = self.eos_id
            mask[i, :n + 1] = 1
        return ids, mask

    def write_files(self, out_dir: str) -> str:
        """Copies spiece.model (provenance) and writes tokenizer.json from it (the file the engine loads)."""
        shutil.copyfile(self.path, os.path.join(out_dir, "spiece.model"))
        write_tokenizer_json(self.path, os.path.join(out_dir, "tokenizer.json"))
        return "tokenizer.json"


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_files(folder: str):
    """(relative path, bytes, sha256) of the files a source folder contributed (configs, weights, tokenizer)."""
    pats = ("config.json", "*.safetensors", "*.safetensors.index.json", "*.ckpt", "spiece.model",
            "model_ema/config.json", "model_ema/*.safetensors", "model_ema/*.index.json")
    out = []
    for pat in pats:
        for p in sorted(glob.glob(os.path.join(folder, pat))):
            out.append((os.path.relpath(p, folder), os.path.getsize(p), sha256_file(p)))
    return out


def export_folder(out: str, vae, latent: dict, dit, text_encoder, spiece: str, inpaint=None, dtype: str = "fp32",
                  sources: dict | None = None, license_text: str = "", model_id: str = "", name: str = "",
                  defaults: dict | None = None, log=print) -> dict:
    from training import export_dit, export_vae
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):  # a re-run replaces the previous conversion
        if f.endswith((".onnx", ".weights", ".json", ".model")) or f == "README.md":
            os.remove(os.path.join(out, f))
    P = lambda n: os.path.join(out, n)
    log("exporting VAE graphs")
    export_vae.export_model(vae, out, None, "official WF-VAE")
    log("exporting text encoder + DiT graphs")
    te_cfg = text_encoder.cfg
    tok = SentencePieceForExport(spiece, te_cfg.vocab_size, te_cfg.max_length, te_cfg.pad_id, te_cfg.eos_id)
    bundle = SimpleNamespace(dit=dit, text_encoder=text_encoder, latent_norm=engine_latent_norm(latent))
    inp = SimpleNamespace(dit=inpaint, text_encoder=text_encoder) if inpaint is not None else None
    export_dit.export_all(bundle, tok, out, inp, None, "official")
    if dtype == "fp16":
        log("storing weights as fp16")
        onnx_fp16.store_fp16(out)
    graphs = json.load(open(P("dit_graphs.json")))
    graphs["weights_dtype"] = dtype
    with open(P("dit_graphs.json"), "w") as f:
        json.dump(graphs, f, indent=1)
        f.write("\n")
    write_card(P("README.md"), sources or {}, license_text, dtype, dit, inpaint, text_encoder, latent)
    manifest = build_manifest(out, model_id or os.path.basename(os.path.normpath(out)), name, graphs, latent,
                              text_encoder, dtype, defaults or {}, license_text)
    with open(P("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return manifest


def write_card(path, sources, license_text, dtype, dit, inpaint, te, latent):
    lines = ["# Converted Open-Sora Plan v1.3 model", "",
             "Converted with `training/convert_official.py` from the official checkpoint folders below. The weights "
             "are the source's, unchanged except for the layout (ONNX graphs with external data) and, with "
             f"`--dtype fp16`, rounding to float16 (this folder: **{dtype}**).", "",
             "## Licence of the source weights", "", license_text or
             "Not stated by the source folders: check the licence of the checkpoint you downloaded (the Open-Sora "
             "Plan repository and its weights are published under the MIT licence; google/mt5-xxl under Apache-2.0).",
             "", "## Architecture", "",
             f"- DiT: {dit.cfg.num_layers} layers, {dit.cfg.num_heads} × {dit.cfg.head_dim}, caption "
             f"{dit.cfg.caption_channels}, Skiparse k = {dit.cfg.sparse_n}, layer schedule {''.join(m[0].upper() for m in dit.modes)} "
             "(D dense, S single, G group; upstream's hard-coded `1 < i < 30` rule)",
             f"- inpaint DiT: {'yes, ' + str(inpaint.cfg.mask_channels) + ' mask channels' if inpaint is not None else 'not converted'}",
             f"- text encoder: T5/mT5 encoder d_model {te.cfg.d_model}, {te.cfg.num_layers} layers, {te.cfg.num_heads} heads, "
             f"max length {te.cfg.max_length}, SentencePiece tokenizer (tokenizer.json from spiece.model)",
             f"- VAE latent shift {latent['shift']}, scale {latent['scale']} (upstream x = (z − shift)·scale)", "",
             "## Source files", "", "| Part | File | Bytes | sha256 |", "|---|---|---|---|"]
    for part, folder in sources.items():
        for rel, size, h in source_files(folder):
            lines.append(f"| {part} | {rel} | {size} | `{h}` |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def build_manifest(out, model_id, name, graphs, latent, te, dtype, defaults, license_text):
    d = {"steps": 100, "cfgScale": 7.5, "frames": 93, "width": 640, "height": 640, "fps": 18,
         # upstream opensora/utils/sample_utils.py templates
         "negativePrompt": "\n    nsfw, lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer "
                           "digits, cropped, worst quality, \n    low quality, normal quality, jpeg artifacts, "
                           "signature, watermark, username, blurry.\n    ",
         "promptTemplate": "\n    high quality, high aesthetic, {prompt}\n    "}
    d.update(defaults)
    c = te.cfg
    return {
        "format": FORMAT, "version": VERSION, "id": model_id, "name": name or f"Open-Sora Plan v1.3 ({model_id})",
        "description": "Official Open-Sora Plan v1.3 weights converted by training/convert_official.py "
                       "(WF-VAE, Skiparse DiT, inpaint DiT, mT5 encoder). See README.md (model card).",
        "license": license_text or "see README.md (licence of the source weights)",
        "vae": {"latentChannels": graphs["latent"]["channels"], "temporalCompression": 4, "spatialCompression": 8,
                "scalingFactor": 0.18215, "latentNorm": engine_latent_norm(latent)},
        "dit": {"kind": "skiparse-onnx", "source": "official", "weightsDtype": dtype, **graphs["dit_config"]},
        "textEncoder": c.to_dict(),
        "tokenizer": {"type": "sentencepiece", "vocab": "tokenizer.json", "maxLength": c.max_length, "padId": c.pad_id,
                      "unkId": 2, "eosId": c.eos_id},
        "defaults": d,
        "limits": {"maxFrames": max(93, d["frames"]), "maxSteps": 200, "sizes": []},
        "files": file_entries(out),
    }
