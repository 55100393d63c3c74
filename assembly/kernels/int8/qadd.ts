// int8 elementwise add of two qs8 tensors with their own scales and zero points (residual
// connections), requantized to the output's parameters in fixed point:
//
//   out[i] = clamp(zy + ((a[i] − za)·ma + (b[i] − zb)·mb + 2^(shift−1)) >> shift, qmin, qmax)
//
//   with ma / 2^shift ≈ sa / sy and mb / 2^shift ≈ sb / sy (js-bindings/quantize/params.ts
//   addMultipliers). qmin / qmax carry a fused ReLU / ReLU6 (qmin = zy, qmax = zy + 6 / sy).
//   qs8 activations are 7-bit ([0, 127]), so |x − z| <= 127 and with ma, mb < 2^22 the sum stays
//   below 2^30: i32 arithmetic is exact and both builds give the same bytes as the scalar form.
// 16 bytes per step (widened to four i32x4 per input), scalar tail; out may alias a or b
// (each element is read before it is written). Source: XNNPACK qs8-vadd (rndnu variant).

// @ts-ignore: decorator
@inline function requant4(a: v128, b: v128, ma: v128, mb: v128, rnd: v128, shift: i32, zy: v128): v128 {
  const acc = i32x4.add(i32x4.add(i32x4.mul(a, ma), i32x4.mul(b, mb)), rnd);
  return i32x4.add(i32x4.shr_s(acc, shift), zy);
}

export function add_qs8(out: usize, a: usize, b: usize, n: i32, za: i32, zb: i32, zy: i32, ma: i32,
    mb: i32, shift: i32, qmin: i32, qmax: i32): i32 {
  if (n < 0 || shift < 1 || shift > 31 || ma < 0 || mb < 0 || ma >= (1 << 22) || mb >= (1 << 22)) return -2;
  if (qmin > qmax || qmin < -128 || qmax > 127) return -2;
  const vza = i16x8.splat(<i16>za), vzb = i16x8.splat(<i16>zb);
  const vma = i32x4.splat(ma), vmb = i32x4.splat(mb), vzy = i32x4.splat(zy);
  const rnd = i32x4.splat(1 << (shift - 1));
  const lo = i8x16.splat(<i8>qmin), hi = i8x16.splat(<i8>qmax);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const va = v128.load(a + <usize>i), vb = v128.load(b + <usize>i);
    const a0 = i16x8.sub(i16x8.extend_low_i8x16_s(va), vza), a1 = i16x8.sub(i16x8.extend_high_i8x16_s(va), vza);
    const b0 = i16x8.sub(i16x8.extend_low_i8x16_s(vb), vzb), b1 = i16x8.sub(i16x8.extend_high_i8x16_s(vb), vzb);
    const y0 = requant4(i32x4.extend_low_i16x8_s(a0), i32x4.extend_low_i16x8_s(b0), vma, vmb, rnd, shift, vzy);
    const y1 = requant4(i32x4.extend_high_i16x8_s(a0), i32x4.extend_high_i16x8_s(b0), vma, vmb, rnd, shift, vzy);
    const y2 = requant4(i32x4.extend_low_i16x8_s(a1), i32x4.extend_low_i16x8_s(b1), vma, vmb, rnd, shift, vzy);
    const y3 = requant4(i32x4.extend_high_i16x8_s(a1), i32x4.extend_high_i16x8_s(b1), vma, vmb, rnd, shift, vzy);
    const y = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(y0, y1), i16x8.narrow_i32x4_s(y2, y3));
    v128.store(out + <usize>i, i8x16.min_s(i8x16.max_s(y, lo), hi));
  }
  for (; i < n; i++) {
    const acc = (<i32>load<i8>(a + <usize>i) - za) * ma + (<i32>load<i8>(b + <usize>i) - zb) * mb + (1 << (shift - 1));
    let y = (acc >> shift) + zy;
    y = y < qmin ? qmin : y > qmax ? qmax : y;
    store<i8>(out + <usize>i, <i8>y);
  }
  return 0;
}
