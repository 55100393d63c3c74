// quantize_f32_qs8, dequantize_qs8_f32, quantize_weights_qc8w, minmax_f32, histogram_f32,
// maxpool2d_nhwc_qs8 and avgpool2d_nhwc_qs8 against scalar references on both builds (exact
// bytes), awkward sizes, and identical bytes between the builds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randInt, randomArray, rng } from '../helpers/rng.js';
import { convGeometry } from '../ref/conv_ref.js';
import { dequantize_ref, pool_qs8_ref, quantize_ref, quantize_weights_ref, type QConvGeometry } from './int8_ref.js';
import { guardedOut, putBytes, randomI8 } from './int8_helpers.js';

const sizes = [...AWKWARD, 8, 16, 100];

function quantize(k: Kernels, x: Float32Array, inv: number, zp: number, qmin: number, qmax: number): Int8Array {
  const px = putBytes(k, x), out = guardedOut(k, x.length);
  assert.equal(k.quantize_f32_qs8(out.ptr, px, x.length, inv, zp, qmin, qmax), 0);
  out.check();
  const r = new Int8Array(k.memory.buffer, out.ptr, x.length).slice();
  k.arena_free(px); k.arena_free(out.ptr);
  return r;
}

interface PoolCase { n: number; h: number; w: number; c: number; kh: number; kw: number; s: number; pad: 'same' | 'valid' }
const poolCases: PoolCase[] = [];
for (const c of [...AWKWARD, 16, 32]) poolCases.push({ n: 2, h: 7, w: 6, c, kh: 3, kw: 3, s: 2, pad: 'same' });
for (const [kh, kw] of [[1, 1], [2, 2], [2, 3]]) for (const s of [1, 2]) poolCases.push({ n: 1, h: 9, w: 10, c: 18, kh, kw, s, pad: 'valid' });
poolCases.push({ n: 1, h: 26, w: 26, c: 32, kh: 2, kw: 2, s: 2, pad: 'valid' });
poolCases.push({ n: 2, h: 5, w: 7, c: 33, kh: 5, kw: 7, s: 1, pad: 'valid' }); // global average
const shapeRand = rng(9);
for (let i = 0; i < 8; i++) {
  const kh = randInt(shapeRand, 1, 4), kw = randInt(shapeRand, 1, 4);
  poolCases.push({ n: randInt(shapeRand, 1, 2), h: randInt(shapeRand, kh, 12), w: randInt(shapeRand, kw, 12), c: randInt(shapeRand, 1, 40),
    kh, kw, s: randInt(shapeRand, 1, 3), pad: shapeRand() < 0.5 ? 'same' : 'valid' });
}

function runPool(k: Kernels, c: PoolCase, isMax: boolean, seed: number): { got: Int8Array; want: Int8Array } {
  const cg = convGeometry(c.n, c.h, c.w, c.c, c.kh, c.kw, [c.s, c.s], [1, 1], c.pad);
  const g: QConvGeometry = { n: c.n, h: c.h, w: c.w, c: c.c, kh: c.kh, kw: c.kw, sh: c.s, sw: c.s, dh: 1, dw: 1,
    pt: cg.padTop, pl: cg.padLeft, oh: cg.outH, ow: cg.outW };
  const x = randomI8(rng(seed), c.n * c.h * c.w * c.c, -128, 127);
  const px = putBytes(k, x), count = c.n * g.oh * g.ow * c.c, out = guardedOut(k, count);
  const fn = isMax ? k.maxpool2d_nhwc_qs8 : k.avgpool2d_nhwc_qs8;
  assert.equal(fn(out.ptr, px, c.n, c.h, c.w, c.c, c.kh, c.kw, c.s, c.s, g.pt, g.pl, g.oh, g.ow), 0);
  out.check();
  const got = new Int8Array(k.memory.buffer, out.ptr, count).slice();
  k.arena_free(px); k.arena_free(out.ptr);
  return { got, want: pool_qs8_ref(x, g, isMax) };
}
const poolLabel = (c: PoolCase) => `n=${c.n} ${c.h}x${c.w}x${c.c} window ${c.kh}x${c.kw} s=${c.s} ${c.pad}`;

for (const { name, k } of builds) {
  describe(`quantize / dequantize qs8 [${name}]`, () => {
    for (const n of sizes) {
      it(`n=${n}`, () => {
        const rand = rng(n);
        const x = randomArray(rand, n, -3, 5);
        if (n > 3) { x[0] = NaN; x[1] = Infinity; x[2] = -Infinity; x[3] = 0.5; }
        const scale = Math.fround(8 / 127), zp = randInt(rand, 0, 127);
        const inv = Math.fround(1 / scale);
        const q = quantize(k, x, inv, zp, 0, 127);
        assert.deepEqual(q, quantize_ref(x, inv, zp, 0, 127));
        const pq = putBytes(k, q), out = guardedOut(k, 4 * n);
        assert.equal(k.dequantize_qs8_f32(out.ptr, pq, n, scale, zp), 0);
        out.check();
        assert.deepEqual(new Float32Array(k.memory.buffer, out.ptr, n).slice(), dequantize_ref(q, scale, zp));
        k.arena_free(pq); k.arena_free(out.ptr);
      });
    }
    it('rounds ties to even and clamps to [qmin, qmax]', () => {
      const x = Float32Array.from([0.5, 1.5, 2.5, -0.5, -1.5, 300, -300, 3.49]);
      assert.deepEqual(Array.from(quantize(k, x, 1, 0, -128, 127)), [0, 2, 2, 0, -2, 127, -128, 3]);
      assert.deepEqual(Array.from(quantize(k, x, 1, 10, 0, 20)), [10, 12, 12, 10, 8, 20, 0, 13]);
    });
    it('rejects a bad range', () => assert.equal(k.quantize_f32_qs8(0, 0, 1, 1, 0, 5, 4), -2));
  });

  describe(`quantize_weights_qc8w [${name}]`, () => {
    for (const [kk, n] of [[1, 1], [3, 7], [17, 33], [65, 3], [9, 64]]) {
      it(`k=${kk} n=${n}`, () => {
        const w = randomArray(rng(kk * 100 + n), kk * n, -0.7, 0.4);
        for (let i = 0; i < kk; i++) w[i * n] = 0; // channel 0 all zero: scale 1, zeros
        const pw = putBytes(k, w), q = guardedOut(k, kk * n), s = guardedOut(k, 4 * n);
        assert.equal(k.quantize_weights_qc8w(q.ptr, s.ptr, pw, kk, n), 0);
        q.check(); s.check();
        const want = quantize_weights_ref(w, kk, n);
        assert.deepEqual(new Int8Array(k.memory.buffer, q.ptr, kk * n).slice(), want.q);
        assert.deepEqual(new Float32Array(k.memory.buffer, s.ptr, n).slice(), want.scale);
        assert.equal(want.scale[0], 1);
        for (const p of [pw, q.ptr, s.ptr]) k.arena_free(p);
      });
    }
  });

  describe(`minmax_f32 / histogram_f32 [${name}]`, () => {
    for (const n of sizes) {
      it(`n=${n}`, () => {
        const x = randomArray(rng(n + 5), n, -2, 3);
        if (n > 2) x[1] = NaN;
        const px = putBytes(k, x), out = guardedOut(k, 8), hist = guardedOut(k, 4 * 10);
        assert.equal(k.minmax_f32(out.ptr, px, n), 0);
        const finite = Array.from(x).filter((v) => !Number.isNaN(v));
        assert.deepEqual(Array.from(new Float32Array(k.memory.buffer, out.ptr, 2)), [Math.min(...finite), Math.max(...finite)]);
        new Int32Array(k.memory.buffer, hist.ptr, 10).fill(0);
        assert.equal(k.histogram_f32(hist.ptr, px, n, -1, 1, 10), 0);
        hist.check();
        const want = new Array(10).fill(0);
        for (const v of finite) if (v >= -1 && v <= 1) want[Math.min(9, Math.floor(((v + 1) * 10) / 2))]++;
        assert.deepEqual(Array.from(new Int32Array(k.memory.buffer, hist.ptr, 10)), want);
        for (const p of [px, out.ptr, hist.ptr]) k.arena_free(p);
      });
    }
  });

  for (const isMax of [true, false]) {
    describe(`${isMax ? 'max' : 'avg'}pool2d_nhwc_qs8 [${name}]`, () => {
      poolCases.forEach((c, i) => it(poolLabel(c), () => { const r = runPool(k, c, isMax, i + 1); assert.deepEqual(r.got, r.want); }));
    });
  }
}

describe('int8 conversions and pooling: both builds give identical bytes', () => {
  const [simd, relaxed] = builds;
  it('on every pooling case and a quantize sweep', () => {
    poolCases.forEach((c, i) => {
      for (const isMax of [true, false]) assert.deepEqual(runPool(simd.k, c, isMax, i + 1).got, runPool(relaxed.k, c, isMax, i + 1).got);
    });
    const x = randomArray(rng(3), 1000, -4, 4);
    assert.deepEqual(quantize(simd.k, x, 20, 60, 0, 127), quantize(relaxed.k, x, 20, 60, 0, 127));
  });
});
