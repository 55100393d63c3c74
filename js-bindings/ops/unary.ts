// Element-wise unary ops (float32): relu, relu6, leakyRelu, elu, sigmoid, tanh, gelu, erf,
// exp, log, sqrt, abs, neg, square, clipByValue. One kernel call each (assembly/kernels/unary.ts);
// NaN propagates as in TensorFlow.js.
import { engine, type Kernels } from '../engine.js';
import { allocTensor, Tensor } from '../tensor.js';
import { assertDtype } from '../util.js';
import { record } from '../autograd.js';

/** One kernel call; recorded on the tape as `kernel` (its gradient rule: grads/unary.ts). */
function unary(op: string, x: Tensor, run: (k: Kernels, out: number, x: number, n: number) => number,
    attrs?: Record<string, number>): Tensor {
  assertDtype(op, 'x', x, 'float32');
  const y = allocTensor(op, x.shape, 'float32');
  const status = run(engine.k, y.ptr, x.ptr, y.size);
  if (status !== 0) {
    y.dispose();
    engine.check(op, status);
  }
  return record(op[0].toUpperCase() + op.slice(1), [x], y, attrs);
}

function assertNumber(op: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new Error(`${op}: '${name}' must be a number, got ${String(v)}`);
  }
}

/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  return unary('relu', x, (k, o, p, n) => k.relu_f32(o, p, n));
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  return unary('relu6', x, (k, o, p, n) => k.relu6_f32(o, p, n));
}

/** x < 0 ? alpha·x : x. */
export function leakyRelu(x: Tensor, alpha = 0.2): Tensor {
  assertNumber('leakyRelu', 'alpha', alpha);
  return unary('leakyRelu', x, (k, o, p, n) => k.leaky_relu_f32(o, p, n, alpha), { alpha });
}

/** x > 0 ? x : alpha·(e^x - 1); TF.js's tf.elu has alpha = 1 (the layers' ELU takes others). */
export function elu(x: Tensor, alpha = 1): Tensor {
  assertNumber('elu', 'alpha', alpha);
  return unary('elu', x, (k, o, p, n) => k.elu_f32(o, p, n, alpha), { alpha });
}

/** 1 / (1 + e^-x). */
export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', x, (k, o, p, n) => k.sigmoid_f32(o, p, n));
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x, (k, o, p, n) => k.tanh_f32(o, p, n));
}

/** Exact-form GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (TF.js has it only as a layers activation). */
export function gelu(x: Tensor): Tensor {
  return unary('gelu', x, (k, o, p, n) => k.gelu_f32(o, p, n));
}

/** The error function. */
export function erf(x: Tensor): Tensor {
  return unary('erf', x, (k, o, p, n) => k.erf_f32(o, p, n));
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  return unary('exp', x, (k, o, p, n) => k.exp_f32(o, p, n));
}

/** Natural logarithm: NaN for x < 0, -Infinity for 0. */
export function log(x: Tensor): Tensor {
  return unary('log', x, (k, o, p, n) => k.log_f32(o, p, n));
}

/** Square root (NaN for x < 0). */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x, (k, o, p, n) => k.sqrt_f32(o, p, n));
}

/** |x|. */
export function abs(x: Tensor): Tensor {
  return unary('abs', x, (k, o, p, n) => k.abs_f32(o, p, n));
}

/** -x. */
export function neg(x: Tensor): Tensor {
  return unary('neg', x, (k, o, p, n) => k.neg_f32(o, p, n));
}

/** x·x. */
export function square(x: Tensor): Tensor {
  return unary('square', x, (k, o, p, n) => k.square_f32(o, p, n));
}

/** min(max(x, clipValueMin), clipValueMax). */
export function clipByValue(x: Tensor, clipValueMin: number, clipValueMax: number): Tensor {
  const op = 'clipByValue';
  assertNumber(op, 'clipValueMin', clipValueMin);
  assertNumber(op, 'clipValueMax', clipValueMax);
  if (clipValueMin > clipValueMax) {
    throw new Error(`${op}: clipValueMin (${clipValueMin}) must be <= clipValueMax (${clipValueMax})`);
  }
  return unary(op, x, (k, o, p, n) => k.clip_f32(o, p, n, clipValueMin, clipValueMax),
    { alpha: clipValueMin, beta: clipValueMax });
}
