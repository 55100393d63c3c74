// Finite-difference checks of assembly/autograd/layernorm_grad.ts on both builds: dx, dgamma and
// dbeta from layernorm_grad_f32 (with the f32 forward's saved mean and rstd) against centred
// differences of L = Σ dy·layernorm(x, gamma, beta) (f64 reference forward), for rows of
// 1, 3, 7, 17, 33 and 65 features.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { layernorm_ref } from '../ref/layernorm_ref.js';

const EPS = 1e-3;
const FD = { eps: 1e-3, points: 4 as const };
const TOL = { atol: 1e-4, rtol: 1e-4 };

for (const { name: build, k } of builds) {
  describe(`layer normalization gradients vs finite differences [${build}]`, () => {
    for (const n of AWKWARD) {
      it(`rows of ${n} features`, () => {
        const rows = 3, rand = rng(n * 31 + (build === 'simd' ? 0 : 1));
        const x = randomArray(rand, rows * n, -2, 2), gamma = randomArray(rand, n, 0.5, 1.5), beta = randomArray(rand, n, -1, 1);
        const dy = randomArray(rand, rows * n, -1, 1);
        const [yR, meanR, rstdR] = runKernel(k, [x, gamma, beta], [rows * n, rows, rows], ([py, pm, pr], [px, pg, pb]) =>
          k.layernorm_f32(py, pm, pr, px, pg, pb, rows, n, EPS));
        assert.equal(yR.status, 0);
        const [dx, dgamma, dbeta] = runKernel(k, [dy, x, meanR.out, rstdR.out, gamma], [rows * n, n, n],
          ([pdx, pdg, pdb], [pdy, px, pm, pr, pg]) => k.layernorm_grad_f32(pdx, pdg, pdb, pdy, px, pm, pr, pg, rows, n));
        assertGradClose(dx.out, numericGrad((v) => layernorm_ref(v, gamma, beta, rows, n, EPS).y, x, dy, FD), `dx, n = ${n}`, TOL);
        assertGradClose(dgamma.out, numericGrad((v) => layernorm_ref(x, v, beta, rows, n, EPS).y, gamma, dy, FD), `dgamma, n = ${n}`, TOL);
        assertGradClose(dbeta.out, numericGrad((v) => layernorm_ref(x, gamma, v, rows, n, EPS).y, beta, dy, FD), `dbeta, n = ${n}`, TOL);
      });
    }
  });
}
