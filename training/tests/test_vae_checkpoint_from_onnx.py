"""checkpoint_from_onnx, WF-VAE mode: the VAE release .pt is rebuilt exactly from an exported model folder
(vae_encoder.weights + vae_decoder.weights and the initializer tables of vae_encoder.onnx / vae_decoder.onnx), and
the one VAE loader (train_vae.load_release, used by train_dit.load_vae, eval_vae, export_vae) falls back to it when
the .pt is missing.

Run: /usr/bin/python3 -m unittest training.tests.test_vae_checkpoint_from_onnx
"""
import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest
from unittest import mock

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import onnx
import torch

from training import checkpoint_from_onnx as C
from training import eval_vae, export_vae, train_dit, train_vae
from training.models.wfvae import WFVAE, WFVAEConfig
from training.tests.test_checkpoint_from_onnx import (assert_release_pt_is_the_export, assert_same_state,
                                                      external_chunks, tensor_digests)

torch.set_num_threads(1)
MODEL = os.path.join(C.ROOT, "public", "models", "osp-v13-tiny")
PT = os.path.join(C.ROOT, train_vae.CKPT)
VAE_WEIGHTS = ("vae_encoder.weights", "vae_decoder.weights")


def nbytes(v):
    return v.numel() * v.element_size()


class TestCommittedVae(unittest.TestCase):
    """The bundled model folder (works on a fresh clone, with or without the .pt)."""

    @classmethod
    def setUpClass(cls):
        with open(PT.replace(".pt", ".json")) as f:
            cls.meta = json.load(f)
        cls.state = C.vae_state_dict_for_release(PT, cls.meta)

    def test_folder_is_found_from_the_release_path(self):
        self.assertEqual(C.vae_model_dir_for(PT), MODEL)
        self.assertEqual(C.vae_model_dir_for(train_vae.CKPT), MODEL)  # relative to the repo root (the cwd)
        self.assertIsNone(C.vae_model_dir_for(os.path.join(C.ROOT, "training/checkpoints/wfvae_other.pt")))
        self.assertIsNone(C.vae_model_dir_for(""))

    def test_rebuilt_state_loads_and_vae_weights_hold_only_it(self):
        WFVAE(WFVAEConfig(**self.meta["config"])).load_state_dict(self.state)  # strict: every key, every shape
        # every byte range of the two weights files used by any VAE graph (one-graph, core, chunk) is one of the
        # checkpoint's tensors, and together they are all of them (tensors under 64 bytes are inline)
        ours = set().union(*(tensor_digests(v) for v in self.state.values()))
        chunks = external_chunks(MODEL, VAE_WEIGHTS)
        self.assertEqual(sorted(set(chunks) - ours), [])
        self.assertEqual(sum(len(c) for c in chunks.values()),
                         sum(nbytes(v) for v in self.state.values() if nbytes(v) >= 64))

    def test_meta_of_another_checkpoint_is_refused(self):
        meta, cfg = self.meta, self.meta["config"]
        C.vae_state_dict_for_release(PT, dict(meta, state_sha256=C.state_fingerprint(self.state)))
        for bad in (dict(meta, state_sha256="0" * 64),
                    dict(meta, config=dict(cfg, base_channels=cfg["base_channels"] * 2)),  # other shapes
                    dict(meta, config=dict(cfg, num_resblocks=cfg["num_resblocks"] + 1))):  # other keys
            with self.assertRaises(C.RebuildError):
                C.vae_state_dict_for_release(PT, bad)

    def test_equals_the_release_pt(self):  # tensors under 64 bytes are stored inline, not in the weights files
        assert_release_pt_is_the_export(self, PT, train_vae.CKPT, self.state, external_chunks(MODEL, VAE_WEIGHTS),
                                        f"{MODEL}/vae_*.weights", min_bytes=64)

    def test_loaders_rebuild_a_missing_release_from_the_folder(self):
        # a release path without its .pt, for which the committed folder (it records no source: exported before
        # export_vae recorded one) counts as the export of export_vae's default --ckpt
        with tempfile.TemporaryDirectory() as d:
            ckpt = os.path.join(d, "wfvae_tiny.pt")
            shutil.copy(PT.replace(".pt", ".json"), ckpt.replace(".pt", ".json"))
            with mock.patch.object(C, "VAE_DEFAULT_SOURCE", ckpt):
                vae, trained = train_dit.load_vae(ckpt)
                self.assertTrue(trained)
                assert_same_state(self, vae.state_dict(), self.state)
                m, meta = eval_vae.load(ckpt)
                assert_same_state(self, m.state_dict(), self.state)
                self.assertEqual(meta["step"], self.meta["step"])
            self.assertFalse(os.path.exists(ckpt), "the loaders must not write the .pt")
            with self.assertRaises(FileNotFoundError):  # the folder is not the export of this path any more
                train_dit.load_vae(ckpt)


class TestVaeRoundTrip(unittest.TestCase):
    """train_vae.save_release + export_vae.main of a small fresh WFVAE in a temp folder, then the .pt is deleted:
    the rebuild equals it, byte for byte, and every loader finds it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.ckpt = os.path.join(d, "ckpt", "wfvae_rt.pt")
        cls.model = os.path.join(d, "model")
        torch.manual_seed(0)
        cfg = WFVAEConfig(8, 4, 8, 1, 8, 1)
        cls.vae = WFVAE(cfg)  # fresh: equal-valued GroupNorm parameters are merged by the exporter
        with mock.patch.object(train_vae, "CKPT", cls.ckpt):
            train_vae.save_release(cls.vae, 7, 1.0, 1.0, cfg, {})
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            export_vae.main(["--ckpt", cls.ckpt, "--out", cls.model, "--fixtures", os.path.join(d, "fx"),
                             "--threads", "1"])
        torch.set_num_threads(1)
        with open(cls.ckpt, "rb") as f:
            cls.pt_bytes = f.read()
        os.remove(cls.ckpt)
        cls.globs = mock.patch.object(C, "MODELS_GLOBS", (os.path.join(d, "*", "dit_graphs.json"),))
        cls.globs.start()

    @classmethod
    def tearDownClass(cls):
        cls.globs.stop()
        cls.tmp.cleanup()

    def copy_model(self, d):
        shutil.copytree(self.model, os.path.join(d, "model"))
        return os.path.join(d, "model")

    def test_rebuild_equals_the_release_byte_for_byte(self):
        g = onnx.load(os.path.join(self.model, "vae_decoder.onnx"), load_external_data=False).graph
        self.assertTrue(any(n.op_type == "Identity" for n in g.node), "no merged initializer exercised")
        self.assertEqual(C.vae_record(self.model)["source"], self.ckpt)
        got = C.rebuild_vae_state_dict(self.model)  # config: the one vae_split.json records
        assert_same_state(self, got, self.vae.state_dict())
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, os.path.basename(self.ckpt))
            C.write_pt(got, out)
            with open(out, "rb") as f:
                self.assertTrue(f.read() == self.pt_bytes, "rebuilt .pt differs from save_release's")

    def test_loaders_without_the_pt(self):
        m, meta = train_vae.load_release(self.ckpt)
        assert_same_state(self, m.state_dict(), self.vae.state_dict())
        self.assertEqual(meta["step"], 7)
        self.assertTrue(train_vae.release_available(self.ckpt))
        vae, trained = train_dit.load_vae(self.ckpt)
        self.assertTrue(trained)
        assert_same_state(self, vae.state_dict(), self.vae.state_dict())
        with mock.patch.object(C, "MODELS_GLOBS", (os.path.join(self.tmp.name, "nowhere", "dit_graphs.json"),)):
            self.assertFalse(train_vae.release_available(self.ckpt))
            with self.assertRaises(FileNotFoundError):
                train_vae.load_release(self.ckpt)
            with self.assertRaises(FileNotFoundError):
                train_dit.load_vae(self.ckpt)
            self.assertFalse(train_dit.load_vae(self.ckpt, allow_random=True)[1])

    def test_corrupt_weights_are_refused(self):
        with tempfile.TemporaryDirectory() as d:
            model = self.copy_model(d)
            path = os.path.join(model, "vae_decoder.weights")
            with open(path, "r+b") as f:  # one flipped bit in a stored tensor
                f.seek(os.path.getsize(path) // 2)
                b = f.read(1)
                f.seek(-1, os.SEEK_CUR)
                f.write(bytes([b[0] ^ 0x10]))
            with self.assertRaisesRegex(C.RebuildError, "state_sha256"):
                C.rebuild_vae_state_dict(model)
        with tempfile.TemporaryDirectory() as d:
            model = self.copy_model(d)
            path = os.path.join(model, "vae_encoder.weights")
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) // 2)
            with self.assertRaisesRegex(C.RebuildError, "shorter than"):
                C.rebuild_vae_state_dict(model)

    def test_missing_tensor_is_named(self):
        with tempfile.TemporaryDirectory() as d:
            model = self.copy_model(d)
            path = os.path.join(model, "vae_encoder.onnx")
            m = onnx.load(path, load_external_data=False)
            keep = [t for t in m.graph.initializer if t.name != "m.encoder.conv_out.conv.weight"]
            self.assertEqual(len(keep), len(m.graph.initializer) - 1)
            del m.graph.initializer[:]
            m.graph.initializer.extend(keep)
            onnx.save(m, path)
            with self.assertRaisesRegex(C.RebuildError, r"no initializer for 1 parameter\(s\): "
                                                        r"encoder\.conv_out\.conv\.weight"):
                C.rebuild_vae_state_dict(model)

    def test_meta_with_another_config_is_refused(self):
        meta = {"config": dict(C.vae_record(self.model)["vae_config"], latent_dim=4)}
        with self.assertRaisesRegex(C.RebuildError, "another WF-VAE config"):
            C.vae_state_dict_for_release(self.ckpt, meta)


if __name__ == "__main__":
    unittest.main()
