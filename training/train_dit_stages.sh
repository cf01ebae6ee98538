#!/usr/bin/env bash
# The bundled model's full DiT schedule (spec §8.3): images (dense warm-up) → joint image-video → inpainting.
# Every stage resumes from $RUN_DIR/state_<stage>.pt, so re-running this script after an interruption continues
# where it stopped; a finished stage only re-saves its EMA release. Two gloo ranks, one thread each.
# Latents are normalised per channel (training/latent_norm.py → $LATENT_NORM) unless LATENT_NORM is empty.
# Stages with 0 steps are skipped (e.g. IMAGE_STEPS=0 to continue from an existing t2v release).
#   nohup nice -n 5 bash training/train_dit_stages.sh >> training/runs/dit_norm/log.txt 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE
PY=/usr/bin/python3
RUN_DIR=${RUN_DIR:-training/runs/dit_norm}
LATENT_NORM=${LATENT_NORM-training/checkpoints/latent_norm.json}
[ -z "$LATENT_NORM" ] || [ -f "$LATENT_NORM" ] || $PY -m training.latent_norm --out "$LATENT_NORM"
common=(--nproc 2 --threads 1 --lr 3e-4 --release_every_s 600 --save_every_s 300 --run_dir "$RUN_DIR"
        --latent_norm "$LATENT_NORM")
IMAGE_STEPS=${IMAGE_STEPS:-1500} JOINT_STEPS=${JOINT_STEPS:-5000} INPAINT_STEPS=${INPAINT_STEPS:-4000}
T2V_MIN=${T2V_MIN:-0.3} VIDEO_FRAC=${VIDEO_FRAC:-0.75}
# CURRICULUM_STEPS: inpaint mask curriculum length (0 = INPAINT_STEPS; set it to extend a finished run at the
# curriculum's end); DECAY_STEPS: linear LR cool-down to 10 % over the inpaint stage's last N steps.
CURRICULUM_STEPS=${CURRICULUM_STEPS:-0} DECAY_STEPS=${DECAY_STEPS:-0}
# TEXT_ID_LOSS: weight of train_dit's text-identity loss in the inpaint stage (keeps every word's text state apart)
TEXT_ID_LOSS=${TEXT_ID_LOSS:-0}
mkdir -p "$RUN_DIR"
[ "$IMAGE_STEPS" = 0 ] || $PY -m training.train_dit --stage image --dense 1 --steps "$IMAGE_STEPS" "${common[@]}"
[ "$JOINT_STEPS" = 0 ] || $PY -m training.train_dit --stage joint --steps "$JOINT_STEPS" --video_frac "$VIDEO_FRAC" "${common[@]}"
[ "$INPAINT_STEPS" = 0 ] || $PY -m training.train_dit --stage inpaint --steps "$INPAINT_STEPS" --t2v_min "$T2V_MIN" \
    --curriculum_steps "$CURRICULUM_STEPS" --decay_steps "$DECAY_STEPS" --text_id_loss "$TEXT_ID_LOSS" \
    ${RELEASE:+--release "$RELEASE"} "${common[@]}"
