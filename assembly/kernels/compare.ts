// Comparisons, casts and select for the metrics and the loss/gradient plumbing.
//
//   compare_f32(out, a, b, rank, shape, aStrides, bStrides, op) → status
//   compare_i32(out, a, b, rank, shape, aStrides, bStrides, op) → status
//     out[i] = op(a[ia(i)], b[ib(i)]) as int32 0/1, with the broadcast descriptor of add_f32
//     (./broadcast.ts); out is dense over the broadcast shape. op: 0 equal, 1 notEqual, 2 less,
//     3 lessEqual, 4 greater, 5 greaterEqual. NaN compares false, except notEqual (true).
//     Status: 0 ok, -2 (STATUS_BAD_RANK) rank outside [1, 8], -3 (STATUS_BAD_OP) op outside 0..5.
//   cast_i32_f32(out, x, n): out = x converted to f32 (round to nearest even, as Float32Array).
//   cast_f32_i32(out, x, n): out = x truncated toward zero and wrapped modulo 2^32, exactly as
//     TF.js's cast (tfjs-backend-cpu: Int32Array.from, i.e. ECMAScript ToInt32): NaN and ±Inf
//     give 0, 3e9 gives -1294967296.
//   where_f32(out, cond, a, b, n): out = cond != 0 ? a : b (cond int32; same shapes).
//   Every export returns 0 unless stated.
//
// Comparisons run three vector predicates (eq, lt, le) and reach the other three by swapping
// the operands (greater(a, b) = less(b, a)) or flipping the mask (notEqual = !equal, which is
// what makes NaN != NaN true). Rows walk as elementwise.ts's: both inputs advancing, one a
// splat, or arbitrary strides; 2 vectors per trip, then one, then a lane tail.
//
// Memory contract: compare reads only the addressed elements of a and b (rows need not start
// 16-byte aligned, so row tails use lane loads) and writes exactly ΠD int32. The element-wise
// ones read nothing past n elements and write exactly n; out may alias an input exactly.
import { loadTail, storeTail } from "../simd";
import { beginRows, nextRow, rankOk, rowA, rowB, rowKind, ROW_SV, ROW_VS, ROW_VV,
  STATUS_BAD_RANK } from "./broadcast";

// @ts-ignore: decorator
@inline const OP_EQUAL: i32 = 0;
// @ts-ignore: decorator
@inline const OP_NOT_EQUAL: i32 = 1;
// @ts-ignore: decorator
@inline const OP_LESS: i32 = 2;
// @ts-ignore: decorator
@inline const OP_LESS_EQUAL: i32 = 3;
// @ts-ignore: decorator
@inline const OP_GREATER: i32 = 4;
// @ts-ignore: decorator
@inline const OP_GREATER_EQUAL: i32 = 5;

// @ts-ignore: decorator
@inline export const STATUS_BAD_OP: i32 = -3;

// The three predicates the six ops reduce to.
// @ts-ignore: decorator
@inline const CMP_EQ: i32 = 0;
// @ts-ignore: decorator
@inline const CMP_LT: i32 = 1;
// @ts-ignore: decorator
@inline const CMP_LE: i32 = 2;

/** 0/1 int32 lanes: pred(a, b) xor flip (flip all ones for notEqual). */
// @ts-ignore: decorator
@inline function cmpOp<T>(cmp: i32, a: v128, b: v128, flip: v128): v128 {
  const m = cmp == CMP_EQ ? v128.eq<T>(a, b) : cmp == CMP_LT ? v128.lt<T>(a, b) : v128.le<T>(a, b);
  return v128.and(v128.xor(m, flip), i32x4.splat(1));
}

/** One row of n outputs; a and b advance, or are one element splatted (constants after inlining). */
// @ts-ignore: decorator
@inline function cmpRow<T>(cmp: i32, aSplat: bool, bSplat: bool, out: usize, a: usize, b: usize,
    n: i32, flip: v128): void {
  const sa = aSplat ? v128.load32_splat(a) : i32x4.splat(0);
  const sb = bSplat ? v128.load32_splat(b) : i32x4.splat(0);
  let bytes = <usize>n << 2;
  for (; bytes >= 32; bytes -= 32) {
    const a0 = aSplat ? sa : v128.load(a), a1 = aSplat ? sa : v128.load(a, 16);
    const b0 = bSplat ? sb : v128.load(b), b1 = bSplat ? sb : v128.load(b, 16);
    v128.store(out, cmpOp<T>(cmp, a0, b0, flip));
    v128.store(out, cmpOp<T>(cmp, a1, b1, flip), 16);
    if (!aSplat) a += 32;
    if (!bSplat) b += 32;
    out += 32;
  }
  if (bytes >= 16) {
    v128.store(out, cmpOp<T>(cmp, aSplat ? sa : v128.load(a), bSplat ? sb : v128.load(b), flip));
    if (!aSplat) a += 16;
    if (!bSplat) b += 16;
    out += 16;
    bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    storeTail(out, cmpOp<T>(cmp, aSplat ? sa : loadTail(a, count), bSplat ? sb : loadTail(b, count), flip),
      count);
  }
}

/** The broadcast walk for one predicate (a compile-time constant). */
// @ts-ignore: decorator
@inline function cmpWalk<T>(cmp: i32, out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize, flip: v128): void {
  const last = <usize>(rank - 1) << 2;
  const n = load<i32>(shape + last);
  const ia = load<u32>(aStrides + last), ib = load<u32>(bStrides + last);
  const kind = rowKind(n, ia, ib);
  const rowBytes = <usize>n << 2;
  const rows = beginRows(a, b, rank, shape);
  for (let r = 0; r < rows; r++, out += rowBytes) {
    if (kind == ROW_VV) cmpRow<T>(cmp, false, false, out, rowA, rowB, n, flip);
    else if (kind == ROW_VS) cmpRow<T>(cmp, false, true, out, rowA, rowB, n, flip);
    else if (kind == ROW_SV) cmpRow<T>(cmp, true, false, out, rowA, rowB, n, flip);
    else {
      let pa = rowA, pb = rowB, po = out;
      const sa = <usize>ia << 2, sb = <usize>ib << 2;
      for (let i = 0; i < n; i++, pa += sa, pb += sb, po += 4) {
        v128.store32_lane(po, cmpOp<T>(cmp, v128.load32_zero(pa), v128.load32_zero(pb), flip), 0);
      }
    }
    nextRow(rank, shape, aStrides, bStrides);
  }
}

// @ts-ignore: decorator
@inline function compare<T>(out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize, op: i32): i32 {
  if (!rankOk(rank)) return STATUS_BAD_RANK;
  if (op < OP_EQUAL || op > OP_GREATER_EQUAL) return STATUS_BAD_OP;
  if (op == OP_GREATER || op == OP_GREATER_EQUAL) { // a > b is b < a: swap the operands
    const t = a; a = b; b = t;
    const s = aStrides; aStrides = bStrides; bStrides = s;
  }
  const flip = i32x4.splat(op == OP_NOT_EQUAL ? -1 : 0);
  if (op == OP_EQUAL || op == OP_NOT_EQUAL) cmpWalk<T>(CMP_EQ, out, a, b, rank, shape, aStrides, bStrides, flip);
  else if (op == OP_LESS || op == OP_GREATER) cmpWalk<T>(CMP_LT, out, a, b, rank, shape, aStrides, bStrides, flip);
  else cmpWalk<T>(CMP_LE, out, a, b, rank, shape, aStrides, bStrides, flip);
  return 0;
}

export function compare_f32(out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize, op: i32): i32 {
  return compare<f32>(out, a, b, rank, shape, aStrides, bStrides, op);
}

export function compare_i32(out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize, op: i32): i32 {
  return compare<i32>(out, a, b, rank, shape, aStrides, bStrides, op);
}

// ---- element-wise: casts and select ---------------------------------------------------------

// @ts-ignore: decorator
@inline const MAP_I32_F32: i32 = 0;
// @ts-ignore: decorator
@inline const MAP_F32_I32: i32 = 1;
// @ts-ignore: decorator
@inline const MAP_WHERE: i32 = 2;

/** ECMAScript ToInt32 of f32 lanes: truncate, then wrap modulo 2^32; NaN and ±Inf give 0. */
// @ts-ignore: decorator
@inline function toInt32(x: v128): v128 {
  const t = i32x4.trunc_sat_f32x4_s(x); // exact for |x| < 2^31, NaN → 0
  // |x| ≥ 2^31 is m·2^k with m = significand·2^8 (a u32) and k = biased exponent - 158 ≥ 0:
  // m·2^k mod 2^32 is an i32 multiply by 2^k (it wraps just so) for k ≤ 23, and 0 beyond (m
  // has 8 trailing zeros), which covers ±Inf.
  const k = i32x4.sub(i32x4.shr_u(i32x4.shl(x, 1), 24), i32x4.splat(150 + 8));
  const m = i32x4.shl(v128.or(v128.and(x, i32x4.splat(0x007FFFFF)), i32x4.splat(0x00800000)), 8);
  const kk = i32x4.min_s(k, i32x4.splat(24));  // keeps 2^kk's exponent field in range
  const p2 = i32x4.trunc_sat_f32x4_s(i32x4.shl(i32x4.add(kk, i32x4.splat(127)), 23)); // 2^kk
  let w = v128.andnot(i32x4.mul(m, p2), i32x4.gt_s(k, i32x4.splat(23)));
  const sign = i32x4.shr_s(x, 31);
  w = i32x4.sub(v128.xor(w, sign), sign); // negate where x < 0
  return v128.bitselect(w, t, f32x4.ge(f32x4.abs(x), f32x4.splat(2147483648.0)));
}

// @ts-ignore: decorator
@inline function mapOp(op: i32, p: v128, q: v128, r: v128): v128 {
  if (op == MAP_I32_F32) return f32x4.convert_i32x4_s(p);
  if (op == MAP_F32_I32) return toInt32(p);
  return v128.bitselect(r, q, i32x4.eq(p, i32x4.splat(0))); // where: p = cond
}

/** out[i] = mapOp(op, p[i], q[i], r[i]) for n elements (q, r read only by where). */
// @ts-ignore: decorator
@inline function map(op: i32, out: usize, p: usize, q: usize, r: usize, n: i32): i32 {
  const three = op == MAP_WHERE;
  const zero = i32x4.splat(0);
  let bytes: usize = n > 0 ? <usize>n << 2 : 0;
  for (; bytes >= 32; bytes -= 32, out += 32, p += 32, q += 32, r += 32) {
    const p0 = v128.load(p), p1 = v128.load(p, 16);
    const q0 = three ? v128.load(q) : zero, q1 = three ? v128.load(q, 16) : zero;
    const r0 = three ? v128.load(r) : zero, r1 = three ? v128.load(r, 16) : zero;
    v128.store(out, mapOp(op, p0, q0, r0));
    v128.store(out, mapOp(op, p1, q1, r1), 16);
  }
  if (bytes >= 16) {
    v128.store(out, mapOp(op, v128.load(p), three ? v128.load(q) : zero, three ? v128.load(r) : zero));
    out += 16; p += 16; q += 16; r += 16;
    bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    storeTail(out, mapOp(op, loadTail(p, count), three ? loadTail(q, count) : zero,
      three ? loadTail(r, count) : zero), count);
  }
  return 0;
}

export function cast_i32_f32(out: usize, x: usize, n: i32): i32 { return map(MAP_I32_F32, out, x, 0, 0, n); }
export function cast_f32_i32(out: usize, x: usize, n: i32): i32 { return map(MAP_F32_I32, out, x, 0, 0, n); }
export function where_f32(out: usize, cond: usize, a: usize, b: usize, n: i32): i32 {
  return map(MAP_WHERE, out, cond, a, b, n);
}
