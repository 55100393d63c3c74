// softmax_f32 / log_softmax_f32 against the f64 reference on both builds: [outer, n, inner]
// with awkward sizes (rows for inner == 1, 4-column strips for inner > 1), the 32-term sum fold,
// random shapes, the exp approximation's accuracy over [-87.3, 0], large logits (±1e30, ±88),
// NaN/Inf rows, empty axes and in-place use. Inputs are followed by junk in the arena padding.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { softmax_f32_ref } from '../ref/softmax_ref.js';

interface Case { outer: number; n: number; inner: number; scale?: number }

const cases: Case[] = [];
for (const outer of AWKWARD) for (const n of AWKWARD) for (const inner of AWKWARD) {
  if (outer * n * inner <= 15_000) cases.push({ outer, n, inner });
}
for (const n of [2, 4, 5, 8, 15, 16, 31, 32, 33, 63, 64, 65, 257, 1000]) cases.push({ outer: 3, n, inner: 1 });
for (const inner of [2, 4, 5, 8, 9]) for (const n of [2, 31, 32, 33, 70]) cases.push({ outer: 2, n, inner });
const shapeRand = rng(4242);
for (let i = 0; i < 12; i++) {
  cases.push({ outer: randInt(shapeRand, 1, 9), n: randInt(shapeRand, 1, 200), inner: randInt(shapeRand, 1, 20),
    scale: [1, 10, 40][i % 3] });
}

// softmax: relative (exp ≤ 1.9e-7, the reciprocal and the product one rounding each).
// log-softmax: (x - m) - log Σ: log Σ carries Σ's relative error (≈ exp's) as an absolute error.
const TOL = { atol: 1e-7, rtol: 2e-6 };
const LOG_TOL = { atol: 5e-7, rtol: 2e-6 };

function withJunk(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length + 3);
  out.set(x);
  out.set([NaN, Infinity, -Infinity], x.length);
  return out;
}

function run(k: Kernels, log: boolean, x: Float32Array, { outer, n, inner }: Case): Float32Array {
  const [r] = runKernel(k, [withJunk(x)], [outer * n * inner], ([out], [px]) =>
    (log ? k.log_softmax_f32 : k.softmax_f32)(out, px, outer, n, inner));
  assert.equal(r.status, 0);
  return r.out;
}

function check(k: Kernels, x: Float32Array, c: Case, what: string): void {
  for (const log of [false, true]) {
    assertClose(run(k, log, x, c), softmax_f32_ref(x, c.outer, c.n, c.inner, log), log ? LOG_TOL : TOL,
      `${log ? 'log_softmax' : 'softmax'} ${what}`);
  }
}

for (const { name, k } of builds) {
  describe(`softmax [${name}]`, () => {
    for (const c of cases) {
      const { outer, n, inner, scale = 4 } = c;
      it(`outer=${outer} n=${n} inner=${inner} logits in ±${scale}`, () => {
        const x = randomArray(rng(outer * 1000003 + n * 1009 + inner), outer * n * inner, -scale, scale);
        check(k, x, c, '');
      });
    }

    it('exp is accurate to 3e-7 relative over [-87.3, 0] (rows [0, t]: softmax(t) = e^t exactly below -17.5)', () => {
      // Below t = -17.5, 1 + e^t rounds to 1 in f32, so the output is the kernel's exp(t) itself.
      const count = 4096;
      const t = Float32Array.from({ length: count }, (_, i) => -17.5 - (87.3 - 17.5) * i / (count - 1));
      const rows = new Float32Array(2 * count);
      for (let i = 0; i < count; i++) rows[2 * i + 1] = t[i];  // [outer = count, n = 2, inner = 1]
      const cols = new Float32Array(2 * count);
      cols.set(t, count);                                       // [outer = 1, n = 2, inner = count]
      const want = Float64Array.from(t, Math.exp);
      const rowOut = run(k, false, rows, { outer: count, n: 2, inner: 1 });
      const colOut = run(k, false, cols, { outer: 1, n: 2, inner: count });
      for (let i = 0; i < count; i++) {
        for (const [got, path] of [[rowOut[2 * i + 1], 'row'], [colOut[count + i], 'column']] as const) {
          const rel = Math.abs(got - want[i]) / want[i];
          assert.ok(rel < 3e-7, `${path} exp(${t[i]}): got ${got}, want ${want[i]}, rel ${rel}`);
        }
      }
    });

    it('handles large logits (±1e30, ±88, spread 170)', () => {
      const rows: number[][] = [
        [1e30, -1e30, 0], [1e30, 1e30, 5], [-1e30, -1e30, -1e30], [88, -88, 0, 87.9],
        [-88, -88.5, -87, -100], [85, -85, 85, -85, 3, 3, 3], [-1e30, 0, 1e-30, -1e-30],
      ];
      for (const r of rows) {
        const x = Float32Array.from(r);
        check(k, x, { outer: 1, n: r.length, inner: 1 }, `row [${r}]`);
        // The same values down a column (inner = 5: one full strip and one partial).
        const col = new Float32Array(r.length * 5);
        r.forEach((v, i) => col.fill(v, i * 5, i * 5 + 5));
        check(k, col, { outer: 1, n: r.length, inner: 5 }, `column [${r}]`);
      }
    });

    it('NaN or +Inf in a row gives a NaN row; -Inf entries give 0 / -Inf; all -Inf gives NaN', () => {
      const rows = [
        [1, NaN, 2, 3, 4], [1, Infinity, 2, 3, 4], [Infinity, Infinity, 0, 0, 0],
        [1, -Infinity, 2, -Infinity, 4], [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
        [NaN, NaN, NaN, NaN, NaN], [0, 1, 2, 3, -Infinity],
      ];
      const x = Float32Array.from(rows.flat());
      const c = { outer: rows.length, n: 5, inner: 1 };
      check(k, x, c, 'rows');
      // Columns: transpose the same rows into [1, 5, rows] (7 columns: a full strip + 3).
      const t = new Float32Array(x.length);
      rows.forEach((r, j) => r.forEach((v, i) => { t[i * rows.length + j] = v; }));
      check(k, t, { outer: 1, n: 5, inner: rows.length }, 'columns');
      // Spot-check the documented results directly.
      const out = run(k, false, x, c);
      assert.ok(out.slice(0, 15).every(Number.isNaN));
      assert.deepEqual(Array.from(out.slice(15, 20), (v) => v === 0), [false, true, false, true, false]);
      assert.ok(out.slice(20, 30).every(Number.isNaN));
      assert.equal(run(k, true, x, c)[34], -Infinity);
    });

    it('empty axis or outer writes nothing', () => {
      for (const c of [{ outer: 3, n: 0, inner: 1 }, { outer: 3, n: 0, inner: 6 }, { outer: 0, n: 4, inner: 1 },
        { outer: 2, n: 4, inner: 0 }]) {
        for (const log of [false, true]) assert.equal(run(k, log, new Float32Array(0), c).length, 0);
      }
    });

    it('works in place (out = x)', () => {
      for (const c of [{ outer: 5, n: 19, inner: 1 }, { outer: 3, n: 6, inner: 7 }]) {
        const x = randomArray(rng(c.n), c.outer * c.n * c.inner, -5, 5);
        for (const log of [false, true]) {
          const p = put(k, x);
          assert.equal((log ? k.log_softmax_f32 : k.softmax_f32)(p, p, c.outer, c.n, c.inner), 0);
          const got = new Float32Array(k.memory.buffer, p, x.length).slice();
          k.arena_free(p);
          assertClose(got, softmax_f32_ref(x, c.outer, c.n, c.inner, log), log ? LOG_TOL : TOL, `in place ${JSON.stringify(c)}`);
        }
      }
    });
  });
}
