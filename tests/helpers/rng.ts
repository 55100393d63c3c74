// Seeded randomness for tests: every case is reproducible from its seed.

/** mulberry32 (the data pipeline's generator): floats in [0, 1) from a u32 seed. */
export { mulberry32 as rng } from '../../js-bindings/data/random.js';

/** n floats uniform in [lo, hi). */
export function randomArray(rand: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/** An integer in [lo, hi]. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** The awkward sizes every kernel is tried on. */
export const AWKWARD = [1, 3, 7, 17, 33, 65] as const;
