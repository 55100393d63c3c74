// int8 2-D pooling, NHWC, on qs8 values (input and output share scale and zero point, so the
// pooling is done on the integers directly).
//
//   max: out[b, oy, ox, c] = max over valid taps of x[b, iy, ix, c]         (i8x16.max_s)
//   avg: out[b, oy, ox, c] = nearest(f32(Σ valid taps) / f32(count))        (ties to even)
//   iy = oy·SH − PT + ky, ix = ox·SW − PL + kx; padding taps are skipped (TensorFlow.js's rule);
//   global average pooling is avg with the window = the image.
//
//   x qs8 [B, H, W, C], out qs8 [B, OH, OW, C]. The sum is exact in i32 and the division is one
//   IEEE f32 division, so both builds agree bit for bit. Memory: no over-reads (16-channel
//   vectors, then scalar channels); out must not alias x. Source: XNNPACK s8-maxpool,
//   qs8-avgpool (without multipass).

import { firstTap, endTap } from "../conv_depthwise";

// @ts-ignore: decorator
@inline function avg1(sum: i32, count: f32): i8 {
  return <i8><i32>nearest<f32>(<f32>sum / count);
}

// @ts-ignore: decorator
@inline function pool(isMax: bool, out: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32,
    kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  if (n < 1 || h < 1 || w < 1 || c < 1 || kh < 1 || kw < 1 || outH < 1 || outW < 1 || strideH < 1 ||
      strideW < 1) return -2;
  const rowBytes = <usize>w * <usize>c;
  let o = out;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const kyLo = firstTap(iy0, 1), kyHi = endTap(iy0, 1, h, kh);
      for (let ox = 0; ox < outW; ox++, o += <usize>c) {
        const ix0 = ox * strideW - padLeft;
        const kxLo = firstTap(ix0, 1), kxHi = endTap(ix0, 1, w, kw);
        const count = <f32>(max(0, kyHi - kyLo) * max(0, kxHi - kxLo));
        const vcount = f32x4.splat(count);
        let c0 = 0;
        for (; c0 + 16 <= c; c0 += 16) {
          let m = i8x16.splat(-128);
          let s0 = i32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
          for (let ky = kyLo; ky < kyHi; ky++) {
            const xr = xb + <usize>(iy0 + ky) * rowBytes + <usize>c0;
            for (let kx = kxLo; kx < kxHi; kx++) {
              const v = v128.load(xr + <usize>(ix0 + kx) * <usize>c);
              if (isMax) m = i8x16.max_s(m, v);
              else {
                const lo = i16x8.extend_low_i8x16_s(v), hi = i16x8.extend_high_i8x16_s(v);
                s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(lo)); s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(lo));
                s2 = i32x4.add(s2, i32x4.extend_low_i16x8_s(hi)); s3 = i32x4.add(s3, i32x4.extend_high_i16x8_s(hi));
              }
            }
          }
          if (!isMax) {
            const q0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(f32x4.convert_i32x4_s(s0), vcount)));
            const q1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(f32x4.convert_i32x4_s(s1), vcount)));
            const q2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(f32x4.convert_i32x4_s(s2), vcount)));
            const q3 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(f32x4.convert_i32x4_s(s3), vcount)));
            m = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
          }
          v128.store(o + <usize>c0, m);
        }
        for (; c0 < c; c0++) {
          let m: i32 = -128, s: i32 = 0;
          for (let ky = kyLo; ky < kyHi; ky++) {
            const xr = xb + <usize>(iy0 + ky) * rowBytes + <usize>c0;
            for (let kx = kxLo; kx < kxHi; kx++) {
              const v = <i32>load<i8>(xr + <usize>(ix0 + kx) * <usize>c);
              if (isMax) m = max(m, v); else s += v;
            }
          }
          store<i8>(o + <usize>c0, isMax ? <i8>m : avg1(s, count));
        }
      }
    }
  }
  return 0;
}

export function maxpool2d_nhwc_qs8(out: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32,
    kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  return pool(true, out, x, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
}

export function avgpool2d_nhwc_qs8(out: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32,
    kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  return pool(false, out, x, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
}
