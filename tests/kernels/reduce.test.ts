// sum/mean/max/min/argmax/argmin_f32 against their scalar references on both builds: the
// canonical [outer, reduce, inner] form with awkward sizes, vector and block edges (16 floats
// a trip, the 32-term f64 fold), random shapes, NaN/Inf, ties, empty axes and the sum's error
// bound at n = 1e5. Every input is followed by junk (NaN, Inf, -Inf) inside the arena padding,
// so over-read lanes that leak into a result show up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { arg_f32_ref, reduce_f32_ref, sum_f64_ref, type ReduceOp } from '../ref/reduce_ref.js';

const OPS: ReduceOp[] = ['sum', 'mean', 'max', 'min'];
const U = 2 ** -24;
/** The bound stated in assembly/kernels/reduce.ts: (SUM_SPAN + 4)·u·Σ|x| + u·|s|, SUM_SPAN = 32. */
const BOUND_TERMS = 36;

interface Case { outer: number; reduce: number; inner: number }

const cases: Case[] = [];
// Awkward sizes in all three places.
for (const outer of AWKWARD) for (const reduce of AWKWARD) for (const inner of AWKWARD) {
  if (outer * reduce * inner <= 15_000) cases.push({ outer, reduce, inner });
}
// Row edges (I == 1): the 4-float vector, the 16-float trip, the 512-float fold block.
for (const reduce of [2, 4, 5, 8, 12, 15, 16, 31, 32, 63, 64, 65, 511, 512, 513, 1024, 1029]) {
  cases.push({ outer: 3, reduce, inner: 1 });
}
// Column edges (I > 1): 4- and 16-column strips, the 32-row fold.
for (const inner of [2, 4, 5, 8, 12, 15, 16, 19, 20, 32, 36]) {
  for (const reduce of [2, 31, 32, 33, 70]) cases.push({ outer: 2, reduce, inner });
}
// Random shapes from a seeded generator.
const shapeRand = rng(77);
for (let i = 0; i < 16; i++) {
  cases.push({ outer: randInt(shapeRand, 1, 9), reduce: randInt(shapeRand, 1, 300), inner: randInt(shapeRand, 1, 40) });
}

/** x followed by three junk floats that a correct kernel never lets into a result. */
function withJunk(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length + 3);
  out.set(x);
  out.set([NaN, Infinity, -Infinity], x.length);
  return out;
}

/** Values from a small set (plenty of ties), with NaN and ±Inf sprinkled in when `special`. */
function tieData(rand: () => number, n: number, special: boolean): Float32Array {
  const levels = [-2, -1, 0, 1, 2];
  return Float32Array.from({ length: n }, () => {
    const u = rand();
    if (special && u < 0.05) return NaN;
    if (special && u < 0.08) return -Infinity;
    if (special && u < 0.1) return Infinity;
    return levels[Math.floor(rand() * levels.length)];
  });
}

function runReduce(k: Kernels, op: ReduceOp, x: Float32Array, { outer, reduce, inner }: Case): Float32Array {
  const [r] = runKernel(k, [withJunk(x)], [outer * inner], ([out], [px]) =>
    k[`${op}_f32`](out, px, outer, reduce, inner));
  assert.equal(r.status, 0);
  return r.out;
}

function runArg(k: Kernels, op: 'max' | 'min', x: Float32Array, { outer, reduce, inner }: Case): Int32Array {
  const [r] = runKernel(k, [withJunk(x)], [outer * inner], ([out], [px]) =>
    k[`arg${op}_f32`](out, px, outer, reduce, inner));
  assert.equal(r.status, 0);
  return new Int32Array(r.out.buffer);
}

/** Checks the sum/mean error bound against the f64 reference, element by element. */
function assertSumBound(op: 'sum' | 'mean', got: Float32Array, x: Float32Array, c: Case, what: string): void {
  const want = sum_f64_ref(x, c.outer, c.reduce, c.inner);
  const abs = sum_f64_ref(x, c.outer, c.reduce, c.inner, true);
  const scale = op === 'mean' ? 1 / c.reduce : 1;
  for (let i = 0; i < got.length; i++) {
    const s = want[i] * scale;
    // sum: the f32 partials' error, then one rounding; mean: the same divided by R, one rounding.
    const bound = BOUND_TERMS * U * abs[i] * scale + U * Math.abs(s);
    assert.ok(Math.abs(got[i] - s) <= bound, `${what} [${i}]: got ${got[i]}, want ${s}, bound ${bound}`);
  }
}

for (const { name, k } of builds) {
  describe(`reductions [${name}]`, () => {
    for (const c of cases) {
      const { outer, reduce, inner } = c;
      it(`outer=${outer} reduce=${reduce} inner=${inner}`, () => {
        const rand = rng(outer * 1000003 + reduce * 1009 + inner);
        const x = randomArray(rand, outer * reduce * inner);
        for (const op of OPS) {
          const got = runReduce(k, op, x, c);
          if (op === 'sum' || op === 'mean') assertSumBound(op, got, x, c, op);
          else assertClose(got, reduce_f32_ref(op, x, outer, reduce, inner), { atol: 0, rtol: 0 }, op);
        }
        const ties = tieData(rand, x.length, false);
        for (const op of ['max', 'min'] as const) {
          assert.deepEqual(runArg(k, op, ties, c), arg_f32_ref(op, ties, outer, reduce, inner), `arg${op} ties`);
          assert.deepEqual(runArg(k, op, x, c), arg_f32_ref(op, x, outer, reduce, inner), `arg${op}`);
        }
      });
    }

    it('sum and mean of 1e5 floats stay within the stated bound (rows and columns)', () => {
      const rand = rng(5);
      for (const c of [{ outer: 1, reduce: 100_000, inner: 1 }, { outer: 2, reduce: 50_000, inner: 3 },
        { outer: 1, reduce: 20_000, inner: 17 }]) {
        for (const [lo, hi] of [[-1, 1], [0, 1], [1000, 1001]]) {
          const x = randomArray(rand, c.outer * c.reduce * c.inner, lo, hi);
          for (const op of ['sum', 'mean'] as const) {
            assertSumBound(op, runReduce(k, op, x, c), x, c, `${op} ${JSON.stringify(c)} [${lo},${hi})`);
          }
        }
      }
    });

    it('max/min propagate NaN; sums propagate Inf and NaN; junk past a row stays out', () => {
      for (const c of [{ outer: 4, reduce: 7, inner: 1 }, { outer: 4, reduce: 37, inner: 1 },
        { outer: 3, reduce: 9, inner: 5 }, { outer: 2, reduce: 5, inner: 19 }]) {
        const x = randomArray(rng(c.reduce), c.outer * c.reduce * c.inner);
        const n = x.length;
        x[0] = NaN;                 // the first row/column: NaN
        x[n - 1] = Infinity;        // the last: +Inf (and -Inf below, making the sum NaN)
        x[Math.floor(n / 2)] = -Infinity;
        for (const op of OPS) {
          assertClose(runReduce(k, op, x, c), reduce_f32_ref(op, x, c.outer, c.reduce, c.inner),
            { atol: 1e-5, rtol: 1e-5 }, `${op} ${JSON.stringify(c)}`);
        }
      }
      // Rows of 5 with junk at the next row's start: the masked tail must not see it.
      const rows = Float32Array.from([1, 2, 3, 4, 5, NaN, -9, 9, 0, 0]);
      const c = { outer: 2, reduce: 5, inner: 1 };
      assertClose(runReduce(k, 'max', rows, c), [5, NaN], { atol: 0, rtol: 0 }, 'max rows');
      assertClose(runReduce(k, 'min', rows, c), [1, NaN], { atol: 0, rtol: 0 }, 'min rows');
      assertClose(runReduce(k, 'sum', rows, c), [15, NaN], { atol: 0, rtol: 0 }, 'sum rows');
    });

    it('argmax/argmin follow TF.js with NaN and ±Inf (rows and columns)', () => {
      const rand = rng(99);
      for (const c of [{ outer: 40, reduce: 1, inner: 1 }, { outer: 40, reduce: 3, inner: 1 },
        { outer: 40, reduce: 13, inner: 1 }, { outer: 20, reduce: 70, inner: 1 },
        { outer: 5, reduce: 9, inner: 7 }, { outer: 3, reduce: 40, inner: 17 }]) {
        const x = tieData(rand, c.outer * c.reduce * c.inner, true);
        for (const op of ['max', 'min'] as const) {
          assert.deepEqual(runArg(k, op, x, c), arg_f32_ref(op, x, c.outer, c.reduce, c.inner),
            `arg${op} ${JSON.stringify(c)}`);
        }
      }
      const one = (v: number[]) => [runArg(k, 'max', Float32Array.from(v), { outer: 1, reduce: v.length, inner: 1 })[0],
        runArg(k, 'min', Float32Array.from(v), { outer: 1, reduce: v.length, inner: 1 })[0]];
      assert.deepEqual(one([NaN, 1, 5, 2, 0, 7, 3]), [0, 0]);          // NaN first: never beaten
      assert.deepEqual(one([1, 3, NaN, 2, 9, 9, -1, 9, -1]), [4, 6]);  // later NaN skipped; first of ties
      assert.deepEqual(one([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity]), [0, 0]);
      assert.deepEqual(one([Infinity, 2, Infinity, -Infinity, 1, -Infinity]), [0, 3]);
      assert.deepEqual(one([NaN, NaN, NaN, NaN, NaN, NaN]), [0, 0]);
      assert.deepEqual(one([2, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 3]), [9, 0]);
    });

    it('empty axis: sum 0, mean NaN, max -Inf, min +Inf, argmax/argmin 0; empty outer writes nothing', () => {
      for (const inner of [1, 3, 4, 21]) {
        const c = { outer: 3, reduce: 0, inner };
        const x = new Float32Array(0);
        const want = { sum: 0, mean: NaN, max: -Infinity, min: Infinity };
        for (const op of OPS) {
          assertClose(runReduce(k, op, x, c), new Float32Array(3 * inner).fill(want[op]), {}, `${op} inner=${inner}`);
        }
        for (const op of ['max', 'min'] as const) assert.deepEqual(runArg(k, op, x, c), new Int32Array(3 * inner));
      }
      for (const c of [{ outer: 0, reduce: 5, inner: 1 }, { outer: 0, reduce: 5, inner: 6 }, { outer: 4, reduce: 5, inner: 0 }]) {
        for (const op of OPS) assert.equal(runReduce(k, op, new Float32Array(0), c).length, 0);
      }
    });
  });
}
