// The one home of buffer usage flags and size alignment, plus small helpers for storage buffers shared by every
// kernel wrapper, the engine and ORT GPU-buffer tensors (ORT requires STORAGE | COPY_SRC | COPY_DST on buffers it
// reads or writes). Usage flags are functions, not constants: this module has no top-level WebGPU globals, so
// GPU-free code that imports it (kernel shape checks, Node unit tests) still loads in Node.

/** Storage tensors: our kernels and ORT read and write them, and they are copied to and from. */
export const tensorUsage = (): GPUBufferUsageFlags => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
/** Kernel parameter blocks (`var<uniform>`). */
export const uniformUsage = (): GPUBufferUsageFlags => GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
/** Staging buffers for read-back. */
export const readbackUsage = (): GPUBufferUsageFlags => GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;

/** WebGPU requires copy and mapping sizes to be multiples of 4 bytes. */
export const COPY_ALIGN = 4;
/** Uniform blocks and ORT-facing tensors are sized in whole 16-byte (vec4) rows. */
export const VEC4_ALIGN = 16;

/** Byte size rounded up to `align` (default 4, WebGPU's copy/mapping rule), never below `align`. */
export function alignedBytes(byteLength: number, align = COPY_ALIGN): number {
  return Math.max(align, Math.ceil(byteLength / align) * align);
}

/** A storage buffer holding `data` (f32/u32), usable by our kernels and by ORT. */
export function uploadTensor(device: GPUDevice, data: Float32Array | Uint32Array, label?: string): GPUBuffer {
  const buffer = device.createBuffer({ label, size: alignedBytes(data.byteLength), usage: tensorUsage(), mappedAtCreation: true });
  const Ctor = data.constructor as Float32ArrayConstructor | Uint32ArrayConstructor;
  new Ctor(buffer.getMappedRange(0, data.byteLength)).set(data);
  buffer.unmap();
  return buffer;
}

/** An uninitialised (zeroed by WebGPU) storage tensor of `elements` 32-bit values. */
export function createTensor(device: GPUDevice, elements: number, label?: string): GPUBuffer {
  return device.createBuffer({ label, size: alignedBytes(elements * 4), usage: tensorUsage() });
}

/** Copies a storage buffer back to the CPU as f32 (test and frame read-back path; never inside the denoising loop). */
export async function readTensor(device: GPUDevice, buffer: GPUBuffer, elements: number): Promise<Float32Array> {
  const size = alignedBytes(elements * 4);
  const staging = device.createBuffer({ size, usage: readbackUsage() });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange(0, elements * 4).slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** A uniform buffer holding `data` (32-bit words, or a packed ArrayBuffer), zero-padded to whole 16-byte rows. */
export function uniformBuffer(device: GPUDevice, data: ArrayLike<number> | ArrayBuffer, label?: string): GPUBuffer {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(Uint32Array.from(data).buffer);
  const padded = new Uint8Array(alignedBytes(bytes.byteLength, VEC4_ALIGN));
  padded.set(bytes);
  const buffer = device.createBuffer({ label, size: padded.byteLength, usage: uniformUsage() });
  device.queue.writeBuffer(buffer, 0, padded);
  return buffer;
}
