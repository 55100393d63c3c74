// int8 2-D convolution, NHWC, through im2col chunks and the int8 GEMM (qgemm.ts).
//
//   out[b, oy, ox, co] = epilogue(Σ_{ky, kx, ci} (x[b, iy, ix, ci] − zx) · f[ky, kx, ci, co])
//   iy = oy·SH − PT + ky·DH, ix = ox·SW − PL + kx·DW; taps outside the image read zx (so they
//   add nothing), as 'same' padding in the f32 model adds zeros.
//
//   B batch, H×W×C input, KH×KW window, CO output channels, OH×OW output. x qs8 [B, H, W, C];
//   f packed by pack_qc8w from [KH·KW·C, CO] (the [kh, kw, cin, cout] kernel as a matrix);
//   out qs8 or f32 [B, OH, OW, CO] by the parameter block's mode (requant.ts).
//
// pool = 2 fuses a 2x2 max pooling with stride 2 and no padding (Keras 'valid') after the conv:
// out is [B, OH / 2, OW / 2, CO] (rounded down), only the pixels of whole windows are computed,
// and each window's maximum accumulator goes through the output stage once (qgemm.ts). The bytes
// equal those of the conv followed by maxpool2d_nhwc_qs8: the output stage is non-decreasing.
// That is 4x fewer requantizations, no int8 image between the two and no pooling pass; a
// 3x3 conv of a few channels (a CNN's first layer) spends most of its time in them. pool = 0: none.
//
// A 1x1 convolution with stride 1 and no padding is the GEMM on x itself. Otherwise rows of
// KP = KH·KW·C rounded up to 4 elements (bytes; i16 in the SIMD128 build) are gathered for CHUNK
// output pixels at a time into arena scratch (so a batch-1 inference of a small CNN stays well
// under 1 MiB), then multiplied.
// Memory: the relaxed build reads up to 3 bytes past x's end (1x1 path); status -1 when scratch
// is short.

import { arena_alloc_scoped, arena_mark, arena_release } from "../../arena";
import { qgemmRun, qgemmRunWide, MAX_K } from "./qgemm";

// @ts-ignore: decorator
@inline const CHUNK: i32 = 128;

/** im2col element bytes: int8 in the relaxed build; i16 in SIMD128, whose GEMM multiplies
 *  activations already widened (qgemm.ts), so the gather widens them on the way. */
// @ts-ignore: decorator
@inline const ES: usize = ASC_FEATURE_RELAXED_SIMD ? 1 : 2;

/** Copies n activations into im2col elements (memory.copy is a runtime call in V8: too slow for a
 *  tap of a few channels). A tail shorter than a vector is copied as one whole vector when x has
 *  those bytes (a 3x3 tap of one channel is 3 bytes): it may write up to 16 bytes past dst + n
 *  elements, which the gather's next writes (or the scratch's slack) cover. */
// @ts-ignore: decorator
@inline function copyElems(dst: usize, src: usize, n: usize, srcEnd: usize): void {
  if (ES == 1) {
    for (; n >= 16; n -= 16, dst += 16, src += 16) v128.store(dst, v128.load(src));
    if (n == 0) return;
    if (src + 16 <= srcEnd) { v128.store(dst, v128.load(src)); return; }
    for (; n > 0; n--, dst++, src++) store<u8>(dst, load<u8>(src));
  } else {
    for (; n >= 8; n -= 8, dst += 16, src += 8) v128.store(dst, i16x8.extend_low_i8x16_s(v128.load64_zero(src)));
    if (n == 0) return;
    if (src + 8 <= srcEnd) { v128.store(dst, i16x8.extend_low_i8x16_s(v128.load64_zero(src))); return; }
    for (; n > 0; n--, dst += 2, src++) store<i16>(dst, <i16>load<i8>(src));
  }
}

/** Sets n im2col elements to v (a tail as one whole vector: up to 16 bytes past, as copyElems). */
// @ts-ignore: decorator
@inline function fillElems(dst: usize, v: i32, n: usize): void {
  const vv = ES == 1 ? i8x16.splat(<i8>v) : i16x8.splat(<i16>v);
  const per: usize = 16 / ES;
  for (; n >= per; n -= per, dst += 16) v128.store(dst, vv);
  if (n > 0) v128.store(dst, vv);
}

/** Scratch for building the swizzle indices of tinyCompact (static: nothing managed). */
const COMPACT = memory.data(16, 16);

/** The swizzle that packs kh runs of `run` bytes (run i in bytes 4i..4i + run − 1 of a vector)
 *  into bytes 0..kh·run − 1, zeros after (out-of-range index −1). */
function tinyCompact(kh: i32, run: i32): v128 {
  v128.store(COMPACT, i8x16.splat(-1));
  for (let i = 0; i < kh; i++) for (let j = 0; j < run; j++) store<i8>(COMPACT + <usize>(i * run + j), <i8>(4 * i + j));
  return v128.load(COMPACT);
}

/** Gathers rows [p0, p0 + rows) of the im2col matrix, KP elements a row. Row p is output pixel
 *  p = (b·OH + oy)·OW + ox; with `pool`, rows 4q..4q+3 are the 2x2 window q = (b·PH + py)·PW + px
 *  of the pooled output (PH = OH / 2, PW = OW / 2, rounded down): pixels (2py + dy, 2px + dx) in
 *  the order (0, 0), (0, 1), (1, 0), (1, 1). */
function im2colRows(col: usize, kp: usize, x: usize, p0: i32, rows: i32, h: i32, w: i32, c: i32,
    kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, oh: i32, ow: i32,
    zx: i32, pool: bool, xEnd: usize): void {
  const pix = <usize>c;
  const kUsed = <usize>(kh * kw) * pix;
  // tiny: window rows of at most 4 bytes, at most 4 of them (the swizzle path below); compact
  // takes byte j of run i from lane i (byte 4i + j) to byte i·run + j, and 0 past kh·run
  const tiny = dw == 1 && kh <= 4 && <usize>kw * pix <= 4;
  const compact = tiny ? tinyCompact(kh, kw * c) : i8x16.splat(-1);
  // the walk's position: (ox, oy, b) of pixel p0, or window (px, py, b) and the pixel in it (pos),
  // then stepped: integer division costs tens of cycles a row
  const gw = pool ? ow >> 1 : ow, gh = pool ? oh >> 1 : oh;
  const g0 = pool ? p0 >> 2 : p0;
  let gx = g0 % gw, t0 = g0 / gw, gy = t0 % gh, b = t0 / gh, pos = 0;
  for (let r = 0; r < rows; r++) {
    if (r > 0 && (!pool || ++pos == 4)) {
      pos = 0;
      if (++gx == gw) { gx = 0; if (++gy == gh) { gy = 0; b++; } }
    }
    const oy = pool ? (gy << 1) + (pos >> 1) : gy, ox = pool ? (gx << 1) + (pos & 1) : gx;
    const xb = x + <usize>b * <usize>h * <usize>w * pix;
    let dst = col + <usize>r * kp * ES;
    const ix0 = ox * sw - pl, iy0 = oy * sh - pt;
    // with dilation 1 and the window inside the row, a window row is one contiguous run
    const runs = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
    if (runs && iy0 >= 0 && iy0 + (kh - 1) * dh < h) {
      // the window inside the image (most rows): kh runs, no bounds to check
      const run = <usize>kw * pix, step = <usize>dh * <usize>w * pix;
      let src = xb + (<usize>iy0 * <usize>w + <usize>ix0) * pix;
      if (tiny && src + <usize>(kh - 1) * step + 4 <= xEnd) {
        // runs of at most 4 bytes (a first layer's 3x3 window of one channel: 3 runs of 3): one
        // 4-byte lane each, compacted by one swizzle, whose out-of-range indices zero the K padding
        let v = v128.load32_zero(src);
        if (kh > 1) v = v128.load32_lane(src + step, v, 1);
        if (kh > 2) v = v128.load32_lane(src + 2 * step, v, 2);
        if (kh > 3) v = v128.load32_lane(src + 3 * step, v, 3);
        v = i8x16.swizzle(v, compact);
        if (ES == 1) {
          v128.store(dst, v);
        } else {
          v128.store(dst, i16x8.extend_low_i8x16_s(v));
          if (kp > 8) v128.store(dst, i16x8.extend_high_i8x16_s(v), 16);
        }
        continue;
      }
      for (let ky = 0; ky < kh; ky++, src += step, dst += run * ES) copyElems(dst, src, run, xEnd);
    } else {
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky * dh;
        if (iy < 0 || iy >= h) {
          fillElems(dst, zx, <usize>kw * pix);
          dst += <usize>kw * pix * ES;
        } else if (runs) {
          copyElems(dst, xb + (<usize>iy * <usize>w + <usize>ix0) * pix, <usize>kw * pix, xEnd);
          dst += <usize>kw * pix * ES;
        } else {
          for (let kx = 0; kx < kw; kx++, dst += pix * ES) {
            const ix = ix0 + kx * dw;
            if (ix < 0 || ix >= w) fillElems(dst, zx, pix);
            else copyElems(dst, xb + (<usize>iy * <usize>w + <usize>ix) * pix, pix, xEnd);
          }
        }
      }
    }
    // the K padding meets zero weights; fill it so no stale bytes ever enter a dot
    if (kp > kUsed) fillElems(dst, 0, kp - kUsed);
  }
}

export function conv2d_nhwc_qs8_qc8w(out: usize, x: usize, packed: usize, params: usize, n: i32,
    h: i32, w: i32, c: i32, kh: i32, kw: i32, co: i32, strideH: i32, strideW: i32, dilationH: i32,
    dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, zx: i32, pool: i32): i32 {
  if (n < 1 || h < 1 || w < 1 || c < 1 || kh < 1 || kw < 1 || co < 1 || outH < 1 || outW < 1 ||
      strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) return -2;
  if (pool != 0 && (pool != 2 || outH < 2 || outW < 2)) return -2;
  const k = kh * kw * c;
  if (k > MAX_K) return -2;
  const pooled = pool == 2;
  // pooled: only the pixels of whole 2x2 windows are computed, 4 rows a window
  const m = pooled ? n * (outH >> 1) * (outW >> 1) * 4 : n * outH * outW;
  if (kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 &&
      outH == h && outW == w && !pooled) {
    return qgemmRun(out, x, <usize>c, packed, m, co, c, zx, params);
  }
  const kp = <usize>((k + 3) & ~3);
  const chunk = min(CHUNK, m);
  const mark = arena_mark();
  // + 16: the gather's whole-vector tails (copyElems) may write that far past the last row
  const col = arena_alloc_scoped(<usize>chunk * kp * ES + 16);
  if (col == 0) { arena_release(mark); return -1; }
  const esz: usize = load<i32>(params) != 0 ? 4 : 1;
  const xEnd = x + <usize>n * <usize>h * <usize>w * <usize>c;
  for (let p0 = 0; p0 < m; p0 += chunk) {
    const rows = min(chunk, m - p0);
    im2colRows(col, kp, x, p0, rows, h, w, c, kh, kw, strideH, strideW, dilationH, dilationW, padTop,
      padLeft, outH, outW, zx, pooled, xEnd);
    const o = out + <usize>(pooled ? p0 >> 2 : p0) * <usize>co * esz;
    // SIMD128: the chunk is already widened
    if (ES == 1) qgemmRun(o, col, kp, packed, rows, co, k, zx, params, pooled);
    else qgemmRunWide(o, col, packed, rows, co, k, zx, params, pooled);
  }
  arena_release(mark);
  return 0;
}
