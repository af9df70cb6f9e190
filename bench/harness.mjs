// Timing harness: one process, one warm-up round, interleaved rounds, medians.
//
// compare() times every variant of a workload once per round, alternating the
// order each round (A B C, C B A, …) so no variant always runs right after
// another one's garbage. Each timed batch starts after a full GC (when Node
// runs with --expose-gc), and runs `iters` operations back to back, each
// awaited. Ratios are paired: per round, lib time / baseline time, and the
// median of those per-round ratios is reported (noise common to a round
// cancels out).

const gc = globalThis.gc ?? (() => {});

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timeBatch(op, iters) {
  gc();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await op();
  return performance.now() - t0;
}

/**
 * @param {object} w
 * @param {string} w.name
 * @param {number} w.iters operations per timed batch
 * @param {Record<string, () => Promise<unknown>>} w.variants label → one operation
 * @param {number} rounds timed rounds (after one warm-up round)
 * @returns {{ name, iters, rounds, us: Record<string, number>, samples: Record<string, number[]> }}
 */
export async function compare(w, rounds) {
  const labels = Object.keys(w.variants);
  const samples = Object.fromEntries(labels.map((l) => [l, []]));
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 ? [...labels].reverse() : labels;
    for (const l of order) {
      const ms = await timeBatch(w.variants[l], w.iters);
      if (r > 0) samples[l].push((ms * 1000) / w.iters); // µs per op
    }
  }
  const us = Object.fromEntries(labels.map((l) => [l, median(samples[l])]));
  return { name: w.name, iters: w.iters, rounds, us, samples };
}

/** Median over rounds of samples[a][i] / samples[b][i]. */
export function pairedRatio(res, a, b) {
  const xs = res.samples[a].map((x, i) => x / res.samples[b][i]);
  return median(xs);
}

/**
 * Steady state (issue 20): the same variants in a hot loop, no forced GC
 * between batches. One GC before the first round only; then per round (one
 * warm-up round first, orders alternating as in compare()) every variant
 * runs one untimed batch (it takes over from the previous variant: its
 * shapes, its share of the young generation) and then `batches` batches back
 * to back, timed together: the figure includes the GC work the variant's
 * own garbage causes, as a long-running program pays it.
 * @returns {{ name, iters, rounds, batches, us, samples }}
 */
export async function compareSteady(w, rounds, batches) {
  const labels = Object.keys(w.variants);
  const samples = Object.fromEntries(labels.map((l) => [l, []]));
  gc();
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 ? [...labels].reverse() : labels;
    for (const l of order) {
      const op = w.variants[l];
      for (let i = 0; i < w.iters; i++) await op();
      const t0 = performance.now();
      for (let b = 0; b < batches; b++) for (let i = 0; i < w.iters; i++) await op();
      const ms = performance.now() - t0;
      if (r > 0) samples[l].push((ms * 1000) / (w.iters * batches));
    }
  }
  const us = Object.fromEntries(labels.map((l) => [l, median(samples[l])]));
  return { name: w.name, iters: w.iters, rounds, batches, us, samples };
}
