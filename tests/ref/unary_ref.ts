// Plain scalar references of the unary kernels (assembly/kernels/unary.ts), in f64: each takes
// and returns a number; unary_ref maps one over a Float32Array into a Float64Array (unrounded,
// so tests can measure errors in ulp). Attributes are rounded to f32 first, as the kernels get
// them. NaN in → NaN out everywhere, as in TensorFlow.js.
import { erf } from './activation_ref.js';

export interface UnaryAttrs { alpha?: number; lo?: number; hi?: number }

export const UNARY_REFS: Record<string, (x: number, attrs: UnaryAttrs) => number> = {
  relu: (x) => (x < 0 ? 0 : x),
  relu6: (x) => (x < 0 ? 0 : x > 6 ? 6 : x),
  leaky_relu: (x, { alpha = 0.2 }) => (x < 0 ? alpha * x : x),
  elu: (x, { alpha = 1 }) => (x > 0 ? x : alpha * Math.expm1(x)),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  tanh: (x) => Math.tanh(x),
  // Exact-form GELU x·Φ(x) through erfc (1 + erf(x/√2) cancels for x ≪ 0, even in f64);
  // its limit 0 at -Infinity.
  gelu: (x) => (x === -Infinity ? 0 : x < 0 ? 0.5 * x * erfc(-x / Math.SQRT2) : x * (1 - 0.5 * erfc(x / Math.SQRT2))),
  erf: (x) => erf(x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  abs: (x) => Math.abs(x),
  neg: (x) => -x,
  square: (x) => x * x,
  clip: (x, { lo = -1, hi = 1 }) => (x < lo ? lo : x > hi ? hi : x),
};

/** erfc z for z ≥ 0 in f64: 1 - erf below 2.5, a continued fraction above (tail-accurate). */
export function erfc(z: number): number {
  if (!(z >= 2.5)) return 1 - erf(z);
  if (z > 27) return 0;
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (z + f);
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
}

export function unary_ref(op: string, x: Float32Array, attrs: UnaryAttrs = {}): Float64Array {
  const f = UNARY_REFS[op];
  if (f === undefined) throw new Error(`unary_ref: unknown op ${op}`);
  const a: UnaryAttrs = {};
  for (const [key, v] of Object.entries(attrs)) a[key as keyof UnaryAttrs] = Math.fround(v);
  return Float64Array.from(x, (v) => f(v, a));
}
