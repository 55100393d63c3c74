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
//   CI <= DOT_MAX_CIN (first layers: 1-3 channels): every dx pixel gathers its (dy pixel, tap)
//     pairs and takes CI dot products of length CO per pair (CO contiguous in dy and in f),
//     four neighbouring pixels at once when the stride is 1 and all column taps are in range
//     (they share the filter loads). A GEMM would have N = KH·KW·CI columns, mostly padding.
//   otherwise col2im: per block of GEMM_MC output pixels, dcol[P, KH·KW·CI] = dy[P, CO] · fᵀ
//     through gemm_f32's packing and micro-kernels (fᵀ packed once per call, in KC slices of
//     CO), then each row's window is added into dx.
//
// Overwrites dx. Memory: reads up to 12 bytes past dy and f (channel tails); writes exactly dx.
// Scratch from the arena; -1 (STATUS_OOM) before anything is written.

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_f32, gemm_packed_block, pack_a, pack_b, packedABytes, packedBBytes, GEMM_KC,
  GEMM_MC, STATUS_OK, STATUS_OOM } from "../kernels/gemm";
import { GEMM_MR, GEMM_NR } from "../kernels/gemm_ukernel";
import { laneMask } from "../kernels/reduce";
import { conv2d_winograd_grad_input_f32, useWinogradGrad } from "./conv_winograd_grad";
import { hsum4, loadTail, madd4, storeTail } from "../simd";

/** Input channels up to which the dot-product path beats col2im. */
// @ts-ignore: decorator
@inline const DOT_MAX_CIN: i32 = 3;

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
  if (cin <= DOT_MAX_CIN) {
    return gradInputDot(dx, dy, filter, n, h, w, cin, kh, kw, cout, strideH, strideW, dilationH,
      dilationW, padTop, padLeft, outH, outW);
  }
  return gradInputCol2im(dx, dy, filter, n, h, w, cin, kh, kw, cout, strideH, strideW, dilationH,
    dilationW, padTop, padLeft, outH, outW);
}

// ---- dot products (few input channels) -------------------------------------------------------

/**
 * np (1 or 4) dx pixels, outStep bytes apart: out[p][ci] = Σ_t Σ_co dy_t[p][co] · f_t[ci][co]
 * over the tap list (u32 pairs: dy pixel of pixel 0, filter tap [CI, CO]); pixel p's dy is
 * dStep·p further. Two accumulators per pixel (even and odd vectors of CO); the tail vector is
 * masked on both sides, so over-read lanes never meet (even non-finite) data.
 */
// @ts-ignore: decorator
@inline function dotPixels(np: i32, out: usize, outStep: usize, taps: usize, count: i32, cin: i32,
    cout: i32, dStep: usize): void {
  const zero = f32x4.splat(0);
  const tail = cout & 3;
  const mask = laneMask(<usize>tail);
  const rowBytes = <usize>cout << 2;
  const full = <usize>(cout & ~3) << 2;
  for (let ci = 0; ci < cin; ci++) {
    let a0 = zero, a1 = zero, b0 = zero, b1 = zero, c0 = zero, c1 = zero, d0 = zero, d1 = zero;
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      const dp = <usize>load<u32>(slot);
      const fp = <usize>load<u32>(slot, 4) + <usize>ci * rowBytes;
      let g: usize = 0;
      for (; g + 32 <= full; g += 32) {
        const f0 = v128.load(fp + g), f1 = v128.load(fp + g, 16);
        a0 = madd4(v128.load(dp + g), f0, a0); a1 = madd4(v128.load(dp + g, 16), f1, a1);
        if (np == 4) {
          b0 = madd4(v128.load(dp + dStep + g), f0, b0); b1 = madd4(v128.load(dp + dStep + g, 16), f1, b1);
          c0 = madd4(v128.load(dp + 2 * dStep + g), f0, c0); c1 = madd4(v128.load(dp + 2 * dStep + g, 16), f1, c1);
          d0 = madd4(v128.load(dp + 3 * dStep + g), f0, d0); d1 = madd4(v128.load(dp + 3 * dStep + g, 16), f1, d1);
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

function gradInputDot(dx: usize, dy: usize, filter: usize, n: i32, h: i32, w: i32, cin: i32,
    kh: i32, kw: i32, cout: i32, strideH: i32, strideW: i32, dilationH: i32, dilationW: i32,
    padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  const mark = arena_mark();
  const taps = arena_alloc_scoped(<usize>(kh * kw) << 3);
  if (taps == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const pix = <usize>cin << 2;
  const dyPix = <usize>cout << 2;
  const tapBytes = <usize>cin * dyPix; // one (ky, kx) slice of f
  let o = dx;
  for (let b = 0; b < n; b++) {
    const dyImage = dy + <usize>b * <usize>outH * <usize>outW * dyPix;
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ) {
        let count = 0;
        let allColumns = true;
        for (let ky = 0; ky < kh; ky++) {
          const ty = iy + padTop - ky * dilationH;
          if (ty < 0 || ty % strideH != 0 || ty / strideH >= outH) continue;
          const dyRow = dyImage + <usize>(ty / strideH) * <usize>outW * dyPix;
          for (let kx = 0; kx < kw; kx++) {
            const tx = ix + padLeft - kx * dilationW;
            if (tx < 0 || tx % strideW != 0 || tx / strideW >= outW) { allColumns = false; continue; }
            const slot = taps + (<usize>count << 3);
            store<u32>(slot, <u32>(dyRow + <usize>(tx / strideW) * dyPix));
            store<u32>(slot, <u32>(filter + <usize>(ky * kw + kx) * tapBytes), 4);
            count++;
          }
        }
        // Stride 1: pixels ix+1..ix+3 reach every column tap too when ix + 3 + PL < OW, one dy
        // pixel further each.
        if (strideW == 1 && allColumns && ix + 4 <= w && ix + 3 + padLeft < outW) {
          dotPixels(4, o, pix, taps, count, cin, cout, dyPix);
          o += 4 * pix;
          ix += 4;
        } else {
          dotPixels(1, o, pix, taps, count, cin, cout, dyPix);
          o += pix;
          ix++;
        }
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
  const mcMax = min(m, GEMM_MC);
  const bSliceBytes = packedBBytes(GEMM_NR, k, kcMax);
  const mark = arena_mark();
  const bPacked = arena_alloc_scoped(bSliceBytes * <usize>slices);
  const aPacked = arena_alloc_scoped(packedABytes(GEMM_MR, mcMax, kcMax));
  const dcol = arena_alloc_scoped((<usize>mcMax * <usize>k << 2) + 16);
  if (bPacked == 0 || aPacked == 0 || dcol == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  // B = fᵀ [CO, K]: element (co, kk) is f[kk, co].
  for (let s = 0; s < slices; s++) {
    const co0 = s * GEMM_KC;
    pack_b(GEMM_NR, bPacked + <usize>s * bSliceBytes, filter, 0, k, min(GEMM_KC, cout - co0), co0,
      1, <usize>cout);
  }
  const pix = <usize>cin << 2;
  const rowBytes = <usize>w * pix;
  const imageBytes = <usize>h * rowBytes;
  memory.fill(dx, 0, <usize>n * imageBytes);
  let b = 0, oy = 0, ox = 0;
  for (let i0 = 0; i0 < m; i0 += GEMM_MC) {
    const mc = min(GEMM_MC, m - i0);
    for (let s = 0; s < slices; s++) {
      const co0 = s * GEMM_KC, kc = min(GEMM_KC, cout - co0);
      pack_a(GEMM_MR, aPacked, dy, mc, kc, i0, co0, <usize>cout, 1);
      gemm_packed_block(GEMM_MR, GEMM_NR, dcol, k, aPacked, bPacked + <usize>s * bSliceBytes, mc,
        k, kc, s > 0, false, 0, 0);
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
