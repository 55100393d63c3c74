// The broadcasting binary kernels (assembly/kernels/elementwise.ts) against
// tests/ref/elementwise_ref.ts on both builds. Each case runs twice: with the merged plan that
// js-bindings sends (reaching the contiguous / splat fast paths) and with raw per-dimension
// strides (the odometer over every dimension, rows of any length, size-1 rows).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { binary_ref, broadcastShape, broadcastStrides, type Shape } from '../ref/elementwise_ref.js';
import { broadcastPlan } from '../../js-bindings/ops/binary.js';

type Kernel = (out: number, a: number, b: number, rank: number, shape: number, sa: number, sb: number) => number;
const F32_OPS = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
const I32_OPS = ['add', 'sub', 'mul', 'maximum', 'minimum'] as const;

function kernelOf(k: Kernels, op: string, int: boolean): Kernel {
  const name = `${op}_${int ? 'i32' : 'f32'}` as keyof Kernels;
  return (k[name] as unknown as Kernel).bind(k);
}

function randomInts(rand: () => number, n: number): Int32Array {
  // Mostly small, some huge (wrap-around in add/sub/mul).
  return Int32Array.from({ length: n }, () => (rand() < 0.1 ? (rand() * 2 ** 32) | 0 : randInt(rand, -1000, 1000)));
}

/** Runs op on (a, b) through the kernel with the given iteration plan; checks against the ref. */
function check(k: Kernels, op: string, a: Float32Array | Int32Array, aShape: Shape,
    b: Float32Array | Int32Array, bShape: Shape, raw: boolean): void {
  const int = a instanceof Int32Array;
  const want = binary_ref(op, a, aShape, b, bShape);
  const size = want.out.length;
  let dims: number[], sa: number[], sb: number[];
  if (raw) {
    dims = want.shape.length ? want.shape : [1];
    sa = want.shape.length ? broadcastStrides(aShape, want.shape) : [0];
    sb = want.shape.length ? broadcastStrides(bShape, want.shape) : [0];
  } else {
    ({ dims, aStrides: sa, bStrides: sb } = broadcastPlan(op, aShape, bShape));
  }
  const plan = Int32Array.from([...dims, ...sa, ...sb]), r = dims.length;
  const [res] = runKernel(k, [a, b, plan], [size], ([o], [pa, pb, pp]) =>
    kernelOf(k, op, int)(o, pa, pb, r, pp, pp + 4 * r, pp + 8 * r));
  assert.equal(res.status, 0);
  const what = `${op} ${int ? 'i32' : 'f32'} [${aShape}] with [${bShape}] (${raw ? 'raw' : 'merged'} rank ${r})`;
  if (int) assert.deepEqual(new Int32Array(res.out.buffer), want.out, what);
  else assertClose(res.out, want.out, { atol: 0, rtol: 0 }, what);
}

// Shape pairs: same shape (every n in 0..65 and some larger), scalars, rows, columns, NHWC bias.
const pairs: [Shape, Shape][] = [];
for (let n = 0; n <= 65; n++) pairs.push([[n], [n]]);
pairs.push([[1000], [1000]], [[3, 5, 7], [3, 5, 7]], [[2, 3, 4, 5], [2, 3, 4, 5]]);
for (const n of [0, ...AWKWARD, 100]) pairs.push([[n], []], [[], [n]], [[n], [1]], [[1], [n]]);
pairs.push([[], []], [[1, 1], [1]], [[2, 1, 3], []]);
for (const c of AWKWARD) {
  for (const nr of [1, 2, 5]) {
    pairs.push([[nr, c], [c]], [[c], [nr, c]], [[nr, c], [1, c]]);   // row (bias) broadcast
    pairs.push([[nr, c], [nr, 1]], [[nr, 1], [nr, c]]);                // column broadcast
    pairs.push([[nr, 1], [1, c]], [[1, c], [nr, 1]]);                  // outer product
  }
  pairs.push([[2, 3, 5, c], [c]], [[2, 3, 5, c], [1, 1, 1, c]], [[c], [2, 3, 5, c]]); // NHWC + bias
  pairs.push([[2, 3, 5, c], [2, 1, 1, c]], [[2, 3, 5, c], [2, 3, 5, 1]]);
}
// Random broadcastable pairs from a seeded generator.
const shapeRand = rng(4242);
for (let i = 0; i < 40; i++) {
  const rank = randInt(shapeRand, 1, 5);
  const out = Array.from({ length: rank }, () => randInt(shapeRand, 1, 6));
  const derive = (): number[] => out.slice(randInt(shapeRand, 0, rank)).map((d) => (shapeRand() < 0.35 ? 1 : d));
  pairs.push([derive(), derive()]);
}

const EXTREMES = [0, -0, 1, -1, 1e30, -1e30, 3e38, -3e38, 1e-45, Infinity, -Infinity, NaN, 2, 0.5, -7, 1e-30];

for (const { name: build, k } of builds) {
  describe(`elementwise kernels [${build}]`, () => {
    for (const op of F32_OPS) {
      it(`${op}_f32: ${pairs.length} shape pairs, merged and raw strides`, () => {
        pairs.forEach(([as, bs], i) => {
          const rand = rng(i * 31 + op.length);
          const a = randomArray(rand, as.reduce((x, y) => x * y, 1), -10, 10);
          const b = randomArray(rand, bs.reduce((x, y) => x * y, 1), -10, 10);
          check(k, op, a, as, b, bs, false);
          check(k, op, a, as, b, bs, true);
        });
      });

      it(`${op}_f32: every pair of extreme values (±0, ±1e30, overflow, ±Inf, NaN)`, () => {
        const n = EXTREMES.length;
        const a = new Float32Array(n * n), b = new Float32Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { a[i * n + j] = EXTREMES[i]; b[i * n + j] = EXTREMES[j]; }
        check(k, op, a, [n * n], b, [n * n], false);
        check(k, op, Float32Array.from(EXTREMES), [n, 1], Float32Array.from(EXTREMES), [n], false);
        check(k, op, Float32Array.from(EXTREMES), [n], Float32Array.from([NaN]), [], false);
      });
    }

    for (const op of I32_OPS) {
      it(`${op}_i32: shape pairs, wrap-around`, () => {
        pairs.forEach(([as, bs], i) => {
          if (i % 3 !== 0) return; // a third of the table is plenty: same driver as f32
          const rand = rng(i * 17 + op.length);
          const a = randomInts(rand, as.reduce((x, y) => x * y, 1)), b = randomInts(rand, bs.reduce((x, y) => x * y, 1));
          check(k, op, a, as, b, bs, false);
          check(k, op, a, as, b, bs, true);
        });
        const big = Int32Array.from([2 ** 31 - 1, -(2 ** 31), 65536, -1]);
        check(k, op, big, [4], Int32Array.from([1, -1, 65536, -(2 ** 31)]), [4], false);
      });
    }

    it('out may alias a or b when it has the output shape (in place)', () => {
      const cases: [number[], number[], 'a' | 'b'][] = [[[37], [37], 'a'], [[5, 13], [13], 'a'], [[13], [5, 13], 'b'], [[6, 7], [6, 1], 'a']];
      for (const [as, bs, alias] of cases) {
        assert.ok(broadcastShape(as, bs) !== null);
        const rand = rng(as.length * 7 + bs.length);
        const a = randomArray(rand, as.reduce((x, y) => x * y, 1)), b = randomArray(rand, bs.reduce((x, y) => x * y, 1));
        const want = binary_ref('sub', a, as, b, bs).out;
        const { dims, aStrides, bStrides } = broadcastPlan('sub', as, bs);
        const pa = put(k, a), pb = put(k, b), pp = put(k, Int32Array.from([...dims, ...aStrides, ...bStrides]));
        const r = dims.length, out = alias === 'a' ? pa : pb;
        assert.equal(k.sub_f32(out, pa, pb, r, pp, pp + 4 * r, pp + 8 * r), 0);
        assertClose(new Float32Array(k.memory.buffer, out, want.length).slice(), want, { atol: 0, rtol: 0 }, `alias ${alias} [${as}] - [${bs}]`);
        for (const p of [pa, pb, pp]) k.arena_free(p);
      }
      assert.equal(k.arena_check(), 0);
    });

    it('returns -2 for a rank outside 1..8 and writes nothing', () => {
      const a = Float32Array.from([1, 2]);
      for (const rank of [0, 9, -1]) {
        const plan = new Int32Array(27).fill(1);
        const [r] = runKernel(k, [a, a, plan], [2], ([o], [pa, pb, pp]) => k.add_f32(o, pa, pb, rank, pp, pp, pp));
        assert.equal(r.status, -2);
        assert.ok(r.out.every(Number.isNaN), 'nothing written');
      }
    });

    it('zero-size dimensions write nothing', () => {
      const [r] = runKernel(k, [new Float32Array(0), new Float32Array(3), Int32Array.from([0, 3, 3, 1, 0, 1])], [0],
        ([o], [pa, pb, pp]) => k.add_f32(o, pa, pb, 2, pp, pp + 8, pp + 16));
      assert.equal(r.status, 0);
    });

    it('strided innermost dimension (a stride other than 0 or 1) takes the lane-at-a-time path', () => {
      // a: [4, 3] read transposed as [3, 4] (strides [1, 3]); b: [4] broadcast over rows.
      const a = randomArray(rng(5), 12), b = randomArray(rng(6), 4);
      const plan = Int32Array.from([3, 4, 1, 3, 0, 1]);
      const [r] = runKernel(k, [a, b, plan], [12], ([o], [pa, pb, pp]) => k.mul_f32(o, pa, pb, 2, pp, pp + 8, pp + 16));
      const want = new Float32Array(12);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) want[i * 4 + j] = a[j * 3 + i] * b[j];
      assertClose(r.out, want, { atol: 0, rtol: 0 }, 'strided');
    });
  });
}
