// The embedding id kernels (assembly/kernels/embedding_ids.ts) on both builds: int32 ids checked
// against the vocabulary, float32 ids converted when they are whole numbers in range; the first
// bad id (position and value) reported, and nothing written then. Lengths cover the vector loop
// and every tail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randInt, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';

const bits = (v: number) => new Int32Array(Float32Array.of(v).buffer)[0];

for (const { name, k } of builds) {
  describe(`embedding ids [${name}]`, () => {
    for (const n of [...AWKWARD, 2, 4, 8, 100]) {
      it(`n=${n}: good ids pass; float ids convert exactly`, () => {
        const rand = rng(n);
        const ids = Int32Array.from({ length: n }, () => randInt(rand, 0, 999));
        const [chk] = runKernel(k, [ids], [2], ([err], [p]) => k.embedding_ids_check_i32(p, err, n, 1000));
        assert.equal(chk.status, 0);
        const [conv] = runKernel(k, [Float32Array.from(ids)], [n], ([out], [p]) => k.embedding_ids_f32(out, p, 0, n, 1000));
        assert.equal(conv.status, 0);
        assert.deepEqual(new Int32Array(conv.out.buffer), ids);
      });

      for (const bad of [1000, -1, 2.5, NaN, Infinity, -0.5, 1e9]) {
        it(`n=${n}: bad id ${bad} at the last position is reported, nothing written`, () => {
          const ids = Int32Array.from({ length: n }, (_, i) => i % 1000);
          const at = n - 1;
          const xs = Float32Array.from(ids);
          xs[at] = bad;
          const [out, err] = runKernel(k, [xs], [n, 2], ([o, e], [p]) => k.embedding_ids_f32(o, p, e, n, 1000));
          assert.equal(out.status, -2);
          assert.ok(out.out.every(Number.isNaN), 'out untouched (still the NaN fill)');
          const e = new Int32Array(err.out.buffer);
          assert.equal(e[0], at);
          assert.equal(e[1], bits(bad));
          if (Number.isInteger(bad) && Math.abs(bad) < 2 ** 31) {
            ids[at] = bad;
            const [ce] = runKernel(k, [ids], [2], ([e2], [p]) => k.embedding_ids_check_i32(p, e2, n, 1000));
            assert.equal(ce.status, -2);
            assert.deepEqual([...new Int32Array(ce.out.buffer)], [at, bad]);
          }
        });
      }
    }

    it('the first bad id is the one reported; n = 0 passes', () => {
      const xs = Float32Array.of(1, 2, 3, 4, 5, -3, 7, 1e6, 0);
      const [, err] = runKernel(k, [xs], [9, 2], ([o, e], [p]) => k.embedding_ids_f32(o, p, e, 9, 100));
      assert.deepEqual([...new Int32Array(err.out.buffer)], [5, bits(-3)]);
      const [z] = runKernel(k, [Int32Array.of(0)], [1], ([e], [p]) => k.embedding_ids_check_i32(p, e, 0, 10));
      assert.equal(z.status, 0);
    });
  });
}
