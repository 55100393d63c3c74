// Unary f32 kernels: out[i] = f(x[i]) for i < n (activations, exp/log, erf, sqrt, abs, clip ...).
//
//   x, out: n floats, flat (any shape; the op is element-wise). Attributes: alpha (leaky_relu,
//   elu), lo/hi (clip_f32). Every export: (out, x, n, ...attrs) → 0.
//
// Memory contract: out may alias x (exactly: out == x, as activation.ts does in place), but
// must not overlap it otherwise. Reads up to 12 bytes past x + 4n (arena blocks are padded to
// 16 bytes, so the last partial vector is loaded whole); never writes past out + 4n (the last
// 1–3 floats go out with lane stores). n ≤ 0 does nothing.
//
// One loop driver, `map`, serves every op: it is @inline and takes the op code as a constant,
// so each export is its own specialised loop (2 vectors per trip, then one vector, then a
// lane-store tail) with the op's vector code folded in; `unaryOp` holds one line per op.
//
// NaN propagates everywhere, as in TensorFlow.js: relu/relu6/clip use pmax/pmin with x as the
// first operand (pmax(x, 0) = x < 0 ? 0 : x, so NaN and -0 pass through like TF.js's
// `x < 0 ? 0 : x`; one instruction each, unlike the NaN-canonicalising f32x4.max).
//
// Sources: XNNPACK f32-vunary / f32-vclamp / f32-velu / f32-vsigmoid / f32-vtanh loop shapes
// (src/f32-v*/simd128.c.in); the approximations and their error bounds are in ../approx.ts.
import { storeTail } from "../simd";
import { erf4, exp4, expm1neg4, log4, phiNeg4, sigmoid4, tanh4 } from "../approx";

// @ts-ignore: decorator
@inline const OP_RELU = 0;
// @ts-ignore: decorator
@inline const OP_RELU6 = 1;
// @ts-ignore: decorator
@inline const OP_LEAKY_RELU = 2;
// @ts-ignore: decorator
@inline const OP_ELU = 3;
// @ts-ignore: decorator
@inline const OP_SIGMOID = 4;
// @ts-ignore: decorator
@inline const OP_TANH = 5;
// @ts-ignore: decorator
@inline const OP_GELU = 6;
// @ts-ignore: decorator
@inline const OP_EXP = 7;
// @ts-ignore: decorator
@inline const OP_LOG = 8;
// @ts-ignore: decorator
@inline const OP_SQRT = 9;
// @ts-ignore: decorator
@inline const OP_ABS = 10;
// @ts-ignore: decorator
@inline const OP_NEG = 11;
// @ts-ignore: decorator
@inline const OP_SQUARE = 12;
// @ts-ignore: decorator
@inline const OP_CLIP = 13;
// @ts-ignore: decorator
@inline const OP_ERF = 14;

/** The vector op for code `op` (a compile-time constant after inlining); a, b: attributes. */
// @ts-ignore: decorator
@inline function unaryOp(op: i32, x: v128, a: v128, b: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case OP_RELU: return f32x4.pmax(x, zero);
    case OP_RELU6: return f32x4.pmin(f32x4.pmax(x, zero), f32x4.splat(6));
    case OP_LEAKY_RELU: return v128.bitselect(f32x4.mul(x, a), x, f32x4.lt(x, zero));
    case OP_ELU: return v128.bitselect(x, f32x4.mul(a, expm1neg4(x)), f32x4.gt(x, zero));
    case OP_SIGMOID: return sigmoid4(x);
    case OP_TANH: return tanh4(x);
    case OP_GELU: {
      // Exact-form GELU as TensorFlow.js/Keras's default: x·Φ(x), Φ(x) = 0.5·(1 + erf(x/√2)),
      // here from h = Φ(-|x|) = 0.5·erfc(|x|/√2), which keeps its relative accuracy for x ≪ 0
      // where 1 + erf would cancel. gelu(-Inf) = 0, its limit, not -Inf·0 = NaN.
      const h = phiNeg4(x);
      const cdf = v128.bitselect(h, f32x4.sub(f32x4.splat(1), h), f32x4.lt(x, zero));
      return v128.andnot(f32x4.mul(x, cdf), f32x4.eq(x, f32x4.splat(-Infinity)));
    }
    case OP_EXP: return exp4(x);
    case OP_LOG: return log4(x);
    case OP_SQRT: return f32x4.sqrt(x);
    case OP_ABS: return f32x4.abs(x);
    case OP_NEG: return f32x4.neg(x);
    case OP_SQUARE: return f32x4.mul(x, x);
    case OP_CLIP: return f32x4.pmin(f32x4.pmax(x, a), b);
    case OP_ERF: return erf4(x);
  }
  return x;
}

/** The loop driver: out[i] = unaryOp(op, x[i]) for n floats (contract in the header). */
// @ts-ignore: decorator
@inline function map(op: i32, out: usize, x: usize, n: i32, a: f32, b: f32): i32 {
  const va = f32x4.splat(a), vb = f32x4.splat(b);
  let bytes: usize = n > 0 ? <usize>n << 2 : 0;
  for (; bytes >= 32; bytes -= 32) {
    const v0 = v128.load(x), v1 = v128.load(x, 16);
    v128.store(out, unaryOp(op, v0, va, vb));
    v128.store(out, unaryOp(op, v1, va, vb), 16);
    x += 32;
    out += 32;
  }
  if (bytes >= 16) {
    v128.store(out, unaryOp(op, v128.load(x), va, vb));
    x += 16;
    out += 16;
    bytes -= 16;
  }
  // 1–3 floats left: load a whole vector (inside x's padding), store only the live lanes.
  if (bytes != 0) storeTail(out, unaryOp(op, v128.load(x), va, vb), bytes >> 2);
  return 0;
}

/** max(x, 0); NaN stays NaN. */
export function relu_f32(out: usize, x: usize, n: i32): i32 { return map(OP_RELU, out, x, n, 0, 0); }
/** min(max(x, 0), 6); NaN stays NaN. */
export function relu6_f32(out: usize, x: usize, n: i32): i32 { return map(OP_RELU6, out, x, n, 0, 0); }
/** x < 0 ? alpha·x : x. */
export function leaky_relu_f32(out: usize, x: usize, n: i32, alpha: f32): i32 {
  return map(OP_LEAKY_RELU, out, x, n, alpha, 0);
}
/** x > 0 ? x : alpha·(e^x - 1), with an expm1 that stays accurate near 0. */
export function elu_f32(out: usize, x: usize, n: i32, alpha: f32): i32 {
  return map(OP_ELU, out, x, n, alpha, 0);
}
/** 1 / (1 + e^-x), stable for any x. */
export function sigmoid_f32(out: usize, x: usize, n: i32): i32 { return map(OP_SIGMOID, out, x, n, 0, 0); }
export function tanh_f32(out: usize, x: usize, n: i32): i32 { return map(OP_TANH, out, x, n, 0, 0); }
/** 0.5·x·(1 + erf(x/√2)) (exact form, not the tanh approximation); gelu(-Inf) = 0. */
export function gelu_f32(out: usize, x: usize, n: i32): i32 { return map(OP_GELU, out, x, n, 0, 0); }
export function exp_f32(out: usize, x: usize, n: i32): i32 { return map(OP_EXP, out, x, n, 0, 0); }
/** ln x: NaN for x < 0, -Inf for ±0. */
export function log_f32(out: usize, x: usize, n: i32): i32 { return map(OP_LOG, out, x, n, 0, 0); }
export function erf_f32(out: usize, x: usize, n: i32): i32 { return map(OP_ERF, out, x, n, 0, 0); }
export function sqrt_f32(out: usize, x: usize, n: i32): i32 { return map(OP_SQRT, out, x, n, 0, 0); }
export function abs_f32(out: usize, x: usize, n: i32): i32 { return map(OP_ABS, out, x, n, 0, 0); }
export function neg_f32(out: usize, x: usize, n: i32): i32 { return map(OP_NEG, out, x, n, 0, 0); }
export function square_f32(out: usize, x: usize, n: i32): i32 { return map(OP_SQUARE, out, x, n, 0, 0); }
/** min(max(x, lo), hi); NaN stays NaN. Callers ensure lo ≤ hi. */
export function clip_f32(out: usize, x: usize, n: i32, lo: f32, hi: f32): i32 {
  return map(OP_CLIP, out, x, n, lo, hi);
}
