"""Export the tiny WF-VAE to ONNX (opset 17, fp32) + parity fixtures.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m training.export_vae [--ckpt training/checkpoints/wfvae_tiny.pt]

Graphs (public/models/osp-v13-tiny/):
  vae_encoder.onnx        video [1,3,T,H,W] in [-1,1] -> latent (mean * 0.18215), logvar   (Haar inside)
  vae_encoder_core.onnx   w1 [1,24,T',H/2,W/2], w2 [1,12,T',H/4,W/4], w3 [1,24,t,H/8,W/8] -> latent, logvar
  vae_decoder.onnx        latent [1,8,t,h,w] (scaled) -> video [1,3,1+4(t-1),8h,8w]           (Haar inside)
  vae_decoder_core.onnx   latent -> w3 [1,24,t,h,w], w2_pre [1,12,T',2h,2w], w1_pre [1,24,T',4h,4w]
  vae_decoder_chunk.onnx  one causal-cache decoder chunk step with explicit state tensors (Haar inside)
  vae_decoder_chunk_core.onnx  the same chunk step without its three inverse Haar transforms: latent, flags,
                          state (all but the W3 delay buffer) -> w3, w2_pre, w1_pre of the chunk + state (WebGPU path:
                          the Haar steps and the 1-frame delay buffer run as WGSL kernels, see vae_split.json)
Weights are stored once per family in external-data files shared by the graphs of that family:
  vae_encoder.weights (encoder + encoder_core), vae_decoder.weights (decoder, decoder_core, decoder_chunk,
  decoder_chunk_core).
vae_decoder_chunk.json documents the chunk schedule and state tensors, vae_split.json the Haar split.
"""
import argparse
import hashlib
import json
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import onnx
import torch
import torch.nn as nn

from training.models.wfvae import (LATENT_SCALE, WFVAE, CausalConv3d, Spatial2xTime2x3DUpsample, WFVAEConfig,
                                   _chunk_modules, set_chunk_mode)

OUT_DIR = "public/models/osp-v13-tiny"
FIX_DIR = "training/fixtures/vae"
OPSET = 17


# ------------------------------------------------------------------------------------------------
# wrappers


class EncoderGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, video):
        moments = self.m.encoder(video)[0]
        mean, logvar = torch.chunk(moments, 2, dim=1)
        return mean * LATENT_SCALE, torch.clamp(logvar, -30.0, 20.0)


class EncoderCoreGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, w1, w2, w3):
        moments = self.m.encoder.core(w1, w2, w3)
        mean, logvar = torch.chunk(moments, 2, dim=1)
        return mean * LATENT_SCALE, torch.clamp(logvar, -30.0, 20.0)


class DecoderGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, latent):
        return self.m.decoder(latent * (1.0 / LATENT_SCALE))[0]


class DecoderCoreGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, latent):
        return self.m.decoder.core(latent * (1.0 / LATENT_SCALE))


class DecoderChunkCoreGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, latent, is_first, is_last, *state):
        w3, w2, w1, new_state = decode_chunk_core_step(self.m, latent * (1.0 / LATENT_SCALE), list(state), is_first,
                                                       is_last)
        return (w3, w2, w1, *new_state)


class DecoderChunkGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, latent, is_first, is_last, *state):
        x, new_state = self.m.decode_chunk_step(latent * (1.0 / LATENT_SCALE), list(state), is_first, is_last)
        return (x, *new_state)


# The chunk step split at the Haar transforms. The only decoder state that belongs to the Haar part is the 1-frame
# delay of the IWT3D(w3) stream ("delay.w3"); it leaves the graph and is kept by the caller (a GPU buffer on WebGPU).
CORE_DROPPED_STATE = "delay.w3"


def core_state_indices(m):
    """Indices (into decoder_state_names / vae_decoder_chunk.json states) of the chunk-core graph's states."""
    return [i for i, n in enumerate(m.decoder_state_names()) if n != CORE_DROPPED_STATE]


def decode_chunk_core_step(m, z, state, is_first, is_last):
    """`WFVAE.decode_chunk_step` without the three inverse Haar transforms: returns (w3, w2_pre, w1_pre, new_state)
    with `state` = the chunk state minus delay.w3 (same order). `z` is the unscaled latent."""
    dec = m.decoder
    is_first = is_first.reshape(())
    is_last = is_last.reshape(())
    set_chunk_mode(dec, True)
    try:
        mods = [mod for _, mod in _chunk_modules(dec)]
        has_prev = state[-1].reshape(())
        for mod, st in zip(mods, state[:-1]):
            if isinstance(mod, CausalConv3d):
                mod.cache, mod.first_flag = st, is_first
            elif isinstance(mod, Spatial2xTime2x3DUpsample):
                mod.prev, mod.has_prev = st, has_prev
                mod.flush = is_last * (1.0 - is_first)
        w3, w2, w1 = dec.core(z)
        new_state = [mod.cache if isinstance(mod, CausalConv3d) else mod.prev for mod in mods]
        new_state.append((1.0 - is_first).reshape(1))
        return w3, w2, w1, new_state
    finally:
        set_chunk_mode(dec, False)


def haar_chunk_tail(m, w3, w2_pre, w1_pre, delay, chunk_index: int):
    """The Haar steps of one chunk outside the core graph, exactly what the WebGPU runner does with WGSL kernels
    (vae_split.json decode_chunk): returns (video, new_delay). `delay` [1,3,1,2h,2w] is the last IWT3D(w3) frame of
    the previous chunk. Chunk 0 holds nothing back (it emits frame 0 alone), so the delay is only consumed from
    chunk 2 on (the graph's has_prev state)."""
    is_first = chunk_index == 0
    dec = m.decoder
    s3 = dec.inverse_wavelet_l2(w3, drop_first=False)  # 2t frames, first not dropped
    seq = torch.cat([delay, s3], dim=2)  # 1 + 2t
    # chunk 0: skip the delay slot and the duplicated first frame; chunk 1: skip the (empty) delay slot
    start = 2 if chunk_index == 0 else 1 if chunk_index == 1 else 0
    n = w2_pre.shape[2]
    assert start + n <= seq.shape[2], (start, n, seq.shape)
    w2 = dec.add_ll(w2_pre, seq[:, :, start:start + n])
    w1 = dec.add_ll(w1_pre, dec.inverse_wavelet_l1(w2))
    return dec.inverse_wavelet_out(w1, drop_first=is_first), s3[:, :, -1:]


# ------------------------------------------------------------------------------------------------
# shared external weights


def share_external(paths, weights_name, min_bytes=64):
    """Move every initializer >= min_bytes of the given ONNX files into one external-data file, storing
    byte-identical tensors once (graphs exported from the same module share them)."""
    out_dir = os.path.dirname(paths[0])
    blob = bytearray()
    index = {}
    models = [onnx.load(p) for p in paths]
    for model in models:
        for t in model.graph.initializer:
            raw = t.raw_data
            if len(raw) < min_bytes:
                continue
            key = hashlib.sha1(raw).hexdigest() + str(t.data_type)
            if key not in index:
                pad = (-len(blob)) % 64
                blob.extend(b"\0" * pad)
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
        onnx.checker.check_model(onnx.load(p))  # loads external data back in and validates
    return len(blob)


def export(module, args, path, input_names, output_names, dynamic_axes):
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


# ------------------------------------------------------------------------------------------------
# fixtures


class Fixtures:
    def __init__(self, d):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.index = {}

    def tensor(self, name, t):
        a = t.detach().float().contiguous().numpy().astype("<f4")
        fn = name + ".bin"
        a.tofile(os.path.join(self.d, fn))
        return {"file": fn, "shape": list(a.shape), "dtype": "float32"}

    def add(self, graph, key, inputs, outputs, tol, note=""):
        self.index[key] = {
            "graph": graph, "kind": "chunk_loop" if key in ("decoder_chunks", "decoder_chunk_core") else "single",
            "inputs": {k: self.tensor(f"{key}.in.{k}", v) for k, v in inputs.items()},
            "outputs": {k: self.tensor(f"{key}.out.{k}", v) for k, v in outputs.items()},
            "atol": tol, "note": note,
        }

    def save(self, extra):
        with open(os.path.join(self.d, "index.json"), "w") as f:
            json.dump({"format": "raw little-endian float32, row-major", **extra, "fixtures": self.index}, f,
                      indent=1)


def fixture_video(frames=9, size=32):
    from training.data.shapes_world import make_clip
    v = make_clip(7, frames, 64, "eval").video[:, ::2, ::2] if size == 32 else make_clip(7, frames, size, "eval").video
    return torch.from_numpy(np.ascontiguousarray(v)).float().permute(3, 0, 1, 2)[None] / 127.5 - 1.0


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="training/checkpoints/wfvae_tiny.pt")
    ap.add_argument("--out", default=OUT_DIR)
    ap.add_argument("--fixtures", default=FIX_DIR)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    from training.train_vae import load_release, release_available
    if release_available(args.ckpt):  # the .pt, or its rebuild from the vae_*.weights exported from it
        m, meta = load_release(args.ckpt)
    else:
        print("WARNING: no checkpoint, exporting random weights")
        meta = {"config": WFVAEConfig.tiny().to_dict()}
        m = WFVAE(WFVAEConfig(**meta["config"]))
    export_model(m, args.out, args.fixtures, args.ckpt, meta)


def export_model(m, out, fixtures=None, source="", meta=None):
    """All VAE graphs + vae_decoder_chunk.json + vae_split.json of model `m` into `out`; the PyTorch reference
    fixtures into `fixtures` (skipped when None: converted official weights have their own parity fixtures)."""
    from training.checkpoint_from_onnx import state_fingerprint
    meta = meta or {}
    os.makedirs(out, exist_ok=True)
    cfg = m.cfg
    m.eval()
    for p in m.parameters():
        p.requires_grad_(False)
    L = cfg.latent_dim
    P = lambda n: os.path.join(out, n)

    # trace shapes deliberately differ from the fixture shapes (checks the dynamic axes)
    vid = torch.rand(1, 3, 13, 48, 40) * 2 - 1
    with torch.no_grad():
        lat = m.encode_scaled(vid)
        w1, w2, w3 = m.encoder.wavelets(vid)
    video_axes = {2: "T", 3: "H", 4: "W"}
    lat_axes = {2: "t", 3: "h", 4: "w"}
    export(EncoderGraph(m), (vid,), P("vae_encoder.onnx"), ["video"], ["latent", "logvar"],
           {"video": video_axes, "latent": lat_axes, "logvar": lat_axes})
    export(EncoderCoreGraph(m), (w1, w2, w3), P("vae_encoder_core.onnx"), ["w1", "w2", "w3"], ["latent", "logvar"],
           {"w1": {2: "T2", 3: "H2", 4: "W2"}, "w2": {2: "T2", 3: "H4", 4: "W4"}, "w3": lat_axes,
            "latent": lat_axes, "logvar": lat_axes})
    export(DecoderGraph(m), (lat,), P("vae_decoder.onnx"), ["latent"], ["video"],
           {"latent": lat_axes, "video": video_axes})
    export(DecoderCoreGraph(m), (lat,), P("vae_decoder_core.onnx"), ["latent"], ["w3", "w2_pre", "w1_pre"],
           {"latent": lat_axes, "w3": lat_axes, "w2_pre": {2: "T2", 3: "H4", 4: "W4"},
            "w1_pre": {2: "T2", 3: "H2", 4: "W2"}})

    # chunk step: trace a middle chunk of 2 latent frames
    names = m.decoder_state_names()
    state0 = m.decoder_chunk_state_init(1, lat.shape[3], lat.shape[4])
    with torch.no_grad():
        _, st1 = m.decode_chunk_step(lat[:, :, :1] / LATENT_SCALE, state0, torch.ones(1), torch.zeros(1))
    n_state = len(state0)
    in_names = ["latent", "is_first", "is_last"] + [f"state_in_{i}" for i in range(n_state)]
    out_names = ["video"] + [f"state_out_{i}" for i in range(n_state)]
    dyn = {"latent": lat_axes, "video": {2: "Tc", 3: "H", 4: "W"}}
    for i, s in enumerate(state0):
        if s.dim() == 5:
            dyn[f"state_in_{i}"] = {3: f"sh{i}", 4: f"sw{i}"}
            dyn[f"state_out_{i}"] = {3: f"sh{i}", 4: f"sw{i}"}
    export(DecoderChunkGraph(m), (lat[:, :, 1:3], torch.zeros(1), torch.zeros(1), *st1), P("vae_decoder_chunk.onnx"),
           in_names, out_names, dyn)

    # chunk step without the Haar transforms: same trace point, the state minus delay.w3 (names keep the chunk
    # graph's indices, so vae_decoder_chunk.json's shapes apply)
    core_idx = core_state_indices(m)
    core_in = ["latent", "is_first", "is_last"] + [f"state_in_{i}" for i in core_idx]
    core_out = ["w3", "w2_pre", "w1_pre"] + [f"state_out_{i}" for i in core_idx]
    core_dyn = {"latent": lat_axes, "w3": lat_axes, "w2_pre": {2: "T2", 3: "H4", 4: "W4"},
                "w1_pre": {2: "T2", 3: "H2", 4: "W2"}}
    core_dyn.update({k: v for k, v in dyn.items() if k in core_in or k in core_out})
    export(DecoderChunkCoreGraph(m), (lat[:, :, 1:3], torch.zeros(1), torch.zeros(1), *[st1[i] for i in core_idx]),
           P("vae_decoder_chunk_core.onnx"), core_in, core_out, core_dyn)

    enc_bytes = share_external([P("vae_encoder.onnx"), P("vae_encoder_core.onnx")], "vae_encoder.weights")
    dec_bytes = share_external([P("vae_decoder.onnx"), P("vae_decoder_core.onnx"), P("vae_decoder_chunk.onnx"),
                                P("vae_decoder_chunk_core.onnx")], "vae_decoder.weights")

    # ---- chunk JSON
    h = lat.shape[3]
    states = []
    for i, (n, s) in enumerate(zip(names, state0)):
        d = {"input": f"state_in_{i}", "output": f"state_out_{i}", "module": n}
        if s.dim() == 5:
            d["channels"], d["frames"] = int(s.shape[1]), int(s.shape[2])
            d["spatial_scale"] = int(s.shape[3] // h)  # shape = [1, channels, frames, h*scale, w*scale]
            d["shape"] = ["B", d["channels"], d["frames"], f"h*{d['spatial_scale']}", f"w*{d['spatial_scale']}"]
        else:
            d["shape"] = [1]
        states.append(d)
    chunk_doc = {
        "graph": "vae_decoder_chunk.onnx",
        "weights": "vae_decoder.weights (external data shared with vae_decoder.onnx and vae_decoder_core.onnx)",
        "latent": "scaled latent chunk [1, %d, n, h, w] (z * 0.18215, as produced by vae_encoder.onnx)" % L,
        "inputs": ["latent", "is_first", "is_last"] + [s["input"] for s in states],
        "outputs": ["video"] + [s["output"] for s in states],
        "flags": "is_first / is_last: float32 [1], exactly 0 or 1",
        "schedule": [
            "state_in_* = zeros of the listed shapes (h, w = latent height/width; B = 1)",
            "chunk 0: latent frames [0,1), is_first=1 -> 1 pixel frame",
            "chunk 1..: n latent frames each (any n >= 1, e.g. 2), is_first=0, state_in_i = previous state_out_i",
            "is_last=1 on the final chunk (also when the final chunk is chunk 0, i.e. an image)",
            "emitted pixel frames: chunk 0 -> 1; chunk 1 -> 4n-2; later chunks -> 4n; +2 on the last chunk "
            "(if it is not chunk 0). Concatenating all chunks gives exactly the 1+4(t-1) frames of vae_decoder.onnx",
        ],
        "why": "delayed emission instead of look-ahead: the trilinear 2x time upsample needs latent frame i+1 only "
               "for the 2nd half-frame of latent frame i, so that half-frame (2 pixel frames) is held back in the "
               "state and emitted by the next chunk; no latent frame is decoded twice.",
        "states": states,
    }
    json.dump(chunk_doc, open(P("vae_decoder_chunk.json"), "w"), indent=1)

    split_doc = {
        # what was exported: checkpoint_from_onnx rebuilds the .pt from the vae_*.weights with these
        "source": source, "vae_config": cfg.to_dict(), "state_sha256": state_fingerprint(m.state_dict()),
        "layout": "[B, C, T, H, W] float32, subband-major channels s*C + c (C = 3 RGB channels)",
        "haar": "3D: 8 filters +-0.3536, causal first-frame pairing (x0,x0); 2D: 4 filters +-0.5 [LL, h, w, hw]; "
                "inverse 3D drops its first output frame (one-shot / first chunk)",
        "encode": [
            "w1 = haar3d(video)                 [1,24,1+2k,H/2,W/2]",
            "w2 = haar2d(w1[:, 0:3])            [1,12,1+2k,H/4,W/4]",
            "w3 = haar3d(w2[:, 0:3])            [1,24,1+k,H/8,W/8]",
            "latent, logvar = vae_encoder_core(w1, w2, w3)   latent = mean * 0.18215, [1,8,1+k,H/8,W/8]",
        ],
        "decode": [
            "w3, w2_pre, w1_pre = vae_decoder_core(latent)",
            "w2 = w2_pre; w2[:, 0:3] += inverse_haar3d(w3) (first frame dropped)   [1,12,1+2k,H/4,W/4]",
            "w1 = w1_pre; w1[:, 0:3] += inverse_haar2d(w2)                         [1,24,1+2k,H/2,W/2]",
            "video = inverse_haar3d(w1) (first frame dropped)                      [1,3,1+4k,H,W]",
        ],
        "note": "the '+=' adds into the LL band = the first 3*T*H*W floats of the buffer (B=1): an inverse "
                "kernel that accumulates into its destination, or a plain add. The Haar transforms are not in "
                "the core graphs.",
        "decode_chunk": {
            "graph": "vae_decoder_chunk_core.onnx = vae_decoder_chunk.onnx without its three inverse Haar transforms "
                     "(same latent/is_first/is_last inputs and schedule: chunk 0 = latent [0,1), then n >= 1 frames)",
            "states": "state_in_i / state_out_i for i in `state_indices` (indices, modules and shapes as in "
                      "vae_decoder_chunk.json); the chunk graph's state %d (%s) is not in the graph: it is `delay` "
                      "below, kept by the caller" % (names.index(CORE_DROPPED_STATE), CORE_DROPPED_STATE),
            "state_indices": core_idx,
            "delay": "[1,3,1,2h,2w] = the last frame of the previous chunk's s3 (zeros before chunk 0)",
            "steps": [
                "w3 [1,24,m,h,w], w2_pre [1,12,T2,2h,2w], w1_pre [1,24,T2,4h,4w], state_out = "
                "vae_decoder_chunk_core(latent, is_first, is_last, state_in)",
                "s3 = inverse_haar3d(w3) with ALL 2m frames (first frame not dropped)",
                "seq = concat(delay, s3) along T (1 + 2m frames)",
                "w2 = w2_pre; w2[:, 0:3] += seq[:, :, start:start+T2] with start = 2 on chunk 0 (skip the delay "
                "slot and the duplicated first frame; T2 = 2m-1), 1 on chunk 1 (chunk 0 held nothing back, so the "
                "delay slot is skipped: T2 = 2m-1, or 2m if it is also the last chunk), 0 from chunk 2 on (the "
                "delayed frame first: T2 = 2m, or 2m+1 on the last chunk, which flushes the final s3 frame); "
                "T2 is w2_pre's frame count",
                "delay = s3[:, :, 2m-1] (for the next chunk)",
                "w1 = w1_pre; w1[:, 0:3] += inverse_haar2d(w2)",
                "video = inverse_haar3d(w1), first frame dropped on the first chunk only -> the chunk's frames "
                "(same count as vae_decoder_chunk.onnx: 1; 4n-2; 4n; +2 on the last)",
            ],
            "why": "the 1-frame delay of the IWT(W3) stream added into W2's LL band is the Haar part of the "
                   "delayed-emission scheme (vae_decoder_chunk.json 'why'): the backbone's level-2 stream runs one "
                   "frame late after the time upsample, so the s3 frame that would be added now is kept for the "
                   "next chunk",
        },
        "graphs": {"vae_encoder_core.onnx": {"inputs": ["w1", "w2", "w3"], "outputs": ["latent", "logvar"]},
                   "vae_decoder_core.onnx": {"inputs": ["latent"], "outputs": ["w3", "w2_pre", "w1_pre"]},
                   "vae_decoder_chunk_core.onnx": {"inputs": core_in, "outputs": core_out}},
    }
    json.dump(split_doc, open(P("vae_split.json"), "w"), indent=1)

    sizes = {n: os.path.getsize(P(n)) for n in sorted(os.listdir(out)) if n.startswith("vae_")}
    total = sum(sizes.values())
    for n, s in sizes.items():
        print(f"{n:28s} {s / 1e6:8.3f} MB")
    print(f"total {total / 1e6:.3f} MB (weights: encoder {enc_bytes / 1e6:.3f} MB, decoder {dec_bytes / 1e6:.3f} MB)")


    # ---- fixtures (PyTorch fp32 reference)
    if fixtures is None:
        return
    fx = Fixtures(fixtures)
    v9 = fixture_video(9, 32)
    with torch.no_grad():
        lat9, lv9 = EncoderGraph(m)(v9)
        fx.add("vae_encoder.onnx", "encoder", {"video": v9}, {"latent": lat9, "logvar": lv9}, 1e-4)
        a1, a2, a3 = m.encoder.wavelets(v9)
        fx.add("vae_encoder_core.onnx", "encoder_core", {"w1": a1, "w2": a2, "w3": a3},
               {"latent": lat9, "logvar": lv9}, 1e-4)
        fx.add("haar", "haar_forward", {"video": v9}, {"w1": a1, "w2": a2, "w3": a3}, 1e-5,
               "w1 = haar3d(video), w2 = haar2d(w1[:, :3]), w3 = haar3d(w2[:, :3]) (for the WGSL kernels)")
        v1 = v9[:, :, :1].contiguous()  # an image: T = 1 -> 1 latent frame
        lat1, lv1 = EncoderGraph(m)(v1)
        fx.add("vae_encoder.onnx", "encoder_image", {"video": v1}, {"latent": lat1, "logvar": lv1}, 1e-4)
        fx.add("vae_decoder.onnx", "decoder_image", {"latent": lat1}, {"video": DecoderGraph(m)(lat1)}, 1e-4)
        zz = lat9  # decoder input: the encoder's latent of the same clip
        v_dec = DecoderGraph(m)(zz)
        fx.add("vae_decoder.onnx", "decoder", {"latent": zz}, {"video": v_dec}, 1e-4)
        c3, c2, c1 = DecoderCoreGraph(m)(zz)
        fx.add("vae_decoder_core.onnx", "decoder_core", {"latent": zz}, {"w3": c3, "w2_pre": c2, "w1_pre": c1}, 1e-4)
        fx.add("haar", "haar_inverse", {"w3": c3, "w2_pre": c2, "w1_pre": c1}, {"video": v_dec}, 1e-4,
               "decode steps of vae_split.json applied to decoder_core outputs")
        # 17-frame clip at 32x32 decoded chunk by chunk: [0,1), [1,3), [3,5); states start at zero and are
        # chained by the test itself (only the per-chunk videos are stored)
        v17 = fixture_video(17, 32)
        z17 = EncoderGraph(m)(v17)[0]
        v17_dec = DecoderGraph(m)(z17)
        fx.add("vae_decoder.onnx", "decoder_17", {"latent": z17}, {"video": v17_dec}, 1e-4)
        state = m.decoder_chunk_state_init(1, z17.shape[3], z17.shape[4])
        bounds = [(0, 1), (1, 3), (3, 5)]
        chunks = []
        for i, (a, b) in enumerate(bounds):
            f = torch.tensor([1.0 if i == 0 else 0.0])
            l = torch.tensor([1.0 if i == len(bounds) - 1 else 0.0])
            x, state = m.decode_chunk_step(z17[:, :, a:b] / LATENT_SCALE, state, f, l)
            chunks.append(x)
        fx.add("vae_decoder_chunk.onnx", "decoder_chunks", {"latent": z17},
               {f"video_chunk_{i}": x for i, x in enumerate(chunks)}, 1e-4,
               "chunk loop: chunk i gets latent[:, :, a:b] for (a, b) in `chunks`, is_first = (i == 0), "
               "is_last = (i == last), state_in = zeros (chunk 0) or the previous state_out")
        # the same loop through the chunk-core graph + the Haar steps outside it (the WebGPU split)
        core_idx = core_state_indices(m)
        cstate = [s for i, s in enumerate(m.decoder_chunk_state_init(1, z17.shape[3], z17.shape[4])) if i in core_idx]
        delay = torch.zeros(1, 3, 1, 2 * z17.shape[3], 2 * z17.shape[4])
        core_outs, split_chunks = {}, []
        for i, (a, b) in enumerate(bounds):
            f = torch.tensor([1.0 if i == 0 else 0.0])
            l = torch.tensor([1.0 if i == len(bounds) - 1 else 0.0])
            c3, c2, c1, cstate = decode_chunk_core_step(m, z17[:, :, a:b] / LATENT_SCALE, cstate, f, l)
            core_outs.update({f"w3_chunk_{i}": c3, f"w2_pre_chunk_{i}": c2, f"w1_pre_chunk_{i}": c1})
            x, delay = haar_chunk_tail(m, c3, c2, c1, delay, i)
            split_chunks.append(x)
        fx.add("vae_decoder_chunk_core.onnx", "decoder_chunk_core", {"latent": z17}, core_outs, 1e-4,
               "chunk loop as decoder_chunks through the core graph (states of vae_split.json decode_chunk); "
               "outputs per chunk i. The Haar steps of vae_split.json applied per chunk give decoder_chunks' video")
        err_split = max((a - b).abs().max().item() for a, b in zip(split_chunks, chunks))
        print(f"pytorch chunk-core loop + Haar steps vs chunk loop: max abs err {err_split:.2e}")
        assert err_split < 1e-5
        full = torch.cat(chunks, 2)
        err = (full - v17_dec).abs().max().item()
        print(f"pytorch chunk loop vs one-shot decoder: max abs err {err:.2e}")
        assert err < 1e-5
    fx.save({"chunks": bounds, "checkpoint": source, "step": meta.get("step")})


if __name__ == "__main__":
    main()
