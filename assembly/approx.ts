// @inline f32x4 approximations of exp, expm1, log, tanh, sigmoid and erf for the kernels: no
// Math.* calls (AssemblyScript's Math.exp is a scalar libm routine), no tables, no branches, so
// a lane never needs special treatment and tails can run on a full (padded) vector.
//
// Max errors against Math.* (f64), measured on both builds by the "approximation errors" test
// in tests/kernels/unary.test.ts (2^16-point sweeps per range, random bit patterns for log);
// ulp = ulp of the f32 result (2^-149 for subnormal results), bounds asserted there with slack:
//
//   exp4       0.98 ulp  on [-104, 88.72]; x > 88.7228 → +Inf, x < -103.97 → 0 (subnormal results
//                        rounded once, not flushed), NaN → NaN
//   expm1neg4  0.85 ulp  for x ≤ 0 (elu), also near 0 where e^x - 1 would cancel
//   log4       0.79 ulp  over all positive floats incl. subnormals; x < 0 → NaN, ±0 → -Inf,
//                        +Inf → +Inf, NaN → NaN
//   tanh4      2.5 ulp   odd (tanh(±0) = ±0), ±1 beyond |x| ≈ 9
//   sigmoid4   2.4 ulp   on [-104, 20], stable for any x (0 or subnormal for x ≪ 0)
//   erf4       2.6 ulp   (abs < 1.6e-7), ±1 for |x| ≥ 4
//   gelu       6.8 ulp   via phiNeg4, on [-10, 10]: relative accuracy kept in the x ≪ 0 tail,
//                        where 0.5·(1 + erf) would lose everything to cancellation
//
// The relaxed build may fuse the polynomial steps (madd4); the bounds hold either way.
//
// Sources: Cephes (S. Moshier) expf/logf polynomials with Cody-Waite range reduction (as in
// XNNPACK's f32-vexp/f32-vlog "rr2" kernels); expm1 reconstruction as in XNNPACK's f32-velu
// "rr2-p6" (2^n·(1 + q) - 1 = (2^n - 1) + 2^n·q keeps relative accuracy near 0), and tanh from
// it as XNNPACK's f32-vtanh "expm1minus"; erfc: Numerical Recipes' erfcc Chebyshev fit (Press
// et al., 2nd ed., §6.2) with e^(-z²) evaluated from an exactly split z² (Dekker-style).
import { madd4 } from "./simd";

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// ln2 split for Cody-Waite: LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| < 2^15.
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;

/** r·r·P(r) + r ≈ exp(r) - 1 for |r| ≤ ln2/2 (Cephes expf minimax polynomial). */
// @ts-ignore: decorator
@inline function expm1Poly(r: v128): v128 {
  let p = madd4(f32x4.splat(1.9875691500e-4), r, f32x4.splat(1.3981999507e-3));
  p = madd4(p, r, f32x4.splat(8.3334519073e-3));
  p = madd4(p, r, f32x4.splat(4.1665795894e-2));
  p = madd4(p, r, f32x4.splat(1.6666665459e-1));
  p = madd4(p, r, f32x4.splat(5.0000001201e-1));
  return madd4(p, f32x4.mul(r, r), r);
}

/** x - n·ln2 in two steps (Cody-Waite), n an integer-valued vector. */
// @ts-ignore: decorator
@inline function reduceLn2(x: v128, n: v128): v128 {
  return madd4(n, f32x4.splat(-LN2_LO), madd4(n, f32x4.splat(-LN2_HI), x));
}

/** 2^n for integer lanes n in [-126, 127], as f32 bits. */
// @ts-ignore: decorator
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** e·2^n for integer-valued lanes n in [-252, 128]: 2^n in two normal factors, so the one
 *  rounding at the very end gives correctly rounded subnormals and a clean overflow to +Inf. */
// @ts-ignore: decorator
@inline function scale2n(e: v128, n: v128): v128 {
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  return f32x4.mul(f32x4.mul(e, pow2i(n1)), pow2i(i32x4.sub(ni, n1)));
}

/** e^x. */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  // Clamp so that n = round(x·log2e) stays in [-150, 128]; pmax/pmin with x first keep NaN.
  // Beyond the clamp the result is already 0 (below 2^-150) or +Inf (above 2^128).
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  return scale2n(f32x4.add(expm1Poly(reduceLn2(x, n)), f32x4.splat(1)), n);
}

/** e^(hi + lo) for hi + lo in [-170, 88], |lo| small: lo joins after the range reduction, so
 *  the rounding of hi + lo never reaches the result (erfc's e^(-z²) with z² split exactly). */
// @ts-ignore: decorator
@inline function expHiLo4(hi: v128, lo: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(f32x4.add(hi, lo), f32x4.splat(LOG2E)));
  const r = f32x4.add(reduceLn2(hi, n), lo);
  return scale2n(f32x4.add(expm1Poly(r), f32x4.splat(1)), n);
}

/** e^x - 1 for x ≤ 0 (elu, tanh), accurate near 0; positive lanes are treated as 0. */
// @ts-ignore: decorator
@inline export function expm1neg4(x: v128): v128 {
  // Below -17.33, e^x - 1 rounds to -1 in f32: the clamp keeps 2^n normal.
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-17.328680)), f32x4.splat(0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const q = expm1Poly(reduceLn2(x, n));
  const s = pow2i(i32x4.trunc_sat_f32x4_s(n));
  // (s - 1) is exact, and 0 when n = 0, so the result keeps q's relative accuracy near 0.
  return madd4(s, q, f32x4.sub(s, f32x4.splat(1)));
}

/** ln x. */
// @ts-ignore: decorator
@inline export function log4(x: v128): v128 {
  // Subnormal x: scale by 2^23 first and take 23 off the exponent.
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, tiny);
  // x = m·2^e with m in [0.5, 1), then m in [sqrt(1/2), sqrt(2)) by moving one factor 2.
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(xs, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F000000));
  const lo = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = i32x4.add(e, lo); // lo lanes are -1
  m = f32x4.sub(f32x4.add(m, v128.and(lo, m)), f32x4.splat(1)); // exact (Sterbenz)
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = madd4(f32x4.splat(7.0376836292e-2), m, f32x4.splat(-1.1514610310e-1));
  p = madd4(p, m, f32x4.splat(1.1676998740e-1));
  p = madd4(p, m, f32x4.splat(-1.2420140846e-1));
  p = madd4(p, m, f32x4.splat(1.4249322787e-1));
  p = madd4(p, m, f32x4.splat(-1.6668057665e-1));
  p = madd4(p, m, f32x4.splat(2.0000714765e-1));
  p = madd4(p, m, f32x4.splat(-2.4999993993e-1));
  p = madd4(p, m, f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = madd4(fe, f32x4.splat(LN2_LO), y);
  y = madd4(z, f32x4.splat(-0.5), y);
  let r = madd4(fe, f32x4.splat(LN2_HI), f32x4.add(m, y));
  // Special lanes: +Inf → +Inf, ±0 → -Inf, x < 0 or NaN → NaN (all-ones bits).
  r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(x, f32x4.splat(Infinity)));
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
  return v128.or(r, v128.not(f32x4.ge(x, f32x4.splat(0))));
}

/** tanh x = sign(x)·|em/(em + 2)| with em = e^(-2|x|) - 1: one expm1, no cancellation. */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(0x80000000));
  const em = expm1neg4(f32x4.mul(f32x4.abs(x), f32x4.splat(-2)));
  const t = f32x4.div(em, f32x4.add(em, f32x4.splat(2))); // in [-1, 0], NaN for NaN
  return v128.or(f32x4.abs(t), sign); // abs, then x's sign: tanh(±0) = ±0
}

/** 1/(1 + e^-x), from e = e^-|x| ∈ (0, 1] so nothing overflows: x ≥ 0 → 1/(1+e), else e/(1+e). */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(f32x4.splat(1), f32x4.add(e, f32x4.splat(1)));
  return v128.bitselect(f32x4.mul(e, r), r, f32x4.lt(x, f32x4.splat(0)));
}

/** t·e^(hi + lo + P(t)) with t = 1/(1 + z/2): erfc z when hi + lo = -z² (z ≥ 0, ≤ 10.5). */
// @ts-ignore: decorator
@inline function erfcParts4(z: v128, hi: v128, lo: v128): v128 {
  // Numerical Recipes' erfcc (Chebyshev fit, relative error < 1.2e-7 for every z ≥ 0).
  const t = f32x4.div(f32x4.splat(1), madd4(z, f32x4.splat(0.5), f32x4.splat(1)));
  let p = madd4(t, f32x4.splat(0.17087277), f32x4.splat(-0.82215223));
  p = madd4(t, p, f32x4.splat(1.48851587));
  p = madd4(t, p, f32x4.splat(-1.13520398));
  p = madd4(t, p, f32x4.splat(0.27886807));
  p = madd4(t, p, f32x4.splat(-0.18628806));
  p = madd4(t, p, f32x4.splat(0.09678418));
  p = madd4(t, p, f32x4.splat(0.37409196));
  p = madd4(t, p, f32x4.splat(1.00002368));
  p = madd4(t, p, f32x4.splat(-1.26551223));
  return f32x4.mul(t, expHiLo4(hi, f32x4.add(lo, p)));
}

/** v with the low 12 significand bits cleared: its square is exact in f32. */
// @ts-ignore: decorator
@inline function cut12(v: v128): v128 {
  return v128.and(v, i32x4.splat(0xFFFFF000));
}

/** erfc z for z ≥ 0 (NaN → NaN), with small relative error even deep in the tail. */
// @ts-ignore: decorator
@inline export function erfcpos4(z: v128): v128 {
  // erfc(10.5) < 2^-150: the clamp only keeps Inf out of z - zh below.
  z = f32x4.pmin(z, f32x4.splat(10.5));
  // -z² = -zh² - (z - zh)(z + zh): the big part exact, so e^(-z²) keeps its relative accuracy.
  const zh = cut12(z);
  return erfcParts4(z, f32x4.neg(f32x4.mul(zh, zh)), f32x4.neg(f32x4.mul(f32x4.sub(z, zh), f32x4.add(z, zh))));
}

/** Φ(-|x|) = erfc(|x|/√2)/2, the normal CDF's lower tail (gelu), with -x²/2 split exactly so
 *  that rounding |x|/√2 costs nothing in the tail. NaN → NaN. */
// @ts-ignore: decorator
@inline export function phiNeg4(x: v128): v128 {
  const ax = f32x4.pmin(f32x4.abs(x), f32x4.splat(14.849242)); // 10.5·√2, as erfcpos4
  const xh = cut12(ax);
  const hi = f32x4.mul(f32x4.mul(xh, xh), f32x4.splat(-0.5));
  const lo = f32x4.mul(f32x4.mul(f32x4.sub(ax, xh), f32x4.add(ax, xh)), f32x4.splat(-0.5));
  const z = f32x4.mul(ax, f32x4.splat(0.7071067811865476));
  return f32x4.mul(erfcParts4(z, hi, lo), f32x4.splat(0.5));
}

/** erf x: an odd Taylor polynomial for |x| < 0.5, else ±(1 - erfc|x|). */
// @ts-ignore: decorator
@inline export function erf4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const x2 = f32x4.mul(x, x);
  let p = madd4(x2, f32x4.splat(1.2055332981789664e-4), f32x4.splat(-8.5483270234508e-4));
  p = madd4(x2, p, f32x4.splat(5.223977625442188e-3));
  p = madd4(x2, p, f32x4.splat(-2.6866170645131252e-2));
  p = madd4(x2, p, f32x4.splat(0.11283791670955126));
  p = madd4(x2, p, f32x4.splat(-0.37612638903183754));
  p = madd4(x2, p, f32x4.splat(1.1283791670955126));
  const small = f32x4.mul(x, p);
  const big = v128.or(f32x4.sub(f32x4.splat(1), erfcpos4(ax)), v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.5)));
}

/** e^x for x <= 0 only (softmax after subtracting the row max): cheaper than exp4, XNNPACK's
 *  rr2_p5 scheme.
 */
// exp for x <= 0: relative error <= 1.9e-7 on [-87.3, 0] (measured on a dense grid, fused and
// unfused madd); x < -87.3365 (where e^x leaves the normal range) and -Inf give 0; NaN gives NaN.
// Not for x > 0 (2^n would overflow its exponent field past x ≈ 88).
// @ts-ignore: decorator
@inline export function expNonPos4(x: v128): v128 {
  const log2e = f32x4.splat(reinterpret<f32>(0x3FB8AA3B));   // 0x1.715476p+0
  const magic = f32x4.splat(reinterpret<f32>(0x4B40007F));   // 1.5·2^23 + 127
  // n = round(x·log2e) sits in the low mantissa bits of vn, biased by 127: shifted into the
  // exponent field it is 2^n.
  let vn = madd4(x, log2e, magic);
  const vs = i32x4.shl(vn, 23);
  vn = f32x4.sub(vn, magic);
  let vt = madd4(vn, f32x4.splat(reinterpret<f32>(0xBF317200)), x);  // -ln2_hi (exact product)
  vt = madd4(vn, f32x4.splat(reinterpret<f32>(0xB5BFBE8E)), vt);     // -ln2_lo
  let vp = madd4(f32x4.splat(reinterpret<f32>(0x3C07CFCE)), vt, f32x4.splat(reinterpret<f32>(0x3D2B9D0D)));
  vp = madd4(vp, vt, f32x4.splat(reinterpret<f32>(0x3E2AAD40)));
  vp = madd4(vp, vt, f32x4.splat(reinterpret<f32>(0x3EFFFEE3)));
  vp = madd4(vp, vt, f32x4.splat(reinterpret<f32>(0x3F7FFFFB)));
  vt = f32x4.mul(vt, vs);
  const vf = madd4(vt, vp, vs); // 2^n · (1 + t·p(t))
  return v128.andnot(vf, f32x4.lt(x, f32x4.splat(reinterpret<f32>(0xC2AEAC4F)))); // -87.33654
}

/** e^(-x²) (half = false) or e^(-x²/2) (half = true), with x² split exactly as in erfcpos4, so
 *  the result keeps its relative accuracy for large |x| (erf', gelu' in autograd/unary_grad.ts).
 *  0 beyond |x| ≈ 10.2 (half: 14.4), where the result leaves the subnormal range; NaN → NaN. */
// @ts-ignore: decorator
@inline export function gauss4(x: v128, half: bool): v128 {
  const s = f32x4.splat(half ? -0.5 : -1.0);
  // Past the clamp e^(-x²·|s|) < 2^-150 already; it keeps Inf out of x - xh below.
  const ax = f32x4.pmin(f32x4.abs(x), f32x4.splat(half ? 14.849242 : 10.5));
  const xh = cut12(ax);
  return expHiLo4(f32x4.mul(f32x4.mul(xh, xh), s), f32x4.mul(f32x4.mul(f32x4.sub(ax, xh), f32x4.add(ax, xh)), s));
}
