// onnxruntime-web session creation for the two backends we run on:
// - 'wasm': CPU, multi-threaded when the page/worker is cross-origin isolated (SharedArrayBuffer available);
// - 'webgpu': ORT's native WebGPU EP (`onnxruntime-web/webgpu`) on *our* GPUDevice, so ORT's output buffers can feed
//   our WGSL kernels directly (platform.md).
// One build (`onnxruntime-web/webgpu`) serves both: it includes the wasm CPU EP. Session creation is serialized:
// creating the first two sessions concurrently fails (`multiple calls to 'initWasm()'`).
import * as ort from 'onnxruntime-web/webgpu';
import { wasmThreadsFor } from './wasm-threads';

export { ort };
export type Backend = 'wasm' | 'webgpu';

export interface ExternalDataFile {
  /** The path exactly as recorded in the graph (e.g. "vae_decoder.weights"). */
  path: string;
  data: Uint8Array;
}

export interface CreateSessionOptions {
  backend: Backend;
  /** Required for 'webgpu': the device shared with our kernels. */
  device?: GPUDevice;
  /** Keep outputs on the GPU (webgpu only): tensors expose `.gpuBuffer`. */
  gpuOutputs?: boolean;
  externalData?: ExternalDataFile[];
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

let wasmConfigured = false;
let creationChain: Promise<unknown> = Promise.resolve();

/** Threads for the wasm EP (formula and measurement: ./wasm-threads.ts): >1 only with SharedArrayBuffer
 * (cross-origin isolation). */
export function wasmThreadCount(): number {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2;
  return wasmThreadsFor(cores, isolated);
}

/** Global ORT settings; effective only before the first session is created (later calls are ignored). */
export function configureOrt(o: { threads?: number; logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal' } = {}): void {
  if (wasmConfigured) return;
  wasmConfigured = true;
  ort.env.wasm.numThreads = o.threads ?? wasmThreadCount();
  ort.env.wasm.proxy = false; // we already run in our own worker; proxy mode forbids GPU-buffer I/O
  ort.env.logLevel = o.logLevel ?? 'error';
}

export function ortThreadCount(): number {
  return ort.env.wasm.numThreads ?? 1;
}

/** Creates an InferenceSession from graph bytes (+ external data), one creation at a time. */
export function createSession(graph: Uint8Array, o: CreateSessionOptions): Promise<ort.InferenceSession> {
  configureOrt();
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    // Session-level logs follow ort.env.logLevel only for JS; the native EP logs warnings (node placement) itself.
    logSeverityLevel: 3,
    ...(o.externalData?.length ? { externalData: o.externalData.map((e) => ({ path: e.path, data: e.data })) } : {}),
  };
  if (o.backend === 'webgpu') {
    if (!o.device) throw new Error('the webgpu backend needs our GPUDevice');
    options.executionProviders = [{ name: 'webgpu', device: o.device } as unknown as ort.InferenceSession.ExecutionProviderConfig];
    if (o.gpuOutputs) options.preferredOutputLocation = 'gpu-buffer';
  } else {
    options.executionProviders = ['wasm'];
  }
  const run = creationChain.then(() => ort.InferenceSession.create(graph, options));
  creationChain = run.catch(() => undefined);
  return run;
}

/** A float32 CPU tensor. */
export function f32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}
