// The pruning kernels against scalar references on both builds: kth_smallest_f32 (nth_element)
// against a sort, magnitude_mask_f32, apply_mask_f32, mask_2of4_f32 and count_zeros_f32, on
// awkward sizes, with ties and zeros.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { kth_smallest_ref, mask_2of4_ref } from '../ref/sparse_ref.js';

const SIZES = [...AWKWARD, 2, 4, 16, 1000];

/** Values with repeats and zeros, as weights after some pruning have. */
function weights(rand: () => number, n: number): Float32Array {
  const w = randomArray(rand, n);
  for (let i = 0; i < n; i++) {
    const u = rand();
    if (u < 0.2) w[i] = 0;
    else if (u < 0.3) w[i] = 0.25 * Math.sign(w[i]);
  }
  return w;
}

for (const { name, k: wasm } of builds) {
  describe(`pruning kernels [${name}]`, () => {
    for (const n of SIZES) {
      it(`kth_smallest_f32 n=${n}: every rank of a sample`, () => {
        const rand = rng(n * 31 + 1);
        const v = weights(rand, n).map(Math.abs);
        for (const kth of new Set([0, n - 1, n >> 1, randInt(rand, 0, n - 1), randInt(rand, 0, n - 1)])) {
          // the kernel reorders its buffer: give it an output initialised with the values
          const [r] = runKernel(wasm, [], [n], ([buf]) => wasm.kth_smallest_f32(buf, n, kth), [v]);
          assert.equal(r.status, kth_smallest_ref(v, kth), `kth=${kth}`);
          assert.deepEqual(Float32Array.from(r.out).sort(), Float32Array.from(v).sort(), 'a permutation of the input');
        }
      });

      it(`magnitude_mask_f32, apply_mask_f32 and count_zeros_f32 n=${n}`, () => {
        const rand = rng(n * 17 + 5);
        const w = weights(rand, n);
        const thr = 0.25;
        const expectedMask = w.map((x) => (Math.abs(x) > thr ? 1 : 0));
        const [m] = runKernel(wasm, [w], [n], ([pm], [pw]) => wasm.magnitude_mask_f32(pm, pw, n, thr));
        assert.deepEqual(m.out, expectedMask);
        const [a] = runKernel(wasm, [], [n], ([pw]) => {
          const pm = wasm.arena_alloc(4 * n + 16);
          new Float32Array(wasm.memory.buffer, pm, n).set(expectedMask);
          const s = wasm.apply_mask_f32(pw, pm, n);
          wasm.arena_free(pm);
          return s;
        }, [w]);
        // Pruned weights become +0 exactly (deepEqual tells -0 apart): model files store them as zeros.
        assert.deepEqual(a.out, w.map((x, i) => (expectedMask[i] ? x : 0)));
        const [z] = runKernel(wasm, [w], [1], (_o, [pw]) => wasm.count_zeros_f32(pw, n));
        assert.equal(z.status, w.filter((x) => x === 0).length);
      });
    }

    for (const [k, n] of [[4, 1], [8, 3], [7, 5], [17, 33], [65, 7], [1, 4], [2, 9], [3, 2]]) {
      it(`mask_2of4_f32 K=${k} N=${n}`, () => {
        const w = weights(rng(k * 100 + n), k * n);
        const [r] = runKernel(wasm, [w], [k * n], ([pm], [pw]) => wasm.mask_2of4_f32(pm, pw, k, n));
        assert.deepEqual(r.out, mask_2of4_ref(w, k, n));
        // every full group keeps exactly 2
        for (let g = 0; g + 4 <= k; g += 4) for (let j = 0; j < n; j++) {
          let kept = 0;
          for (let a = 0; a < 4; a++) kept += r.out[(g + a) * n + j];
          assert.equal(kept, 2);
        }
      });
    }
  });
}
