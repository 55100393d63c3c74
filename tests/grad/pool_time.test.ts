// Finite-difference checks of the masked global poolings' backward kernels on both builds: the
// gradient of L = Σ dy · pool(x, mask) by centred differences of the f64 reference forward, for
// time lengths 1, 3 and 17, with masked steps (whose derivative must come out 0), a row with no
// real step, and no mask. Max pooling is drawn without ties (values at least 0.01 apart, steps
// of 1e-3), so every point is differentiable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { global_avgpool_time_ref, global_maxpool_time_ref } from '../ref/pool_time_ref.js';

/** n distinct values at least 0.01 apart (a shuffled ramp): max pooling has no ties. */
function distinct(rand: () => number, n: number): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

for (const { name, k } of builds) {
  describe(`masked global pooling over time, backward by finite differences [${name}]`, () => {
    for (const t of [1, 3, 17]) {
      for (const masked of [false, true]) {
        it(`t=${t} ${masked ? 'masked (one row all masked)' : 'no mask'}`, () => {
          const [B, C] = [3, 5];
          const rand = rng(t * 10 + (masked ? 1 : 0));
          const x = distinct(rand, B * t * C), dy = randomArray(rand, B * C);
          let mask: Int32Array | null = null;
          if (masked) {
            mask = Int32Array.from({ length: B * t }, (_, i) => (i % 3 === 1 ? 0 : 1));
            mask.fill(0, t, 2 * t); // row 1: nothing real
          }
          const ins = mask === null ? [dy] : [dy, mask];
          const [dMean] = runKernel(k, ins, [x.length], ([o], [pdy, pm]) => k.global_avgpool_time_grad_f32(o, pdy, pm ?? 0, B, t, C));
          assertGradClose(dMean.out, numericGrad((xv) => global_avgpool_time_ref(xv, mask, B, t, C), x, dy), 'mean dx');
          const { argmax } = global_maxpool_time_ref(x, mask, B, t, C);
          const [dMax] = runKernel(k, [dy, argmax], [x.length], ([o], [pdy, pa]) => k.global_maxpool_time_grad_f32(o, pdy, pa, B, t, C));
          assertGradClose(dMax.out, numericGrad((xv) => global_maxpool_time_ref(xv, mask, B, t, C).out, x, dy, { eps: 1e-3 }), 'max dx');
          if (mask !== null) {
            // Masked positions get exactly 0 (not merely a small number).
            for (let i = 0; i < x.length; i++) {
              if (mask[Math.floor(i / C)] === 0) assert.ok(dMean.out[i] === 0 && dMax.out[i] === 0, `masked position ${i}`);
            }
          }
        });
      }
    }
  });
}
