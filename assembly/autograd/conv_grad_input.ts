// f32 2-D convolution backward with respect to the input, NHWC.
//
//   dx[b, iy, ix, ci] = Σ_{(oy,ox,ky,kx) → (iy,ix)} Σ_co dy[b, oy, ox, co] · f[ky, kx, ci, co]
//   iy = oy·SH − PT + ky·DH,  ix = ox·SW − PL + kx·DW   (taps outside the image contribute nothing)
//
//   B batch, H×W input, CI/CO channels, KH×KW filter, OH×OW output, SH/SW strides, DH/DW
//   dilations, PT/PL top/left pads. dy [B, OH, OW, CO], f [KH, KW, CI, CO], dx [B, H, W, CI].
//
// Paths, by shape:
//   1x1, stride 1, unpadded: dx = dy · fᵀ, one gemm_f32.
//   3x3, stride 1, 8+ channels in and out: Winograd F(2x2, 3x3) (conv_winograd_grad.ts).
//   stride 1, CI >= ROT_MIN_CIN, pads within the filter's reach: the forward convolution of dy
//     zero-padded by (effective filter − 1 − pad) with the filter rotated 180° and transposed
//     to [KH, KW, CO, CI] (conv2d_nhwc_f32: implicit GEMM with N = CI). 5x5 'same' 16 -> 32:
//     0.67x -> 1.0x the forward (SIMD128) against col2im.
//   CI <= DOT_MAX_CIN, stride and dilation 1 along the width (first layers: 1-3 channels): every
//     dx pixel gathers its (dy pixel, tap) pairs and takes CI dot products of length CO per
//     pair (CO contiguous in dy and in f); a filter row's taps are one run of KW·CO floats and
//     four neighbouring pixels go at once, sharing the loads. A GEMM would have N = KH·KW·CI
//     columns, mostly padding; with stride 2 col2im is faster (3x3 224x224x3: 0.43-0.54x the
//     forward against 0.31x).
//   otherwise col2im: per block of gemmMc output pixels, dcol[P, KH·KW·CI] = dy[P, CO] · fᵀ
//     through gemm_f32's packing and micro-kernels (fᵀ packed once per call, in KC slices of
//     CO), then each row's window is added into dx.
//
// Overwrites dx. Memory: reads up to 12 bytes past dy and f (channel tails); writes exactly dx.
// Scratch from the arena; -1 (STATUS_OOM) before anything is written.

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_f32, gemm_packed_block, pack_a, pack_b, packedABytes, packedBBytes, GEMM_KC,
  gemmMc, STATUS_OK, STATUS_OOM } from "../kernels/gemm";
import { gemm_tile_mr, gemm_tile_nr } from "../kernels/gemm_ukernel";
import { gemmTile } from "../kernels/tiles";
import { laneMask } from "../kernels/reduce";
import { conv2d_nhwc_f32 } from "../kernels/conv";
import { conv2d_winograd_grad_input_f32, useWinogradGrad } from "./conv_winograd_grad";
import { columnTaps, filterTransposed, pixelTaps, rowTaps } from "./conv_taps";
import { hsum4, loadTail, madd4, storeTail } from "../simd";

/** Input channels up to which the dot-product path beats col2im (stride 1 along the width). */
// @ts-ignore: decorator
@inline const DOT_MAX_CIN: i32 = 3;
/** Input channels from which stride-1 input gradients take the rotated forward convolution. */
// @ts-ignore: decorator
@inline const ROT_MIN_CIN: i32 = 8;

export function conv2d_grad_input_nhwc_f32(dx: usize, dy: usize, filter: usize, n: i32, h: i32,
    w: i32, cin: i32, kh: i32, kw: i32, cout: i32, strideH: i32, strideW: i32, dilationH: i32,
    dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  if (n <= 0 || h <= 0 || w <= 0 || cin <= 0) return STATUS_OK;
  const m = outH > 0 && outW > 0 ? n * outH * outW : 0;
  if (m == 0 || cout <= 0 || kh <= 0 || kw <= 0) {
    memory.fill(dx, 0, <usize>n * <usize>h * <usize>w * (<usize>cin << 2));
    return STATUS_OK;
  }
  if (kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 &&
      outH == h && outW == w) {
    return gemm_f32(dx, dy, filter, 0, m, cin, cout, 0, 1, 0, 0);
  }
  if (useWinogradGrad(kh, kw, strideH, strideW, dilationH, dilationW, cin, cout)) {
    const status = conv2d_winograd_grad_input_f32(dx, dy, filter, n, h, w, cin, cout, padTop,
      padLeft, outH, outW);
    if (status != STATUS_OOM) return status;
  }
  // Stride 1: dx is the forward convolution of dy, zero-padded by (effective filter − 1 − pad),
  // with the filter rotated 180° and transposed; its implicit GEMM has N = CI columns.
  const rotTop = (kh - 1) * dilationH - padTop, rotLeft = (kw - 1) * dilationW - padLeft;
  if (strideH == 1 && strideW == 1 && cin >= ROT_MIN_CIN && rotTop >= 0 && rotLeft >= 0) {
    return gradInputRotated(dx, dy, filter, n, h, w, cin, kh, kw, cout, dilationH, dilationW,
      rotTop, rotLeft, outH, outW);
  }
  if (cin <= DOT_MAX_CIN && strideW == 1 && dilationW == 1) {
    return gradInputDot(dx, dy, filter, n, h, w, cin, kh, kw, cout, strideH, dilationH, padTop,
      padLeft, outH, outW);
  }
  return gradInputCol2im(dx, dy, filter, n, h, w, cin, kh, kw, cout, strideH, strideW, dilationH,
    dilationW, padTop, padLeft, outH, outW);
}

/** frot[ky, kx, co, ci] = f[KH−1−ky, KW−1−kx, ci, co], then the forward convolution of dy. */
function gradInputRotated(dx: usize, dy: usize, filter: usize, n: i32, h: i32, w: i32, cin: i32,
    kh: i32, kw: i32, cout: i32, dilationH: i32, dilationW: i32, rotTop: i32, rotLeft: i32,
    outH: i32, outW: i32): i32 {
  const mark = arena_mark();
  const frot = arena_alloc_scoped(<usize>(kh * kw) * <usize>cin * <usize>cout << 2);
  if (frot == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  filterTransposed(frot, filter, kh * kw, cin, cout, true);
  const status = conv2d_nhwc_f32(dx, dy, frot, 0, n, outH, outW, cout, kh, kw, cin, 1, 1, dilationH,
    dilationW, rotTop, rotLeft, h, w, 0, 0);
  arena_release(mark);
  return status;
}

// ---- dot products (few input channels) -------------------------------------------------------

/**
 * np (1 or 4) dx pixels, outStep bytes apart: out[p][ci] = Σ_t dot(dy_t + p·dStep, f_t + ci·fStride)
 * over the tap list (u32 pairs: dy run of pixel 0, filter run of ci = 0), runs of `len` floats.
 * Two accumulators per pixel (even and odd vectors); the tail vector is masked on both sides, so
 * over-read lanes never meet (even non-finite) data.
 */
// @ts-ignore: decorator
@inline function dotPixels(np: i32, out: usize, outStep: usize, taps: usize, count: i32, cin: i32,
    len: i32, fStride: usize, dStep: usize): void {
  const zero = f32x4.splat(0);
  const tail = len & 3;
  const mask = laneMask(<usize>tail);
  const full = <usize>(len & ~3) << 2;
  for (let ci = 0; ci < cin; ci++) {
    let a0 = zero, a1 = zero, b0 = zero, b1 = zero, c0 = zero, c1 = zero, d0 = zero, d1 = zero;
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      const dp = <usize>load<u32>(slot);
      const fp = <usize>load<u32>(slot, 4) + <usize>ci * fStride;
      let g: usize = 0;
      for (; g + 32 <= full; g += 32) {
        const f0 = v128.load(fp + g), f1 = v128.load(fp + g, 16);
        a0 = madd4(v128.load(dp + g), f0, a0); a1 = madd4(v128.load(dp + g, 16), f1, a1);
        if (np == 4) {
          const p1 = dp + dStep + g, p2 = p1 + dStep, p3 = p2 + dStep;
          b0 = madd4(v128.load(p1), f0, b0); b1 = madd4(v128.load(p1, 16), f1, b1);
          c0 = madd4(v128.load(p2), f0, c0); c1 = madd4(v128.load(p2, 16), f1, c1);
          d0 = madd4(v128.load(p3), f0, d0); d1 = madd4(v128.load(p3, 16), f1, d1);
        }
      }
      if (g < full) {
        const f0 = v128.load(fp + g);
        a0 = madd4(v128.load(dp + g), f0, a0);
        if (np == 4) {
          b0 = madd4(v128.load(dp + dStep + g), f0, b0);
          c0 = madd4(v128.load(dp + 2 * dStep + g), f0, c0);
          d0 = madd4(v128.load(dp + 3 * dStep + g), f0, d0);
        }
        g += 16;
      }
      if (tail != 0) {
        const f0 = v128.and(v128.load(fp + g), mask);
        a1 = madd4(v128.and(v128.load(dp + g), mask), f0, a1);
        if (np == 4) {
          b1 = madd4(v128.and(v128.load(dp + dStep + g), mask), f0, b1);
          c1 = madd4(v128.and(v128.load(dp + 2 * dStep + g), mask), f0, c1);
          d1 = madd4(v128.and(v128.load(dp + 3 * dStep + g), mask), f0, d1);
        }
      }
    }
    const o = out + (<usize>ci << 2);
    store<f32>(o, hsum4(f32x4.add(a0, a1)));
    if (np == 4) {
      store<f32>(o + outStep, hsum4(f32x4.add(b0, b1)));
      store<f32>(o + 2 * outStep, hsum4(f32x4.add(c0, c1)));
      store<f32>(o + 3 * outStep, hsum4(f32x4.add(d0, d1)));
    }
  }
}

/**
 * Four dx pixels through 3-tap filter rows (KW = 3, stride and dilation 1 along the width): per
 * filter row t, the pixels read dy pixels q = 0..5 of the row (pixel p: q = p .. p+2) against the
 * reversed filter row j = 0..2, so one vector of each of the 6 dy pixels and 3 filter taps makes
 * 12 products: 9 loads per 12 multiply-adds where separate dot products need 15. Each pixel's
 * three products are summed first and then added to its accumulator (one add per pixel and
 * vector on the loop-carried chain). out[p][ci], p = 0..3, outStep bytes apart.
 */
function dot3x4(out: usize, outStep: usize, taps: usize, count: i32, cin: i32, cout: i32,
    fStride: usize, dStep: usize): void {
  const zero = f32x4.splat(0);
  const tail = cout & 3;
  const mask = laneMask(<usize>tail);
  const full = <usize>(cout & ~3) << 2;
  const d2: usize = dStep << 1, d3: usize = dStep * 3, d4: usize = dStep << 2, d5: usize = dStep * 5;
  for (let ci = 0; ci < cin; ci++) {
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      let dp = <usize>load<u32>(slot);
      let fp = <usize>load<u32>(slot, 4) + <usize>ci * fStride;
      const end = dp + full;
      for (; dp < end; dp += 16, fp += 16) {
        const f0 = v128.load(fp), f1 = v128.load(fp + dStep), f2 = v128.load(fp + d2);
        const q0 = v128.load(dp), q1 = v128.load(dp + dStep), q2 = v128.load(dp + d2);
        const q3 = v128.load(dp + d3), q4 = v128.load(dp + d4), q5 = v128.load(dp + d5);
        a0 = f32x4.add(a0, madd4(q2, f2, madd4(q1, f1, f32x4.mul(q0, f0))));
        a1 = f32x4.add(a1, madd4(q3, f2, madd4(q2, f1, f32x4.mul(q1, f0))));
        a2 = f32x4.add(a2, madd4(q4, f2, madd4(q3, f1, f32x4.mul(q2, f0))));
        a3 = f32x4.add(a3, madd4(q5, f2, madd4(q4, f1, f32x4.mul(q3, f0))));
      }
      if (tail != 0) {
        const f0 = v128.and(v128.load(fp), mask), f1 = v128.and(v128.load(fp + dStep), mask);
        const f2 = v128.and(v128.load(fp + d2), mask);
        const q0 = v128.and(v128.load(dp), mask), q1 = v128.and(v128.load(dp + dStep), mask);
        const q2 = v128.and(v128.load(dp + d2), mask), q3 = v128.and(v128.load(dp + d3), mask);
        const q4 = v128.and(v128.load(dp + d4), mask), q5 = v128.and(v128.load(dp + d5), mask);
        a0 = f32x4.add(a0, madd4(q2, f2, madd4(q1, f1, f32x4.mul(q0, f0))));
        a1 = f32x4.add(a1, madd4(q3, f2, madd4(q2, f1, f32x4.mul(q1, f0))));
        a2 = f32x4.add(a2, madd4(q4, f2, madd4(q3, f1, f32x4.mul(q2, f0))));
        a3 = f32x4.add(a3, madd4(q5, f2, madd4(q4, f1, f32x4.mul(q3, f0))));
      }
    }
    const o = out + (<usize>ci << 2);
    store<f32>(o, hsum4(a0));
    store<f32>(o + outStep, hsum4(a1));
    store<f32>(o + 2 * outStep, hsum4(a2));
    store<f32>(o + 3 * outStep, hsum4(a3));
  }
}

/**
 * The dot-product path (stride 1 and dilation 1 along the width). Each dx pixel's (dy pixel,
 * tap) pairs come from conv_taps.ts. For a pixel whose every kx lands inside, the KW taps of a
 * filter row read KW consecutive dy pixels, one run of KW·CO floats, against the filter row
 * reversed along kx (fRev [KH, CI, KW, CO], built once): one dot per filter row, four dx pixels
 * at a time.
 */
function gradInputDot(dx: usize, dy: usize, filter: usize, n: i32, h: i32, w: i32, cin: i32,
    kh: i32, kw: i32, cout: i32, strideH: i32, dilationH: i32, padTop: i32, padLeft: i32,
    outH: i32, outW: i32): i32 {
  const fBytes = <usize>(kh * kw * cin) * <usize>cout << 2;
  const mark = arena_mark();
  const taps = arena_alloc_scoped(<usize>(kh * kw) << 3);
  const rows = arena_alloc_scoped(<usize>kh << 3);
  const cols = arena_alloc_scoped(<usize>(w * kw) << 2);
  const fRev = arena_alloc_scoped(fBytes + 16);
  if (taps == 0 || rows == 0 || cols == 0 || fRev == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const pix = <usize>cin << 2;
  const dyPix = <usize>cout << 2;
  const tapBytes = <usize>cin * dyPix; // one (ky, kx) slice of f
  const runLen = kw * cout;
  const runBytes = <usize>runLen << 2;
  // fRev[ky, ci, j, co] = f[ky, KW−1−j, ci, co]
  for (let ky = 0; ky < kh; ky++) for (let ci = 0; ci < cin; ci++) for (let j = 0; j < kw; j++) {
    memory.copy(fRev + (<usize>(ky * cin + ci) * runBytes) + <usize>j * dyPix,
      filter + <usize>(ky * kw + kw - 1 - j) * tapBytes + <usize>ci * dyPix, dyPix);
  }
  columnTaps(cols, w, kw, 1, 1, padLeft, outW);
  // dx pixels [ixLo, ixHi) see all KW column taps: ix + PL − (KW−1) >= 0, ix + PL < OW.
  const ixLo = max(0, kw - 1 - padLeft), ixHi = min(w, outW - padLeft);
  const dyRowBytes = <usize>outW * dyPix;
  let o = dx;
  for (let b = 0; b < n; b++) {
    const dyImage = dy + <usize>b * <usize>outH * dyRowBytes;
    for (let iy = 0; iy < h; iy++) {
      const nky = rowTaps(rows, iy, kh, strideH, dilationH, padTop, outH, dyImage, dyRowBytes);
      for (let ix = 0; ix < w; ) {
        if (ix >= ixLo && ix + 4 <= ixHi) {
          // One run per filter row: dy pixels ix + PL − (KW−1) ... against the reversed row.
          for (let r = 0; r < nky; r++) {
            const slot = rows + (<usize>r << 3);
            const t = taps + (<usize>r << 3);
            store<u32>(t, load<u32>(slot) + <u32>(<usize>(ix + padLeft - kw + 1) * dyPix));
            store<u32>(t, <u32>(fRev + <usize>(load<i32>(slot, 4) * cin) * runBytes), 4);
          }
          if (kw == 3) dot3x4(o, pix, taps, nky, cin, cout, runBytes, dyPix);
          else dotPixels(4, o, pix, taps, nky, cin, runLen, runBytes, dyPix);
          o += 4 * pix;
          ix += 4;
          continue;
        }
        const count = pixelTaps(taps, rows, nky, cols, ix, kw, dyPix, filter, tapBytes);
        dotPixels(1, o, pix, taps, count, cin, cout, dyPix, dyPix);
        o += pix;
        ix++;
      }
    }
  }
  arena_release(mark);
  return STATUS_OK;
}

// ---- col2im ----------------------------------------------------------------------------------

/** dst[0..count) += src[0..count) (src may be read up to 12 bytes past). */
// @ts-ignore: decorator
@inline function addRun(dst: usize, src: usize, count: i32): void {
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const off = <usize>j << 2;
    v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
  }
  if (j < count) {
    const off = <usize>j << 2, lanes = <usize>(count - j);
    storeTail(dst + off, f32x4.add(loadTail(dst + off, lanes), v128.load(src + off)), lanes);
  }
}

function gradInputCol2im(dx: usize, dy: usize, filter: usize, n: i32, h: i32, w: i32, cin: i32,
    kh: i32, kw: i32, cout: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
    padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  const k = kh * kw * cin;
  const m = n * outH * outW;
  const slices = (cout + GEMM_KC - 1) / GEMM_KC;
  const kcMax = min(cout, GEMM_KC);
  const tile = gemmTile;
  const mr = gemm_tile_mr(tile), nr = gemm_tile_nr(tile), mcBlock = gemmMc(mr);
  const mcMax = min(m, mcBlock);
  const bSliceBytes = packedBBytes(nr, k, kcMax);
  const mark = arena_mark();
  const bPacked = arena_alloc_scoped(bSliceBytes * <usize>slices);
  const aPacked = arena_alloc_scoped(packedABytes(mr, mcMax, kcMax));
  const dcol = arena_alloc_scoped((<usize>mcMax * <usize>k << 2) + 16);
  if (bPacked == 0 || aPacked == 0 || dcol == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  // B = fᵀ [CO, K]: element (co, kk) is f[kk, co].
  for (let s = 0; s < slices; s++) {
    const co0 = s * GEMM_KC;
    pack_b(nr, bPacked + <usize>s * bSliceBytes, filter, 0, k, min(GEMM_KC, cout - co0), co0,
      1, <usize>cout);
  }
  const pix = <usize>cin << 2;
  const rowBytes = <usize>w * pix;
  const imageBytes = <usize>h * rowBytes;
  memory.fill(dx, 0, <usize>n * imageBytes);
  let b = 0, oy = 0, ox = 0;
  for (let i0 = 0; i0 < m; i0 += mcBlock) {
    const mc = min(mcBlock, m - i0);
    for (let s = 0; s < slices; s++) {
      const co0 = s * GEMM_KC, kc = min(GEMM_KC, cout - co0);
      pack_a(mr, aPacked, dy, mc, kc, i0, co0, <usize>cout, 1);
      gemm_packed_block(tile, dcol, k, aPacked, bPacked + <usize>s * bSliceBytes, mc, k, kc, s > 0,
        false, 0, 0);
    }
    let src = dcol;
    for (let r = 0; r < mc; r++, src += <usize>k << 2) {
      const image = dx + <usize>b * imageBytes;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * strideH - padTop + ky * dilationH;
        if (<u32>iy >= <u32>h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * strideW - padLeft + kx * dilationW;
          if (<u32>ix >= <u32>w) continue;
          addRun(image + <usize>iy * rowBytes + <usize>ix * pix,
            src + (<usize>((ky * kw + kx) * cin) << 2), cin);
        }
      }
      if (++ox == outW) { ox = 0; if (++oy == outH) { oy = 0; b++; } }
    }
  }
  arena_release(mark);
  return STATUS_OK;
}
