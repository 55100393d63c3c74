// binary_grad_f32 (assembly/autograd/binary_grad.ts) against tests/ref/binary_grad_ref.ts on
// both builds: every op over broadcast patterns (same shape n = 0..65, scalar, row, column,
// middle axis, both sides, NHWC + bias, random rank 1..6), each with js-bindings' merged plan and
// with raw per-dimension strides, da only / db only / both; special values; pow's special cases;
// in-place use; the status codes with nothing written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel, type Tolerance } from '../helpers/check.js';
import { broadcastPairs, descriptor, descriptorWords, sizeOf } from '../helpers/broadcast.js';
import { binary_grad_ref, BINARY_GRAD_OPS } from '../ref/binary_grad_ref.js';
import type { Shape } from '../ref/elementwise_ref.js';

// Per op: input ranges (b away from 0 for div; a > 0 mostly for pow) and [da, db] tolerances.
const ONE_ROUNDING: Tolerance = { atol: 0, rtol: 1e-7 };
const SPEC: Record<string, { a: [number, number]; b: [number, number]; tol: [Tolerance, Tolerance] }> = {
  mul: { a: [-3, 3], b: [-3, 3], tol: [ONE_ROUNDING, ONE_ROUNDING] },
  div: { a: [-3, 3], b: [0.5, 3], tol: [ONE_ROUNDING, { atol: 0, rtol: 2.5e-7 }] },
  maximum: { a: [-2, 2], b: [-2, 2], tol: [ONE_ROUNDING, ONE_ROUNDING] },
  minimum: { a: [-2, 2], b: [-2, 2], tol: [ONE_ROUNDING, ONE_ROUNDING] },
  equal: { a: [-2, 2], b: [-2, 2], tol: [ONE_ROUNDING, ONE_ROUNDING] },
  // a^e through exp(e·ln a): relative error about 1.2e-7·(1 + |e·ln a|), here |e·ln a| ≤ 9.
  pow: { a: [0.1, 3], b: [-3, 3], tol: [{ atol: 1e-37, rtol: 2e-6 }, { atol: 1e-37, rtol: 2e-6 }] },
};

/** Inputs for op with ties on purpose for maximum/minimum/equal (values drawn from a few). */
function inputs(op: string, seed: number, aShape: Shape, bShape: Shape, size: number) {
  const rand = rng(seed);
  const s = SPEC[op];
  const draw = (n: number, [lo, hi]: [number, number]) => {
    const v = randomArray(rand, n, lo, hi);
    if (op === 'div') v.forEach((t, i) => { if (rand() < 0.5) v[i] = -t; });
    if (op === 'maximum' || op === 'minimum' || op === 'equal') v.forEach((_, i) => { v[i] = Math.round(v[i] * 2) / 2; });
    return v;
  };
  return { a: draw(sizeOf(aShape), s.a), b: draw(sizeOf(bShape), s.b), dy: randomArray(rand, size, -2, 2) };
}

type Want = 'a' | 'b' | 'ab';

function run(k: Kernels, code: number, dy: Float32Array, a: Float32Array, aShape: Shape, b: Float32Array,
    bShape: Shape, raw: boolean, want: Want) {
  const d = descriptor(aShape, bShape, raw);
  const words = descriptorWords(d), r = d.dims.length;
  const [ra, rb] = runKernel(k, [dy, a, b, words], [d.size, d.size], ([da, db], [pdy, pa, pb, pd]) =>
    k.binary_grad_f32(want === 'b' ? 0 : da, want === 'a' ? 0 : db, pdy, pa, pb, r, pd, pd + 4 * r, pd + 8 * r, code));
  return { status: ra.status, da: ra.out, db: rb.out, rank: r };
}

function check(k: Kernels, code: number, dy: Float32Array, a: Float32Array, aShape: Shape, b: Float32Array,
    bShape: Shape, raw: boolean, want: Want, tol: [Tolerance, Tolerance], what: string): void {
  const res = run(k, code, dy, a, aShape, b, bShape, raw, want);
  assert.equal(res.status, 0, what);
  const ref = binary_grad_ref(code, dy, a, aShape, b, bShape);
  const label = `${what} (${raw ? 'raw' : 'merged'} rank ${res.rank}, want ${want})`;
  if (want !== 'b') assertClose(res.da, Float32Array.from(ref.da), tol[0], `da ${label}`);
  else assert.ok(res.da.every(Number.isNaN), `da written although 0: ${label}`);
  if (want !== 'a' && code !== 4) assertClose(res.db, Float32Array.from(ref.db), tol[1], `db ${label}`);
  else assert.ok(res.db.every(Number.isNaN), `db written although 0 or unused: ${label}`);
}

const pairs = broadcastPairs(4242);
const SPECIALS = [0, -0, 1, -1, 2, -2, 0.5, -0.5, 3, 1e30, -1e30, 1e-40, Infinity, -Infinity, NaN];

for (const { name: build, k } of builds) {
  describe(`binary_grad_f32 [${build}]`, () => {
    for (const op of BINARY_GRAD_OPS) {
      it(`${op.code} ${op.name}: ${pairs.length} broadcast pairs, merged and raw, da/db/both`, () => {
        pairs.forEach(([as, bs], i) => {
          const size = descriptor(as, bs, true).size;
          const { a, b, dy } = inputs(op.name, i * 97 + op.code, as, bs, size);
          const wants: Want[] = ['ab', 'a', 'b'];
          check(k, op.code, dy, a, as, b, bs, false, 'ab', SPEC[op.name].tol, `${op.name} [${as}] [${bs}]`);
          check(k, op.code, dy, a, as, b, bs, true, wants[i % 3], SPEC[op.name].tol, `${op.name} [${as}] [${bs}]`);
        });
      });

      if (op.name !== 'pow') {
        it(`${op.code} ${op.name}: ±0, ±Inf, NaN, huge and subnormal values in a, b and dy`, () => {
          const n = SPECIALS.length;
          const a = new Float32Array(n * n), b = new Float32Array(n * n), dy = new Float32Array(n * n);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              a[i * n + j] = SPECIALS[i];
              b[i * n + j] = SPECIALS[j];
              dy[i * n + j] = SPECIALS[(i + 2 * j) % n];
            }
          }
          check(k, op.code, dy, a, [n * n], b, [n * n], false, 'ab', [{ atol: 0, rtol: 2.5e-7 }, { atol: 0, rtol: 2.5e-7 }],
            `${op.name} specials`);
        });
      }
    }

    it('pow: Math.pow special cases (0, -0, negative bases, integer and odd exponents, ±Inf, NaN)', () => {
      const bases = [0, -0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, Infinity, -Infinity, NaN, 1e-3];
      const exps = [0, -0, 1, 2, 3, -1, -2, -3, 0.5, -0.5, 2.5, Infinity, -Infinity, NaN, 4];
      const n = bases.length * exps.length;
      const a = Float32Array.from({ length: n }, (_, i) => bases[Math.floor(i / exps.length)]);
      const b = Float32Array.from({ length: n }, (_, i) => exps[i % exps.length]);
      const dy = new Float32Array(n).fill(1);
      check(k, 5, dy, a, [n], b, [n], false, 'ab', [{ atol: 1e-37, rtol: 1e-6 }, { atol: 1e-37, rtol: 1e-6 }],
        'pow specials');
    });

    it('in place: da == dy, db == b (b with the output shape)', () => {
      for (const n of [1, 7, 33, 65]) {
        const rand = rng(n);
        const a = randomArray(rand, n), b = randomArray(rand, n, 0.5, 2), dy = randomArray(rand, n);
        const ref = binary_grad_ref(1, dy, a, [n], b, [n]);
        const words = Int32Array.of(n, 1, 1);
        const pdy = put(k, dy), pa = put(k, a), pb = put(k, b), pd = put(k, words);
        assert.equal(k.binary_grad_f32(pdy, pb, pdy, pa, pb, 1, pd, pd + 4, pd + 8, 1), 0);
        assertClose(new Float32Array(k.memory.buffer, pdy, n).slice(), Float32Array.from(ref.da), ONE_ROUNDING, 'da in place');
        assertClose(new Float32Array(k.memory.buffer, pb, n).slice(), Float32Array.from(ref.db), { atol: 0, rtol: 2.5e-7 },
          'db in place');
        for (const p of [pdy, pa, pb, pd]) k.arena_free(p);
      }
    });

    it('status -2 for a rank outside [1, 8], -3 for an op outside 0..5; nothing written', () => {
      const x = randomArray(rng(1), 4), words = new Int32Array(27).fill(1);
      const before = Float32Array.from([1, 2, 3, 4]);
      const call = (rank: number, op: number) => runKernel(k, [x, x, x, words], [4, 4], ([da, db], [pdy, pa, pb, pd]) =>
        k.binary_grad_f32(da, db, pdy, pa, pb, rank, pd, pd + 36, pd + 72, op), [before, before]);
      for (const [rank, op, status] of [[0, 0, -2], [9, 0, -2], [-1, 2, -2], [1, -1, -3], [1, 6, -3], [2, 99, -3]]) {
        const [ra, rb] = call(rank, op);
        assert.equal(ra.status, status, `rank ${rank} op ${op}`);
        assert.deepEqual([ra.out, rb.out], [before, before], `rank ${rank} op ${op} wrote an output`);
      }
    });
  });
}
