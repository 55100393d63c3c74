// one_hot_f32 against tests/ref/one_hot_ref.ts on both builds: every count 0..65 with awkward
// depths, on/off values including NaN and -0, and out-of-range indices (negative, depth, 2^31-1)
// at every position of the vector check, which must return -2, report [position, value] and
// write nothing. A pure data movement: results must match the reference exactly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { one_hot_ref } from '../ref/one_hot_ref.js';

const EXACT = { atol: 0, rtol: 0 };
const DEPTHS = [1, 2, 3, 4, 7, 10, 16, 17, 33, 65, 100];
const VALUES: [number, number][] = [[1, 0], [0.9, 0.01], [-0, 5], [NaN, 0], [1, NaN], [-3.5e38, 1e-45]];

function randomIndices(rand: () => number, n: number, depth: number): Int32Array {
  return Int32Array.from({ length: n }, () => randInt(rand, 0, depth - 1));
}

/** Runs the kernel; returns the output, the err words and the status. */
function run(k: Kernels, indices: Int32Array, depth: number, on: number, off: number, withErr = true) {
  const n = indices.length;
  const [r, e] = runKernel(k, [indices], [n * depth, 2], ([out, err], [pi]) =>
    k.one_hot_f32(out, pi, withErr ? err : 0, n, depth, on, off));
  return { out: r.out, err: new Int32Array(e.out.buffer), status: r.status };
}

for (const { name, k } of builds) {
  describe(`one_hot_f32 [${name}]`, () => {
    it('n = 0..65 and larger awkward counts, every depth, on/off values with NaN and -0', () => {
      for (const depth of DEPTHS) {
        for (const n of [...Array.from({ length: 66 }, (_, i) => i), 100, 1000]) {
          const [on, off] = VALUES[(n + depth) % VALUES.length];
          const indices = randomIndices(rng(n * 131 + depth), n, depth);
          const r = run(k, indices, depth, on, off);
          assert.equal(r.status, 0, `n ${n} depth ${depth}`);
          const ref = one_hot_ref(indices, depth, on, off);
          assert.ok('out' in ref);
          assertClose(r.out, ref.out, EXACT, `n ${n} depth ${depth} on ${on} off ${off}`);
          for (let i = 0; i < r.out.length; i++) {
            if (Object.is(ref.out[i], -0)) assert.ok(Object.is(r.out[i], -0), `-0 lost at ${i}`);
          }
        }
      }
    });

    it('random shapes from a seeded generator', () => {
      const rand = rng(2024);
      for (let t = 0; t < 40; t++) {
        const n = randInt(rand, 1, 300), depth = randInt(rand, 1, 70);
        const on = rand() * 4 - 2, off = rand() * 4 - 2;
        const indices = randomIndices(rand, n, depth);
        const r = run(k, indices, depth, on, off);
        assert.equal(r.status, 0);
        const ref = one_hot_ref(indices, depth, on, off);
        assert.ok('out' in ref);
        assertClose(r.out, ref.out, EXACT, `n ${n} depth ${depth}`);
      }
    });

    it('an index outside [0, depth) returns -2 with its position and value, and writes nothing', () => {
      for (const n of AWKWARD) {
        for (const depth of [1, 10, 33]) {
          for (const bad of [-1, depth, depth + 1, 0x7FFFFFFF, -0x80000000]) {
            for (const position of new Set([0, Math.floor(n / 2), n - 1])) {
              const indices = randomIndices(rng(n + depth), n, depth);
              indices[position] = bad;
              if (position < n - 1) indices[n - 1] = -7;  // a later bad index is not the one reported
              const r = run(k, indices, depth, 1, 0);
              assert.equal(r.status, -2, `n ${n} depth ${depth} bad ${bad} at ${position}`);
              assert.deepEqual([...r.err], [position, bad]);
              assert.ok(r.out.every(Number.isNaN), 'nothing may be written when an index is bad');
            }
          }
        }
      }
    });

    it('err = 0 is allowed; n <= 0 or depth <= 0 writes nothing and returns 0', () => {
      const r = run(k, Int32Array.of(0, 5, 1), 3, 1, 0, false);
      assert.equal(r.status, -2);
      assert.ok(r.err.every((v) => v === new Int32Array(new Float32Array([NaN]).buffer)[0]), 'err untouched');
      for (const [n, depth] of [[0, 5], [3, 0], [-1, 4], [3, -2]]) {
        const [res] = runKernel(k, [Int32Array.of(1, 2, 3)], [4], ([out], [pi]) => k.one_hot_f32(out, pi, 0, n, depth, 1, 0));
        assert.equal(res.status, 0);
        assert.ok(res.out.every(Number.isNaN));
      }
    });
  });
}
