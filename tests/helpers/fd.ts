// Finite-difference gradient checks (ggml's test-grad0 knobs, tinygrad's helper_test_op idea):
// the gradient of L(x) = Σ_i dy[i] · f(x)[i] is estimated in f64 with centred differences on a
// plain scalar reference forward f, and a backward kernel's output is compared with it.
//
//   numericGrad(f, x, dy)             2-point stencil (f(x+h) − f(x−h)) / 2h
//   numericGrad(f, x, dy, {points: 4}) (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, for noisy ops
//
// f should compute in f64 (take ArrayLike<number>, return f64 values): an f32 forward rounds
// each output by ~6e-8 relative, which h = 1e-3 turns into ~1e-4 of noise per element.
// Points where f has a kink (relu at 0, max-pool ties, clip bounds) are excluded by `skip`,
// or avoided by drawing inputs away from them.
import assert from 'node:assert/strict';

export interface FdOptions {
  /** Step (default 1e-3). */
  eps?: number;
  /** 2 (default) or 4 stencil points. */
  points?: 2 | 4;
  /** Indices of x whose derivative is not checked (kinks); they come back as NaN. */
  skip?: (i: number) => boolean;
}

/** Σ dy · f(x), in f64. */
function weightedSum(f: (x: Float64Array) => ArrayLike<number>, x: Float64Array, dy: ArrayLike<number>): number {
  const y = f(x);
  assert.equal(y.length, dy.length, 'numericGrad: f(x) and dy differ in length');
  let s = 0;
  for (let i = 0; i < y.length; i++) s += dy[i] * y[i];
  return s;
}

/** d/dx_i of Σ dy · f(x) for every i (NaN where skipped). */
export function numericGrad(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>,
    dy: ArrayLike<number>, options: FdOptions = {}): Float64Array {
  const { eps = 1e-3, points = 2, skip } = options;
  const xs = Float64Array.from(x);
  const grad = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    if (skip?.(i)) {
      grad[i] = NaN;
      continue;
    }
    const x0 = xs[i];
    const at = (d: number) => {
      xs[i] = x0 + d;
      const s = weightedSum(f, xs, dy);
      xs[i] = x0;
      return s;
    };
    grad[i] = points === 4
      ? (-at(2 * eps) + 8 * at(eps) - 8 * at(-eps) + at(-2 * eps)) / (12 * eps)
      : (at(eps) - at(-eps)) / (2 * eps);
  }
  return grad;
}

/**
 * Compares a backward kernel's gradient with the numeric one: |a − e| <= atol + rtol·|e| per
 * element (NaN in `numeric` = skipped). Defaults suit f32 kernels against an f64 2-point stencil.
 */
export function assertGradClose(actual: ArrayLike<number>, numeric: ArrayLike<number>, what: string,
    tol: { atol?: number; rtol?: number } = {}): void {
  const { atol = 2e-3, rtol = 2e-3 } = tol;
  assert.equal(actual.length, numeric.length, `${what}: gradient length`);
  let checked = 0;
  for (let i = 0; i < numeric.length; i++) {
    const e = numeric[i];
    if (Number.isNaN(e)) continue;
    checked++;
    const a = actual[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: d/dx[${i}] is ${a}, finite differences give ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
  assert.ok(checked > 0 || numeric.length === 0, `${what}: every point was skipped`);
}
