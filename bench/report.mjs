// Markdown tables for docs/BENCHMARKS.md from a kernel benchmark result.
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export function renderKernelTables(r, file) {
  const lines = [];
  lines.push(`#### ${r.adapterLabel} — ${r.date.slice(0, 10)} (median of ${r.reps} runs; raw: \`${file}\`)`, '');
  lines.push('Skiparse attention, ours vs ORT WebGPU EP running the same math as an ONNX graph (same device, IO-bound GPU buffers):', '');
  lines.push('| config | tokens | B×heads×dim | mode | ours ms | ORT ms | ORT/ours | max abs diff |', '|---|---|---|---|---|---|---|---|');
  for (const a of r.attention) {
    lines.push(`| ${a.config} | ${a.tokens} | ${a.batch}×${a.heads}×${a.headDim} | ${a.mode}${a.mode === 'dense' ? '' : ` k=${a.k}`}${a.kernel ? ` (${a.kernel})` : ''} | ${f(a.oursMs)} | ${f(a.ortMs)} | **${f(a.ortOverOurs)}×** | ${a.maxAbsDiffVsOrt.toExponential(1)} |`);
  }
  lines.push('', 'Skiparse vs our own dense mode (same kernel, dense index rule):', '');
  lines.push('| config | tokens | k | dense/single | dense/group |', '|---|---|---|---|---|');
  for (const d of r.denseOverSkiparse) lines.push(`| ${d.config}${d.kernel ? ` (${d.kernel})` : ''} | ${d.tokens} | ${d.k} | **${f(d.singleSpeedup)}×** | **${f(d.groupSpeedup)}×** |`);
  lines.push('', 'Haar wavelet (3D, upstream WF-VAE layout) vs ORT Conv/ConvTranspose and vs a plain copy of the same bytes:', '');
  lines.push('| config | op | ours ms | ORT ms | copy ms | ORT/ours | % of copy bandwidth | ours GB/s | max abs diff |', '|---|---|---|---|---|---|---|---|---|');
  for (const h of r.haar) {
    lines.push(`| ${h.config} | ${h.op} | ${f(h.oursMs, 3)} | ${f(h.ortMs, 3)} | ${f(h.copyMs, 3)} | **${f(h.ortOverOurs)}×** | **${f(100 * h.fractionOfCopyBandwidth, 0)}%** | ${f(h.oursGBps, 2)} | ${h.maxAbsDiffVsOrt.toExponential(1)} |`);
  }
  if (r.addFrames?.length) {
    lines.push('', 'add_frames (the VAE decoder\'s LL-band sums) vs a plain copy of the same bytes (read src, read + write dst):', '');
    lines.push('| config | elements | ours ms | copy ms | % of copy bandwidth | ours GB/s | max abs diff vs CPU |', '|---|---|---|---|---|---|---|');
    for (const a of r.addFrames) {
      lines.push(`| ${a.config} | ${a.elements} | ${f(a.oursMs, 3)} | ${f(a.copyMs, 3)} | **${f(100 * a.fractionOfCopyBandwidth, 0)}%** | ${f(a.oursGBps, 2)} | ${a.maxAbsDiffVsCpu.toExponential(1)} |`);
    }
  }
  return lines.join('\n');
}
