// The engine worker of `npm run bench:e2e`, with one addition: the bench can fix ORT's wasm thread count
// (--threads) to compare thread counts on one machine. The engine worker module is imported unchanged (it exposes the
// engine over comlink); ORT reads its settings at the first session creation, which only happens on load(), and the
// page posts {benchWasmThreads} before any engine call, so configureOrt here always runs first.
import { configureOrt } from '../src/models/ort-session';
import '../src/engine/worker';

self.addEventListener('message', (e: MessageEvent) => {
  const n = (e.data as { benchWasmThreads?: unknown } | null)?.benchWasmThreads;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) configureOrt({ threads: n });
});
