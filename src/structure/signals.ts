// The controller's input, as training/structure/signals.py builds it: [2, T, H, W] float32 — channel 0 the signal
// in [0, 1], channel 1 "this frame carries structure" (uncontrolled frames are all-zero in both).
export const STRUCTURE_TYPES = ['canny', 'sketch', 'mask'] as const;
export type StructureType = (typeof STRUCTURE_TYPES)[number];

/** 'all' | 'first' | 'none' | '0,8,16' → sorted frame indices (throws on an index outside 0..frames−1). */
export function parseStructureFrames(spec: string, frames: number): number[] {
  const s = (spec || 'all').trim();
  if (s === 'all') return Array.from({ length: frames }, (_, i) => i);
  if (s === 'first') return [0];
  if (s === 'none') return [];
  const idx = [...new Set(s.split(',').filter((v) => v.trim() !== '').map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n)) throw new Error(`structure frame ${JSON.stringify(v)} is not an integer`);
    return n;
  }))].sort((a, b) => a - b);
  const bad = idx.filter((i) => i < 0 || i >= frames);
  if (bad.length) throw new Error(`structure frames ${bad.join(',')} outside 0..${frames - 1}`);
  return idx;
}

/** signal [T·H·W] + controlled frames → the 2-channel structure video [2·T·H·W]. */
export function structureVideo(signal: Float32Array | Uint8Array, frames: number, h: number, w: number,
  controlled: number[]): Float32Array {
  const hw = h * w;
  const out = new Float32Array(2 * frames * hw);
  for (const t of controlled) {
    if (t >= frames) continue;
    for (let i = 0; i < hw; i++) {
      out[t * hw + i] = signal[t * hw + i];
      out[(frames + t) * hw + i] = 1;
    }
  }
  return out;
}

export const structureTypeId = (t: StructureType): number => STRUCTURE_TYPES.indexOf(t);
