// Parity cases of the Haar kernels against the CPU reference (reference.ts), run by e2e/kernels-haar.spec.ts through
// e2e/harness/haar.ts (SwiftShader there: shapes stay small). Pure data (Node and the page import it).
import type { VideoShape } from './haar';

export type HaarOp = 'forward3d' | 'inverse3d' | 'forward2d' | 'inverse2d';

export interface ParityCase {
  op: HaarOp;
  shape: VideoShape; // input shape of the op (coefficients for the inverses)
  /** firstChunk (forward3d) / dropFirstFrame (inverse3d); ignored by the 2D ops. */
  flag?: boolean;
  seed: number;
  coefficient3d?: number;
  /** Forces a small per-dimension workgroup cap so the 2D-dispatch path runs. */
  maxWorkgroupsPerDimension?: number;
}

const EXACT = 1 / (2 * Math.SQRT2);

export function parityCases(): ParityCase[] {
  const Cs = [1, 3, 8, 24];
  const Ts = [1, 3, 5, 17];
  const HWs = [[2, 2], [6, 10], [16, 16], [34, 18]];
  const cases: ParityCase[] = [];
  let seed = 1;
  // Every (C, T) pair once, with the spatial size and batch rotating so each appears with several C and T.
  for (let ci = 0; ci < Cs.length; ci++) {
    for (let ti = 0; ti < Ts.length; ti++) {
      const [H, W] = HWs[(ci + ti) % HWs.length];
      const B = 1 + ((ci + (ti >> 1)) % 2);
      const C = Cs[ci];
      const T = Ts[ti];
      const coeffFrames = (T + 1) / 2;
      cases.push(
        { op: 'forward3d', shape: { batch: B, channels: C, frames: T, height: H, width: W }, flag: true, seed: seed++ },
        { op: 'forward3d', shape: { batch: B, channels: C, frames: T + 1, height: H, width: W }, flag: false, seed: seed++ },
        { op: 'inverse3d', shape: { batch: B, channels: 8 * C, frames: coeffFrames, height: H / 2, width: W / 2 }, flag: true, seed: seed++ },
        { op: 'inverse3d', shape: { batch: B, channels: 8 * C, frames: coeffFrames, height: H / 2, width: W / 2 }, flag: false, seed: seed++ },
        { op: 'forward2d', shape: { batch: B, channels: C, frames: T, height: H, width: W }, seed: seed++ },
        { op: 'inverse2d', shape: { batch: B, channels: 4 * C, frames: T, height: H / 2, width: W / 2 }, seed: seed++ },
      );
    }
  }
  // The exact 1/(2√2) coefficient.
  const s = { batch: 2, channels: 3, frames: 5, height: 6, width: 10 };
  cases.push(
    { op: 'forward3d', shape: s, flag: true, seed: seed++, coefficient3d: EXACT },
    { op: 'inverse3d', shape: { ...s, channels: 24, frames: 3, height: 3, width: 5 }, flag: true, seed: seed++, coefficient3d: EXACT },
  );
  // 2D dispatch (workgroup cap 3 per dimension; the last row of workgroups is partly out of range).
  for (const [op, shape, flag] of [
    ['forward3d', s, true],
    ['forward3d', { ...s, frames: 4 }, false],
    ['inverse3d', { ...s, channels: 24, frames: 3, height: 3, width: 5 }, true],
    ['inverse3d', { ...s, channels: 24, frames: 3, height: 3, width: 5 }, false],
    ['forward2d', s, undefined],
    ['inverse2d', { ...s, channels: 12, height: 3, width: 5 }, undefined],
  ] as const) {
    cases.push({ op, shape, flag, seed: seed++, maxWorkgroupsPerDimension: 3 });
  }
  return cases;
}

