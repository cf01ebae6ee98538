"""checkpoint_from_onnx: the DiT release .pt is rebuilt exactly from an exported model folder (dit.weights + the
initializer tables of dit.onnx / text_encoder.onnx), and load_release falls back to it when the .pt is missing.

Run: /usr/bin/python3 -m unittest training.tests.test_checkpoint_from_onnx
"""
import glob
import hashlib
import json
import os
import tempfile
import unittest
from unittest import mock

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import onnx
import torch

from training import checkpoint_from_onnx as C
from training.export_dit import DEV_INPAINT_DIMS, WEIGHTS, export_all
from training.train_dit import RELEASE, load_release, random_bundle, release_meta, save_release

torch.set_num_threads(1)
MODEL = os.path.join(C.ROOT, "public", "models", "osp-v13-tiny")
PT = os.path.join(C.ROOT, RELEASE["inpaint"])


def assert_same_state(tc, got, want):
    tc.assertEqual(list(got), list(want))  # same keys in the same order (the .pt's pickle order)
    for k in want:
        tc.assertEqual((got[k].dtype, got[k].shape), (want[k].dtype, want[k].shape), k)
        tc.assertEqual(got[k].numpy().tobytes(), want[k].numpy().tobytes(), k)


def external_chunks(model_dir, locations=(WEIGHTS,)):
    """sha1 -> bytes of every range of these weights files (default dit.weights; the VAE graphs of the folder have
    their own) that the folder's graphs reference (read without the module)."""
    out = {}
    for p in glob.glob(os.path.join(model_dir, "*.onnx")):
        for t in onnx.load(p, load_external_data=False).graph.initializer:
            e = {x.key: x.value for x in t.external_data}
            if t.data_location == onnx.TensorProto.EXTERNAL and e["location"] in locations:
                with open(os.path.join(model_dir, e["location"]), "rb") as f:
                    f.seek(int(e["offset"]))
                    raw = f.read(int(e["length"]))
                out[hashlib.sha1(raw).hexdigest()] = raw
    return out


def tensor_digests(v):
    """sha1 of the tensor's bytes as stored by the exporter: as is, or transposed (a folded Linear weight)."""
    a = v.numpy()
    ds = {hashlib.sha1(a.tobytes()).hexdigest()}
    if a.ndim == 2:
        ds.add(hashlib.sha1(np.ascontiguousarray(a.T).tobytes()).hexdigest())
    return ds


def assert_release_pt_is_the_export(tc, pt, label, state, chunks, stored_in, min_bytes=0):
    """The rebuilt state equals the release .pt at `pt`, tensor for tensor and as a file byte for byte (same torch).
    Skips on a fresh clone (no .pt) and when the .pt is another checkpoint than the one exported (decided without the
    module's mapping: every tensor of at least min_bytes must be one of the stored `chunks`)."""
    if not os.path.exists(pt):
        tc.skipTest(f"{label} absent (fresh clone): nothing to compare with")
    ref = torch.load(pt, map_location="cpu")
    absent = [k for k, v in ref.items()
              if v.numel() * v.element_size() >= min_bytes and not tensor_digests(v) & set(chunks)]
    if absent:
        tc.skipTest(f"{label} is another checkpoint than {stored_in} ({len(absent)} of {len(ref)} tensors not in it, "
                    f"e.g. {absent[0]}): re-export the model to compare")
    assert_same_state(tc, state, ref)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, os.path.basename(pt))
        C.write_pt(state, out)
        with open(out, "rb") as f, open(pt, "rb") as g:
            tc.assertTrue(f.read() == g.read(), "rebuilt .pt differs from the release file")


class TestCommittedModel(unittest.TestCase):
    """The bundled model folder (works on a fresh clone, with or without the .pt)."""

    @classmethod
    def setUpClass(cls):
        with open(PT.replace(".pt", ".json")) as f:
            cls.meta = json.load(f)
        cls.state = C.state_dict_for_release(PT, cls.meta)

    def test_folder_is_found_from_the_release_path(self):
        self.assertEqual(C.model_dir_for(PT), MODEL)
        self.assertEqual(C.model_dir_for(RELEASE["inpaint"]), MODEL)  # relative to the repo root (the cwd)
        self.assertIsNone(C.model_dir_for(os.path.join(C.ROOT, "training/checkpoints/no_such_release.pt")))

    def test_rebuilt_state_loads_and_dit_weights_holds_only_it(self):
        from training.models.skiparse_dit import DiTConfig
        from training.models.text_encoder import TextEncoderConfig
        from training.train_dit import DiTBundle
        b = DiTBundle(DiTConfig.from_dict(self.meta["dit_config"]), TextEncoderConfig(**self.meta["text_config"]))
        b.load_state_dict(self.state)  # strict: every key, every shape
        # every byte range of dit.weights used by any graph (one-graph and split) is one of the checkpoint's
        # tensors: the file is the checkpoint, stored once
        ours = set().union(*(tensor_digests(v) for v in self.state.values()))
        chunks = external_chunks(MODEL)
        self.assertEqual(sorted(set(chunks) - ours), [])
        self.assertEqual(sum(len(c) for c in chunks.values()),
                         sum(v.numel() * v.element_size() for v in self.state.values()))

    def test_meta_of_another_checkpoint_is_refused(self):
        meta = self.meta
        C.state_dict_for_release(PT, dict(meta, state_sha256=C.state_fingerprint(self.state)))
        for bad in (dict(meta, dit_config=dict(meta["dit_config"], num_layers=meta["dit_config"]["num_layers"] + 1)),
                    dict(meta, latent_norm={"shift": [0.0] * 8, "scale": [1.0] * 8}),
                    dict(meta, state_sha256="0" * 64)):
            with self.assertRaises(C.RebuildError):
                C.state_dict_for_release(PT, bad)

    def test_equals_the_release_pt(self):
        assert_release_pt_is_the_export(self, PT, RELEASE["inpaint"], self.state, external_chunks(MODEL),
                                        f"{MODEL}/dit.weights")


class TestRoundTrip(unittest.TestCase):
    """export_all of a random bundle to a temp folder, then rebuild == the bundle's state_dict."""

    def round_trip(self, bundle, tok, d):
        ckpt = os.path.join(d, "ckpt", "dit_rt.pt")
        save_release(ckpt, bundle.state_dict(), release_meta(bundle, tok, {}))
        with open(ckpt.replace(".pt", ".json")) as f:  # the meta names its checkpoint: a rebuild is checked to be it
            self.assertEqual(json.load(f)["state_sha256"], C.state_fingerprint(bundle.state_dict()))
        export_all(bundle, tok, os.path.join(d, "model"), None, None, ckpt)
        got = C.rebuild_state_dict(os.path.join(d, "model"))
        assert_same_state(self, got, bundle.state_dict())
        out = os.path.join(d, "re", "dit_rt.pt")
        C.write_pt(got, out)
        with open(out, "rb") as f, open(ckpt, "rb") as g:
            self.assertTrue(f.read() == g.read(), "rebuilt .pt differs from save_release's")
        return ckpt

    def test_fresh_inpaint_bundle_with_merged_initializers(self):
        # fresh init: equal-valued parameters (all-ones LayerNorms, the copied patch embed, the zero condition
        # Linears) are merged by the exporter into one initializer + Identity nodes
        bundle, tok = random_bundle(inpaint=True, seed=0, **DEV_INPAINT_DIMS)
        with tempfile.TemporaryDirectory() as d:
            ckpt = self.round_trip(bundle, tok, d)
            g = onnx.load(os.path.join(d, "model", "text_encoder.onnx"), load_external_data=False).graph
            self.assertTrue(any(n.op_type == "Identity" for n in g.node), "no merged initializer exercised")
            # load_release without the .pt: rebuilt from the folder whose dit_graphs.json names it as source
            os.remove(ckpt)
            with mock.patch.object(C, "MODELS_GLOBS", (os.path.join(d, "*", "dit_graphs.json"),)):
                b2, _, meta = load_release(ckpt)
            assert_same_state(self, b2.state_dict(), bundle.state_dict())
            with mock.patch.object(C, "MODELS_GLOBS", (os.path.join(d, "nowhere", "dit_graphs.json"),)):
                with self.assertRaises(FileNotFoundError):
                    load_release(ckpt)

    def test_t2v_bundle_all_parameters_distinct(self):
        bundle, tok = random_bundle(inpaint=False, seed=1, layers=6, heads=2, head_dim=12, text_width=24,
                                    text_layers=2)
        g = torch.Generator().manual_seed(2)
        with torch.no_grad():
            for p in bundle.parameters():
                p.add_(torch.randn(p.shape, generator=g) * 0.1)
        with tempfile.TemporaryDirectory() as d:
            self.round_trip(bundle, tok, d)


if __name__ == "__main__":
    unittest.main()
