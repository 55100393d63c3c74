// The shape ops of OnnxOp (onnx/op_layer.ts): ops of one tensor that change its shape, by JSON
// attributes: row gathers, slices, full reshapes, Resize's linear and cubic mixes, transposes
// (the batch's included), ConvTranspose's zero insertion and reductions. A file may hold any
// attributes, so each op's are checked against the input shape (shapedProblem) before it runs.
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from '../ops/binary.js';
import { pad, slice, transpose } from '../ops/layout.js';
import { reshape, tensor } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import { max, mean, sum } from '../ops/reduce.js';
import type { SymbolicShape } from '../layers/layer.js';

export type Attrs = Record<string, number | number[] | number[][]>;
const num = (a: Attrs, k: string) => a[k] as number;

const isInts = (v: unknown, n?: number) => Array.isArray(v) && v.every((d) => Number.isInteger(d)) && (n === undefined || v.length === n);
/** Why attributes a do not fit input shape s (a file may hold anything), or null. */
export function shapedProblem(op: string, s: SymbolicShape, a: Attrs): string | null {
  const r = s.length, axis = a.axis as number;
  const axisOk = Number.isInteger(axis) && axis >= 1 && axis < r;
  const rowsOk = (k: string) => isInts(a[k]) && (a[k] as number[]).length > 0 &&
    (a[k] as number[]).every((i) => i >= 0 && (s[axis] === null || i < s[axis]!));
  switch (op) {
    case 'take': return axisOk && rowsOk('indices') ? null : 'axis must be a non-batch axis and indices rows of it';
    case 'lerp': return axisOk && rowsOk('i0') && rowsOk('i1') && isInts(a.i1, (a.i0 as number[]).length) && Array.isArray(a.f) &&
      a.f.length === (a.i0 as number[]).length && (a.f as number[]).every(Number.isFinite) ? null : 'axis, i0, i1 and f must describe rows of a non-batch axis';
    case 'slice': return isInts(a.begin, r) && isInts(a.size, r) && (a.begin as number[]).every((b, i) => b >= 0 && (s[i] === null || b < s[i]!)) &&
      (a.size as number[]).every((n, i) => n === -1 || (n >= 1 && (s[i] === null || (a.begin as number[])[i] + n <= s[i]!))) ? null : `begin and size must be ${r} ranges inside the input`;
    case 'reshape': return isInts(a.shape) && (a.shape as number[]).every((d) => d >= 1 || d === -1) && (a.shape as number[]).filter((d) => d === -1).length <= 1
      ? null : 'shape must be positive integers and at most one -1';
    case 'taps': {
      const idx = a.idx as number[][], w = a.w as number[][];
      return axisOk && Array.isArray(idx) && Array.isArray(w) && idx.length > 0 && idx.length === w.length &&
        idx.every((row, k) => isInts(row, idx[0].length) && row.every((i) => i >= 0 && (s[axis] === null || i < s[axis]!)) &&
          Array.isArray(w[k]) && w[k].length === row.length && w[k].every(Number.isFinite)) && idx[0].length > 0
        ? null : 'axis, idx and w must describe taps (rows of a non-batch axis and their weights)';
    }
    case 'transpose': return isInts(a.perm, r) && [...(a.perm as number[])].sort((p, q) => p - q).every((d, i) => d === i) ? null : `perm must be a permutation of ${r} axes`;
    case 'zeroInsert': return r === 4 && isInts(a.strides, 2) && (a.strides as number[]).every((d) => d >= 1 && d <= 1024) ? null : 'strides must be 2 integers in [1, 1024] on a rank-4 input';
    default: return isInts(a.axes) && (a.axes as number[]).every((d) => d >= 1 && d < r) && (a.keepdims === 0 || a.keepdims === 1)
      ? null : 'axes must be non-batch axes and keepdims 0 or 1';
  }
}

/** The ops, by name: the attributes each needs, how it runs, and its output shape (the batch kept but by reshape and transpose). */
export const SHAPED: Record<string, { need: string[]; run: (x: Tensor, a: Attrs) => Tensor; shape: (s: SymbolicShape, a: Attrs) => SymbolicShape }> = {
  // Rows `indices` of axis `axis` (Gather with constant indices, strided Slice, Pad reflect / edge, Resize nearest).
  take: {
    need: ['axis', 'indices'],
    run: (x, a) => gather(x, tensor(Int32Array.from(a.indices as number[]), [(a.indices as number[]).length], 'int32'), num(a, 'axis')),
    shape: (s, a) => s.map((d, i) => (i === a.axis ? (a.indices as number[]).length : d)),
  },
  // begin / size per axis (size -1: to the end); the batch axis is taken whole.
  slice: {
    need: ['begin', 'size'],
    run: (x, a) => slice(x, a.begin as number[], a.size as number[]),
    shape: (s, a) => s.map((d, i) => ((a.size as number[])[i] === -1 ? (d === null ? null : d - (a.begin as number[])[i]) : (a.size as number[])[i])),
  },
  // The whole shape, batch included; one -1 is inferred (Flatten with axis other than 1).
  reshape: {
    need: ['shape'],
    run: (x, a) => {
      const want = a.shape as number[];
      const known = want.reduce((p, d) => (d === -1 ? p : p * d), 1);
      return reshape(x, want.map((d) => (d === -1 ? x.size / known : d)));
    },
    shape: (s, a) => {
      const want = a.shape as number[];
      const size = s.every((d) => d !== null) ? (s as number[]).reduce((p, d) => p * d, 1) : null;
      const known = want.reduce((p, d) => (d === -1 ? p : p * d), 1);
      return want.map((d) => (d !== -1 ? d : size === null ? null : size / known));
    },
  },
  // Linear interpolation along one axis: rows i0 and i1 mixed with weights f (Resize 'linear').
  lerp: {
    need: ['axis', 'i0', 'i1', 'f'],
    run: (x, a) => {
      const ax = num(a, 'axis'), f = a.f as number[];
      const rows = (k: string) => gather(x, tensor(Int32Array.from(a[k] as number[]), [f.length], 'int32'), ax);
      const wShape = x.shape.map((_, i) => (i === ax ? f.length : 1));
      const w = tensor(Float32Array.from(f), wShape);
      return add(rows('i0'), mul(sub(rows('i1'), rows('i0')), w));
    },
    shape: (s, a) => s.map((d, i) => (i === a.axis ? (a.f as number[]).length : d)),
  },
  // A weighted sum of gathered rows along one axis: y[i] = Σ_k w[k][i] · x[idx[k][i]] (Resize 'cubic', 4 taps).
  taps: {
    need: ['axis', 'idx', 'w'],
    run: (x, a) => {
      const ax = num(a, 'axis'), idx = a.idx as number[][], w = a.w as number[][], m = idx[0].length;
      const wShape = x.shape.map((_, i) => (i === ax ? m : 1));
      let y: Tensor | null = null;
      for (let k = 0; k < idx.length; k++) {
        const term = mul(gather(x, tensor(Int32Array.from(idx[k]), [m], 'int32'), ax), tensor(Float32Array.from(w[k]), wShape));
        y = y === null ? term : add(y, term);
      }
      return y!;
    },
    shape: (s, a) => s.map((d, i) => (i === a.axis ? (a.idx as number[][])[0].length : d)),
  },
  // Any permutation of the axes, the batch's included (a Transpose that moves it: a time-major LSTM's
  // [T, B, I] to [B, T, I], Gemm's transA); the model's first axis is then not the samples'.
  transpose: {
    need: ['perm'],
    run: (x, a) => transpose(x, a.perm as number[]),
    shape: (s, a) => (a.perm as number[]).map((p) => s[p]),
  },
  // NHWC x with strides − 1 zeros after every row and column but the last (ConvTranspose's input).
  zeroInsert: {
    need: ['strides'],
    run: (x, a) => {
      const [sh, sw] = a.strides as number[];
      const [n, h, w, c] = x.shape;
      const spread = pad(reshape(x, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      return slice(reshape(spread, [n, h * sh, w * sw, c]), [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
    },
    shape: (s, a) => {
      const [sh, sw] = a.strides as number[];
      return [s[0], s[1] === null ? null : (s[1] - 1) * sh + 1, s[2] === null ? null : (s[2] - 1) * sw + 1, s[3]];
    },
  },
  reduceMean: reduceSpec((x, axes, k) => mean(x, axes, k)),
  reduceSum: reduceSpec((x, axes, k) => sum(x, axes, k)),
  reduceMax: reduceSpec((x, axes, k) => max(x, axes, k)),
};

function reduceSpec(f: (x: Tensor, axes: number[], keepDims: boolean) => Tensor) {
  return {
    need: ['axes', 'keepdims'],
    run: (x: Tensor, a: Attrs) => f(x, a.axes as number[], a.keepdims !== 0),
    shape: (s: SymbolicShape, a: Attrs) => {
      const axes = a.axes as number[];
      return a.keepdims !== 0 ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
    },
  };
}
