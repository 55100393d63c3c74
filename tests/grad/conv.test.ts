// Finite-difference checks of the convolution backward kernels: the gradient of
// L = Σ dy · conv(x, f) (+ bias) by centred differences of the f64 reference forward, against
// conv2d_grad_input / conv2d_grad_filter (and the bias gradient) and their depthwise twins, on
// both builds. Small shapes with awkward sizes, every path (dot products, col2im, Winograd, the
// rotated forward convolution, the 1x1 GEMM, band copies), strides, dilations, asymmetric pads,
// multipliers 1-3; and bias_grad_f32 (the dense layers' bias gradient).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { convGeometry, type ConvGeometry } from '../ref/conv_ref.js';
import { conv2d_f64, depthwise_conv2d_f64 } from '../ref/conv_grad_ref.js';

interface Case { label: string; g: ConvGeometry; cout: number; depthwise?: boolean }

const cases: Case[] = [
  { label: '5x6x3 -> 3x3x7 same (dot products)', g: convGeometry(1, 5, 6, 3, 3, 3, [1, 1], [1, 1], 'same'), cout: 7 },
  { label: '7x7x1 -> 5x5x3 s2 valid', g: convGeometry(2, 7, 7, 1, 5, 5, [2, 2], [1, 1], 'valid'), cout: 3 },
  { label: '6x7x7 -> 1x3x2 d2 same (col2im)', g: convGeometry(1, 6, 7, 7, 1, 3, [1, 1], [2, 2], 'same'), cout: 2 },
  { label: '5x5x8 -> 3x3x9 same (Winograd)', g: convGeometry(1, 5, 5, 8, 3, 3, [1, 1], [1, 1], 'same'), cout: 9 },
  { label: '4x5x9 -> 3x3x8 valid, n=2 (Winograd, cut tiles)', g: convGeometry(2, 4, 5, 9, 3, 3, [1, 1], [1, 1], 'valid'), cout: 8 },
  { label: '6x5x9 -> 5x3x4 same (rotated forward conv)', g: convGeometry(1, 6, 5, 9, 5, 3, [1, 1], [1, 1], 'same'), cout: 4 },
  { label: '3x4x5 -> 1x1x3 (GEMM)', g: convGeometry(2, 3, 4, 5, 1, 1, [1, 1], [1, 1], 'valid'), cout: 3 },
  { label: '8x7x4 -> 3x3x5 s3, pads top 2 left 1', g: { ...convGeometry(1, 8, 7, 4, 3, 3, [3, 3], [1, 1], 'valid'), padTop: 2, padLeft: 1, outH: 3, outW: 2 }, cout: 5 },
  { label: '7x6x2 -> 2x3x17 s2 same', g: convGeometry(1, 7, 6, 2, 2, 3, [2, 2], [1, 1], 'same'), cout: 17 },
  { label: 'depthwise 5x6x3 m1 3x3 same', g: convGeometry(1, 5, 6, 3, 3, 3, [1, 1], [1, 1], 'same'), cout: 1, depthwise: true },
  { label: 'depthwise 6x5x3 m2 3x3 s2 valid', g: convGeometry(2, 6, 5, 3, 3, 3, [2, 2], [1, 1], 'valid'), cout: 2, depthwise: true },
  { label: 'depthwise 7x7x2 m3 3x3 d2 same', g: convGeometry(1, 7, 7, 2, 3, 3, [1, 1], [2, 2], 'same'), cout: 3, depthwise: true },
  { label: 'depthwise 4x9x5 m1 1x3 s3 same', g: convGeometry(1, 4, 9, 5, 1, 3, [3, 3], [1, 1], 'same'), cout: 1, depthwise: true },
];

function grads(wasm: Kernels, c: Case, x: Float32Array, f: Float32Array, dy: Float32Array) {
  const { g, cout } = c;
  const args = [g.n, g.h, g.w, g.cin, g.kh, g.kw, cout, g.strideH, g.strideW, g.dilationH, g.dilationW,
    g.padTop, g.padLeft, g.outH, g.outW] as const;
  const outC = c.depthwise ? g.cin * cout : cout;
  const [dx] = runKernel(wasm, [dy, f], [x.length], ([o], [pdy, pf]) =>
    (c.depthwise ? wasm.depthwise_conv2d_grad_input_nhwc_f32 : wasm.conv2d_grad_input_nhwc_f32)(o, pdy, pf, ...args));
  const [df, db] = runKernel(wasm, [dy, x], [f.length, outC], ([o, b], [pdy, px]) =>
    (c.depthwise ? wasm.depthwise_conv2d_grad_filter_nhwc_f32 : wasm.conv2d_grad_filter_nhwc_f32)(o, b, pdy, px, ...args));
  assert.equal(dx.status, 0);
  assert.equal(df.status, 0);
  return { dx: dx.out, df: df.out, dbias: db.out };
}

for (const { name, k: wasm } of builds) {
  describe(`conv backward by finite differences [${name}]`, () => {
    for (const c of cases) {
      it(c.label, () => {
        const { g, cout } = c;
        const outC = c.depthwise ? g.cin * cout : cout;
        const rand = rng(g.h * 97 + g.w * 13 + g.cin * 5 + cout);
        const x = randomArray(rand, g.n * g.h * g.w * g.cin);
        const f = randomArray(rand, g.kh * g.kw * g.cin * cout);
        const dy = randomArray(rand, g.n * g.outH * g.outW * outC);
        const forward = (xv: ArrayLike<number>, fv: ArrayLike<number>) =>
          c.depthwise ? depthwise_conv2d_f64(xv, fv, g, cout) : conv2d_f64(xv, fv, g, cout);
        const r = grads(wasm, c, x, f, dy);
        assertGradClose(r.dx, numericGrad((xv) => forward(xv, f), x, dy), `${c.label} dx`);
        assertGradClose(r.df, numericGrad((fv) => forward(x, fv), f, dy), `${c.label} df`);
        const base = forward(x, f);
        const withBias = (bv: ArrayLike<number>) => base.map((v, i) => v + bv[i % outC]);
        assertGradClose(r.dbias, numericGrad(withBias, new Float64Array(outC), dy), `${c.label} dbias`);
      });
    }
  });
}

for (const { name, k: wasm } of builds) {
  describe(`bias_grad_f32 by finite differences [${name}]`, () => {
    for (const [rows, c] of [[1, 1], [3, 7], [17, 33], [65, 3]]) {
      it(`rows=${rows} c=${c}`, () => {
        const rand = rng(rows * 13 + c);
        const y = randomArray(rand, rows * c), dy = randomArray(rand, rows * c);
        const [r] = runKernel(wasm, [dy], [c], ([db], [pdy]) => wasm.bias_grad_f32(db, pdy, rows, c));
        assert.equal(r.status, 0);
        const withBias = (bv: ArrayLike<number>) => Float64Array.from(y, (v, i) => v + bv[i % c]);
        assertGradClose(r.out, numericGrad(withBias, new Float64Array(c), dy), `bias rows=${rows} c=${c}`);
      });
    }
  });
}
