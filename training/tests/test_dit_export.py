"""export_dit outputs: graph I/O manifest, one shared external-weights file, and fixtures that still match the
current PyTorch code (the dev export is the deterministic random model of export_dit.random_models).

Run: /usr/bin/python3 -m unittest discover -s training/tests -t .
(ONNX Runtime parity itself is checked on the TS side against training/fixtures/dit/index.json.)
"""
import json
import os
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import onnx
import torch

from training.export_dit import WEIGHTS, random_models

torch.set_num_threads(2)
FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "dit")
GRAPHS = os.path.join(FIX, "dev")


def load(entry):
    a = np.fromfile(os.path.join(FIX, entry["file"]), dtype="<i8" if entry["dtype"] == "int64" else "<f4")
    return torch.from_numpy(a.reshape(entry["shape"]).copy())


@unittest.skipUnless(os.path.exists(os.path.join(GRAPHS, "dit_graphs.json")), "no dev export")
class TestExport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(GRAPHS, "dit_graphs.json")) as f:
            cls.man = json.load(f)
        with open(os.path.join(FIX, "index.json")) as f:
            cls.idx = json.load(f)

    def test_manifest_and_shared_weights(self):
        size = os.path.getsize(os.path.join(GRAPHS, WEIGHTS))
        self.assertEqual(size, self.man["weights"]["bytes"])
        n_layers = self.man["dit_config"]["num_layers"]
        names = set(self.man["graphs"])
        for i in range(n_layers):
            self.assertIn(f"dit_block{i}_pre", names)
            self.assertIn(f"dit_block{i}_post", names)
        self.assertEqual(self.man["self_attention"]["modes"], self.man["dit_config"]["layer_modes"])
        pre = self.man["graphs"]["dit_block2_pre"]
        self.assertEqual([o["name"] for o in pre["outputs"]], ["q", "k", "v"])
        cfg = self.man["dit_config"]
        self.assertEqual(pre["outputs"][0]["shape"], ["B", "N", cfg["num_heads"] * cfg["head_dim"]])
        for g in names:
            m = onnx.load(os.path.join(GRAPHS, g + ".onnx"), load_external_data=False)
            for t in m.graph.initializer:
                if t.data_location == onnx.TensorProto.EXTERNAL:
                    ext = {e.key: e.value for e in t.external_data}
                    self.assertEqual(ext["location"], WEIGHTS)
                    self.assertLessEqual(int(ext["offset"]) + int(ext["length"]), size)
        # the weights are stored once: file ≈ parameter bytes of the T2V + inpaint extras (+ LN constants)
        bundle, inp, _ = random_models()
        unique = {id(p): p.numel() for m in (bundle, inp) for p in m.parameters()}
        self.assertLess(size, 1.02 * 4 * sum(unique.values()) + 65536)

    def test_fixtures_match_current_code(self):
        bundle, inp, tok = random_models()
        f = self.idx["fixtures"]
        ids, mask = load(f["text_encoder"]["inputs"]["input_ids"]), load(f["text_encoder"]["inputs"]["text_mask"])
        self.assertTrue(torch.equal(ids, tok.encode_batch(["a big red circle moves right on a blue background",
                                                           ""])[0]))
        with torch.no_grad():
            ts = bundle.text_encoder(ids, mask)
            torch.testing.assert_close(ts, load(f["text_encoder"]["outputs"]["text_states"]), rtol=1e-5, atol=1e-5)
            for key, model in (("dit", bundle.dit), ("dit_video", bundle.dit), ("dit_inpaint", inp.dit)):
                i = {k: load(v) for k, v in f[key]["inputs"].items()}
                v = model(i["latent"], i["timestep"], i["text_states"], i["text_mask"], i.get("cond_latent"),
                          i.get("cond_mask"))
                torch.testing.assert_close(v, load(f[key]["outputs"]["v"]), rtol=1e-5, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
