// maxpool2d / avgpool2d / global_avgpool2d (NHWC) against their scalar references on both builds:
// window sizes, strides, paddings, awkward channel counts (channel tails), batches, random shapes,
// NaN propagation and windows that are mostly padding.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { convGeometry, type ConvGeometry } from '../ref/conv_ref.js';
import { avgpool2d_nhwc_ref, global_avgpool2d_nhwc_ref, maxpool2d_nhwc_ref } from '../ref/pool_ref.js';

interface Case { n?: number; h: number; w: number; c: number; kh: number; kw: number; s: [number, number]; pad: 'same' | 'valid' | number }

const cases: Case[] = [];
for (const [kh, kw] of [[1, 1], [2, 2], [3, 3], [2, 3]]) for (const s of [1, 2, 3]) for (const pad of ['same', 'valid'] as const) {
  cases.push({ h: 9, w: 10, c: 5, kh, kw, s: [s, s], pad });
}
for (const c of [...AWKWARD, 4, 16, 32]) cases.push({ n: 2, h: 7, w: 6, c, kh: 3, kw: 3, s: [2, 2], pad: 'same' });
cases.push({ n: 3, h: 28, w: 28, c: 8, kh: 2, kw: 2, s: [2, 2], pad: 'valid' });
cases.push({ h: 8, w: 9, c: 3, kh: 3, kw: 3, s: [1, 2], pad: 1 });
cases.push({ h: 5, w: 5, c: 2, kh: 5, kw: 5, s: [1, 1], pad: 'same' }); // most taps padding at the corners
const shapeRand = rng(5);
for (let i = 0; i < 10; i++) {
  const kh = randInt(shapeRand, 1, 4), kw = randInt(shapeRand, 1, 4);
  cases.push({ n: randInt(shapeRand, 1, 3), h: randInt(shapeRand, kh, 13), w: randInt(shapeRand, kw, 13),
    c: randInt(shapeRand, 1, 37), kh, kw, s: [randInt(shapeRand, 1, 3), randInt(shapeRand, 1, 3)],
    pad: shapeRand() < 0.5 ? 'same' : 'valid' });
}

const label = (c: Case) => `n=${c.n ?? 1} ${c.h}x${c.w}x${c.c} window ${c.kh}x${c.kw} s=${c.s} pad=${c.pad}`;

function runPool(wasm: Kernels, kind: 'max' | 'avg', x: Float32Array, g: ConvGeometry) {
  const fn = kind === 'max' ? wasm.maxpool2d_nhwc_f32 : wasm.avgpool2d_nhwc_f32;
  const [r] = runKernel(wasm, [x], [g.n * g.outH * g.outW * g.cin], ([out], [px]) =>
    fn(out, px, g.n, g.h, g.w, g.cin, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW));
  return r;
}

for (const { name, k: wasm } of builds) {
  for (const kind of ['max', 'avg'] as const) {
    describe(`${kind}pool2d_nhwc_f32 [${name}]`, () => {
      const ref = kind === 'max' ? maxpool2d_nhwc_ref : avgpool2d_nhwc_ref;
      for (const c of cases) {
        it(label(c), () => {
          const g = convGeometry(c.n ?? 1, c.h, c.w, c.c, c.kh, c.kw, c.s, [1, 1], c.pad);
          const x = randomArray(rng(c.h * 31 + c.w * 7 + c.c), g.n * c.h * c.w * c.c, -3, 3);
          const r = runPool(wasm, kind, x, g);
          assert.equal(r.status, 0);
          assertClose(r.out, ref(x, g), { atol: 1e-6, rtol: 1e-5 }, label(c));
        });
      }

      it('propagates NaN and Inf', () => {
        const g = convGeometry(1, 6, 6, 7, 2, 2, [2, 2], [1, 1], 'valid');
        const x = randomArray(rng(3), 6 * 6 * 7);
        x[(1 * 6 + 1) * 7 + 2] = NaN;   // window (0,0), channel 2
        x[(4 * 6 + 5) * 7 + 6] = Infinity; // window (2,2), channel 6
        x[(0 * 6 + 4) * 7 + 0] = -Infinity;
        const r = runPool(wasm, kind, x, g);
        assertClose(r.out, ref(x, g), { atol: 1e-6 }, `${kind} nan/inf`);
        assert.ok(Number.isNaN(r.out[2]));
      });
    });
  }

  describe(`global_avgpool2d_nhwc_f32 [${name}]`, () => {
    const shapes: [number, number, number, number][] = [[1, 1, 1, 1], [2, 7, 5, 3], [3, 4, 4, 33], [1, 13, 11, 65], [2, 1, 9, 16]];
    for (const c of AWKWARD) shapes.push([2, 3, 5, c]);
    for (const [n, h, w, c] of shapes) {
      it(`[${n},${h},${w},${c}]`, () => {
        const x = randomArray(rng(n * h * w * c), n * h * w * c);
        x[0] = n === 3 ? NaN : x[0];
        const [r] = runKernel(wasm, [x], [n * c], ([out], [px]) => wasm.global_avgpool2d_nhwc_f32(out, px, n, h, w, c));
        assert.equal(r.status, 0);
        assertClose(r.out, global_avgpool2d_nhwc_ref(x, n, h, w, c), { atol: 1e-6, rtol: 1e-5 }, 'gap');
      });
    }
  });
}
