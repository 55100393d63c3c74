// The convolution backward kernels against their scalar references on both builds:
// conv2d_grad_input_nhwc_f32, conv2d_grad_filter_nhwc_f32 (with and without the bias gradient),
// depthwise_conv2d_grad_{input,filter}_nhwc_f32 and bias_grad_f32. XNNPACK-style tables over
// filter sizes, strides, dilations, 'same' / 'valid' / explicit and asymmetric pads, awkward
// channel counts, CO around the GEMM's KC (the col2im reduction), every path (1x1 GEMM,
// Winograd with several tile blocks, the rotated forward convolution, dot products for few
// input channels, col2im, band copies of padded slices), multipliers, random shapes from a seeded generator, empty shapes, NaN
// propagation and the out-of-memory status (nothing written) with the Winograd fallbacks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel, type Tolerance } from '../helpers/check.js';
import { convGeometry, type ConvGeometry } from '../ref/conv_ref.js';
import { bias_grad_ref, conv2d_grad_filter_ref, conv2d_grad_input_ref, depthwise_conv2d_grad_filter_ref,
  depthwise_conv2d_grad_input_ref } from '../ref/conv_grad_ref.js';

type Pad = 'same' | 'valid' | number;
interface Case {
  n?: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number;
  s?: [number, number]; d?: [number, number]; pad?: Pad; bias?: boolean;
  /** Explicit (possibly asymmetric) geometry instead of pad: top, left, bottom, right. */
  pads?: [number, number, number, number];
}

/** TF.js geometry, or an explicit asymmetric one (outH/outW from the four pads). */
function geometry(c: Case): ConvGeometry {
  const s = c.s ?? [1, 1], d = c.d ?? [1, 1];
  if (!c.pads) return convGeometry(c.n ?? 1, c.h, c.w, c.cin, c.kh, c.kw, s, d, c.pad ?? 'valid');
  const [top, left, bottom, right] = c.pads;
  const effH = (c.kh - 1) * d[0] + 1, effW = (c.kw - 1) * d[1] + 1;
  return { n: c.n ?? 1, h: c.h, w: c.w, cin: c.cin, kh: c.kh, kw: c.kw, strideH: s[0], strideW: s[1],
    dilationH: d[0], dilationW: d[1], padTop: top, padLeft: left,
    outH: Math.floor((c.h + top + bottom - effH) / s[0]) + 1, outW: Math.floor((c.w + left + right - effW) / s[1]) + 1 };
}

const label = (c: Case) => `n=${c.n ?? 1} ${c.h}x${c.w}x${c.cin} -> ${c.kh}x${c.kw}x${c.cout} s=${c.s ?? [1, 1]} ` +
  `d=${c.d ?? [1, 1]} pad=${c.pads ? `[${c.pads}]` : c.pad ?? 'valid'} bias=${c.bias ?? false}`;

/** f32 sums of `terms` products of values in [-1, 1], against f64 references. */
const tol = (terms: number): Tolerance => ({ atol: 2e-5 * Math.sqrt(terms + 1), rtol: 1e-4 });

const cases: Case[] = [];
// Filter shapes x strides x paddings; 3 input channels (dot products) and 5 (col2im).
for (const [kh, kw] of [[1, 1], [3, 3], [5, 5], [1, 3]]) for (const s of [1, 2, 3]) for (const pad of ['same', 'valid', 1] as const) {
  cases.push({ h: 9, w: 11, cin: 3, cout: 7, kh, kw, s: [s, s], pad, bias: s !== 2 });
  if (s < 3 && pad !== 1) cases.push({ n: 2, h: 9, w: 11, cin: 5, cout: 9, kh, kw, s: [s, s], pad, bias: true });
}
// Dilations (stride 1, as TF.js allows) and mixed strides / dilations.
for (const [kh, kw] of [[3, 3], [1, 3], [5, 5]]) for (const pad of ['same', 'valid'] as const) {
  cases.push({ h: 12, w: 11, cin: 5, cout: 9, kh, kw, d: [2, 2], pad, bias: true });
  cases.push({ h: 12, w: 11, cin: 2, cout: 6, kh, kw, d: [2, 2], pad });
}
cases.push({ h: 10, w: 9, cin: 4, cout: 8, kh: 3, kw: 2, s: [2, 1], d: [1, 3], pad: 'valid', bias: true });
cases.push({ h: 10, w: 9, cin: 9, cout: 8, kh: 3, kw: 3, d: [2, 1], pad: 'same' });
// Awkward channel counts in and out (3x3 stride 1: Winograd from 8 channels on both sides).
for (const cin of AWKWARD) for (const cout of AWKWARD) {
  cases.push({ h: 5, w: 6, cin, cout, kh: 3, kw: 3, pad: 'same', bias: (cin + cout) % 4 === 2 });
}
// CO around KC = 256 (the col2im GEMM's reduction), stride 2 keeps Winograd out.
for (const cout of [255, 256, 257]) cases.push({ h: 6, w: 5, cin: 4, cout, kh: 3, kw: 3, s: [2, 2], pad: 'same', bias: true });
cases.push({ h: 4, w: 4, cin: 2, cout: 300, kh: 2, kw: 2, pad: 'valid' });
// Winograd: several tile blocks (64 per filter-gradient block, 32 per input-gradient block), odd
// outputs, pads on every side, exact and ragged channel panels.
cases.push({ n: 3, h: 19, w: 17, cin: 9, cout: 12, kh: 3, kw: 3, pad: 'valid', bias: true });
cases.push({ n: 2, h: 13, w: 13, cin: 32, cout: 64, kh: 3, kw: 3, pad: 'valid', bias: true });
cases.push({ n: 2, h: 8, w: 9, cin: 8, cout: 8, kh: 3, kw: 3, pad: 'same' });
cases.push({ n: 1, h: 7, w: 6, cin: 33, cout: 17, kh: 3, kw: 3, pad: 2, bias: true });
cases.push({ n: 2, h: 9, w: 10, cin: 12, cout: 20, kh: 3, kw: 3, pads: [2, 0, 1, 3], bias: true });
cases.push({ n: 1, h: 3, w: 3, cin: 16, cout: 16, kh: 3, kw: 3, pad: 'valid', bias: true }); // one cut tile
// Asymmetric explicit pads on the direct paths.
cases.push({ n: 2, h: 7, w: 9, cin: 3, cout: 5, kh: 3, kw: 3, pads: [0, 2, 2, 1], bias: true });
cases.push({ n: 1, h: 8, w: 6, cin: 6, cout: 10, kh: 3, kw: 3, s: [2, 2], pads: [1, 0, 0, 2] });
cases.push({ n: 1, h: 6, w: 5, cin: 2, cout: 3, kh: 3, kw: 3, s: [2, 2], pad: 2 });
// Slices of output rows (about 256 pixels) in the filter gradient: padded (band copies) and not.
cases.push({ n: 2, h: 40, w: 37, cin: 3, cout: 5, kh: 3, kw: 3, pad: 'same', bias: true });
cases.push({ n: 1, h: 41, w: 30, cin: 2, cout: 20, kh: 3, kw: 3, pad: 'valid', bias: true });
cases.push({ n: 1, h: 30, w: 70, cin: 4, cout: 3, kh: 5, kw: 5, s: [2, 2], pad: 'same' });
// Stride-1 input gradients as the rotated forward convolution (8+ input channels, not Winograd),
// and pads larger than the filter reach (col2im instead).
cases.push({ n: 2, h: 9, w: 8, cin: 9, cout: 5, kh: 5, kw: 5, pad: 'same', bias: true });
cases.push({ n: 1, h: 7, w: 8, cin: 12, cout: 6, kh: 1, kw: 3, pad: 2 });
cases.push({ n: 1, h: 6, w: 9, cin: 8, cout: 16, kh: 2, kw: 4, pads: [1, 3, 0, 0], bias: true });
// 1x1 stride 1 (one GEMM each way) and 1x1 strided.
cases.push({ n: 2, h: 5, w: 3, cin: 17, cout: 9, kh: 1, kw: 1, pad: 'same', bias: true });
cases.push({ n: 1, h: 5, w: 7, cin: 33, cout: 3, kh: 1, kw: 1, s: [2, 2], pad: 'valid', bias: true });
// The MNIST CNN's layers, small batch.
cases.push({ n: 2, h: 28, w: 28, cin: 1, cout: 32, kh: 3, kw: 3, pad: 'valid', bias: true });
cases.push({ n: 2, h: 13, w: 13, cin: 32, cout: 64, kh: 3, kw: 3, pad: 'valid', bias: true });
// Random shapes from a seeded generator.
const shapeRand = rng(31);
for (let i = 0; i < 16; i++) {
  const kh = randInt(shapeRand, 1, 5), kw = randInt(shapeRand, 1, 5);
  const strided = shapeRand() < 0.5;
  const s = strided ? randInt(shapeRand, 1, 3) : 1, d = strided ? 1 : randInt(shapeRand, 1, 2);
  cases.push({ n: randInt(shapeRand, 1, 3), h: randInt(shapeRand, kh * d, 14), w: randInt(shapeRand, kw * d, 14),
    cin: randInt(shapeRand, 1, 40), cout: randInt(shapeRand, 1, 40), kh, kw, s: [s, s], d: [d, d],
    pad: shapeRand() < 0.5 ? 'same' : 'valid', bias: shapeRand() < 0.5 });
}

interface Grads { dx: Float32Array; df: Float32Array; dbias: Float32Array | null; statusIn: number; statusF: number }

function runGrads(wasm: Kernels, x: Float32Array, f: Float32Array, dy: Float32Array, g: ConvGeometry, cout: number,
    withBias: boolean, depthwise = false, init?: Float32Array[]): Grads {
  const args = [g.n, g.h, g.w, g.cin, g.kh, g.kw, cout, g.strideH, g.strideW, g.dilationH, g.dilationW,
    g.padTop, g.padLeft, g.outH, g.outW] as const;
  const dyC = depthwise ? g.cin * cout : cout;
  const [ri] = runKernel(wasm, [dy, f], [x.length], ([dx], [pdy, pf]) =>
    (depthwise ? wasm.depthwise_conv2d_grad_input_nhwc_f32 : wasm.conv2d_grad_input_nhwc_f32)(dx, pdy, pf, ...args),
  init ? [init[0]] : undefined);
  const outs = withBias ? [f.length, dyC] : [f.length];
  const rf = runKernel(wasm, [dy, x], outs, ([df, db], [pdy, px]) =>
    (depthwise ? wasm.depthwise_conv2d_grad_filter_nhwc_f32 : wasm.conv2d_grad_filter_nhwc_f32)(df, db ?? 0, pdy, px, ...args),
  init ? init.slice(1, 1 + outs.length) : undefined);
  return { dx: ri.out, df: rf[0].out, dbias: withBias ? rf[1].out : null, statusIn: ri.status, statusF: rf[0].status };
}

function data(c: { n?: number; h: number; w: number; cin: number; kh: number; kw: number }, fLen: number, dyLen: number) {
  const rand = rng(c.h * 7919 + c.w * 104729 + c.cin * 31 + fLen * 3 + dyLen);
  const n = c.n ?? 1;
  return { x: randomArray(rand, n * c.h * c.w * c.cin), f: randomArray(rand, fLen), dy: randomArray(rand, dyLen) };
}

for (const { name, k: wasm } of builds) {
  describe(`conv2d_grad_{input,filter}_nhwc_f32 [${name}]`, () => {
    for (const c of cases) {
      it(label(c), () => {
        const g = geometry(c);
        const pixels = g.n * g.outH * g.outW;
        const { x, f, dy } = data(c, c.kh * c.kw * c.cin * c.cout, pixels * c.cout);
        const r = runGrads(wasm, x, f, dy, g, c.cout, c.bias ?? false);
        assert.equal(r.statusIn, 0);
        assert.equal(r.statusF, 0);
        assertClose(r.dx, conv2d_grad_input_ref(dy, f, g, c.cout), tol(c.kh * c.kw * c.cout), `${label(c)} dx`);
        const ref = conv2d_grad_filter_ref(dy, x, g, c.cout);
        assertClose(r.df, ref.df, tol(pixels), `${label(c)} df`);
        if (r.dbias) assertClose(r.dbias, ref.dbias, tol(pixels), `${label(c)} dbias`);
      });
    }

    it('empty shapes write zeros where there are outputs and do not crash', () => {
      for (const c of [{ n: 0, cin: 3, cout: 4 }, { n: 2, cin: 0, cout: 4 }, { n: 2, cin: 3, cout: 0 }]) {
        const g = convGeometry(c.n, 5, 5, c.cin, 3, 3, [1, 1], [1, 1], 'same');
        const { x, f, dy } = data({ ...g, h: 5, w: 5 }, 9 * c.cin * c.cout, c.n * 25 * c.cout);
        const r = runGrads(wasm, x, f, dy, g, c.cout, true);
        assert.equal(r.statusIn, 0);
        assert.equal(r.statusF, 0);
        assertClose(r.dx, new Float32Array(x.length), {}, 'dx');
        assertClose(r.df, new Float32Array(f.length), {}, 'df');
        assertClose(r.dbias!, bias_grad_ref(dy, c.n * 25, c.cout), {}, 'dbias');
      }
      // Windows larger than the image: no output pixel, zero gradients.
      const g = { ...convGeometry(2, 2, 2, 3, 3, 3, [1, 1], [1, 1], 'valid'), outH: 0, outW: 0 };
      const { x, f, dy } = data({ n: 2, h: 2, w: 2, cin: 3, kh: 3, kw: 3 }, 9 * 3 * 4, 0);
      const r = runGrads(wasm, x, f, dy, g, 4, true);
      assertClose(r.dx, new Float32Array(x.length), {}, 'dx');
      assertClose(r.df, new Float32Array(f.length), {}, 'df');
      assertClose(r.dbias!, new Float32Array(4), {}, 'dbias');
    });

    it('propagates NaN in dy through the direct paths', () => {
      // col2im (stride 2), dot products (2 channels, stride 1), the rotated forward conv (9);
      // 'same' for dx, 'valid' for df (padded windows read zeros there: 0·NaN reaches the taps
      // over the padding too, where the reference skips them).
      for (const [cin, s] of [[2, 2], [5, 2], [2, 1], [9, 1]]) {
        for (const pad of ['same', 'valid'] as const) {
          const g = convGeometry(1, 6, 7, cin, 3, 3, [s, s], [1, 1], pad);
          const pixels = g.outH * g.outW;
          const { x, f, dy } = data({ ...g, h: 6, w: 7 }, 9 * cin * 6, pixels * 6);
          dy[7] = NaN;
          const r = runGrads(wasm, x, f, dy, g, 6, true);
          const what = `nan cin=${cin} s=${s} ${pad}`;
          if (pad === 'same') {
            assertClose(r.dx, conv2d_grad_input_ref(dy, f, g, 6), tol(54), `dx ${what}`);
          } else {
            const ref = conv2d_grad_filter_ref(dy, x, g, 6);
            assertClose(r.df, ref.df, tol(pixels), `df ${what}`);
            assertClose(r.dbias!, ref.dbias, tol(pixels), `dbias ${what}`);
          }
        }
      }
    });

    for (const [what, c] of [['Winograd', { n: 2, h: 9, w: 9, cin: 16, cout: 32, kh: 3, kw: 3, pad: 'same' }],
      ['col2im and band', { n: 2, h: 9, w: 9, cin: 16, cout: 32, kh: 3, kw: 3, s: [2, 2], pad: 'same' }]] as [string, Case][]) {
      it(`returns the out-of-memory status without writing (${what})`, () => {
        const g = geometry(c);
        const { x, f, dy } = data(c, 9 * c.cin * c.cout, g.n * g.outH * g.outW * c.cout);
        const nan = [new Float32Array(x.length).fill(NaN), new Float32Array(f.length).fill(NaN), new Float32Array(c.cout).fill(NaN)];
        wasm.arena_set_limit(wasm.arena_heap_end() + x.byteLength + f.byteLength + dy.byteLength + 1024);
        let r: Grads;
        try {
          r = runGrads(wasm, x, f, dy, g, c.cout, true, false, nan);
        } finally {
          wasm.arena_set_limit(0);
        }
        assert.equal(r.statusIn, -1);
        assert.equal(r.statusF, -1);
        for (const [out, what2] of [[r.dx, 'dx'], [r.df, 'df'], [r.dbias!, 'dbias']] as const) {
          assert.ok(out.every(Number.isNaN), `${what2} was written`);
        }
      });
    }

    it('falls back from Winograd to the direct paths when its scratch is short', () => {
      // Winograd needs ~0.8 MB here (filter: 16 blocks of V, dM and dU; input: U, dM, P), the
      // direct paths well under 200 KB.
      const c: Case = { n: 1, h: 8, w: 8, cin: 64, cout: 64, kh: 3, kw: 3, pad: 'same', bias: true };
      const g = geometry(c);
      const { x, f, dy } = data(c, 9 * 64 * 64, 64 * 64);
      wasm.arena_set_limit(wasm.arena_heap_end() + 2 * (x.byteLength + f.byteLength + dy.byteLength) + 260_000);
      let r: Grads;
      try {
        r = runGrads(wasm, x, f, dy, g, 64, true);
      } finally {
        wasm.arena_set_limit(0);
      }
      assert.equal(r.statusIn, 0);
      assert.equal(r.statusF, 0);
      assertClose(r.dx, conv2d_grad_input_ref(dy, f, g, 64), tol(576), 'dx');
      const ref = conv2d_grad_filter_ref(dy, x, g, 64);
      assertClose(r.df, ref.df, tol(64), 'df');
      assertClose(r.dbias!, ref.dbias, tol(64), 'dbias');
    });
  });
}

// ---- depthwise ------------------------------------------------------------------------------

interface DwCase { n?: number; h: number; w: number; c: number; mult: number; kh: number; kw: number;
  s?: [number, number]; d?: [number, number]; pad?: Pad; bias?: boolean }

const dwCases: DwCase[] = [];
for (const [kh, kw] of [[1, 1], [3, 3], [5, 5], [1, 3]]) for (const s of [1, 2, 3]) for (const pad of ['same', 'valid', 1] as const) {
  dwCases.push({ h: 9, w: 8, c: 7, mult: 1, kh, kw, s: [s, s], pad, bias: s !== 3 });
}
for (const pad of ['same', 'valid'] as const) dwCases.push({ h: 11, w: 10, c: 5, mult: 2, kh: 3, kw: 3, d: [2, 2], pad, bias: true });
for (const c of [...AWKWARD, 4, 8, 16, 32]) dwCases.push({ n: 2, h: 5, w: 6, c, mult: 1, kh: 3, kw: 3, pad: 'same', bias: c % 2 === 1 });
for (const mult of [2, 3]) for (const c of [1, 3, 7, 17]) dwCases.push({ h: 6, w: 5, c, mult, kh: 3, kw: 3, pad: 'same', bias: true });
dwCases.push({ n: 3, h: 7, w: 9, c: 6, mult: 2, kh: 3, kw: 3, s: [2, 2], pad: 1, bias: true });
dwCases.push({ n: 2, h: 9, w: 23, c: 9, mult: 1, kh: 5, kw: 3, s: [1, 2], d: [1, 2], pad: 'valid', bias: true });
// Rows wide enough for three pixels at a time in the input gradient.
for (const c of [1, 4, 12, 17, 33]) dwCases.push({ h: 4, w: 20, c, mult: 1, kh: 3, kw: 3, pad: 'same', bias: c % 2 === 0 });
const dwRand = rng(77);
for (let i = 0; i < 10; i++) {
  const kh = randInt(dwRand, 1, 5), kw = randInt(dwRand, 1, 5);
  dwCases.push({ n: randInt(dwRand, 1, 2), h: randInt(dwRand, kh, 12), w: randInt(dwRand, kw, 12),
    c: randInt(dwRand, 1, 40), mult: randInt(dwRand, 1, 3), kh, kw, s: [randInt(dwRand, 1, 3), randInt(dwRand, 1, 3)],
    pad: dwRand() < 0.5 ? 'same' : 'valid', bias: dwRand() < 0.5 });
}

const dwLabel = (c: DwCase) => `n=${c.n ?? 1} ${c.h}x${c.w}x${c.c} mult=${c.mult} ${c.kh}x${c.kw} ` +
  `s=${c.s ?? [1, 1]} d=${c.d ?? [1, 1]} pad=${c.pad ?? 'valid'} bias=${c.bias ?? false}`;

for (const { name, k: wasm } of builds) {
  describe(`depthwise_conv2d_grad_{input,filter}_nhwc_f32 [${name}]`, () => {
    for (const c of dwCases) {
      it(dwLabel(c), () => {
        const g = convGeometry(c.n ?? 1, c.h, c.w, c.c, c.kh, c.kw, c.s ?? [1, 1], c.d ?? [1, 1], c.pad ?? 'valid');
        const pixels = g.n * g.outH * g.outW;
        const { x, f, dy } = data({ ...c, cin: c.c }, c.kh * c.kw * c.c * c.mult, pixels * c.c * c.mult);
        const r = runGrads(wasm, x, f, dy, g, c.mult, c.bias ?? false, true);
        assert.equal(r.statusIn, 0);
        assert.equal(r.statusF, 0);
        assertClose(r.dx, depthwise_conv2d_grad_input_ref(dy, f, g, c.mult), tol(c.kh * c.kw * c.mult), `${dwLabel(c)} dx`);
        const ref = depthwise_conv2d_grad_filter_ref(dy, x, g, c.mult);
        assertClose(r.df, ref.df, tol(pixels), `${dwLabel(c)} df`);
        if (r.dbias) assertClose(r.dbias, ref.dbias, tol(pixels), `${dwLabel(c)} dbias`);
      });
    }

    it('empty shapes do not crash', () => {
      for (const c of [{ n: 0, c: 3 }, { n: 2, c: 0 }]) {
        const g = convGeometry(c.n, 5, 5, c.c, 3, 3, [1, 1], [1, 1], 'same');
        const { x, f, dy } = data({ n: c.n, h: 5, w: 5, cin: c.c, kh: 3, kw: 3 }, 9 * c.c * 2, c.n * 25 * c.c * 2);
        const r = runGrads(wasm, x, f, dy, g, 2, true, true);
        assert.equal(r.statusIn, 0);
        assert.equal(r.statusF, 0);
        assertClose(r.df, new Float32Array(f.length), {}, 'df');
        assertClose(r.dbias!, new Float32Array(c.c * 2), {}, 'dbias');
      }
    });
  });
}

// ---- bias_grad_f32 ----------------------------------------------------------------------------

for (const { name, k: wasm } of builds) {
  describe(`bias_grad_f32 [${name}]`, () => {
    const shapes: [number, number][] = [[0, 5], [1, 1], [3, 7], [64, 10], [1000, 3], [33, 65], [7, 128], [43264, 32]];
    for (const s of AWKWARD) shapes.push([s + 2, s]);
    for (const [rows, c] of shapes) {
      it(`rows=${rows} c=${c}`, () => {
        const dy = randomArray(rng(rows * 31 + c), rows * c);
        const [r] = runKernel(wasm, [dy], [c], ([db], [pdy]) => wasm.bias_grad_f32(db, pdy, rows, c));
        assert.equal(r.status, 0);
        assertClose(r.out, bias_grad_ref(dy, rows, c), tol(rows), `rows=${rows} c=${c}`);
      });
    }
  });
}
