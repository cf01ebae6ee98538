// Inputs for timing one DiT forward (dit.onnx, CFG batch of 2) outside the engine: the main-thread ORT-web row
// (bench/e2e-page.ts) and the native-ORT row (bench/run-e2e.mjs, loaded through Vite's SSR) use the same ones.
// Values only need to be realistic in scale (the graph's cost does not depend on them): a deterministic pseudo-random
// latent, t = 500, text states of unit scale with 8 of `textLen` tokens valid, and for an inpaint model the
// text-to-video condition (zero condition latent, everything masked).

/** [input name, data, dims] for each graph input; throws on an input it does not know. */
export function ditFeeds(inputNames: readonly string[], latentShape: readonly number[], textWidth: number, textLen = 32): [string, Float32Array, number[]][] {
  const [, c, t, h, w] = latentShape;
  const wave = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * 0.8);
  const known: Record<string, () => [Float32Array, number[]]> = {
    latent: () => [wave(2 * c * t * h * w, 12.9898), [2, c, t, h, w]],
    timestep: () => [new Float32Array([500, 500]), [2]],
    text_states: () => [wave(2 * textLen * textWidth, 78.233), [2, textLen, textWidth]],
    text_mask: () => [Float32Array.from({ length: 2 * textLen }, (_, i) => (i % textLen < 8 ? 1 : 0)), [2, textLen]],
    cond_latent: () => [new Float32Array(2 * c * t * h * w), [2, c, t, h, w]],
    cond_mask: () => [new Float32Array(2 * 4 * t * h * w).fill(1), [2, 4, t, h, w]],
  };
  return inputNames.map((name) => {
    const make = known[name];
    if (!make) throw new Error(`dit-feeds: no bench input for DiT graph input "${name}"`);
    return [name, ...make()];
  });
}
