"""training/convert_official.py end to end on the upstream-v13 fixtures (the 4-layer hd96 DiT keeps the ONNX export
short; the 32-layer conversion is committed as training/fixtures/official/upstream-v13 and checked by
src/models/official-onnx.test.ts and e2e/official-model.spec.ts), fp16 storage, and the CLI's error messages."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "..", "shared", "fixtures", "upstream-v13")
CLI = os.path.join(ROOT, "training", "convert_official.py")
ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}


def run(*args):
    return subprocess.run([sys.executable, CLI, *args, "--threads", "1"], capture_output=True, text=True, env=ENV,
                          cwd=ROOT, timeout=900)


@unittest.skipUnless(os.path.isdir(FIX), "upstream fixtures not present")
class TestConvertCLI(unittest.TestCase):
    def test_bad_inputs_name_the_problem(self):
        tmp = tempfile.mkdtemp()
        try:
            common = ["--text-encoder", f"{FIX}/mt5", "--out", tmp]
            r = run("--vae", f"{FIX}/dit/t2v", "--dit", f"{FIX}/dit/t2v", *common)
            self.assertEqual(r.returncode, 2)
            self.assertIn("_class_name 'OpenSoraT2V_v1_3' is not a WF-VAE", r.stderr)
            r = run("--vae", f"{FIX}/wfvae", "--dit", f"{FIX}/dit/inpaint", *common)
            self.assertEqual(r.returncode, 2)
            self.assertIn("expected OpenSoraT2V_v1_3 (--dit)", r.stderr)
            r = run("--vae", f"{FIX}/wfvae", "--dit", f"{FIX}/dit/t2v", "--text-encoder", f"{FIX}/wfvae", "--out", tmp)
            self.assertEqual(r.returncode, 2)
            self.assertIn("no spiece.model", r.stderr)
            self.assertEqual(os.listdir(tmp), [])  # nothing written before the inputs are proven
        finally:
            shutil.rmtree(tmp)

    def test_converts_to_an_app_model_folder_fp16(self):
        tmp = tempfile.mkdtemp()
        try:
            r = run("--vae", f"{FIX}/wfvae", "--dit", f"{FIX}/dit/t2v_hd96_l4", "--text-encoder", f"{FIX}/mt5",
                    "--out", tmp, "--dtype", "fp16", "--id", "hd96-test")
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            m = json.load(open(os.path.join(tmp, "manifest.json")))
            self.assertEqual(m["id"], "hd96-test")
            self.assertEqual(m["tokenizer"]["type"], "sentencepiece")
            self.assertEqual(m["dit"]["weightsDtype"], "fp16")
            self.assertEqual(m["dit"]["layer_modes"], ["dense", "dense", "single", "group"])
            for f in m["files"]:
                b = open(os.path.join(tmp, f["path"]), "rb").read()
                self.assertEqual((len(b), hashlib.sha256(b).hexdigest()), (f["bytes"], f["sha256"]), f["path"])
            names = {f["path"] for f in m["files"]}
            for n in ("dit.onnx", "dit_embed.onnx", "dit_block3_pre.onnx", "dit_final.onnx", "text_encoder.onnx",
                      "vae_encoder.onnx", "vae_decoder_chunk.onnx", "vae_decoder_chunk_core.onnx", "spiece.model",
                      "tokenizer.json",
                      "README.md", "dit_graphs.json"):
                self.assertIn(n, names)
            # fp16 storage: 2 bytes per weight (the hd96 DiT file is fp16 too: its size is the reference)
            src = os.path.getsize(os.path.join(FIX, "dit", "t2v_hd96_l4", "diffusion_pytorch_model.safetensors"))
            dit_w = os.path.getsize(os.path.join(tmp, "dit.weights"))
            self.assertLess(dit_w, 1.2 * src)
            card = open(os.path.join(tmp, "README.md")).read()
            h = hashlib.sha256(open(os.path.join(FIX, "wfvae", "checkpoint.ckpt"), "rb").read()).hexdigest()
            self.assertIn(h, card)
            g = json.load(open(os.path.join(tmp, "dit_graphs.json")))
            self.assertEqual((g["tokenizer"], g["tokenizer_type"], g["weights_dtype"]),
                             ("tokenizer.json", "sentencepiece", "fp16"))
            self.assertEqual(m["tokenizer"]["vocab"], "tokenizer.json")
            self.assertEqual(json.load(open(os.path.join(tmp, "tokenizer.json")))["model"]["type"], "Unigram")
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
