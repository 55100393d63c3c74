// batchnorm_train_f32, batchnorm_grad_f32 and moving_average_f32 (assembly/autograd/
// batchnorm_grad.ts) against tests/ref/batchnorm_grad_ref.ts on both builds: every channel count
// modulo 4 (the span of G = 4/gcd(C, 4) rows), awkward sizes, rows past the 32-span fold,
// optional gamma/beta and outputs, a large mean offset (x ≈ 1000 ± 1), NaN input, in-place use,
// empty batches and the out-of-memory status with nothing written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { batchnorm_grad_ref, batchnorm_train_ref, moving_average_ref } from '../ref/batchnorm_grad_ref.js';

interface Case { outer: number; c: number; gamma: boolean; beta: boolean; offset?: number; eps?: number }
const cases: Case[] = [];
for (const c of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16]) for (const outer of [1, 2, 3, 5]) cases.push({ outer, c, gamma: true, beta: true });
for (const s of AWKWARD) {
  cases.push({ outer: s, c: 7, gamma: true, beta: true }, { outer: 3, c: s, gamma: s % 3 !== 0, beta: s % 2 === 1 });
}
cases.push({ outer: 130, c: 3, gamma: true, beta: false }, { outer: 200, c: 16, gamma: false, beta: true },
  { outer: 257, c: 5, gamma: true, beta: true });
for (const c of [1, 3, 8, 33]) cases.push({ outer: 64, c, gamma: true, beta: true, offset: 1000 });
cases.push({ outer: 100, c: 6, gamma: true, beta: true, offset: -3e4 }, { outer: 9, c: 12, gamma: true, beta: true, eps: 0 },
  { outer: 9, c: 12, gamma: false, beta: false, eps: 0.1 });
const rand0 = rng(31);
for (let i = 0; i < 10; i++) {
  cases.push({ outer: randInt(rand0, 1, 90), c: randInt(rand0, 1, 70), gamma: rand0() < 0.7, beta: rand0() < 0.7 });
}

function data(cs: Case, seed: number) {
  const rand = rng(seed), n = cs.outer * cs.c, off = cs.offset ?? 0;
  const x = randomArray(rand, n, -1, 1);
  // Per-channel mean and spread, plus the offset (x ≈ 1000 ± 1 when offset = 1000).
  for (let i = 0; i < n; i++) x[i] = off + x[i] * (1 + (i % cs.c) % 3) + ((i % cs.c) % 4) * 0.5;
  return {
    x, dy: randomArray(rand, n, -2, 2),
    gamma: randomArray(rand, cs.c, -2, 2), beta: randomArray(rand, cs.c, -1, 1),
  };
}

function runTrain(k: Kernels, cs: Case, x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number) {
  const [out, mean, variance, invStd] = runKernel(k, [x, gamma, beta], [x.length, cs.c, cs.c, cs.c],
    ([po, pm, pv, ps], [px, pg, pb]) =>
      k.batchnorm_train_f32(po, pm, pv, ps, px, cs.gamma ? pg : 0, cs.beta ? pb : 0, cs.outer, cs.c, eps));
  return { status: out.status, out: out.out, mean: mean.out, variance: variance.out, invStd: invStd.out };
}

const STAT_TOL = { atol: 1e-7, rtol: 1e-6 };

for (const { name: build, k } of builds) {
  describe(`batchnorm_train_f32 [${build}]`, () => {
    for (const cs of cases) {
      const eps = cs.eps ?? 1e-3;
      it(`outer=${cs.outer} c=${cs.c} gamma=${cs.gamma} beta=${cs.beta}${cs.offset ? ` offset=${cs.offset}` : ''} eps=${eps}`, () => {
        const d = data(cs, cs.outer * 1000 + cs.c);
        const r = runTrain(k, cs, d.x, d.gamma, d.beta, eps);
        assert.equal(r.status, 0);
        const want = batchnorm_train_ref(d.x, cs.gamma ? d.gamma : null, cs.beta ? d.beta : null, cs.outer, cs.c, eps);
        const what = `${cs.outer}x${cs.c}`;
        // The mean's error is relative to the data's spread (values up to ~4 around the offset).
        assertClose(r.mean, Float32Array.from(want.mean), { atol: 1e-6, rtol: 1.2e-7 }, `mean ${what}`);
        assertClose(r.variance, Float32Array.from(want.variance), STAT_TOL, `variance ${what}`);
        assertClose(r.invStd, Float32Array.from(want.invStd), STAT_TOL, `invStd ${what}`);
        assertClose(r.out, Float32Array.from(want.out), { atol: 2e-6, rtol: 2e-6 }, `out ${what}`);
      });
    }

    it('NaN in a channel makes that channel NaN only; works in place (out = x)', () => {
      const cs: Case = { outer: 9, c: 5, gamma: true, beta: true };
      const d = data(cs, 4);
      const pristine = d.x.slice();
      d.x[2 * 5 + 3] = NaN;
      const r = runTrain(k, cs, d.x, d.gamma, d.beta, 1e-3);
      assert.ok(Number.isNaN(r.mean[3]) && Number.isNaN(r.variance[3]));
      for (let i = 0; i < r.out.length; i++) assert.equal(Number.isNaN(r.out[i]), i % 5 === 3, `out[${i}]`);
      const px = put(k, pristine), pg = put(k, d.gamma), pb = put(k, d.beta), stats = k.arena_alloc(12 * 5);
      assert.equal(k.batchnorm_train_f32(px, stats, stats + 20, stats + 40, px, pg, pb, 9, 5, 1e-3), 0);
      const want = batchnorm_train_ref(pristine, d.gamma, d.beta, 9, 5, 1e-3);
      assertClose(new Float32Array(k.memory.buffer, px, 45).slice(), Float32Array.from(want.out), { atol: 2e-6, rtol: 2e-6 },
        'in place');
      for (const p of [px, pg, pb, stats]) k.arena_free(p);
    });

    it('empty: c = 0 writes nothing, outer = 0 gives NaN statistics', () => {
      const none = new Float32Array(0);
      const [o, m] = runKernel(k, [none], [0, 3], ([po, pm], [p]) => k.batchnorm_train_f32(po, pm, pm, pm, p, 0, 0, 0, 3, 1e-3));
      assert.equal(o.status, 0);
      assert.ok(m.out.every(Number.isNaN));
      const [q] = runKernel(k, [none], [2], ([po], [p]) => k.batchnorm_train_f32(po, po, po, po, p, 0, 0, 2, 0, 1e-3), [Float32Array.of(5, 6)]);
      assert.deepEqual([q.status, ...q.out], [0, 5, 6]);
    });
  });

  describe(`batchnorm_grad_f32 [${build}]`, () => {
    for (const cs of cases) {
      it(`outer=${cs.outer} c=${cs.c} gamma=${cs.gamma}${cs.offset ? ` offset=${cs.offset}` : ''}`, () => {
        const d = data(cs, cs.outer * 77 + cs.c);
        const t = batchnorm_train_ref(d.x, null, null, cs.outer, cs.c, 1e-3);
        const mean = Float32Array.from(t.mean), invStd = Float32Array.from(t.invStd);
        const want = batchnorm_grad_ref(d.dy, d.x, mean, invStd, cs.gamma ? d.gamma : null, cs.outer, cs.c);
        // Σ dy and Σ dy·(x - mean) carry ~1e-7 of Σ|dy| and Σ|dy·(x - mean)|; dx inherits them.
        const tol = { atol: 1e-6 * Math.sqrt(cs.outer), rtol: 2e-6 };
        for (const want3 of ['all', 'dx', 'params'] as const) {
          const [dx, dg, db] = runKernel(k, [d.dy, d.x, mean, invStd, d.gamma], [d.x.length, cs.c, cs.c],
            ([pdx, pdg, pdb], [pdy, px, pm, ps, pg]) => k.batchnorm_grad_f32(want3 === 'params' ? 0 : pdx,
              want3 === 'dx' ? 0 : pdg, want3 === 'dx' ? 0 : pdb, pdy, px, pm, ps, cs.gamma ? pg : 0, cs.outer, cs.c));
          assert.equal(dx.status, 0);
          const what = `${cs.outer}x${cs.c} (${want3})`;
          if (want3 !== 'params') assertClose(dx.out, Float32Array.from(want.dx), tol, `dx ${what}`);
          else assert.ok(dx.out.every(Number.isNaN), 'dx written although 0');
          if (want3 !== 'dx') {
            assertClose(dg.out, Float32Array.from(want.dgamma), tol, `dgamma ${what}`);
            assertClose(db.out, Float32Array.from(want.dbeta), tol, `dbeta ${what}`);
          } else assert.ok(dg.out.every(Number.isNaN) && db.out.every(Number.isNaN), 'dgamma/dbeta written although 0');
        }
      });
    }

    it('dx in place of dy; outer = 0 gives zero dgamma/dbeta', () => {
      const cs: Case = { outer: 13, c: 6, gamma: true, beta: true };
      const d = data(cs, 8);
      const t = batchnorm_train_ref(d.x, null, null, cs.outer, cs.c, 1e-3);
      const mean = Float32Array.from(t.mean), invStd = Float32Array.from(t.invStd);
      const want = batchnorm_grad_ref(d.dy, d.x, mean, invStd, d.gamma, cs.outer, cs.c);
      const pdy = put(k, d.dy), px = put(k, d.x), pm = put(k, mean), ps = put(k, invStd), pg = put(k, d.gamma);
      assert.equal(k.batchnorm_grad_f32(pdy, 0, 0, pdy, px, pm, ps, pg, cs.outer, cs.c), 0);
      assertClose(new Float32Array(k.memory.buffer, pdy, d.dy.length).slice(), Float32Array.from(want.dx),
        { atol: 5e-6, rtol: 2e-6 }, 'dx in place');
      for (const p of [pdy, px, pm, ps, pg]) k.arena_free(p);
      const [, g, b] = runKernel(k, [mean], [0, 6, 6], ([pdx, pdg, pdb], [p]) => k.batchnorm_grad_f32(pdx, pdg, pdb, p, p, p, p, 0, 0, 6));
      assert.ok(g.out.every((v) => v === 0) && b.out.every((v) => v === 0));
    });

    it('returns the out-of-memory status with nothing written, then works', () => {
      const cs: Case = { outer: 4, c: 4097, gamma: false, beta: false };
      const d = data(cs, 3);
      const t = batchnorm_train_ref(d.x, null, null, cs.outer, cs.c, 1e-3);
      const mean = Float32Array.from(t.mean), invStd = Float32Array.from(t.invStd);
      const n = d.x.length;
      const grad = () => runKernel(k, [d.dy, d.x, mean, invStd], [n, cs.c, cs.c], ([pdx, pdg, pdb], [pdy, px, pm, ps]) =>
        k.batchnorm_grad_f32(pdx, pdg, pdb, pdy, px, pm, ps, 0, cs.outer, cs.c));
      const train = () => runKernel(k, [d.x], [n, cs.c, cs.c, cs.c], ([po, pm, pv, ps], [px]) =>
        k.batchnorm_train_f32(po, pm, pv, ps, px, 0, 0, cs.outer, cs.c, 1e-3));
      const end = k.arena_heap_end();
      // Room for the inputs and outputs (+ guards), not for the 16·S or 28·S bytes of scratch.
      k.arena_set_limit(end + 4 * (3 * n + 6 * cs.c) + 4096);
      try {
        for (const rs of [grad(), train()]) {
          assert.equal(rs[0].status, -1);
          assert.ok(rs.every((r) => r.out.every(Number.isNaN)), 'an output was written');
        }
      } finally {
        k.arena_set_limit(0);
      }
      assert.equal(grad()[0].status, 0);
      assert.equal(train()[0].status, 0);
    });
  });

  describe(`moving_average_f32 [${build}]`, () => {
    it('running - (running - value)·(1 - momentum), n = 0..65 and 1000, several momenta', () => {
      for (const n of [...Array.from({ length: 66 }, (_, i) => i), 1000]) {
        for (const momentum of [0.99, 0.9, 0, 0.5]) {
          const rand = rng(n * 3 + momentum * 100);
          const running = randomArray(rand, n, -5, 5), value = randomArray(rand, n, -5, 5);
          const [r] = runKernel(k, [value], [n], ([pr], [pv]) => k.moving_average_f32(pr, pv, n, momentum), [running]);
          assert.equal(r.status, 0);
          assertClose(r.out, moving_average_ref(running, value, momentum), { atol: 1e-7, rtol: 1e-7 }, `n=${n} momentum=${momentum}`);
        }
      }
    });
  });
}
