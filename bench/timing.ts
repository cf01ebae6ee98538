// Wall-clock timing of GPU work, identical for our kernels and for ORT: each sample submits the work and waits
// for the queue to drain, so both sides pay the same submission and completion overhead.

export interface Timing { medianMs: number; minMs: number; samplesMs: number[] }

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function timeGpu(device: GPUDevice, run: () => void | Promise<void>, warmup: number, reps: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) {
    await run();
    await device.queue.onSubmittedWorkDone();
  }
  const samplesMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    await device.queue.onSubmittedWorkDone();
    samplesMs.push(performance.now() - t0);
  }
  return { medianMs: median(samplesMs), minMs: Math.min(...samplesMs), samplesMs };
}
