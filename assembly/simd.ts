// @inline SIMD helpers shared by the kernels. One source serves both builds: the relaxed choice
// is a compile-time branch on ASC_FEATURE_RELAXED_SIMD, so only lepton.relaxed.wasm contains
// relaxed instructions and the SIMD128 build never compiles the other branch.

/** a * b + c. Relaxed build: one f32x4.relaxed_madd (fused or not, as the engine chooses). */
// @ts-ignore: decorator
@inline export function madd4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** a * b + c as f32x4.mul then f32x4.add in both builds (the SIMD128 build's arithmetic). */
// @ts-ignore: decorator
@inline export function muladd4(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum4(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** Max of the four lanes (NaN-propagating like f32x4.max). */
// @ts-ignore: decorator
@inline export function hmax4(v: v128): f32 {
  const s = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.max(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** Max of the four lanes by f32x4.pmax (one instruction a step on x64; a NaN lane may be
 *  dropped: for callers where that cannot change the result). */
// @ts-ignore: decorator
@inline export function hpmax4(v: v128): f32 {
  const s = f32x4.pmax(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** Min of the four lanes (NaN-propagating like f32x4.min). */
// @ts-ignore: decorator
@inline export function hmin4(v: v128): f32 {
  const s = f32x4.min(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.min(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** Stores the first `count` (0..3) lanes of v at p: the tail of a row. */
// @ts-ignore: decorator
@inline export function storeTail(p: usize, v: v128, count: usize): void {
  if (count & 2) {
    v128.store64_lane(p, v, 0);
    v = i64x2.shuffle(v, v, 1, 1);
    p += 8;
  }
  if (count & 1) v128.store32_lane(p, v, 0);
}

/** The first `count` (1..3) floats at p in the low lanes (the rest 0), reading nothing past them. */
// @ts-ignore: decorator
@inline export function loadTail(p: usize, count: usize): v128 {
  if (count & 2) {
    const v = v128.load64_zero(p);
    return count & 1 ? v128.load32_lane(p, v, 2, 8) : v;
  }
  return v128.load32_zero(p);
}

/**
 * min(max(v, lo), hi) per lane, NaN lanes kept (relu/relu6 epilogues). pmax/pmin are one
 * instruction each on x64, where the IEEE f32x4.max/min need about eight to order NaNs and -0.
 */
// @ts-ignore: decorator
@inline export function clamp4(v: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(v, lo), hi);
}

/**
 * Stores the 4x4 transpose of rows r0..r3 as 4 vectors at dst, dst + stride, dst + 2·stride,
 * dst + 3·stride: row-major 4 rows of 4 turn into k-major (a0 b0 c0 d0, a1 b1 c1 d1, ...), the
 * packed-A layout (stride 16 for a 4-row panel, 20 for the first 4 rows of a 5-row one).
 */
// @ts-ignore: decorator
@inline export function storeTranspose4x4(dst: usize, stride: usize, r0: v128, r1: v128, r2: v128,
    r3: v128): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(dst + stride, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(dst + 2 * stride, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(dst + 3 * stride, i64x2.shuffle(t2, t3, 1, 3));
}
