#!/usr/bin/env bash
# One time-boxed inpaint-stage leg of the DiT on a rented GPU machine that has PyTorch but neither the Debian photo
# packages nor our checkpoints: the DiT starts from the shipped model (rebuilt from public/models), the VAE is rebuilt
# the same way, photos come from a portable cache made here first:
#   /usr/bin/python3 -m training.data.photo_clips --save-cache .gpu/photos64.npz 64
# Env: OUT (where the release comes back, split into < 16 MiB parts), BUDGET_S (training seconds), DEVICE, BS, REUSE,
# LR, WORKERS, PY, INIT_DELTA, EXTRA_ARGS (more train_dit flags, e.g. --sizes 128,64 with a photo cache of both
# sizes: --save-cache .gpu/photos64_128.npz 64,128 and OSP_PHOTO_CACHE=.gpu/photos64_128.npz; BS is then the batch
# at the first size, the others scaled to the same token count),
# CALL_LIMIT_S (the call's time limit: training then stops SAVE_RESERVE_S, default 120, before it, whatever the
# start-up took — on an H200 the script spent ≈ 100 s outside the training budget, and a call that hit its limit
# while saving brought nothing back; a 60 s reserve once proved too short, hence 120 and ParallelBatcher.close).
# Rejoin here with: cat OUT/release.pt.part* > release_inpaint.pt (and the .json beside it).
set -euo pipefail
START=$(date +%s)
PY=${PY:-python3}
OUT=${OUT:-/tmp/gpu_out}
RUN=${RUN:-/tmp/gpu_run}
mkdir -p "$OUT" "$RUN"
export PYTHONUNBUFFERED=1 OSP_PHOTO_CACHE=${OSP_PHOTO_CACHE:-.gpu/photos64.npz}
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available() and torch.cuda.get_device_name(0))"
$PY -m training.checkpoint_from_onnx --model public/models/osp-v13-tiny --out "$RUN/init.pt"
if [ -n "${INIT_DELTA:-}" ]; then  # continue an earlier leg: its weights minus the shipped ones (training/init_delta.py)
  $PY -m training.init_delta apply "$RUN/init.pt" "$INIT_DELTA"
fi
$PY -m training.train_dit --stage inpaint --device "${DEVICE:-cuda}" --data_workers "${WORKERS:-14}" \
  --reuse "${REUSE:-2}" --bs_video "${BS:-256}" --lr "${LR:-5e-4}" --warmup 200 \
  --steps 100000 --decay_steps 40000 --time_budget_s "${BUDGET_S:-420}" \
  --t2v_min 0.5 --curriculum_steps 1 --text_id_loss 0.005 --latent_norm training/checkpoints/latent_norm.json \
  --init "$RUN/init.pt" --run_dir "$RUN" --release "$RUN/release_inpaint.pt" \
  --save_every_s 1e9 --release_every_s 1e9 --log_every "${LOG_EVERY:-50}" --threads 2 \
  ${CALL_LIMIT_S:+--stop_at_unix $((START + CALL_LIMIT_S - ${SAVE_RESERVE_S:-120}))} ${EXTRA_ARGS:-} 2>&1 \
  | tee "$OUT/train.log"
cp "$RUN/release_inpaint.json" "$OUT/"   # the release first: what is under OUT comes back even if the call is cut
split -b 15m "$RUN/release_inpaint.pt" "$OUT/release.pt.part"
$PY -c "import torch, sys; torch.save(torch.load(sys.argv[1], map_location='cpu', weights_only=False)['model'], sys.argv[2])" \
  "$RUN/state_inpaint.pt" "$RUN/raw.pt"
split -b 15m "$RUN/raw.pt" "$OUT/raw.pt.part"
ls -la "$OUT"
