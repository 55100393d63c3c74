// gemm_qs8_qc8w, conv2d_nhwc_qs8_qc8w and depthwise_conv2d_nhwc_qs8_qc8w against exact scalar
// references (tests/kernels/int8_ref.ts) on both builds, int8 and f32 outputs, awkward sizes,
// and a check that the SIMD128 and relaxed builds give identical bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randInt, rng } from '../helpers/rng.js';
import { conv_qs8_ref, gemm_qs8_ref, type QConvGeometry } from './int8_ref.js';
import { block, guardedOut, putBytes, randomI8, randomOutput, readOut } from './int8_helpers.js';
import { convGeometry } from '../ref/conv_ref.js';

interface GemmCase { m: number; n: number; k: number; stride?: number; f32Out: boolean; seed: number; nearOne?: boolean }
const gemmCases: GemmCase[] = [];
let seed = 1;
for (const m of AWKWARD) for (const n of [1, 7, 8, 17, 33]) for (const k of [1, 3, 4, 17, 65]) {
  gemmCases.push({ m, n, k, f32Out: (m + n + k) % 2 === 0, seed: seed++ });
}
for (const k of [3, 33]) gemmCases.push({ m: 5, n: 9, k, stride: k + 5, f32Out: false, seed: seed++ }); // padded rows
gemmCases.push({ m: 33, n: 65, k: 300, f32Out: false, seed: seed++ });
for (const k of [1, 3, 7]) gemmCases.push({ m: 9, n: 17, k, f32Out: false, seed: seed++, nearOne: true }); // shift 31
gemmCases.push({ m: 7, n: 200, k: 1000, f32Out: true, seed: seed++ }); // several N-blocks
const shapeRand = rng(77);
for (let i = 0; i < 12; i++) {
  gemmCases.push({ m: randInt(shapeRand, 1, 40), n: randInt(shapeRand, 1, 70), k: randInt(shapeRand, 1, 130),
    f32Out: shapeRand() < 0.5, seed: seed++ });
}

function runGemm(k: Kernels, c: GemmCase): { got: number[]; want: number[] } {
  const rand = rng(c.seed);
  const stride = c.stride ?? c.k;
  const a = randomI8(rand, c.m * stride, 0, 127);
  const w = randomI8(rand, c.k * c.n, -127, 127);
  const zx = randInt(rand, 0, 127);
  const p = randomOutput(rand, c.n, c.k, c.f32Out, c.nearOne);
  if (c.nearOne) assert.equal((p as { shift: number }).shift, 31);
  const mark = k.arena_mark();
  const pa = putBytes(k, a), pw = putBytes(k, w), pp = putBytes(k, block(c.n, p));
  const packed = k.arena_alloc(Number(k.qgemm_packed_bytes(c.k, c.n)));
  assert.equal(k.pack_qc8w(packed, pw, c.k, c.n), 0);
  const esz = c.f32Out ? 4 : 1;
  const out = guardedOut(k, c.m * c.n * esz);
  assert.equal(k.gemm_qs8_qc8w(out.ptr, pa, stride, packed, c.m, c.n, c.k, zx, pp), 0);
  out.check();
  const got = readOut(k, out.ptr, c.m * c.n, c.f32Out);
  for (const ptr of [pa, pw, pp, packed, out.ptr]) k.arena_free(ptr);
  assert.equal(k.arena_mark(), mark);
  return { got, want: gemm_qs8_ref(a, stride, w, c.m, c.n, c.k, zx, p) };
}

interface ConvCase { n: number; h: number; w: number; c: number; kh: number; kw: number; co: number; s: [number, number];
  d: [number, number]; pad: 'same' | 'valid'; mult: number; f32Out: boolean; seed: number;
  /** The kernel's fused 2x2 / stride-2 max pooling (pool = 2). */
  pool?: boolean }
const convCases: ConvCase[] = [];
for (const c of AWKWARD) {
  convCases.push({ n: 1, h: 9, w: 8, c, kh: 3, kw: 3, co: 17, s: [1, 1], d: [1, 1], pad: 'same', mult: 0, f32Out: false, seed: seed++ });
  convCases.push({ n: 2, h: 7, w: 7, c, kh: 3, kw: 3, co: 0, s: [2, 2], d: [1, 1], pad: 'same', mult: 1, f32Out: false, seed: seed++ });
}
convCases.push({ n: 2, h: 6, w: 5, c: 7, kh: 1, kw: 1, co: 33, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: true, seed: seed++ });
convCases.push({ n: 1, h: 28, w: 28, c: 1, kh: 3, kw: 3, co: 32, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: false, seed: seed++ });
convCases.push({ n: 1, h: 13, w: 13, c: 32, kh: 3, kw: 3, co: 64, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: false, seed: seed++ });
convCases.push({ n: 1, h: 11, w: 10, c: 5, kh: 3, kw: 2, co: 9, s: [2, 1], d: [2, 2], pad: 'same', mult: 0, f32Out: true, seed: seed++ });
convCases.push({ n: 1, h: 9, w: 9, c: 3, kh: 3, kw: 3, co: 0, s: [1, 1], d: [2, 1], pad: 'same', mult: 3, f32Out: true, seed: seed++ });
convCases.push({ n: 1, h: 5, w: 6, c: 17, kh: 5, kw: 5, co: 0, s: [1, 2], d: [1, 1], pad: 'same', mult: 2, f32Out: false, seed: seed++ });
// multiplier 1 with 16-channel steps (MobileNet's widths), with and without a channel tail
for (const c of [16, 24, 48, 144]) {
  convCases.push({ n: 1, h: 7, w: 6, c, kh: 3, kw: 3, co: 0, s: [1, 1], d: [1, 1], pad: 'same', mult: 1, f32Out: c === 24, seed: seed++ });
  convCases.push({ n: 2, h: 8, w: 9, c, kh: 3, kw: 3, co: 0, s: [2, 2], d: [1, 2], pad: 'valid', mult: 1, f32Out: c === 48, seed: seed++ });
}
// windows of at most 4 runs of at most 4 bytes (the gather's swizzle path): a full 16-byte row,
// row dilation, strides, and 'same' borders (whose rows take the general path)
convCases.push({ n: 2, h: 9, w: 7, c: 4, kh: 4, kw: 1, co: 9, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: false, seed: seed++ });
convCases.push({ n: 1, h: 11, w: 10, c: 1, kh: 2, kw: 2, co: 5, s: [2, 1], d: [2, 1], pad: 'same', mult: 0, f32Out: true, seed: seed++ });
convCases.push({ n: 1, h: 12, w: 12, c: 2, kh: 3, kw: 2, co: 16, s: [1, 2], d: [1, 1], pad: 'same', mult: 0, f32Out: false, seed: seed++, pool: true });
// the fused 2x2 max pooling: odd and even outputs (the last row / column dropped), a 1x1 conv, a
// batch, both outputs, the MNIST CNN's two convolutions, and an output of exactly one window
for (const c of [1, 3, 7, 17, 33]) {
  convCases.push({ n: 2, h: 9, w: 8, c, kh: 3, kw: 3, co: 17, s: [1, 1], d: [1, 1], pad: 'same', mult: 0, f32Out: c === 7, seed: seed++, pool: true });
}
convCases.push({ n: 1, h: 28, w: 28, c: 1, kh: 3, kw: 3, co: 32, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: false, seed: seed++, pool: true });
convCases.push({ n: 3, h: 13, w: 13, c: 32, kh: 3, kw: 3, co: 64, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: false, seed: seed++, pool: true });
convCases.push({ n: 1, h: 6, w: 7, c: 5, kh: 1, kw: 1, co: 9, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: false, seed: seed++, pool: true });
convCases.push({ n: 2, h: 11, w: 9, c: 4, kh: 3, kw: 2, co: 8, s: [2, 1], d: [1, 2], pad: 'same', mult: 0, f32Out: true, seed: seed++, pool: true });
convCases.push({ n: 1, h: 4, w: 5, c: 3, kh: 3, kw: 3, co: 65, s: [1, 1], d: [1, 1], pad: 'valid', mult: 0, f32Out: false, seed: seed++, pool: true });
for (let i = 0; i < 10; i++) {
  const kh = randInt(shapeRand, 1, 4), kw = randInt(shapeRand, 1, 4), mult = i % 2 === 0 ? 0 : randInt(shapeRand, 1, 2);
  convCases.push({ n: randInt(shapeRand, 1, 2), h: randInt(shapeRand, kh * 2, 12), w: randInt(shapeRand, kw * 2, 12),
    c: randInt(shapeRand, 1, 20), kh, kw, co: randInt(shapeRand, 1, 20), s: [randInt(shapeRand, 1, 2), randInt(shapeRand, 1, 2)],
    d: [randInt(shapeRand, 1, 2), 1], pad: shapeRand() < 0.5 ? 'same' : 'valid', mult, f32Out: shapeRand() < 0.5, seed: seed++ });
}

function geometry(c: ConvCase): QConvGeometry {
  const g = convGeometry(c.n, c.h, c.w, c.c, c.kh, c.kw, c.s, c.d, c.pad);
  return { n: c.n, h: c.h, w: c.w, c: c.c, kh: c.kh, kw: c.kw, sh: c.s[0], sw: c.s[1], dh: c.d[0], dw: c.d[1],
    pt: g.padTop, pl: g.padLeft, oh: g.outH, ow: g.outW };
}

/** 2x2 / stride-2 unpadded max pooling of [n, oh, ow, co] values (odd sizes drop the last row / column). */
function maxPool2x2(v: number[], n: number, oh: number, ow: number, co: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let y = 0; y < oh >> 1; y++) for (let x = 0; x < ow >> 1; x++) for (let ch = 0; ch < co; ch++) {
    const at = (dy: number, dx: number) => v[((b * oh + 2 * y + dy) * ow + 2 * x + dx) * co + ch];
    out.push(Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)));
  }
  return out;
}

function runConv(k: Kernels, c: ConvCase): { got: number[]; want: number[] } {
  const rand = rng(c.seed);
  const g = geometry(c);
  const co = c.mult > 0 ? c.c * c.mult : c.co;
  const x = randomI8(rand, c.n * c.h * c.w * c.c, 0, 127);
  const f = randomI8(rand, c.kh * c.kw * c.c * (c.mult > 0 ? c.mult : c.co), -127, 127);
  const zx = randInt(rand, 0, 127);
  const p = randomOutput(rand, co, c.mult > 0 ? c.kh * c.kw : c.kh * c.kw * c.c, c.f32Out);
  const px = putBytes(k, x), pf = putBytes(k, f), pp = putBytes(k, block(co, p));
  const count = c.pool ? c.n * (g.oh >> 1) * (g.ow >> 1) * co : c.n * g.oh * g.ow * co;
  const out = guardedOut(k, count * (c.f32Out ? 4 : 1));
  let status: number, packed = 0;
  if (c.mult > 0) {
    status = k.depthwise_conv2d_nhwc_qs8_qc8w(out.ptr, px, pf, pp, c.n, c.h, c.w, c.c, c.kh, c.kw, c.mult, g.sh, g.sw,
      g.dh, g.dw, g.pt, g.pl, g.oh, g.ow, zx);
  } else {
    const kk = c.kh * c.kw * c.c;
    packed = k.arena_alloc(Number(k.qgemm_packed_bytes(kk, co)));
    assert.equal(k.pack_qc8w(packed, pf, kk, co), 0);
    status = k.conv2d_nhwc_qs8_qc8w(out.ptr, px, packed, pp, c.n, c.h, c.w, c.c, c.kh, c.kw, co, g.sh, g.sw, g.dh, g.dw,
      g.pt, g.pl, g.oh, g.ow, zx, c.pool ? 2 : 0);
  }
  assert.equal(status, 0);
  out.check();
  const got = readOut(k, out.ptr, count, c.f32Out);
  for (const ptr of [px, pf, pp, out.ptr, packed]) if (ptr !== 0) k.arena_free(ptr);
  const want = conv_qs8_ref(x, f, g, co, zx, p, c.mult);
  return { got, want: c.pool ? maxPool2x2(want, c.n, g.oh, g.ow, co) : want };
}

// The Winograd F(2x2, 3x3) conv (qconv_winograd.ts): 3x3, stride 1, C a multiple of 8; odd and
// even outputs (the last tile half outside), images smaller than a tile, 'same' and 'valid',
// batches, both outputs, the fused pooling, and extreme values at the largest C (the int32 bound).
interface WinoCase { n: number; h: number; w: number; c: number; co: number; pad: 'same' | 'valid'; f32Out: boolean;
  pool: boolean; seed: number; extreme?: boolean }
const winoCases: WinoCase[] = [];
for (const [h, w] of [[1, 1], [2, 3], [3, 3], [5, 4], [7, 7], [17, 9]]) for (const pad of ['same', 'valid'] as const) {
  if (pad === 'valid' && (h < 3 || w < 3)) continue;
  const pool = (h + w) % 2 === 0 && (pad === 'same' ? Math.min(h, w) >= 2 : Math.min(h, w) >= 4);
  winoCases.push({ n: 1 + (h % 2), h, w, c: [8, 16, 24][h % 3], co: [1, 7, 17, 33][w % 4], pad, f32Out: h === 5, pool, seed: seed++ });
}
for (const co of [1, 8, 9, 64, 65]) winoCases.push({ n: 1, h: 13, w: 13, c: 32, co, pad: 'valid', f32Out: co === 9, pool: co !== 65, seed: seed++ });
winoCases.push({ n: 2, h: 6, w: 11, c: 64, co: 24, pad: 'same', f32Out: false, pool: false, seed: seed++ });
winoCases.push({ n: 3, h: 9, w: 10, c: 8, co: 5, pad: 'valid', f32Out: true, pool: true, seed: seed++ });
winoCases.push({ n: 1, h: 40, w: 12, c: 16, co: 12, pad: 'same', f32Out: false, pool: false, seed: seed++ }); // several chunks
winoCases.push({ n: 1, h: 4, w: 5, c: 2048, co: 9, pad: 'same', f32Out: true, pool: false, seed: seed++, extreme: true });

function runWinograd(k: Kernels, c: WinoCase): { got: number[]; want: number[] } {
  const rand = rng(c.seed);
  const g = geometry({ ...c, kh: 3, kw: 3, s: [1, 1], d: [1, 1], mult: 0 });
  // extreme: every product at its largest, of one sign per output channel (|Y| = 9·C·127²)
  const x = c.extreme ? new Int8Array(c.n * c.h * c.w * c.c).fill(127) : randomI8(rand, c.n * c.h * c.w * c.c, 0, 127);
  const f = c.extreme ? Int8Array.from({ length: 9 * c.c * c.co }, (_, i) => (i % c.co) % 2 === 0 ? 127 : -127)
    : randomI8(rand, 9 * c.c * c.co, -127, 127);
  const zx = c.extreme ? 0 : randInt(rand, 0, 127);
  const p = randomOutput(rand, c.co, 9 * c.c, c.f32Out);
  const px = putBytes(k, x), pf = putBytes(k, f), pp = putBytes(k, block(c.co, p));
  const packed = k.arena_alloc(Number(k.qwinograd_packed_bytes(c.c, c.co)));
  assert.equal(k.pack_qc8w_winograd(packed, pf, c.c, c.co), 0);
  const count = c.pool ? c.n * (g.oh >> 1) * (g.ow >> 1) * c.co : c.n * g.oh * g.ow * c.co;
  const out = guardedOut(k, count * (c.f32Out ? 4 : 1));
  assert.equal(k.conv2d_3x3_winograd_nhwc_qs8_qc8w(out.ptr, px, packed, pp, c.n, c.h, c.w, c.c, c.co, g.pt, g.pl, g.oh, g.ow,
    zx, c.pool ? 2 : 0), 0);
  out.check();
  const got = readOut(k, out.ptr, count, c.f32Out);
  for (const ptr of [px, pf, pp, out.ptr, packed]) k.arena_free(ptr);
  const want = conv_qs8_ref(x, f, g, c.co, zx, p, 0);
  return { got, want: c.pool ? maxPool2x2(want, c.n, g.oh, g.ow, c.co) : want };
}

const winoLabel = (c: WinoCase) => `co=${c.co} n=${c.n} ${c.h}x${c.w}x${c.c} ${c.pad} ${c.f32Out ? 'f32' : 'qs8'} out` +
  `${c.pool ? ', 2x2 max pooling fused' : ''}${c.extreme ? ', largest values' : ''}`;

const gemmLabel = (c: GemmCase) => `m=${c.m} n=${c.n} k=${c.k}${c.stride ? ` stride=${c.stride}` : ''} ${c.f32Out ? 'f32' : 'qs8'} out` +
  (c.nearOne ? ', multipliers near 1' : '');
const convLabel = (c: ConvCase) => `${c.mult > 0 ? `depthwise x${c.mult}` : `co=${c.co}`} n=${c.n} ${c.h}x${c.w}x${c.c} ` +
  `k=${c.kh}x${c.kw} s=${c.s} d=${c.d} ${c.pad} ${c.f32Out ? 'f32' : 'qs8'} out${c.pool ? ', 2x2 max pooling fused' : ''}`;

for (const { name, k } of builds) {
  describe(`gemm_qs8_qc8w [${name}]`, () => {
    for (const c of gemmCases) it(gemmLabel(c), () => { const r = runGemm(k, c); assert.deepEqual(r.got, r.want); });
    it('rejects bad sizes with status -2', () => {
      assert.equal(k.gemm_qs8_qc8w(0, 0, 3, 0, 0, 4, 4, 0, 0), -2);
      assert.equal(k.gemm_qs8_qc8w(0, 0, 3, 0, 2, 4, 4, 0, 0), -2); // stride < k
      assert.equal(k.pack_qc8w(0, 0, 0, 4), -2);
      assert.equal(k.gemm_qs8_qc8w(0, 0, 65537, 0, 1, 4, 65537, 0, 0), -2); // K past the int32 bound
      assert.equal(k.conv2d_nhwc_qs8_qc8w(0, 0, 0, 0, 1, 3, 3, 8193, 3, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0), -2);
      // the fused pooling: 2 only, and a conv output of at least one window
      assert.equal(k.conv2d_nhwc_qs8_qc8w(0, 0, 0, 0, 1, 3, 3, 1, 3, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1, 0, 2), -2);
      assert.equal(k.conv2d_nhwc_qs8_qc8w(0, 0, 0, 0, 1, 3, 3, 1, 1, 1, 4, 1, 1, 1, 1, 0, 0, 3, 3, 0, 3), -2);
    });
  });
  describe(`conv2d / depthwise_conv2d _nhwc_qs8_qc8w [${name}]`, () => {
    for (const c of convCases) it(convLabel(c), () => { const r = runConv(k, c); assert.deepEqual(r.got, r.want); });
  });
  describe(`conv2d_3x3_winograd_nhwc_qs8_qc8w [${name}]`, () => {
    for (const c of winoCases) it(winoLabel(c), () => { const r = runWinograd(k, c); assert.deepEqual(r.got, r.want); });
    it('rejects channel counts it cannot take, and bad pooling, with status -2', () => {
      for (const ch of [0, 4, 12, 2056]) {
        assert.equal(k.pack_qc8w_winograd(0, 0, ch, 4), -2, `C = ${ch}`);
        assert.equal(k.conv2d_3x3_winograd_nhwc_qs8_qc8w(0, 0, 0, 0, 1, 3, 3, ch, 4, 1, 1, 3, 3, 0, 0), -2, `C = ${ch}`);
      }
      assert.equal(k.pack_qc8w_winograd(0, 0, 8, 0), -2);
      assert.equal(k.conv2d_3x3_winograd_nhwc_qs8_qc8w(0, 0, 0, 0, 1, 3, 3, 8, 4, 0, 0, 1, 1, 0, 2), -2);
      assert.equal(k.conv2d_3x3_winograd_nhwc_qs8_qc8w(0, 0, 0, 0, 1, 3, 3, 8, 4, 1, 1, 3, 3, 0, 1), -2);
    });
  });
}

// The relaxed build's fused dot-add form (qgemm.ts): ready() uses it only where int8_dot_check
// passes, and there it must pass every case. Node 20's V8 gets it wrong (the check fails, so only
// the check runs here); tests/run-all.sh runs this file in Deno too, whose V8 gets it right.
describe('gemm_qs8_qc8w and conv2d_nhwc_qs8_qc8w, the relaxed build\'s fused int8 dot', () => {
  const { k } = builds[1];
  const fusedRight = k.int8_dot_check() === 1;
  it(`int8_dot_check says ${fusedRight ? 'right' : 'wrong'} here, leaves the split form in use, and SIMD128 has no fused form`, () => {
    assert.equal(k.int8_dot_in_use(), 0);
    assert.equal(builds[0].k.int8_dot_check(), 0);
    assert.equal(builds[0].k.set_int8_dot(1), -2);
    assert.equal(k.set_int8_dot(2), -2);
  });
  if (fusedRight) {
    it('every case against the reference, with the fused form', () => {
      assert.equal(k.set_int8_dot(1), 0);
      try {
        for (const c of gemmCases) { const r = runGemm(k, c); assert.deepEqual(r.got, r.want, gemmLabel(c)); }
        for (const c of convCases) { const r = runConv(k, c); assert.deepEqual(r.got, r.want, convLabel(c)); }
      } finally {
        k.set_int8_dot(0);
      }
    });
  }
});

describe('int8 GEMM and convolutions: both builds give identical bytes', () => {
  const [simd, relaxed] = builds;
  it('on every case', () => {
    for (const c of gemmCases) assert.deepEqual(runGemm(simd.k, c).got, runGemm(relaxed.k, c).got, gemmLabel(c));
    for (const c of convCases) assert.deepEqual(runConv(simd.k, c).got, runConv(relaxed.k, c).got, convLabel(c));
    for (const c of winoCases) assert.deepEqual(runWinograd(simd.k, c).got, runWinograd(relaxed.k, c).got, winoLabel(c));
  });
});
