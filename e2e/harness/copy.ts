// Browser-side harness for e2e/kernels-copy.spec.ts: the bandwidth-yardstick copy kernel must copy exactly.
import { acquireGpu } from '../../src/gpu/device';
import { createTensor, readTensor, uploadTensor } from '../../src/gpu/buffers';
import { randomTensor } from '../../test-support/test-data';
import { CopyKernel } from '../../src/kernels/copy/copy';
import { ComputeKernel } from '../../src/kernels/base';

export async function copyMismatches(sizes: number[]): Promise<{ elements: number; mismatches: number }[]> {
  const { device } = await acquireGpu();
  const copy = new CopyKernel(device);
  const out = [];
  for (const elements of sizes) {
    const data = randomTensor(elements, elements);
    const src = uploadTensor(device, data);
    const dst = createTensor(device, elements + 4); // one spare vec4 must stay untouched
    const enc = device.createCommandEncoder();
    copy.encode(enc, src, dst, elements);
    device.queue.submit([enc.finish()]);
    const got = await readTensor(device, dst, elements + 4);
    let mismatches = 0;
    for (let i = 0; i < elements; i++) if (got[i] !== data[i]) mismatches++;
    for (let i = elements; i < elements + 4; i++) if (got[i] !== 0) mismatches++;
    out.push({ elements, mismatches });
    src.destroy();
    dst.destroy();
  }
  copy.destroy();
  device.destroy();
  return out;
}

/** A kernel whose WGSL does not compile: the shared base must report it as a named KernelPipelineError. */
class BrokenKernel extends ComputeKernel {
  constructor(device: GPUDevice) {
    super(device, 'broken');
    this.createPipeline({ label: 'broken-shader', code: '@compute @workgroup_size(1) fn main() { let x: u32 = undefined_name; }' });
  }
  encodeNothing(): void {
    this.assertUsable();
  }
}

export async function pipelineErrorReport(): Promise<{ ready: string; encode: string; goodReady: string }> {
  const { device } = await acquireGpu();
  const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : `no error`);
  const broken = new BrokenKernel(device);
  let ready = 'no error';
  try { await broken.ready(); } catch (e) { ready = describe(e); }
  let encode = 'no error';
  try { broken.encodeNothing(); } catch (e) { encode = describe(e); }
  const good = new CopyKernel(device);
  let goodReady = 'no error';
  try { await good.ready(); } catch (e) { goodReady = describe(e); }
  device.destroy();
  return { ready, encode, goodReady };
}
