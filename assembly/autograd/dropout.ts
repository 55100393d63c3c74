// Dropout for training: a seeded keep-mask and the masked, rescaled input in one pass.
//
//   dropout_f32(out, mask, x, n, rate, seed) → status
//     u_i   = (lowbias32(i ^ lowbias32(seed)) >> 8) · 2^-24, in [0, 1) on a grid of 2^-24
//     mask[i] = u_i >= rate ? 1/(1 - rate) : 0        (f32; the scale rounded once from f64)
//     out[i]  = x[i] · mask[i]
//   x, out, mask: n floats. rate in [0, 1): rate 0 gives mask 1 everywhere (u ≥ 0). The
//   backward pass is a plain multiply of dy by mask (mul_f32), no kernel of its own.
//   Status: 0 ok, -2 (STATUS_BAD_RATE) rate outside [0, 1) or NaN, before anything is written.
//
// u_i depends only on (seed, i): a counter-based generator (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", 2011) with Chris Wellons' lowbias32 integer hash, the same hash
// and seeding as fill.ts's random_uniform_f32. Integer arithmetic only (i32x4.mul keeps the low
// 32 bits, as Math.imul), so the mask is bit-identical in both builds, in every runtime, and
// whatever the vector width: tests/ref/dropout_ref.ts computes it in plain JS. P(drop) =
// ceil(rate·2^24)/2^24, within 6e-8 of rate. x·mask is one f32 multiply: exact NaN/Inf rules
// (a dropped NaN or Inf input gives NaN, as TF.js's x·mask).
//
// Memory contract: out may alias x exactly; mask must not overlap x or out. Reads nothing past
// x + 4n; writes exactly n floats of out and mask. 2 vectors per trip, a lane tail.
import { loadTail, storeTail } from "../simd";

// @ts-ignore: decorator
@inline export const STATUS_BAD_RATE: i32 = -2;

/** lowbias32 (Chris Wellons) on four u32 lanes. */
// @ts-ignore: decorator
@inline function hash4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/** The scalar lowbias32, for the seed. */
// @ts-ignore: decorator
@inline function hash32(x: u32): u32 {
  x ^= x >> 16; x *= 0x7feb352d;
  x ^= x >> 15; x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

/** The mask for counters i (four lanes): keep (u ≥ rate) → scale, else 0. */
// @ts-ignore: decorator
@inline function maskOf(i: v128, key: v128, rate: v128, scale: v128): v128 {
  const u = f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(hash4(v128.xor(i, key)), 8)),
    f32x4.splat(5.9604644775390625e-8)); // 2^-24: exact
  return v128.and(scale, f32x4.ge(u, rate));
}

export function dropout_f32(out: usize, mask: usize, x: usize, n: i32, rate: f32, seed: u32): i32 {
  if (!(rate >= 0 && rate < 1)) return STATUS_BAD_RATE;
  const key = i32x4.splat(hash32(seed));
  const vr = f32x4.splat(rate), scale = f32x4.splat(<f32>(1 / (1 - <f64>rate)));
  const four = i32x4.splat(4), eight = i32x4.splat(8);
  let i0 = i32x4(0, 1, 2, 3), i1 = i32x4(4, 5, 6, 7);
  let bytes: usize = n > 0 ? <usize>n << 2 : 0;
  for (; bytes >= 32; bytes -= 32, out += 32, mask += 32, x += 32) {
    const m0 = maskOf(i0, key, vr, scale), m1 = maskOf(i1, key, vr, scale);
    v128.store(mask, m0);
    v128.store(mask, m1, 16);
    v128.store(out, f32x4.mul(v128.load(x), m0));
    v128.store(out, f32x4.mul(v128.load(x, 16), m1), 16);
    i0 = i32x4.add(i0, eight);
    i1 = i32x4.add(i1, eight);
  }
  if (bytes >= 16) {
    const m = maskOf(i0, key, vr, scale);
    v128.store(mask, m);
    v128.store(out, f32x4.mul(v128.load(x), m));
    i0 = i32x4.add(i0, four);
    out += 16; mask += 16; x += 16; bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    const m = maskOf(i0, key, vr, scale);
    storeTail(mask, m, count);
    storeTail(out, f32x4.mul(loadTail(x, count), m), count);
  }
  return 0;
}
