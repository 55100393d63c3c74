// Gradient checks through the public API: lp.grads(f) against centred finite differences of f
// evaluated by the engine itself. The backward kernels are checked in f64 by tests/grad/; this
// checks that the tape wires them right (rules, transposes, broadcasting, shapes), so an f32
// forward with a 1e-2 step and a 2 % tolerance is enough: wiring mistakes are gross.
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';

export interface GradCase {
  /** The function of the inputs; its value is reduced as Σ value · w with fixed random w. */
  f: (...xs: lp.Tensor[]) => lp.Tensor;
  /** Input values and shapes. */
  inputs: { values: Float32Array; shape: number[] }[];
  eps?: number;
  atol?: number;
  rtol?: number;
}

/** Σ f(xs) · w as a number, computed by the engine. */
function weighted(f: GradCase['f'], xs: lp.Tensor[], w: Float32Array | null): number {
  return lp.tidy(() => {
    const y = f(...xs);
    const v = y.dataSync();
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * (w ? w[i] : 1);
    return s;
  });
}

/** Checks every input's gradient; returns the analytic gradients (copies) for further checks. */
export function checkGrads(c: GradCase, seed = 1): Float32Array[] {
  const { eps = 1e-2, atol = 2e-3, rtol = 2e-2 } = c;
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return lp.tidy(() => {
    const xs = c.inputs.map((i) => lp.tensor(i.values, i.shape));
    const y0 = c.f(...xs);
    const w = Float32Array.from({ length: y0.size }, () => rand() * 2 - 1);
    const wT = lp.tensor(w, [...y0.shape]);
    const analytic = lp.grads((...args: lp.Tensor[]) => lp.sum(lp.mul(c.f(...args), wT)))(xs).map((g) => g.dataSync() as Float32Array);
    c.inputs.forEach((input, k) => {
      assert.equal(analytic[k].length, input.values.length, `input ${k}: gradient size`);
      for (let i = 0; i < input.values.length; i++) {
        const at = (d: number) => {
          const v = Float32Array.from(input.values);
          v[i] += d;
          const moved = xs.map((x, j) => (j === k ? lp.tensor(v, input.shape) : x));
          return weighted(c.f, moved, w);
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        const a = analytic[k][i];
        assert.ok(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric),
          `input ${k}[${i}]: tape gives ${a}, finite differences ${numeric}`);
      }
    });
    return analytic;
  });
}

/** n values uniform in [lo, hi), seeded, kept at least `gap` away from the points in `avoid` (kinks). */
export function values(n: number, seed: number, lo = -1, hi = 1, avoid: number[] = [], gap = 0.05): Float32Array {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = lo + (hi - lo) * rand(); while (avoid.some((a) => Math.abs(v - a) < gap));
    out[i] = v;
  }
  return out;
}

/** n distinct values (no ties, for max-type ops), shuffled, spread over [lo, hi). */
export function distinct(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const v = values(n, seed, 0, 1);
  const order = Array.from(v.keys()).sort((a, b) => v[a] - v[b]);
  const out = new Float32Array(n);
  order.forEach((idx, rank) => { out[idx] = lo + ((hi - lo) * (rank + 0.5)) / n; });
  return out;
}
