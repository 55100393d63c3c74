// int8 3x3 convolution, stride 1, no dilation, NHWC, by Winograd F(2x2, 3x3) in exact integer
// arithmetic: 16 products per 2x2 output tile and input channel instead of 36, with the same
// accumulators as the im2col path (qconv.ts), hence the same bytes out.
//
//   1-D F(2, 3): input d0..d3 → V = Bᵀd = (d0 − d2, d1 + d2, d2 − d1, d1 − d3); filter g0..g2 →
//   U' = 2·Gg = (2g0, g0 + g1 + g2, g0 − g1 + g2, 2g2) (G's halves doubled away, so integers);
//   y' = Aᵀ(U' ⊙ V) = (m0 + m1 + m2, m1 − m2 − m3) = 2·(d0g0 + d1g1 + d2g2, d1g0 + d2g1 + d3g2).
//   2-D, the same on both axes: U' = G'gG'ᵀ, V = BᵀdB, Y' = Aᵀ[Σ_c U'_c ⊙ V_c]A = 4·Y exactly,
//   so Y = Y' >> 2 with no rounding. d is x − zx (zero outside the image, as the im2col path's
//   taps that read zx add nothing).
//
// Ranges (activations 7-bit, qgemm.ts): |x − zx| <= 127, |V| <= 4·127 = 508 and |U'| <= 9·127 =
// 1143 fit i16, so the products are i32x4.dot_i16x8_s pairs (the SIMD128 int8 GEMM's dot; both
// builds use it here). Sums wrap modulo 2^32 (wasm i32 arithmetic); the result 4·Y is exact when
// |4·Y| < 2^31: |Y| <= 9·C·127² needs C < 3690, so C <= MAX_C = 2048.
//
// Layout: C a multiple of 8 (8 channels a vector in the transforms). Packed filter (this file's
// pack), per 8 output channels (a panel; CO padded to 8 with zero filters):
//   ┌ ξ = 0: pair 0 (32 B: U'[ξ][c0][j], U'[ξ][c0 + 1][j] as i16 lanes 2j', 2j' + 1 of the block of
//   │ channels j = 4·block + j') │ pair 1 ... │ ξ = 1 ... ┐  ξ = 4i + j for row transform i, column j.
// Per chunk of TC tiles: V [16][TC][C] i16 (the transformed inputs, a GEMM row a tile), then per
// panel M [16][TC][8] i32 (the 16 GEMMs' products), then the output transform, the bias, the
// optional 2x2 max pooling (pool = 2: a tile is a window) and the output stage (requant.ts).
// Memory: arena scratch of at most 16·TC·(2C + 32) + 16·C bytes; status -1 when short.
// Sources: Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks" (2016); the integer
// form: "Efficient Winograd convolution via integer arithmetic" (Meng & Brothers, 2019).

import { arena_alloc_scoped, arena_mark, arena_release } from "../../arena";
import { dotPair } from "./qgemm";
import { bias4, outputRow8, paramsStride } from "./requant";

// @ts-ignore: decorator
@inline const NR: i32 = 8;
/** Largest C: 4·Y stays inside int32 (see above). */
// @ts-ignore: decorator
@inline export const WINOGRAD_MAX_C: i32 = 2048;
/** Bytes of V for a chunk of tiles: the chunk stays in L2 with its panel. */
// @ts-ignore: decorator
@inline const V_BYTES: usize = 64 * 1024;

/** Bytes of one packed panel (8 output channels) for C input channels. */
// @ts-ignore: decorator
@inline function panelBytes(c: i32): usize {
  return <usize>16 * <usize>(c >> 1) * 32;
}

/** Bytes of the packed filter of a 3x3 conv with C (a multiple of 8) in and CO out channels. */
export function qwinograd_packed_bytes(c: i32, co: i32): usize {
  return <usize>((co + NR - 1) / NR) * panelBytes(c);
}

/** Row r of G' = 2G (r in 0..3) applied to g0, g1, g2. */
// @ts-ignore: decorator
@inline function gRow(r: i32, g0: i32, g1: i32, g2: i32): i32 {
  return r == 0 ? 2 * g0 : r == 1 ? g0 + g1 + g2 : r == 2 ? g0 - g1 + g2 : 2 * g2;
}

/** Tap (ky, kx) of the filter of input channel ci, output channel col (f: int8 [3, 3, C, CO]). */
// @ts-ignore: decorator
@inline function tap(f: usize, c: i32, co: i32, ky: i32, kx: i32, ci: i32, col: i32): i32 {
  return <i32>load<i8>(f + (<usize>((ky * 3 + kx) * c + ci) * <usize>co + <usize>col));
}

/**
 * Packs f (int8 [3, 3, C, CO], the conv's kernel) as U' = G'fG'ᵀ per (input, output) channel
 * pair, in the layout above. Status 0, or -2 when C is not a multiple of 8 in [8, 2048] or CO < 1.
 */
export function pack_qc8w_winograd(packed: usize, f: usize, c: i32, co: i32): i32 {
  if (c < 8 || c > WINOGRAD_MAX_C || (c & 7) != 0 || co < 1) return -2;
  let p = packed;
  for (let n0 = 0; n0 < co; n0 += NR) {
    for (let xi = 0; xi < 16; xi++) {
      const i = xi >> 2, j = xi & 3;
      for (let ci = 0; ci < c; ci++) {
        for (let jj = 0; jj < NR; jj++) {
          const col = n0 + jj;
          let u = 0;
          if (col < co) {
            // rows of G'f (one per kx), then G' on the other axis
            const r0 = gRow(i, tap(f, c, co, 0, 0, ci, col), tap(f, c, co, 1, 0, ci, col), tap(f, c, co, 2, 0, ci, col));
            const r1 = gRow(i, tap(f, c, co, 0, 1, ci, col), tap(f, c, co, 1, 1, ci, col), tap(f, c, co, 2, 1, ci, col));
            const r2 = gRow(i, tap(f, c, co, 0, 2, ci, col), tap(f, c, co, 1, 2, ci, col), tap(f, c, co, 2, 2, ci, col));
            u = gRow(j, r0, r1, r2);
          }
          // pair ci >> 1 (32 B), channel block jj >> 2 (16 B), i16 lane 2·(jj & 3) + (ci & 1)
          store<i16>(p + (<usize>(ci >> 1) << 5) + (<usize>(jj >> 2) << 4) + (<usize>(((jj & 3) << 1) + (ci & 1)) << 1), <i16>u);
        }
      }
      p += <usize>(c >> 1) << 5;
    }
  }
  return 0;
}

/** V of one tile, 8 channels: the 4x4 patch d (x − zx, i16) at src (rows rs, columns cs bytes
 *  apart) → BᵀdB, stored as ξ-major rows of the chunk (`xiStride` bytes apart). */
// @ts-ignore: decorator
@inline function inputTile8(v: usize, xiStride: usize, src: usize, rs: usize, cs: usize, zx: v128): void {
  // Bᵀ on the rows, per column s: t[r][s]
  for (let s: usize = 0; s < 4; s++) {
    const col = src + s * cs;
    const d0 = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load64_zero(col)), zx);
    const d1 = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load64_zero(col + rs)), zx);
    const d2 = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load64_zero(col + 2 * rs)), zx);
    const d3 = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load64_zero(col + 3 * rs)), zx);
    // t[i][s] goes to ξ = 4i + s for now; the column pass below reads and rewrites row i
    v128.store(v + (s) * xiStride, i16x8.sub(d0, d2));
    v128.store(v + (4 + s) * xiStride, i16x8.add(d1, d2));
    v128.store(v + (8 + s) * xiStride, i16x8.sub(d2, d1));
    v128.store(v + (12 + s) * xiStride, i16x8.sub(d1, d3));
  }
  // Bᵀ on the columns of each row i
  for (let i: usize = 0; i < 16; i += 4) {
    const t0 = v128.load(v + i * xiStride), t1 = v128.load(v + (i + 1) * xiStride);
    const t2 = v128.load(v + (i + 2) * xiStride), t3 = v128.load(v + (i + 3) * xiStride);
    v128.store(v + i * xiStride, i16x8.sub(t0, t2));
    v128.store(v + (i + 1) * xiStride, i16x8.add(t1, t2));
    v128.store(v + (i + 2) * xiStride, i16x8.sub(t2, t1));
    v128.store(v + (i + 3) * xiStride, i16x8.sub(t1, t3));
  }
}

/** The 16 GEMMs of 4 tiles (rows of V at v, `rowBytes` apart) and one panel: M[ξ][t][8] i32. */
function gemm16x4x8(m: usize, v: usize, panel: usize, pairs: i32, tcBytesV: usize, tcBytesM: usize, rowBytes: usize): void {
  let w = panel;
  for (let xi = 0; xi < 16; xi++, v += tcBytesV, m += tcBytesM) {
    let acc0x0123 = i32x4.splat(0), acc0x4567 = i32x4.splat(0), acc1x0123 = i32x4.splat(0), acc1x4567 = i32x4.splat(0);
    let acc2x0123 = i32x4.splat(0), acc2x4567 = i32x4.splat(0), acc3x0123 = i32x4.splat(0), acc3x4567 = i32x4.splat(0);
    const a0 = v, a1 = v + rowBytes, a2 = v + 2 * rowBytes, a3 = v + 3 * rowBytes;
    const end = w + (<usize>pairs << 5);
    for (let off: usize = 0; w < end; w += 32, off += 4) {
      const vb0123 = v128.load(w), vb4567 = v128.load(w, 16);
      acc0x0123 = dotPair(acc0x0123, vb0123, a0 + off); acc0x4567 = dotPair(acc0x4567, vb4567, a0 + off);
      acc1x0123 = dotPair(acc1x0123, vb0123, a1 + off); acc1x4567 = dotPair(acc1x4567, vb4567, a1 + off);
      acc2x0123 = dotPair(acc2x0123, vb0123, a2 + off); acc2x4567 = dotPair(acc2x4567, vb4567, a2 + off);
      acc3x0123 = dotPair(acc3x0123, vb0123, a3 + off); acc3x4567 = dotPair(acc3x4567, vb4567, a3 + off);
    }
    v128.store(m, acc0x0123); v128.store(m, acc0x4567, 16);
    v128.store(m, acc1x0123, 32); v128.store(m, acc1x4567, 48);
    v128.store(m, acc2x0123, 64); v128.store(m, acc2x4567, 80);
    v128.store(m, acc3x0123, 96); v128.store(m, acc3x4567, 112);
  }
}

/** gemm16x4x8 for one tile (the chunk's last tiles past a multiple of 4). */
function gemm16x1x8(m: usize, v: usize, panel: usize, pairs: i32, tcBytesV: usize, tcBytesM: usize): void {
  let w = panel;
  for (let xi = 0; xi < 16; xi++, v += tcBytesV, m += tcBytesM) {
    let acc0x0123 = i32x4.splat(0), acc0x4567 = i32x4.splat(0);
    const end = w + (<usize>pairs << 5);
    for (let a = v; w < end; w += 32, a += 4) {
      acc0x0123 = dotPair(acc0x0123, v128.load(w), a);
      acc0x4567 = dotPair(acc0x4567, v128.load(w, 16), a);
    }
    v128.store(m, acc0x0123); v128.store(m, acc0x4567, 16);
  }
}

/** Aᵀ on 4 values: (m0 + m1 + m2, m1 − m2 − m3). */
// @ts-ignore: decorator
@inline function at0(m0: v128, m1: v128, m2: v128): v128 { return i32x4.add(i32x4.add(m0, m1), m2); }
// @ts-ignore: decorator
@inline function at1(m1: v128, m2: v128, m3: v128): v128 { return i32x4.sub(i32x4.sub(m1, m2), m3); }

/** Y = (AᵀMA) >> 2 of one tile, 4 channels (half h of the panel): the 2x2 outputs y00, y01, y10, y11
 *  written to ys (4 v128). */
// @ts-ignore: decorator
@inline function outputTile4(ys: usize, m: usize, tcBytesM: usize): void {
  const m0 = v128.load(m), m1 = v128.load(m + tcBytesM), m2 = v128.load(m + 2 * tcBytesM), m3 = v128.load(m + 3 * tcBytesM);
  const m4 = v128.load(m + 4 * tcBytesM), m5 = v128.load(m + 5 * tcBytesM), m6 = v128.load(m + 6 * tcBytesM), m7 = v128.load(m + 7 * tcBytesM);
  const m8 = v128.load(m + 8 * tcBytesM), m9 = v128.load(m + 9 * tcBytesM), m10 = v128.load(m + 10 * tcBytesM), m11 = v128.load(m + 11 * tcBytesM);
  const m12 = v128.load(m + 12 * tcBytesM), m13 = v128.load(m + 13 * tcBytesM), m14 = v128.load(m + 14 * tcBytesM), m15 = v128.load(m + 15 * tcBytesM);
  // Aᵀ on the rows (i), then on the columns
  const t00 = at0(m0, m4, m8), t01 = at0(m1, m5, m9), t02 = at0(m2, m6, m10), t03 = at0(m3, m7, m11);
  const t10 = at1(m4, m8, m12), t11 = at1(m5, m9, m13), t12 = at1(m6, m10, m14), t13 = at1(m7, m11, m15);
  v128.store(ys, i32x4.shr_s(at0(t00, t01, t02), 2));
  v128.store(ys, i32x4.shr_s(at1(t01, t02, t03), 2), 16);
  v128.store(ys, i32x4.shr_s(at0(t10, t11, t12), 2), 32);
  v128.store(ys, i32x4.shr_s(at1(t11, t12, t13), 2), 48);
}

/** Output tiles' 2x2 accumulators, 8 channels: 4 outputs × 2 halves (static scratch). */
const YS = memory.data(128, 16);

export function conv2d_3x3_winograd_nhwc_qs8_qc8w(out: usize, x: usize, packed: usize, params: usize, n: i32,
    h: i32, w: i32, c: i32, co: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, zx: i32, pool: i32): i32 {
  if (n < 1 || h < 1 || w < 1 || co < 1 || outH < 1 || outW < 1) return -2;
  if (c < 8 || c > WINOGRAD_MAX_C || (c & 7) != 0) return -2;
  if (pool != 0 && (pool != 2 || outH < 2 || outW < 2)) return -2;
  const pooled = pool == 2;
  // tiles: 2x2 outputs each; pooled, exactly the pooling windows (a last odd row / column dropped)
  const th = pooled ? outH >> 1 : (outH + 1) >> 1, tw = pooled ? outW >> 1 : (outW + 1) >> 1;
  const tiles = n * th * tw;
  const rowBytes = <usize>c << 1;
  const tc = <i32>min<usize>(<usize>((tiles + 3) & ~3), max<usize>(4, (V_BYTES / (16 * rowBytes)) & ~3));
  const tcBytesV = <usize>tc * rowBytes, tcBytesM = <usize>tc * 32;
  const mark = arena_mark();
  const vbuf = arena_alloc_scoped(16 * tcBytesV);
  const mbuf = arena_alloc_scoped(16 * tcBytesM);
  const patch = arena_alloc_scoped(<usize>16 * <usize>c);
  if (vbuf == 0 || mbuf == 0 || patch == 0) { arena_release(mark); return -1; }
  const f32Out = load<i32>(params) != 0;
  const esz: usize = f32Out ? 4 : 1;
  const stride = paramsStride(co);
  const pairs = c >> 1;
  const pix = <usize>c;
  const zx8 = i16x8.splat(<i16>zx);
  const panels = (co + NR - 1) / NR;
  for (let t0 = 0; t0 < tiles; t0 += tc) {
    const cnt = min(tc, tiles - t0);
    // input transform of the chunk's tiles
    let tx = t0 % tw, tt = t0 / tw, ty = tt % th, b = tt / th;
    for (let t = 0; t < cnt; t++) {
      if (t > 0 && ++tx == tw) { tx = 0; if (++ty == th) { ty = 0; b++; } }
      const iy0 = 2 * ty - padTop, ix0 = 2 * tx - padLeft;
      let src = x + ((<usize>b * <usize>h + <usize>iy0) * <usize>w + <usize>ix0) * pix;
      let rs = <usize>w * pix;
      if (iy0 < 0 || ix0 < 0 || iy0 + 4 > h || ix0 + 4 > w) {
        // a border tile: its patch copied with zx outside the image (which then counts 0)
        for (let r = 0; r < 4; r++) for (let s = 0; s < 4; s++) {
          const iy = iy0 + r, ix = ix0 + s;
          const dst = patch + <usize>(r * 4 + s) * pix;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
            for (let ch: usize = 0; ch < pix; ch += 8) v128.store64_lane(dst + ch, i8x16.splat(<i8>zx), 0);
          } else {
            const from = x + ((<usize>b * <usize>h + <usize>iy) * <usize>w + <usize>ix) * pix;
            for (let ch: usize = 0; ch < pix; ch += 8) v128.store64_lane(dst + ch, v128.load64_zero(from + ch), 0);
          }
        }
        src = patch;
        rs = 4 * pix;
      }
      const v = vbuf + <usize>t * rowBytes;
      for (let ch: usize = 0; ch < pix; ch += 8) inputTile8(v + (ch << 1), tcBytesV, src + ch, rs, pix, zx8);
    }
    for (let p = 0; p < panels; p++) {
      const cOut = <usize>(p * NR), nc = min(NR, co - <i32>cOut);
      const panel = packed + <usize>p * panelBytes(c);
      let g = 0;
      for (; g + 4 <= cnt; g += 4) {
        gemm16x4x8(mbuf + <usize>g * 32, vbuf + <usize>g * rowBytes, panel, pairs, tcBytesV, tcBytesM, rowBytes);
      }
      for (; g < cnt; g++) gemm16x1x8(mbuf + <usize>g * 32, vbuf + <usize>g * rowBytes, panel, pairs, tcBytesV, tcBytesM);
      // output transform, bias, pooling, output stage
      const bias0 = bias4(params, cOut), bias1 = bias4(params, cOut + 4);
      tx = t0 % tw; tt = t0 / tw; ty = tt % th; b = tt / th;
      for (let t = 0; t < cnt; t++) {
        if (t > 0 && ++tx == tw) { tx = 0; if (++ty == th) { ty = 0; b++; } }
        const m = mbuf + <usize>t * 32;
        outputTile4(YS, m, tcBytesM);
        outputTile4(YS + 64, m + 16, tcBytesM);
        if (pooled) {
          const y0 = i32x4.max_s(i32x4.max_s(v128.load(YS), v128.load(YS, 16)), i32x4.max_s(v128.load(YS, 32), v128.load(YS, 48)));
          const y1 = i32x4.max_s(i32x4.max_s(v128.load(YS, 64), v128.load(YS, 80)), i32x4.max_s(v128.load(YS, 96), v128.load(YS, 112)));
          const o = out + (((<usize>b * <usize>th + <usize>ty) * <usize>tw + <usize>tx) * <usize>co + cOut) * esz;
          outputRow8(o, i32x4.add(y0, bias0), i32x4.add(y1, bias1), params, stride, cOut, nc, f32Out);
          continue;
        }
        for (let q = 0; q < 4; q++) {
          const oy = 2 * ty + (q >> 1), ox = 2 * tx + (q & 1);
          if (oy >= outH || ox >= outW) continue;
          const o = out + (((<usize>b * <usize>outH + <usize>oy) * <usize>outW + <usize>ox) * <usize>co + cOut) * esz;
          outputRow8(o, i32x4.add(v128.load(YS + (<usize>q << 4)), bias0), i32x4.add(v128.load(YS + 64 + (<usize>q << 4)), bias1),
            params, stride, cOut, nc, f32Out);
        }
      }
    }
  }
  arena_release(mark);
  return 0;
}
