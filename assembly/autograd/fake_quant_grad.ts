// The gradient of fake_quant_f32 (kernels/fake_quant.ts): the clipped straight-through estimator
// of quantization-aware training. Rounding passes the gradient through unchanged; clamping stops
// it where the quantized level fell outside [qmin, qmax] (as TF's FakeQuantWithMinMaxVarsGradient
// does for the input).
//
//   fake_quant_grad_f32(dx, dy, x, rows, channels, scales, zeroPoints, qmin, qmax) → 0
//   dx = dy where qmin ≤ nearest(x / s) + z ≤ qmax, else 0. dx is OVERWRITTEN; it may alias dy.
//   rows, channels, scales, zeroPoints: as the forward pass got them.
import { quantLevel4 } from "../kernels/fake_quant";

// @ts-ignore: decorator
@inline function pass4(dy: v128, x: v128, s: v128, z: v128, lo: v128, hi: v128): v128 {
  const q = quantLevel4(x, s, z);
  return v128.and(dy, v128.and(f32x4.ge(q, lo), f32x4.le(q, hi)));
}

export function fake_quant_grad_f32(dx: usize, dy: usize, x: usize, rows: i32, channels: i32, scales: usize,
    zeroPoints: usize, qmin: f32, qmax: f32): i32 {
  const lo = f32x4.splat(qmin), hi = f32x4.splat(qmax);
  if (channels == 1) {
    const s = v128.load32_splat(scales), z = v128.load32_splat(zeroPoints);
    const n = <usize>rows;
    let i: usize = 0;
    for (; i + 4 <= n; i += 4) {
      v128.store(dx + (i << 2), pass4(v128.load(dy + (i << 2)), v128.load(x + (i << 2)), s, z, lo, hi));
    }
    for (; i < n; i++) {
      const v = pass4(v128.load32_splat(dy + (i << 2)), v128.load32_splat(x + (i << 2)), s, z, lo, hi);
      store<f32>(dx + (i << 2), f32x4.extract_lane(v, 0));
    }
    return 0;
  }
  const c = <usize>channels;
  const vecEnd = c & ~3;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const at = r * c << 2;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      const o = at + (j << 2);
      v128.store(dx + o, pass4(v128.load(dy + o), v128.load(x + o), v128.load(scales + (j << 2)),
        v128.load(zeroPoints + (j << 2)), lo, hi));
    }
    for (; j < c; j++) {
      const o = at + (j << 2);
      const v = pass4(f32x4.splat(load<f32>(dy + o)), f32x4.splat(load<f32>(x + o)),
        f32x4.splat(load<f32>(scales + (j << 2))), f32x4.splat(load<f32>(zeroPoints + (j << 2))), lo, hi);
      store<f32>(dx + o, f32x4.extract_lane(v, 0));
    }
  }
  return 0;
}
