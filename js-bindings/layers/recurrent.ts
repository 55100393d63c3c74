// Recurrent layers (tfjs-layers' SimpleRNN, LSTM, GRU: names, configs, weight names and layouts
// kernel [in, G·units], recurrent_kernel [units, G·units], bias [G·units]; the GRU with Keras's
// reset_after = true has bias [2, 3·units], input bias then recurrent bias). A call is one
// whole-sequence op (ops/rnn.ts: one kernel call forward, one tape node, BPTT in one kernel call).
//
// As Keras: dropout and recurrentDropout draw one mask per call ([batch, features] for the inputs,
// [batch, units] for h), the same at every time step; a masked step keeps the state and repeats
// the previous output; returnSequences passes the input mask on, otherwise it is dropped;
// returnState returns [output, h, (c)]. Initial states come as call option `initialState` (a
// tensor or a list) or as extra inputs ([x, h0, (c0)]). stateful is refused.
import { Tensor, type Shape } from '../tensor.js';
import type { Variable } from '../variable.js';
import { concat, slice } from '../ops/layout.js';
import { mul } from '../ops/binary.js';
import { ones, reshape, seedOf } from '../ops/creation.js';
import { dropout as dropoutOp } from '../ops/nn.js';
import { isRnnActivation, rnnSequence, type RnnActivation, type RnnCellKind, type RnnSequenceArgs } from '../ops/rnn.js';
import { assertPositiveInt } from '../util.js';
import { Layer, singleShape, type CallKwargs, type InputMask, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';

type RegularizerArg = 'l1' | 'l2' | 'l1l2' | Regularizer;

export interface RNNLayerArgs extends LayerArgs {
  units: number;
  activation?: RnnActivation;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  recurrentInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: RegularizerArg;
  recurrentRegularizer?: RegularizerArg;
  biasRegularizer?: RegularizerArg;
  dropout?: number;
  recurrentDropout?: number;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  /** Accepted for TF.js compatibility; the whole-sequence kernel has nothing to unroll. */
  unroll?: boolean;
  /** Seeds the dropout masks (each call draws new ones from it); default: the engine's sequence. */
  seed?: number;
}
export interface GatedRNNLayerArgs extends RNNLayerArgs {
  recurrentActivation?: RnnActivation;
  /** Accepted for TF.js compatibility (it computes the same thing either way). */
  implementation?: number;
}
export interface LSTMLayerArgs extends GatedRNNLayerArgs {
  /** Initialize the forget gate's bias to 1 (and the rest with biasInitializer). */
  unitForgetBias?: boolean;
}
export interface GRULayerArgs extends GatedRNNLayerArgs {
  /**
   * Apply the reset gate after the recurrent product, h̃ = act(x·W_h + b_h + r∘(h·U_h + b'_h)),
   * with bias [2, 3·units] (input row, recurrent row): Keras's reset_after (TF2 Keras's default),
   * ONNX's linear_before_reset = 1, PyTorch's GRU. Default false, tfjs-layers' only form.
   */
  resetAfter?: boolean;
}

const GATES: Record<RnnCellKind, number> = { simpleRNN: 1, lstm: 4, gru: 3 };

/** tfjs's activation name (case-insensitive input) or an Error naming the layer. */
function rnnActivation(layer: string, arg: string, name: unknown, fallback: RnnActivation): RnnActivation {
  if (name === undefined || name === null) return fallback;
  const n = typeof name === 'string' && name.toLowerCase() === 'hardsigmoid' ? 'hardSigmoid' : name;
  if (!isRnnActivation(n)) throw new Error(`${layer}: ${arg} '${String(name)}' is not supported (tanh, sigmoid, hardSigmoid, relu, linear)`);
  return n;
}

function rate(layer: string, arg: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`${layer}: ${arg} must be a number in [0, 1), got ${String(v)}`);
  return v;
}

/** The shared part of SimpleRNN, LSTM and GRU. */
export abstract class RNNLayer extends Layer {
  readonly units: number;
  readonly activation: RnnActivation;
  readonly recurrentActivation: RnnActivation;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly unroll: boolean;
  readonly seed?: number;
  protected kernelInit: Initializer;
  protected recurrentInit: Initializer;
  protected biasInit: Initializer;
  private kernelReg: Regularizer | null;
  private recurrentReg: Regularizer | null;
  private biasReg: Regularizer | null;
  private calls = 0;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(className: string, readonly cell: RnnCellKind, private readonly args: GatedRNNLayerArgs, defaultRecurrent: RnnActivation) {
    super(className, args);
    assertPositiveInt(className, 'units', args.units);
    if (args.stateful) throw new Error(`${className}: stateful is not supported (pass initialState and keep the returned states instead)`);
    for (const k of ['useBias', 'returnSequences', 'returnState', 'goBackwards', 'unroll'] as const) {
      if (args[k] !== undefined && typeof args[k] !== 'boolean') throw new Error(`${className}: ${k} must be a boolean, got ${String(args[k])}`);
    }
    if (args.seed !== undefined && !Number.isSafeInteger(args.seed)) throw new Error(`${className}: seed must be an integer, got ${String(args.seed)}`);
    this.units = args.units;
    this.activation = rnnActivation(className, 'activation', args.activation, 'tanh');
    this.recurrentActivation = rnnActivation(className, 'recurrentActivation', args.recurrentActivation, defaultRecurrent);
    this.useBias = args.useBias ?? true;
    this.dropout = rate(className, 'dropout', args.dropout);
    this.recurrentDropout = rate(className, 'recurrentDropout', args.recurrentDropout);
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.unroll = args.unroll ?? false;
    this.seed = args.seed;
    this.kernelInit = getInitializer(className, 'kernelInitializer', args.kernelInitializer, 'glorotNormal');
    this.recurrentInit = getInitializer(className, 'recurrentInitializer', args.recurrentInitializer, 'orthogonal');
    this.biasInit = getInitializer(className, 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelReg = getRegularizer(className, 'kernelRegularizer', args.kernelRegularizer);
    this.recurrentReg = getRegularizer(className, 'recurrentRegularizer', args.recurrentRegularizer);
    this.biasReg = getRegularizer(className, 'biasRegularizer', args.biasRegularizer);
    this.supportsMasking = true;
  }

  /** A new, unbuilt layer of this class with the same arguments (initializer objects included) but `changes`. */
  cloneWith(changes: Partial<LSTMLayerArgs>): RNNLayer {
    return new (this.constructor as new (args: GatedRNNLayerArgs) => RNNLayer)({ ...this.args, ...changes });
  }

  /** The number of state tensors (h, and c for the LSTM). */
  get stateCount(): number { return this.cell === 'lstm' ? 2 : 1; }

  /** x's shape, from one shape or [x, ...initial states]. */
  private inputShapeOf(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const list = Array.isArray(inputShape[0]) ? inputShape as SymbolicShape[] : null;
    if (list !== null && list.length !== 1 + this.stateCount) {
      throw new Error(`${this.name} (${this.className}): expects x or [x, ${this.cell === 'lstm' ? 'h0, c0' : 'h0'}], got ${list.length} inputs`);
    }
    const s = singleShape(this, list ? list[0] : inputShape, [3]);
    if (this.kernel !== null && s[2] !== this.kernel.shape[0]) {
      throw new Error(`${this.name} (${this.className}): expects inputs with ${this.kernel.shape[0]} features, got shape [${s.map((d) => d ?? 'null')}]`);
    }
    return s;
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = this.inputShapeOf(inputShape);
    return this.returnSequences ? [s[0], s[1], this.units] : [s[0], this.units];
  }

  override computeOutputShapes(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const out = this.computeOutputShape(inputShape);
    if (!this.returnState) return [out];
    const b = this.inputShapeOf(inputShape)[0];
    return [out, ...Array.from({ length: this.stateCount }, () => [b, this.units])];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: InputMask): Tensor | null | (Tensor | null)[] {
    const m = (Array.isArray(mask) ? mask[0] : mask) ?? null;
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...Array.from({ length: this.stateCount }, () => null)] : out;
  }

  /** The bias initializer (the LSTM puts ones in its forget block when unitForgetBias). */
  protected biasInitializer(): Initializer { return this.biasInit; }

  /** The bias's shape for G·units gate columns (the reset-after GRU has two rows). */
  protected biasShape(gu: number): number[] { return [gu]; }

  /** Cell options for the sequence op beyond the shared ones (the GRU's resetAfter). */
  protected cellArgs(): Partial<RnnSequenceArgs> { return {}; }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const features = this.inputShapeOf(inputShape)[2]!;
    const gu = GATES[this.cell] * this.units;
    this.kernel = this.addWeight('kernel', [features, gu], this.kernelInit, this.kernelReg);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, gu], this.recurrentInit, this.recurrentReg);
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(gu), this.biasInitializer(), this.biasReg);
  }

  /** A dropout mask (kept entries 1/(1 − rate), as Keras's) of this shape, or null. */
  private dropMask(r: number, shape: Shape, training: boolean): Tensor | null {
    if (!training || r === 0) return null;
    const seed = this.seed !== undefined ? (this.seed + Math.imul(this.calls++, 0x9E3779B1)) >>> 0 : seedOf(this.className, undefined);
    return dropoutOp(ones(shape), r, undefined, seed);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    let x = list[0];
    let states = list.slice(1);
    const given = kwargs.initialState;
    if (given !== undefined && given !== null) {
      if (states.length > 0) throw new Error(`${this.name} (${this.className}): initial states given both as inputs and as initialState`);
      states = given instanceof Tensor ? [given] : Array.isArray(given) ? given as Tensor[] : [];
      if (!states.every((s) => s instanceof Tensor)) throw new Error(`${this.name} (${this.className}): initialState must be a tensor or a list of tensors`);
    }
    if (states.length !== 0 && states.length !== this.stateCount) {
      throw new Error(`${this.name} (${this.className}): expects ${this.stateCount} initial state(s), got ${states.length}`);
    }
    const [batch, time, features] = x.shape;
    const mask = (Array.isArray(kwargs.mask) ? kwargs.mask[0] : kwargs.mask) ?? null;
    const training = kwargs.training ?? false;
    const inputMask = this.dropMask(this.dropout, [batch, 1, features], training);
    if (inputMask !== null) x = mul(x, inputMask);
    const packed = rnnSequence(this.cell, x, this.kernelValue(this.kernel!), this.kernelValue(this.recurrentKernel!), this.bias, {
      initialH: states[0] ?? null, initialC: states[1] ?? null, mask,
      recurrentMask: this.dropMask(this.recurrentDropout, [batch, this.units], training),
      goBackwards: this.goBackwards, activation: this.activation, recurrentActivation: this.recurrentActivation,
      ...this.cellArgs(),
    });
    const u = this.units;
    const last = reshape(slice(packed, [0, time - 1, 0], [batch, 1, u]), [batch, u]);
    const seq = this.cell === 'lstm' ? slice(packed, [0, 0, 0], [batch, time, u]) : packed;
    const output = this.returnSequences ? seq : last;
    if (!this.returnState) return output;
    const out = [output, last];
    if (this.cell === 'lstm') out.push(reshape(slice(packed, [0, time, 0], [batch, 1, u]), [batch, u]));
    return out as unknown as Tensor;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units, activation: this.activation,
      ...(this.cell !== 'simpleRNN' ? { recurrentActivation: this.recurrentActivation } : {}), useBias: this.useBias,
      kernelInitializer: this.kernelInit.className, recurrentInitializer: this.recurrentInit.className,
      biasInitializer: this.biasInit.className, kernelRegularizer: serializeRegularizer(this.kernelReg),
      recurrentRegularizer: serializeRegularizer(this.recurrentReg), biasRegularizer: serializeRegularizer(this.biasReg),
      dropout: this.dropout, recurrentDropout: this.recurrentDropout, returnSequences: this.returnSequences,
      returnState: this.returnState, goBackwards: this.goBackwards, stateful: false, unroll: this.unroll,
      ...(this.seed !== undefined ? { seed: this.seed } : {}) };
  }
}

export class SimpleRNN extends RNNLayer {
  constructor(args: RNNLayerArgs) {
    super('SimpleRNN', 'simpleRNN', args, 'tanh');
  }
}

export class LSTM extends RNNLayer {
  readonly unitForgetBias: boolean;
  constructor(args: LSTMLayerArgs) {
    super('LSTM', 'lstm', args, 'hardSigmoid');
    this.unitForgetBias = args.unitForgetBias ?? false;
  }
  protected override biasInitializer(): Initializer {
    if (!this.unitForgetBias) return this.biasInit;
    const init = this.biasInit, u = this.units;
    // As tfjs's LSTMCell: [biasInit(units), ones(units), biasInit(2·units)].
    return { className: init.className, getConfig: () => init.getConfig(),
      apply: () => concat([init.apply([u]), ones([u]), init.apply([2 * u])], 0) };
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}

export class GRU extends RNNLayer {
  readonly resetAfter: boolean;
  constructor(args: GRULayerArgs) {
    if (args.resetAfter !== undefined && args.resetAfter !== null && typeof args.resetAfter !== 'boolean') {
      throw new Error(`GRU: resetAfter must be a boolean, got ${String(args.resetAfter)}`);
    }
    super('GRU', 'gru', args, 'hardSigmoid');
    this.resetAfter = args.resetAfter ?? false;
  }
  protected override biasShape(gu: number): number[] { return this.resetAfter ? [2, gu] : [gu]; }
  protected override cellArgs(): Partial<RnnSequenceArgs> { return { resetAfter: this.resetAfter }; }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}
