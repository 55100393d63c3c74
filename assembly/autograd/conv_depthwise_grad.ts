// f32 depthwise 2-D convolution backward, NHWC: the gradients of conv_depthwise.ts's kernel.
//
//   dx[b, iy, ix, c]     = Σ_{(oy,ox,ky,kx) → (iy,ix)} Σ_q dy[b, oy, ox, c·M + q] · f[ky, kx, c, q]
//   df[ky, kx, c, q]     = Σ_{b,oy,ox} x[b, iy, ix, c] · dy[b, oy, ox, c·M + q]
//   dbias[c·M + q]       = Σ_{b,oy,ox} dy[b, oy, ox, c·M + q]
//   iy = oy·SH − PT + ky·DH,  ix = ox·SW − PL + kx·DW   (taps outside the image contribute nothing)
//
//   B batch, H×W input, C channels, M the channel multiplier, KH×KW filter, OH×OW output,
//   SH/SW strides, DH/DW dilations, PT/PL top/left pads. x [B, H, W, C], f and df
//   [KH, KW, C, M] (flat [KH, KW, C·M]), dy [B, OH, OW, C·M], dx [B, H, W, C], dbias [C·M] or 0.
//
// Input gradient, gathered (each dx pixel written once, no read-modify-write): for every input
// pixel the (dy pixel, filter tap) pairs that reach it are listed (conv_taps.ts) and the
// forward's own per-pixel routines do the rest: dwPixel sums dy[o, j]·f[tap, j] over the list
// exactly as the forward sums x·f (with M = 1 straight into dx; with M > 1 into a row of C·M
// sums that is then folded by groups of M), and dwPixels3 takes three neighbouring pixels at
// once when the stride is 1 and all column taps are in range (their lists differ by one dy
// pixel each).
// Filter gradient: for each output row and tap, the run of output pixels whose tap lands inside
// the image is summed in registers (16 channels at a time) and added into df once per run.
// Memory: reads up to 12 bytes past dy, x and f (channel tails); overwrites dx / df / dbias and
// never writes past them. Scratch (the tap tables, and the row of sums for M > 1) from the arena:
// -1 (STATUS_OOM) before anything is written.

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { STATUS_OK, STATUS_OOM } from "../kernels/gemm";
import { dwPixel, dwPixels3, gatherLanes } from "../kernels/conv_depthwise";
import { bias_grad_f32 } from "./bias_grad";
import { columnTaps, pixelTaps, rowTaps } from "./conv_taps";
import { loadTail, madd4, storeTail } from "../simd";

export function depthwise_conv2d_grad_input_nhwc_f32(dx: usize, dy: usize, filter: usize, n: i32,
    h: i32, w: i32, c: i32, kh: i32, kw: i32, multiplier: i32, strideH: i32, strideW: i32,
    dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  if (n <= 0 || h <= 0 || w <= 0 || c <= 0) return STATUS_OK;
  const pixBytes = <usize>c << 2;
  const co = c * multiplier;
  if (multiplier <= 0 || outH <= 0 || outW <= 0 || kh <= 0 || kw <= 0) {
    memory.fill(dx, 0, <usize>n * <usize>h * <usize>w * pixBytes);
    return STATUS_OK;
  }
  const mark = arena_mark();
  const taps = arena_alloc_scoped(<usize>(kh * kw) << 3);
  const rows = arena_alloc_scoped(<usize>kh << 3);
  const cols = arena_alloc_scoped(<usize>(w * kw) << 2);
  const sums = multiplier > 1 ? arena_alloc_scoped((<usize>co << 2) + 64) : 1;
  if (taps == 0 || rows == 0 || cols == 0 || sums == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const dyPix = <usize>co << 2; // also the bytes of one (ky, kx) slice of f
  const dyRowBytes = <usize>outW * dyPix;
  columnTaps(cols, w, kw, strideW, dilationW, padLeft, outW);
  // Stride 1: dx pixels ix .. ix+2 all reach every column tap when ix + PL − (KW−1)·DW >= 0 and
  // ix + 2 + PL < OW; their lists differ by one dy pixel each.
  const ixLo = strideW == 1 ? max(0, (kw - 1) * dilationW - padLeft) : w;
  const ixEnd = strideW == 1 ? min(w, outW - padLeft) : 0; // ix + 3 <= ixEnd
  let o = dx;
  for (let b = 0; b < n; b++) {
    const dyImage = dy + <usize>b * <usize>outH * dyRowBytes;
    for (let iy = 0; iy < h; iy++) {
      const nky = rowTaps(rows, iy, kh, strideH, dilationH, padTop, outH, dyImage, dyRowBytes);
      for (let ix = 0; ix < w; ) {
        const count = pixelTaps(taps, rows, nky, cols, ix, kw, dyPix, filter, dyPix);
        if (multiplier == 1) {
          if (ix >= ixLo && ix + 3 <= ixEnd) {
            dwPixels3(o, taps, count, 0, c, dyPix, false, 0, 0);
            o += 3 * pixBytes;
            ix += 3;
            continue;
          }
          dwPixel(o, taps, count, 0, c, false, 0, 0);
        } else {
          dwPixel(sums, taps, count, 0, co, false, 0, 0);
          foldGroups(o, sums, c, multiplier);
        }
        o += pixBytes;
        ix++;
      }
    }
  }
  arena_release(mark);
  return STATUS_OK;
}

/** out[ch] = Σ_q sums[ch·M + q] for C channels. */
function foldGroups(out: usize, sums: usize, c: i32, m: i32): void {
  let s = sums;
  for (let ch = 0; ch < c; ch++) {
    let t: f32 = 0;
    for (let q = 0; q < m; q++, s += 4) t += load<f32>(s);
    store<f32>(out + (<usize>ch << 2), t);
  }
}

export function depthwise_conv2d_grad_filter_nhwc_f32(dfilter: usize, dbias: usize, dy: usize,
    x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, multiplier: i32, strideH: i32,
    strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32): i32 {
  const co = c * multiplier;
  if (co <= 0) return STATUS_OK;
  const taps = max(kh, 0) * max(kw, 0);
  memory.fill(dfilter, 0, <usize>taps * <usize>co << 2);
  const pixels = n > 0 && outH > 0 && outW > 0 ? n * outH * outW : 0;
  if (dbias != 0) bias_grad_f32(dbias, dy, pixels, co);
  if (pixels == 0 || h <= 0 || w <= 0) return STATUS_OK;
  const pixBytes = <usize>c << 2;
  const dyPixBytes = <usize>co << 2;
  const xStep = <usize>strideW * pixBytes;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const dyRow = dy + (<usize>(b * outH + oy) * <usize>outW) * dyPixBytes;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * strideH - padTop + ky * dilationH;
        if (iy < 0 || iy >= h) continue;
        const xRow = x + (<usize>(b * h + iy) * <usize>w) * pixBytes;
        for (let kx = 0; kx < kw; kx++) {
          // Output columns whose tap kx lands inside: 0 <= ox·SW − PL + kx·DW < W.
          const lowNum = padLeft - kx * dilationW, highNum = w - 1 + padLeft - kx * dilationW;
          const lo = lowNum <= 0 ? 0 : (lowNum + strideW - 1) / strideW;
          const hi = highNum < 0 ? 0 : min(outW, highNum / strideW + 1);
          if (lo >= hi) continue;
          const xp = xRow + <usize>(lo * strideW - padLeft + kx * dilationW) * pixBytes;
          const fp = dfilter + <usize>(ky * kw + kx) * dyPixBytes;
          if (multiplier == 1) {
            tapRun(false, fp, xp, dyRow + <usize>lo * dyPixBytes, hi - lo, xStep, dyPixBytes, co, 1);
          } else {
            tapRun(true, fp, xp, dyRow + <usize>lo * dyPixBytes, hi - lo, xStep, dyPixBytes, co,
              multiplier);
          }
        }
      }
    }
  }
  return STATUS_OK;
}

/** Input lanes for output channels j0..j0+3: x[j] (M = 1) or x[j / M] (gathered). */
// @ts-ignore: decorator
@inline function xLanes(gather: bool, xp: usize, j0: i32, m: i32): v128 {
  return gather ? gatherLanes(xp, j0, m) : v128.load(xp + (<usize>j0 << 2));
}

/**
 * df[j] += Σ_{t < count} x[t][j (/ M)] · dy[t][j] for the C·M channels of one tap: x pixels
 * xStep bytes apart, dy pixels dStep apart. 16 channels in 4 accumulators, then 4, then a tail
 * whose over-read lanes are computed but not stored.
 */
// @ts-ignore: decorator
@inline function tapRun(gather: bool, df: usize, xp: usize, dp: usize, count: i32, xStep: usize,
    dStep: usize, co: i32, m: i32): void {
  const zero = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= co; j += 16) {
    const off = <usize>j << 2;
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    let xq = xp, dq = dp + off;
    for (let t = 0; t < count; t++, xq += xStep, dq += dStep) {
      a0 = madd4(xLanes(gather, xq, j, m), v128.load(dq), a0);
      a1 = madd4(xLanes(gather, xq, j + 4, m), v128.load(dq, 16), a1);
      a2 = madd4(xLanes(gather, xq, j + 8, m), v128.load(dq, 32), a2);
      a3 = madd4(xLanes(gather, xq, j + 12, m), v128.load(dq, 48), a3);
    }
    const f = df + off;
    v128.store(f, f32x4.add(v128.load(f), a0));
    v128.store(f, f32x4.add(v128.load(f, 16), a1), 16);
    v128.store(f, f32x4.add(v128.load(f, 32), a2), 32);
    v128.store(f, f32x4.add(v128.load(f, 48), a3), 48);
  }
  for (; j < co; j += 4) {
    const off = <usize>j << 2;
    let a = zero;
    let xq = xp, dq = dp + off;
    for (let t = 0; t < count; t++, xq += xStep, dq += dStep) {
      a = madd4(xLanes(gather, xq, j, m), v128.load(dq), a);
    }
    const f = df + off;
    if (co - j >= 4) {
      v128.store(f, f32x4.add(v128.load(f), a));
    } else {
      const lanes = <usize>(co - j);
      storeTail(f, f32x4.add(loadTail(f, lanes), a), lanes);
    }
  }
}
