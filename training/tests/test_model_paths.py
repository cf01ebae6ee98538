"""The manifest writer's path rule is the twin of src/models/model-path.ts: same corpus, same verdicts."""
import json
import os
import unittest

from training.export_manifest import MODEL_ID, check_manifest_paths, model_path_problem

CORPUS = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "e2e", "fixtures", "bad-inputs", "model-paths.json")))


class ModelPathRule(unittest.TestCase):
    def test_bad_paths_refused(self):
        for p in CORPUS["bad"]:
            self.assertIsNotNone(model_path_problem(p), repr(p))

    def test_good_paths_accepted(self):
        for p in CORPUS["good"]:
            self.assertIsNone(model_path_problem(p), repr(p))

    def test_ids(self):
        for i in CORPUS["badIds"]:
            self.assertIsNone(MODEL_ID.match(i), repr(i))
        for i in CORPUS["goodIds"]:
            self.assertIsNotNone(MODEL_ID.match(i), repr(i))

    def test_writer_refuses_a_manifest_the_app_would_refuse(self):
        good = {"id": "m", "files": [{"path": "a.onnx", "externalData": ["a.weights"]}, {"path": "a.weights"}]}
        check_manifest_paths(good)
        for bad in ({**good, "id": ".."}, {"id": "m", "files": [{"path": "%2e%2e/x"}]},
                    {"id": "m", "files": [{"path": "a.onnx", "externalData": ["\t/\t/evil.example/x"]}]}):
            with self.assertRaises(ValueError):
                check_manifest_paths(bad)

    def test_the_shipped_manifest_passes(self):
        m = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "public", "models", "osp-v13-tiny", "manifest.json")))
        check_manifest_paths(m)


if __name__ == "__main__":
    unittest.main()
