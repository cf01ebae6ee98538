// Browser side of e2e/kernels-add-frames.spec.ts: src/kernels/add-frames/add_frames.wgsl on the real WebGPU adapter vs the CPU
// reference (src/kernels/add-frames/reference.ts). Returns plain JSON.
import { acquireGpu, type GpuContext } from '../../src/gpu/device';
import { readTensor, uploadTensor } from '../../src/gpu/buffers';
import { randomTensor } from '../../test-support/test-data';
import { AddFramesKernel, sideElements, type AddFramesSpec } from '../../src/kernels/add-frames/add-frames';
import { refAddFrames } from '../../src/kernels/add-frames/reference';
import type { AddFramesCase } from '../../src/kernels/add-frames/parity';

export type { AddFramesCase } from '../../src/kernels/add-frames/parity';

export interface AddFramesResult {
  label: string;
  dispatch: [number, number];
  maxAbs: number;
  /** Elements of dst outside the window that changed (must be 0). */
  touchedOutside: number;
  validation: string | null;
}

let ctx: Promise<GpuContext> | undefined;

export async function parity(cases: AddFramesCase[]): Promise<AddFramesResult[]> {
  ctx ??= acquireGpu();
  const { device } = await ctx;
  const results: AddFramesResult[] = [];
  for (const c of cases) {
    const s = c.spec;
    const kernel = new AddFramesKernel(device, { maxWorkgroupsPerDimension: c.maxWorkgroupsPerDimension });
    const dst = randomTensor(sideElements(s, s.dst), c.seed);
    const src = randomTensor(sideElements(s, s.src), c.seed + 7919);
    const dstBuf = uploadTensor(device, dst);
    const srcBuf = uploadTensor(device, src);
    device.pushErrorScope('validation');
    const enc = device.createCommandEncoder();
    kernel.encode(enc, s, srcBuf, dstBuf);
    device.queue.submit([enc.finish()]);
    const got = await readTensor(device, dstBuf, dst.length);
    const err = await device.popErrorScope();
    const ref = refAddFrames(dst, src, s);
    let maxAbs = 0;
    let touchedOutside = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(got[i] - ref[i]);
      if (!(d <= maxAbs)) maxAbs = d;
      if (ref[i] === dst[i] && got[i] !== dst[i]) touchedOutside++;
    }
    results.push({
      label: `B${s.batch} C${s.channels} F${s.frames} P${s.plane} dst ${s.dst.channels}×${s.dst.frames}@${s.dst.offset} src ${s.src.channels}×${s.src.frames}@${s.src.offset}`,
      dispatch: kernel.dispatchSize(s.batch * s.channels * s.frames * s.plane),
      maxAbs,
      touchedOutside,
      validation: err ? err.message : null,
    });
    dstBuf.destroy();
    srcBuf.destroy();
    kernel.destroy();
  }
  return results;
}
