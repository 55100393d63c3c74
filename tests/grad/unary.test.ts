// Finite-difference checks of unary_grad_f32 on both builds: for every op code, the gradient of
// L = Σ dy·f(x) from centred differences of the f64 forward (tests/ref/unary_grad_ref.ts) against
// the kernel's dx, on awkward sizes, with x drawn away from each op's kinks.
import { describe, it } from 'node:test';
import { builds } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { forward_f32, UNARY_GRAD_OPS } from '../ref/unary_grad_ref.js';

// Input ranges kept clear of the kinks (relu/abs at 0, relu6 at 0 and 6, clip at its bounds)
// and of the domains' edges (log, sqrt at 0); alpha/beta as the kernel tests.
const RANGES: Record<string, { lo: number; hi: number; alpha?: number; beta?: number; avoid?: number[] }> = {
  linear: { lo: -3, hi: 3 },
  relu: { lo: -3, hi: 3, avoid: [0] },
  relu6: { lo: -2, hi: 8, avoid: [0, 6] },
  leakyrelu: { lo: -3, hi: 3, alpha: 0.2, avoid: [0] },
  elu: { lo: -4, hi: 3, alpha: 1.5, avoid: [0] },
  sigmoid: { lo: -6, hi: 6 },
  tanh: { lo: -3, hi: 3 },
  gelu: { lo: -5, hi: 5 },
  erf: { lo: -3, hi: 3 },
  exp: { lo: -4, hi: 4 },
  log: { lo: 0.2, hi: 20 },
  sqrt: { lo: 0.2, hi: 20 },
  abs: { lo: -3, hi: 3, avoid: [0] },
  neg: { lo: -3, hi: 3 },
  square: { lo: -3, hi: 3 },
  clip: { lo: -3, hi: 3, alpha: -1, beta: 2, avoid: [-1, 2] },
  softplus: { lo: -8, hi: 8 },
  selu: { lo: -4, hi: 3, avoid: [0] },
};

const EPS = 1e-3;

for (const { name: build, k } of builds) {
  describe(`unary_grad_f32 vs finite differences [${build}]`, () => {
    for (const op of UNARY_GRAD_OPS) {
      const { lo, hi, alpha = 0, beta = 0, avoid = [] } = RANGES[op.name];
      it(`${op.code} ${op.name}`, () => {
        for (const n of [1, 3, 7, 17, 33]) {
          const rand = rng(n * 31 + op.code);
          const x = randomArray(rand, n, lo, hi).map((v) => {
            for (const kink of avoid) if (Math.abs(v - kink) < 4 * EPS) return kink + 0.1; // away from kinks
            return v;
          });
          const dy = randomArray(rand, n, -2, 2);
          const y = forward_f32(op, x, alpha, beta);
          const [r] = runKernel(k, [dy, x, y], [n], ([dx], [pdy, px, py]) =>
            k.unary_grad_f32(dx, pdy, px, py, n, op.code, alpha, beta));
          const a = Math.fround(alpha), b = Math.fround(beta);
          const f = (v: Float64Array) => Float64Array.from(v, (t) => op.forward(t, a, b));
          assertGradClose(r.out, numericGrad(f, x, dy, { eps: EPS, points: 4 }), `${op.name} n=${n}`,
            { atol: 1e-4, rtol: 1e-4 });
        }
      });
    }
  });
}
