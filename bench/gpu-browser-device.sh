#!/bin/bash
# Device-machine side of the real-GPU browser benchmark: unpacks what bench/gpu-browser-pack.sh sent in .gpux/p1-p3,
# then runs bench/gpu-browser-run.py (probe Chromium flags for a hardware WebGPU adapter, run the e2e jobs).
# Usage there (third call; calls 1 and 2 ran `mkdir -p /tmp/stage && cp .gpux/pN/* /tmp/stage/` carrying .gpux/p1, p2):
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; bash .gpux/p3/gpu-browser-device.sh OUTDIR "$(cat .gpux/p3/jobs.json)"
set -u
OUT=${1:?outdir}; JOBS=${2:?jobs json}; G=.gpux; T=/tmp/gpux; mkdir -p "$T" "$OUT"
if [ ! -x "$T/cr/chromium/chromium" ]; then
  # The device tool drops ignored files a call does not carry, so calls 1 and 2 copy their part to /tmp/stage.
  mkdir -p /tmp/stage && cp $G/p1/* $G/p2/* /tmp/stage/ 2>/dev/null
  cat /tmp/stage/chromium.tar.xz.part* | xz -dc | tar x -C "$T" || exit 3
  tar xJf $G/p3/libs.tar.xz -C "$T" && tar xJf $G/p3/site.tar.xz -C "$T" || exit 3
  tar xJf $G/p3/swiftshader.tar.xz -C "$T/cr/chromium" || exit 3  # SwANGLE: the GPU process's GL when ANGLE-on-Vulkan fails
fi
# Only the libraries this machine lacks: its own (newer) ones win, ours fill the gaps.
rm -rf "$T/needed"; mkdir -p "$T/needed"
for f in "$T"/lib/*; do n=$(basename "$f"); ldconfig -p | grep -q "/$n\$" || ln -sf "$f" "$T/needed/$n"; done
ls "$T/needed" > "$OUT/libs-carried.txt"; echo "carried libraries used: $(wc -l < "$OUT/libs-carried.txt")"
LD_LIBRARY_PATH="$T/needed:$T/cr/chromium" ldd "$T/cr/chromium/chromium" | grep 'not found' | tee "$OUT/ldd-missing.txt"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.draw --format=csv 2>&1 | tee "$OUT/nvidia-smi.txt"
nproc > "$OUT/nproc.txt"
PYTHONUNBUFFERED=1 python3 $G/p3/gpu-browser-run.py "$OUT" --chromium "$T/cr/chromium" --libs "$T/needed" --site "$T/site" \
  --models $G/p3/models --jobs "$JOBS" --timeout ${RUN_TIMEOUT:-360} ${EXTRA_ARGS:-}
