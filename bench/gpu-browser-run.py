#!/usr/bin/env python3
"""Device-machine half of the real-GPU browser benchmark (docs/BENCHMARKS.md, "The engine in Chromium on the H200").

That machine has an NVIDIA driver and Python but no Node, browser or network, so a Debian Chromium (with the shared
libraries the machine lacks), the static build of bench/e2e.html and the model folder travel in pieces
(bench/gpu-browser-pack.sh). This script serves the build with the cross-origin-isolation headers the engine needs,
finds Chromium flags under which WebGPU gets the real GPU (a probe page reports the adapter), then opens
bench/e2e.html?auto=<jobs> (bench/e2e-page.ts) and writes each job's result, and Chromium's log, under OUTDIR.

usage: gpu-browser-run.py OUTDIR --chromium DIR --libs DIR --site DIR --models DIR --jobs JSON [--timeout S]
       [--allow-fallback]
"""
import argparse
import http.server
import json
import os
import queue
import shutil
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

PROBE = b"""<!doctype html><meta charset=utf-8><script type=module>
const post = (b) => fetch('/__probe', {method: 'POST', body: JSON.stringify(b)});
try {
  const a = await navigator.gpu?.requestAdapter({powerPreference: 'high-performance'});
  post(a ? {vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description,
            fallback: a.info.isFallbackAdapter ?? null, features: [...a.features].sort(),
            coi: crossOriginIsolated} : {error: navigator.gpu ? 'no adapter' : 'no navigator.gpu'});
} catch (e) { post({error: String(e)}); }
</script>"""

# Tried in order; the first whose probe reports a hardware (non-fallback) adapter runs the jobs. Chromium hands WebGPU
# a hardware adapter only when the GPU process's GL is hardware too, so each set is a way to get hardware GL:
# ANGLE on Vulkan (Chrome's documented headless-GPU recipe), ANGLE on the driver's EGL; the last two keep GL on
# SwiftShader (WebGPU then gets SwiftShader as well) so a failed run still says how far it got. On the H200 device
# machine of 2026-11-26 none gave a hardware adapter (docs/BENCHMARKS.md, "The engine in Chromium on the H200").
V = ['--enable-features=Vulkan', '--disable-vulkan-surface']
FLAG_SETS = {
    'angle-vulkan': ['--use-angle=vulkan', *V],
    'angle-egl': [*V, '--use-angle=gl-egl'],
    'vulkan-swangle': [*V, '--use-angle=swiftshader'],
    'default': [],
}
COMMON = ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu', '--ignore-gpu-blocklist',
          '--no-first-run', '--no-default-browser-check', '--enable-logging=stderr', '--v=0']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('outdir')
    ap.add_argument('--chromium', required=True)
    ap.add_argument('--libs', required=True)
    ap.add_argument('--site', required=True)
    ap.add_argument('--models', required=True)
    ap.add_argument('--jobs', required=True, help='JSON array of bench/e2e-page.ts E2eJob')
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--allow-fallback', action='store_true', help='accept a software adapter (a local dry run)')
    a = ap.parse_args()
    out = Path(a.outdir)
    out.mkdir(parents=True, exist_ok=True)
    posts: 'queue.Queue[tuple[str, dict]]' = queue.Queue()
    site, models = Path(a.site).resolve(), Path(a.models).resolve()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            p = urllib.parse.urlparse(path).path
            if p.startswith('/models/'):
                return str(models / urllib.parse.unquote(p[len('/models/'):]))
            return str(site / urllib.parse.unquote(p.lstrip('/')))

        def end_headers(self):
            self.send_header('Cross-Origin-Opener-Policy', 'same-origin')
            self.send_header('Cross-Origin-Embedder-Policy', 'require-corp')
            self.send_header('Cross-Origin-Resource-Policy', 'same-origin')
            self.send_header('Cache-Control', 'no-store')
            super().end_headers()

        def do_GET(self):
            if self.path.startswith('/__probe.html'):
                self.send_response(200)
                self.send_header('Content-Type', 'text/html')
                self.end_headers()
                self.wfile.write(PROBE)
                return
            super().do_GET()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            try:
                posts.put((self.path, json.loads(body)))
            except ValueError:
                posts.put((self.path, {'error': 'unparseable post', 'raw': body[:500].decode('utf8', 'replace')}))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, '.js': 'text/javascript',
                              '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json'}
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f'http://127.0.0.1:{server.server_address[1]}'

    env = dict(os.environ)
    env['LD_LIBRARY_PATH'] = f"{Path(a.libs).resolve()}:{Path(a.chromium).resolve()}:{env.get('LD_LIBRARY_PATH', '')}"
    icd = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json'
    # The NVIDIA ICD gives Dawn the GPU but (on this headless driver) no VK_KHR_surface, which ANGLE needs for the GPU
    # process's GL; listing SwiftShader's ICD too lets ANGLE run GL on SwiftShader while WebGPU takes the NVIDIA adapter.
    sws = Path(a.chromium).resolve() / 'vk_swiftshader_icd.json'
    icds = [p for p in (icd, str(sws)) if Path(p).exists()]
    if icds:
        env['VK_ICD_FILENAMES'] = env['VK_DRIVER_FILES'] = ':'.join(icds)
    eglv = '/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json'
    if Path(eglv).exists():
        env['__EGL_VENDOR_LIBRARY_FILENAMES'] = eglv
    binary = str(Path(a.chromium).resolve() / 'chromium')

    def launch(name, flags, url, log_name):
        prof = Path(f'/tmp/chromium-profile-{name}-{log_name}')
        shutil.rmtree(prof, ignore_errors=True)
        log = open(out / f'{log_name}.log', 'wb')
        return subprocess.Popen([binary, *COMMON, *flags, f'--user-data-dir={prof}', url], env=env, stdout=log, stderr=log)

    def wait_post(path, timeout):
        end = time.time() + timeout
        while time.time() < end:
            try:
                p, body = posts.get(timeout=max(0.1, end - time.time()))
            except queue.Empty:
                break
            if p == path:
                return body
        return None

    summary = {'origin': origin, 'probes': {}, 'chosen': None, 'jobs': []}
    chosen = None
    for name, flags in FLAG_SETS.items():
        proc = launch(name, flags, f'{origin}/__probe.html', f'probe-{name}')
        info = wait_post('/__probe', 40)
        proc.kill()
        proc.wait()
        summary['probes'][name] = info
        print(f'probe {name}: {json.dumps(info)}', flush=True)
        if info and not info.get('error') and (info.get('fallback') is False or a.allow_fallback):
            chosen = name
            break
    summary['chosen'] = chosen
    (out / 'summary.json').write_text(json.dumps(summary, indent=1))
    if chosen is None:
        print('no flag set gave a hardware WebGPU adapter; see probe-*.log', flush=True)
        return 1

    jobs = json.loads(a.jobs)
    url = f'{origin}/bench/e2e.html?auto={urllib.parse.quote(json.dumps(jobs))}'
    proc = launch(chosen, FLAG_SETS[chosen], url, 'e2e')
    end = time.time() + a.timeout
    while time.time() < end:
        body = wait_post('/__result', end - time.time())
        if body is None:
            break
        if body.get('done'):
            summary['done'] = True
            break
        summary['jobs'].append(body)
        r = body.get('result') or {}
        runs = r.get('runs') or []
        med = sorted(x['totalMs'] for x in runs)[len(runs) // 2] if runs else None
        print(f"job {body.get('index')}: backend {r.get('backend')} adapter {r.get('gpuAdapter')} total median {med} ms"
              f" error {body.get('error')}", flush=True)
        (out / 'summary.json').write_text(json.dumps(summary, indent=1))
    proc.kill()
    proc.wait()
    (out / 'summary.json').write_text(json.dumps(summary, indent=1))
    return 0 if summary.get('done') else 2


if __name__ == '__main__':
    raise SystemExit(main())
