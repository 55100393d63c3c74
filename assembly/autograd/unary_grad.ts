// Gradients of the unary ops and activations: dx[i] = dy[i] · f'(x[i]) for i < n, ONE kernel
// for every op, so a fused layer's activation gradient and a standalone op's are the same call.
//
//   unary_grad_f32(dx, dy, x, y, n, op, alpha, beta) → status
//   dy, dx: n floats (any shape; element-wise). x: the op's input, y: its output (saved by the
//   forward pass); each may be 0 when the op does not read it (the table below). alpha, beta:
//   the op's attributes (leakyrelu/elu alpha; clip's bounds), ignored by the others.
//   dx is OVERWRITTEN (=).
//
//   op  f'                                   reads    op  f'                              reads
//    0  linear     1                         -         9  exp       y                      y
//    1  relu       [y > 0]                   y        10  log       1/x (dy/x)             x
//    2  relu6      [0 < y < 6]               y        11  sqrt      1/(2y) (dy/(2y))       y
//    3  leakyrelu  x > 0 ? 1 : alpha         x        12  abs       sign(x), 0 at 0        x
//    4  elu        y > 0 ? 1 : y + alpha     y        13  neg       -1                     -
//    5  sigmoid    y·(1 - y)                 y        14  square    2x                     x
//    6  tanh       (1 - y)(1 + y)            y        15  clip      dy where alpha≤x≤beta  x
//    7  gelu       Φ(x) + x·φ(x)             x        16  softplus  sigmoid(x)             x
//    8  erf        2/√π·e^(-x²)              x        17  selu      x > 0 ? λ : λ·α·e^x    x
//   Codes 0..7 are the fused-activation codes of kernels/activation.ts (ACT_*). elu's rule is
//   TF.js's (it reads y, so it is exact for any alpha). gelu is the exact (erf) form.
//   selu: λ = 1.0507009873554805, α = 1.6732632423543772 (TF.js's constants).
//
// Status: 0 ok; -2 (STATUS_BAD_OP) op outside 0..17; -3 (STATUS_MISSING_INPUT) the op reads x
// or y and that pointer is 0. Both are checked before anything is written.
//
// Special values follow dx = dy·f' (TF.js multiplies too): a NaN or ±Inf dy gives NaN where
// f' = 0. clip is a select, as TF.js's clipByValue gradient (`where`): dy outside the bounds is
// dropped, NaN or not. A NaN in x or y makes f' NaN for the arithmetic rules and 0 for the
// comparison rules (relu, relu6, leakyrelu, abs, clip: comparisons with NaN are false).
// gelu' at ±Inf is its limit (1 at +Inf, 0 at -Inf).
//
// Accuracy, measured by the sweeps in tests/kernels/unary_grad.test.ts (dy = 1, both builds),
// relative to the correctly rounded f32 derivative: erf' 2.1e-7 on [-9, 9] (e^(-x²) with x²
// split exactly: approx.ts gauss4 over expHiLo4, 0.98 ulp); softplus' 2.1e-7 and sigmoid'
// (from y) 1.2e-7 (sigmoid4, 2.4 ulp); selu' 2.1e-7 (exp4; e^x rounded before the scale, as
// TF.js orders it); tanh' 1.2e-7; elu', exp', log', sqrt', square', leakyrelu' one rounding
// (≤ 6e-8). gelu' = Φ(x) + x·φ(x) has a root near x = -0.7518, where relative error means
// nothing: 4.2e-7 of max(Φ(x), |x·φ(x)|) on [-12, 12] (Φ from phiNeg4, 6.8 ulp). The rules on
// y inherit the forward's rounding of y.
//
// Memory contract: dx may alias dy, x or y exactly (each vector is loaded before its store), no
// other overlap. Reads nothing past n floats of dy, x, y (tails use lane loads); never writes
// past dx + 4n. n ≤ 0 does nothing.
//
// Loop shape: unary.ts's (XNNPACK f32-vunary): one @inline driver per op code (a compile-time
// constant), 2 vectors per trip, then one, then a lane-load/lane-store tail.
import { loadTail, madd4, storeTail } from "../simd";
import { exp4, gauss4, phiNeg4, sigmoid4 } from "../approx";
import { ACT_ELU, ACT_GELU, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_SIGMOID,
  ACT_TANH } from "../kernels/activation";

// @ts-ignore: decorator
@inline const OP_ERF: i32 = 8;
// @ts-ignore: decorator
@inline const OP_EXP: i32 = 9;
// @ts-ignore: decorator
@inline const OP_LOG: i32 = 10;
// @ts-ignore: decorator
@inline const OP_SQRT: i32 = 11;
// @ts-ignore: decorator
@inline const OP_ABS: i32 = 12;
// @ts-ignore: decorator
@inline const OP_NEG: i32 = 13;
// @ts-ignore: decorator
@inline const OP_SQUARE: i32 = 14;
// @ts-ignore: decorator
@inline const OP_CLIP: i32 = 15;
// @ts-ignore: decorator
@inline const OP_SOFTPLUS: i32 = 16;
// @ts-ignore: decorator
@inline const OP_SELU: i32 = 17;
// @ts-ignore: decorator
@inline const OP_LAST: i32 = 17;

// @ts-ignore: decorator
@inline export const STATUS_BAD_OP: i32 = -2;
// @ts-ignore: decorator
@inline export const STATUS_MISSING_INPUT: i32 = -3;

/** Bit op set: the op reads x (the others read y, or neither). */
// @ts-ignore: decorator
@inline const READS_X: u32 = 1 << ACT_LEAKY_RELU | 1 << ACT_GELU | 1 << OP_ERF | 1 << OP_LOG |
  1 << OP_ABS | 1 << OP_SQUARE | 1 << OP_CLIP | 1 << OP_SOFTPLUS | 1 << OP_SELU;
// @ts-ignore: decorator
@inline const READS_Y: u32 = 1 << ACT_RELU | 1 << ACT_RELU6 | 1 << ACT_ELU | 1 << ACT_SIGMOID |
  1 << ACT_TANH | 1 << OP_EXP | 1 << OP_SQRT;

// @ts-ignore: decorator
@inline function readsX(op: i32): bool { return ((READS_X >> <u32>op) & 1) != 0; }
// @ts-ignore: decorator
@inline function readsY(op: i32): bool { return ((READS_Y >> <u32>op) & 1) != 0; }

// @ts-ignore: decorator
@inline const SELU_SCALE: f32 = 1.0507009873554805;
// @ts-ignore: decorator
@inline const SELU_SCALE_ALPHA: f32 = 1.7580993408473766; // 1.0507009873554805 · 1.6732632423543772
// @ts-ignore: decorator
@inline const TWO_OVER_SQRT_PI: f32 = 1.1283791670955126;
// @ts-ignore: decorator
@inline const INV_SQRT_2PI: f32 = 0.3989422804014327;

/** 1 where mask is set, else 0. */
// @ts-ignore: decorator
@inline function ones(mask: v128): v128 {
  return v128.and(mask, f32x4.splat(1));
}

/** dx for one vector: dy = g, input x, output y; a, b the attributes (op: a constant). */
// @ts-ignore: decorator
@inline function gradOp(op: i32, g: v128, x: v128, y: v128, a: v128, b: v128): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  switch (op) {
    case ACT_LINEAR: return g;
    case ACT_RELU: return f32x4.mul(g, ones(f32x4.gt(y, zero)));
    case ACT_RELU6:
      return f32x4.mul(g, ones(v128.and(f32x4.gt(y, zero), f32x4.lt(y, f32x4.splat(6)))));
    case ACT_LEAKY_RELU: return f32x4.mul(g, v128.bitselect(one, a, f32x4.gt(x, zero)));
    case ACT_ELU: return f32x4.mul(g, v128.bitselect(one, f32x4.add(y, a), f32x4.gt(y, zero)));
    case ACT_SIGMOID: return f32x4.mul(g, f32x4.mul(y, f32x4.sub(one, y)));
    // 1 - y² as (1 - y)(1 + y): one factor is exact (Sterbenz) where y² → 1 would cancel.
    case ACT_TANH: return f32x4.mul(g, f32x4.mul(f32x4.sub(one, y), f32x4.add(one, y)));
    case ACT_GELU: {
      // Φ(x) from h = Φ(-|x|) (accurate in the tail), as gelu_f32 does; x·φ(x) with x clamped
      // to ±20 (φ is 0 in f32 beyond ±14.4), so ±Inf give the limits 1 and 0, not Inf·0.
      const h = phiNeg4(x);
      const cdf = v128.bitselect(h, f32x4.sub(one, h), f32x4.lt(x, zero));
      const t = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-20)), f32x4.splat(20));
      const pdf = f32x4.mul(gauss4(t, true), f32x4.splat(INV_SQRT_2PI));
      return f32x4.mul(g, madd4(t, pdf, cdf));
    }
    case OP_ERF: return f32x4.mul(g, f32x4.mul(gauss4(x, false), f32x4.splat(TWO_OVER_SQRT_PI)));
    case OP_EXP: return f32x4.mul(g, y);
    case OP_LOG: return f32x4.div(g, x);
    case OP_SQRT: return f32x4.div(g, f32x4.mul(y, f32x4.splat(2)));
    case OP_ABS: {
      const sign = v128.or(ones(f32x4.gt(x, zero)), v128.and(f32x4.lt(x, zero), f32x4.splat(-1)));
      return f32x4.mul(g, sign);
    }
    case OP_NEG: return f32x4.neg(g);
    case OP_SQUARE: return f32x4.mul(g, f32x4.mul(x, f32x4.splat(2)));
    case OP_CLIP: return v128.and(g, v128.and(f32x4.ge(x, a), f32x4.le(x, b)));
    case OP_SOFTPLUS: return f32x4.mul(g, sigmoid4(x));
    case OP_SELU: {
      // e^min(x, 0): the x > 0 lanes take λ, and never see an overflowed exponential.
      const neg = f32x4.mul(f32x4.splat(SELU_SCALE_ALPHA), exp4(f32x4.pmin(x, zero)));
      return f32x4.mul(g, v128.bitselect(f32x4.splat(SELU_SCALE), neg, f32x4.gt(x, zero)));
    }
  }
  return g;
}

/** The loop driver for one op code (a compile-time constant after inlining). */
// @ts-ignore: decorator
@inline function mapGrad(op: i32, dx: usize, dy: usize, x: usize, y: usize, n: i32, alpha: f32,
    beta: f32): i32 {
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  const zero = f32x4.splat(0);
  let bytes: usize = n > 0 ? <usize>n << 2 : 0;
  for (; bytes >= 32; bytes -= 32) {
    const g0 = v128.load(dy), g1 = v128.load(dy, 16);
    const x0 = readsX(op) ? v128.load(x) : zero, x1 = readsX(op) ? v128.load(x, 16) : zero;
    const y0 = readsY(op) ? v128.load(y) : zero, y1 = readsY(op) ? v128.load(y, 16) : zero;
    v128.store(dx, gradOp(op, g0, x0, y0, va, vb));
    v128.store(dx, gradOp(op, g1, x1, y1, va, vb), 16);
    dx += 32; dy += 32; x += 32; y += 32;
  }
  if (bytes >= 16) {
    const x0 = readsX(op) ? v128.load(x) : zero, y0 = readsY(op) ? v128.load(y) : zero;
    v128.store(dx, gradOp(op, v128.load(dy), x0, y0, va, vb));
    dx += 16; dy += 16; x += 16; y += 16;
    bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    const x0 = readsX(op) ? loadTail(x, count) : zero, y0 = readsY(op) ? loadTail(y, count) : zero;
    storeTail(dx, gradOp(op, loadTail(dy, count), x0, y0, va, vb), count);
  }
  return 0;
}

/** dx = dy · f'(x or y) for the op code `op` (table and contract in the header). */
export function unary_grad_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32, op: i32,
    alpha: f32, beta: f32): i32 {
  if (op < 0 || op > OP_LAST) return STATUS_BAD_OP;
  if ((readsX(op) && x == 0) || (readsY(op) && y == 0)) return STATUS_MISSING_INPUT;
  switch (op) {
    case ACT_LINEAR: return mapGrad(ACT_LINEAR, dx, dy, x, y, n, alpha, beta);
    case ACT_RELU: return mapGrad(ACT_RELU, dx, dy, x, y, n, alpha, beta);
    case ACT_RELU6: return mapGrad(ACT_RELU6, dx, dy, x, y, n, alpha, beta);
    case ACT_LEAKY_RELU: return mapGrad(ACT_LEAKY_RELU, dx, dy, x, y, n, alpha, beta);
    case ACT_ELU: return mapGrad(ACT_ELU, dx, dy, x, y, n, alpha, beta);
    case ACT_SIGMOID: return mapGrad(ACT_SIGMOID, dx, dy, x, y, n, alpha, beta);
    case ACT_TANH: return mapGrad(ACT_TANH, dx, dy, x, y, n, alpha, beta);
    case ACT_GELU: return mapGrad(ACT_GELU, dx, dy, x, y, n, alpha, beta);
    case OP_ERF: return mapGrad(OP_ERF, dx, dy, x, y, n, alpha, beta);
    case OP_EXP: return mapGrad(OP_EXP, dx, dy, x, y, n, alpha, beta);
    case OP_LOG: return mapGrad(OP_LOG, dx, dy, x, y, n, alpha, beta);
    case OP_SQRT: return mapGrad(OP_SQRT, dx, dy, x, y, n, alpha, beta);
    case OP_ABS: return mapGrad(OP_ABS, dx, dy, x, y, n, alpha, beta);
    case OP_NEG: return mapGrad(OP_NEG, dx, dy, x, y, n, alpha, beta);
    case OP_SQUARE: return mapGrad(OP_SQUARE, dx, dy, x, y, n, alpha, beta);
    case OP_CLIP: return mapGrad(OP_CLIP, dx, dy, x, y, n, alpha, beta);
    case OP_SOFTPLUS: return mapGrad(OP_SOFTPLUS, dx, dy, x, y, n, alpha, beta);
    default: return mapGrad(OP_SELU, dx, dy, x, y, n, alpha, beta);
  }
}
