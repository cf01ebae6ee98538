// Canny edges with fixed thresholds, integer arithmetic: the twin of training/structure/canny.py (bit-identical;
// parity vectors in training/fixtures/structure/parity.json). See the Python file for the rules.
export const CANNY_LOW = 20;
export const CANNY_HIGH = 40;
const SCALE = 256; // the blur's weight sum: magnitudes carry it

const clampI = (v: number, n: number) => (v < 0 ? 0 : v >= n ? n - 1 : v);

/** RGB(A) bytes → integer luma (77 R + 150 G + 29 B + 128) >> 8. */
export function grayU8(rgb: Uint8Array | Uint8ClampedArray, w: number, h: number, channels = 3): Int32Array {
  const g = new Int32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const o = i * channels;
    g[i] = (77 * rgb[o] + 150 * rgb[o + 1] + 29 * rgb[o + 2] + 128) >> 8;
  }
  return g;
}

function blur(g: Int32Array, w: number, h: number): Float64Array {
  const k = [1, 4, 6, 4, 1];
  const v = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = 0; i < 5; i++) s += k[i] * g[clampI(y + i - 2, h) * w + x];
    v[y * w + x] = s;
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = 0; i < 5; i++) s += k[i] * v[y * w + clampI(x + i - 2, w)];
    out[y * w + x] = s;
  }
  return out;
}

/** Non-maximum-suppressed L1 Sobel magnitude (×256) of the blurred luma; the 1-px border is 0. */
export function cannyNms(g: Int32Array, w: number, h: number): Float64Array {
  const b = blur(g, w, h);
  const at = (y: number, x: number) => b[clampI(y, h) * w + clampI(x, w)];
  const gx = new Float64Array(w * h), gy = new Float64Array(w * h), mag = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    gx[i] = (at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1)) - (at(y - 1, x - 1) + 2 * at(y, x - 1) + at(y + 1, x - 1));
    gy[i] = (at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1)) - (at(y - 1, x - 1) + 2 * at(y - 1, x) + at(y - 1, x + 1));
    mag[i] = Math.abs(gx[i]) + Math.abs(gy[i]);
  }
  const m = (y: number, x: number) => (y < 0 || y >= h || x < 0 || x >= w ? 0 : mag[y * w + x]);
  const out = new Float64Array(w * h);
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const i = y * w + x;
    const ax = Math.abs(gx[i]), ay = Math.abs(gy[i]);
    let dy: number, dx: number;
    if (ay * 1000 <= ax * 414) { dy = 0; dx = 1; }
    else if (ay * 1000 >= ax * 2414) { dy = 1; dx = 0; }
    else if ((gx[i] > 0) === (gy[i] > 0)) { dy = 1; dx = 1; }
    else { dy = 1; dx = -1; }
    if (mag[i] > m(y + dy, x + dx) && mag[i] >= m(y - dy, x - dx)) out[i] = mag[i];
  }
  return out;
}

/** Edges 0/1 of one frame (RGB or RGBA bytes, row-major). */
export function cannyFrame(rgb: Uint8Array | Uint8ClampedArray, w: number, h: number, channels = 3,
  low = CANNY_LOW, high = CANNY_HIGH): Uint8Array {
  const n = cannyNms(grayU8(rgb, w, h, channels), w, h);
  const out = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let i = 0; i < w * h; i++) if (n[i] >= high * SCALE && !out[i]) { out[i] = 1; stack.push(i); }
  // hysteresis: weak pixels 8-connected to a strong one (a flood fill; the order does not change the result)
  while (stack.length) {
    const i = stack.pop()!;
    const y = Math.floor(i / w), x = i % w;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      const j = yy * w + xx;
      if (!out[j] && n[j] >= low * SCALE) { out[j] = 1; stack.push(j); }
    }
  }
  return out;
}
