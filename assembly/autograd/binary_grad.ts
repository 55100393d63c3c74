// Partials of the broadcasting binary ops, over the broadcast output's index space:
//
//   binary_grad_f32(da, db, dy, a, b, rank, shape, aStrides, bStrides, op) → status
//   a, b: the forward inputs, addressed through the SAME descriptor as add_f32 (rank, shape,
//   aStrides, bStrides: see ../kernels/broadcast.ts). dy, da, db: CONTIGUOUS over the broadcast
//   output shape (ΠD floats each); the caller sums da/db back to a's and b's shapes with the
//   reductions. da or db may be 0: that partial is not computed. Both are OVERWRITTEN (=).
//
//   op  da                          db
//    0  mul      dy·b               dy·a
//    1  div      dy/b               -(dy·a)/(b·b)                       (TF.js's order)
//    2  maximum  dy·[a >= b]        dy·[a < b]                          (TF.js's tie rule)
//    3  minimum  dy·[a <= b]        dy·[a > b]
//    4  equal    dy·[a == b]        not written (reduce-max/min grads: a = x, b = the max)
//    5  pow      dy·(b·a^(b-1))     dy·(a^b·(a > 0 ? ln a : 0))         (TF.js's rules)
//
// Status: 0 ok, -2 (STATUS_BAD_RANK) rank outside [1, 8], -3 (STATUS_BAD_OP) op outside 0..5;
// checked before anything is written.
//
// Special values follow the products (TF.js multiplies by the 0/1 masks): a NaN dy gives NaN in
// both partials, ±Inf·0 = NaN. NaN a or b makes every comparison false (both max partials 0).
// pow follows Math.pow (JS): a^0 = 1 for any a, 1^±Inf and 1^NaN are NaN, a negative a gives
// NaN for a non-integer exponent and the sign of the odd ones, (-0)^odd keeps the sign.
// a^e is e^(e·ln|a|) through ../approx.ts's exp4 and log4: its relative error grows with
// |e·ln|a|| (about 1.2e-7·(1 + |e·ln|a||), ~4e-6 at results near 1e±30).
//
// Loop shapes as elementwise.ts: per row (innermost dim), both inputs advancing, one a splat,
// or arbitrary strides (one lane at a time); 2 vectors per trip, then one, then a lane-load /
// lane-store tail (rows need not start 16-byte aligned). dy, da, db advance with the output.
//
// Memory contract: reads only the addressed elements of a and b and ΠD floats of dy; writes
// exactly ΠD floats of da and db. da/db may alias dy exactly, or a/b when that input has the
// output's shape (strides dense); no other overlap.
import { loadTail, storeTail } from "../simd";
import { exp4, log4 } from "../approx";
import { beginRows, nextRow, rankOk, rowA, rowB, rowKind, ROW_SV, ROW_VS, ROW_VV,
  STATUS_BAD_RANK } from "../kernels/broadcast";

// @ts-ignore: decorator
@inline const OP_MUL: i32 = 0;
// @ts-ignore: decorator
@inline const OP_DIV: i32 = 1;
// @ts-ignore: decorator
@inline const OP_MAX: i32 = 2;
// @ts-ignore: decorator
@inline const OP_MIN: i32 = 3;
// @ts-ignore: decorator
@inline const OP_EQUAL: i32 = 4;
// @ts-ignore: decorator
@inline const OP_POW: i32 = 5;

// @ts-ignore: decorator
@inline export const STATUS_BAD_OP: i32 = -3;

/** 1 where mask is set, else 0. */
// @ts-ignore: decorator
@inline function ones(mask: v128): v128 {
  return v128.and(mask, f32x4.splat(1));
}

/** a^e as Math.pow does it, from e^(e·ln|a|) with the sign and the special cases fixed up. */
// @ts-ignore: decorator
@inline function pow4(a: v128, e: v128): v128 {
  const r = exp4(f32x4.mul(e, log4(f32x4.abs(a))));
  // Odd integer exponents (|e| < 2^24; larger ones are all even) keep a's sign, -0 included.
  const isInt = f32x4.eq(f32x4.trunc(e), e);
  const small = f32x4.lt(f32x4.abs(e), f32x4.splat(16777216));
  const odd = v128.and(v128.and(isInt, small), i32x4.shl(i32x4.trunc_sat_f32x4_s(e), 31)); // bit 31
  let p = v128.or(r, v128.and(a, odd));
  // A finite negative base with a non-integer exponent: NaN (-Inf^e is ±0/Inf, as above).
  const nan = v128.andnot(v128.and(f32x4.lt(a, f32x4.splat(0)), f32x4.gt(a, f32x4.splat(-Infinity))), isInt);
  p = v128.or(p, nan);
  // e = 0: 1 for every a (NaN too), where 0·ln 0 = NaN above.
  return v128.bitselect(f32x4.splat(1), p, f32x4.eq(e, f32x4.splat(0)));
}

// pow's partials stay out of line (the one op here that is not inlined into the loops): each is
// an exp4 and a log4, and a copy in each of the 13 loop variants made pow well over half of
// this kernel's code, for an op that is rarely trained through. A call per 4 lanes is small
// beside the polynomials it calls.
function powGradA(g: v128, a: v128, b: v128): v128 {
  return f32x4.mul(g, f32x4.mul(b, pow4(a, f32x4.sub(b, f32x4.splat(1)))));
}

function powGradB(g: v128, a: v128, b: v128): v128 {
  const lnA = v128.and(log4(a), f32x4.gt(a, f32x4.splat(0))); // ln a where a > 0, else 0
  return f32x4.mul(g, f32x4.mul(pow4(a, b), lnA));
}

/** The partial with respect to a, for one vector (op: a compile-time constant). */
// @ts-ignore: decorator
@inline function gradA(op: i32, g: v128, a: v128, b: v128): v128 {
  switch (op) {
    case OP_MUL: return f32x4.mul(g, b);
    case OP_DIV: return f32x4.div(g, b);
    case OP_MAX: return f32x4.mul(g, ones(f32x4.ge(a, b)));
    case OP_MIN: return f32x4.mul(g, ones(f32x4.le(a, b)));
    case OP_EQUAL: return f32x4.mul(g, ones(f32x4.eq(a, b)));
    case OP_POW: return powGradA(g, a, b);
  }
  return g;
}

/** The partial with respect to b, for one vector. */
// @ts-ignore: decorator
@inline function gradB(op: i32, g: v128, a: v128, b: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case OP_MUL: return f32x4.mul(g, a);
    case OP_DIV: return f32x4.neg(f32x4.div(f32x4.mul(g, a), f32x4.mul(b, b)));
    case OP_MAX: return f32x4.mul(g, ones(f32x4.lt(a, b)));
    case OP_MIN: return f32x4.mul(g, ones(f32x4.gt(a, b)));
    case OP_POW: return powGradB(g, a, b);
  }
  return zero;
}

/** One output vector of each wanted partial, at byte offset 0 (hi = false) or 16 of da/db. */
// @ts-ignore: decorator
@inline function put(op: i32, wantA: bool, wantB: bool, da: usize, db: usize, hi: bool, count: usize,
    g: v128, a: v128, b: v128): void {
  if (wantA) {
    const v = gradA(op, g, a, b);
    if (count < 4) storeTail(da, v, count);
    else if (hi) v128.store(da, v, 16);
    else v128.store(da, v);
  }
  if (wantB) {
    const v = gradB(op, g, a, b);
    if (count < 4) storeTail(db, v, count);
    else if (hi) v128.store(db, v, 16);
    else v128.store(db, v);
  }
}

/** One row of n outputs; a and b advance, or are one element splatted (aSplat/bSplat: constants). */
// @ts-ignore: decorator
@inline function row(op: i32, aSplat: bool, bSplat: bool, wantA: bool, wantB: bool, da: usize,
    db: usize, dy: usize, a: usize, b: usize, n: i32): void {
  const sa = aSplat ? v128.load32_splat(a) : f32x4.splat(0);
  const sb = bSplat ? v128.load32_splat(b) : f32x4.splat(0);
  let bytes = <usize>n << 2;
  for (; bytes >= 32; bytes -= 32) {
    const g0 = v128.load(dy), g1 = v128.load(dy, 16);
    const a0 = aSplat ? sa : v128.load(a), a1 = aSplat ? sa : v128.load(a, 16);
    const b0 = bSplat ? sb : v128.load(b), b1 = bSplat ? sb : v128.load(b, 16);
    put(op, wantA, wantB, da, db, false, 4, g0, a0, b0);
    put(op, wantA, wantB, da, db, true, 4, g1, a1, b1);
    dy += 32; da += 32; db += 32;
    if (!aSplat) a += 32;
    if (!bSplat) b += 32;
  }
  if (bytes >= 16) {
    put(op, wantA, wantB, da, db, false, 4, v128.load(dy), aSplat ? sa : v128.load(a), bSplat ? sb : v128.load(b));
    dy += 16; da += 16; db += 16;
    if (!aSplat) a += 16;
    if (!bSplat) b += 16;
    bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    put(op, wantA, wantB, da, db, false, count, loadTail(dy, count),
      aSplat ? sa : loadTail(a, count), bSplat ? sb : loadTail(b, count));
  }
}

/** One row with arbitrary element strides (bytes): one lane at a time. */
// @ts-ignore: decorator
@inline function rowStrided(op: i32, wantA: bool, wantB: bool, da: usize, db: usize, dy: usize,
    a: usize, b: usize, n: i32, sa: usize, sb: usize): void {
  for (let i = 0; i < n; i++, a += sa, b += sb, dy += 4, da += 4, db += 4) {
    put(op, wantA, wantB, da, db, false, 1, v128.load32_zero(dy), v128.load32_zero(a), v128.load32_zero(b));
  }
}

/** The broadcast walk for one op code (a compile-time constant after inlining). */
// @ts-ignore: decorator
@inline function walk(op: i32, da: usize, db: usize, dy: usize, a: usize, b: usize, rank: i32,
    shape: usize, aStrides: usize, bStrides: usize): void {
  const wantA = da != 0, wantB = db != 0 && op != OP_EQUAL;
  const last = <usize>(rank - 1) << 2;
  const n = load<i32>(shape + last);
  const ia = load<u32>(aStrides + last), ib = load<u32>(bStrides + last);
  const kind = rowKind(n, ia, ib);
  const rowBytes = <usize>n << 2;
  const rows = beginRows(a, b, rank, shape);
  for (let r = 0; r < rows; r++) {
    if (kind == ROW_VV) row(op, false, false, wantA, wantB, da, db, dy, rowA, rowB, n);
    else if (kind == ROW_VS) row(op, false, true, wantA, wantB, da, db, dy, rowA, rowB, n);
    else if (kind == ROW_SV) row(op, true, false, wantA, wantB, da, db, dy, rowA, rowB, n);
    else rowStrided(op, wantA, wantB, da, db, dy, rowA, rowB, n, <usize>ia << 2, <usize>ib << 2);
    dy += rowBytes; da += rowBytes; db += rowBytes;
    nextRow(rank, shape, aStrides, bStrides);
  }
}

/** da, db = the partials of op(a, b) times dy (table and contract in the header). */
export function binary_grad_f32(da: usize, db: usize, dy: usize, a: usize, b: usize, rank: i32,
    shape: usize, aStrides: usize, bStrides: usize, op: i32): i32 {
  if (!rankOk(rank)) return STATUS_BAD_RANK;
  if (op < OP_MUL || op > OP_POW) return STATUS_BAD_OP;
  switch (op) {
    case OP_MUL: walk(OP_MUL, da, db, dy, a, b, rank, shape, aStrides, bStrides); break;
    case OP_DIV: walk(OP_DIV, da, db, dy, a, b, rank, shape, aStrides, bStrides); break;
    case OP_MAX: walk(OP_MAX, da, db, dy, a, b, rank, shape, aStrides, bStrides); break;
    case OP_MIN: walk(OP_MIN, da, db, dy, a, b, rank, shape, aStrides, bStrides); break;
    case OP_EQUAL: walk(OP_EQUAL, da, db, dy, a, b, rank, shape, aStrides, bStrides); break;
    default: walk(OP_POW, da, db, dy, a, b, rank, shape, aStrides, bStrides);
  }
  return 0;
}
