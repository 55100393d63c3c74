// f32 2-D convolution, NHWC, as an implicit GEMM (im2col packed block by block).
//
//   out[b, oy, ox, co] = act(bias[co] + Σ_{ky,kx,ci} x[b, iy, ix, ci] · f[ky, kx, ci, co])
//   iy = oy·SH − PT + ky·DH,  ix = ox·SW − PL + kx·DW   (taps outside the image read 0)
//
//   B batch, H×W input, CI in-channels, KH×KW filter, CO out-channels, OH×OW output,
//   SH/SW strides, DH/DW dilations, PT/PL the top/left pads (bottom/right follow from OH/OW).
//   x [B, H, W, CI], f [KH, KW, CI, CO], bias [CO] or 0, out [B, OH, OW, CO]; row-major.
//
// As a GEMM: out is C[M = B·OH·OW, N = CO]; f is already B[K = KH·KW·CI, N] row-major, packed
// once per call (all KC slices stay resident, bias in the panel heads); A[M, K] (im2col) never
// exists: each MC block of output pixels is gathered straight into gemm.ts's packed-A layout
// (MR = 4 pixels interleaved, k-major) and handed to gemm_packed_block. 1x1 stride-1 unpadded
// convolutions are a plain GEMM on x. Source: XNNPACK's f32 igemm drivers, where the
// indirection buffer plays the role of the row pointers below.
//
// Gathering uses "segments": runs of k whose input offsets (relative to the pixel's window
// origin) are contiguous — with DW = 1 a whole filter row of KW·CI floats is one run in NHWC.
// A panel of 4 pixels whose windows lie inside the image copies each run with 4x4 transposes;
// panels touching the padding (or past M) go tap by tap and write zeros for padding taps.
//
// Memory: x, f, bias 4-byte aligned; reads up to 12 bytes past x's end (arena padding); out
// must not alias x or f; never writes past out + 4·M·CO. Scratch from the arena (-1 on OOM).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_f32, gemm_packed_block, pack_b, packedABytes, packedBBytes, GEMM_KC, GEMM_MC,
  STATUS_OK, STATUS_OOM } from "./gemm";
import { GEMM_MR, GEMM_NR } from "./gemm_ukernel";
import { conv_ukernel_4x8 } from "./conv_ukernel";
import { conv2d_winograd_f32 } from "./conv_winograd";
import { activate, clampLo, clampHi, isClampActivation } from "./activation";
import { clamp4, madd4, storeTail } from "../simd";

/**
 * Fills table with (input byte offset, length) runs covering k in [k0, k1); returns the count.
 * The offset of k = (ky·KW + kx)·CI + ci from a window origin is (ky·DH·W + kx·DW)·CI + ci.
 */
function buildSegments(table: usize, k0: i32, k1: i32, cin: i32, kw: i32, w: i32, dh: i32,
    dw: i32): i32 {
  let count = 0;
  let tap = k0 / cin;
  let ci = k0 - tap * cin;
  let ky = tap / kw;
  let kx = tap - ky * kw;
  let k = k0;
  let prevEnd: u32 = 0xFFFF_FFFF;
  while (k < k1) {
    const len = min(cin - ci, k1 - k);
    const off = <u32>((ky * dh * w + kx * dw) * cin + ci) << 2;
    if (count > 0 && off == prevEnd) {
      const slot = table + (<usize>(count - 1) << 3);
      store<u32>(slot, load<u32>(slot, 4) + <u32>len, 4);
    } else {
      const slot = table + (<usize>count << 3);
      store<u32>(slot, off);
      store<u32>(slot, <u32>len, 4);
      count++;
    }
    prevEnd = off + (<u32>len << 2);
    k += len;
    ci = 0;
    if (++kx == kw) { kx = 0; ky++; }
  }
  return count;
}

/**
 * Interleaves len floats from each of 4 rows into k-major MR=4 panel order at dst. Whole 4x4
 * transposes: reads up to 12 bytes past each row's run and writes up to 48 bytes past
 * dst + 16·len (the caller's next writes, or the scratch slack, absorb them).
 */
// @ts-ignore: decorator
@inline function copy4(dst: usize, s0: usize, s1: usize, s2: usize, s3: usize, len: i32): void {
  for (let i = 0; i < len; i += 4) {
    const r0 = v128.load(s0), r1 = v128.load(s1), r2 = v128.load(s2), r3 = v128.load(s3);
    const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
    const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
    const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
    const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
    v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
    v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 16);
    v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 32);
    v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 48);
    dst += 64;
    s0 += 16; s1 += 16; s2 += 16; s3 += 16;
  }
}

// @ts-ignore: decorator
@inline const CONV_KC: i32 = GEMM_KC;
// @ts-ignore: decorator
@inline const CONV_MC: i32 = GEMM_MC;

// 3x3 stride-1 convolutions with at least this many channels in and out take the Winograd path.
// @ts-ignore: decorator
@inline const WINOGRAD_MIN_CHANNELS: i32 = 16;

// Geometry shared by the gather routines of one call (plain globals: one call at a time).
let gX: usize = 0;
let gH: i32 = 0;
let gW: i32 = 0;
let gCin: i32 = 0;
let gKh: i32 = 0;
let gKw: i32 = 0;
let gSh: i32 = 0;
let gSw: i32 = 0;
let gDh: i32 = 0;
let gDw: i32 = 0;
let gPt: i32 = 0;
let gPl: i32 = 0;
let gOh: i32 = 0;
let gOw: i32 = 0;

// Per-row state of the panel being gathered: window origin (iy0, ix0), batch base pointer.
const rowIy = memory.data(16, 16);
const rowIx = memory.data(16, 16);
const rowBase = memory.data(16, 16);

/** A panel with padding taps or missing rows: tap by tap, zeros where a tap is outside. */
function gatherEdgePanel(dst: usize, k0: i32, k1: i32, rowBytes: usize, pixBytes: usize): void {
  let tap = k0 / gCin;
  let ci = k0 - tap * gCin;
  let ky = tap / gKw;
  let kx = tap - ky * gKw;
  let k = k0;
  while (k < k1) {
    const len = min(gCin - ci, k1 - k);
    const s0 = tapSource(0, ky, kx, ci, rowBytes, pixBytes);
    const s1 = tapSource(1, ky, kx, ci, rowBytes, pixBytes);
    const s2 = tapSource(2, ky, kx, ci, rowBytes, pixBytes);
    const s3 = tapSource(3, ky, kx, ci, rowBytes, pixBytes);
    if (s0 != 0 && s1 != 0 && s2 != 0 && s3 != 0) {
      copy4(dst, s0, s1, s2, s3, len);
    } else {
      let d = dst;
      for (let i = 0; i < len; i++) {
        const off = <usize>i << 2;
        store<f32>(d, s0 != 0 ? load<f32>(s0 + off) : 0);
        store<f32>(d, s1 != 0 ? load<f32>(s1 + off) : 0, 4);
        store<f32>(d, s2 != 0 ? load<f32>(s2 + off) : 0, 8);
        store<f32>(d, s3 != 0 ? load<f32>(s3 + off) : 0, 12);
        d += 16;
      }
    }
    dst += <usize>len << 4;
    k += len;
    ci = 0;
    if (++kx == gKw) { kx = 0; ky++; }
  }
}

/** Address of x[b, iy, ix, ci] for row r's tap (ky, kx), or 0 when the tap is padding. */
// @ts-ignore: decorator
@inline function tapSource(r: i32, ky: i32, kx: i32, ci: i32, rowBytes: usize, pixBytes: usize): usize {
  const slot = <usize>r << 2;
  const iy = load<i32>(rowIy + slot) + ky * gDh;
  const ix = load<i32>(rowIx + slot) + kx * gDw;
  if (<u32>iy >= <u32>gH || <u32>ix >= <u32>gW) return 0;
  return <usize>load<u32>(rowBase + slot) + <usize>iy * rowBytes + <usize>ix * pixBytes +
    (<usize>ci << 2);
}

// Output-pixel cursor of the panel loop (b, oy, ox) and its interior bounds.
let cB: i32 = 0;
let cOy: i32 = 0;
let cOx: i32 = 0;
let gYMax: i32 = 0; // a window is inside the image when 0 <= iy0 < gYMax and 0 <= ix0 < gXMax
let gXMax: i32 = 0;

/** Window origin of the cursor's pixel if its window is inside the image, else 0; advances. */
// @ts-ignore: decorator
@inline function nextOrigin(rowBytes: usize, pixBytes: usize, imageBytes: usize): usize {
  const iy0 = cOy * gSh - gPt, ix0 = cOx * gSw - gPl;
  const p = iy0 >= 0 && iy0 < gYMax && ix0 >= 0 && ix0 < gXMax
    ? gX + <usize>cB * imageBytes + <usize>iy0 * rowBytes + <usize>ix0 * pixBytes : 0;
  if (++cOx == gOw) { cOx = 0; if (++cOy == gOh) { cOy = 0; cB++; } }
  return p;
}

/** Loads the cursor's pixel into the rowIy/rowIx/rowBase slot r (past M: all taps padding). */
function setRow(r: i32, valid: bool, imageBytes: usize): void {
  const slot = <usize>r << 2;
  store<i32>(rowIy + slot, valid ? cOy * gSh - gPt : -0x4000_0000);
  store<i32>(rowIx + slot, cOx * gSw - gPl);
  store<u32>(rowBase + slot, <u32>(gX + <usize>cB * imageBytes));
  if (++cOx == gOw) { cOx = 0; if (++cOy == gOh) { cOy = 0; cB++; } }
}

/**
 * One KC slice of C rows i0 .. i0+mc-1: panels of 4 pixels whose windows are inside the image
 * go to conv_ukernel_4x8 (A read in place), the others are gathered (zeros for padding taps)
 * into aPanel and go through gemm_packed_block.
 */
function convBlock(c: usize, cout: i32, i0: i32, mc: i32, m: i32, k0: i32, k1: i32, segs: usize,
    nseg: i32, bSlice: usize, aPanel: usize, accumulate: bool, clamp: bool, lo: f32, hi: f32): void {
  const pixBytes = <usize>gCin << 2;
  const rowBytes = <usize>gW * pixBytes;
  const imageBytes = <usize>gH * rowBytes;
  const cStride = <usize>cout << 2;
  const kc = k1 - k0;
  const ohw = gOh * gOw;
  cB = i0 / ohw;
  const rem = i0 - cB * ohw;
  cOy = rem / gOw;
  cOx = rem - cOy * gOw;
  for (let r0 = 0; r0 < mc; r0 += GEMM_MR) {
    const rows = min(GEMM_MR, mc - r0);
    const sb = cB, sy = cOy, sx = cOx;
    const p0 = nextOrigin(rowBytes, pixBytes, imageBytes);
    const p1 = nextOrigin(rowBytes, pixBytes, imageBytes);
    const p2 = nextOrigin(rowBytes, pixBytes, imageBytes);
    const p3 = nextOrigin(rowBytes, pixBytes, imageBytes);
    if (rows == GEMM_MR && p0 != 0 && p1 != 0 && p2 != 0 && p3 != 0) {
      conv_gemm_rows(c, cout, segs, nseg, p0, p1, p2, p3, bSlice, kc, accumulate, clamp, lo, hi);
    } else {
      cB = sb; cOy = sy; cOx = sx;
      for (let r = 0; r < GEMM_MR; r++) setRow(r, r < rows, imageBytes);
      gatherEdgePanel(aPanel, k0, k1, rowBytes, pixBytes);
      gemm_packed_block(c, cout, aPanel, bSlice, rows, cout, kc, accumulate, clamp, lo, hi);
    }
    c += cStride * GEMM_MR;
  }
}

/**
 * C[4, CO] (+)= A[4, kc] · B[kc, CO] with A's rows read in place (p0..p3 + segments) and B in
 * pack_b panels: conv_ukernel_4x8 over the full 8-column panels, the column tail through a tile.
 */
export function conv_gemm_rows(c: usize, cout: i32, segs: usize, nseg: i32, p0: usize, p1: usize,
    p2: usize, p3: usize, b: usize, kc: i32, accumulate: bool, clamp: bool, lo: f32, hi: f32): void {
  const cStride = <usize>cout << 2;
  const fullPanels = cout >> 3;
  const tailCols = cout & 7;
  conv_ukernel_4x8(fullPanels, segs, nseg, p0, p1, p2, p3, b, c, cStride, accumulate, clamp, lo, hi);
  if (tailCols != 0) {
    const cTail = c + (<usize>(fullPanels << 3) << 2);
    const bTail = b + <usize>fullPanels * (<usize>(GEMM_NR + kc * GEMM_NR) << 2);
    if (accumulate) copyTile(convTile, GEMM_NR << 2, cTail, cStride, GEMM_MR, tailCols);
    conv_ukernel_4x8(1, segs, nseg, p0, p1, p2, p3, bTail, convTile, GEMM_NR << 2, accumulate,
      clamp, lo, hi);
    copyTile(cTail, cStride, convTile, GEMM_NR << 2, GEMM_MR, tailCols);
  }
}

const convTile = memory.data(GEMM_MR * GEMM_NR * 4, 16);

function copyTile(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32,
    cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src, bytes);
    dst += dstStride;
    src += srcStride;
  }
}

/** The exported convolution. Returns STATUS_OK, or STATUS_OOM when scratch cannot be had. */
export function conv2d_nhwc_f32(out: usize, x: usize, filter: usize, bias: usize, n: i32, h: i32,
    w: i32, cin: i32, kh: i32, kw: i32, cout: i32, strideH: i32, strideW: i32, dilationH: i32,
    dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, act: i32, alpha: f32): i32 {
  const m = n * outH * outW;
  if (m <= 0 || cout <= 0) return STATUS_OK;
  const k = kh * kw * cin;
  if (k == 0 || (kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 &&
      padLeft == 0 && outH == h && outW == w)) {
    // Pixels are the rows of A already (or the reduction is empty): a plain GEMM.
    return gemm_f32(out, x, filter, bias, m, cout, k, 0, 0, act, alpha);
  }
  if (kh == 3 && kw == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 &&
      cin >= WINOGRAD_MIN_CHANNELS && cout >= WINOGRAD_MIN_CHANNELS) {
    return conv2d_winograd_f32(out, x, filter, bias, n, h, w, cin, cout, padTop, padLeft, outH,
      outW, act, alpha);
  }
  if (GEMM_MR != 4) ERROR("conv.ts gathers 4-pixel panels: adapt copy4 to the new GEMM_MR");
  const slices = (k + CONV_KC - 1) / CONV_KC;
  const kcMax = min(k, CONV_KC);
  const mark = arena_mark();
  const bSliceBytes = packedBBytes(cout, kcMax);
  const segStride = <usize>(kh * kw + 1) << 3;
  const bPacked = arena_alloc_scoped(bSliceBytes * <usize>slices);
  // 64 bytes of slack absorb copy4's overshoot past the panel.
  const aPanel = arena_alloc_scoped(packedABytes(GEMM_MR, kcMax) + 64);
  const segs = arena_alloc_scoped(segStride * <usize>slices);
  const counts = arena_alloc_scoped(<usize>slices << 2);
  if (bPacked == 0 || aPanel == 0 || segs == 0 || counts == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  for (let s = 0; s < slices; s++) {
    const k0 = s * CONV_KC, k1 = min(k, k0 + CONV_KC);
    pack_b(bPacked + <usize>s * bSliceBytes, filter, s == 0 ? bias : 0, cout, k1 - k0, k0,
      <usize>cout, 1);
    store<i32>(counts + (<usize>s << 2),
      buildSegments(segs + <usize>s * segStride, k0, k1, cin, kw, w, dilationH, dilationW));
  }
  gX = x; gH = h; gW = w; gCin = cin; gKh = kh; gKw = kw; gSh = strideH; gSw = strideW;
  gDh = dilationH; gDw = dilationW; gPt = padTop; gPl = padLeft; gOh = outH; gOw = outW;
  gYMax = h - (kh - 1) * dilationH;
  gXMax = w - (kw - 1) * dilationW;
  const clamp = isClampActivation(act);
  const lo = clampLo(act), hi = clampHi(act);
  for (let i0 = 0; i0 < m; i0 += CONV_MC) {
    const mc = min(CONV_MC, m - i0);
    const cBlock = out + (<usize>i0 * <usize>cout << 2);
    for (let s = 0; s < slices; s++) {
      const k0 = s * CONV_KC, k1 = min(k, k0 + CONV_KC);
      convBlock(cBlock, cout, i0, mc, m, k0, k1, segs + <usize>s * segStride,
        load<i32>(counts + (<usize>s << 2)), bPacked + <usize>s * bSliceBytes, aPanel, s > 0,
        clamp && s == slices - 1, lo, hi);
    }
    activate(cBlock, mc * cout, act, alpha);
  }
  arena_release(mark);
  return STATUS_OK;
}

// ---- depthwise ------------------------------------------------------------------------------
//
//   out[b, oy, ox, c·M + m] = act(bias[c·M + m] + Σ_{ky,kx} x[b, iy, ix, c] · f[ky, kx, c, m])
//
//   M the channel multiplier; f [KH, KW, C, M] is [KH, KW, C·M] read flat; out [B, OH, OW, C·M].
//   Direct kernel (XNNPACK's f32-dwconv idea without its packed weights): for each output pixel
//   the valid tap rectangle is computed once, then 16/4 output channels at a time accumulate in
//   registers over the taps. Reads up to 12 bytes past x, f and bias (channel tails).

/** First tap t in [0, k) with base + t·d >= 0. */
// @ts-ignore: decorator
@inline export function firstTap(base: i32, d: i32): i32 {
  return base >= 0 ? 0 : (d - 1 - base) / d;
}

/** One past the last tap t in [0, k) with base + t·d < size. */
// @ts-ignore: decorator
@inline export function endTap(base: i32, d: i32, size: i32, k: i32): i32 {
  return base >= size ? 0 : min(k, (size - base + d - 1) / d);
}

export function depthwise_conv2d_nhwc_f32(out: usize, x: usize, filter: usize, bias: usize,
    n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, multiplier: i32, strideH: i32,
    strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32, act: i32, alpha: f32): i32 {
  const co = c * multiplier;
  if (n <= 0 || outH <= 0 || outW <= 0 || co <= 0) return STATUS_OK;
  const clamp = isClampActivation(act);
  const vlo = f32x4.splat(clampLo(act)), vhi = f32x4.splat(clampHi(act));
  const pixBytes = <usize>c << 2;
  const rowBytes = <usize>w * pixBytes;
  const tapBytes = <usize>co << 2; // one (ky, kx) slice of the filter
  const outRowFloats = outW * co;
  let o = out;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const kyLo = firstTap(iy0, dilationH), kyHi = endTap(iy0, dilationH, h, kh);
      const rowStart = o;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padLeft;
        const kxLo = firstTap(ix0, dilationW), kxHi = endTap(ix0, dilationW, w, kw);
        // Channel blocks of 16, then 4, then a lane tail; channel c0 of tap (ky, kx) sits at
        // xb + (iy0 + ky·DH)·rowBytes + (ix0 + kx·DW)·pixBytes and filter + (ky·KW + kx)·tapBytes.
        for (let c0 = 0; c0 < co; ) {
          const wide = co - c0 >= 16;
          const zero = f32x4.splat(0);
          let acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
          if (bias != 0) {
            const bp = bias + (<usize>c0 << 2);
            acc0 = v128.load(bp);
            if (wide) { acc1 = v128.load(bp, 16); acc2 = v128.load(bp, 32); acc3 = v128.load(bp, 48); }
          }
          for (let ky = kyLo; ky < kyHi; ky++) {
            const xr = xb + <usize>(iy0 + ky * dilationH) * rowBytes;
            const fr = filter + <usize>(ky * kw) * tapBytes + (<usize>c0 << 2);
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xp = xr + <usize>(ix0 + kx * dilationW) * pixBytes;
              const fp = fr + <usize>kx * tapBytes;
              if (multiplier == 1) {
                const xc = xp + (<usize>c0 << 2);
                acc0 = madd4(v128.load(xc), v128.load(fp), acc0);
                if (wide) {
                  acc1 = madd4(v128.load(xc, 16), v128.load(fp, 16), acc1);
                  acc2 = madd4(v128.load(xc, 32), v128.load(fp, 32), acc2);
                  acc3 = madd4(v128.load(xc, 48), v128.load(fp, 48), acc3);
                }
              } else {
                // Output channel j reads input channel j / M: gather the 4 (or 16) lanes.
                acc0 = madd4(gatherLanes(xp, c0, multiplier), v128.load(fp), acc0);
                if (wide) {
                  acc1 = madd4(gatherLanes(xp, c0 + 4, multiplier), v128.load(fp, 16), acc1);
                  acc2 = madd4(gatherLanes(xp, c0 + 8, multiplier), v128.load(fp, 32), acc2);
                  acc3 = madd4(gatherLanes(xp, c0 + 12, multiplier), v128.load(fp, 48), acc3);
                }
              }
            }
          }
          if (clamp) {
            acc0 = clamp4(acc0, vlo, vhi);
            acc1 = clamp4(acc1, vlo, vhi);
            acc2 = clamp4(acc2, vlo, vhi);
            acc3 = clamp4(acc3, vlo, vhi);
          }
          if (wide) {
            v128.store(o, acc0); v128.store(o, acc1, 16); v128.store(o, acc2, 32); v128.store(o, acc3, 48);
            o += 64; c0 += 16;
          } else if (co - c0 >= 4) {
            v128.store(o, acc0);
            o += 16; c0 += 4;
          } else {
            storeTail(o, acc0, <usize>(co - c0));
            o += <usize>(co - c0) << 2; c0 = co;
          }
        }
      }
      activate(rowStart, outRowFloats, act, alpha);
    }
  }
  return STATUS_OK;
}

/** Lanes x[j / M] for output channels j = j0 .. j0+3 (channels past C·M read harmless junk). */
// @ts-ignore: decorator
@inline function gatherLanes(xp: usize, j0: i32, m: i32): v128 {
  let v = f32x4.splat(load<f32>(xp + (<usize>(j0 / m) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(xp + (<usize>((j0 + 1) / m) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(xp + (<usize>((j0 + 2) / m) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(xp + (<usize>((j0 + 3) / m) << 2)));
}
