// OnnxOp: a small serializable layer that runs one named Lepton op with JSON attributes, for
// ONNX ops that have no Keras layer (a tensor-constant Add, Clip with any bounds, LeakyRelu with
// ONNX's alpha, Softmax over a chosen axis, a -FLT_MAX Pad before a MaxPool, PRelu, HardSwish,
// a batched MatMul, and the shape ops: row gathers, slices, full reshapes, reductions, Resize's
// linear and cubic mixes, ConvTranspose's zero insertion, transposes that move the batch). Attributes come from files too, so the shape ops
// check theirs against the input shape before running. A constant
// operand is a non-trainable weight named 'constant', so model files save and load it; the
// layer is in io's registry (className 'OnnxOp'). Imports no protobuf code.
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { clipByValue, elu, leakyRelu, neg, relu } from '../ops/unary.js';
import { softmax, logSoftmax } from '../ops/softmax.js';
import { pad, slice, transpose } from '../ops/layout.js';
import { reshape, tensor, zeros } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import { matMul } from '../ops/matmul.js';
import { max, mean, sum } from '../ops/reduce.js';
import { Layer, singleShape, type LayerArgs, type SymbolicShape } from '../layers/layer.js';
import type { Initializer } from '../layers/initializers.js';

type Attrs = Record<string, number | number[] | number[][]>;
const num = (a: Attrs, k: string) => a[k] as number;

/** Element-wise ops of one tensor: x → y of the same shape. */
const UNARY: Record<string, (x: Tensor, a: Attrs) => Tensor> = {
  leakyRelu: (x, a) => leakyRelu(x, num(a, 'alpha')),
  elu: (x, a) => elu(x, num(a, 'alpha')),
  selu: (x, a) => mul(elu(x, num(a, 'alpha')), num(a, 'gamma')),
  // max(0, min(1, alpha * x + beta)).
  hardSigmoid: (x, a) => clipByValue(add(mul(x, num(a, 'alpha')), num(a, 'beta')), 0, 1),
  clip: (x, a) => clipByValue(x, num(a, 'min'), num(a, 'max')),
  softmax: (x, a) => softmax(x, num(a, 'axis')),
  logSoftmax: (x, a) => logSoftmax(x, num(a, 'axis')),
  // x · max(0, min(1, x / 6 + 1/2)).
  hardSwish: (x) => mul(x, clipByValue(add(mul(x, 1 / 6), 0.5), 0, 1)),
};

/** Ops that change the shape (batch kept), by their attributes; shape(s, a) is the output shape. */
const isInts = (v: unknown, n?: number) => Array.isArray(v) && v.every((d) => Number.isInteger(d)) && (n === undefined || v.length === n);
/** Why attributes a do not fit input shape s (a file may hold anything), or null. */
function shapedProblem(op: string, s: SymbolicShape, a: Attrs): string | null {
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

const SHAPED: Record<string, { need: string[]; run: (x: Tensor, a: Attrs) => Tensor; shape: (s: SymbolicShape, a: Attrs) => SymbolicShape }> = {
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

/** Ops of two operands (tensor-tensor with broadcasting, or tensor-constant); *From: constant first. */
const BINARY: Record<string, (x: Tensor, c: Tensor) => Tensor> = {
  add: (x, c) => add(x, c), sub: (x, c) => sub(x, c), mul: (x, c) => mul(x, c), div: (x, c) => div(x, c),
  subFrom: (x, c) => sub(c, x), divFrom: (x, c) => div(c, x),
  // max(0, x) + c · min(0, x).
  prelu: (x, c) => sub(relu(x), mul(c, relu(neg(x)))),
  // Batched matrix product of two computed tensors (same batch dimensions).
  matMul: (x, c) => matMul(x, c),
};

export const ONNX_OP_NAMES = [...Object.keys(UNARY), ...Object.keys(BINARY), ...Object.keys(SHAPED), 'pad'];

/** Arguments of an OnnxOp layer: the op name, its attributes and its constant operand. */
export interface OnnxOpArgs extends LayerArgs {
  op: string;
  attrs?: Attrs;
  /** The constant operand's shape (binary ops on one tensor); broadcast against the input, batch included. */
  constantShape?: number[];
  /** Its values at import (not part of the config: a loaded file sets the weight). */
  constantInitializer?: Initializer;
}

/** NumPy broadcasting of two shapes (null: unknown batch). */
function broadcastShapes(name: string, a: SymbolicShape, b: SymbolicShape): SymbolicShape {
  const rank = Math.max(a.length, b.length);
  const out: SymbolicShape = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1, y = b[b.length - rank + i] ?? 1;
    if (x === null || y === null) out.push(x === 1 ? y : y === 1 ? x : x ?? y);
    else if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else throw new Error(`${name} (OnnxOp): shapes [${a.map((d) => d ?? 'null')}] and [${b.map((d) => d ?? 'null')}] do not broadcast`);
  }
  return out;
}

/** A layer that runs one ONNX op with no Keras layer (made by fromOnnx; saved and loaded like other layers). */
export class OnnxOp extends Layer {
  readonly op: string;
  readonly attrs: Attrs;
  readonly constantShape?: number[];
  private readonly constantInit?: Initializer;
  constant: Variable | null = null;

  constructor(args: OnnxOpArgs) {
    super('OnnxOp', args);
    if (!ONNX_OP_NAMES.includes(args?.op)) throw new Error(`OnnxOp: op must be one of ${ONNX_OP_NAMES.join(', ')}, got ${JSON.stringify(args?.op)}`);
    this.op = args.op;
    const attrs = args.attrs ?? {};
    const isNumList = (v: unknown): boolean => typeof v === 'number' || (Array.isArray(v) && v.every(isNumList));
    if (typeof attrs !== 'object' || !Object.values(attrs).every(isNumList)) {
      throw new Error(`OnnxOp: attrs must map names to numbers or lists of numbers, got ${JSON.stringify(attrs)?.slice(0, 80)}`);
    }
    this.attrs = JSON.parse(JSON.stringify(attrs)) as Attrs;
    const need = { leakyRelu: ['alpha'], elu: ['alpha'], selu: ['alpha', 'gamma'], hardSigmoid: ['alpha', 'beta'], clip: ['min', 'max'],
      softmax: ['axis'], logSoftmax: ['axis'], pad: ['paddings', 'value'] }[this.op] ?? SHAPED[this.op]?.need ?? [];
    for (const k of need) if (this.attrs[k] === undefined) throw new Error(`OnnxOp: op '${this.op}' needs attrs.${k}`);
    if (args.constantShape !== undefined) {
      if (!Object.hasOwn(BINARY, this.op) || this.op === 'matMul' || !Array.isArray(args.constantShape) ||
          !args.constantShape.every((d) => Number.isInteger(d) && d >= 1)) {
        throw new Error(`OnnxOp: constantShape must be a list of positive integers, for a binary op; got ${JSON.stringify(args.constantShape)}`);
      }
      this.constantShape = [...args.constantShape];
    }
    this.constantInit = args.constantInitializer;
    this.supportsMasking = true;
  }

  private get isBinary(): boolean { return Object.hasOwn(BINARY, this.op); }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    if (this.isBinary && this.constantShape === undefined) {
      if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) throw new Error(`${this.name} (OnnxOp): op '${this.op}' takes 2 inputs`);
      const [a, b] = inputShape as SymbolicShape[];
      if (this.op === 'matMul') {
        const r = a.length;
        if (r < 2 || b.length !== r || a[r - 1] !== b[r - 2] || a.slice(1, r - 2).some((d, i) => d !== b[i + 1])) {
          throw new Error(`${this.name} (OnnxOp): matMul of [${a.map((d) => d ?? 'null')}] and [${b.map((d) => d ?? 'null')}] needs one rank, one batch and matching inner dimensions`);
        }
        return [...a.slice(0, r - 1), b[r - 1]];
      }
      return broadcastShapes(this.name, a, b);
    }
    const s = singleShape(this, inputShape, []);
    if (Object.hasOwn(SHAPED, this.op)) {
      const problem = shapedProblem(this.op, s, this.attrs);
      if (problem !== null) throw new Error(`${this.name} (OnnxOp): ${this.op} on [${s.map((d) => d ?? 'null')}]: ${problem}`);
      return SHAPED[this.op].shape(s, this.attrs);
    }
    if (this.isBinary) return broadcastShapes(this.name, s, this.constantShape!);
    if (this.op === 'pad') {
      const p = this.attrs.paddings as number[][];
      if (p.length !== s.length) throw new Error(`${this.name} (OnnxOp): pad needs ${s.length} [before, after] pairs, got ${p.length}`);
      return s.map((d, i) => (d === null ? null : d + p[i][0] + p[i][1]));
    }
    return s;
  }

  override build(): void {
    if (this.constantShape === undefined) return;
    const init = this.constantInit ?? { className: 'Zeros', apply: (shape: number[]) => zeros(shape), getConfig: () => ({}) };
    this.constant = this.addWeight('constant', this.constantShape, init, null, false);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    if (this.isBinary) {
      const [x, c] = this.constant !== null ? [inputs as Tensor, this.constant] : inputs as Tensor[];
      return BINARY[this.op](x, c);
    }
    const x = inputs as Tensor;
    if (this.op === 'pad') return pad(x, this.attrs.paddings as [number, number][], this.attrs.value as number);
    if (Object.hasOwn(SHAPED, this.op)) return SHAPED[this.op].run(x, this.attrs);
    return UNARY[this.op](x, this.attrs);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), op: this.op, attrs: this.attrs, ...(this.constantShape ? { constantShape: this.constantShape } : {}) };
  }
}
