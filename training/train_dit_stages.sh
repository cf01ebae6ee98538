#!/usr/bin/env bash
# The bundled model's full DiT schedule (spec §8.3): images (dense warm-up) → joint image-video → inpainting.
# Every stage resumes from training/runs/dit/state_<stage>.pt, so re-running this script after an interruption
# continues where it stopped; a finished stage only re-saves its EMA release. Two gloo ranks, one thread each.
#   nohup nice -n 5 bash training/train_dit_stages.sh >> training/runs/dit/log.txt 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE
PY=/usr/bin/python3
common=(--nproc 2 --threads 1 --lr 3e-4 --release_every_s 600 --save_every_s 300)
IMAGE_STEPS=${IMAGE_STEPS:-1500} JOINT_STEPS=${JOINT_STEPS:-5000} INPAINT_STEPS=${INPAINT_STEPS:-4000}
$PY -m training.train_dit --stage image --dense 1 --steps "$IMAGE_STEPS" "${common[@]}"
$PY -m training.train_dit --stage joint --steps "$JOINT_STEPS" "${common[@]}"
$PY -m training.train_dit --stage inpaint --steps "$INPAINT_STEPS" --t2v_min 0.3 "${common[@]}"
