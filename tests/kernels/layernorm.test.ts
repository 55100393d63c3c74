// assembly/kernels/layernorm.ts and assembly/autograd/layernorm_grad.ts against
// tests/ref/layernorm_ref.ts on both builds: rows of awkward widths (vector tails), with and
// without gamma/beta, large offsets (x ≈ 1000 ± 1), optional saved statistics and gradients,
// in-place use, and nothing written past any output.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { layernorm_grad_ref, layernorm_ref } from '../ref/layernorm_ref.js';

interface Case { rows: number; n: number; affine: 'both' | 'gamma' | 'beta' | 'none'; offset: number }
const cases: Case[] = [];
for (const n of [...AWKWARD, 2, 4, 8, 16, 32, 64, 128, 130, 300]) cases.push({ rows: 3, n, affine: 'both', offset: 0 });
for (const rows of AWKWARD) cases.push({ rows, n: 9, affine: 'both', offset: 0 });
for (const affine of ['gamma', 'beta', 'none'] as const) for (const n of [1, 5, 33]) cases.push({ rows: 2, n, affine, offset: 0 });
cases.push({ rows: 4, n: 65, affine: 'both', offset: 1000 }, { rows: 0, n: 5, affine: 'both', offset: 0 });
const shapeRand = rng(77);
for (let i = 0; i < 8; i++) cases.push({ rows: randInt(shapeRand, 1, 9), n: randInt(shapeRand, 1, 200), affine: 'both', offset: 0 });

function data(c: Case, seed: number) {
  const rand = rng(seed);
  const x = randomArray(rand, c.rows * c.n, c.offset - 2, c.offset + 2);
  const gamma = c.affine === 'both' || c.affine === 'gamma' ? randomArray(rand, c.n, 0.5, 1.5) : null;
  const beta = c.affine === 'both' || c.affine === 'beta' ? randomArray(rand, c.n, -1, 1) : null;
  return { x, gamma, beta, dy: randomArray(rand, c.rows * c.n, -1, 1) };
}
const EPS = 1e-3;

for (const { name: build, k } of builds) {
  describe(`layernorm_f32 [${build}]`, () => {
    for (const c of cases) {
      it(`[${c.rows}, ${c.n}] ${c.affine}${c.offset ? ` offset ${c.offset}` : ''}`, () => {
        const { x, gamma, beta } = data(c, c.rows * 1000 + c.n);
        const ref = layernorm_ref(x, gamma, beta, c.rows, c.n, EPS);
        const ins = [x, gamma ?? new Float32Array(1), beta ?? new Float32Array(1)];
        const [y, mean, rstd] = runKernel(k, ins, [x.length, c.rows, c.rows], ([py, pm, pr], [px, pg, pb]) =>
          k.layernorm_f32(py, pm, pr, px, gamma ? pg : 0, beta ? pb : 0, c.rows, c.n, EPS));
        assert.equal(y.status, 0);
        // |y| is O(3); the f32 mean carries ~1e-7 of the offset, scaled by rstd.
        const atol = 2e-6 * (1 + c.offset);
        assertClose(y.out, ref.y, { atol, rtol: 1e-5 }, 'y');
        assertClose(mean.out, ref.mean, { atol: 1e-6 * (1 + c.offset), rtol: 1e-6 }, 'mean');
        assertClose(rstd.out, ref.rstd, { atol: 1e-6, rtol: 2e-5 * (1 + c.offset) }, 'rstd');
      });
    }

    it('without saved statistics, and in place (y = x)', () => {
      const c: Case = { rows: 3, n: 17, affine: 'both', offset: 0 };
      const { x, gamma, beta } = data(c, 5);
      const ref = layernorm_ref(x, gamma, beta, c.rows, c.n, EPS);
      const px = put(k, x), pg = put(k, gamma!), pb = put(k, beta!);
      assert.equal(k.layernorm_f32(px, 0, 0, px, pg, pb, c.rows, c.n, EPS), 0);
      assertClose(new Float32Array(k.memory.buffer, px, x.length).slice(), ref.y, { atol: 2e-6, rtol: 1e-5 }, 'in place');
      for (const p of [px, pg, pb]) k.arena_free(p);
    });
  });

  describe(`layernorm_grad_f32 [${build}]`, () => {
    for (const c of cases) {
      if (c.affine === 'beta') continue; // the gradient does not see beta
      it(`[${c.rows}, ${c.n}] ${c.affine === 'none' ? 'no gamma' : 'gamma'}${c.offset ? ` offset ${c.offset}` : ''}`, () => {
        const { x, gamma, dy } = data(c, c.rows * 1000 + c.n + 1);
        const g = c.affine === 'none' ? null : gamma;
        const fwd = layernorm_ref(x, g, null, c.rows, c.n, EPS);
        const mean = Float32Array.from(fwd.mean), rstd = Float32Array.from(fwd.rstd);
        const ref = layernorm_grad_ref(dy, x, g, c.rows, c.n, EPS);
        const [dx, dgamma, dbeta] = runKernel(k, [dy, x, mean, rstd, g ?? new Float32Array(1)], [x.length, c.n, c.n],
          ([pdx, pdg, pdb], [pdy, px, pm, pr, pg]) => k.layernorm_grad_f32(pdx, pdg, pdb, pdy, px, pm, pr, g ? pg : 0, c.rows, c.n));
        assert.equal(dx.status, 0);
        const scale = 1 + c.offset; // the saved f32 mean's rounding, magnified by rstd
        assertClose(dx.out, ref.dx, { atol: 2e-5 * scale, rtol: 1e-4 }, 'dx');
        assertClose(dgamma.out, ref.dgamma, { atol: 2e-5 * c.rows * scale, rtol: 1e-4 }, 'dgamma');
        assertClose(dbeta.out, ref.dbeta, { atol: 1e-5 * c.rows, rtol: 1e-5 }, 'dbeta');
      });
    }

    it('optional outputs (0) and dx in place of dy', () => {
      const c: Case = { rows: 2, n: 7, affine: 'both', offset: 0 };
      const { x, gamma, dy } = data(c, 9);
      const fwd = layernorm_ref(x, gamma, null, c.rows, c.n, EPS);
      const ref = layernorm_grad_ref(dy, x, gamma, c.rows, c.n, EPS);
      const [pdy, px, pm, pr, pg] = [dy, x, Float32Array.from(fwd.mean), Float32Array.from(fwd.rstd), gamma!].map((a) => put(k, a));
      assert.equal(k.layernorm_grad_f32(pdy, 0, 0, pdy, px, pm, pr, pg, c.rows, c.n), 0);
      assertClose(new Float32Array(k.memory.buffer, pdy, dy.length).slice(), ref.dx, { atol: 2e-5, rtol: 1e-4 }, 'dx in place');
      const [db] = runKernel(k, [dy, x], [c.n], ([pdb], [qdy, qx]) => k.layernorm_grad_f32(0, 0, pdb, qdy, qx, pm, pr, pg, c.rows, c.n));
      assertClose(db.out, ref.dbeta, { atol: 1e-5, rtol: 1e-5 }, 'dbeta only');
      for (const p of [pdy, px, pm, pr, pg]) k.arena_free(p);
    });
  });
}
