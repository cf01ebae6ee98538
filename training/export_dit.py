"""Export the text encoder + Skiparse DiT to ONNX (opset 17, fp32) with shared external weights, graph I/O docs
and parity fixtures.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.export_dit --random            (dev model, default)
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.export_dit --ckpt training/checkpoints/dit_tiny.pt \
        [--inpaint-ckpt training/checkpoints/dit_inpaint_tiny.pt] --out public/models/osp-v13-tiny

Graphs (all in --out, described in dit_graphs.json; vocab.json is the tokenizer):
  text_encoder.onnx        input_ids int64 [B, L], text_mask [B, L] -> text_states [B, L, Ct]
  dit.onnx                 one graph (WASM path): latent [B, 8, T, H, W] (= x/√(σ²+1)), timestep [B] float,
                           text_states, text_mask -> v [B, 8, T, H, W]; Skiparse self-attention inside
  dit_embed.onnx           latent, timestep, text_states -> hidden [B, N, D], t6 [B, 6D], embedded_timestep [B, D],
                           text [B, L, D], rope_cos / rope_sin [N, head_dim]
  dit_block{i}_pre.onnx    hidden, t6, rope_cos, rope_sin -> q, k, v [B, N, heads·head_dim] (RoPE applied)
  (self-attention of block i: dense / Single Skip / Group Skip, NOT in any split graph: the WGSL kernel)
  dit_block{i}_post.onnx   hidden, attn [B, N, heads·head_dim], t6, text, text_mask -> hidden_out [B, N, D]
  dit_final.onnx           hidden, embedded_timestep, latent (shape only) -> v
  inpainting model: dit_inpaint.onnx / dit_embed_inpaint.onnx take cond_latent [B, 8, T, H, W] and
  cond_mask [B, 4, T, H, W] as extra inputs (the --random dev export shares all other graphs with T2V).
Every initializer of every graph lives once in one external-data file (dit.weights), content-deduplicated, so the
one-graph and split paths do not ship the weights twice.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import onnx
import torch
import torch.nn as nn

from training.models.skiparse_dit import SKIPARSE_PAD_BIAS, TEXT_MASK_BIAS, self_attention_core, text_bias

OPSET = 17
WEIGHTS = "dit.weights"
RANDOM_OUT = "training/fixtures/dit/dev"
# The dev export is the same architecture at a toy width (8 layers so the dense/single/group schedule is intact,
# 2 heads x 24, text width 48): ~1 MB of random weights instead of shipping the full small config twice.
DEV_DIMS = dict(layers=8, heads=2, head_dim=24, text_width=48, text_layers=2)
# The inpaint-as-main dev export (--random-inpaint-main): ONE inpaint model whose dit/dit_embed graphs take
# cond_latent/cond_mask, like the bundled model exported from one inpaint checkpoint. Even smaller (6 layers keep
# dense/single/group, 2 heads x 12) so it can be committed for the engine's tests (< 2 MB).
DEV_INPAINT_DIMS = dict(layers=6, heads=2, head_dim=12, text_width=24, text_layers=1)
RANDOM_INPAINT_OUT = "training/fixtures/dit/dev_inpaint"
FIX_DIR = "training/fixtures/dit"


# ------------------------------------------------------------------------------------------------ graph wrappers
class TextEncoderGraph(nn.Module):
    def __init__(self, te):
        super().__init__()
        self.te = te

    def forward(self, input_ids, text_mask):
        return self.te(input_ids, text_mask)


class DiTGraph(nn.Module):
    def __init__(self, dit):
        super().__init__()
        self.dit = dit

    def forward(self, latent, timestep, text_states, text_mask, cond_latent=None, cond_mask=None):
        return self.dit(latent, timestep, text_states, text_mask, cond_latent, cond_mask)


class EmbedGraph(nn.Module):
    def __init__(self, dit):
        super().__init__()
        self.dit = dit

    def forward(self, latent, timestep, text_states, cond_latent=None, cond_mask=None):
        d = self.dit
        p = d.cfg.patch_size
        t, hh, ww = latent.shape[2], latent.shape[3], latent.shape[4]
        h = d.embed(latent, cond_latent, cond_mask)
        t6, e = d.adaln_single(timestep)
        text = d.caption_projection(text_states)
        cos, sin = d.rope(t, hh // p, ww // p)
        return h, t6, e, text, cos, sin


class PreGraph(nn.Module):
    def __init__(self, blk):
        super().__init__()
        self.blk = blk

    def forward(self, hidden, t6, rope_cos, rope_sin):
        return self.blk.pre_attention(hidden, t6, rope_cos, rope_sin)


class PostGraph(nn.Module):
    def __init__(self, blk):
        super().__init__()
        self.blk = blk

    def forward(self, hidden, attn, t6, text, text_mask):
        return self.blk.post_attention(hidden, attn, t6, text, text_bias(text_mask))


class BlockGraph(nn.Module):
    """A whole block (self-attention core included): the unit the stitched one-graph is built from."""

    def __init__(self, blk):
        super().__init__()
        self.blk = blk

    def forward(self, hidden, t6, rope_cos, rope_sin, text, text_mask):
        return self.blk(hidden, t6, rope_cos, rope_sin, text, text_bias(text_mask))


class FinalGraph(nn.Module):
    def __init__(self, dit):
        super().__init__()
        self.dit = dit

    def forward(self, hidden, embedded_timestep, latent):
        p = self.dit.cfg.patch_size
        return self.dit.final(hidden, embedded_timestep, latent.shape[2], latent.shape[3] // p, latent.shape[4] // p)


# ----------------------------------------------------------------------------------------------------- export
LAT = {0: "B", 2: "T", 3: "H", 4: "W"}
SEQ = {0: "B", 1: "N"}
TXT = {0: "B", 1: "L"}


def export(module, args, path, names_in, names_out, dyn):
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=names_in, output_names=names_out,
                      dynamic_axes=dyn, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


# Deeper models get their one-graph stitched from per-block graphs (training/onnx_stitch.py): tracing 32 layers as one
# graph takes 15–30 min with torch 1.13. The bundled 8-layer model keeps the traced one-graph.
STITCH_MIN_LAYERS = 9


def export_one_graph_stitched(d, args, names, dyn, path):
    """dit.onnx of model d as embed → blocks → final, each traced on its own (same inputs / output as DiTGraph)."""
    import tempfile
    from training.onnx_stitch import stitch
    cond = d.cfg.inpaint
    latent, timestep, ts, mask = args[:4]
    eargs = (latent, timestep, ts) + tuple(args[4:])
    enames = ["latent", "timestep", "text_states"] + (["cond_latent", "cond_mask"] if cond else [])
    emb_out = ["hidden", "t6", "embedded_timestep", "text", "rope_cos", "rope_sin"]
    edyn = {k: v for k, v in dyn.items() if k in enames}
    edyn.update({"hidden": SEQ, "t6": {0: "B"}, "embedded_timestep": {0: "B"}, "text": TXT, "rope_cos": {0: "N"},
                 "rope_sin": {0: "N"}})
    with tempfile.TemporaryDirectory() as tmp:
        export(EmbedGraph(d), eargs, os.path.join(tmp, "embed.onnx"), enames, emb_out, edyn)
        embed = onnx.load(os.path.join(tmp, "embed.onnx"))
        h, t6, e, text, cos, sin = EmbedGraph(d)(*eargs)
        glob_names = {"t6": "t6", "embedded_timestep": "e", "text": "text", "rope_cos": "rope_cos",
                      "rope_sin": "rope_sin", "hidden": "h0"}
        parts = [(embed, "embed/", {**{n: n for n in enames}, **glob_names})]
        bnames = ["hidden", "t6", "rope_cos", "rope_sin", "text", "text_mask"]
        for i, blk in enumerate(d.transformer_blocks):
            p = os.path.join(tmp, f"b{i}.onnx")
            export(BlockGraph(blk), (h, t6, cos, sin, text, mask), p, bnames, ["hidden_out"],
                   {"hidden": SEQ, "t6": {0: "B"}, "rope_cos": {0: "N"}, "rope_sin": {0: "N"}, "text": TXT,
                    "text_mask": TXT, "hidden_out": SEQ})
            parts.append((onnx.load(p), f"b{i}/", {"hidden": f"h{i}", "t6": "t6", "rope_cos": "rope_cos",
                                                    "rope_sin": "rope_sin", "text": "text", "text_mask": "text_mask",
                                                    "hidden_out": f"h{i + 1}"}))
            h = blk(h, t6, cos, sin, text, text_bias(mask))
        p = os.path.join(tmp, "final.onnx")
        export(FinalGraph(d), (h, e, latent), p, ["hidden", "embedded_timestep", "latent"], ["v"],
               {"hidden": SEQ, "embedded_timestep": {0: "B"}, "latent": LAT, "v": LAT})
        final = onnx.load(p)
        parts.append((final, "final/", {"hidden": f"h{len(d.transformer_blocks)}", "embedded_timestep": "e",
                                        "latent": "latent", "v": "v"}))
        b0 = parts[1][0]
        text_mask_in = next(v for v in b0.graph.input if v.name == "text_mask")
        ins = {v.name: v for v in embed.graph.input}
        inputs = [ins["latent"], ins["timestep"], ins["text_states"], text_mask_in] + \
                 ([ins["cond_latent"], ins["cond_mask"]] if cond else [])
        model = stitch(parts, inputs, list(final.graph.output))
    onnx.save(model, path)
    onnx.checker.check_model(onnx.load(path))


def share_external(paths, out_dir, weights_name=WEIGHTS, min_bytes=64):
    """Move every initializer ≥ min_bytes of all graphs into one external-data file, byte-identical tensors stored
    once (64-byte aligned offsets)."""
    blob, index = bytearray(), {}
    models = [onnx.load(p) for p in paths]
    for model in models:
        for t in model.graph.initializer:
            raw = t.raw_data
            if len(raw) < min_bytes:
                continue
            key = hashlib.sha1(raw).hexdigest() + ":" + str(t.data_type)
            if key not in index:
                blob.extend(b"\0" * ((-len(blob)) % 64))
                index[key] = (len(blob), len(raw))
                blob.extend(raw)
            off, ln = index[key]
            t.ClearField("raw_data")
            del t.external_data[:]
            t.data_location = onnx.TensorProto.EXTERNAL
            for k, v in (("location", weights_name), ("offset", str(off)), ("length", str(ln))):
                e = t.external_data.add()
                e.key, e.value = k, v
    with open(os.path.join(out_dir, weights_name), "wb") as f:
        f.write(bytes(blob))
    for p, model in zip(paths, models):
        onnx.save(model, p)
        onnx.checker.check_model(p)  # by path: resolves the external data
    return len(blob)


def io_of(path):
    m = onnx.load(path, load_external_data=False)
    init = {i.name for i in m.graph.initializer}

    def desc(v):
        tt = v.type.tensor_type
        dims = [d.dim_param if d.dim_param else int(d.dim_value) for d in tt.shape.dim]
        return {"name": v.name, "dtype": onnx.TensorProto.DataType.Name(tt.elem_type).lower(), "shape": dims}
    return {"inputs": [desc(v) for v in m.graph.input if v.name not in init],
            "outputs": [desc(v) for v in m.graph.output]}


def sample_inputs(bundle, tok, b=2, t=5, h=4, w=6, seed=0, cond=False):
    g = torch.Generator().manual_seed(seed)
    cfg = bundle.dit.cfg
    ids, mask = tok.encode_batch(["a big red circle moves right on a blue background", ""][:b])
    latent = torch.randn(b, cfg.in_channels, t, h, w, generator=g)
    timestep = torch.tensor([999.0, 499.0][:b])
    out = {"input_ids": ids, "text_mask": mask, "latent": latent, "timestep": timestep}
    if cond:
        out["cond_latent"] = torch.randn(b, cfg.in_channels, t, h, w, generator=g)
        out["cond_mask"] = (torch.rand(b, 4, t, h, w, generator=g) > 0.5).float()
    return out


class Fixtures:
    def __init__(self, d):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.index = {}

    def tensor(self, name, t):
        t = t.detach().contiguous()
        if t.dtype == torch.int64:
            a, dt = t.numpy().astype("<i8"), "int64"
        else:
            a, dt = t.float().numpy().astype("<f4"), "float32"
        fn = name + ".bin"
        a.tofile(os.path.join(self.d, fn))
        return {"file": fn, "shape": list(a.shape), "dtype": dt}

    def add(self, key, graph, inputs, outputs, atol, note=""):
        self.index[key] = {"graph": graph, "inputs": {k: self.tensor(f"{key}.in.{k}", v) for k, v in inputs.items()},
                           "outputs": {k: self.tensor(f"{key}.out.{k}", v) for k, v in outputs.items()},
                           "atol": atol, "note": note}

    def save(self, extra):
        with open(os.path.join(self.d, "index.json"), "w") as f:
            json.dump({"format": "raw little-endian, row-major; dtype per tensor", **extra, "fixtures": self.index},
                      f, indent=1)
            f.write("\n")


@torch.no_grad()
def export_all(bundle, tok, out_dir, inpaint_bundle=None, fixtures_dir=None, source="random"):
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):  # stale DiT graphs of a different depth (the VAE's files may share the folder)
        if (f.endswith(".onnx") and f.startswith(("dit", "text_encoder"))) or f == WEIGHTS:
            os.remove(os.path.join(out_dir, f))
    dit, te = bundle.dit.eval(), bundle.text_encoder.eval()
    cfg = dit.cfg
    P = lambda n: os.path.join(out_dir, n)
    x = sample_inputs(bundle, tok, cond=cfg.inpaint)
    cond_args = (x["cond_latent"], x["cond_mask"]) if cfg.inpaint else ()
    cond_in = dict(zip(("cond_latent", "cond_mask"), cond_args))
    text_states = te(x["input_ids"], x["text_mask"])
    paths = []

    export(TextEncoderGraph(te), (x["input_ids"], x["text_mask"]), P("text_encoder.onnx"),
           ["input_ids", "text_mask"], ["text_states"], {"input_ids": TXT, "text_mask": TXT, "text_states": TXT})
    paths.append(P("text_encoder.onnx"))

    emb_out = ["hidden", "t6", "embedded_timestep", "text", "rope_cos", "rope_sin"]
    emb_dyn = {"latent": LAT, "timestep": {0: "B"}, "text_states": TXT, "hidden": SEQ, "t6": {0: "B"},
               "embedded_timestep": {0: "B"}, "text": TXT, "rope_cos": {0: "N"}, "rope_sin": {0: "N"}}
    dit_dyn = {"latent": LAT, "timestep": {0: "B"}, "text_states": TXT, "text_mask": TXT, "v": LAT}
    cond_dyn = {"cond_latent": LAT, "cond_mask": LAT}

    def export_model_graphs(d, suffix, xin, ts):
        args = (xin["latent"], xin["timestep"], ts, xin["text_mask"])
        names = ["latent", "timestep", "text_states", "text_mask"]
        eargs = (xin["latent"], xin["timestep"], ts)
        enames = ["latent", "timestep", "text_states"]
        dyn, edyn = dict(dit_dyn), dict(emb_dyn)
        if d.cfg.inpaint:
            args += (xin["cond_latent"], xin["cond_mask"])
            eargs += (xin["cond_latent"], xin["cond_mask"])
            names += ["cond_latent", "cond_mask"]
            enames += ["cond_latent", "cond_mask"]
            dyn.update(cond_dyn)
            edyn.update(cond_dyn)
        if d.cfg.num_layers >= STITCH_MIN_LAYERS:
            export_one_graph_stitched(d, args, names, dyn, P(f"dit{suffix}.onnx"))
        else:
            export(DiTGraph(d), args, P(f"dit{suffix}.onnx"), names, ["v"], dyn)
        export(EmbedGraph(d), eargs, P(f"dit_embed{suffix}.onnx"), enames, emb_out, edyn)
        paths.extend([P(f"dit{suffix}.onnx"), P(f"dit_embed{suffix}.onnx")])

    export_model_graphs(dit, "", x, text_states)
    hidden, t6, e, text, cos, sin = EmbedGraph(dit)(x["latent"], x["timestep"], text_states, *cond_args)
    block_io = []
    h = hidden
    for i, blk in enumerate(dit.transformer_blocks):
        export(PreGraph(blk), (h, t6, cos, sin), P(f"dit_block{i}_pre.onnx"), ["hidden", "t6", "rope_cos", "rope_sin"],
               ["q", "k", "v"], {"hidden": SEQ, "t6": {0: "B"}, "rope_cos": {0: "N"}, "rope_sin": {0: "N"},
                                 "q": SEQ, "k": SEQ, "v": SEQ})
        q, k, v = blk.pre_attention(h, t6, cos, sin)
        a = self_attention_core(q, k, v, blk.heads, blk.mode, blk.sparse_n)
        export(PostGraph(blk), (h, a, t6, text, x["text_mask"]), P(f"dit_block{i}_post.onnx"),
               ["hidden", "attn", "t6", "text", "text_mask"], ["hidden_out"],
               {"hidden": SEQ, "attn": SEQ, "t6": {0: "B"}, "text": TXT, "text_mask": TXT, "hidden_out": SEQ})
        h2 = blk.post_attention(h, a, t6, text, text_bias(x["text_mask"]))
        block_io.append({"hidden": h, "q": q, "k": k, "v": v, "attn": a, "hidden_out": h2})
        paths.extend([P(f"dit_block{i}_pre.onnx"), P(f"dit_block{i}_post.onnx")])
        h = h2
    export(FinalGraph(dit), (h, e, x["latent"]), P("dit_final.onnx"), ["hidden", "embedded_timestep", "latent"], ["v"],
           {"hidden": SEQ, "embedded_timestep": {0: "B"}, "latent": LAT, "v": LAT})
    paths.append(P("dit_final.onnx"))
    v_split = FinalGraph(dit)(h, e, x["latent"])
    v_one = dit(x["latent"], x["timestep"], text_states, x["text_mask"], *cond_args)
    assert torch.allclose(v_split, v_one, atol=1e-5), float((v_split - v_one).abs().max())

    xi = None
    if inpaint_bundle is not None:
        xi = sample_inputs(inpaint_bundle, tok, cond=True, seed=1)
        export_model_graphs(inpaint_bundle.dit.eval(), "_inpaint", xi, text_states)

    weight_bytes = share_external(paths, out_dir)
    # the word-level vocabulary, or (converted official models) the tokenizer's own file, e.g. spiece.model
    tok_file = tok.write_files(out_dir) if hasattr(tok, "write_files") else "vocab.json"
    if tok_file == "vocab.json":
        tok.write_json(P("vocab.json"))
    graphs = {os.path.basename(p)[:-5]: io_of(p) for p in paths}
    manifest = {
        "description": "Open-Sora Plan v1.3 Skiparse DiT + text encoder, ONNX opset 17 fp32 (training/export_dit.py)",
        "source": source,
        "weights": {"file": WEIGHTS, "bytes": weight_bytes,
                    "note": "external data of every graph (content-deduplicated); pass the same buffer to each "
                            "session as externalData path 'dit.weights'"},
        "tokenizer": tok_file,
        "tokenizer_type": getattr(tok, "kind", "word-level"),
        "dit_config": cfg.to_dict(),
        "text_config": te.cfg.to_dict(),
        "latent": {"channels": cfg.in_channels, "vae_scale": 0.18215, "vae_stride": [4, 8, 8],
                   # DiT latent x = (z·0.18215 − shift[c]) / scale[c] (training/latent_norm.py); null = identity
                   "norm": getattr(bundle, "latent_norm", None),
                   "patch": [1, cfg.patch_size, cfg.patch_size],
                   "tokens": "N = T·(H/2)·(W/2), token i = t·(H/2)(W/2) + y·(W/2) + x"},
        "self_attention": {
            "layout": "q, k, v and attn are [B, N, heads·head_dim] row-major, head h in columns "
                      "[h·head_dim, (h+1)·head_dim); RoPE already applied to q and k",
            "heads": cfg.num_heads, "head_dim": cfg.head_dim, "scale": 1.0 / cfg.head_dim ** 0.5,
            "k": cfg.sparse_n, "modes": dit.modes,
            "rules": "dense: all N keys; single: key j visible to query i iff j ≡ i (mod k); group: iff ⌊j/k⌋ ≡ ⌊i/k⌋ "
                     "(mod k). Upstream zero-pads to N_pad = k²·⌈N/k²⌉ with key bias %g (padded keys contribute "
                     "exp(−9980) = 0 in fp32); no mask otherwise (text mask only in cross-attention)"
                     % SKIPARSE_PAD_BIAS},
        "text_mask": "float 1 = token, 0 = padding; cross-attention bias (1 − m)·%g" % TEXT_MASK_BIAS,
        "split_pipeline": ["text_states = text_encoder(input_ids, text_mask)   (once per prompt batch)",
                           "hidden, t6, embedded_timestep, text, rope_cos, rope_sin = dit_embed(latent, timestep, "
                           "text_states[, cond_latent, cond_mask])",
                           "for i in 0..L-1: q, k, v = dit_block{i}_pre(hidden, t6, rope_cos, rope_sin); "
                           "attn = skiparse(q, k, v, mode = modes[i]); "
                           "hidden = dit_block{i}_post(hidden, attn, t6, text, text_mask)",
                           "v = dit_final(hidden, embedded_timestep, latent)"],
        "sampler": "docs/sampler.md; latent input is x/√(σ²+1), timestep is the integer timestep as float; CFG = "
                   "batch of 2 [negative, prompt]",
        "graphs": graphs,
        "models": {"t2v": {"one_graph": "dit.onnx", "embed": "dit_embed.onnx"}},
    }
    if inpaint_bundle is not None:
        shared = source == "random"
        manifest["models"]["inpaint"] = {
            "one_graph": "dit_inpaint.onnx", "embed": "dit_embed_inpaint.onnx",
            # separately trained inpaint weights (official i2v DiT): only the one-graph is self-contained; the
            # split path's blocks/final are the t2v model's, so dit_embed_inpaint must not be combined with them
            "shares_blocks": shared,
            "note": "blocks/final/text encoder shared with t2v in this export" if shared else
                    "own weights: dit_inpaint.onnx is the whole inpaint model; text encoder shared"}
    with open(P("dit_graphs.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")

    if fixtures_dir:
        fx = Fixtures(fixtures_dir)
        fx.add("text_encoder", "text_encoder.onnx", {"input_ids": x["input_ids"], "text_mask": x["text_mask"]},
               {"text_states": text_states}, 1e-4)
        fx.add("dit", "dit.onnx", {"latent": x["latent"], "timestep": x["timestep"], "text_states": text_states,
                                   "text_mask": x["text_mask"], **cond_in}, {"v": v_one}, 1e-4,
               "N = 5·2·3 = 30 tokens: Skiparse layers pad to 32")
        fx.add("dit_embed", "dit_embed.onnx", {"latent": x["latent"], "timestep": x["timestep"],
                                               "text_states": text_states, **cond_in},
               {"hidden": hidden, "t6": t6, "embedded_timestep": e, "text": text, "rope_cos": cos, "rope_sin": sin},
               1e-4)
        for i, io in enumerate(block_io):
            fx.add(f"block{i}_pre", f"dit_block{i}_pre.onnx",
                   {"hidden": io["hidden"], "t6": t6, "rope_cos": cos, "rope_sin": sin},
                   {"q": io["q"], "k": io["k"], "v": io["v"]}, 1e-4)
            fx.add(f"block{i}_post", f"dit_block{i}_post.onnx",
                   {"hidden": io["hidden"], "attn": io["attn"], "t6": t6, "text": text, "text_mask": x["text_mask"]},
                   {"hidden_out": io["hidden_out"]}, 1e-4, f"attn = {dit.modes[i]} self-attention of q, k, v "
                                                           f"(block{i}_pre outputs)")
        fx.add("final", "dit_final.onnx", {"hidden": block_io[-1]["hidden_out"], "embedded_timestep": e,
                                           "latent": x["latent"]}, {"v": v_split}, 1e-4)
        for key, (bb, tt, hh, ww) in (("dit_image", (1, 1, 8, 8)), ("dit_video", (2, 5, 8, 8))):
            xs = sample_inputs(bundle, tok, b=bb, t=tt, h=hh, w=ww, seed=3, cond=cfg.inpaint)
            cs = (xs["cond_latent"], xs["cond_mask"]) if cfg.inpaint else ()
            ts = te(xs["input_ids"], xs["text_mask"])
            fx.add(key, "dit.onnx", {"latent": xs["latent"], "timestep": xs["timestep"], "text_states": ts,
                                     "text_mask": xs["text_mask"], **dict(zip(("cond_latent", "cond_mask"), cs))},
                   {"v": dit(xs["latent"], xs["timestep"], ts, xs["text_mask"], *cs)}, 1e-4,
                   f"shape check: N = {tt * hh * ww // 4} tokens")
            fx.add(key.replace("dit_", "dit_embed_"), "dit_embed.onnx",
                   {"latent": xs["latent"], "timestep": xs["timestep"], "text_states": ts,
                    **dict(zip(("cond_latent", "cond_mask"), cs))},
                   dict(zip(emb_out, EmbedGraph(dit)(xs["latent"], xs["timestep"], ts, *cs))), 1e-4)
        if inpaint_bundle is not None:
            ts_i = text_states
            vi = inpaint_bundle.dit(xi["latent"], xi["timestep"], ts_i, xi["text_mask"], xi["cond_latent"],
                                    xi["cond_mask"])
            fx.add("dit_inpaint", "dit_inpaint.onnx",
                   {"latent": xi["latent"], "timestep": xi["timestep"], "text_states": ts_i,
                    "text_mask": xi["text_mask"], "cond_latent": xi["cond_latent"], "cond_mask": xi["cond_mask"]},
                   {"v": vi}, 1e-4)
        fx.save({"graphs_dir": os.path.relpath(out_dir, fixtures_dir), "source": source,
                 "modes": dit.modes, "chain": "text_encoder -> dit_embed -> block{i}_pre -> self-attention -> "
                                              "block{i}_post -> final == dit (one graph)"})
    return manifest


def random_models(seed=0):
    """The dev export: random T2V bundle (all parameters perturbed so no path is trivially zero) and an inpaint
    bundle sharing its weights plus random condition streams."""
    from training.dit_bundle import DiTBundle, default_configs, random_bundle
    bundle, tok = random_bundle(seed=seed, **DEV_DIMS)
    g = torch.Generator().manual_seed(seed + 1)
    dc, tc = default_configs(tok, inpaint=True, **DEV_DIMS)
    inp = DiTBundle(dc, tc)
    inp.text_encoder.load_state_dict(bundle.text_encoder.state_dict())
    inp.dit.load_t2v(bundle.dit.state_dict())
    with torch.no_grad():
        for lin in (inp.dit.pos_embed_masked_hidden_states[1], inp.dit.pos_embed_mask[1]):
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * 0.05)
    return bundle.eval(), inp.eval(), tok


def random_inpaint_main(seed=0):
    """Random inpaint bundle exported as the main model (dit_config.inpaint = true); its condition Linears are
    perturbed (zero at init) so the condition reaches v."""
    from training.dit_bundle import random_bundle
    bundle, tok = random_bundle(inpaint=True, seed=seed, **DEV_INPAINT_DIMS)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for lin in (bundle.dit.pos_embed_masked_hidden_states[1], bundle.dit.pos_embed_mask[1]):
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * 0.2)
    return bundle.eval(), tok


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", action="store_true")
    ap.add_argument("--random-inpaint-main", dest="random_inpaint_main", action="store_true",
                    help=f"random inpaint model as the main graphs (default --out {RANDOM_INPAINT_OUT}, no fixtures)")
    ap.add_argument("--ckpt", default="")
    ap.add_argument("--inpaint-ckpt", dest="inpaint_ckpt", default="")
    ap.add_argument("--out", default="")
    ap.add_argument("--fixtures", default=FIX_DIR)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    if args.random_inpaint_main:
        bundle, tok = random_inpaint_main()
        m = export_all(bundle, tok, args.out or RANDOM_INPAINT_OUT, None, None, "random-inpaint-main")
    elif args.ckpt:
        from training.dit_release import load_release
        bundle, tok, meta = load_release(args.ckpt)
        inp = load_release(args.inpaint_ckpt)[0] if args.inpaint_ckpt else None
        out = args.out or "public/models/osp-v13-tiny"
        source = args.ckpt
        if inp is not None:  # separate weights: export the inpaint family into its own directory
            export_all(inp, tok, os.path.join(out, "inpaint"), None, None, args.inpaint_ckpt)
            inp = None
        m = export_all(bundle, tok, out, inp, args.fixtures, source)
    else:
        bundle, inp, tok = random_models()
        m = export_all(bundle, tok, args.out or RANDOM_OUT, inp, args.fixtures, "random")
    print(json.dumps({k: m[k] for k in ("weights", "models")}, indent=1))


if __name__ == "__main__":
    main()
