// Figures of the soak series (scripts/soak.mjs): growth numbers and a hand-written SVG plot (no dependencies).

const METRICS = [
  { key: 'pageMB', title: 'Page JS heap (MB)', get: (s) => s.mem.pageBytes / 1e6, color: '#1f77b4' },
  { key: 'workerMB', title: 'Worker JS + wasm (MB)', get: (s) => s.mem.workerBytes / 1e6, color: '#d62728' },
  { key: 'gpuMB', title: 'Live GPU bytes (MB)', get: (s) => s.gpu.liveBytes / 1e6, color: '#2ca02c' },
  { key: 'gpuBuffers', title: 'Live GPU buffers', get: (s) => s.gpu.liveBuffers, color: '#9467bd' },
  { key: 'workers', title: 'Workers', get: (s) => s.workers, color: '#8c564b' },
];

/** Least-squares line through ys over their index: slope, its standard error, and the residual sd (the noise). */
export function fitLine(ys) {
  const n = ys.length;
  if (n < 3) return { slope: 0, stderr: 0, sd: 0 };
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  const slope = sxy / sxx;
  const sse = ys.reduce((a, y, i) => a + (y - my - slope * (i - mx)) ** 2, 0);
  const sd = Math.sqrt(sse / (n - 2));
  return { slope, stderr: sd / Math.sqrt(sxx), sd };
}

/**
 * Per metric: the value after the first generation (warm: ORT's pools and the JIT are filled), at the end, the change,
 * the max; the per-job slope (± its standard error) over the warm part and over its last half (after any warm-up
 * drift), and the noise (residual sd around the warm-part line). "Flat" = slope within ~2 standard errors of 0.
 */
export function trend(samples) {
  const warm = samples.findIndex((s) => s.kind === 'generate');
  const part = samples.slice(Math.max(0, warm));
  const out = {};
  const r = (x, d = 1e6) => Math.round(x * d) / d;
  for (const m of METRICS) {
    const ys = part.map(m.get);
    const all = fitLine(ys);
    const half = fitLine(ys.slice(Math.floor(ys.length / 2)));
    out[m.key] = {
      warm: r(ys[0]),
      end: r(ys.at(-1)),
      change: r(ys.at(-1) - ys[0]),
      max: r(Math.max(...ys)),
      slope: { perJob: r(all.slope), stderr: r(all.stderr) },
      lastHalf: { perJob: r(half.slope), stderr: r(half.stderr) },
      noiseSd: r(all.sd),
    };
  }
  return out;
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

function panel(x0, y0, w, h, samples, m) {
  const ys = samples.map(m.get);
  let lo = Math.min(0, ...ys);
  let hi = Math.max(...ys);
  if (hi - lo < 1e-9) hi = lo + 1;
  hi += (hi - lo) * 0.08;
  const X = (i) => x0 + (i / Math.max(1, samples.length - 1)) * w;
  const Y = (y) => y0 + h - ((y - lo) / (hi - lo)) * h;
  const pts = ys.map((y, i) => `${X(i).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
  const marks = samples
    .map((s, i) => (s.kind === 'cancel' ? `<circle cx="${X(i).toFixed(1)}" cy="${Y(ys[i]).toFixed(1)}" r="2.5" fill="none" stroke="#ff7f0e"/>` : ''))
    .join('');
  return [
    `<text x="${x0}" y="${y0 - 6}" class="t">${esc(m.title)}</text>`,
    `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#bbb"/>`,
    `<text x="${x0 - 4}" y="${Y(hi) + 9}" class="a" text-anchor="end">${fmt(hi)}</text>`,
    `<text x="${x0 - 4}" y="${Y(lo)}" class="a" text-anchor="end">${fmt(lo)}</text>`,
    `<text x="${x0}" y="${y0 + h + 12}" class="a">load</text>`,
    `<text x="${x0 + w}" y="${y0 + h + 12}" class="a" text-anchor="end">#${samples.length - 2}</text>`,
    `<polyline points="${pts}" fill="none" stroke="${m.color}" stroke-width="1.5"/>`,
    marks,
  ].join('\n');
}

/** One row per backend, one panel per metric; orange rings mark cancelled jobs. */
export function soakSvg(results) {
  const pw = 170;
  const ph = 90;
  const gapX = 62;
  const rowH = ph + 70;
  const W = 40 + METRICS.length * (pw + gapX);
  const H = 30 + results.length * rowH;
  const rows = results.map((r, k) => {
    const y = 30 + k * rowH;
    const label = `${r.backend}: ${r.generations} generations + ${r.cancels} cancels in one page (${r.request.frames}×${r.request.width}×${r.request.height}, ${r.request.steps} steps), ${r.failures} failed`;
    return [`<text x="10" y="${y + 8}" class="h">${esc(label)}</text>`, ...METRICS.map((m, j) => panel(50 + j * (pw + gapX), y + 32, pw, ph, r.samples, m))].join('\n');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<style>.t{font-size:11px;fill:#333}.a{font-size:9px;fill:#666}.h{font-size:12px;font-weight:bold;fill:#111}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="16" class="a">x: soak iteration (load, then each generation / cancel); values after a forced GC. Orange rings: cancelled jobs.</text>
${rows.join('\n')}
</svg>
`;
}
