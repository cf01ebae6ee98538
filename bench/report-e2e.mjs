// Markdown table for docs/BENCHMARKS.md from an end-to-end benchmark result (bench/run-e2e.mjs).
const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');
const mb = (x) => (Number.isFinite(x) ? `${(x / 2 ** 20).toFixed(0)} MiB` : 'n/a');
const rx = (x) => (Number.isFinite(x) ? `**${x.toFixed(2)}×**` : '—');

export function renderE2eTable(r, file) {
  const q = r.request;
  const b = r.browser;
  const p = r.pytorch;
  const rows = [
    [r.modelInfo?.inpaint ? 'text encoder (prompt + negative) + all-masked condition (VAE encoder)' : 'text encoder (prompt + negative)', 'textMs'],
    ['DiT step mean (CFG batch of 2 + sampler)', 'stepMeanMs'],
    [`denoise total (${q.steps} steps)`, 'denoiseMs'],
    ['time to first frame', 'firstFrameMs'],
    ['VAE decode (all frames)', 'decodeMs'],
    ['MP4 mux / finalize', 'muxMs'],
    ['decode + mux', 'decodeMuxMs'],
    ['total', 'totalMs'],
  ];
  const n = b.runs.length;
  const la = (a) => a.map((x) => x.toFixed(2)).join(' / ');
  const lines = [
    `#### ${b.backend === 'webgpu' ? `webgpu (DiT on ${b.ditBackend}, adapter: ${b.gpuAdapter ?? 'unknown'}; ${b.wasmThreads} ORT wasm thread(s) for the rest)` : `wasm (${b.wasmThreads} ORT wasm thread${b.wasmThreads > 1 ? 's' : ''}${r.threadsForced ? ', forced with --threads' : ''})`} vs PyTorch ${p.torch} (${p.threads} threads) — ${r.date.slice(0, 10)}, median of ${n} runs after warm-up; raw: \`${file}\``,
    '',
    `Model: ${r.model}. Request: ${q.frames}×${q.height}×${q.width}, ${q.steps} steps, CFG ${q.cfgScale}, seed ${q.seed} (latent ${JSON.stringify(r.latentShape)}). ` +
      `Machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), load average before ${la(r.machine.loadavgBefore)}, after ${la(r.machine.loadavgAfter)} (${r.machine.note}). Command: \`${r.command}\`.`,
    '',
    '| stage | browser ms | PyTorch ms | browser/PyTorch |',
    '|---|---|---|---|',
    ...rows.map(([label, k]) => `| ${label} | ${ms(b.median[k])} | ${ms(p.median[k])} | ${rx(r.ratioBrowserOverPyTorch[k])} |`),
    `| DiT step, fastest of all runs (least disturbed by the shared CPU; PyTorch: the DiT forward) | ${ms(Math.min(...b.runs.flatMap((x) => x.stepMs)))} | ${ms(Math.min(...p.runs.flatMap((x) => x.stepMs)))} | ${rx(Math.min(...b.runs.flatMap((x) => x.stepMs)) / Math.min(...p.runs.flatMap((x) => x.stepMs)))} |`,
    `| peak memory | ${mb(b.memory.uaSpecificBytes)} (measureUserAgentSpecificMemory: page + worker) | ${mb(p.peakRssBytes)} (ru_maxrss, whole process) | — |`,
    ...(r.ortNativeDit?.forwardMedianMs ? [`| DiT forward only: same \`dit.onnx\` on native ORT CPU (onnxruntime-node, ${r.ortNativeDit.threads} thread${r.ortNativeDit.threads > 1 ? 's' : ''}) | ${ms(r.ortNativeDit.forwardMedianMs)} | ${ms(p.median.ditMeanMs)} (PyTorch DiT forward) | ${rx(r.ortNativeDit.forwardMedianMs / p.median.ditMeanMs)} |`] : []),
    '',
    '',
    `Browser: time to first frame = first decoded VAE chunk handed to the encoder (streaming); decode includes the WebCodecs H.264 encode of each frame as it lands and excludes the MP4 finalize (\`mux\`). ` +
      `PyTorch: sample.py decodes the whole clip at once (first frame = all frames) and muxes with ffmpeg/libx264 in a subprocess; its DiT forward alone averages ${ms(p.median.ditMeanMs)} ms/step.`,
  ];
  return lines.join('\n');
}
