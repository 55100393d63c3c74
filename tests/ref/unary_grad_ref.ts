// Plain scalar references for unary_grad_f32 (assembly/autograd/unary_grad.ts), in f64: the
// forward ops by op code (for finite differences and for the saved y) and dx = dy·f' from the
// same inputs the kernel reads (x, or the f32-rounded y). Attributes are rounded to f32 first.
import { UNARY_REFS, erfc } from './unary_ref.js';

export interface UnaryGradOp {
  code: number;
  name: string;
  /** Which saved tensor the kernel reads. */
  reads: 'x' | 'y' | 'none';
  /** f(x) in f64 (attributes a = alpha, b = beta). */
  forward: (x: number, a: number, b: number) => number;
  /** dx from dy, x and y (y: the f32 forward output the kernel is given). */
  grad: (dy: number, x: number, y: number, a: number, b: number) => number;
}

const SELU_SCALE = 1.0507009873554805, SELU_ALPHA = 1.6732632423543772;
const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Φ(x), tail-accurate through erfc. */
export function normalCdf(x: number): number {
  return x < 0 ? 0.5 * erfc(-x / Math.SQRT2) : 1 - 0.5 * erfc(x / Math.SQRT2);
}

/** d/dx of gelu = Φ(x) + x·φ(x), with its limits at ±Inf. */
function geluGrad(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return normalCdf(x) + x * Math.exp(-x * x / 2) / SQRT2PI;
}

const f32 = Math.fround;

// dx = dy · f' with f' rounded to f32 once (the kernel forms f' in f32, then multiplies: an f'
// that underflows or overflows in f32 does so in both); log, sqrt divide as the kernel does,
// and clip selects.
export const UNARY_GRAD_OPS: UnaryGradOp[] = [
  { code: 0, name: 'linear', reads: 'none', forward: (x) => x, grad: (g) => g },
  { code: 1, name: 'relu', reads: 'y', forward: (x) => UNARY_REFS.relu(x, {}),
    grad: (g, _x, y) => g * (y > 0 ? 1 : 0) },
  { code: 2, name: 'relu6', reads: 'y', forward: (x) => UNARY_REFS.relu6(x, {}),
    grad: (g, _x, y) => g * (y > 0 && y < 6 ? 1 : 0) },
  { code: 3, name: 'leakyrelu', reads: 'x', forward: (x, a) => UNARY_REFS.leaky_relu(x, { alpha: a }),
    grad: (g, x, _y, a) => g * (x > 0 ? 1 : a) },
  { code: 4, name: 'elu', reads: 'y', forward: (x, a) => UNARY_REFS.elu(x, { alpha: a }),
    grad: (g, _x, y, a) => g * f32(y > 0 ? 1 : y + a) },
  { code: 5, name: 'sigmoid', reads: 'y', forward: (x) => UNARY_REFS.sigmoid(x, {}),
    grad: (g, _x, y) => g * f32(y * (1 - y)) },
  { code: 6, name: 'tanh', reads: 'y', forward: (x) => Math.tanh(x), grad: (g, _x, y) => g * f32((1 - y) * (1 + y)) },
  { code: 7, name: 'gelu', reads: 'x', forward: (x) => UNARY_REFS.gelu(x, {}), grad: (g, x) => g * f32(geluGrad(x)) },
  { code: 8, name: 'erf', reads: 'x', forward: (x) => UNARY_REFS.erf(x, {}),
    grad: (g, x) => g * f32(2 / Math.sqrt(Math.PI) * Math.exp(-x * x)) },
  { code: 9, name: 'exp', reads: 'y', forward: (x) => Math.exp(x), grad: (g, _x, y) => g * y },
  { code: 10, name: 'log', reads: 'x', forward: (x) => Math.log(x), grad: (g, x) => g / x },
  { code: 11, name: 'sqrt', reads: 'y', forward: (x) => Math.sqrt(x), grad: (g, _x, y) => g / (2 * y) },
  { code: 12, name: 'abs', reads: 'x', forward: (x) => Math.abs(x),
    grad: (g, x) => g * (x > 0 ? 1 : x < 0 ? -1 : 0) },
  { code: 13, name: 'neg', reads: 'none', forward: (x) => -x, grad: (g) => -g },
  { code: 14, name: 'square', reads: 'x', forward: (x) => x * x, grad: (g, x) => g * f32(2 * x) },
  { code: 15, name: 'clip', reads: 'x', forward: (x, a, b) => UNARY_REFS.clip(x, { lo: a, hi: b }),
    grad: (g, x, _y, a, b) => (x >= a && x <= b ? g : 0) },
  { code: 16, name: 'softplus', reads: 'x',
    forward: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
    grad: (g, x) => g * f32(UNARY_REFS.sigmoid(x, {})) },
  { code: 17, name: 'selu', reads: 'x',
    forward: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
    grad: (g, x) => g * f32(x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * f32(Math.exp(x))) }, // e^x rounded first, as TF.js
];

/** The f32 forward outputs the kernel reads as y. */
export function forward_f32(op: UnaryGradOp, x: ArrayLike<number>, alpha = 0, beta = 0): Float32Array {
  const a = Math.fround(alpha), b = Math.fround(beta);
  return Float32Array.from(x as ArrayLike<number>, (v) => op.forward(v, a, b));
}

/** dx = dy·f' per element, in f64. */
export function unary_grad_ref(op: UnaryGradOp, dy: ArrayLike<number>, x: ArrayLike<number>,
    y: ArrayLike<number>, alpha = 0, beta = 0): Float64Array {
  const a = Math.fround(alpha), b = Math.fround(beta);
  return Float64Array.from({ length: dy.length }, (_, i) => op.grad(dy[i], x[i], y[i], a, b));
}
