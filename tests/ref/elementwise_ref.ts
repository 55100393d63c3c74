// Plain scalar reference of the broadcasting binary kernels (assembly/kernels/elementwise.ts):
// NumPy broadcasting by explicit index arithmetic, values in f64 (f32 rounding on the store),
// int32 with wrap-around as an Int32Array store does.

export type Shape = readonly number[];

export const BINARY_REFS: Record<string, (a: number, b: number, int: boolean) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b, int) => (int ? Math.imul(a, b) : a * b),
  div: (a, b) => a / b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
};

/** The NumPy broadcast shape, or null when the shapes do not broadcast. */
export function broadcastShape(a: Shape, b: Shape): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element strides of a tensor of `shape` inside the broadcast `outShape` (0 where broadcast). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = shape[i - (rank - shape.length)] ?? 1;
    strides[i] = d === 1 ? 0 : acc;
    acc *= d;
  }
  return strides;
}

export function binary_ref(op: string, a: Float32Array | Int32Array, aShape: Shape,
    b: Float32Array | Int32Array, bShape: Shape): { out: Float32Array | Int32Array; shape: number[] } {
  const f = BINARY_REFS[op];
  const shape = broadcastShape(aShape, bShape);
  if (f === undefined || shape === null) throw new Error(`binary_ref: bad op or shapes ${op}`);
  const int = a instanceof Int32Array;
  const sa = broadcastStrides(aShape, shape), sb = broadcastStrides(bShape, shape);
  const size = shape.reduce((x, y) => x * y, 1);
  const out = int ? new Int32Array(size) : new Float32Array(size);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < size; i++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < shape.length; d++) { ia += index[d] * sa[d]; ib += index[d] * sb[d]; }
    out[i] = f(a[ia], b[ib], int);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return { out, shape };
}
