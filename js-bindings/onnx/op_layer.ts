// OnnxOp: a small serializable layer that runs one named Lepton op with JSON attributes, for
// ONNX ops that have no Keras layer (a tensor-constant Add, Clip with any bounds, LeakyRelu with
// ONNX's alpha, Softmax over a chosen axis, a -FLT_MAX Pad before a MaxPool, PRelu, HardSwish,
// a batched MatMul, and the shape ops of shaped_ops.ts: row gathers, slices, full reshapes,
// reductions, Resize's linear and cubic mixes, ConvTranspose's zero insertion, transposes that
// move the batch). Attributes come from files too, so the shape ops check theirs against the
// input shape before running. A constant operand is a non-trainable weight named 'constant', so
// model files save and load it. The layer registers itself in io's registry (className 'OnnxOp')
// when this file is imported, through lepton-wasm/onnx: the core entry carries none of it, and a
// model file holding OnnxOp layers needs `import 'lepton-wasm/onnx'` before io.load (the error
// says so). Imports no protobuf code.
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { clipByValue, elu, leakyRelu, neg, relu } from '../ops/unary.js';
import { softmax, logSoftmax } from '../ops/softmax.js';
import { pad } from '../ops/layout.js';
import { zeros } from '../ops/creation.js';
import { matMul } from '../ops/matmul.js';
import { Layer, singleShape, type LayerArgs, type SymbolicShape } from '../layers/layer.js';
import { loadArgs, registerLayer } from '../io/registry.js';
import type { Initializer } from '../layers/initializers.js';
import { SHAPED, shapedProblem, type Attrs } from './shaped_ops.js';

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

registerLayer('OnnxOp', (config) => new OnnxOp(loadArgs(config) as unknown as OnnxOpArgs));
