"""Export the WF-VAE chunk step cut after its mid block, for spatially tiled decode (training/tiled_vae.py; the
engine's src/engine/vae-tiles.ts):

  vae_decoder_chunk_head.onnx  latent chunk (scaled), is_first, head states → head [1, 4B+E, n, h, w] + states
  vae_decoder_chunk_tail.onnx  head tile, is_first, is_last, tail states   → video tile + states
  vae_decoder_tiles.json       state indices of each graph (into vae_decoder_chunk.json's states) + the margin

Both graphs keep their weights in the model folder's existing vae_decoder.weights: every initializer is byte-identical
to a tensor already stored there (same module), so it is pointed at that tensor's offset instead of being written
again (an initializer found nowhere — none today — goes to vae_decoder_tiles.weights). The manifest gains the three
files (sha256, sizes). Parity (PyTorch vs ORT for each graph, tiled vs one-shot) is in
training/tests/test_tiled_vae.py and src/engine/vae-tiles.test.ts.

Run: /usr/bin/python3 -m training.export_vae_tiles [--model-dir public/models/osp-v13-tiny]
"""
import argparse
import hashlib
import json
import os

import onnx
import torch
import torch.nn as nn

from training.export_vae import export
from training.models.wfvae import LATENT_SCALE, WFVAE
from training.tiled_vae import head_state_indices, head_step, tail_state_indices, tail_step

# Latent cells of each tile next to a cut that the blend never uses: measured (tiled_vae_report.py) — 6 cells leave
# 1.7e-3 max abs error on the bundled VAE, 7 cells 3.2e-4; the tail's receptive field is ~10 cells, the rest decays.
MARGIN = 7


class HeadGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, latent, is_first, *state):
        h, new = head_step(self.m, latent * (1.0 / LATENT_SCALE), list(state), is_first)
        return (h, *new)


class TailGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, head, is_first, is_last, *state):
        x, new = tail_step(self.m, head, list(state), is_first, is_last)
        return (x, *new)


def _external_index(model_dir: str, graph: str):
    """sha1(bytes) → (location, offset, length) of every external tensor of an existing graph."""
    m = onnx.load(os.path.join(model_dir, graph), load_external_data=False)
    out, blobs = {}, {}
    for t in m.graph.initializer:
        if t.data_location != onnx.TensorProto.EXTERNAL:
            continue
        kv = {e.key: e.value for e in t.external_data}
        loc = kv["location"]
        if loc not in blobs:
            with open(os.path.join(model_dir, loc), "rb") as f:
                blobs[loc] = f.read()
        off, ln = int(kv["offset"]), int(kv["length"])
        out[hashlib.sha1(blobs[loc][off:off + ln]).hexdigest() + str(t.data_type)] = (loc, off, ln)
    return out


def point_at_existing(model_dir: str, paths, index, spill_name="vae_decoder_tiles.weights", min_bytes=64):
    """Make every initializer >= min_bytes of `paths` external, at its twin's offset in the existing weights file;
    returns the external files each graph uses."""
    spill = bytearray()
    used = {}
    for p in paths:
        model = onnx.load(p)
        locs = set()
        for t in model.graph.initializer:
            raw = t.raw_data
            if len(raw) < min_bytes:
                continue
            key = hashlib.sha1(raw).hexdigest() + str(t.data_type)
            if key in index:
                loc, off, ln = index[key]
            else:
                spill.extend(b"\0" * ((-len(spill)) % 64))
                loc, off, ln = spill_name, len(spill), len(raw)
                spill.extend(raw)
                index[key] = (loc, off, ln)
            locs.add(loc)
            t.ClearField("raw_data")
            del t.external_data[:]
            t.data_location = onnx.TensorProto.EXTERNAL
            for k, v in (("location", loc), ("offset", str(off)), ("length", str(ln))):
                e = t.external_data.add()
                e.key, e.value = k, v
        if spill:
            with open(os.path.join(model_dir, spill_name), "wb") as f:
                f.write(bytes(spill))
        onnx.save(model, p)
        onnx.checker.check_model(p)  # by path: resolves the external data next to it
        used[os.path.basename(p)] = sorted(locs)
    return used


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def update_manifest(model_dir: str, entries):
    """Adds (or replaces) `entries` [(path, role, externalData)] in manifest.json, sizes and sha256 from disk."""
    mpath = os.path.join(model_dir, "manifest.json")
    with open(mpath) as f:
        man = json.load(f)
    paths = {e[0] for e in entries}
    files = [f for f in man["files"] if f["path"] not in paths]
    for path, role, ext in entries:
        d = {"path": path, "role": role, "bytes": os.path.getsize(os.path.join(model_dir, path)),
             "sha256": _sha(os.path.join(model_dir, path))}
        if ext:
            d["externalData"] = ext
        files.append(d)
    man["files"] = sorted(files, key=lambda f: f["path"])  # export_manifest.py's order
    with open(mpath, "w") as f:
        json.dump(man, f, indent=1, ensure_ascii=False)
        f.write("\n")


def export_tiles(m: WFVAE, model_dir: str, h: int = 8, w: int = 8):
    """Writes the two graphs + JSON into model_dir (which already holds vae_decoder_chunk.onnx + its weights)."""
    m.eval()
    P = lambda n: os.path.join(model_dir, n)  # noqa: E731
    hi, ti = head_state_indices(m), tail_state_indices(m)
    names = m.decoder_state_names()
    st0 = m.decoder_chunk_state_init(1, h, w)
    lat = torch.randn(1, m.cfg.latent_dim, 3, h, w, generator=torch.Generator().manual_seed(0)) * LATENT_SCALE
    with torch.no_grad():  # trace a middle chunk (2 latent frames) after a first one, like export_vae
        _, st1 = m.decode_chunk_step(lat[:, :, :1] / LATENT_SCALE, st0, torch.ones(1), torch.zeros(1))
        hd, _ = head_step(m, lat[:, :, 1:3] / LATENT_SCALE, [st1[i] for i in hi], torch.zeros(1))
    lat_axes = {2: "t", 3: "h", 4: "w"}

    def dyn_states(idx):
        d = {}
        for i in idx:
            if st0[i].dim() == 5:
                d[f"state_in_{i}"] = {3: f"sh{i}", 4: f"sw{i}"}
                d[f"state_out_{i}"] = {3: f"sh{i}", 4: f"sw{i}"}
        return d

    h_in = ["latent", "is_first"] + [f"state_in_{i}" for i in hi]
    h_out = ["head"] + [f"state_out_{i}" for i in hi]
    export(HeadGraph(m), (lat[:, :, 1:3], torch.zeros(1), *[st1[i] for i in hi]), P("vae_decoder_chunk_head.onnx"),
           h_in, h_out, {"latent": lat_axes, "head": lat_axes, **dyn_states(hi)})
    t_in = ["head", "is_first", "is_last"] + [f"state_in_{i}" for i in ti]
    t_out = ["video"] + [f"state_out_{i}" for i in ti]
    export(TailGraph(m), (hd, torch.zeros(1), torch.zeros(1), *[st1[i] for i in ti]), P("vae_decoder_chunk_tail.onnx"),
           t_in, t_out, {"head": lat_axes, "video": {2: "Tc", 3: "H", 4: "W"}, **dyn_states(ti)})
    used = point_at_existing(model_dir, [P("vae_decoder_chunk_head.onnx"), P("vae_decoder_chunk_tail.onnx")],
                             _external_index(model_dir, "vae_decoder_chunk.onnx"))
    doc = {
        "graphs": {"head": "vae_decoder_chunk_head.onnx", "tail": "vae_decoder_chunk_tail.onnx"},
        "head_states": hi, "tail_states": ti, "state_names": names,
        "head_channels": int(hd.shape[1]), "margin": MARGIN,
        "schedule": [
            "states: vae_decoder_chunk.json's, split by index; zeros of its shapes at the head's h × w (head states) "
            "or at each tile's h × w (tail states)",
            "per chunk (same bounds and flags as vae_decoder_chunk.json): head = head_graph(latent chunk, whole frame)",
            "per tile: video tile = tail_graph(head[..., y0:y1, x0:x1]) with the tile's own states; tiles cross-fade "
            "in the middle of each overlap, never using `margin` latent cells next to a cut",
        ],
    }
    with open(P("vae_decoder_tiles.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return used


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-dir", default="public/models/osp-v13-tiny")
    ap.add_argument("--no-manifest", action="store_true", help="leave manifest.json alone")
    a = ap.parse_args(argv)
    from training import train_vae
    m, _ = train_vae.load_release()
    used = export_tiles(m, a.model_dir)
    write_fixture(m)
    if not a.no_manifest:
        update_manifest(a.model_dir, [("vae_decoder_chunk_head.onnx", "vae-decoder-chunk-head", used["vae_decoder_chunk_head.onnx"]),
                                      ("vae_decoder_chunk_tail.onnx", "vae-decoder-chunk-tail", used["vae_decoder_chunk_tail.onnx"]),
                                      ("vae_decoder_tiles.json", "vae-decoder-tiles", None)])
    print(f"wrote vae_decoder_chunk_head.onnx / _tail.onnx (external data: {used}) and vae_decoder_tiles.json")


# The graph-parity fixture (src/engine/vae-tiles.test.ts runs the exported head/tail graphs through the TS tiled
# runner on it): PyTorch's decode_tiled with a 1-cell margin so a small latent gets several tiles on both axes and
# three causal chunks (first, middle, last).
FIXTURE = {"shape": [1, 8, 3, 8, 9], "tile": 6, "margin": 1, "blend": 2, "t_chunk": 1}


def write_fixture(m: WFVAE, out_dir: str = "training/fixtures/vae"):
    from training.tiled_vae import decode_tiled
    f = FIXTURE
    z = torch.randn(*f["shape"], generator=torch.Generator().manual_seed(32))
    video = decode_tiled(m, z, f["tile"], 2 * f["margin"] + f["blend"], f["blend"], t_chunk=f["t_chunk"])
    (z * LATENT_SCALE).numpy().astype("<f4").tofile(os.path.join(out_dir, "tiled.in.latent.bin"))
    video.numpy().astype("<f4").tofile(os.path.join(out_dir, "tiled.out.video.bin"))
    doc = dict(f, latent="tiled.in.latent.bin (scaled: z · 0.18215)", video="tiled.out.video.bin",
               video_shape=list(video.shape), atol=1e-4, source="training/export_vae_tiles.py write_fixture")
    with open(os.path.join(out_dir, "tiled.json"), "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    return z, video


if __name__ == "__main__":
    main()
