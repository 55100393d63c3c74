// Plain scalar references for binary_grad_f32 (assembly/autograd/binary_grad.ts) and the
// comparisons, casts and select of assembly/kernels/compare.ts: NumPy broadcasting by explicit
// index arithmetic (tests/ref/elementwise_ref.ts), values in f64.
import { broadcastShape, broadcastStrides, type Shape } from './elementwise_ref.js';

/** Op codes of binary_grad_f32, with the forward op (for finite differences). */
export const BINARY_GRAD_OPS = [
  { code: 0, name: 'mul', forward: (a: number, b: number) => a * b },
  { code: 1, name: 'div', forward: (a: number, b: number) => a / b },
  { code: 2, name: 'maximum', forward: (a: number, b: number) => Math.max(a, b) },
  { code: 3, name: 'minimum', forward: (a: number, b: number) => Math.min(a, b) },
  { code: 4, name: 'equal', forward: (a: number, _b: number) => a },
  { code: 5, name: 'pow', forward: (a: number, b: number) => Math.pow(a, b) },
] as const;

const f32 = Math.fround;

/** [da, db] for one element (db 0 for equal, which has none). Intermediates rounded to f32 where
 *  the kernel forms them (TF.js's order), so f32 overflow and underflow happen alike. */
export function partials(op: number, g: number, a: number, b: number): [number, number] {
  switch (op) {
    case 0: return [g * b, g * a];
    case 1: return [g / b, -f32(g * a) / f32(b * b)];
    case 2: return [g * (a >= b ? 1 : 0), g * (a < b ? 1 : 0)];
    case 3: return [g * (a <= b ? 1 : 0), g * (a > b ? 1 : 0)];
    case 4: return [g * (a === b ? 1 : 0), 0];
    case 5: return [g * f32(b * f32(Math.pow(a, f32(b - 1)))),
      g * f32(f32(Math.pow(a, b)) * f32(a > 0 ? Math.log(a) : 0))];
  }
  throw new Error(`partials: bad op ${op}`);
}

/** Calls f(i, ia, ib) for every element i of the broadcast output of aShape and bShape. */
export function forEachBroadcast(aShape: Shape, bShape: Shape,
    f: (i: number, ia: number, ib: number) => void): number[] {
  const shape = broadcastShape(aShape, bShape);
  if (shape === null) throw new Error(`shapes [${aShape}] and [${bShape}] do not broadcast`);
  const sa = broadcastStrides(aShape, shape), sb = broadcastStrides(bShape, shape);
  const size = shape.reduce((x, y) => x * y, 1);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < size; i++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < shape.length; d++) { ia += index[d] * sa[d]; ib += index[d] * sb[d]; }
    f(i, ia, ib);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return shape;
}

/** da, db over the broadcast output (contiguous), in f64. */
export function binary_grad_ref(op: number, dy: ArrayLike<number>, a: ArrayLike<number>, aShape: Shape,
    b: ArrayLike<number>, bShape: Shape): { da: Float64Array; db: Float64Array } {
  const size = (broadcastShape(aShape, bShape) ?? []).reduce((x, y) => x * y, 1);
  const da = new Float64Array(size), db = new Float64Array(size);
  forEachBroadcast(aShape, bShape, (i, ia, ib) => {
    [da[i], db[i]] = partials(op, dy[i], a[ia], b[ib]);
  });
  return { da, db };
}

/** The forward op over the broadcast output (for finite differences). */
export function binary_forward_ref(op: number, a: ArrayLike<number>, aShape: Shape, b: ArrayLike<number>,
    bShape: Shape): Float64Array {
  const f = BINARY_GRAD_OPS[op].forward;
  const out: number[] = [];
  forEachBroadcast(aShape, bShape, (i, ia, ib) => { out[i] = f(a[ia], b[ib]); });
  return Float64Array.from(out);
}

/** Comparison op codes of compare_f32 / compare_i32. */
export const COMPARE_OPS: ((a: number, b: number) => boolean)[] = [
  (a, b) => a === b, (a, b) => a !== b, (a, b) => a < b, (a, b) => a <= b, (a, b) => a > b, (a, b) => a >= b,
];

export function compare_ref(op: number, a: ArrayLike<number>, aShape: Shape, b: ArrayLike<number>,
    bShape: Shape): Int32Array {
  const out: number[] = [];
  forEachBroadcast(aShape, bShape, (i, ia, ib) => { out[i] = COMPARE_OPS[op](a[ia], b[ib]) ? 1 : 0; });
  return Int32Array.from(out);
}

/** TF.js's cast (tfjs-backend-cpu): Int32Array.from, i.e. ToInt32; and int → float32. */
export const cast_f32_i32_ref = (x: Float32Array): Int32Array => Int32Array.from(x);
export const cast_i32_f32_ref = (x: Int32Array): Float32Array => Float32Array.from(x);

export function where_ref(cond: Int32Array, a: Float32Array, b: Float32Array): Float32Array {
  return Float32Array.from(cond, (c, i) => (c !== 0 ? a[i] : b[i]));
}
