// int8 depthwise 2-D convolution, NHWC, its own kernel (no GEMM: one tap is one multiply per
// channel).
//
//   out[b, oy, ox, ci·M + j] = epilogue(Σ_{ky, kx} (x[b, iy, ix, ci] − zx) · f[ky, kx, ci, j])
//   with iy, ix as in qconv.ts; taps outside the image are skipped (they would add (zx − zx)·f).
//
//   C input channels, M depth multiplier, CO = C·M output channels. x qs8 [B, H, W, C];
//   f int8 [KH, KW, C, M] (qc8w: per output channel scale in the parameter block, which has CO
//   channels); out qs8 or f32 [B, OH, OW, CO] (requant.ts).
//
// Multiplier 1 (every depthwise conv of MobileNet): 16 channels per step, x − zx and f widened
// to i16 (x − zx is within ±255) and multiplied into i32 with extmul (exact), four i32x4
// accumulators; the channels left (fewer than 16),
// and depth multipliers above 1, four at a time with everything widened to i32. Accumulation is
// exact i32, so both builds agree bit for bit. Memory: reads up to 3 bytes past the end of x and
// f (channel tails); out must not alias x. Source: XNNPACK qs8-dwconv (unipass, without its
// packed weights).

import { paramsStride, bias4, storeOutput4 } from "./requant";
import { firstTap, endTap } from "../conv_depthwise";
import { MAX_K } from "./qgemm";

// @ts-ignore: decorator
@inline function widen4(p: usize): v128 {
  return i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(p)));
}

export function depthwise_conv2d_nhwc_qs8_qc8w(out: usize, x: usize, f: usize, params: usize,
    n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, multiplier: i32, strideH: i32,
    strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32, zx: i32): i32 {
  if (n < 1 || h < 1 || w < 1 || c < 1 || kh < 1 || kw < 1 || multiplier < 1 || outH < 1 ||
      outW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) return -2;
  if (kh * kw > MAX_K) return -2;
  const co = c * multiplier;
  const f32Out = load<i32>(params) != 0;
  const esz: usize = f32Out ? 4 : 1;
  const stride = paramsStride(co);
  const vzx = i32x4.splat(zx);
  const rowBytes = <usize>w * <usize>c;
  const tapBytes = <usize>co; // one (ky, kx) slice of f
  const vzx16 = i16x8.splat(<i16>zx);
  const wide = multiplier == 1 ? co & ~15 : 0; // channels done 16 at a time
  let o = out;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const kyLo = firstTap(iy0, dilationH), kyHi = endTap(iy0, dilationH, h, kh);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padLeft;
        const kxLo = firstTap(ix0, dilationW), kxHi = endTap(ix0, dilationW, w, kw);
        for (let c0 = 0; c0 < wide; c0 += 16) {
          let a0 = bias4(params, <usize>c0), a1 = bias4(params, <usize>c0 + 4);
          let a2 = bias4(params, <usize>c0 + 8), a3 = bias4(params, <usize>c0 + 12);
          for (let ky = kyLo; ky < kyHi; ky++) {
            const xr = xb + <usize>(iy0 + ky * dilationH) * rowBytes + <usize>c0;
            const fr = f + <usize>(ky * kw) * tapBytes + <usize>c0;
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xv = v128.load(xr + <usize>(ix0 + kx * dilationW) * <usize>c);
              const fv = v128.load(fr + <usize>kx * tapBytes);
              const xl = i16x8.sub(i16x8.extend_low_i8x16_s(xv), vzx16), xh = i16x8.sub(i16x8.extend_high_i8x16_s(xv), vzx16);
              const fl = i16x8.extend_low_i8x16_s(fv), fh = i16x8.extend_high_i8x16_s(fv);
              a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(xl, fl));
              a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(xl, fl));
              a2 = i32x4.add(a2, i32x4.extmul_low_i16x8_s(xh, fh));
              a3 = i32x4.add(a3, i32x4.extmul_high_i16x8_s(xh, fh));
            }
          }
          const oc = o + <usize>c0 * esz;
          storeOutput4(oc, a0, params, stride, <usize>c0, 4, f32Out);
          storeOutput4(oc + 4 * esz, a1, params, stride, <usize>c0 + 4, 4, f32Out);
          storeOutput4(oc + 8 * esz, a2, params, stride, <usize>c0 + 8, 4, f32Out);
          storeOutput4(oc + 12 * esz, a3, params, stride, <usize>c0 + 12, 4, f32Out);
        }
        for (let c0 = wide; c0 < co; c0 += 4) {
          let acc = bias4(params, <usize>c0);
          for (let ky = kyLo; ky < kyHi; ky++) {
            const xr = xb + <usize>(iy0 + ky * dilationH) * rowBytes;
            const fr = f + <usize>(ky * kw) * tapBytes + <usize>c0;
            for (let kx = kxLo; kx < kxHi; kx++) {
              const xp = xr + <usize>(ix0 + kx * dilationW) * <usize>c;
              let xv: v128;
              if (multiplier == 1) xv = widen4(xp + <usize>c0);
              else {
                // output channel oc reads input channel oc / M
                xv = i32x4.splat(<i32>load<i8>(xp + <usize>(c0 / multiplier)));
                xv = i32x4.replace_lane(xv, 1, <i32>load<i8>(xp + <usize>(min(c0 + 1, co - 1) / multiplier)));
                xv = i32x4.replace_lane(xv, 2, <i32>load<i8>(xp + <usize>(min(c0 + 2, co - 1) / multiplier)));
                xv = i32x4.replace_lane(xv, 3, <i32>load<i8>(xp + <usize>(min(c0 + 3, co - 1) / multiplier)));
              }
              acc = i32x4.add(acc, i32x4.mul(i32x4.sub(xv, vzx), widen4(fr + <usize>kx * tapBytes)));
            }
          }
          storeOutput4(o + <usize>c0 * esz, acc, params, stride, <usize>c0, min(4, co - c0), f32Out);
        }
        o += <usize>co * esz;
      }
    }
  }
  return 0;
}
