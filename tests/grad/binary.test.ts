// Finite-difference checks of binary_grad_f32 on both builds, with broadcasting: the kernel's
// da and db (over the broadcast output) summed back to a's and b's shapes must match centred
// differences of L = Σ dy·op(a, b) (f64 forward, tests/ref/binary_grad_ref.ts). maximum and
// minimum get inputs without ties; the equal mask is checked as reduce-max's gradient.
import { describe, it } from 'node:test';
import { builds, type Kernels } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { descriptor, descriptorWords, sizeOf } from '../helpers/broadcast.js';
import { binary_forward_ref, BINARY_GRAD_OPS, forEachBroadcast } from '../ref/binary_grad_ref.js';
import type { Shape } from '../ref/elementwise_ref.js';

const PAIRS: [Shape, Shape][] = [
  [[7], [7]], [[3, 5], [5]], [[3, 5], [3, 1]], [[3, 1], [1, 4]], [[2, 3, 4], [2, 1, 4]], [[17], []], [[], [3, 3]],
  [[2, 1, 3, 1], [1, 3, 1, 2]],
];
const EPS = 1e-3;

/** The kernel's partials over the broadcast output, summed back to a's and b's shapes (f64). */
function reducedPartials(k: Kernels, op: number, dy: Float32Array, a: Float32Array, aShape: Shape, b: Float32Array,
    bShape: Shape) {
  const d = descriptor(aShape, bShape, false), r = d.dims.length;
  const [ra, rb] = runKernel(k, [dy, a, b, descriptorWords(d)], [d.size, d.size], ([da, db], [pdy, pa, pb, pd]) =>
    k.binary_grad_f32(da, db, pdy, pa, pb, r, pd, pd + 4 * r, pd + 8 * r, op));
  const ga = new Float64Array(a.length), gb = new Float64Array(b.length);
  forEachBroadcast(aShape, bShape, (i, ia, ib) => { ga[ia] += ra.out[i]; gb[ib] += rb.out[i]; });
  return { ga, gb };
}

/** a, b for op: b away from 0 for div, a > 0 for pow, |a - b| ≥ 0.05 everywhere for max/min. */
function inputs(op: string, seed: number, aShape: Shape, bShape: Shape) {
  const rand = rng(seed);
  const a = randomArray(rand, sizeOf(aShape), op === 'pow' ? 0.5 : -2, 2);
  const b = randomArray(rand, sizeOf(bShape), op === 'pow' ? -2 : -2, 2);
  if (op === 'div') b.forEach((v, i) => { b[i] = v < 0 ? v - 0.5 : v + 0.5; });
  if (op === 'maximum' || op === 'minimum') {
    forEachBroadcast(aShape, bShape, (_i, ia, ib) => {
      if (Math.abs(a[ia] - b[ib]) < 0.05) b[ib] = a[ia] + 0.1;
    });
    forEachBroadcast(aShape, bShape, (_i, ia, ib) => {
      if (Math.abs(a[ia] - b[ib]) < 0.05) a[ia] = b[ib] - 0.3; // rare second collision
    });
  }
  return { a, b };
}

for (const { name: build, k } of builds) {
  describe(`binary_grad_f32 vs finite differences [${build}]`, () => {
    for (const op of BINARY_GRAD_OPS) {
      if (op.name === 'equal') continue;
      it(`${op.code} ${op.name}: broadcast pairs, da and db summed to the input shapes`, () => {
        PAIRS.forEach(([as, bs], i) => {
          const { a, b } = inputs(op.name, i * 7 + op.code, as, bs);
          const size = descriptor(as, bs, true).size;
          const dy = randomArray(rng(i + 100), size, -2, 2);
          const { ga, gb } = reducedPartials(k, op.code, dy, a, as, b, bs);
          const what = `${op.name} [${as}] [${bs}]`;
          assertGradClose(ga, numericGrad((v) => binary_forward_ref(op.code, v, as, b, bs), a, dy, { eps: EPS, points: 4 }),
            `da ${what}`, { atol: 1e-4, rtol: 1e-4 });
          assertGradClose(gb, numericGrad((v) => binary_forward_ref(op.code, a, as, v, bs), b, dy, { eps: EPS, points: 4 }),
            `db ${what}`, { atol: 1e-4, rtol: 1e-4 });
        });
      });
    }

    it('4 equal-mask: dy·[x == max] is the gradient of a max reduction (no ties)', () => {
      for (const [rows, cols] of [[1, 7], [3, 5], [4, 17]]) {
        const x = randomArray(rng(rows * cols), rows * cols, -3, 3);
        for (let r = 0; r < rows; r++) { // a clear winner per row: no tie within the FD step
          let best = r * cols;
          for (let c = 1; c < cols; c++) if (x[r * cols + c] > x[best]) best = r * cols + c;
          x[best] += 0.1;
        }
        const maxOf = (v: ArrayLike<number>) => Float64Array.from({ length: rows }, (_, r) =>
          Math.max(...Array.from({ length: cols }, (_, c) => v[r * cols + c])));
        const dyRows = randomArray(rng(rows), rows, -2, 2);
        const dyFull = Float32Array.from({ length: rows * cols }, (_, i) => dyRows[Math.floor(i / cols)]);
        const m = Float32Array.from(maxOf(x));
        const { ga } = reducedPartials(k, 4, dyFull, x, [rows, cols], m, [rows, 1]);
        assertGradClose(ga, numericGrad(maxOf, x, dyRows, { eps: EPS }), `max over [${rows}, ${cols}]`,
          { atol: 1e-5, rtol: 1e-5 });
      }
    });
  });
}
