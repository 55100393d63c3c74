// gemm_sparse_f32 (CSC weights × dense rows) and its packers csc_count_f32 / csc_pack_f32
// against scalar references, on both builds: awkward M (panel of 8, panel of 4, gathered rows),
// N and K, sparsities 0, 0.5, 0.9 and 1, with and without bias, linear / relu / sigmoid.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { csc_ref, gemm_sparse_f32_ref } from '../ref/sparse_ref.js';
import { ACT } from '../ref/activation_ref.js';

interface Case { m: number; n: number; k: number; sparsity: number; bias: boolean; act: number }

const cases: Case[] = [];
const SPARSITIES = [0, 0.5, 0.9, 1];
for (const s of AWKWARD) for (const sparsity of SPARSITIES) {
  cases.push({ m: s, n: s, k: s, sparsity, bias: s % 2 === 1, act: sparsity === 0.5 ? ACT.relu : ACT.linear });
}
for (const m of [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17]) cases.push({ m, n: 19, k: 37, sparsity: 0.7, bias: true, act: ACT.relu });
cases.push({ m: 9, n: 5, k: 0, sparsity: 0, bias: true, act: ACT.relu }, { m: 6, n: 7, k: 11, sparsity: 0.3, bias: true, act: ACT.sigmoid });
const shapeRand = rng(77);
for (let i = 0; i < 10; i++) {
  cases.push({ m: randInt(shapeRand, 1, 40), n: randInt(shapeRand, 1, 70), k: randInt(shapeRand, 1, 300),
    sparsity: SPARSITIES[i % 4], bias: shapeRand() < 0.5, act: shapeRand() < 0.5 ? ACT.relu : ACT.linear });
}

/** Dense W [K, N] with about `sparsity` of its entries zero. */
function sparseWeights(rand: () => number, k: number, n: number, sparsity: number): Float32Array {
  const w = randomArray(rand, k * n);
  for (let i = 0; i < w.length; i++) if (rand() < sparsity) w[i] = 0;
  return w;
}

const asI32 = (f: Float32Array) => new Int32Array(f.buffer, f.byteOffset, f.length);

for (const { name, k: wasm } of builds) {
  describe(`gemm_sparse_f32 [${name}]`, () => {
    for (const { m, n, k, sparsity, bias, act } of cases) {
      it(`m=${m} n=${n} k=${k} sparsity=${sparsity} bias=${bias} act=${act}`, () => {
        const rand = rng(m * 7919 + n * 104729 + k * 13 + Math.round(sparsity * 10));
        const x = randomArray(rand, m * k), w = sparseWeights(rand, k, n, sparsity);
        const bv = bias ? randomArray(rand, n) : null;
        const csc = csc_ref(w, k, n);
        // the packers first
        const [cnt] = runKernel(wasm, [w], [n + 1], ([cs], [pw]) => wasm.csc_count_f32(cs, pw, k, n));
        assert.equal(cnt.status, csc.rowIdx.length, 'csc_count_f32 nnz');
        assert.deepEqual(asI32(cnt.out), csc.colStart);
        const nnz = csc.rowIdx.length;
        const [ri, vals] = runKernel(wasm, [w, csc.colStart], [nnz, nnz], ([pr, pv], [pw, pc]) =>
          wasm.csc_pack_f32(pr, pv, pc, pw, k, n));
        assert.deepEqual(asI32(ri.out), csc.rowIdx);
        assert.deepEqual(vals.out, csc.values);
        // then the product
        let expected = gemm_sparse_f32_ref(x, w, bv, m, n, k, act === ACT.relu);
        if (act === ACT.sigmoid) expected = expected.map((v) => 1 / (1 + Math.exp(-v)));
        const inputs = [x, csc.colStart, csc.rowIdx, csc.values, ...(bv ? [bv] : [])];
        const [r] = runKernel(wasm, inputs, [m * n], ([out], [px, pc, pr, pv, pb]) =>
          wasm.gemm_sparse_f32(out, px, pc, pr, pv, pb ?? 0, m, n, k, act, 0));
        assert.equal(r.status, 0);
        assertClose(r.out, expected, { atol: 1e-5 * Math.sqrt(k + 1), rtol: 1e-4 }, `sparse gemm ${m}x${n}x${k}`);
      });
    }

    it('propagates NaN from x through the columns that use it', () => {
      const m = 9, n = 4, k = 6;
      const x = randomArray(rng(3), m * k), w = sparseWeights(rng(4), k, n, 0);
      w[2 * n + 1] = 0; // column 1 does not read x[:, 2]
      x[2] = NaN;       // row 0, input 2
      const csc = csc_ref(w, k, n);
      const [r] = runKernel(wasm, [x, csc.colStart, csc.rowIdx, csc.values], [m * n], ([out], [px, pc, pr, pv]) =>
        wasm.gemm_sparse_f32(out, px, pc, pr, pv, 0, m, n, k, ACT.linear, 0));
      assert.ok(Number.isNaN(r.out[0]) && Number.isNaN(r.out[2]) && Number.isNaN(r.out[3]));
      assert.ok(Number.isFinite(r.out[1]) && Number.isFinite(r.out[n]));
    });
  });
}
