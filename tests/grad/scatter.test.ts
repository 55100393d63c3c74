// Finite-difference check of gather_grad_f32 on both builds: dx must be the gradient of
// L = Σ dy·gather(x, indices) (f64 forward, tests/ref/scatter_ref.ts), repeated indices included.
import { describe, it } from 'node:test';
import { builds } from '../helpers/wasm.js';
import { randomArray, randInt, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { gather_f64 } from '../ref/scatter_ref.js';

const CASES = [[1, 1, 5, 7, 3], [2, 3, 4, 5, 1], [1, 2, 3, 9, 7], [3, 1, 6, 2, 17]];

for (const { name, k } of builds) {
  describe(`gather_grad_f32 vs finite differences [${name}]`, () => {
    for (const [batch, outer, n, m, inner] of CASES) {
      it(`batch=${batch} outer=${outer} n=${n} m=${m} inner=${inner}`, () => {
        const rand = rng(batch + outer * 3 + n * 5 + m * 7 + inner);
        const x = randomArray(rand, batch * outer * n * inner);
        const idx = Int32Array.from({ length: batch * m }, () => randInt(rand, 0, n - 1));
        const dy = randomArray(rand, batch * outer * m * inner, -2, 2);
        const [r] = runKernel(k, [dy, idx], [x.length], ([dx], [pdy, pi]) =>
          k.gather_grad_f32(dx, pdy, pi, 0, batch, outer, n, m, inner));
        assertGradClose(r.out, numericGrad((v) => gather_f64(v, idx, batch, outer, n, m, inner), x, dy), 'dx',
          { atol: 1e-5, rtol: 1e-5 });
      });
    }
  });
}
