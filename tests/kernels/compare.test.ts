// compare_f32 / compare_i32, cast_i32_f32, cast_f32_i32 and where_f32 (assembly/kernels/
// compare.ts) against tests/ref/binary_grad_ref.ts on both builds: the six comparisons over
// broadcast patterns (merged and raw descriptors), NaN/±0/±Inf rules, int32 extremes, TF.js's
// wrapping float→int cast, tails n = 0..65, and the status codes with nothing written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { randInt, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { broadcastPairs, descriptor, descriptorWords, sizeOf } from '../helpers/broadcast.js';
import { cast_f32_i32_ref, cast_i32_f32_ref, compare_ref, where_ref } from '../ref/binary_grad_ref.js';
import type { Shape } from '../ref/elementwise_ref.js';

const OPS = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];
const F_VALUES = [0, -0, 1, -1, 2, 0.5, Infinity, -Infinity, NaN, 1e-45, 3.4e38];
const I_VALUES = [0, 1, -1, 2, 7, -2147483648, 2147483647, 65536, -65536];

const bits = (x: Float32Array): Int32Array => new Int32Array(x.buffer, x.byteOffset, x.length);

function runCompare(k: Kernels, int: boolean, op: number, a: Float32Array | Int32Array, aShape: Shape,
    b: Float32Array | Int32Array, bShape: Shape, raw: boolean) {
  const d = descriptor(aShape, bShape, raw), r = d.dims.length;
  const [res] = runKernel(k, [a, b, descriptorWords(d)], [d.size], ([out], [pa, pb, pd]) =>
    (int ? k.compare_i32 : k.compare_f32)(out, pa, pb, r, pd, pd + 4 * r, pd + 8 * r, op));
  return { status: res.status, out: bits(res.out), rank: r };
}

const pairs = broadcastPairs(777);
const SIZES = [...Array.from({ length: 66 }, (_, i) => i), 100, 1000];

for (const { name: build, k } of builds) {
  describe(`compare_f32 / compare_i32 [${build}]`, () => {
    for (const int of [false, true]) {
      OPS.forEach((name, op) => {
        it(`${name}_${int ? 'i32' : 'f32'}: ${pairs.length} broadcast pairs, merged and raw`, () => {
          pairs.forEach(([as, bs], i) => {
            const rand = rng(i * 13 + op);
            const pick = (n: number) => (int
              ? Int32Array.from({ length: n }, () => (rand() < 0.3 ? I_VALUES[randInt(rand, 0, 8)] : randInt(rand, -3, 3)))
              : Float32Array.from({ length: n }, () => F_VALUES[randInt(rand, 0, F_VALUES.length - 1)]));
            const a = pick(sizeOf(as)), b = pick(sizeOf(bs));
            const want = compare_ref(op, a, as, b, bs);
            for (const raw of [false, true]) {
              const r = runCompare(k, int, op, a, as, b, bs, raw);
              assert.equal(r.status, 0);
              assert.deepEqual(r.out, want, `${name} [${as}] [${bs}] (${raw ? 'raw' : 'merged'} rank ${r.rank})`);
            }
          });
        });
      });
    }

    it('NaN compares false except notEqual; -0 == 0', () => {
      const a = Float32Array.of(NaN, NaN, 1, -0, NaN), b = Float32Array.of(NaN, 1, NaN, 0, Infinity);
      const got = OPS.map((_, op) => [...runCompare(k, false, op, a, [5], b, [5], false).out]);
      assert.deepEqual(got, [
        [0, 0, 0, 1, 0], [1, 1, 1, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 0]]);
    });

    it('status -2 for a bad rank, -3 for a bad op; nothing written', () => {
      const x = Float32Array.of(1, 2, 3), words = new Int32Array(27).fill(1), before = new Float32Array(3).fill(7);
      for (const [rank, op, status] of [[0, 0, -2], [9, 1, -2], [1, 6, -3], [1, -1, -3]]) {
        for (const f of [k.compare_f32, k.compare_i32]) {
          const [r] = runKernel(k, [x, x, words], [3], ([out], [pa, pb, pd]) =>
            f(out, pa, pb, rank, pd, pd + 36, pd + 72, op), [before]);
          assert.equal(r.status, status);
          assert.deepEqual(r.out, before);
        }
      }
    });
  });

  describe(`cast_i32_f32 / cast_f32_i32 / where_f32 [${build}]`, () => {
    it('cast_f32_i32 truncates and wraps modulo 2^32 as Int32Array.from (TF.js): n = 0..65, 100, 1000', () => {
      const special = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.9999, -2.5, 2147483520, -2147483520,
        2147483648, -2147483648, 3e9, -3e9, 4294967296, 4294967808, -4294967808, 1e10, -1e10, 16777217, 1e20, 3.4e38,
        -3.4e38, 8589934592 + 1024, 1.5e-45, 123456.789, -98765.4321, 2 ** 40 + 2 ** 20, 2 ** 54 + 2 ** 31];
      for (const n of SIZES) {
        const rand = rng(n);
        const x = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? special[(i + n) % special.length]
          : (rand() - 0.5) * 10 ** randInt(rand, 0, 12)));
        const [r] = runKernel(k, [x], [n], ([out], [px]) => k.cast_f32_i32(out, px, n));
        assert.deepEqual(bits(r.out), cast_f32_i32_ref(x), `n=${n}`);
      }
    });

    it('cast_i32_f32 rounds to nearest even as Float32Array.from: n = 0..65, 100, 1000', () => {
      for (const n of SIZES) {
        const rand = rng(n + 5);
        const x = Int32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? I_VALUES[i % I_VALUES.length] + (i & 1)
          : (rand() * 2 ** 32) | 0));
        x.forEach((_, i) => { if (i % 7 === 1) x[i] = 16777217 + 2 * i; }); // needs rounding
        const [r] = runKernel(k, [x], [n], ([out], [px]) => k.cast_i32_f32(out, px, n));
        assert.deepEqual(r.out, cast_i32_f32_ref(x), `n=${n}`);
      }
    });

    it('where_f32 selects a where cond != 0 (any nonzero int), else b; NaN payloads kept', () => {
      for (const n of SIZES) {
        const rand = rng(n + 9);
        const cond = Int32Array.from({ length: n }, () => [0, 1, -1, 2, -2147483648, 0][randInt(rand, 0, 5)]);
        const a = Float32Array.from({ length: n }, () => F_VALUES[randInt(rand, 0, F_VALUES.length - 1)]);
        const b = Float32Array.from({ length: n }, () => rand() * 4 - 2);
        const [r] = runKernel(k, [cond, a, b], [n], ([out], [pc, pa, pb]) => k.where_f32(out, pc, pa, pb, n));
        assert.deepEqual(bits(r.out), bits(where_ref(cond, a, b)), `n=${n}`);
      }
    });
  });
}
