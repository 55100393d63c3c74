// Finite-difference checks of batchnorm_grad_f32 on both builds: dx, dgamma and dbeta against
// centred differences of L = Σ dy·bn(x; gamma, beta) with the f64 training-mode forward
// (tests/ref/batchnorm_grad_ref.ts: the batch mean and variance depend on x). The kernel gets
// the mean and invStd that batchnorm_train_f32 returns, as in a training step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { batchnorm_forward_f64 } from '../ref/batchnorm_grad_ref.js';

const SHAPES: [number, number, number][] = [[2, 3, 0], [3, 1, 0], [7, 3, 0], [5, 5, 0], [17, 2, 0], [4, 7, 0], [9, 3, 1000]];
const EPS_BN = 1e-3;

/** mean and invStd from the kernel's own forward pass. */
function stats(k: Kernels, x: Float32Array, rows: number, c: number) {
  const [out, mean, , invStd] = runKernel(k, [x], [rows * c, c, c, c], ([po, pm, pv, ps], [px]) =>
    k.batchnorm_train_f32(po, pm, pv, ps, px, 0, 0, rows, c, EPS_BN));
  assert.equal(out.status, 0);
  return { mean: mean.out, invStd: invStd.out };
}

for (const { name: build, k } of builds) {
  describe(`batchnorm_grad_f32 vs finite differences [${build}]`, () => {
    for (const [rows, c, offset] of SHAPES) {
      it(`[${rows}, ${c}]${offset ? ` x ≈ ${offset} ± 1` : ''}: dx, dgamma, dbeta`, () => {
        const rand = rng(rows * 10 + c);
        const x = randomArray(rand, rows * c, -1, 1).map((v) => v + offset);
        const gamma = randomArray(rand, c, 0.5, 2), beta = randomArray(rand, c, -1, 1);
        const dy = randomArray(rand, rows * c, -2, 2);
        const { mean, invStd } = stats(k, x, rows, c);
        const [dx, dg, db] = runKernel(k, [dy, x, mean, invStd, gamma], [rows * c, c, c],
          ([pdx, pdg, pdb], [pdy, px, pm, ps, pg]) => k.batchnorm_grad_f32(pdx, pdg, pdb, pdy, px, pm, ps, pg, rows, c));
        assert.equal(dx.status, 0);
        const tol = { atol: 2e-4, rtol: 2e-4 };
        const fd = { eps: 1e-3, points: 4 as const };
        assertGradClose(dx.out, numericGrad((v) => batchnorm_forward_f64(v, gamma, beta, rows, c, EPS_BN), x, dy, fd), 'dx', tol);
        assertGradClose(dg.out, numericGrad((v) => batchnorm_forward_f64(x, v, beta, rows, c, EPS_BN), gamma, dy, fd),
          'dgamma', tol);
        assertGradClose(db.out, numericGrad((v) => batchnorm_forward_f64(x, gamma, v, rows, c, EPS_BN), beta, dy, fd),
          'dbeta', tol);
      });
    }
  });
}
