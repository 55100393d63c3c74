// Finite-difference checks of assembly/autograd/attention_softmax_grad.ts on both builds: dx from
// attention_softmax_grad_f32 (with y from the f32 forward attention_softmax_f32) against centred
// differences of L = Σ dy·maskedSoftmax(scale·scores) (f64 reference), for key lengths 1, 3 and 17,
// with a padding mask, a causal mask, both, and fully masked rows; hidden keys get exactly 0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { attention_softmax_ref } from '../ref/attention_ref.js';

const FD = { eps: 1e-3, points: 4 as const };
const TOL = { atol: 5e-5, rtol: 5e-5 };

for (const { name: build, k: wasm } of builds) {
  describe(`masked attention softmax gradient vs finite differences [${build}]`, () => {
    for (const len of [1, 3, 17]) {
      for (const kind of ['padding', 'causal', 'both'] as const) {
        it(`${len} keys, ${kind} mask`, () => {
          const b = 2, h = 2, q = Math.min(len, 4), k = len, scale = 0.6;
          const rand = rng(len * 10 + kind.length);
          const scores = randomArray(rand, b * h * q * k, -3, 3), dy = randomArray(rand, scores.length, -1, 1);
          const causal = kind !== 'padding';
          // [B, 1, K] padding: batch 1 hides its last keys (all of them when len is 1).
          const mask = kind === 'causal' ? null : Int32Array.from({ length: b * k }, (_, i) => (i >= k && i - k >= Math.ceil(k / 2) - 1 ? 0 : 1));
          const m = { mask, maskRows: 1, causal };
          const [y] = runKernel(wasm, [scores, mask ?? new Int32Array(1)], [scores.length], ([out], [ps, pm]) =>
            wasm.attention_softmax_f32(out, ps, mask ? pm : 0, b, h, q, k, 1, causal ? 1 : 0, scale));
          const [dx] = runKernel(wasm, [dy, y.out], [scores.length], ([pdx], [pdy, py]) =>
            wasm.attention_softmax_grad_f32(pdx, pdy, py, b * h * q, k, scale));
          assertGradClose(dx.out, numericGrad((v) => attention_softmax_ref(v, b, h, q, k, m, scale), scores, dy, FD),
            `${len} keys, ${kind}`, TOL);
          const ref = attention_softmax_ref(scores, b, h, q, k, m, scale);
          for (let i = 0; i < ref.length; i++) if (ref[i] === 0) assert.ok(dx.out[i] === 0, `hidden key ${i}: ${dx.out[i]}`);
        });
      }
    }
  });
}
