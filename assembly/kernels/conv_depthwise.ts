// f32 depthwise 2-D convolution, NHWC: a direct SIMD kernel (no GEMM).
//
//   out[b, oy, ox, c·M + m] = act(bias[c·M + m] + Σ_{ky,kx} x[b, iy, ix, c] · f[ky, kx, c, m])
//   iy = oy·SH − PT + ky·DH,  ix = ox·SW − PL + kx·DW   (taps outside the image are skipped)
//
//   B batch, H×W input, C channels, M the channel multiplier, KH×KW filter, OH×OW output,
//   SH/SW strides, DH/DW dilations, PT/PL top/left pads.
//   x [B, H, W, C], f [KH, KW, C, M] (read flat as [KH, KW, C·M]), bias [C·M] or 0,
//   out [B, OH, OW, C·M]; row-major.
//
// For each output pixel the valid taps are listed once (input pixel and filter slice addresses,
// XNNPACK's indirection idea); then 16 (or 4) output channels at a time accumulate in
// registers over them (XNNPACK's f32-dwconv, without its packed weights). M > 1 gathers each
// lane's input channel j / M. Scratch: the tap list, from the arena (-1 on OOM).
// Memory: reads up to 12 bytes past x, f and bias (channel tails); out must not alias x; never
// writes past out's end.

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { STATUS_OK, STATUS_OOM } from "./gemm";
import { activate, clampLo, clampHi, isClampActivation } from "./activation";
import { clamp4, madd4, storeTail } from "../simd";

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
  const mark = arena_mark();
  const taps = arena_alloc_scoped(<usize>(kh * kw) << 3);
  if (taps == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const clamp = isClampActivation(act);
  const lo = clampLo(act), hi = clampHi(act);
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
      for (let ox = 0; ox < outW; ) {
        const ix0 = ox * strideW - padLeft;
        const kxLo = firstTap(ix0, dilationW), kxHi = endTap(ix0, dilationW, w, kw);
        // The valid taps of this pixel: (input pixel address, filter slice address) pairs.
        let count = 0;
        for (let ky = kyLo; ky < kyHi; ky++) {
          const xr = xb + <usize>(iy0 + ky * dilationH) * rowBytes;
          for (let kx = kxLo; kx < kxHi; kx++) {
            const slot = taps + (<usize>count << 3);
            store<u32>(slot, <u32>(xr + <usize>(ix0 + kx * dilationW) * pixBytes));
            store<u32>(slot, <u32>(filter + <usize>(ky * kw + kx) * tapBytes), 4);
            count++;
          }
        }
        // This pixel and the next two see every column tap: they share the tap list, shifted by
        // strideW input pixels each, and go through dwPixels3 together.
        if (multiplier == 1 && kxLo == 0 && kxHi == kw && ox + 3 <= outW &&
            ix0 + 2 * strideW + (kw - 1) * dilationW < w) {
          dwPixels3(o, taps, count, bias, co, <usize>strideW * pixBytes, clamp, lo, hi);
          o += 3 * tapBytes;
          ox += 3;
          continue;
        }
        if (multiplier == 1) {
          dwPixel(o, taps, count, bias, co, clamp, lo, hi);
        } else {
          dwPixelMultiplier(o, taps, count, bias, co, multiplier, clamp, f32x4.splat(lo), f32x4.splat(hi));
        }
        o += tapBytes;
        ox++;
      }
      activate(rowStart, outRowFloats, act, alpha);
    }
  }
  arena_release(mark);
  return STATUS_OK;
}

/** One output pixel, multiplier 1: channels 16, then 4 at a time, then a lane tail. */
export function dwPixel(o: usize, taps: usize, count: i32, bias: usize, co: i32, clamp: bool, lo: f32,
    hi: f32): void {
  const zero = f32x4.splat(0);
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  let c0 = 0;
  for (; c0 + 16 <= co; c0 += 16) {
    const off = <usize>c0 << 2;
    let acc0 = zero, acc1 = zero, acc2 = zero, acc3 = zero;
    if (bias != 0) {
      acc0 = v128.load(bias + off); acc1 = v128.load(bias + off, 16);
      acc2 = v128.load(bias + off, 32); acc3 = v128.load(bias + off, 48);
    }
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      const xp = <usize>load<u32>(slot) + off, fp = <usize>load<u32>(slot, 4) + off;
      acc0 = madd4(v128.load(xp), v128.load(fp), acc0);
      acc1 = madd4(v128.load(xp, 16), v128.load(fp, 16), acc1);
      acc2 = madd4(v128.load(xp, 32), v128.load(fp, 32), acc2);
      acc3 = madd4(v128.load(xp, 48), v128.load(fp, 48), acc3);
    }
    if (clamp) {
      acc0 = clamp4(acc0, vlo, vhi); acc1 = clamp4(acc1, vlo, vhi);
      acc2 = clamp4(acc2, vlo, vhi); acc3 = clamp4(acc3, vlo, vhi);
    }
    v128.store(o + off, acc0); v128.store(o + off, acc1, 16);
    v128.store(o + off, acc2, 32); v128.store(o + off, acc3, 48);
  }
  for (; c0 < co; c0 += 4) {
    const off = <usize>c0 << 2;
    let acc = bias != 0 ? v128.load(bias + off) : zero;
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      acc = madd4(v128.load(<usize>load<u32>(slot) + off), v128.load(<usize>load<u32>(slot, 4) + off), acc);
    }
    if (clamp) acc = clamp4(acc, vlo, vhi);
    if (co - c0 >= 4) v128.store(o + off, acc);
    else storeTail(o + off, acc, <usize>(co - c0));
  }
}

/**
 * Three output pixels of one row, multiplier 1, whose input windows are xStep bytes apart: 8
 * channels at a time (then 4, then a lane tail) in 6 accumulators, each filter vector loaded once
 * for the three. One pixel at a time has 4 FMA chains of `count` taps and 2 loads per FMA;
 * this has 6 chains and 4 loads per 3 FMAs (14 registers, within what V8 keeps in xmm).
 */
export function dwPixels3(o: usize, taps: usize, count: i32, bias: usize, co: i32, xStep: usize,
    clamp: bool, lo: f32, hi: f32): void {
  const zero = f32x4.splat(0);
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  const oStep = <usize>co << 2;
  let c0 = 0;
  for (; c0 + 8 <= co; c0 += 8) {
    const off = <usize>c0 << 2;
    const b0 = bias != 0 ? v128.load(bias + off) : zero;
    const b1 = bias != 0 ? v128.load(bias + off, 16) : zero;
    let a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      const x0 = <usize>load<u32>(slot) + off, fp = <usize>load<u32>(slot, 4) + off;
      const x1 = x0 + xStep, x2 = x1 + xStep;
      const f0 = v128.load(fp), f1 = v128.load(fp, 16);
      a00 = madd4(v128.load(x0), f0, a00); a01 = madd4(v128.load(x0, 16), f1, a01);
      a10 = madd4(v128.load(x1), f0, a10); a11 = madd4(v128.load(x1, 16), f1, a11);
      a20 = madd4(v128.load(x2), f0, a20); a21 = madd4(v128.load(x2, 16), f1, a21);
    }
    if (clamp) {
      a00 = clamp4(a00, vlo, vhi); a01 = clamp4(a01, vlo, vhi);
      a10 = clamp4(a10, vlo, vhi); a11 = clamp4(a11, vlo, vhi);
      a20 = clamp4(a20, vlo, vhi); a21 = clamp4(a21, vlo, vhi);
    }
    v128.store(o + off, a00); v128.store(o + off, a01, 16);
    v128.store(o + oStep + off, a10); v128.store(o + oStep + off, a11, 16);
    v128.store(o + 2 * oStep + off, a20); v128.store(o + 2 * oStep + off, a21, 16);
  }
  for (; c0 < co; c0 += 4) {
    const off = <usize>c0 << 2;
    const b = bias != 0 ? v128.load(bias + off) : zero;
    let a0 = b, a1 = b, a2 = b;
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      const x0 = <usize>load<u32>(slot) + off, f = v128.load(<usize>load<u32>(slot, 4) + off);
      a0 = madd4(v128.load(x0), f, a0);
      a1 = madd4(v128.load(x0 + xStep), f, a1);
      a2 = madd4(v128.load(x0 + 2 * xStep), f, a2);
    }
    if (clamp) {
      a0 = clamp4(a0, vlo, vhi); a1 = clamp4(a1, vlo, vhi); a2 = clamp4(a2, vlo, vhi);
    }
    if (co - c0 >= 4) {
      v128.store(o + off, a0); v128.store(o + oStep + off, a1); v128.store(o + 2 * oStep + off, a2);
    } else {
      const lanes = <usize>(co - c0);
      storeTail(o + off, a0, lanes); storeTail(o + oStep + off, a1, lanes);
      storeTail(o + 2 * oStep + off, a2, lanes);
    }
  }
}

/** One output pixel, multiplier M > 1: output channel j reads input channel j / M. */
function dwPixelMultiplier(o: usize, taps: usize, count: i32, bias: usize, co: i32, m: i32,
    clamp: bool, vlo: v128, vhi: v128): void {
  for (let c0 = 0; c0 < co; c0 += 4) {
    const off = <usize>c0 << 2;
    let acc = bias != 0 ? v128.load(bias + off) : f32x4.splat(0);
    for (let t = 0; t < count; t++) {
      const slot = taps + (<usize>t << 3);
      acc = madd4(gatherLanes(<usize>load<u32>(slot), c0, m), v128.load(<usize>load<u32>(slot, 4) + off), acc);
    }
    if (clamp) acc = clamp4(acc, vlo, vhi);
    if (co - c0 >= 4) v128.store(o + off, acc);
    else storeTail(o + off, acc, <usize>(co - c0));
  }
}

/** Lanes x[j / M] for output channels j = j0 .. j0+3 (channels past C·M read harmless junk). */
// @ts-ignore: decorator
@inline export function gatherLanes(xp: usize, j0: i32, m: i32): v128 {
  let v = f32x4.splat(load<f32>(xp + (<usize>(j0 / m) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(xp + (<usize>((j0 + 1) / m) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(xp + (<usize>((j0 + 2) / m) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(xp + (<usize>((j0 + 3) / m) << 2)));
}
