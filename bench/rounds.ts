// Interleaved rounds: time A, then B, then B, then A, ... with the `benchmark` package measuring
// each turn; per round ratio = time(B) / time(A); verdict = median of the per-round ratios.
// Interleaving matters on these 2-core VMs: timing one engine and then the other drifts 10-40 %.
import Benchmark from 'benchmark';

export interface Comparison {
  /** Median seconds per call of each engine over all its turns. */
  secondsA: number;
  secondsB: number;
  /** Median over rounds of time(B) / time(A): above 1 means A is faster. */
  ratio: number;
  rounds: number[];
}

/** Seconds per call of fn, measured by Benchmark.js over about `maxTime` seconds. */
export function measure(fn: () => void, maxTime: number): number {
  const bench = new Benchmark(fn, { maxTime, minSamples: 3, initCount: 1, async: false });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return bench.stats.mean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function compare(a: () => void, b: () => void, rounds = 5, maxTime = 0.15): Comparison {
  a(); b(); // warm-up: compile, allocate, fill caches
  const timesA: number[] = [], timesB: number[] = [], ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order every round: A B B A, B A A B, ...
    const [first, second] = r % 2 === 0 ? [a, b] : [b, a];
    const t1 = measure(first, maxTime), t2 = measure(second, maxTime);
    const t3 = measure(second, maxTime), t4 = measure(first, maxTime);
    const ta = r % 2 === 0 ? t1 + t4 : t2 + t3;
    const tb = r % 2 === 0 ? t2 + t3 : t1 + t4;
    timesA.push(ta / 2);
    timesB.push(tb / 2);
    ratios.push(tb / ta);
  }
  return { secondsA: median(timesA), secondsB: median(timesB), ratio: median(ratios), rounds: ratios };
}
