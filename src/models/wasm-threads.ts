// How many threads onnxruntime-web's wasm EP gets (ort.env.wasm.numThreads: the calling thread + numThreads − 1
// pool workers, each its own Web Worker sharing the wasm memory).
//
// During a generation the engine worker is the only busy thread of the page (the main thread waits on progress
// messages, the encoder runs between VAE chunks on the same worker), so on small machines every core goes to ORT:
// measured with `npm run bench:e2e -- --threads N` on a 2-core machine, bundled model at its defaults: 2 threads
// instead of 1 took a generation from 1.76 s to 1.13 s (DiT step 51 → 33 ms, VAE decode 203 → 129 ms; docs/BENCHMARKS.md,
// "End-to-end generation"; the old ⌊cores/2⌋ left one of the two cores idle).
// Above 4 cores half of them (hardwareConcurrency counts SMT siblings, which add little to GEMM throughput, and the
// browser, the OS and other tabs keep running), at least 4, at most 8: the DiT's ops are small at browser sizes, so
// more threads mostly add synchronisation per op.

/** ORT wasm threads for `cores` logical cores (navigator.hardwareConcurrency). Without cross-origin isolation there
 * is no SharedArrayBuffer and hence no threads. */
export function wasmThreadsFor(cores: number | undefined, isolated: boolean): number {
  if (!isolated || !cores || !Number.isFinite(cores) || cores < 1) return 1;
  const c = Math.floor(cores);
  return c <= 4 ? c : Math.min(8, Math.max(4, Math.floor(c / 2)));
}
