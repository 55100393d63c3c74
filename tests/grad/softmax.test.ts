// Finite-difference checks of assembly/autograd/softmax_grad.ts on both builds: softmax_grad_f32
// and log_softmax_grad_f32 (with y from the f32 forward) against centred differences of
// L = Σ dy·softmax(x) over [outer, n, inner] (f64 forward, inner 1 and > 1), and the fused cross
// entropies' dlogits against differences of gradScale·Σ_r loss_r (dense and sparse labels).
import { describe, it } from 'node:test';
import { builds } from '../helpers/wasm.js';
import { randomArray, randInt, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { softmax_cross_entropy_ref, softmax_f64 } from '../ref/softmax_grad_ref.js';

const SHAPES = [[1, 7, 1], [3, 5, 1], [2, 17, 1], [1, 3, 7], [2, 4, 3], [2, 33, 1], [1, 6, 5]];
const FD = { eps: 1e-3, points: 4 as const };
const TOL = { atol: 5e-5, rtol: 5e-5 };

for (const { name: build, k } of builds) {
  describe(`softmax gradients vs finite differences [${build}]`, () => {
    for (const [outer, n, inner] of SHAPES) {
      it(`softmax and log-softmax over [${outer}, ${n}, ${inner}]`, () => {
        for (const log of [false, true]) {
          const rand = rng(outer * 100 + n * 10 + inner + (log ? 1 : 0));
          const x = randomArray(rand, outer * n * inner, -3, 3), dy = randomArray(rand, x.length, -2, 2);
          const y = Float32Array.from(softmax_f64(x, outer, n, inner, log));
          const [r] = runKernel(k, [dy, y], [x.length], ([dx], [pdy, py]) =>
            (log ? k.log_softmax_grad_f32 : k.softmax_grad_f32)(dx, pdy, py, outer, n, inner));
          assertGradClose(r.out, numericGrad((v) => softmax_f64(v, outer, n, inner, log), x, dy, FD),
            `${log ? 'log_softmax' : 'softmax'} [${outer}, ${n}, ${inner}]`, TOL);
        }
      });
    }

    for (const sparse of [false, true]) {
      it(`${sparse ? 'sparse ' : ''}softmax cross entropy: dlogits = d(gradScale·Σ loss)/dlogits`, () => {
        for (const [rows, classes] of [[1, 3], [3, 7], [2, 17], [4, 10], [1, 33]]) {
          const rand = rng(rows * 50 + classes + (sparse ? 1 : 0));
          const logits = randomArray(rand, rows * classes, -3, 3);
          const labels = sparse ? Int32Array.from({ length: rows }, () => randInt(rand, 0, classes - 1))
            : randomArray(rand, rows * classes, 0, 1); // not normalized: Σ labels ≠ 1 is allowed
          const gradScale = 1 / rows;
          const [r] = runKernel(k, [logits, labels], [rows * classes], ([dl], [pl, plab]) =>
            sparse ? k.sparse_softmax_cross_entropy_f32(0, dl, pl, plab, 0, rows, classes, gradScale)
              : k.softmax_cross_entropy_f32(0, dl, pl, plab, rows, classes, gradScale));
          const loss = (v: ArrayLike<number>) => softmax_cross_entropy_ref(v, labels, rows, classes, gradScale).loss;
          assertGradClose(r.out, numericGrad(loss, logits, new Float64Array(rows).fill(Math.fround(gradScale)), FD),
            `[${rows}, ${classes}]`, TOL);
        }
      });
    }
  });
}
