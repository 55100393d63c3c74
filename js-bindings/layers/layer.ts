// The layer base (tfjs-layers' Layer): constructor validation, build(inputShape) creating the
// weights as Variables, call(inputs, kwargs) running ops, apply() that either runs call on
// tensors or, on symbolic tensors (lp.input()), records a graph node for a functional model,
// getConfig(), getWeights()/setWeights() in TF.js's order (trainable, then non-trainable).
import { Tensor, tidy, type DType } from '../tensor.js';
import { assignAll, variable, uniqueVariableName, type Variable } from '../variable.js';
import { clone } from '../ops/creation.js';
import { add } from '../ops/binary.js';
import type { Initializer } from './initializers.js';
import type { Regularizer } from './regularizers.js';

/** A shape whose batch (first) dimension may be unknown. */
export type SymbolicShape = (number | null)[];

/** Arguments every layer takes. */
export interface LayerArgs {
  /** A unique name (default: the class name in snake_case, numbered when already taken). */
  name?: string;
  /** Input shape without the batch dimension (first layer of a sequential model). */
  inputShape?: SymbolicShape;
  /** Input shape with the batch dimension (null: any). */
  batchInputShape?: SymbolicShape;
  /** With inputShape: a fixed batch size. */
  batchSize?: number;
  /** Whether fit() updates the weights (default true). */
  trainable?: boolean;
  /** The dtype of the layer's input (default float32). */
  dtype?: DType;
}

/** A layer's input mask: one per input for layers that take a list (null: that input has none). */
export type InputMask = Tensor | (Tensor | null)[] | null;

/** Options of a layer's apply() and call(). */
export interface CallKwargs {
  /** Training mode: dropout drops, batch normalization uses batch statistics. */
  training?: boolean;
  /** The model's loss fuses softmax into cross-entropy: return logits instead of softmax. */
  logits?: boolean;
  /**
   * The mask of the input (Keras's implicit masks): a bool tensor [batch, time], true where a time
   * step holds data. An Embedding with maskZero makes one; models hand it to the next layer.
   */
  mask?: InputMask;
  /** Layer-specific call options (useCausalMask, initialState ...), recorded on graph nodes as given. */
  [option: string]: unknown;
}

/** The keys of CallKwargs a model sets itself on every call (never recorded on a node). */
const MODEL_KWARGS = new Set(['training', 'logits', 'mask']);

/** A placeholder in a functional graph: what a layer will produce, by shape. */
export class SymbolicTensor {
  private static next = 0;
  readonly id = SymbolicTensor.next++;
  constructor(readonly shape: SymbolicShape, readonly dtype: DType, readonly node: LayerNode | null,
      readonly name: string) {}
  get rank(): number { return this.shape.length; }
  toString(): string { return `SymbolicTensor ${this.name} [${this.shape.map((d) => d ?? 'null')}]`; }
}

/** One application of a layer in a graph. */
export interface LayerNode {
  layer: Layer;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Whether apply() got a list (merge layers) rather than one tensor. */
  listInput?: boolean;
  /** Call options given to apply() on symbolic tensors (JSON values), passed to every call. */
  callArgs?: Record<string, unknown>;
}

const nameCounts = new Map<string, number>();
function uniqueLayerName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

function snake(className: string): string {
  return className.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

export function checkShapeList(layer: string, arg: string, shape: unknown, allowNull: boolean): asserts shape is SymbolicShape {
  if (!Array.isArray(shape) || !shape.every((d, i) => (d === null && allowNull && i === 0) || (Number.isInteger(d) && d > 0))) {
    throw new Error(`${layer}: ${arg} must be a list of positive integers${allowNull ? ' (the first may be null)' : ''}, got ${JSON.stringify(shape)}`);
  }
}

/** While set (io.load), the bytes that new weights may still take: a file cannot make its layers allocate more than it holds. */
let weightBudget: { left: number } | null = null;

/** Runs fn with new weights limited to `bytes` in all (past it, addWeight throws before allocating). */
export function withWeightBudget<T>(bytes: number, fn: () => T): T {
  const outer = weightBudget;
  weightBudget = { left: bytes };
  try {
    return fn();
  } finally {
    weightBudget = outer;
  }
}

/** The base of every layer (tfjs-layers' Layer): weights, build, call, apply, getConfig. */
export abstract class Layer {
  /** The layer's name, unique in its model. */
  readonly name: string;
  /** Whether fit() updates its weights. */
  trainable: boolean;
  /** Whether build() has created the weights. */
  built = false;
  /** The dtype of its input. */
  readonly dtype: DType;
  /** [batch, ...inputShape] when the constructor got an input shape. */
  readonly batchInputShape?: SymbolicShape;
  protected trainableList: Variable[] = [];
  protected nonTrainableList: Variable[] = [];
  /** Regularizers of this layer's weights: [weight, regularizer]. */
  protected penalties: [Variable, Regularizer][] = [];
  /** Where this layer was applied to symbolic tensors. */
  readonly inboundNodes: LayerNode[] = [];
  /**
   * What call() computes with instead of a kernel weight (not biases): quantization-aware training
   * sets a fake quantizer here (js-bindings/qat/). Null: the weight itself.
   */
  kernelTransform: ((kernel: Variable) => Tensor) | null = null;
  /** Run (once) when the layer is disposed: tools that keep memory beside its weights (pruning masks) free it here. */
  readonly disposeHooks: (() => void)[] = [];
  /** What kernelTransform is, when a model file must record it (quantization-aware training's {qmax}). */
  kernelQuantizer: { qmax: number } | null = null;

  constructor(readonly className: string, args: LayerArgs = {}) {
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name.length === 0)) {
      throw new Error(`${className}: name must be a non-empty string`);
    }
    this.name = args.name ?? uniqueLayerName(snake(className));
    this.trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    if (args.batchInputShape !== undefined) {
      checkShapeList(className, 'batchInputShape', args.batchInputShape, true);
      this.batchInputShape = [...args.batchInputShape];
    } else if (args.inputShape !== undefined) {
      checkShapeList(className, 'inputShape', args.inputShape, false);
      this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    }
  }

  /** Creates the weights for an input of this shape (batch dimension first, may be null). */
  build(_inputShape: SymbolicShape | SymbolicShape[]): void {}

  /**
   * The layer's computation on real tensors: one tensor, or one per output for layers with
   * several (a recurrent layer with returnState gives [output, ...states]).
   */
  abstract call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor;

  /** The output shape for an input shape (checks the input too); the first output's for multi-output layers. */
  abstract computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape;

  /** Every output's shape: layers with several outputs override this (and call() returns a list). */
  computeOutputShapes(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    return [this.computeOutputShape(inputShape)];
  }

  /**
   * Whether the layer passes its input mask on unchanged (element-wise and per-time-step layers,
   * as Keras's supports_masking). Layers that consume or change the mask override computeMask.
   */
  supportsMasking = false;

  /**
   * The mask of the output(s), from the inputs and their mask (Keras's compute_mask). By default
   * a layer that supportsMasking passes its (single) input mask on and any other layer drops it.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: InputMask): Tensor | null | (Tensor | null)[] {
    return this.supportsMasking && !Array.isArray(mask) ? mask ?? null : null;
  }

  /** The constructor arguments that recreate this layer (tfjs-layers' getConfig). */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable, ...(this.batchInputShape ? { batchInputShape: this.batchInputShape } : {}),
      ...(this.kernelQuantizer ? { kernelQuantizer: { ...this.kernelQuantizer } } : {}) };
  }

  /** Runs the layer on tensors, or adds it to a graph when given symbolic tensors. */
  apply(inputs: Tensor | Tensor[], kwargs?: CallKwargs): Tensor;
  apply(inputs: SymbolicTensor | SymbolicTensor[], kwargs?: CallKwargs): SymbolicTensor;
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs: CallKwargs = {}): Tensor | SymbolicTensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new Error(`${this.name}: apply() needs at least one input`);
    if (list.every((x) => x instanceof SymbolicTensor)) {
      const shapes = (list as SymbolicTensor[]).map((s) => s.shape);
      const shapeArg = Array.isArray(inputs) ? shapes : shapes[0];
      const callArgs = recordedCallArgs(this, kwargs);
      const outShapes = this.computeOutputShapes(shapeArg);
      this.ensureBuilt(shapeArg);
      const node: LayerNode = { layer: this, inputs: list as SymbolicTensor[], outputs: [], listInput: Array.isArray(inputs),
        ...(callArgs ? { callArgs } : {}) };
      outShapes.forEach((shape, i) => node.outputs.push(new SymbolicTensor(shape, 'float32', node, `${this.name}/out${i === 0 ? '' : i}`)));
      this.inboundNodes.push(node);
      // Several outputs come back as a list, as in TF.js (see applyMulti for a typed form).
      return (node.outputs.length === 1 ? node.outputs[0] : node.outputs) as SymbolicTensor;
    }
    if (!list.every((x) => x instanceof Tensor)) {
      throw new Error(`${this.name}: apply() takes tensors or symbolic tensors (from lp.input), not a mix`);
    }
    const tensors = list as Tensor[];
    const shapeArg = Array.isArray(inputs) ? tensors.map((t) => [...t.shape]) : [...tensors[0].shape];
    this.computeOutputShape(shapeArg); // validates before any memory is touched
    this.ensureBuilt(shapeArg);
    return this.call(inputs as Tensor | Tensor[], kwargs);
  }

  /** apply() for layers with several outputs (a recurrent layer with returnState): always a list. */
  applyMulti(inputs: Tensor | Tensor[], kwargs?: CallKwargs): Tensor[];
  applyMulti(inputs: SymbolicTensor | SymbolicTensor[], kwargs?: CallKwargs): SymbolicTensor[];
  applyMulti(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs?: CallKwargs): Tensor[] | SymbolicTensor[] {
    const out = this.apply(inputs as Tensor, kwargs) as Tensor | Tensor[];
    return Array.isArray(out) ? out : [out];
  }

  /** Builds once; later calls must agree on the non-batch dimensions the weights were built for. */
  ensureBuilt(inputShape: SymbolicShape | SymbolicShape[]): void {
    if (this.built) return;
    this.build(inputShape);
    this.built = true;
  }

  /** Adds a weight variable named `${layer}/${name}`, initialized now. */
  protected addWeight(name: string, shape: number[], initializer: Initializer, regularizer: Regularizer | null = null,
      trainable = true): Variable {
    if (weightBudget !== null) {
      const bytes = shape.reduce((a, d) => a * d, 4);
      if (!(bytes <= weightBudget.left)) {
        throw new Error(`${this.name} (${this.className}): weight '${name}' [${shape}] needs ${bytes} bytes, more than the ${weightBudget.left} left`);
      }
      weightBudget.left -= bytes;
    }
    const value = tidy(() => initializer.apply(shape));
    const v = variable(value, trainable && this.trainable, uniqueVariableName(`${this.name}/${name}`));
    value.dispose();
    (trainable ? this.trainableList : this.nonTrainableList).push(v);
    if (regularizer !== null) this.penalties.push([v, regularizer]);
    return v;
  }

  /** A kernel weight as call() uses it: through kernelTransform when one is set. */
  protected kernelValue(kernel: Variable): Tensor {
    return this.kernelTransform === null ? kernel : this.kernelTransform(kernel);
  }

  get trainableWeights(): Variable[] { return this.trainable ? [...this.trainableList] : []; }
  get nonTrainableWeights(): Variable[] {
    return this.trainable ? [...this.nonTrainableList] : [...this.trainableList, ...this.nonTrainableList];
  }
  /** Trainable weights, then non-trainable ones (TF.js's order). */
  get weights(): Variable[] { return [...this.trainableList, ...this.nonTrainableList]; }

  /** Copies of the weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => clone(v));
  }

  /** Sets every weight from a list in `weights` order (shapes must match). */
  setWeights(values: Tensor[]): void {
    assignAll(`${this.name}.setWeights`, this.weights, values);
  }

  /** The number of weight elements (trainable and not). */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** The sum of this layer's weight penalties (recorded ops), or null without regularizers. */
  regularizationLoss(): Tensor | null {
    let total: Tensor | null = null;
    for (const [w, r] of this.penalties) {
      if (!w.trainable) continue;
      const p = r.apply(w);
      total = total === null ? p : add(total, p);
    }
    return total;
  }

  /** Frees the weights. */
  dispose(): void {
    for (const hook of this.disposeHooks.splice(0)) hook();
    for (const w of this.weights) w.dispose();
    this.trainableList = [];
    this.nonTrainableList = [];
    this.penalties = [];
    this.built = false;
  }
}

/** The layer-specific options of a symbolic apply(), checked to be JSON values (a model file records them). */
function recordedCallArgs(layer: Layer, kwargs: CallKwargs): Record<string, unknown> | undefined {
  const entries = Object.entries(kwargs).filter(([k, v]) => !MODEL_KWARGS.has(k) && v !== undefined);
  if (entries.length === 0) return undefined;
  for (const [k, v] of entries) {
    if (v instanceof Tensor || v instanceof SymbolicTensor || (typeof v === 'object' && v !== null && JSON.stringify(v) === undefined)) {
      throw new Error(`${layer.name} (${layer.className}): call option '${k}' must be a plain value on symbolic inputs; ` +
        'pass tensors as inputs');
    }
    if (typeof v === 'function') throw new Error(`${layer.name} (${layer.className}): call option '${k}' cannot be a function`);
  }
  return Object.fromEntries(entries);
}

/** Checks a single input shape's rank for layers that take one tensor. */
export function singleShape(layer: Layer, shape: SymbolicShape | SymbolicShape[], ranks: number[]): SymbolicShape {
  if (Array.isArray(shape[0]) || shape.some((d) => Array.isArray(d))) {
    throw new Error(`${layer.name} (${layer.className}): expects one input, got ${(shape as SymbolicShape[]).length}`);
  }
  const s = shape as SymbolicShape;
  if (ranks.length > 0 && !ranks.includes(s.length)) {
    throw new Error(`${layer.name} (${layer.className}): expects input of rank ${ranks.join(' or ')} ` +
      `(batch included), got shape [${s.map((d) => d ?? 'null')}]`);
  }
  return s;
}
