// Spatially tiled VAE decode on top of the causal temporal chunks (issue #32): a `VaeChunkRunner`, so streamDecode
// (vae-stream.ts) drives it like the whole-frame runner. Per chunk: vae_decoder_chunk_head.onnx (conv_in + mid, with
// the mid block's frame-global attention, at latent resolution) on the whole frame, then vae_decoder_chunk_tail.onnx
// (everything else: local ops, the 2×/4× activations that dominate memory) tile by tile, each tile with its own causal
// state, the tiles cross-faded (tile-grid.ts). Exact up to float rounding once the unused margin covers the tail's
// receptive field — vae_decoder_tiles.json's `margin`, measured by training/tiled_vae_report.py.
// Graph layout and schedule: training/export_vae_tiles.py; PyTorch reference: training/tiled_vae.py.
import { axisWeights, tileOverlap, tileSpans } from '../core/tile-grid';
import { stateDims, type ChunkSchedule, type OrtSessionLike, type OrtTensorFactory, type OrtTensorLike, type TensorF32, type VaeChunkRunner } from './vae-stream';

export interface TilesInfo {
  /** Indices into vae_decoder_chunk.json's states carried by the head / tail graph. */
  headStates: number[];
  tailStates: number[];
  headChannels: number;
  /** Latent cells beside each cut that the blend must not use. */
  margin: number;
}

/** Validates vae_decoder_tiles.json against the chunk schedule. */
export function parseTilesInfo(json: unknown, schedule: ChunkSchedule): TilesInfo {
  const j = json as { head_states?: unknown; tail_states?: unknown; head_channels?: unknown; margin?: unknown };
  const idx = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || !v.every((i) => Number.isInteger(i) && i >= 0 && i < schedule.states.length)) {
      throw new Error(`vae_decoder_tiles.json: ${what} must list indices of vae_decoder_chunk.json states`);
    }
    return v as number[];
  };
  const headStates = idx(j?.head_states, 'head_states');
  const tailStates = idx(j?.tail_states, 'tail_states');
  if (headStates.length + tailStates.length !== schedule.states.length || new Set([...headStates, ...tailStates]).size !== schedule.states.length) {
    throw new Error('vae_decoder_tiles.json: head_states and tail_states must split the chunk states between them');
  }
  if (!Number.isInteger(j.head_channels) || (j.head_channels as number) < 1) throw new Error('vae_decoder_tiles.json: head_channels must be a positive integer');
  if (!Number.isInteger(j.margin) || (j.margin as number) < 0) throw new Error('vae_decoder_tiles.json: margin must be an integer ≥ 0');
  return { headStates, tailStates, headChannels: j.head_channels as number, margin: j.margin as number };
}

export interface TileOptions {
  /** Tile edge in latent cells (tiles are square; a frame that fits in one tile is decoded whole). */
  tile: number;
  /** Cross-fade width in latent cells (default 2, less if the tile is small); the overlap is 2·margin + blend. */
  blend?: number;
}

export interface TiledState<T> {
  head: Record<string, T>;
  tiles: Record<string, T>[];
  ys: [number, number][];
  xs: [number, number][];
  h: number;
  w: number;
}

const SCALE = 8; // pixels per latent cell (WF-VAE: 2× Haar · 2× up2 · 2× up1)

/** Latent cells [y0, y1) × [x0, x1) of a [1, C, T, h, w] tensor. */
function crop(src: TensorF32, y0: number, y1: number, x0: number, x1: number): TensorF32 {
  const [, c, t, h, w] = src.dims;
  const th = y1 - y0;
  const tw = x1 - x0;
  const out = new Float32Array(c * t * th * tw);
  for (let p = 0; p < c * t; p++) {
    for (let y = 0; y < th; y++) out.set(src.data.subarray((p * h + y0 + y) * w + x0, (p * h + y0 + y) * w + x1), (p * th + y) * tw);
  }
  return { data: out, dims: [1, c, t, th, tw] };
}

async function cpu(t: OrtTensorLike): Promise<Float32Array> {
  const d = t.getData ? await t.getData() : t.data;
  if (!(d instanceof Float32Array)) throw new Error('expected a float32 tensor');
  return d;
}

/** A tiled `VaeChunkRunner` over ORT sessions of the head and tail graphs. */
export function tiledChunkRunner<T extends OrtTensorLike>(
  head: OrtSessionLike<T>, tail: OrtSessionLike<T>, tensor: OrtTensorFactory<T>, schedule: ChunkSchedule, info: TilesInfo, o: TileOptions,
): VaeChunkRunner<TiledState<T>> {
  // Default cross-fade 2 cells, narrower when the tile leaves less room beside the two margins.
  const blend = o.blend ?? Math.max(0, Math.min(2, o.tile - 1 - 2 * info.margin));
  const overlap = tileOverlap(info.margin, blend);
  if (!Number.isInteger(o.tile) || o.tile <= overlap) throw new RangeError(`VAE tile must be an integer > the overlap ${overlap} (2·margin ${info.margin} + blend ${blend}), got ${o.tile}`);
  const zeros = (idx: number[], h: number, w: number): Record<string, T> => {
    const st: Record<string, T> = {};
    for (const i of idx) {
      const dims = stateDims(schedule.states[i], h, w);
      st[schedule.states[i].input] = tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    }
    return st;
  };
  const collect = (out: Record<string, T>, idx: number[]): Record<string, T> => {
    const next: Record<string, T> = {};
    for (const i of idx) {
      const s = schedule.states[i];
      const t = out[s.output];
      if (!t) throw new Error(`tiled VAE graph returned no ${s.output}`);
      next[s.input] = t;
    }
    return next;
  };
  const flag = (on: boolean) => tensor(new Float32Array([on ? 1 : 0]), [1]);
  return {
    initialState(h, w) {
      const ys = tileSpans(h, o.tile, overlap);
      const xs = tileSpans(w, o.tile, overlap);
      const tiles = ys.flatMap(([y0, y1]) => xs.map(([x0, x1]) => zeros(info.tailStates, y1 - y0, x1 - x0)));
      return { head: zeros(info.headStates, h, w), tiles, ys, xs, h, w };
    },
    async step(latent, isFirst, isLast, state) {
      const hOut = await head.run({ ...state.head, latent: tensor(latent.data, latent.dims), is_first: flag(isFirst) });
      if (!hOut.head) throw new Error('head graph returned no head');
      const hd: TensorF32 = { data: await cpu(hOut.head), dims: [...hOut.head.dims] };
      hOut.head.dispose?.();
      const wy = axisWeights(state.ys, state.h, SCALE, blend);
      const wx = axisWeights(state.xs, state.w, SCALE, blend);
      const H = state.h * SCALE;
      const W = state.w * SCALE;
      let acc: Float32Array | null = null;
      let frames = 0;
      const tiles: Record<string, T>[] = [];
      let k = 0;
      for (let i = 0; i < state.ys.length; i++) {
        for (let j = 0; j < state.xs.length; j++, k++) {
          const [y0, y1] = state.ys[i];
          const [x0, x1] = state.xs[j];
          const part = crop(hd, y0, y1, x0, x1);
          const out = await tail.run({ ...state.tiles[k], head: tensor(part.data, part.dims), is_first: flag(isFirst), is_last: flag(isLast) });
          tiles.push(collect(out, info.tailStates));
          if (!out.video) throw new Error('tail graph returned no video');
          const v = await cpu(out.video);
          const [, , f, th, tw] = out.video.dims;
          out.video.dispose?.();
          if (th !== (y1 - y0) * SCALE || tw !== (x1 - x0) * SCALE) throw new Error(`tail graph gave a ${th}×${tw} tile for ${y1 - y0}×${x1 - x0} latent cells`);
          acc ??= new Float32Array(3 * f * H * W);
          frames = f;
          for (let c = 0; c < 3 * f; c++) {
            for (let y = 0; y < th; y++) {
              const wyv = wy[i][y];
              if (wyv === 0) continue;
              const src = (c * th + y) * tw;
              const dst = (c * H + y0 * SCALE + y) * W + x0 * SCALE;
              for (let x = 0; x < tw; x++) acc[dst + x] += v[src + x] * wyv * wx[j][x];
            }
          }
        }
      }
      return { video: { data: acc!, dims: [1, 3, frames, H, W] }, state: { ...state, head: collect(hOut, info.headStates), tiles } };
    },
    release(state) {
      for (const t of Object.values(state.head)) t.dispose?.();
      for (const tile of state.tiles) for (const t of Object.values(tile)) t.dispose?.();
    },
  };
}
