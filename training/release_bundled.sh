#!/usr/bin/env bash
# Ship a trained DiT release as the bundled model, in the order the files depend on each other:
# ONNX export (dit*.onnx, text_encoder.onnx, dit.weights, dit_graphs.json with the latent norm) → manifest.json
# (sha256 of every file, fitted latent preview, defaults) → the PyTorch end-to-end fixtures that the browser parity
# tests (src/models/bundled-model.test.ts, e2e/engine-bundled.spec.ts) compare against. Evals are separate
# (training/eval_dit.py; numbers go to the model card).
#   STEPS=30 CFG=4.5 IMAGE_CFG=1 NAME="…" bash training/release_bundled.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CKPT=${CKPT:-training/checkpoints/dit_inpaint_tiny.pt}
DIR=${DIR:-public/models/osp-v13-tiny}
STEPS=${STEPS:-30} CFG=${CFG:-4.5}
# the image-conditioned guidance stays as the current manifest has it unless given (0 = none: cfgScale for all modes)
IMAGE_CFG=${IMAGE_CFG:-$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['defaults'].get('imageCfgScale', 0))" "$DIR/manifest.json")}
NAME=${NAME:-$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['name'])" "$DIR/manifest.json")}
$PY -m training.export_dit --ckpt "$CKPT" --out "$DIR" --fixtures ''
$PY -m training.export_manifest --dir "$DIR" --steps "$STEPS" --cfg "$CFG" --image-cfg "$IMAGE_CFG" --name "$NAME"
$PY -m training.make_bundled_fixtures --ckpt "$CKPT"
