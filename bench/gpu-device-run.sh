#!/bin/bash
# Device-machine side of the real-GPU kernel benchmark (docs/BENCHMARKS.md, "Real GPU (H200/H100)…"): that machine
# has CUDA + PyTorch but no Node, browser or network, so Node (stripped, xz) and Dawn's dawn.node (xz) travel in
# .gpubench/carry and the Vulkan/EGL loaders as .gl/*.deb. Usage there: bash bench/gpu-device-run.sh OUTDIR [--quick]
# (env OURS_ARGS: extra node-gpu-bench.ts flags, e.g. '--simple-max-tokens 9000'; OURS_TIMEOUT: seconds, default 220)
set -u
OUTDIR=${1:?outdir}; Q=${2:-}
G=.gpubench/carry; T=/tmp/gpubench; mkdir -p "$T" "$OUTDIR"
if ! ldconfig -p | grep -q libvulkan.so.1; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$ICD" ] && export VK_DRIVER_FILES=$ICD VK_ICD_FILENAMES=$ICD
EGLV=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$EGLV" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$EGLV
export PYTHONUNBUFFERED=1
xz -dc $G/node.xz > $T/node && chmod +x $T/node
xz -dc $G/dawn.node.xz > $T/dawn.node
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.draw --format=csv 2>&1 | tee "$OUTDIR/nvidia-smi.txt"
# Ours: Dawn on Vulkan; if no Vulkan adapter comes up, Dawn's OpenGL (EGL) backend instead.
timeout ${OURS_TIMEOUT:-220} $T/node $G/node-gpu-bench.mjs --dawn $T/dawn.node --backend vulkan $Q ${OURS_ARGS:-} --out "$OUTDIR/ours.json" --dump $T/dump \
  2> >(grep -v '^Warning' | tee "$OUTDIR/ours.log" >&2) > /dev/null
rc=$?; echo "node bench (vulkan) rc=$rc"
if [ ! -s "$OUTDIR/ours.json" ]; then
  EGL_PLATFORM=surfaceless timeout 120 $T/node $G/node-gpu-bench.mjs --dawn $T/dawn.node --backend opengl $Q ${OURS_ARGS:-} \
    --out "$OUTDIR/ours-opengl.json" --dump $T/dump 2> >(grep -v '^Warning' | tee "$OUTDIR/ours-opengl.log" >&2) > /dev/null
  echo "node bench (opengl) rc=$?"
fi
# Baseline: PyTorch CUDA, same machine, same shapes, right after.
PY=python3; [ -x /usr/bin/python3 ] && ! python3 -c 'import torch' 2>/dev/null && PY=/usr/bin/python3
DEV=cuda; $PY -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' || DEV=cpu
timeout 200 $PY bench/gpu_baseline.py --device $DEV $Q --dump $T/dump --out "$OUTDIR/torch.json" > "$OUTDIR/torch.log" 2>&1
echo "torch baseline rc=$?"; grep -v '^ \|^[{}]' "$OUTDIR/torch.log" | tail -60
