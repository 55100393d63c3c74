// f32 3x3 stride-1 convolution, NHWC, by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2015): each 2x2 block of output pixels
// ("tile") is computed from a 4x4 input patch d with 16 multiplications per (ci, co) instead of 36:
//
//   Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A,  g the 3x3 filter of (ci, co)
//
//   Bᵀ = | 1  0 -1  0 |     G = |  1    0    0  |     Aᵀ = | 1  1  1  0 |
//        | 0  1  1  0 |         | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
//        | 0 -1  1  0 |         | 1/2 -1/2  1/2 |
//        | 0  1  0 -1 |         |  0    0    1  |
//
// The sum over ci at each of the 16 positions ξ is a GEMM: M_ξ[T, CO] = V_ξ[T, CI] · U_ξ[CI, CO]
// (T tiles, V = Bᵀ d B, U = G g Gᵀ). U is transformed once per call straight into pack_b's
// panel layout; tiles are processed TB at a time: the input transform writes the rows V_ξ[t]
// (4 channels per vector, padding taps read as 0), 16 conv_gemm_panels calls produce M_ξ
// (the conv tile reading V in place through an indirection buffer), and the output transform
// adds the bias, clamps and stores the 2x2 pixels that exist (odd output sizes cut the last
// tile). The transforms only add and halve, so the rounding stays close to the direct sum's
// (checked against the f64 reference). Caveat: one ±Inf input can come out as NaN (Inf − Inf
// inside the transforms) where the direct sum gives ±Inf; NaN propagates as in the direct sum.
//
//   B batch, H×W input, CI/CO channels, OH×OW output, PT/PL top/left pads.
//   x [B, H, W, CI], f [3, 3, CI, CO], bias [CO] or 0, out [B, OH, OW, CO].
// Memory: reads up to 12 bytes past x and f (channel tails); never writes past out's end.
// Scratch from the arena: 16 transformed filters (16/9 of f), V and M of one block; -1 on OOM
// (conv2d_nhwc_f32 then falls back to the implicit GEMM).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { packedBBytes, STATUS_OK, STATUS_OOM } from "./gemm";
import { conv_gemm_panels, CONV_NR } from "./conv";
import { activate, clampLo, clampHi, isClampActivation } from "./activation";
import { clamp4, storeTail } from "../simd";

/** Tiles per block: V and M of one block stay in L2 next to U. */
// @ts-ignore: decorator
@inline const TB: i32 = 32;

// The GEMMs read V in place (conv_gemm_panels): an indirection buffer of the block's V_0 rows
// (4 per panel; rows past the last tile repeat row 0) and one segment per ξ, (ξ·vBytes, CI).
const vRows = memory.data(TB * 4, 16);
const vSegs = memory.data(16 * 8, 16);

// @ts-ignore: decorator
@inline function half(v: v128): v128 {
  return f32x4.mul(v, f32x4.splat(0.5));
}

/**
 * U_ξ = G g Gᵀ for every (ci, co), written into 16 pack_b blocks (zero bias heads). Also used
 * by the input gradient (autograd/conv_winograd_grad.ts) on a filter transposed to [3, 3, CO, CI].
 */
export function transformFilter(u: usize, uBytes: usize, f: usize, cin: i32, cout: i32): void {
  const panelBytes = <usize>(CONV_NR + cin * CONV_NR) << 2;
  const tapBytes = <usize>cin * <usize>cout << 2; // f[ky, kx] to f[ky, kx + 1]
  const zero = f32x4.splat(0);
  for (let xi = 0; xi < 16; xi++) {
    for (let j = 0; j < cout; j += CONV_NR) {
      const head = u + <usize>xi * uBytes + <usize>(j >> 3) * panelBytes;
      v128.store(head, zero);
      v128.store(head, zero, 16);
    }
  }
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co += 4) {
      const g = f + ((<usize>ci * <usize>cout + <usize>co) << 2);
      // Rows of G g: for each filter column kx, (g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2) over ky.
      let t00: v128, t01: v128, t02: v128, t10: v128, t11: v128, t12: v128;
      let t20: v128, t21: v128, t22: v128, t30: v128, t31: v128, t32: v128;
      {
        const g00 = v128.load(g), g01 = v128.load(g + tapBytes), g02 = v128.load(g + 2 * tapBytes);
        const g10 = v128.load(g + 3 * tapBytes), g11 = v128.load(g + 4 * tapBytes), g12 = v128.load(g + 5 * tapBytes);
        const g20 = v128.load(g + 6 * tapBytes), g21 = v128.load(g + 7 * tapBytes), g22 = v128.load(g + 8 * tapBytes);
        t00 = g00; t01 = g01; t02 = g02;
        t30 = g20; t31 = g21; t32 = g22;
        const s0 = half(f32x4.add(g00, g20)), s1 = half(f32x4.add(g01, g21)), s2 = half(f32x4.add(g02, g22));
        const h0 = half(g10), h1 = half(g11), h2 = half(g12);
        t10 = f32x4.add(s0, h0); t11 = f32x4.add(s1, h1); t12 = f32x4.add(s2, h2);
        t20 = f32x4.sub(s0, h0); t21 = f32x4.sub(s1, h1); t22 = f32x4.sub(s2, h2);
      }
      // (G g) Gᵀ, row by row; element (ci, co) of U_ξ sits in panel co/8, row ci, lane co%8.
      const dst = u + <usize>(co >> 3) * panelBytes + 32 + (<usize>ci << 5) + (<usize>(co & 7) << 2);
      storeRow(dst, uBytes, 0, t00, t01, t02);
      storeRow(dst, uBytes, 4, t10, t11, t12);
      storeRow(dst, uBytes, 8, t20, t21, t22);
      storeRow(dst, uBytes, 12, t30, t31, t32);
    }
  }
}

/** Writes (a, (a+b+c)/2, (a-b+c)/2, c) to positions xi0 .. xi0+3 (lanes past CO: junk, never used). */
// @ts-ignore: decorator
@inline function storeRow(dst: usize, uBytes: usize, xi0: i32, a: v128, b: v128, c: v128): void {
  const s = half(f32x4.add(a, c)), h = half(b);
  const base = dst + <usize>xi0 * uBytes;
  v128.store(base, a);
  v128.store(base + uBytes, f32x4.add(s, h));
  v128.store(base + 2 * uBytes, f32x4.sub(s, h));
  v128.store(base + 3 * uBytes, c);
}

// Geometry of the call (plain globals: one call at a time).
let wX: usize = 0;
let wH: i32 = 0;
let wW: i32 = 0;
let wCin: i32 = 0;
let wPt: i32 = 0;
let wPl: i32 = 0;
let wTilesY: i32 = 0;
let wTilesX: i32 = 0;

/** d (4 channels at c0) at input (iy, ix) of image img; 0 outside the image. */
// @ts-ignore: decorator
@inline function patchLoad(img: usize, iy: i32, ix: i32, c0: usize): v128 {
  if (<u32>iy < <u32>wH && <u32>ix < <u32>wW) {
    return v128.load(img + ((<usize>iy * <usize>wW + <usize>ix) * <usize>wCin << 2) + c0);
  }
  return f32x4.splat(0);
}

/**
 * Bᵀ d B of one tile, 4 channels: d0..d3 are the patch rows' columns j = 0..3 of row i given as
 * 16 values; writes V_ξ rows (ξ = 4i + j) at dst + ξ·vBytes: one vector, or with `lanes` (a
 * constant) lane l at dst + ξ·vBytes + l·laneStride.
 */
// @ts-ignore: decorator
@inline function transformPatch(lanes: bool, laneStride: usize, dst: usize, vBytes: usize,
    d00: v128, d01: v128, d02: v128, d03: v128, d10: v128, d11: v128, d12: v128, d13: v128,
    d20: v128, d21: v128, d22: v128, d23: v128, d30: v128, d31: v128, d32: v128, d33: v128): void {
  // Rows: (d0 - d2, d1 + d2, d2 - d1, d1 - d3) per column, then the same along each row.
  const r00 = f32x4.sub(d00, d20), r01 = f32x4.sub(d01, d21), r02 = f32x4.sub(d02, d22), r03 = f32x4.sub(d03, d23);
  const r10 = f32x4.add(d10, d20), r11 = f32x4.add(d11, d21), r12 = f32x4.add(d12, d22), r13 = f32x4.add(d13, d23);
  const r20 = f32x4.sub(d20, d10), r21 = f32x4.sub(d21, d11), r22 = f32x4.sub(d22, d12), r23 = f32x4.sub(d23, d13);
  const r30 = f32x4.sub(d10, d30), r31 = f32x4.sub(d11, d31), r32 = f32x4.sub(d12, d32), r33 = f32x4.sub(d13, d33);
  transformRow(lanes, laneStride, dst, vBytes, r00, r01, r02, r03);
  transformRow(lanes, laneStride, dst + 4 * vBytes, vBytes, r10, r11, r12, r13);
  transformRow(lanes, laneStride, dst + 8 * vBytes, vBytes, r20, r21, r22, r23);
  transformRow(lanes, laneStride, dst + 12 * vBytes, vBytes, r30, r31, r32, r33);
}

// @ts-ignore: decorator
@inline function transformRow(lanes: bool, laneStride: usize, dst: usize, vBytes: usize, e0: v128, e1: v128,
    e2: v128, e3: v128): void {
  storeV(lanes, laneStride, dst, f32x4.sub(e0, e2));
  storeV(lanes, laneStride, dst + vBytes, f32x4.add(e1, e2));
  storeV(lanes, laneStride, dst + 2 * vBytes, f32x4.sub(e2, e1));
  storeV(lanes, laneStride, dst + 3 * vBytes, f32x4.sub(e1, e3));
}

// @ts-ignore: decorator
@inline function storeV(lanes: bool, laneStride: usize, p: usize, v: v128): void {
  if (!lanes) {
    v128.store(p, v);
  } else {
    v128.store32_lane(p, v, 0);
    v128.store32_lane(p + laneStride, v, 1);
    v128.store32_lane(p + 2 * laneStride, v, 2);
    v128.store32_lane(p + 3 * laneStride, v, 3);
  }
}

/** Sets the geometry transformInput reads (the filter gradient calls it too). */
export function winogradInput(x: usize, h: i32, w: i32, cin: i32, padTop: i32, padLeft: i32,
    tilesY: i32, tilesX: i32): void {
  wX = x; wH = h; wW = w; wCin = cin; wPt = padTop; wPl = padLeft; wTilesY = tilesY; wTilesX = tilesX;
}

/**
 * V_ξ rows [tile][CI] at v + ξ·vBytes for tiles t0 .. t0+count-1. Channel tails write up to 12
 * bytes of junk past a row: into the next row (written later) or the slack.
 */
export function transformInput(v: usize, vBytes: usize, t0: i32, count: i32): void {
  transformInputImpl(false, 0, v, vBytes, t0, count, <usize>wCin << 2, 16);
}

/**
 * V_ξ transposed, rows [CI][tile] rowBytes apart at v + ξ·vBytes (the filter gradient's A
 * operand): channel c of tile q at v + ξ·vBytes + c·rowBytes + 4q. Channel tails write junk into
 * the rows up to the next multiple of 4.
 */
export function transformInputT(v: usize, vBytes: usize, t0: i32, count: i32, rowBytes: usize): void {
  transformInputImpl(true, rowBytes, v, vBytes, t0, count, 4, rowBytes << 2);
}

/**
 * The input transform: channels c..c+3 of tile q at v + ξ·vBytes + q·tStride + (c/4)·gStride,
 * as one vector, or with `lanes` (a constant) as lanes laneStride apart.
 */
// @ts-ignore: decorator
@inline function transformInputImpl(lanes: bool, laneStride: usize, v: usize, vBytes: usize, t0: i32, count: i32,
    tStride: usize, gStride: usize): void {
  const perImage = wTilesY * wTilesX;
  const pix = <usize>wCin << 2;
  const rowBytes = <usize>wW * pix;
  let b = t0 / perImage;
  let rem = t0 - b * perImage;
  let ty = rem / wTilesX;
  let tx = rem - ty * wTilesX;
  let dst = v;
  for (let q = 0; q < count; q++) {
    const iy0 = 2 * ty - wPt, ix0 = 2 * tx - wPl;
    const img = wX + <usize>b * <usize>wH * rowBytes;
    if (iy0 >= 0 && iy0 + 3 < wH && ix0 >= 0 && ix0 + 3 < wW) {
      const p0 = img + <usize>iy0 * rowBytes + <usize>ix0 * pix;
      const p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
      for (let c = 0; c < wCin; c += 4) {
        const o = <usize>c << 2;
        transformPatch(lanes, laneStride, dst + <usize>(c >> 2) * gStride, vBytes,
          v128.load(p0 + o), v128.load(p0 + o + pix), v128.load(p0 + o + 2 * pix), v128.load(p0 + o + 3 * pix),
          v128.load(p1 + o), v128.load(p1 + o + pix), v128.load(p1 + o + 2 * pix), v128.load(p1 + o + 3 * pix),
          v128.load(p2 + o), v128.load(p2 + o + pix), v128.load(p2 + o + 2 * pix), v128.load(p2 + o + 3 * pix),
          v128.load(p3 + o), v128.load(p3 + o + pix), v128.load(p3 + o + 2 * pix), v128.load(p3 + o + 3 * pix));
      }
    } else {
      for (let c = 0; c < wCin; c += 4) {
        const o = <usize>c << 2;
        transformPatch(lanes, laneStride, dst + <usize>(c >> 2) * gStride, vBytes,
          patchLoad(img, iy0, ix0, o), patchLoad(img, iy0, ix0 + 1, o), patchLoad(img, iy0, ix0 + 2, o), patchLoad(img, iy0, ix0 + 3, o),
          patchLoad(img, iy0 + 1, ix0, o), patchLoad(img, iy0 + 1, ix0 + 1, o), patchLoad(img, iy0 + 1, ix0 + 2, o), patchLoad(img, iy0 + 1, ix0 + 3, o),
          patchLoad(img, iy0 + 2, ix0, o), patchLoad(img, iy0 + 2, ix0 + 1, o), patchLoad(img, iy0 + 2, ix0 + 2, o), patchLoad(img, iy0 + 2, ix0 + 3, o),
          patchLoad(img, iy0 + 3, ix0, o), patchLoad(img, iy0 + 3, ix0 + 1, o), patchLoad(img, iy0 + 3, ix0 + 2, o), patchLoad(img, iy0 + 3, ix0 + 3, o));
      }
    }
    dst += tStride;
    if (++tx == wTilesX) { tx = 0; if (++ty == wTilesY) { ty = 0; b++; } }
  }
}

/** Aᵀ M A + bias for tiles t0 .. t0+count-1; clamps; stores the pixels inside the output. */
function transformOutput(out: usize, m: usize, mBytes: usize, bias: usize, t0: i32, count: i32,
    cout: i32, outH: i32, outW: i32, clamp: bool, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  const perImage = wTilesY * wTilesX;
  const pixBytes = <usize>cout << 2;
  for (let q = 0; q < count; q++) {
    const t = t0 + q;
    const b = t / perImage;
    const rem = t - b * perImage;
    const ty = rem / wTilesX;
    const oy = 2 * ty, ox = 2 * (rem - ty * wTilesX);
    const p00 = out + (<usize>(b * outH + oy) * <usize>outW + <usize>ox) * pixBytes;
    const p10 = p00 + <usize>outW * pixBytes;
    const right = ox + 1 < outW, down = oy + 1 < outH;
    const row = m + <usize>q * pixBytes;
    for (let co = 0; co < cout; co += 4) {
      const mp = row + (<usize>co << 2);
      // s0j = m0j + m1j + m2j, s1j = m1j - m2j - m3j (rows), then the same across columns.
      let s00: v128, s01: v128, s02: v128, s03: v128, s10: v128, s11: v128, s12: v128, s13: v128;
      {
        const m0 = v128.load(mp), m1 = v128.load(mp + 4 * mBytes), m2 = v128.load(mp + 8 * mBytes), m3 = v128.load(mp + 12 * mBytes);
        s00 = f32x4.add(f32x4.add(m0, m1), m2); s10 = f32x4.sub(f32x4.sub(m1, m2), m3);
      }
      {
        const m0 = v128.load(mp + mBytes), m1 = v128.load(mp + 5 * mBytes), m2 = v128.load(mp + 9 * mBytes), m3 = v128.load(mp + 13 * mBytes);
        s01 = f32x4.add(f32x4.add(m0, m1), m2); s11 = f32x4.sub(f32x4.sub(m1, m2), m3);
      }
      {
        const m0 = v128.load(mp + 2 * mBytes), m1 = v128.load(mp + 6 * mBytes), m2 = v128.load(mp + 10 * mBytes), m3 = v128.load(mp + 14 * mBytes);
        s02 = f32x4.add(f32x4.add(m0, m1), m2); s12 = f32x4.sub(f32x4.sub(m1, m2), m3);
      }
      {
        const m0 = v128.load(mp + 3 * mBytes), m1 = v128.load(mp + 7 * mBytes), m2 = v128.load(mp + 11 * mBytes), m3 = v128.load(mp + 15 * mBytes);
        s03 = f32x4.add(f32x4.add(m0, m1), m2); s13 = f32x4.sub(f32x4.sub(m1, m2), m3);
      }
      const bv = bias != 0 ? v128.load(bias + (<usize>co << 2)) : f32x4.splat(0);
      let y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bv);
      let y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bv);
      let y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bv);
      let y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bv);
      if (clamp) {
        y00 = clamp4(y00, vlo, vhi); y01 = clamp4(y01, vlo, vhi);
        y10 = clamp4(y10, vlo, vhi); y11 = clamp4(y11, vlo, vhi);
      }
      const off = <usize>co << 2;
      if (cout - co >= 4) {
        v128.store(p00 + off, y00);
        if (right) v128.store(p00 + off + pixBytes, y01);
        if (down) v128.store(p10 + off, y10);
        if (right && down) v128.store(p10 + off + pixBytes, y11);
      } else {
        const n = <usize>(cout - co);
        storeTail(p00 + off, y00, n);
        if (right) storeTail(p00 + off + pixBytes, y01, n);
        if (down) storeTail(p10 + off, y10, n);
        if (right && down) storeTail(p10 + off + pixBytes, y11, n);
      }
    }
  }
}

/** The Winograd path of conv2d_nhwc_f32 (3x3, stride 1, dilation 1). STATUS_OOM without scratch. */
export function conv2d_winograd_f32(out: usize, x: usize, filter: usize, bias: usize, n: i32,
    h: i32, w: i32, cin: i32, cout: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
    act: i32, alpha: f32): i32 {
  const tilesY = (outH + 1) >> 1, tilesX = (outW + 1) >> 1;
  const tiles = n * tilesY * tilesX;
  const mark = arena_mark();
  const uBytes = packedBBytes(CONV_NR, cout, cin);
  // The 16 blocks of V (and of M) are read together: 64 bytes more than a multiple of the
  // page between them keeps them out of each other's L1 sets (and V's covers channel-tail junk).
  const vBytes = (<usize>TB * <usize>cin << 2) + 64;
  const mBytes = (<usize>TB * <usize>cout << 2) + 64;
  const u = arena_alloc_scoped(16 * uBytes);
  const v = arena_alloc_scoped(16 * vBytes);
  const m = arena_alloc_scoped(16 * mBytes);
  if (u == 0 || v == 0 || m == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  for (let xi = 0; xi < 16; xi++) {
    store<u32>(vSegs + (<usize>xi << 3), <u32>(<usize>xi * vBytes));
    store<i32>(vSegs + (<usize>xi << 3), cin, 4);
  }
  winogradInput(x, h, w, cin, padTop, padLeft, tilesY, tilesX);
  transformFilter(u, uBytes, filter, cin, cout);
  const clamp = isClampActivation(act);
  const lo = clampLo(act), hi = clampHi(act);
  for (let t0 = 0; t0 < tiles; t0 += TB) {
    const count = min(TB, tiles - t0);
    transformInput(v, vBytes, t0, count);
    const panels = (count + 3) >> 2;
    for (let r = 0; r < panels * 4; r++) {
      store<u32>(vRows + (<usize>r << 2), <u32>(v + (r < count ? <usize>r * (<usize>cin << 2) : 0)));
    }
    for (let xi = 0; xi < 16; xi++) {
      conv_gemm_panels(m + <usize>xi * mBytes, cout, vRows, panels, vSegs + (<usize>xi << 3), 1,
        u + <usize>xi * uBytes, cin, false, false, 0, 0);
    }
    transformOutput(out, m, mBytes, bias, t0, count, cout, outH, outW, clamp, lo, hi);
  }
  activate(out, n * outH * outW * cout, act, alpha);
  arena_release(mark);
  return STATUS_OK;
}
