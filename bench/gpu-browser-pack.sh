#!/bin/bash
# Packs what the real-GPU browser benchmark needs on the device machine (no Node, browser or network there) into
# .gpux/p1 … p3, each under the device tool's 64 MiB per call: Debian's Chromium (xz, split over p1/p2), then the
# shared libraries it links (the device script keeps only those that machine lacks), the static build of
# bench/e2e.html, the bundled model folder and the two scripts that run there (p3).
# Usage: bash bench/gpu-browser-pack.sh  (then the three device calls in docs/BENCHMARKS.md, "The engine in Chromium…")
set -euo pipefail
G=.gpux; T=${TMPDIR:-/tmp}/gpux-pack
grep -qx '/.gpux/' .git/info/exclude || echo /.gpux/ >> .git/info/exclude
rm -rf "$G/p1" "$G/p2" "$G/p3" "$T"; mkdir -p "$G/p1" "$G/p2" "$G/p3" "$T/cr/chromium/locales" "$T/lib"
C=/usr/lib/chromium
cp "$C"/{chromium,chrome_crashpad_handler,icudtl.dat,libEGL.so,libGLESv2.so,libvulkan.so.1,resources.pak,chrome_100_percent.pak,snapshot_blob.bin,v8_context_snapshot.bin} "$T/cr/chromium/"
cp "$C/locales/en-US.pak" "$T/cr/chromium/locales/"
(cd "$T" && tar cf - cr | xz -9 -T0 > chromium.tar.xz)
split -n 2 -d "$T/chromium.tar.xz" "$T/chromium.tar.xz.part"
mv "$T/chromium.tar.xz.part00" "$G/p1/"; mv "$T/chromium.tar.xz.part01" "$G/p2/"
ldd "$C/chromium" | awk '{print $3}' | grep / | grep -vE 'libc\.so|libm\.so|libdl\.so|libpthread|librt\.so|ld-linux' \
  | xargs -I{} cp -L {} "$T/lib/"
(cd "$T" && tar cf - lib | xz -6 -T0 > "$OLDPWD/$G/p3/libs.tar.xz")
(cd "$C" && tar cJf "$OLDPWD/$G/p3/swiftshader.tar.xz" libvk_swiftshader.so vk_swiftshader_icd.json)
node bench/build-e2e-site.mjs "$T/site"
(cd "$T" && tar cf - site | xz -6 -T0 > "$OLDPWD/$G/p3/site.tar.xz")
mkdir -p "$G/p3/models" && cp -r public/models/osp-v13-tiny "$G/p3/models/"
cp bench/gpu-browser-run.py bench/gpu-browser-device.sh "$G/p3/"
# The e2e jobs (bench/e2e-page.ts E2eJob): the bundled model at its defaults, WebGPU then WASM, at 64² and 128².
python3 - "$G/p3/jobs.json" <<'PY'
import json, sys
req = lambda size, backend, runs: {"model": "/models/osp-v13-tiny/manifest.json", "backend": backend, "runs": runs, "warmup": 1,
    "request": {"prompt": "a big red circle moves right on a blue background", "negativePrompt": "", "seed": 1234, "steps": 30,
                "cfgScale": 7, "frames": 17, "width": size, "height": size, "fps": 8, "previewEvery": 0}}
json.dump([req(64, "webgpu", 2), req(64, "wasm", 2), req(128, "webgpu", 1), req(128, "wasm", 1)], open(sys.argv[1], "w"))
PY
du -sh "$G"/p1 "$G"/p2 "$G"/p3
