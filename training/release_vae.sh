#!/usr/bin/env bash
# Ship a retrained WF-VAE (typically a decoder-only fine-tune, `train_vae --decoder_only 1`, which keeps the encoder
# and so the DiT's latent space) into the bundled model, in the order the files depend on each other:
# ONNX export (vae_*.onnx, vae_*.weights, vae_split.json + the graph parity fixtures in training/fixtures/vae)
# → the PyTorch end-to-end fixtures whose decoded frames go through the VAE (training/fixtures/bundled)
# → manifest.json (sha256 of every file; its preview map is fitted on encoder latents, so it only moves if the
# encoder does).
# The engine fixtures (training/fixtures/engine) record the encoder graphs' sha256: if the encoder changed, it says
# so and they must be remade with make_engine_fixtures. Evals are separate (eval_vae, eval_dit; numbers → cards).
#   CKPT=training/checkpoints/wfvae_tiny.pt bash training/release_vae.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CKPT=${CKPT:-training/checkpoints/wfvae_tiny.pt}
DIR=${DIR:-public/models/osp-v13-tiny}
manifest_default() { $PY -c "import json,sys; m=json.load(open(sys.argv[1])); print($1)" "$DIR/manifest.json"; }
NAME=$(manifest_default "m['name']") STEPS=$(manifest_default "m['defaults']['steps']")
CFG=$(manifest_default "m['defaults']['cfgScale']")
enc_before=$(cat "$DIR"/vae_encoder*.onnx "$DIR"/vae_encoder.weights | sha256sum)
$PY -m training.export_vae --ckpt "$CKPT"
$PY -m training.make_bundled_fixtures --vae "$CKPT"
$PY -m training.export_manifest --dir "$DIR" --steps "$STEPS" --cfg "$CFG" --name "$NAME"
if [ "$enc_before" != "$(cat "$DIR"/vae_encoder*.onnx "$DIR"/vae_encoder.weights | sha256sum)" ]; then
  echo "NOTE: the VAE encoder changed: run '$PY -m training.make_engine_fixtures', and the DiT was trained in the" \
       "old latent space (retrain or fine-tune it)" >&2
fi
