// Plain scalar references of the layout family (transpose, strided copy, slice, concat, stack,
// pad, gather). Element-type agnostic: they return the same typed array type they are given,
// so int32 data can be compared bit for bit.
export type Arr = Float32Array | Int32Array;

function like(x: Arr, n: number): Arr {
  return x instanceof Int32Array ? new Int32Array(n) : new Float32Array(n);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major element strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/** Calls fn with every multi-index of shape (row-major order). */
export function forEachIndex(shape: readonly number[], fn: (c: number[]) => void): void {
  if (shape.some((d) => d === 0)) return;
  const c = new Array<number>(shape.length).fill(0);
  for (;;) {
    fn(c);
    let i = shape.length - 1;
    for (; i >= 0; i--) {
      if (++c[i] < shape[i]) break;
      c[i] = 0;
    }
    if (i < 0) return;
  }
}

const dot = (c: number[], s: readonly number[]): number => c.reduce((acc, v, i) => acc + v * s[i], 0);

/** out[outOff + Σ c·os] = x[xOff + Σ c·is] for every index c of dims; writes into out. */
export function copy_strided_ref(out: Arr, x: Arr, dims: readonly number[], os: readonly number[],
    is: readonly number[], outOff = 0, xOff = 0): void {
  forEachIndex(dims, (c) => { out[outOff + dot(c, os)] = x[xOff + dot(c, is)]; });
}

export function transpose_ref(x: Arr, shape: readonly number[], perm: readonly number[]): Arr {
  const out = like(x, x.length);
  const xs = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  copy_strided_ref(out, x, outShape, stridesOf(outShape), perm.map((p) => xs[p]));
  return out;
}

export function slice_ref(x: Arr, shape: readonly number[], begin: readonly number[],
    size: readonly number[]): Arr {
  const out = like(x, sizeOf(size));
  const xs = stridesOf(shape);
  copy_strided_ref(out, x, size, stridesOf(size), xs, 0, dot([...begin], xs));
  return out;
}

export function concat_ref(xs: Arr[], shapes: number[][], axis: number): Arr {
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((a, s) => a + s[axis], 0);
  const out = like(xs[0], sizeOf(outShape));
  const os = stridesOf(outShape);
  let at = 0;
  xs.forEach((x, i) => {
    copy_strided_ref(out, x, shapes[i], os, stridesOf(shapes[i]), at * os[axis]);
    at += shapes[i][axis];
  });
  return out;
}

export function pad_ref(x: Arr, shape: readonly number[], paddings: [number, number][], value: number): Arr {
  const outShape = shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = like(x, sizeOf(outShape));
  out.fill(value);
  const os = stridesOf(outShape);
  copy_strided_ref(out, x, shape, os, stridesOf(shape), dot(paddings.map((p) => p[0]), os));
  return out;
}

/** out[b, o, j, d] = x[b, o, indices[b, j], d] (shapes as in assembly/kernels/gather.ts). */
export function gather_ref(x: Arr, indices: Int32Array, batch: number, outer: number, n: number,
    m: number, inner: number): Arr {
  const out = like(x, batch * outer * m * inner);
  let p = 0;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const row = ((b * outer + o) * n + indices[b * m + j]) * inner;
        for (let d = 0; d < inner; d++) out[p++] = x[row + d];
      }
    }
  }
  return out;
}
