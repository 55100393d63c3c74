// f32 2-D pooling, NHWC.
//
//   max:    out[b, oy, ox, c] = max over valid taps of x[b, iy, ix, c]   (NaN if any tap is NaN)
//   avg:    out[b, oy, ox, c] = (Σ over valid taps of x[b, iy, ix, c]) / (number of valid taps)
//   global: out[b, c] = (Σ_{y,x} x[b, y, x, c]) / (H·W)
//   iy = oy·SH − PT + ky,  ix = ox·SW − PL + kx; a tap is valid when it lies inside the image
//   (padding taps are ignored, as TensorFlow.js does; a window with no valid tap gives -Inf for
//   max and NaN for avg).
//
//   B batch, H×W input, C channels, KH×KW window, SH/SW strides, PT/PL top/left pads, OH×OW
//   output. x [B, H, W, C], out [B, OH, OW, C] (global: [B, C]); row-major.
//
// Vectorized over channels (16, then 4, then a lane tail) with the valid tap rectangle of each
// output pixel computed once; max through f32x4.pmax with a NaN mask on the side (2-2.8x
// f32x4.max's speed on Zen 5). Memory: reads up to 12 bytes past x's end (channel tails); out
// must not alias x; never writes past out's end. Source: XNNPACK f32-maxpool / f32-avgpool /
// f32-gavgpool (without their multipass tiling).

import { firstTap, endTap } from "./conv_depthwise";
import { storeTail } from "../simd";
import { STATUS_OK } from "./gemm";

// max: f32x4.pmax (one maxps on x64; f32x4.max's NaN and ±0 rules cost V8 about 8 instructions)
// and, beside it, a mask of the lanes that saw a NaN, applied once per window.
// @ts-ignore: decorator
@inline function combine(isMax: bool, acc: v128, v: v128): v128 {
  return isMax ? f32x4.pmax(acc, v) : f32x4.add(acc, v);
}

/** The lanes of v that are NaN, or-ed into seen (max only). */
// @ts-ignore: decorator
@inline function nanSeen(isMax: bool, seen: v128, v: v128): v128 {
  return isMax ? v128.or(seen, f32x4.ne(v, v)) : seen;
}

/** acc with NaN in the lanes that saw one (max only). */
// @ts-ignore: decorator
@inline function withNaN(isMax: bool, acc: v128, seen: v128): v128 {
  return isMax ? v128.bitselect(f32x4.splat(NaN), acc, seen) : acc;
}

// @ts-ignore: decorator
@inline function pool2d(isMax: bool, out: usize, x: usize, n: i32, h: i32, w: i32, c: i32,
    kh: i32, kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32): i32 {
  if (n <= 0 || outH <= 0 || outW <= 0 || c <= 0) return STATUS_OK;
  const pixBytes = <usize>c << 2;
  const rowBytes = <usize>w * pixBytes;
  const init = f32x4.splat(isMax ? -Infinity : 0);
  const zero = i32x4.splat(0);
  let o = out;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const kyLo = firstTap(iy0, 1), kyHi = endTap(iy0, 1, h, kh);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padLeft;
        const kxLo = firstTap(ix0, 1), kxHi = endTap(ix0, 1, w, kw);
        const count = max(kyHi - kyLo, 0) * max(kxHi - kxLo, 0);
        const scale = f32x4.splat(<f32>count);
        // Window origin of the first valid tap; channel c0 of tap (ky, kx) is at
        // first + (ky − kyLo)·rowBytes + (kx − kxLo)·pixBytes + 4·c0.
        const first = xb + <usize>(iy0 + kyLo) * rowBytes + <usize>(ix0 + kxLo) * pixBytes;
        const rows = kyHi - kyLo, cols = kxHi - kxLo;
        for (let c0 = 0; c0 < c; ) {
          const wide = c - c0 >= 16;
          let acc0 = init, acc1 = init, acc2 = init, acc3 = init;
          let nan0 = zero, nan1 = zero, nan2 = zero, nan3 = zero;
          let xr = first + (<usize>c0 << 2);
          for (let ky = 0; ky < rows; ky++) {
            let xp = xr;
            for (let kx = 0; kx < cols; kx++) {
              const v0 = v128.load(xp);
              acc0 = combine(isMax, acc0, v0); nan0 = nanSeen(isMax, nan0, v0);
              if (wide) {
                const v1 = v128.load(xp, 16), v2 = v128.load(xp, 32), v3 = v128.load(xp, 48);
                acc1 = combine(isMax, acc1, v1); nan1 = nanSeen(isMax, nan1, v1);
                acc2 = combine(isMax, acc2, v2); nan2 = nanSeen(isMax, nan2, v2);
                acc3 = combine(isMax, acc3, v3); nan3 = nanSeen(isMax, nan3, v3);
              }
              xp += pixBytes;
            }
            xr += rowBytes;
          }
          acc0 = withNaN(isMax, acc0, nan0); acc1 = withNaN(isMax, acc1, nan1);
          acc2 = withNaN(isMax, acc2, nan2); acc3 = withNaN(isMax, acc3, nan3);
          if (!isMax) {
            acc0 = f32x4.div(acc0, scale); acc1 = f32x4.div(acc1, scale);
            acc2 = f32x4.div(acc2, scale); acc3 = f32x4.div(acc3, scale);
          }
          const done = storeChannels(o, acc0, acc1, acc2, acc3, wide, c - c0);
          o += <usize>done << 2; c0 += done;
        }
      }
    }
  }
  return STATUS_OK;
}

/** Stores one block of channels (16 when wide, else 4 or the 1..3 left); returns how many. */
// @ts-ignore: decorator
@inline function storeChannels(o: usize, acc0: v128, acc1: v128, acc2: v128, acc3: v128,
    wide: bool, left: i32): i32 {
  if (wide) {
    v128.store(o, acc0); v128.store(o, acc1, 16); v128.store(o, acc2, 32); v128.store(o, acc3, 48);
    return 16;
  }
  if (left >= 4) {
    v128.store(o, acc0);
    return 4;
  }
  storeTail(o, acc0, <usize>left);
  return left;
}

export function maxpool2d_nhwc_f32(out: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32,
    kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  return pool2d(true, out, x, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
}

export function avgpool2d_nhwc_f32(out: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32,
    kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  return pool2d(false, out, x, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
}

/** [B, H, W, C] → [B, C]: the mean over each image, 16 channels at a time over all pixels. */
export function global_avgpool2d_nhwc_f32(out: usize, x: usize, n: i32, h: i32, w: i32,
    c: i32): i32 {
  if (n <= 0 || c <= 0) return STATUS_OK;
  const hw = h * w;
  const pixBytes = <usize>c << 2;
  const scale = f32x4.splat(<f32>hw); // hw = 0 gives NaN, the mean of nothing
  const zero = f32x4.splat(0);
  let o = out;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>hw * pixBytes;
    for (let c0 = 0; c0 < c; ) {
      const wide = c - c0 >= 16;
      let acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
      let xp = xb + (<usize>c0 << 2);
      for (let p = 0; p < hw; p++) {
        acc0 = f32x4.add(acc0, v128.load(xp));
        if (wide) {
          acc1 = f32x4.add(acc1, v128.load(xp, 16));
          acc2 = f32x4.add(acc2, v128.load(xp, 32));
          acc3 = f32x4.add(acc3, v128.load(xp, 48));
        }
        xp += pixBytes;
      }
      acc0 = f32x4.div(acc0, scale); acc1 = f32x4.div(acc1, scale);
      acc2 = f32x4.div(acc2, scale); acc3 = f32x4.div(acc3, scale);
      const done = storeChannels(o, acc0, acc1, acc2, acc3, wide, c - c0);
      o += <usize>done << 2; c0 += done;
    }
  }
  return STATUS_OK;
}
