// Conversions between f32 and int8, and the statistics calibration needs.
//
//   quantize_f32_qs8:      q[i] = clamp(nearest(x[i]·invScale) + zp, qmin, qmax)   (ties to even)
//   dequantize_qs8_f32:    y[i] = f32(q[i] − zp)·scale
//   quantize_weights_qc8w: per output channel c of w [K, N]: amax = max_k |w[k, c]|,
//                          scale[c] = amax / 127, q[k, c] = nearest(w[k, c]·(127 / amax))
//                          (a channel of zeros gets scale 1 and zeros)
//   minmax_f32:            out[0] = min, out[1] = max over x (NaN ignored; +Inf/−Inf for n = 0)
//   histogram_f32:         counts[b] += 1 for each x in [lo, hi], b = min(bins − 1, ⌊(x − lo)·bins / (hi − lo)⌋)
//
// Only IEEE-exact f32 operations (mul, div, nearest, saturating truncation): both builds give the
// same bytes, and the tests' scalar references reproduce them with Math.fround.
// Memory: no over-reads (vector bodies, scalar tails); out must not alias the input.

// @ts-ignore: decorator
@inline function quantize4(v: v128, inv: v128, zp: v128, lo: v128, hi: v128): v128 {
  // bounded to ±512 before the zero point is added, so ±Inf cannot wrap around
  let q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v, inv)));
  q = i32x4.add(i32x4.min_s(i32x4.max_s(q, i32x4.splat(-512)), i32x4.splat(512)), zp);
  return i32x4.min_s(i32x4.max_s(q, lo), hi);
}

// @ts-ignore: decorator
@inline function quantize1(x: f32, inv: f32, zp: i32, qmin: i32, qmax: i32): i32 {
  const r = nearest<f32>(x * inv);
  // i32.trunc_sat semantics (NaN → 0, saturating), as the vector path
  let q: i32 = r != r ? 0 : r >= 2147483647.0 ? 2147483647 : r <= -2147483648.0 ? -2147483648 : <i32>r;
  q = (q < -512 ? -512 : q > 512 ? 512 : q) + zp;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

export function quantize_f32_qs8(out: usize, x: usize, n: i32, invScale: f32, zp: i32, qmin: i32,
    qmax: i32): i32 {
  if (n < 0 || qmin > qmax || qmin < -128 || qmax > 127) return -2;
  const inv = f32x4.splat(invScale), z = i32x4.splat(zp);
  const lo = i32x4.splat(qmin), hi = i32x4.splat(qmax);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    const q0 = quantize4(v128.load(p), inv, z, lo, hi), q1 = quantize4(v128.load(p, 16), inv, z, lo, hi);
    const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), q0);
    v128.store_lane<i64>(out + <usize>i, b, 0);
  }
  for (; i < n; i++) {
    store<i8>(out + <usize>i, <i8>quantize1(load<f32>(x + (<usize>i << 2)), invScale, zp, qmin, qmax));
  }
  return 0;
}

export function dequantize_qs8_f32(out: usize, q: usize, n: i32, scale: f32, zp: i32): i32 {
  if (n < 0) return -2;
  const s = f32x4.splat(scale), z = i32x4.splat(zp);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const b = i16x8.extend_low_i8x16_s(v128.load64_zero(q + <usize>i));
    const lo = i32x4.sub(i32x4.extend_low_i16x8_s(b), z), hi = i32x4.sub(i32x4.extend_high_i16x8_s(b), z);
    const p = out + (<usize>i << 2);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(lo), s));
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_s(hi), s), 16);
  }
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), <f32>(<i32>load<i8>(q + <usize>i) - zp) * scale);
  }
  return 0;
}

export function quantize_weights_qc8w(outQ: usize, outScale: usize, w: usize, k: i32, n: i32): i32 {
  if (k < 1 || n < 1) return -2;
  const row = <usize>n << 2;
  for (let c = 0; c < n; c++) {
    let amax: f32 = 0;
    for (let kk = 0; kk < k; kk++) amax = max(amax, abs(load<f32>(w + <usize>kk * row + (<usize>c << 2))));
    if (!(amax > 0) || !isFinite(amax)) {
      // zeros (or a non-finite weight, which JS rejects before calling) quantize to zeros
      store<f32>(outScale + (<usize>c << 2), 1);
      for (let kk = 0; kk < k; kk++) store<i8>(outQ + <usize>kk * <usize>n + <usize>c, 0);
      continue;
    }
    store<f32>(outScale + (<usize>c << 2), amax / <f32>127);
    const inv: f32 = <f32>127 / amax;
    for (let kk = 0; kk < k; kk++) {
      const q = quantize1(load<f32>(w + <usize>kk * row + (<usize>c << 2)), inv, 0, -127, 127);
      store<i8>(outQ + <usize>kk * <usize>n + <usize>c, <i8>q);
    }
  }
  return 0;
}

export function minmax_f32(out: usize, x: usize, n: i32): i32 {
  if (n < 0) return -2;
  let lo = f32x4.splat(Infinity), hi = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const ok = f32x4.eq(v, v); // NaN lanes leave the bounds alone
    lo = v128.bitselect(f32x4.pmin(v, lo), lo, ok);
    hi = v128.bitselect(f32x4.pmax(v, hi), hi, ok);
  }
  let mn = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
  let mx = max(max(f32x4.extract_lane(hi, 0), f32x4.extract_lane(hi, 1)), max(f32x4.extract_lane(hi, 2), f32x4.extract_lane(hi, 3)));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  store<f32>(out, mn);
  store<f32>(out, mx, 4);
  return 0;
}

export function histogram_f32(counts: usize, x: usize, n: i32, lo: f32, hi: f32, bins: i32): i32 {
  if (n < 0 || bins < 1 || !(hi > lo)) return -2;
  const scale: f64 = <f64>bins / (<f64>hi - <f64>lo);
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (!(v >= lo && v <= hi)) continue;
    const b = min(bins - 1, <i32>((<f64>v - <f64>lo) * scale));
    const p = counts + (<usize>b << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  return 0;
}
