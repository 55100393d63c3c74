// gather_grad_f32 (assembly/autograd/scatter.ts) against tests/ref/scatter_ref.ts on both builds:
// the geometry of gather_x32 (batch, outer, axis n, m indices, inner rows) with awkward inner
// sizes (row tails), repeated indices that add up, empty extents, and bad indices rejected with
// err set and dx untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { gather_grad_ref } from '../ref/scatter_ref.js';

interface Case { batch: number; outer: number; n: number; m: number; inner: number }
const cases: Case[] = [];
for (const inner of [...AWKWARD, 2, 4, 8, 16, 300]) cases.push({ batch: 1, outer: 1, n: 10, m: 7, inner });
for (const m of AWKWARD) cases.push({ batch: 1, outer: 1, n: 5, m, inner: 16 });   // m > n: repeats
cases.push({ batch: 1, outer: 3, n: 5, m: 4, inner: 1 }, { batch: 1, outer: 7, n: 3, m: 17, inner: 3 },
  { batch: 3, outer: 2, n: 4, m: 5, inner: 7 }, { batch: 2, outer: 1, n: 6, m: 3, inner: 1 },
  { batch: 2, outer: 2, n: 1, m: 9, inner: 5 }, { batch: 1, outer: 1, n: 4, m: 0, inner: 3 },
  { batch: 1, outer: 0, n: 4, m: 3, inner: 3 }, { batch: 1, outer: 2, n: 4, m: 3, inner: 0 },
  { batch: 0, outer: 2, n: 4, m: 3, inner: 2 });
const shapeRand = rng(555);
for (let i = 0; i < 8; i++) {
  cases.push({ batch: randInt(shapeRand, 1, 3), outer: randInt(shapeRand, 1, 4), n: randInt(shapeRand, 1, 20),
    m: randInt(shapeRand, 1, 40), inner: randInt(shapeRand, 1, 70) });
}

function run(k: Kernels, c: Case, dy: Float32Array, idx: Int32Array, init?: Float32Array) {
  const size = c.batch * c.outer * c.n * c.inner;
  const [dx, err] = runKernel(k, [dy, idx], [size, 2], ([pdx, perr], [pdy, pi]) =>
    k.gather_grad_f32(pdx, pdy, pi, perr, c.batch, c.outer, c.n, c.m, c.inner), init ? [init] : undefined);
  return { status: dx.status, dx: dx.out, err: new Int32Array(err.out.buffer) };
}

for (const { name, k } of builds) {
  describe(`gather_grad_f32 [${name}]`, () => {
    for (const c of cases) {
      it(`batch=${c.batch} outer=${c.outer} n=${c.n} m=${c.m} inner=${c.inner}`, () => {
        const rand = rng(c.batch * 1009 + c.outer * 101 + c.n * 13 + c.m * 7 + c.inner);
        const dy = randomArray(rand, c.batch * c.outer * c.m * c.inner, -1, 1);
        const idx = Int32Array.from({ length: c.batch * c.m }, () => randInt(rand, 0, Math.max(c.n - 1, 0)));
        // dx starts as junk: the kernel must zero it.
        const init = randomArray(rand, c.batch * c.outer * c.n * c.inner, 5, 6);
        const r = run(k, c, dy, idx, init);
        assert.equal(r.status, 0);
        const want = gather_grad_ref(dy, idx, c.batch, c.outer, c.n, c.m, c.inner);
        const expected = c.batch > 0 && c.outer > 0 && c.inner > 0 ? Float32Array.from(want) : init;
        assertClose(r.dx, expected, { atol: 4e-7 * Math.max(1, c.m), rtol: 1e-6 }, 'dx');
      });
    }

    it('every index the same: all rows add into one', () => {
      const c: Case = { batch: 1, outer: 2, n: 6, m: 33, inner: 5 };
      const dy = randomArray(rng(1), 2 * 33 * 5, -1, 1), idx = new Int32Array(33).fill(4);
      const r = run(k, c, dy, idx);
      assertClose(r.dx, Float32Array.from(gather_grad_ref(dy, idx, 1, 2, 6, 33, 5)), { atol: 1e-5, rtol: 1e-6 }, 'dx');
    });

    for (const [bad, at] of [[10, 0], [-1, 5], [12, 16], [2147483647, 3], [-2147483648, 9]]) {
      it(`index ${bad} at position ${at}: -2, err = [position, index], dx untouched`, () => {
        const c: Case = { batch: 1, outer: 2, n: 10, m: 17, inner: 3 };
        const dy = randomArray(rng(5), 2 * 17 * 3);
        const idx = Int32Array.from({ length: 17 }, (_, i) => i % 10);
        idx[at] = bad;
        if (at < 16) idx[16] = -7;
        const init = randomArray(rng(6), 2 * 10 * 3);
        const r = run(k, c, dy, idx, init);
        assert.equal(r.status, -2);
        assert.deepEqual([...r.err], [at, bad]);
        assert.deepEqual(r.dx, init);
      });
    }

    it('n = 0 rejects every index; err = 0 is allowed', () => {
      const idx = Int32Array.of(0);
      const [r] = runKernel(k, [idx], [0], ([dx], [pi]) => k.gather_grad_f32(dx, pi, pi, 0, 1, 1, 0, 1, 4));
      assert.equal(r.status, -2);
    });
  });
}
