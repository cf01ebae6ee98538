import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdapterSummary } from '../gpu/device';
import { parseManifest } from '../models/manifest';
import { checkMemoryPlan } from './memory-check';

const manifest = () => parseManifest(JSON.parse(readFileSync('public/models/osp-v13-tiny/manifest.json', 'utf8')));
const adapter = (maxBufferSize: number): AdapterSummary => ({
  vendor: 'test', architecture: '', device: '', description: '', isFallbackAdapter: false, features: [],
  maxBufferSize, maxStorageBufferBindingSize: maxBufferSize, maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256,
});

describe('checkMemoryPlan (the worker, before loading)', () => {
  it('returns the plan of the default request when it fits', () => {
    const plan = checkMemoryPlan(manifest(), 'wasm', null)!;
    expect(plan.fits).toBe(true);
    expect(plan.target).toMatchObject({ width: 64, height: 64, frames: 17 });
  });
  it('refuses with the numbers when the budget is too small', () => {
    expect(() => checkMemoryPlan(manifest(), 'wasm', null, 10 * 2 ** 20)).toThrow(expect.objectContaining({
      name: 'NotSupportedError',
      message: expect.stringMatching(/needs \d+\.\d MiB of wasm memory at 64×64×17, this browser allows 10\.0 MiB \(the memory budget given\)/),
    }));
  });
  it("uses the adapter's buffer limits on WebGPU", () => {
    expect(() => checkMemoryPlan(manifest(), 'webgpu', adapter(256 * 1024))).toThrow(/needs a \d+\.\d KiB GPU buffer, this adapter allows 256\.0 KiB per buffer/);
    expect(checkMemoryPlan(manifest(), 'webgpu', adapter(2 ** 30))?.fits).toBe(true);
  });
  it('rejects a nonsense budget', () => {
    expect(() => checkMemoryPlan(manifest(), 'wasm', null, -1)).toThrow(/memoryBudgetBytes must be a positive integer/);
  });
});
