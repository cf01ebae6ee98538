// The Haar split of the WF-VAE decoder chunk step (vae_split.json `decode_chunk`, written by
// training/export_vae.py): which chunk states vae_decoder_chunk_core.onnx carries, and, per chunk, how the
// IWT3D(w3) stream and the one-frame delay buffer are added into w2_pre's LL band. Pure functions (Node-testable);
// the WebGPU runner (vae-stream-webgpu.ts) turns the plan into WGSL dispatches.
import type { ChunkSchedule, ChunkStateSpec } from './vae-stream';

export interface ChunkCoreInfo {
  inputs: string[];
  outputs: string[];
  /** The states of vae_decoder_chunk.json the core graph carries (same names, shapes). */
  states: ChunkStateSpec[];
}

/** Validates vae_split.json's decode_chunk part against the chunk schedule. */
export function parseChunkCore(split: unknown, schedule: ChunkSchedule): ChunkCoreInfo {
  const s = split as { decode_chunk?: { state_indices?: unknown }; graphs?: Record<string, { inputs?: unknown; outputs?: unknown }> };
  const idx = s?.decode_chunk?.state_indices;
  const g = s?.graphs?.['vae_decoder_chunk_core.onnx'];
  if (!Array.isArray(idx) || !idx.every((i) => Number.isInteger(i) && i >= 0 && i < schedule.states.length)) {
    throw new Error('vae_split.json: decode_chunk.state_indices must list indices of vae_decoder_chunk.json states');
  }
  if (!g || !Array.isArray(g.inputs) || !Array.isArray(g.outputs)) throw new Error('vae_split.json: graphs lacks vae_decoder_chunk_core.onnx');
  const inputs = g.inputs as string[];
  const outputs = g.outputs as string[];
  for (const n of ['latent', 'is_first', 'is_last']) if (!inputs.includes(n)) throw new Error(`chunk core graph lacks input ${n}`);
  for (const n of ['w3', 'w2_pre', 'w1_pre']) if (!outputs.includes(n)) throw new Error(`chunk core graph lacks output ${n}`);
  const states = (idx as number[]).map((i) => schedule.states[i]);
  for (const st of states) {
    if (!inputs.includes(st.input) || !outputs.includes(st.output)) throw new Error(`chunk core graph lacks state ${st.input}/${st.output}`);
  }
  return { inputs, outputs, states };
}

/** One frame-window add into w2's LL band: w2[dstOffset + f] += (delay | s3)[srcOffset + f], f < frames. */
export interface LLAdd {
  src: 'delay' | 's3';
  srcOffset: number;
  dstOffset: number;
  frames: number;
}

export interface ChunkHaarPlan {
  /** Frames of s3 = IWT3D(w3) with the first frame kept (2m). */
  s3Frames: number;
  /** seq = concat(delay, s3): the window [start, start + T2) is added into w2's LL band. */
  start: number;
  adds: LLAdd[];
  /** The s3 frame kept as the next chunk's delay. */
  delayFrame: number;
  /** IWT3D(w1) drops its first frame (chunk 0 only). */
  dropFirst: boolean;
  /** Pixel frames of the chunk. */
  videoFrames: number;
}

/**
 * The Haar steps of chunk `chunkIndex` whose core outputs have `w3Frames` (m) and `w2Frames` (T2) frames.
 * start = 2 on chunk 0 (skip the delay slot and the duplicated first frame), 1 on chunk 1 (chunk 0 held nothing
 * back), 0 later (the delayed frame first).
 */
export function chunkHaarPlan(chunkIndex: number, w3Frames: number, w2Frames: number): ChunkHaarPlan {
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0) throw new RangeError(`chunk index must be ≥ 0, got ${chunkIndex}`);
  if (!Number.isInteger(w3Frames) || w3Frames < 1 || !Number.isInteger(w2Frames) || w2Frames < 1) {
    throw new RangeError(`chunk ${chunkIndex}: bad core frame counts w3 ${w3Frames}, w2 ${w2Frames}`);
  }
  const s3Frames = 2 * w3Frames;
  const start = chunkIndex === 0 ? 2 : chunkIndex === 1 ? 1 : 0;
  if (start + w2Frames > 1 + s3Frames) {
    throw new RangeError(`chunk ${chunkIndex}: w2_pre has ${w2Frames} frames but the IWT3D(w3) stream gives only ${1 + s3Frames - start}`);
  }
  const adds: LLAdd[] = start === 0
    ? [{ src: 'delay', srcOffset: 0, dstOffset: 0, frames: 1 }, ...(w2Frames > 1 ? [{ src: 's3' as const, srcOffset: 0, dstOffset: 1, frames: w2Frames - 1 }] : [])]
    : [{ src: 's3', srcOffset: start - 1, dstOffset: 0, frames: w2Frames }];
  const dropFirst = chunkIndex === 0;
  return { s3Frames, start, adds, delayFrame: s3Frames - 1, dropFirst, videoFrames: 2 * w2Frames - (dropFirst ? 1 : 0) };
}
