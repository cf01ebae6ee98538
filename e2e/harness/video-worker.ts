// Module Worker used by e2e/harness/video.ts: encodes the synthetic clip with Mp4Writer off the main thread.
import { Mp4Writer } from '../../src/video/mp4-writer';
import { syntheticFrame, type RoundTripCase } from './video';

self.onmessage = async (e: MessageEvent<RoundTripCase>) => {
  const c = e.data;
  try {
    const writer = await Mp4Writer.create({ width: c.width, height: c.height, fps: c.fps, codecs: c.codecs });
    for (let i = 0; i < c.frames; i++) await writer.addFrame(syntheticFrame(c.width, c.height, i), i);
    const blob = await writer.finalize();
    const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined' && typeof document === 'undefined';
    self.postMessage({ ok: true, blob, codec: writer.codec, family: writer.family, inWorker });
  } catch (err) {
    self.postMessage({ ok: false, error: (err as Error).message });
  }
};
