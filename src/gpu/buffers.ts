// Small helpers for storage buffers shared by every kernel wrapper (and by ORT GPU-buffer tensors:
// ORT requires STORAGE | COPY_SRC | COPY_DST on buffers it reads or writes).


export const TENSOR_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Byte size rounded up to 4 (WebGPU requires it for copies and mapping). */
export function alignedBytes(byteLength: number): number {
  return Math.max(4, Math.ceil(byteLength / 4) * 4);
}

/** A storage buffer holding `data` (f32/u32), usable by our kernels and by ORT. */
export function uploadTensor(device: GPUDevice, data: Float32Array | Uint32Array, label?: string): GPUBuffer {
  const buffer = device.createBuffer({ label, size: alignedBytes(data.byteLength), usage: TENSOR_USAGE, mappedAtCreation: true });
  const Ctor = data.constructor as Float32ArrayConstructor | Uint32ArrayConstructor;
  new Ctor(buffer.getMappedRange(0, data.byteLength)).set(data);
  buffer.unmap();
  return buffer;
}

/** An uninitialised (zeroed by WebGPU) storage tensor of `elements` 32-bit values. */
export function createTensor(device: GPUDevice, elements: number, label?: string): GPUBuffer {
  return device.createBuffer({ label, size: alignedBytes(elements * 4), usage: TENSOR_USAGE });
}

/** Copies a storage buffer back to the CPU as f32 (test and frame read-back path; never inside the denoising loop). */
export async function readTensor(device: GPUDevice, buffer: GPUBuffer, elements: number): Promise<Float32Array> {
  const size = alignedBytes(elements * 4);
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange(0, elements * 4).slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** A uniform buffer from 32-bit words (u32 unless the caller packs floats via a shared ArrayBuffer). */
export function uniformBuffer(device: GPUDevice, words: ArrayLike<number>, label?: string): GPUBuffer {
  const data = new Uint32Array(Math.ceil(words.length / 4) * 4);
  data.set(words);
  const buffer = device.createBuffer({ label, size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}
