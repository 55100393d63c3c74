// add_qs8 (the requantized int8 add of residual connections) against its scalar reference on
// both builds: awkward lengths (vector body and scalar tail), random scales and zero points,
// fused ReLU / ReLU6 clamps, output aliasing an input, the fixed-point edge (multipliers near
// 2^22), agreement with the float sum within one step, and bad arguments refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randInt, rng } from '../helpers/rng.js';
import { addMultipliers, ADD_MULT_LIMIT } from '../../js-bindings/quantize/params.js';
import { add_qs8_ref, type AddParams } from '../ref/qadd_ref.js';
import { guardedOut, putBytes, randomI8 } from './int8_helpers.js';

const sizes = [...AWKWARD, 15, 16, 31, 48, 100, 1000];

function runAdd(k: Kernels, a: Int8Array, b: Int8Array, p: AddParams, alias = false): Int8Array {
  const pa = putBytes(k, a), pb = putBytes(k, b);
  const out = alias ? null : guardedOut(k, a.length);
  const po = alias ? pa : out!.ptr;
  assert.equal(k.add_qs8(po, pa, pb, a.length, p.za, p.zb, p.zy, p.ma, p.mb, p.shift, p.qmin, p.qmax), 0);
  out?.check();
  const r = new Int8Array(k.memory.buffer, po, a.length).slice();
  k.arena_free(pa); k.arena_free(pb);
  if (out) k.arena_free(out.ptr);
  return r;
}

/** Random scales (output range near the sum of the inputs' or narrower) and their multipliers. */
function randomParams(rand: () => number, clamp: 'none' | 'relu' | 'relu6'): AddParams & { sa: number; sb: number; sy: number } {
  const sa = 0.005 + rand() * 0.1, sb = 0.005 + rand() * 0.1, sy = (sa + sb) * (0.3 + rand());
  const zy = clamp === 'none' ? randInt(rand, 0, 127) : 0;
  const { ma, mb, shift } = addMultipliers(sa / sy, sb / sy);
  return { sa, sb, sy, za: randInt(rand, 0, 127), zb: randInt(rand, 0, 127), zy, ma, mb, shift,
    qmin: clamp === 'none' ? 0 : zy, qmax: clamp === 'relu6' ? Math.min(127, zy + Math.round(6 / sy)) : 127 };
}

for (const { name, k } of builds) {
  describe(`add_qs8 [${name}]`, () => {
    for (const n of sizes) {
      for (const clamp of ['none', 'relu', 'relu6'] as const) {
        it(`n=${n} ${clamp}`, () => {
          const rand = rng(n * 7 + clamp.length);
          const p = randomParams(rand, clamp);
          const a = randomI8(rand, n, 0, 127), b = randomI8(rand, n, 0, 127);
          const got = runAdd(k, a, b, p);
          assert.deepEqual(got, add_qs8_ref(a, b, p));
          // the fixed point is the float sum, requantized: within one step of it
          for (let i = 0; i < n; i++) {
            const real = (a[i] - p.za) * p.sa + (b[i] - p.zb) * p.sb;
            const want = Math.min(p.qmax, Math.max(p.qmin, Math.round(real / p.sy) + p.zy));
            assert.ok(Math.abs(got[i] - want) <= 1, `element ${i}: ${got[i]} vs ${want}`);
          }
        });
      }
    }
    it('output aliasing an input', () => {
      const rand = rng(5);
      const p = randomParams(rand, 'none');
      const a = randomI8(rand, 77, 0, 127), b = randomI8(rand, 77, 0, 127);
      assert.deepEqual(runAdd(k, a, b, p, true), add_qs8_ref(a, b, p));
    });
    it('multipliers at the fixed-point edge (an input scale 2^21 x the output\'s would not fit)', () => {
      const rand = rng(6);
      const p: AddParams = { za: 127, zb: 0, zy: 64, ma: ADD_MULT_LIMIT - 1, mb: ADD_MULT_LIMIT - 1, shift: 31, qmin: 0, qmax: 127 };
      const a = randomI8(rand, 33, 0, 127), b = randomI8(rand, 33, 0, 127);
      a[0] = 0; b[0] = 127; a[1] = 127; b[1] = 0;
      assert.deepEqual(runAdd(k, a, b, p), add_qs8_ref(a, b, p));
      assert.throws(() => addMultipliers(2 ** 22, 1), /too large/);
    });
    it('refuses bad arguments', () => {
      const ok: AddParams = { za: 0, zb: 0, zy: 0, ma: 1, mb: 1, shift: 1, qmin: 0, qmax: 127 };
      const bad: Partial<AddParams & { n: number }>[] = [{ n: -1 }, { shift: 0 }, { shift: 32 }, { ma: -1 }, { mb: ADD_MULT_LIMIT },
        { qmin: 5, qmax: 4 }, { qmax: 128 }];
      for (const d of bad) {
        const p = { ...ok, ...d };
        assert.equal(k.add_qs8(0, 0, 0, d.n ?? 0, p.za, p.zb, p.zy, p.ma, p.mb, p.shift, p.qmin, p.qmax), -2, JSON.stringify(d));
      }
    });
  });
}
