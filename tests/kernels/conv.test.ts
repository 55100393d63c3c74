// conv2d_nhwc_f32 (with every conv tile of each build) and depthwise_conv2d_nhwc_f32 against their
// scalar references on both builds: an XNNPACK-style table over filter sizes, strides, dilations,
// paddings, awkward channel counts, K around the GEMM's KC block (256), batches, odd images, bias,
// every fused activation, random shapes from a seeded generator, NaN/Inf and the out-of-memory status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, tilesOf, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { convGeometry, conv2d_nhwc_ref, depthwise_conv2d_nhwc_ref, type ConvGeometry } from '../ref/conv_ref.js';
import { ACT } from '../ref/activation_ref.js';

type Pad = 'same' | 'valid' | number;
interface Case {
  n?: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number;
  s?: [number, number]; d?: [number, number]; pad?: Pad; bias?: boolean; act?: number; alpha?: number;
}

const label = (c: Case) => `n=${c.n ?? 1} ${c.h}x${c.w}x${c.cin} -> ${c.kh}x${c.kw}x${c.cout} ` +
  `s=${c.s ?? [1, 1]} d=${c.d ?? [1, 1]} pad=${c.pad ?? 'valid'} bias=${c.bias ?? false} act=${c.act ?? 0}`;

const cases: Case[] = [];
// Filter shapes x strides x paddings.
for (const [kh, kw] of [[1, 1], [3, 3], [5, 5], [1, 3]]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as const) {
  cases.push({ h: 9, w: 11, cin: 3, cout: 7, kh, kw, s: [s, s], pad, bias: true });
}
// Dilations (TF.js allows them with stride 1 only; the kernel takes both).
for (const [kh, kw] of [[3, 3], [1, 3], [5, 5]]) for (const pad of ['same', 'valid'] as const) {
  cases.push({ h: 12, w: 11, cin: 5, cout: 9, kh, kw, d: [2, 2], pad });
}
cases.push({ h: 10, w: 9, cin: 4, cout: 8, kh: 3, kw: 3, d: [2, 1], pad: 'same', bias: true });
cases.push({ h: 10, w: 9, cin: 4, cout: 8, kh: 3, kw: 2, s: [2, 1], d: [1, 3], pad: 'valid' });
// Awkward channel counts in and out.
for (const cin of AWKWARD) for (const cout of AWKWARD) {
  cases.push({ h: 5, w: 6, cin, cout, kh: 3, kw: 3, pad: 'same', bias: (cin + cout) % 4 === 2 });
}
// K = KH·KW·CI around KC = 256: one slice, just over, several slices; stride 2 forces im2col for 1x1.
for (const cin of [28, 29, 64]) cases.push({ n: 3, h: 7, w: 5, cin, cout: 17, kh: 3, kw: 3, pad: 'same', bias: true, act: ACT.relu });
cases.push({ h: 6, w: 7, cin: 256, cout: 9, kh: 1, kw: 1, s: [2, 2], pad: 'valid', bias: true });
cases.push({ h: 6, w: 7, cin: 257, cout: 8, kh: 1, kw: 1, s: [2, 2], pad: 'same' });
cases.push({ h: 4, w: 4, cin: 16, cout: 8, kh: 4, kw: 4, pad: 'valid' });
// Batches, odd images, several MC blocks with a partial last panel, explicit pads.
cases.push({ n: 3, h: 13, w: 7, cin: 3, cout: 16, kh: 3, kw: 3, pad: 'valid', bias: true });
cases.push({ n: 1, h: 15, w: 13, cin: 2, cout: 24, kh: 3, kw: 3, pad: 'valid' });
cases.push({ n: 2, h: 7, w: 9, cin: 3, cout: 5, kh: 3, kw: 3, pad: 1, bias: true });
cases.push({ n: 1, h: 6, w: 5, cin: 2, cout: 3, kh: 3, kw: 3, s: [2, 2], pad: 2 });
// 3x3 stride 1 with >= 16 channels in and out: the Winograd F(2x2, 3x3) path; several blocks of
// 32 tiles, odd outputs (cut tiles), channel tails, padding on every side, fused clamps.
cases.push({ n: 2, h: 13, w: 11, cin: 17, cout: 19, kh: 3, kw: 3, pad: 'valid', bias: true, act: ACT.relu6 });
cases.push({ n: 1, h: 16, w: 15, cin: 20, cout: 16, kh: 3, kw: 3, pad: 'same', bias: true, act: ACT.leakyrelu, alpha: 0.1 });
cases.push({ n: 3, h: 4, w: 3, cin: 16, cout: 33, kh: 3, kw: 3, pad: 1, act: ACT.relu });
cases.push({ n: 1, h: 9, w: 10, cin: 64, cout: 64, kh: 3, kw: 3, pad: 'same', bias: true });
// Padded windows: small images go through a zero-padded copy (several KC slices, batches);
// a padded image over 4 MB keeps the tap-by-tap edge gather.
cases.push({ n: 2, h: 9, w: 8, cin: 40, cout: 12, kh: 3, kw: 3, s: [2, 2], pad: 'same', bias: true });
cases.push({ n: 1, h: 258, w: 258, cin: 16, cout: 4, kh: 3, kw: 3, s: [2, 2], pad: 'same', bias: true });
// 1x1 stride 1: straight to the GEMM.
cases.push({ n: 2, h: 5, w: 3, cin: 17, cout: 9, kh: 1, kw: 1, pad: 'same', bias: true, act: ACT.relu6 });
// Empty reduction: act(bias).
cases.push({ h: 3, w: 3, cin: 0, cout: 5, kh: 3, kw: 3, pad: 'same', bias: true, act: ACT.relu });
// Every fused activation.
for (const [name, act] of Object.entries(ACT)) {
  cases.push({ h: 6, w: 5, cin: 3, cout: 11, kh: 3, kw: 3, pad: 'same', bias: true, act, alpha: name === 'elu' ? 1 : 0.2 });
}
// Random shapes from a seeded generator.
const shapeRand = rng(7);
for (let i = 0; i < 12; i++) {
  const kh = randInt(shapeRand, 1, 5), kw = randInt(shapeRand, 1, 5);
  const strided = shapeRand() < 0.5;
  const s = strided ? randInt(shapeRand, 1, 3) : 1, d = strided ? 1 : randInt(shapeRand, 1, 2);
  cases.push({ n: randInt(shapeRand, 1, 3), h: randInt(shapeRand, kh * d, 14), w: randInt(shapeRand, kw * d, 14),
    cin: randInt(shapeRand, 1, 40), cout: randInt(shapeRand, 1, 40), kh, kw, s: [s, s], d: [d, d],
    pad: shapeRand() < 0.5 ? 'same' : 'valid', bias: shapeRand() < 0.5 });
}

function geometry(c: Case): ConvGeometry {
  return convGeometry(c.n ?? 1, c.h, c.w, c.cin, c.kh, c.kw, c.s ?? [1, 1], c.d ?? [1, 1], c.pad ?? 'valid');
}

function runConv(wasm: Kernels, x: Float32Array, f: Float32Array, bias: Float32Array | null, g: ConvGeometry,
    cout: number, act: number, alpha: number, depthwise = false) {
  const outC = depthwise ? g.cin * cout : cout;
  const inputs = bias ? [x, f, bias] : [x, f];
  const [r] = runKernel(wasm, inputs, [g.n * g.outH * g.outW * outC], ([out], [px, pf, pb]) =>
    (depthwise ? wasm.depthwise_conv2d_nhwc_f32 : wasm.conv2d_nhwc_f32)(out, px, pf, pb ?? 0, g.n, g.h, g.w,
      g.cin, g.kh, g.kw, cout, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft,
      g.outH, g.outW, act, alpha));
  return r;
}

for (const { name, k: wasm } of builds) for (const tile of tilesOf(name, 'conv')) {
  describe(`conv2d_nhwc_f32 [${name}, conv tile ${tile.name}]`, () => {
    before(() => assert.equal(wasm.set_tiles(0, tile.id), 0));
    after(() => assert.equal(wasm.set_tiles(0, 0), 0));
    for (const c of cases) {
      it(label(c), () => {
        const g = geometry(c);
        const rand = rng(c.h * 7919 + c.w * 104729 + c.cin * 31 + c.cout * 1009 + c.kh * 3 + c.kw);
        const x = randomArray(rand, (c.n ?? 1) * c.h * c.w * c.cin);
        const f = randomArray(rand, c.kh * c.kw * c.cin * c.cout);
        const bias = c.bias ? randomArray(rand, c.cout) : null;
        const act = c.act ?? 0, alpha = c.alpha ?? 0;
        const r = runConv(wasm, x, f, bias, g, c.cout, act, alpha);
        assert.equal(r.status, 0);
        const k = c.kh * c.kw * c.cin;
        assertClose(r.out, conv2d_nhwc_ref(x, f, bias, g, c.cout, act, alpha),
          { atol: 1e-5 * Math.sqrt(k + 1), rtol: 1e-4 }, label(c));
      });
    }

    it('propagates NaN through the taps that see it on the Winograd path', () => {
      const g = convGeometry(1, 7, 6, 16, 3, 3, [1, 1], [1, 1], 'same');
      const x = randomArray(rng(15), 7 * 6 * 16), f = randomArray(rng(16), 3 * 3 * 16 * 16);
      x[(3 * 6 + 2) * 16 + 5] = NaN;
      x[(0 * 6 + 5) * 16 + 15] = NaN;
      const r = runConv(wasm, x, f, null, g, 16, ACT.relu, 0);
      assertClose(r.out, conv2d_nhwc_ref(x, f, null, g, 16, ACT.relu, 0), { atol: 1e-4 }, 'winograd nan');
    });

    it('propagates NaN and Inf through the taps that see them', () => {
      const g = convGeometry(1, 6, 7, 3, 3, 3, [1, 1], [1, 1], 'same');
      const x = randomArray(rng(11), 6 * 7 * 3), f = randomArray(rng(12), 3 * 3 * 3 * 9);
      x[(2 * 7 + 3) * 3 + 1] = NaN;
      x[(5 * 7 + 0) * 3 + 2] = Infinity;
      for (const act of [ACT.linear, ACT.relu]) {
        const r = runConv(wasm, x, f, null, g, 9, act, 0);
        assertClose(r.out, conv2d_nhwc_ref(x, f, null, g, 9, act, 0), { atol: 1e-4 }, `nan/inf act=${act}`);
      }
    });

    it('falls back from the Winograd path to the implicit GEMM when scratch is short', () => {
      // Winograd needs ~530 KB of scratch here (16 transformed filters, V, M), the GEMM ~210 KB.
      const g = convGeometry(1, 6, 6, 64, 3, 3, [1, 1], [1, 1], 'same');
      const x = randomArray(rng(17), 6 * 6 * 64), f = randomArray(rng(18), 9 * 64 * 64);
      wasm.arena_set_limit(wasm.arena_heap_end() + x.byteLength + f.byteLength + 6 * 6 * 64 * 4 + 350_000);
      try {
        const r = runConv(wasm, x, f, null, g, 64, 0, 0);
        assert.equal(r.status, 0);
        assertClose(r.out, conv2d_nhwc_ref(x, f, null, g, 64), { atol: 1e-5 * Math.sqrt(577), rtol: 1e-4 }, 'fallback');
      } finally {
        wasm.arena_set_limit(0);
      }
    });

    it('returns the out-of-memory status and stays usable when scratch cannot be had', () => {
      const g = convGeometry(1, 16, 16, 8, 3, 3, [1, 1], [1, 1], 'same');
      const x = randomArray(rng(13), 16 * 16 * 8), f = randomArray(rng(14), 9 * 8 * 32);
      const outBytes = 16 * 16 * 32 * 4;
      wasm.arena_set_limit(wasm.arena_heap_end() + x.byteLength + f.byteLength + outBytes + 2048);
      try {
        assert.equal(runConv(wasm, x, f, null, g, 32, 0, 0).status, -1);
      } finally {
        wasm.arena_set_limit(0);
      }
      const r = runConv(wasm, x, f, null, g, 32, 0, 0);
      assert.equal(r.status, 0);
      assertClose(r.out, conv2d_nhwc_ref(x, f, null, g, 32), { atol: 1e-4 }, 'after OOM');
    });
  });
}

// ---- depthwise ------------------------------------------------------------------------------

interface DwCase { n?: number; h: number; w: number; c: number; mult: number; kh: number; kw: number;
  s?: [number, number]; d?: [number, number]; pad?: Pad; bias?: boolean; act?: number; alpha?: number }

const dwCases: DwCase[] = [];
for (const [kh, kw] of [[1, 1], [3, 3], [5, 5], [1, 3]]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as const) {
  dwCases.push({ h: 9, w: 8, c: 7, mult: 1, kh, kw, s: [s, s], pad, bias: true });
}
for (const pad of ['same', 'valid'] as const) dwCases.push({ h: 11, w: 10, c: 5, mult: 1, kh: 3, kw: 3, d: [2, 2], pad });
for (const c of [...AWKWARD, 4, 8, 16, 32]) dwCases.push({ n: 2, h: 5, w: 6, c, mult: 1, kh: 3, kw: 3, pad: 'same', bias: c % 2 === 1 });
for (const mult of [2, 3, 4]) for (const c of [1, 3, 7]) dwCases.push({ h: 6, w: 5, c, mult, kh: 3, kw: 3, pad: 'same', bias: true });
for (const [name, act] of Object.entries(ACT)) {
  dwCases.push({ h: 5, w: 5, c: 19, mult: 1, kh: 3, kw: 3, pad: 'same', bias: true, act, alpha: name === 'elu' ? 1 : 0.2 });
}
dwCases.push({ n: 3, h: 7, w: 9, c: 6, mult: 2, kh: 3, kw: 3, s: [2, 2], pad: 1, bias: true, act: ACT.relu6 });
// Rows wide enough for dwPixels3 (three interior pixels at once), channel counts around its 8.
for (const c of [1, 3, 4, 8, 12, 17, 33]) {
  dwCases.push({ h: 4, w: 20, c, mult: 1, kh: 3, kw: 3, pad: 'same', bias: c % 2 === 0, act: ACT.relu });
}
dwCases.push({ n: 2, h: 9, w: 23, c: 9, mult: 1, kh: 5, kw: 3, s: [1, 2], d: [1, 2], pad: 'valid', bias: true });
const dwRand = rng(99);
for (let i = 0; i < 8; i++) {
  const kh = randInt(dwRand, 1, 5), kw = randInt(dwRand, 1, 5);
  dwCases.push({ n: randInt(dwRand, 1, 2), h: randInt(dwRand, kh, 12), w: randInt(dwRand, kw, 12),
    c: randInt(dwRand, 1, 40), mult: randInt(dwRand, 1, 3), kh, kw, s: [randInt(dwRand, 1, 2), randInt(dwRand, 1, 2)],
    pad: dwRand() < 0.5 ? 'same' : 'valid', bias: dwRand() < 0.5 });
}

const dwLabel = (c: DwCase) => `n=${c.n ?? 1} ${c.h}x${c.w}x${c.c} mult=${c.mult} ${c.kh}x${c.kw} ` +
  `s=${c.s ?? [1, 1]} d=${c.d ?? [1, 1]} pad=${c.pad ?? 'valid'} bias=${c.bias ?? false} act=${c.act ?? 0}`;

for (const { name, k: wasm } of builds) {
  describe(`depthwise_conv2d_nhwc_f32 [${name}]`, () => {
    for (const c of dwCases) {
      it(dwLabel(c), () => {
        const g = convGeometry(c.n ?? 1, c.h, c.w, c.c, c.kh, c.kw, c.s ?? [1, 1], c.d ?? [1, 1], c.pad ?? 'valid');
        const rand = rng(c.h * 131 + c.w * 17 + c.c * 7 + c.mult);
        const x = randomArray(rand, g.n * c.h * c.w * c.c);
        const f = randomArray(rand, c.kh * c.kw * c.c * c.mult);
        const bias = c.bias ? randomArray(rand, c.c * c.mult) : null;
        const act = c.act ?? 0, alpha = c.alpha ?? 0;
        const r = runConv(wasm, x, f, bias, g, c.mult, act, alpha, true);
        assert.equal(r.status, 0);
        assertClose(r.out, depthwise_conv2d_nhwc_ref(x, f, bias, g, c.mult, act, alpha), { atol: 1e-5, rtol: 1e-4 }, dwLabel(c));
      });
    }

    it('propagates NaN and Inf', () => {
      const g = convGeometry(1, 5, 6, 9, 3, 3, [1, 1], [1, 1], 'same');
      const x = randomArray(rng(21), 5 * 6 * 9), f = randomArray(rng(22), 9 * 9);
      x[(2 * 6 + 2) * 9 + 4] = NaN;
      x[(0 * 6 + 5) * 9 + 8] = -Infinity;
      const r = runConv(wasm, x, f, null, g, 1, 0, 0, true);
      assertClose(r.out, depthwise_conv2d_nhwc_ref(x, f, null, g, 1), { atol: 1e-5 }, 'dw nan/inf');
    });
  });
}
