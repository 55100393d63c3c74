// The attention kernels against tests/ref/attention_ref.ts on both builds:
//   attention_softmax_f32: masks [B, Q, K] and [B, 1, K], causal (also Q != K), both, neither;
//     awkward key counts (vector tails), fully masked rows (zeros, not NaN), large scores, NaN;
//   attention_softmax_grad_f32: rows of awkward lengths, hidden keys, in place;
//   gemm_batched_f32: the attention einsums as strides (Q·Kᵀ, P·V, Pᵀ·dC, dS·K, dSᵀ·Q) on
//     awkward sizes, K past the KC slice, accumulate, and nothing written between C's rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { attention_softmax_grad_ref, attention_softmax_ref, gemm_batched_ref, type BatchedStrides } from '../ref/attention_ref.js';

interface SmCase { b: number; h: number; q: number; k: number; mask: 'none' | 'rows' | 'keys'; causal: boolean }
const smCases: SmCase[] = [];
for (const k of AWKWARD) for (const mask of ['none', 'rows', 'keys'] as const) smCases.push({ b: 2, h: 2, q: 3, k, mask, causal: false });
for (const q of [1, 3, 17]) for (const k of [1, 3, 17, 20]) smCases.push({ b: 1, h: 2, q, k, mask: 'rows', causal: true });
smCases.push({ b: 2, h: 1, q: 5, k: 5, mask: 'none', causal: true }, { b: 1, h: 3, q: 65, k: 65, mask: 'keys', causal: true });
smCases.push({ b: 1, h: 1, q: 2, k: 200, mask: 'rows', causal: false }, { b: 0, h: 2, q: 3, k: 3, mask: 'none', causal: false });
const shapeRand = rng(31);
for (let i = 0; i < 6; i++) {
  smCases.push({ b: randInt(shapeRand, 1, 3), h: randInt(shapeRand, 1, 4), q: randInt(shapeRand, 1, 20), k: randInt(shapeRand, 1, 70),
    mask: (['none', 'rows', 'keys'] as const)[i % 3], causal: i % 2 === 1 });
}

/** A 0/1 mask with about a third hidden, and some fully hidden rows. */
function makeMask(rand: () => number, b: number, rows: number, k: number): Int32Array {
  const m = Int32Array.from({ length: b * rows * k }, () => (rand() < 0.35 ? 0 : 1));
  if (rows > 1) m.fill(0, k, 2 * k); // row 1 of batch 0 fully hidden
  return m;
}

for (const { name: build, k: wasm } of builds) {
  describe(`attention_softmax_f32 [${build}]`, () => {
    for (const c of smCases) {
      it(`[${c.b}, ${c.h}, ${c.q}, ${c.k}] mask ${c.mask}${c.causal ? ', causal' : ''}`, () => {
        const rand = rng(c.b * 7 + c.h * 31 + c.q * 101 + c.k * 997 + (c.causal ? 5 : 0));
        const scores = randomArray(rand, c.b * c.h * c.q * c.k, -6, 6);
        const maskRows = c.mask === 'keys' ? 1 : c.q;
        const mask = c.mask === 'none' ? null : makeMask(rand, c.b, maskRows, c.k);
        const scale = 0.35;
        const ref = attention_softmax_ref(scores, c.b, c.h, c.q, c.k, { mask, maskRows, causal: c.causal }, scale);
        const [r] = runKernel(wasm, [scores, mask ?? new Int32Array(1)], [scores.length], ([out], [ps, pm]) =>
          wasm.attention_softmax_f32(out, ps, mask ? pm : 0, c.b, c.h, c.q, c.k, maskRows, c.causal ? 1 : 0, scale));
        assert.equal(r.status, 0);
        assertClose(r.out, ref, { atol: 1e-7, rtol: 2e-6 }, 'probabilities');
      });
    }

    it('large scores, -Inf scores, NaN, and in place', () => {
      // the last rows: NaN first (where a pseudo-max drops it), NaN beside -Inf, all NaN
      const scores = Float32Array.from([1e30, -1e30, 0, 5, -Infinity, -Infinity, -Infinity, -Infinity, 1, NaN, 2, 3,
        NaN, 1, 2, 3, -Infinity, NaN, -Infinity, -Infinity, NaN, NaN, NaN, NaN]);
      const ref = attention_softmax_ref(scores, 1, 1, 6, 4, { mask: null, maskRows: 1, causal: false }, 1);
      const p = put(wasm, scores);
      assert.equal(wasm.attention_softmax_f32(p, p, 0, 1, 1, 6, 4, 1, 0, 1), 0);
      const out = new Float32Array(wasm.memory.buffer, p, 24).slice();
      assertClose(out.subarray(0, 4), ref.subarray(0, 4), { atol: 1e-7 }, 'row of ±1e30');
      assert.deepEqual([...out.subarray(4, 8)], [0, 0, 0, 0], 'a row of -Inf gives zeros');
      assert.ok(out.subarray(8).every(Number.isNaN), 'NaN in a row makes it NaN');
      wasm.arena_free(p);
    });
  });

  describe(`attention_softmax_grad_f32 [${build}]`, () => {
    for (const [rows, k] of [[1, 1], [3, 3], [2, 7], [4, 17], [2, 33], [3, 65], [2, 200]]) {
      it(`[${rows}, ${k}] with hidden keys`, () => {
        const rand = rng(rows * 13 + k);
        const mask = makeMask(rand, 1, rows, k);
        const y = Float32Array.from(attention_softmax_ref(randomArray(rand, rows * k, -3, 3), 1, 1, rows, k, { mask, maskRows: rows, causal: false }, 0.5));
        const dy = randomArray(rand, rows * k, -1, 1);
        const ref = attention_softmax_grad_ref(dy, y, rows, k, 0.5);
        const [r] = runKernel(wasm, [dy, y], [rows * k], ([dx], [pdy, py]) => wasm.attention_softmax_grad_f32(dx, pdy, py, rows, k, 0.5));
        assertClose(r.out, ref, { atol: 1e-6, rtol: 1e-5 }, 'dx');
        for (let i = 0; i < mask.length; i++) if (mask[i] === 0) assert.ok(r.out[i] === 0, `hidden key ${i} gets no gradient`);
        const pdy = put(wasm, dy), py = put(wasm, y);
        assert.equal(wasm.attention_softmax_grad_f32(pdy, pdy, py, rows, k, 0.5), 0);
        assertClose(new Float32Array(wasm.memory.buffer, pdy, dy.length).slice(), ref, { atol: 1e-6, rtol: 1e-5 }, 'dx in place');
        wasm.arena_free(pdy); wasm.arena_free(py);
      });
    }
  });

  describe(`gemm_batched_f32 [${build}]`, () => {
    // Q [B, T, H, D], K [B, S, H, D], V [B, S, H, E], P [B, H, T, S], context [B, T, H, E].
    const einsums = (B: number, T: number, S: number, H: number, D: number, E: number) => {
      const st = (aBatch: number, aHead: number, aRow: number, aCol: number, bBatch: number, bHead: number, bRow: number,
        bCol: number, cBatch: number, cHead: number, ldc: number): BatchedStrides =>
        ({ aBatch, aHead, aRow, aCol, bBatch, bHead, bRow, bCol, cBatch, cHead, ldc });
      return [
        // scores = Q·Kᵀ: [T, D]·[D, S] per (b, h), written [B, H, T, S]
        { name: 'Q·Kᵀ', m: T, n: S, k: D, aLen: B * T * H * D, bLen: B * S * H * D, cLen: B * H * T * S,
          s: st(T * H * D, D, H * D, 1, S * H * D, D, 1, H * D, H * T * S, T * S, S) },
        // context = P·V: [T, S]·[S, E], written into [B, T, H, E]
        { name: 'P·V', m: T, n: E, k: S, aLen: B * H * T * S, bLen: B * S * H * E, cLen: B * T * H * E,
          s: st(H * T * S, T * S, S, 1, S * H * E, E, H * E, 1, T * H * E, E, H * E) },
        // dV = Pᵀ·dC: [S, T]·[T, E], written into [B, S, H, E]
        { name: 'Pᵀ·dC', m: S, n: E, k: T, aLen: B * H * T * S, bLen: B * T * H * E, cLen: B * S * H * E,
          s: st(H * T * S, T * S, 1, S, T * H * E, E, H * E, 1, S * H * E, E, H * E) },
        // dP = dC·Vᵀ: [T, E]·[E, S], written [B, H, T, S]
        { name: 'dC·Vᵀ', m: T, n: S, k: E, aLen: B * T * H * E, bLen: B * S * H * E, cLen: B * H * T * S,
          s: st(T * H * E, E, H * E, 1, S * H * E, E, 1, H * E, H * T * S, T * S, S) },
      ];
    };
    const sizes: [number, number, number, number, number, number][] = [
      [1, 1, 1, 1, 1, 1], [2, 3, 7, 2, 3, 5], [1, 17, 33, 3, 7, 4], [2, 65, 17, 1, 17, 33], [1, 5, 9, 2, 300, 3], [1, 8, 130, 2, 16, 8],
    ];
    for (const [B, T, S, H, D, E] of sizes) {
      it(`B ${B}, T ${T}, S ${S}, H ${H}, D ${D}, E ${E}`, () => {
        for (const e of einsums(B, T, S, H, D, E)) {
          for (const accumulate of [false, true]) {
            const rand = rng(B + T * 3 + S * 7 + H * 11 + D * 13 + E * 17 + (accumulate ? 1 : 0));
            const a = randomArray(rand, e.aLen), b = randomArray(rand, e.bLen);
            const init = randomArray(rand, e.cLen);
            const ref = Float64Array.from(init);
            gemm_batched_ref(ref, a, b, B, H, e.m, e.n, e.k, e.s, accumulate);
            const s = e.s;
            const [r] = runKernel(wasm, [a, b], [e.cLen], ([pc], [pa, pb]) => wasm.gemm_batched_f32(pc, pa, pb, B, H, e.m, e.n, e.k,
              s.aBatch, s.aHead, s.aRow, s.aCol, s.bBatch, s.bHead, s.bRow, s.bCol, s.cBatch, s.cHead, s.ldc, accumulate ? 1 : 0), [init]);
            assert.equal(r.status, 0);
            assertClose(r.out, ref, { atol: 2e-6 * Math.sqrt(e.k) + 1e-6, rtol: 1e-5 }, `${e.name}${accumulate ? ' (accumulate)' : ''}`);
          }
        }
      });
    }

    it('leaves the elements between strided C rows alone', () => {
      // C rows of 3 at stride 5: columns 3 and 4 keep their values.
      const a = randomArray(rng(3), 2 * 4), b = randomArray(rng(4), 4 * 3);
      const init = new Float32Array(10).fill(7);
      const [r] = runKernel(wasm, [a, b], [10], ([pc], [pa, pb]) =>
        wasm.gemm_batched_f32(pc, pa, pb, 1, 1, 2, 3, 4, 0, 0, 4, 1, 0, 0, 3, 1, 0, 0, 5, 0), [init]);
      for (const i of [3, 4, 8, 9]) assert.equal(r.out[i], 7, `element ${i}`);
      const ref = new Float64Array(10).fill(7);
      gemm_batched_ref(ref, a, b, 1, 1, 2, 3, 4, { aBatch: 0, aHead: 0, aRow: 4, aCol: 1, bBatch: 0, bHead: 0, bRow: 3, bCol: 1,
        cBatch: 0, cHead: 0, ldc: 5 }, false);
      assertClose(r.out, ref, { atol: 1e-6 }, 'C');
    });
  });
}
