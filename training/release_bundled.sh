#!/usr/bin/env bash
# Ship a trained DiT release as the bundled model, in the order the files depend on each other:
# ONNX export (dit*.onnx, text_encoder.onnx, dit.weights, dit_graphs.json with the latent norm) → manifest.json
# (sha256 of every file, fitted latent preview, defaults) → the PyTorch end-to-end fixtures that the browser parity
# tests (src/models/bundled-model.test.ts, e2e/engine-bundled.spec.ts) compare against. Evals are separate
# (training/eval_dit.py; numbers go to the model card).
#   STEPS=30 CFG=4.5 NAME="…" bash training/release_bundled.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CKPT=${CKPT:-training/checkpoints/dit_inpaint_tiny.pt}
DIR=${DIR:-public/models/osp-v13-tiny}
STEPS=${STEPS:-30} CFG=${CFG:-4.5}
NAME=${NAME:-$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['name'])" "$DIR/manifest.json")}
$PY -m training.export_dit --ckpt "$CKPT" --out "$DIR" --fixtures ''
$PY -m training.export_manifest --dir "$DIR" --steps "$STEPS" --cfg "$CFG" --name "$NAME"
$PY -m training.make_bundled_fixtures --ckpt "$CKPT"
