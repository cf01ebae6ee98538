// The WF-VAE on WebGPU with the Haar transforms as our WGSL kernels between ORT graphs (issue #5), on one GPUDevice
// shared with ORT's native WebGPU EP:
// - decode (`WebGpuVaeChunkRunner`, a VaeChunkRunner for streamDecode): per chunk vae_decoder_chunk_core.onnx
//   (GPU-buffer outputs w3, w2_pre, w1_pre + state), then the Haar steps of vae_split.json decode_chunk as WGSL
//   dispatches on those very buffers: IWT3D(w3) → s3; w2_pre's LL band += [delay, s3] window (add_frames.wgsl);
//   the delay buffer (a GPU buffer of the state) ← last s3 frame; IWT2D(w2) → w1_pre's LL band; IWT3D(w1) → video.
//   The chunk state never leaves the GPU; the one read-back per chunk is the video.
// - encode (`WebGpuVaeEncoder`, the image condition): video upload → haar3d → w1, haar2d(w1 LL) → w2,
//   haar3d(w2 LL) → w3 (WGSL) → vae_encoder_core.onnx with GPU-buffer inputs → latent (CPU output).
// With B = 1 the LL band (channels 0..2) is the first 3·T·H·W floats of a buffer, so kernels bind it directly.
import type * as ortTypes from 'onnxruntime-web';
import { alignedBytes, tensorUsage, VEC4_ALIGN } from '../gpu/buffers';
import { AddFramesKernel } from '../kernels/add-frames/add-frames';
import { HaarKernels, haar2dForwardShape, haar3dForwardShape, type VideoShape } from '../kernels/haar/haar';
import { chunkHaarPlan, type ChunkCoreInfo } from './vae-split';
import { stateDims, type TensorF32, type VaeChunkRunner } from './vae-stream';

type Tensor = ortTypes.Tensor;
type TensorCtor = typeof ortTypes.Tensor;
interface SessionLike {
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
}

const usage = tensorUsage;
/** ORT's WebGPU EP works on 16-byte multiples; keep our tensor buffers so. */
const bytesFor = (elements: number): number => alignedBytes(elements * 4, VEC4_ALIGN);
const count = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** What ran on the GPU: WGSL dispatches by kernel, ORT graph runs, read-backs (tests check the kernels ran). */
export interface VaeGpuCounts {
  inverse3d: number;
  inverse2d: number;
  forward3d: number;
  forward2d: number;
  addFrames: number;
  graphRuns: number;
  readBacks: number;
}

export const zeroVaeGpuCounts = (): VaeGpuCounts => ({ inverse3d: 0, inverse2d: 0, forward3d: 0, forward2d: 0, addFrames: 0, graphRuns: 0, readBacks: 0 });

/** The temporary buffers of one step, destroyed together once its read-back is done (no buffers outlive a step). */
class StepBuffers {
  private readonly bufs: GPUBuffer[] = [];
  constructor(private readonly device: GPUDevice) {}
  get(label: string, elements: number, use = usage()): GPUBuffer {
    const b = this.device.createBuffer({ label: `vae ${label}`, size: bytesFor(elements), usage: use });
    this.bufs.push(b);
    return b;
  }
  destroy(): void {
    for (const b of this.bufs) b.destroy();
    this.bufs.length = 0;
  }
}

/** Copies `elements` f32 of `src` to the CPU (one staging copy + map). */
async function readBack(device: GPUDevice, tmp: StepBuffers, src: GPUBuffer, elements: number): Promise<Float32Array> {
  const staging = tmp.get('staging', elements, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  const enc = device.createCommandEncoder({ label: 'vae read-back' });
  enc.copyBufferToBuffer(src, 0, staging, 0, bytesFor(elements));
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ, 0, bytesFor(elements));
  const out = new Float32Array(staging.getMappedRange(0, bytesFor(elements)).slice(0, elements * 4));
  staging.unmap();
  return out;
}

/** The GPU-resident state of the chunk loop: the core graph's state tensors, the W3 delay buffer, the chunk index. */
export interface WebGpuChunkState {
  tensors: Record<string, Tensor>;
  /** Buffers this state created itself (the zero initial state), destroyed with it. */
  owned: GPUBuffer[];
  delay: GPUBuffer;
  chunk: number;
}

export class WebGpuVaeChunkRunner implements VaeChunkRunner<WebGpuChunkState> {
  private readonly haar: HaarKernels;
  private readonly add: AddFramesKernel;

  /** `session`: vae_decoder_chunk_core.onnx on the WebGPU EP of `device` with preferredOutputLocation 'gpu-buffer'. */
  constructor(
    private readonly device: GPUDevice,
    private readonly session: SessionLike,
    private readonly Tensor: TensorCtor,
    private readonly core: ChunkCoreInfo,
    /** Dispatch counters (may be shared with an encoder, e.g. the engine's diagnostics). */
    readonly counts: VaeGpuCounts = zeroVaeGpuCounts(),
  ) {
    this.haar = new HaarKernels(device);
    this.add = new AddFramesKernel(device);
  }

  private zeros(elements: number, label: string): GPUBuffer {
    return this.device.createBuffer({ label, size: bytesFor(elements), usage: usage() }); // WebGPU zero-fills
  }

  initialState(h: number, w: number): WebGpuChunkState {
    const tensors: Record<string, Tensor> = {};
    const owned: GPUBuffer[] = [];
    for (const s of this.core.states) {
      const dims = stateDims(s, h, w);
      const buf = this.zeros(count(dims), `vae state ${s.input}`);
      owned.push(buf);
      tensors[s.input] = this.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims });
    }
    const delay = this.zeros(3 * 4 * h * w, 'vae delay.w3');
    owned.push(delay);
    return { tensors, owned, delay, chunk: 0 };
  }

  async step(latent: TensorF32, isFirst: boolean, isLast: boolean, state: WebGpuChunkState): Promise<{ video: TensorF32; state: WebGpuChunkState }> {
    if (isFirst !== (state.chunk === 0)) throw new Error(`chunk ${state.chunk}: is_first=${isFirst} does not match the chunk index`);
    const [b, , , h, w] = latent.dims;
    if (b !== 1) throw new RangeError(`the WebGPU VAE decodes batch 1, got ${b}`);
    // Inputs uploaded into buffers of this step (not ORT's pool), so the pool's size is the same every job.
    const tmp = new StepBuffers(this.device);
    const upload = (data: Float32Array, dims: readonly number[]): Tensor => {
      const buf = tmp.get('input', data.length);
      this.device.queue.writeBuffer(buf, 0, data);
      return this.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims });
    };
    let out: Record<string, Tensor>;
    try {
      out = await this.session.run({
        ...state.tensors,
        latent: upload(latent.data, latent.dims),
        is_first: upload(new Float32Array([isFirst ? 1 : 0]), [1]),
        is_last: upload(new Float32Array([isLast ? 1 : 0]), [1]),
      });
    } catch (e) {
      tmp.destroy();
      throw e;
    }
    this.counts.graphRuns++;
    let delay: GPUBuffer | null = null;
    try {
      const next: Record<string, Tensor> = {};
      for (const s of this.core.states) {
        if (!out[s.output]) throw new Error(`chunk core graph returned no ${s.output}`);
        next[s.input] = out[s.output];
      }
      const { w3, w2_pre: w2, w1_pre: w1 } = out;
      if (!w3 || !w2 || !w1) throw new Error('chunk core graph returned no w3 / w2_pre / w1_pre');
      const gpu = (t: Tensor): GPUBuffer => {
        if (t.location !== 'gpu-buffer') throw new Error('chunk core session must keep its outputs on the GPU (gpuOutputs)');
        return t.gpuBuffer as GPUBuffer;
      };
      const m = w3.dims[2];
      const T2 = w2.dims[2];
      if (w3.dims[3] !== h || w3.dims[4] !== w || w1.dims[2] !== T2) throw new Error(`chunk core outputs ${JSON.stringify([w3.dims, w2.dims, w1.dims])} do not fit latent ${h}×${w}`);
      const plan = chunkHaarPlan(state.chunk, m, T2);
      const plane2 = 4 * h * w;
      const s3 = tmp.get('s3', 3 * plan.s3Frames * plane2);
      const s2 = tmp.get('s2', 3 * T2 * 16 * h * w);
      const video = tmp.get('video', 3 * plan.videoFrames * 64 * h * w);
      delay = this.zeros(3 * plane2, 'vae delay.w3');

      // ORT has submitted the core graph's work to the shared queue when run() resolves; ours follows it.
      const enc = this.device.createCommandEncoder({ label: `vae chunk ${state.chunk} haar` });
      this.haar.encodeInverse3D(enc, { batch: 1, channels: 24, frames: m, height: h, width: w }, gpu(w3), s3, false);
      this.counts.inverse3d++;
      for (const a of plan.adds) {
        const fromDelay = a.src === 'delay';
        this.add.encode(enc, {
          batch: 1, channels: 3, frames: a.frames, plane: plane2,
          dst: { channels: 12, frames: T2, offset: a.dstOffset },
          src: { channels: 3, frames: fromDelay ? 1 : plan.s3Frames, offset: a.srcOffset },
        }, fromDelay ? state.delay : s3, gpu(w2));
        this.counts.addFrames++;
      }
      for (let c = 0; c < 3; c++) {
        enc.copyBufferToBuffer(s3, (c * plan.s3Frames + plan.delayFrame) * plane2 * 4, delay, c * plane2 * 4, plane2 * 4);
      }
      this.haar.encodeInverse2D(enc, { batch: 1, channels: 12, frames: T2, height: 2 * h, width: 2 * w }, gpu(w2), s2);
      this.counts.inverse2d++;
      this.add.encode(enc, {
        batch: 1, channels: 3, frames: T2, plane: 16 * h * w,
        dst: { channels: 24, frames: T2, offset: 0 }, src: { channels: 3, frames: T2, offset: 0 },
      }, s2, gpu(w1));
      this.counts.addFrames++;
      this.haar.encodeInverse3D(enc, { batch: 1, channels: 24, frames: T2, height: 4 * h, width: 4 * w }, gpu(w1), video, plan.dropFirst);
      this.counts.inverse3d++;
      this.device.queue.submit([enc.finish()]);
      for (const t of [w3, w2, w1]) t.dispose(); // back to ORT's pool; its next use is queued after our dispatches

      const dims = [1, 3, plan.videoFrames, 8 * h, 8 * w];
      const data = await readBack(this.device, tmp, video, count(dims));
      this.counts.readBacks++;
      const nextState: WebGpuChunkState = { tensors: next, owned: [delay], delay, chunk: state.chunk + 1 };
      delay = null; // owned by the new state now
      return { video: { data, dims }, state: nextState };
    } catch (e) {
      for (const t of Object.values(out)) t.dispose();
      throw e;
    } finally {
      tmp.destroy();
      delay?.destroy();
    }
  }

  release(state: WebGpuChunkState): void {
    for (const t of Object.values(state.tensors)) t.dispose();
    for (const b of state.owned) b.destroy();
    state.tensors = {};
    state.owned = [];
  }

  /** Frees the kernels' cached uniforms (the session is released by its owner). */
  destroy(): void {
    this.haar.destroy();
    this.add.destroy();
  }
}

/**
 * The VAE encoder on WebGPU: forward Haar kernels → vae_encoder_core.onnx (GPU-buffer inputs; its session keeps
 * CPU outputs). `encode(video [1,3,T,H,W] in [−1,1])` → scaled latent, like vae_encoder.onnx's `latent`.
 */
export class WebGpuVaeEncoder {
  private readonly haar: HaarKernels;

  constructor(
    private readonly device: GPUDevice,
    private readonly session: SessionLike,
    private readonly Tensor: TensorCtor,
    readonly counts: VaeGpuCounts = zeroVaeGpuCounts(),
  ) {
    this.haar = new HaarKernels(device);
  }

  async encode(video: Float32Array, dims: readonly number[]): Promise<Float32Array> {
    const [b, c, T, H, W] = dims;
    if (dims.length !== 5 || b !== 1 || c !== 3) throw new RangeError(`the WebGPU VAE encoder takes [1, 3, T, H, W], got ${JSON.stringify(dims)}`);
    if (video.length !== count(dims)) throw new RangeError(`video has ${video.length} values, ${JSON.stringify(dims)} needs ${count(dims)}`);
    const vShape: VideoShape = { batch: 1, channels: 3, frames: T, height: H, width: W };
    const s1 = haar3dForwardShape(vShape, true);
    const ll1: VideoShape = { ...s1, channels: 3 };
    const s2 = haar2dForwardShape(ll1);
    const ll2: VideoShape = { ...s2, channels: 3 };
    const s3 = haar3dForwardShape(ll2, true);
    const owned: GPUBuffer[] = [];
    const buffer = (elements: number, label: string): GPUBuffer => {
      const buf = this.device.createBuffer({ label, size: bytesFor(elements), usage: usage() });
      owned.push(buf);
      return buf;
    };
    try {
      const input = buffer(video.length, 'vae enc video');
      this.device.queue.writeBuffer(input, 0, video);
      const dimsOf = (s: VideoShape): number[] => [s.batch, s.channels, s.frames, s.height, s.width];
      const w1 = buffer(count(dimsOf(s1)), 'vae enc w1');
      const w2 = buffer(count(dimsOf(s2)), 'vae enc w2');
      const w3 = buffer(count(dimsOf(s3)), 'vae enc w3');
      const enc = this.device.createCommandEncoder({ label: 'vae encode haar' });
      this.haar.encodeForward3D(enc, vShape, input, w1, true);
      this.haar.encodeForward2D(enc, ll1, w1, w2); // w1[:, 0:3] = the first 3·T'·H'·W' floats
      this.haar.encodeForward3D(enc, ll2, w2, w3, true);
      this.device.queue.submit([enc.finish()]);
      this.counts.forward3d += 2;
      this.counts.forward2d++;
      const t = (buf: GPUBuffer, s: VideoShape): Tensor => this.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims: dimsOf(s) });
      const out = await this.session.run({ w1: t(w1, s1), w2: t(w2, s2), w3: t(w3, s3) });
      this.counts.graphRuns++;
      try {
        const latent = out.latent;
        if (!latent) throw new Error('vae_encoder_core returned no latent');
        const data = (await latent.getData()) as Float32Array;
        this.counts.readBacks++;
        return data;
      } finally {
        for (const x of Object.values(out)) x.dispose();
      }
    } finally {
      for (const buf of owned) buf.destroy();
    }
  }

  destroy(): void {
    this.haar.destroy();
  }
}
