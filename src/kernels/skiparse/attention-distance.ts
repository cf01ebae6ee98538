// Average Attention Distance (AD_avg, spec §3.6) of Skiparse attention.
//
// The attention distance from token A to token B is the minimum number of attention operations that connect them
// (0 for A = B). Layers alternate Single Skip and Group Skip; a path may start with either type. One attention
// operation lets a token receive from every token of its sequence in that layer (padded keys are masked, so only
// the N real tokens count). AD_avg is the mean over all N² ordered pairs, self pairs included (that is the
// convention of the paper's formula, whose −1/THW term is the self pair); `meanExcludingSelf` averages over the
// N(N−1) pairs of distinct tokens instead.
//
// Fast exact counting: a token's neighbourhoods depend only on its class (a, b) = (i mod k, ⌊i/k⌋ mod k) — its
// Single-Skip and Group-Skip groups — so all tokens of a class are interchangeable. BFS over the ≤ k² non-empty
// classes gives the class-to-class distance, and the pair counts c_X·c_Y weight it. O(k⁴·depth), independent of N.
// `attentionDistanceBruteForce` does the plain token-level BFS (O(N²·depth)) to check it on small N.

export type SkipLayer = 'single' | 'group';

export interface AttentionDistanceStats {
  tokens: number;
  k: number;
  /** Mean over all N² ordered pairs (self pairs count 0). */
  mean: number;
  /** Mean over the N(N−1) ordered pairs of distinct tokens. */
  meanExcludingSelf: number;
  /** Largest finite distance; Infinity if some pair is unreachable. */
  maxDistance: number;
  /** histogram[d] = number of ordered pairs at distance d (self pairs at 0). */
  histogram: number[];
}

const otherLayer = (t: SkipLayer): SkipLayer => (t === 'single' ? 'group' : 'single');

function finish(tokens: number, k: number, histogram: number[], unreachable: number): AttentionDistanceStats {
  let sum = 0;
  let maxDistance = 0;
  histogram.forEach((count, d) => {
    sum += count * d;
    if (count > 0) maxDistance = d;
  });
  if (unreachable > 0) {
    return { tokens, k, mean: Infinity, meanExcludingSelf: Infinity, maxDistance: Infinity, histogram };
  }
  return {
    tokens, k, histogram, maxDistance,
    mean: sum / (tokens * tokens),
    meanExcludingSelf: tokens > 1 ? sum / (tokens * (tokens - 1)) : 0,
  };
}

/** Exact AD_avg by class counting (fast for any N). */
export function skiparseAttentionDistance(tokens: number, k: number): AttentionDistanceStats {
  if (!Number.isInteger(tokens) || tokens < 1 || !Number.isInteger(k) || k < 1) {
    throw new RangeError(`attention distance: need positive integers, got tokens=${tokens}, k=${k}`);
  }
  const K = k * k;
  const count = new Array<number>(K).fill(0); // class x = a·k + b
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      // tokens i < N with i mod k = a and ⌊i/k⌋ mod k = b, i.e. i = n·k² + b·k + a
      const first = b * k + a;
      count[a * k + b] = first < tokens ? Math.floor((tokens - 1 - first) / K) + 1 : 0;
    }
  }
  const present = [...Array(K).keys()].filter((x) => count[x] > 0);
  const groupOf = (x: number, t: SkipLayer) => (t === 'single' ? Math.floor(x / k) : x % k);

  // dist[x][y] over classes, by BFS on reachable-class sets with alternating layer types, min over start type.
  const histogram: number[] = [0];
  const add = (d: number, n: number) => {
    while (histogram.length <= d) histogram.push(0);
    histogram[d] += n;
  };
  add(0, tokens); // self pairs
  let unreachable = 0;
  for (const x of present) {
    // two distinct tokens of one class share both groups: one hop
    if (count[x] > 1) add(1, count[x] * (count[x] - 1));
    const best = new Map<number, number>();
    for (const start of ['single', 'group'] as SkipLayer[]) {
      let reached = new Set<number>([x]);
      let layer = start;
      for (let step = 1; step <= 2 * K + 2; step++) {
        const groups = new Set([...reached].map((y) => groupOf(y, layer)));
        const next = new Set(reached);
        for (const y of present) if (groups.has(groupOf(y, layer))) next.add(y);
        for (const y of next) {
          if (!reached.has(y) && (best.get(y) ?? Infinity) > step) best.set(y, step);
        }
        if (next.size === reached.size && step > 1) break; // both layer types tried without growth
        reached = next;
        layer = otherLayer(layer);
      }
    }
    for (const y of present) {
      if (y === x) continue;
      const d = best.get(y);
      if (d === undefined) unreachable += count[x] * count[y];
      else add(d, count[x] * count[y]);
    }
  }
  return finish(tokens, k, histogram, unreachable);
}

/** Plain token-level BFS over the alternating Single/Group-Skip attention graph (for checking; O(N²·depth)). */
export function attentionDistanceBruteForce(tokens: number, k: number): AttentionDistanceStats {
  const groupOf = (i: number, t: SkipLayer) => (t === 'single' ? i % k : Math.floor(i / k) % k);
  const members = (t: SkipLayer) => {
    const m: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < tokens; i++) m[groupOf(i, t)].push(i);
    return m;
  };
  const byLayer = { single: members('single'), group: members('group') };
  const histogram: number[] = [0];
  let unreachable = 0;
  const dist = new Int32Array(tokens);
  for (let src = 0; src < tokens; src++) {
    dist.fill(-1);
    dist[src] = 0;
    for (const start of ['single', 'group'] as SkipLayer[]) {
      const reached = new Uint8Array(tokens);
      reached[src] = 1;
      let layer = start;
      let stale = 0;
      for (let step = 1; stale < 2; step++) {
        const groups = new Set<number>();
        for (let i = 0; i < tokens; i++) if (reached[i]) groups.add(groupOf(i, layer));
        let grew = false;
        const newly: number[] = [];
        for (const g of groups) {
          for (const j of byLayer[layer][g]) {
            if (!reached[j]) { newly.push(j); grew = true; }
          }
        }
        for (const j of newly) {
          reached[j] = 1;
          if (dist[j] < 0 || dist[j] > step) dist[j] = step;
        }
        stale = grew ? 0 : stale + 1;
        layer = otherLayer(layer);
      }
    }
    for (let j = 0; j < tokens; j++) {
      if (dist[j] < 0) { unreachable++; continue; }
      while (histogram.length <= dist[j]) histogram.push(0);
      histogram[dist[j]]++;
    }
  }
  return finish(tokens, k, histogram, unreachable);
}

/** The paper's closed form 2 − 2/k + 1/k² − 1/THW (exact when THW is a multiple of k²). */
export function skiparseAttentionDistanceClosedForm(tokens: number, k: number): number {
  return 2 - 2 / k + 1 / (k * k) - 1 / tokens;
}
