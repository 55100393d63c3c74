// batchnorm_f32 against its scalar reference on both builds: every channel count modulo 4 (the
// span of G = 4 / gcd(C, 4) rows), awkward sizes, optional offset/scale, epsilon variants,
// NaN/Inf in x, in-place use, and the out-of-memory status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { batchnorm_f32_ref } from '../ref/batchnorm_ref.js';

interface Case { outer: number; c: number; offset?: boolean; scale?: boolean; eps?: number }
const cases: Case[] = [];
for (const c of [1, 2, 3, 4, 5, 6, 8, 9, 16]) for (const outer of [1, 2, 3, 5]) cases.push({ outer, c, offset: true, scale: true });
for (const s of AWKWARD) {
  cases.push({ outer: s, c: 7, offset: true, scale: true }, { outer: 3, c: s, offset: s % 3 !== 0, scale: s % 2 === 1 });
}
for (const [offset, scale] of [[false, false], [true, false], [false, true]]) cases.push({ outer: 17, c: 33, offset, scale });
for (const eps of [0, 1e-5, 0.1]) cases.push({ outer: 9, c: 12, offset: true, scale: true, eps });
const rand0 = rng(99);
for (let i = 0; i < 10; i++) {
  cases.push({ outer: randInt(rand0, 1, 70), c: randInt(rand0, 1, 130), offset: rand0() < 0.7, scale: rand0() < 0.7 });
}

function inputs(seed: number, outer: number, c: number) {
  const rand = rng(seed);
  return {
    x: randomArray(rand, outer * c, -3, 3),
    mean: randomArray(rand, c, -1, 1),
    variance: randomArray(rand, c, 0.05, 2),
    offset: randomArray(rand, c, -1, 1),
    scale: randomArray(rand, c, -2, 2),
  };
}

const TOL = { atol: 3e-5, rtol: 2e-5 };

for (const { name, k } of builds) {
  describe(`batchnorm_f32 [${name}]`, () => {
    for (const cs of cases) {
      const { outer, c, offset = false, scale = false, eps = 1e-3 } = cs;
      it(`outer=${outer} c=${c} offset=${offset} scale=${scale} eps=${eps}`, () => {
        const d = inputs(outer * 1000 + c, outer, c);
        const ins = [d.x, d.mean, d.variance, ...(offset ? [d.offset] : []), ...(scale ? [d.scale] : [])];
        const [r] = runKernel(k, ins, [outer * c], ([out], [px, pm, pv, ...rest]) =>
          k.batchnorm_f32(out, px, pm, pv, offset ? rest[0] : 0, scale ? rest[offset ? 1 : 0] : 0, outer, c, eps));
        assert.equal(r.status, 0);
        const want = batchnorm_f32_ref(d.x, d.mean, d.variance, offset ? d.offset : null, scale ? d.scale : null, c, eps);
        assertClose(r.out, want, TOL, `batchnorm ${outer}x${c}`);
      });
    }

    it('propagates NaN and Inf from x', () => {
      const outer = 3, c = 5;
      const d = inputs(7, outer, c);
      d.scale.set([1, -1, 2, 0.5, 3]);
      d.x[0] = NaN; d.x[6] = Infinity; d.x[7] = Infinity; d.x[13] = -Infinity;
      const [r] = runKernel(k, [d.x, d.mean, d.variance, d.offset, d.scale], [outer * c], ([out], [px, pm, pv, po, ps]) =>
        k.batchnorm_f32(out, px, pm, pv, po, ps, outer, c, 1e-3));
      assertClose(r.out, batchnorm_f32_ref(d.x, d.mean, d.variance, d.offset, d.scale, c, 1e-3), TOL, 'nan/inf');
    });

    it('works in place (out = x)', () => {
      const outer = 7, c = 3;
      const d = inputs(11, outer, c);
      const [px, pm, pv] = [put(k, d.x), put(k, d.mean), put(k, d.variance)];
      assert.equal(k.batchnorm_f32(px, px, pm, pv, 0, 0, outer, c, 1e-3), 0);
      assertClose(new Float32Array(k.memory.buffer, px, outer * c).slice(),
        batchnorm_f32_ref(d.x, d.mean, d.variance, null, null, c, 1e-3), TOL, 'in place');
      for (const p of [px, pm, pv]) k.arena_free(p);
      assert.equal(k.arena_check(), 0);
    });

    it('zero rows or channels do nothing', () => {
      const [r] = runKernel(k, [new Float32Array(4)], [0], ([out], [p]) => k.batchnorm_f32(out, p, p, p, 0, 0, 0, 4, 1e-3));
      assert.equal(r.status, 0);
      const [s] = runKernel(k, [new Float32Array(4)], [0], ([out], [p]) => k.batchnorm_f32(out, p, p, p, 0, 0, 4, 0, 1e-3));
      assert.equal(s.status, 0);
    });

    it('returns the out-of-memory status and stays usable when scratch cannot be had', () => {
      const outer = 4, c = 4097;
      const d = inputs(3, outer, c);
      const ins = [d.x, d.mean, d.variance];
      const call = ([out]: number[], [px, pm, pv]: number[]) => k.batchnorm_f32(out, px, pm, pv, 0, 0, outer, c, 1e-3);
      const end = k.arena_heap_end();
      // Room for the inputs and the output (+ guard), not for 2·4·c floats of scratch.
      k.arena_set_limit(end + 4 * (outer * c + 2 * c) + 4 * (outer * c + 8) + 1024);
      try {
        const [r] = runKernel(k, ins, [outer * c], call);
        assert.equal(r.status, -1);
      } finally {
        k.arena_set_limit(0);
      }
      const [r] = runKernel(k, ins, [outer * c], call);
      assert.equal(r.status, 0);
      assertClose(r.out, batchnorm_f32_ref(d.x, d.mean, d.variance, null, null, c, 1e-3), TOL, 'after OOM');
    });
  });
}
