// The masked global poolings over time (assembly/kernels/pool_time.ts) and their gradients
// (assembly/autograd/pool_time_grad.ts) against tests/ref/pool_time_ref.ts on both builds:
// time lengths 0, 1, 3, 17, channel counts from the awkward list (lane tails), no mask, random
// masks, rows with no real step, ties, NaN; nothing written past the outputs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { global_avgpool_time_grad_ref, global_avgpool_time_ref, global_maxpool_time_grad_ref,
  global_maxpool_time_ref } from '../ref/pool_time_ref.js';

interface Case { b: number; t: number; c: number; mask: 'none' | 'random' | 'emptyRow' }
const cases: Case[] = [];
for (const t of [1, 3, 17]) for (const c of AWKWARD) for (const mask of ['none', 'random', 'emptyRow'] as const) cases.push({ b: 3, t, c, mask });
cases.push({ b: 1, t: 0, c: 5, mask: 'none' }, { b: 2, t: 5, c: 0, mask: 'random' }, { b: 0, t: 5, c: 3, mask: 'none' });
const shapeRand = rng(4242);
for (let i = 0; i < 6; i++) cases.push({ b: randInt(shapeRand, 1, 5), t: randInt(shapeRand, 1, 40), c: randInt(shapeRand, 1, 70), mask: 'random' });

function maskFor(c: Case, rand: () => number): Int32Array | null {
  if (c.mask === 'none') return null;
  const m = Int32Array.from({ length: c.b * c.t }, () => (rand() < 0.6 ? 1 : 0));
  if (c.mask === 'emptyRow' && c.b > 0) m.fill(0, 0, c.t); // the first row has no real step
  // Not just 0/1: any nonzero marks a real step.
  for (let i = 0; i < m.length; i += 7) if (m[i] !== 0) m[i] = 5;
  return m;
}

/** Runs a kernel that takes an optional mask (pointer 0 for none). */
function withMask(k: Kernels, x: Float32Array, mask: Int32Array | null, outs: number[],
    call: (outs: number[], px: number, pm: number) => number) {
  const ins = mask === null ? [x] : [x, mask];
  return runKernel(k, ins, outs, (o, [px, pm]) => call(o, px, pm ?? 0));
}

for (const { name, k } of builds) {
  describe(`masked global pooling over time [${name}]`, () => {
    for (const c of cases) {
      it(`b=${c.b} t=${c.t} c=${c.c} mask ${c.mask}`, () => {
        const rand = rng(c.b * 1000 + c.t * 37 + c.c);
        const x = randomArray(rand, c.b * c.t * c.c, -3, 3);
        const mask = maskFor(c, rand);
        const dy = randomArray(rand, c.b * c.c);
        const [mean] = withMask(k, x, mask, [c.b * c.c], ([o], px, pm) => k.global_avgpool_time_f32(o, px, pm, c.b, c.t, c.c));
        assert.equal(mean.status, 0);
        assertClose(mean.out, Float32Array.from(global_avgpool_time_ref(x, mask, c.b, c.t, c.c)), { atol: 1e-5, rtol: 1e-5 }, 'mean');
        const [mx, arg] = withMask(k, x, mask, [c.b * c.c, c.b * c.c],
          ([o, a], px, pm) => k.global_maxpool_time_f32(o, a, px, pm, c.b, c.t, c.c));
        assert.equal(mx.status, 0);
        const want = global_maxpool_time_ref(x, mask, c.b, c.t, c.c);
        assert.deepEqual(mx.out, Float32Array.from(want.out), 'max');
        assert.deepEqual(new Int32Array(arg.out.buffer), want.argmax, 'argmax');

        const [dMean] = runKernel(k, mask === null ? [dy] : [dy, mask], [c.b * c.t * c.c],
          ([o], [pdy, pm]) => k.global_avgpool_time_grad_f32(o, pdy, pm ?? 0, c.b, c.t, c.c));
        assert.equal(dMean.status, 0);
        assertClose(dMean.out, Float32Array.from(global_avgpool_time_grad_ref(dy, mask, c.b, c.t, c.c)), { atol: 1e-6, rtol: 1e-6 }, 'd mean');
        const [dMax] = runKernel(k, [dy, want.argmax], [c.b * c.t * c.c],
          ([o], [pdy, pa]) => k.global_maxpool_time_grad_f32(o, pdy, pa, c.b, c.t, c.c));
        assert.equal(dMax.status, 0);
        assert.deepEqual(dMax.out, Float32Array.from(global_maxpool_time_grad_ref(dy, want.argmax, c.b, c.t, c.c)), 'd max');
      });
    }

    it('max: ties go to the first step, a NaN wins and stays, -Inf is a real value', () => {
      const [B, T, C] = [1, 5, 6];
      // channel: 0 tie, 1 NaN in the middle, 2 two NaNs, 3 all -Inf, 4 NaN first, 5 masked max
      const rows = [
        [2, 1, 1, -Infinity, NaN, 9],
        [2, NaN, NaN, -Infinity, 5, 1],
        [1, 7, 3, -Infinity, 6, 2],
        [2, 8, NaN, -Infinity, 7, 3],
        [0, 1, 4, -Infinity, 8, 99],
      ];
      const x = Float32Array.from(rows.flat());
      const mask = Int32Array.of(1, 1, 1, 1, 0);
      const [mx, arg] = runKernel(k, [x, mask], [C, C], ([o, a], [px, pm]) => k.global_maxpool_time_f32(o, a, px, pm, B, T, C));
      assert.deepEqual([...new Int32Array(arg.out.buffer)], [0, 1, 1, 0, 0, 0]);
      assert.deepEqual([...mx.out], [2, NaN, NaN, -Infinity, NaN, 9]);
    });
  });
}
