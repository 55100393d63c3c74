// maxpool2d_grad / avgpool2d_grad / global_avgpool2d_grad (NHWC) against their scalar references
// on both builds: window sizes, strides (overlapping and non-overlapping windows), 'same' /
// 'valid' / explicit pads, awkward channel counts, batches, random shapes, ties in max pooling
// (the first maximum in row-major order takes the gradient), NaN and -Inf windows, windows that
// are mostly padding, and empty shapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { convGeometry, type ConvGeometry } from '../ref/conv_ref.js';
import { avgpool2d_grad_ref, global_avgpool2d_grad_ref, maxpool2d_grad_ref } from '../ref/pool_grad_ref.js';

interface Case { n?: number; h: number; w: number; c: number; kh: number; kw: number; s: [number, number]; pad: 'same' | 'valid' | number }

const cases: Case[] = [];
for (const [kh, kw] of [[1, 1], [2, 2], [3, 3], [2, 3]]) for (const s of [1, 2, 3]) for (const pad of ['same', 'valid', 1] as const) {
  // (pad 1 with a 1x1 window: the first row and column of windows are padding only)
  cases.push({ h: 9, w: 10, c: 5, kh, kw, s: [s, s], pad });
}
for (const c of [...AWKWARD, 4, 16, 32]) cases.push({ n: 2, h: 7, w: 6, c, kh: 3, kw: 3, s: [2, 2], pad: 'same' });
cases.push({ n: 3, h: 26, w: 26, c: 32, kh: 2, kw: 2, s: [2, 2], pad: 'valid' }); // the MNIST CNN's pools
cases.push({ n: 2, h: 11, w: 11, c: 64, kh: 2, kw: 2, s: [2, 2], pad: 'valid' });
cases.push({ h: 8, w: 9, c: 3, kh: 3, kw: 3, s: [1, 2], pad: 1 });
cases.push({ h: 5, w: 5, c: 2, kh: 5, kw: 5, s: [1, 1], pad: 'same' }); // most taps padding at the corners
const shapeRand = rng(15);
for (let i = 0; i < 12; i++) {
  const kh = randInt(shapeRand, 1, 4), kw = randInt(shapeRand, 1, 4);
  cases.push({ n: randInt(shapeRand, 1, 3), h: randInt(shapeRand, kh, 13), w: randInt(shapeRand, kw, 13),
    c: randInt(shapeRand, 1, 37), kh, kw, s: [randInt(shapeRand, 1, 3), randInt(shapeRand, 1, 3)],
    pad: shapeRand() < 0.5 ? 'same' : 'valid' });
}

const label = (c: Case) => `n=${c.n ?? 1} ${c.h}x${c.w}x${c.c} window ${c.kh}x${c.kw} s=${c.s} pad=${c.pad}`;
const geometry = (c: Case) => convGeometry(c.n ?? 1, c.h, c.w, c.c, c.kh, c.kw, c.s, [1, 1], c.pad);

function runPoolGrad(wasm: Kernels, kind: 'max' | 'avg', dy: Float32Array, x: Float32Array, g: ConvGeometry) {
  const [r] = runKernel(wasm, [dy, x], [g.n * g.h * g.w * g.cin], ([dx], [pdy, px]) => kind === 'max'
    ? wasm.maxpool2d_grad_nhwc_f32(dx, pdy, px, g.n, g.h, g.w, g.cin, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW)
    : wasm.avgpool2d_grad_nhwc_f32(dx, pdy, g.n, g.h, g.w, g.cin, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW));
  return r;
}

/** Values from a small set, so that windows hold ties. */
function tiedArray(rand: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = randInt(rand, -2, 2) * 0.5;
  return out;
}

for (const { name, k: wasm } of builds) {
  for (const kind of ['max', 'avg'] as const) {
    describe(`${kind}pool2d_grad_nhwc_f32 [${name}]`, () => {
      for (const c of cases) {
        it(label(c), () => {
          const g = geometry(c);
          const rand = rng(c.h * 131 + c.w * 17 + c.c * 7 + c.kh);
          const x = (kind === 'max' ? tiedArray : randomArray)(rand, g.n * c.h * c.w * c.c);
          const dy = randomArray(rand, g.n * g.outH * g.outW * c.c);
          const r = runPoolGrad(wasm, kind, dy, x, g);
          assert.equal(r.status, 0);
          const ref = kind === 'max' ? maxpool2d_grad_ref(dy, x, g) : avgpool2d_grad_ref(dy, g);
          assertClose(r.out, ref, { atol: 1e-6, rtol: 1e-6 }, label(c));
        });
      }

      it('empty shapes do not crash; no output pixel gives zeros', () => {
        for (const [n, c] of [[0, 3], [2, 0]]) {
          const g = convGeometry(n, 4, 4, c, 2, 2, [2, 2], [1, 1], 'valid');
          const r = runPoolGrad(wasm, kind, new Float32Array(n * 4 * c), new Float32Array(n * 16 * c), g);
          assert.equal(r.status, 0);
          assert.equal(r.out.length, 0);
        }
        const g = { ...convGeometry(1, 2, 2, 3, 3, 3, [1, 1], [1, 1], 'valid'), outH: 0, outW: 0 };
        const r = runPoolGrad(wasm, kind, new Float32Array(0), randomArray(rng(1), 12), g);
        assertClose(r.out, new Float32Array(12), {}, 'zeros');
      });
    });
  }

  describe(`maxpool2d_grad_nhwc_f32 special values [${name}]`, () => {
    it('NaN never wins; windows of -Inf / NaN pass no gradient; +Inf wins', () => {
      const g = convGeometry(1, 4, 4, 6, 2, 2, [2, 2], [1, 1], 'valid');
      const x = randomArray(rng(3), 4 * 4 * 6);
      for (let p = 0; p < 16; p++) {
        x[p * 6 + 0] = p === 5 ? NaN : x[p * 6 + 0];    // one NaN in a window
        x[p * 6 + 1] = NaN;                             // all NaN
        x[p * 6 + 2] = -Infinity;                       // all -Inf
        x[p * 6 + 3] = p % 3 === 0 ? NaN : -Infinity;   // NaN and -Inf
        x[p * 6 + 4] = p === 10 ? Infinity : x[p * 6 + 4];
      }
      const dy = randomArray(rng(4), 2 * 2 * 6);
      const r = runPoolGrad(wasm, 'max', dy, x, g);
      assertClose(r.out, maxpool2d_grad_ref(dy, x, g), { atol: 0, rtol: 0 }, 'special');
      for (let p = 0; p < 16; p++) for (const ch of [1, 2, 3]) assert.equal(r.out[p * 6 + ch], 0);
    });
  });

  describe(`global_avgpool2d_grad_nhwc_f32 [${name}]`, () => {
    const shapes: [number, number, number, number][] = [[1, 1, 1, 1], [2, 3, 5, 7], [3, 7, 7, 64], [1, 13, 11, 33], [0, 3, 3, 4], [2, 0, 3, 4], [2, 3, 3, 0]];
    for (const c of AWKWARD) shapes.push([2, 4, 5, c]);
    for (const [n, h, w, c] of shapes) {
      it(`n=${n} ${h}x${w}x${c}`, () => {
        const dy = randomArray(rng(n * 7 + h * 5 + w * 3 + c), n * c);
        const [r] = runKernel(wasm, [dy], [n * h * w * c], ([dx], [pdy]) => wasm.global_avgpool2d_grad_nhwc_f32(dx, pdy, n, h, w, c));
        assert.equal(r.status, 0);
        assertClose(r.out, global_avgpool2d_grad_ref(dy, n, h, w, c), { atol: 0, rtol: 0 }, 'global');
      });
    }
  });
}
