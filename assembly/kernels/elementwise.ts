// Element-wise binary kernels with NumPy broadcasting: out[i] = op(a[ia(i)], b[ib(i)]).
//
//   R: rank of the (broadcast) output, 1 ≤ R ≤ BINARY_MAX_RANK; D[R]: its shape (shape ptr, i32).
//   SA[R], SB[R]: element strides of a and b in that index space (aStrides, bStrides, i32 ≥ 0),
//   0 along the dimensions an input is broadcast over. out is dense row-major over D.
//   Element (i0..iR-1) of a is at a + 4·Σ i_d·SA[d]; likewise b.
//   Signature: (out, a, b, rank, shape, aStrides, bStrides) → 0 ok, -2 rank out of range.
//   (The walk over the rows is ./broadcast.ts's, shared with compare.ts and binary_grad.ts.)
//
// The caller (js-bindings/ops/binary.ts) merges neighbouring dimensions first, so the common
// cases arrive as:  same shape → R = 1, SA = SB = [1];  scalar → R = 1, SB = [0];  bias add
// [N,C]+[C] → D = [N,C], SB = [0,1];  [N,C]+[N,1] → SB = [1,0];  [N,1]+[1,C] → SA = [1,0].
//
// Fast paths, chosen by the innermost strides: both 1 (vector ⊙ vector), one of them 0 (vector
// ⊙ splat), or D[R-1] = 1; each row runs 2 vectors per trip, then one, then a lane-store tail.
// Any other innermost stride takes a one-lane-at-a-time path. Outer dimensions are walked with
// broadcast.ts's odometer.
//
// Memory contract: no alignment needed; reads only elements of a and b that the strides
// reach (rows need not start 16-byte aligned, so row tails use lane loads, not whole vectors);
// never writes past out + 4·ΠD. out may alias a or b when that input has the output's shape
// (in-place ops); no other overlap.
//
// Generic over the element type (f32, i32: both 4 bytes, so only the vector op differs) and
// over the op, passed as a compile-time constant to the @inline driver: one loop text serves
// every export. Sources: XNNPACK f32-vbinary (vop / vopc micro-kernels) and its subgraph
// broadcasting (dimension merging before dispatch), NumPy's broadcasting rules.
import { loadTail, storeTail } from "../simd";
import { beginRows, nextRow, rankOk, rowA, rowB, rowKind, ROW_SV, ROW_VS, ROW_VV,
  STATUS_BAD_RANK } from "./broadcast";

// @ts-ignore: decorator
@inline const OP_ADD = 0;
// @ts-ignore: decorator
@inline const OP_SUB = 1;
// @ts-ignore: decorator
@inline const OP_MUL = 2;
// @ts-ignore: decorator
@inline const OP_DIV = 3;
// @ts-ignore: decorator
@inline const OP_MAX = 4;
// @ts-ignore: decorator
@inline const OP_MIN = 5;

/** The vector op for code `op` (a compile-time constant after inlining). */
// @ts-ignore: decorator
@inline function binaryOp<T>(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case OP_ADD: return v128.add<T>(a, b);
    case OP_SUB: return v128.sub<T>(a, b);
    case OP_MUL: return v128.mul<T>(a, b);
    case OP_DIV: {
      if (isFloat<T>()) return v128.div<T>(a, b);
      break; // no integer vector division: not exported for i32
    }
    // f32: NaN-propagating max/min (Math.max semantics, as TF.js's maximum/minimum).
    case OP_MAX: return v128.max<T>(a, b);
    case OP_MIN: return v128.min<T>(a, b);
  }
  return a;
}

/**
 * One row of n elements: a and b either advance (a vector per 16 bytes) or are one element
 * splatted (aSplat/bSplat: compile-time constants after inlining).
 */
// @ts-ignore: decorator
@inline function row<T>(op: i32, aSplat: bool, bSplat: bool, out: usize, a: usize, b: usize,
    n: i32): void {
  const sa = aSplat ? v128.load32_splat(a) : i32x4.splat(0);
  const sb = bSplat ? v128.load32_splat(b) : i32x4.splat(0);
  let bytes = <usize>n << 2;
  for (; bytes >= 32; bytes -= 32) {
    const a0 = aSplat ? sa : v128.load(a), a1 = aSplat ? sa : v128.load(a, 16);
    const b0 = bSplat ? sb : v128.load(b), b1 = bSplat ? sb : v128.load(b, 16);
    v128.store(out, binaryOp<T>(op, a0, b0));
    v128.store(out, binaryOp<T>(op, a1, b1), 16);
    if (!aSplat) a += 32;
    if (!bSplat) b += 32;
    out += 32;
  }
  if (bytes >= 16) {
    v128.store(out, binaryOp<T>(op, aSplat ? sa : v128.load(a), bSplat ? sb : v128.load(b)));
    if (!aSplat) a += 16;
    if (!bSplat) b += 16;
    out += 16;
    bytes -= 16;
  }
  if (bytes != 0) {
    // Rows need not start 16-byte aligned, so a whole-vector load here could leave the input's
    // padding: read exactly the live lanes.
    const count = bytes >> 2;
    storeTail(out, binaryOp<T>(op, aSplat ? sa : loadTail(a, count), bSplat ? sb : loadTail(b, count)),
      count);
  }
}

/** One row with arbitrary element strides: one lane at a time (no caller of Lepton's needs it). */
// @ts-ignore: decorator
@inline function rowStrided<T>(op: i32, out: usize, a: usize, b: usize, n: i32, sa: usize,
    sb: usize): void {
  for (let i = 0; i < n; i++) {
    v128.store32_lane(out, binaryOp<T>(op, v128.load32_splat(a), v128.load32_splat(b)), 0);
    a += sa;
    b += sb;
    out += 4;
  }
}

/** The broadcasting driver (contract in the header). */
// @ts-ignore: decorator
@inline function broadcast<T>(op: i32, out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize): i32 {
  if (!rankOk(rank)) return STATUS_BAD_RANK;
  const last = <usize>(rank - 1) << 2;
  const n = load<i32>(shape + last);
  const ia = load<u32>(aStrides + last), ib = load<u32>(bStrides + last);
  const kind = rowKind(n, ia, ib);
  const rowBytes = <usize>n << 2;
  const rows = beginRows(a, b, rank, shape);
  for (let r = 0; r < rows; r++, out += rowBytes) {
    if (kind == ROW_VV) row<T>(op, false, false, out, rowA, rowB, n);
    else if (kind == ROW_VS) row<T>(op, false, true, out, rowA, rowB, n);
    else if (kind == ROW_SV) row<T>(op, true, false, out, rowA, rowB, n);
    else rowStrided<T>(op, out, rowA, rowB, n, <usize>ia << 2, <usize>ib << 2);
    nextRow(rank, shape, aStrides, bStrides);
  }
  return 0;
}

export function add_f32(out: usize, a: usize, b: usize, rank: i32, shape: usize, aStrides: usize,
    bStrides: usize): i32 {
  return broadcast<f32>(OP_ADD, out, a, b, rank, shape, aStrides, bStrides);
}
export function sub_f32(out: usize, a: usize, b: usize, rank: i32, shape: usize, aStrides: usize,
    bStrides: usize): i32 {
  return broadcast<f32>(OP_SUB, out, a, b, rank, shape, aStrides, bStrides);
}
export function mul_f32(out: usize, a: usize, b: usize, rank: i32, shape: usize, aStrides: usize,
    bStrides: usize): i32 {
  return broadcast<f32>(OP_MUL, out, a, b, rank, shape, aStrides, bStrides);
}
export function div_f32(out: usize, a: usize, b: usize, rank: i32, shape: usize, aStrides: usize,
    bStrides: usize): i32 {
  return broadcast<f32>(OP_DIV, out, a, b, rank, shape, aStrides, bStrides);
}
export function maximum_f32(out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize): i32 {
  return broadcast<f32>(OP_MAX, out, a, b, rank, shape, aStrides, bStrides);
}
export function minimum_f32(out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize): i32 {
  return broadcast<f32>(OP_MIN, out, a, b, rank, shape, aStrides, bStrides);
}

// int32 (index arithmetic): the same driver; wrap-around on overflow, like TF.js's Int32Array.
export function add_i32(out: usize, a: usize, b: usize, rank: i32, shape: usize, aStrides: usize,
    bStrides: usize): i32 {
  return broadcast<i32>(OP_ADD, out, a, b, rank, shape, aStrides, bStrides);
}
export function sub_i32(out: usize, a: usize, b: usize, rank: i32, shape: usize, aStrides: usize,
    bStrides: usize): i32 {
  return broadcast<i32>(OP_SUB, out, a, b, rank, shape, aStrides, bStrides);
}
export function mul_i32(out: usize, a: usize, b: usize, rank: i32, shape: usize, aStrides: usize,
    bStrides: usize): i32 {
  return broadcast<i32>(OP_MUL, out, a, b, rank, shape, aStrides, bStrides);
}
export function maximum_i32(out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize): i32 {
  return broadcast<i32>(OP_MAX, out, a, b, rank, shape, aStrides, bStrides);
}
export function minimum_i32(out: usize, a: usize, b: usize, rank: i32, shape: usize,
    aStrides: usize, bStrides: usize): i32 {
  return broadcast<i32>(OP_MIN, out, a, b, rank, shape, aStrides, bStrides);
}
