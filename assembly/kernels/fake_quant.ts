// Fake quantization for quantization-aware training (TF's fake_quant_with_min_max_vars, per
// tensor or per channel): out = (clamp(nearest(x / s) + z, qmin, qmax) - z) · s, so the forward
// pass sees exactly the values the int8 model will compute with, in f32.
//
//   fake_quant_f32(out, x, rows, channels, scales, zeroPoints, qmin, qmax) → 0
//   x, out: rows x channels floats (channels = the last axis; 1 for a per-tensor quantizer, whose
//   one scale and zero point then serve every element).
//   scales, zeroPoints: `channels` floats each (zero points are integers held as f32).
//   out may alias x exactly. Rounding is nearest-even (f32x4.nearest), the int8 kernels' rule.
//
// The gradient (assembly/autograd/fake_quant_grad.ts) is the clipped straight-through estimator.
// The per-element code lives in fakeQuant4 / inRange4 so the two passes cannot drift apart.

/** nearest(x / s) + z, before clamping: the integer the int8 model would store. */
// @ts-ignore: decorator
@inline export function quantLevel4(x: v128, s: v128, z: v128): v128 {
  return f32x4.add(f32x4.nearest(f32x4.div(x, s)), z);
}

// @ts-ignore: decorator
@inline function fakeQuant4(x: v128, s: v128, z: v128, lo: v128, hi: v128): v128 {
  // pmax / pmin: one instruction each on x64 (f32x4.max / min take about eight); the same
  // values here, a NaN included (it is their first operand, which they keep)
  const q = f32x4.pmin(f32x4.pmax(quantLevel4(x, s, z), lo), hi);
  return f32x4.mul(f32x4.sub(q, z), s);
}

export function fake_quant_f32(out: usize, x: usize, rows: i32, channels: i32, scales: usize, zeroPoints: usize,
    qmin: f32, qmax: f32): i32 {
  const lo = f32x4.splat(qmin), hi = f32x4.splat(qmax);
  if (channels == 1) {
    // Per tensor: one row of `rows` values, scale and zero point splatted once.
    const s = v128.load32_splat(scales), z = v128.load32_splat(zeroPoints);
    const n = <usize>rows;
    let i: usize = 0;
    for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), fakeQuant4(v128.load(x + (i << 2)), s, z, lo, hi));
    for (; i < n; i++) {
      store<f32>(out + (i << 2), f32x4.extract_lane(fakeQuant4(v128.load32_splat(x + (i << 2)), s, z, lo, hi), 0));
    }
    return 0;
  }
  const c = <usize>channels;
  const vecEnd = c & ~3;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const xr = x + (r * c << 2), or = out + (r * c << 2);
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      v128.store(or + (j << 2), fakeQuant4(v128.load(xr + (j << 2)), v128.load(scales + (j << 2)),
        v128.load(zeroPoints + (j << 2)), lo, hi));
    }
    for (; j < c; j++) {
      const v = fakeQuant4(f32x4.splat(load<f32>(xr + (j << 2))), f32x4.splat(load<f32>(scales + (j << 2))),
        f32x4.splat(load<f32>(zeroPoints + (j << 2))), lo, hi);
      store<f32>(or + (j << 2), f32x4.extract_lane(v, 0));
    }
  }
  return 0;
}
