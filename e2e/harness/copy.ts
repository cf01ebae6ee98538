// Browser-side harness for e2e/kernels-copy.spec.ts: the bandwidth-yardstick copy kernel must copy exactly.
import { acquireGpu } from '../../src/gpu/device';
import { createTensor, readTensor, uploadTensor } from '../../src/gpu/buffers';
import { randomTensor } from '../../test-support/test-data';
import { CopyKernel } from '../../src/kernels/copy/copy';

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
