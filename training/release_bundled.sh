#!/usr/bin/env bash
# Ship a trained DiT release as the bundled model, in the order the files depend on each other:
# ONNX export (dit*.onnx, text_encoder.onnx, dit.weights, dit_graphs.json with the latent norm) → manifest.json
# (sha256 of every file, fitted latent preview, defaults) → the PyTorch end-to-end fixtures that the browser parity
# tests (src/models/bundled-model.test.ts, e2e/engine-bundled.spec.ts) compare against. Evals are separate
# (training/eval_dit.py; numbers go to the model card).
#   [STEPS=20 CFG=3 IMAGE_CFG=3 SIZES=64,128 NAME="…"] bash training/release_bundled.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CKPT=${CKPT:-training/checkpoints/dit_inpaint_tiny.pt}
DIR=${DIR:-public/models/osp-v13-tiny}
# what is not given stays as the current manifest has it, so a re-run (after editing the card) changes no default;
# IMAGE_CFG 0 = none: cfgScale for all modes
current() {  # current KEY.PATH [DEFAULT]
  $PY -c "import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.'):
    v = v.get(k, sys.argv[3])
print(v)" "$DIR/manifest.json" "$1" "${2:-}"
}
STEPS=${STEPS:-$(current defaults.steps)}
CFG=${CFG:-$(current defaults.cfgScale)}
IMAGE_CFG=${IMAGE_CFG:-$(current defaults.imageCfgScale 0)}
NAME=${NAME:-$(current name)}
# trained sizes, default first (limits.sizes → the playground's size choices)
SIZES=${SIZES:-$($PY -c "import json, sys
m = json.load(open(sys.argv[1])); d = m['defaults']['width']
z = [s['width'] for s in m.get('limits', {}).get('sizes', [])] or [d]
print(','.join(map(str, [d] + [v for v in z if v != d])))" "$DIR/manifest.json")}
$PY -m training.export_dit --ckpt "$CKPT" --out "$DIR" --fixtures ''
$PY -m training.export_manifest --dir "$DIR" --steps "$STEPS" --cfg "$CFG" --image-cfg "$IMAGE_CFG" --name "$NAME" --sizes "$SIZES"
$PY -m training.make_bundled_fixtures --ckpt "$CKPT"
