// LayersModel: a graph of layers between symbolic inputs and outputs (tfjs-layers' functional
// model, `lp.model({inputs, outputs})`), executed in topological order. Prediction, weights in
// TF.js's order (every layer's trainable weights, then every layer's non-trainable ones) and the
// summary live here; compile/fit/evaluate are in training.ts.
import { Tensor, tidy } from '../tensor.js';
import { assignAll, type Variable } from '../variable.js';
import { concat, slice } from '../ops/layout.js';
import { clone } from '../ops/creation.js';
import { fmt } from '../util.js';
import { Layer, SymbolicTensor, type CallKwargs, type InputMask, type LayerNode } from '../layers/layer.js';
import { InputLayer } from '../layers/input.js';
import { summaryLines } from './summary.js';
import { compile, compiledOf, evaluate, hasStaticFirstAxis, trainOnBatch, type CompileArgs, type EvaluateArgs } from './training.js';
import { fit, fitDataset, type DatasetLike, type FitArgs, type FitDatasetArgs, type History } from './fit.js';
import type { Optimizer } from '../optimizers.js';

/** Arguments of model(): the symbolic inputs and outputs of the graph. */
export interface ModelArgs {
  /** The input(s), made with input(). */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The output(s): layers applied to the inputs. */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** The model name. */
  name?: string;
}

export interface ExecuteKwargs {
  training?: boolean;
  /** Per output: return the logits of a final softmax (fused softmax + cross-entropy). */
  logits?: boolean[];
  /** Sees every value of the graph as it is computed: the inputs and each node's outputs, by
   *  symbolic tensor id (quantization's calibration records their ranges). */
  onValue?: (id: number, t: Tensor) => void;
}

let modelCount = 0;

/** A model: a graph of layers (tf.LayersModel). Make one with `model({inputs, outputs})` or `sequential()`, then compile, fit, evaluate, predict. */
export class LayersModel {
  /** The model's name. */
  name: string;
  /** The symbolic inputs of the graph. */
  inputs: SymbolicTensor[] = [];
  /** The symbolic outputs of the graph. */
  outputs: SymbolicTensor[] = [];
  /** Execution order, input layers excluded. */
  protected nodes: LayerNode[] = [];
  protected layerList: Layer[] = [];
  /** Set by callbacks (earlyStopping) to end fit() after the current epoch. */
  stopTraining = false;

  constructor(args?: ModelArgs) {
    this.name = args?.name ?? (modelCount++ === 0 ? 'model' : `model_${modelCount - 1}`);
    if (args !== undefined) {
      if (args === null || typeof args !== 'object' || args.inputs === undefined || args.outputs === undefined) {
        throw new Error('model: expects {inputs, outputs} (symbolic tensors from lp.input and layer.apply)');
      }
      this.setGraph(Array.isArray(args.inputs) ? args.inputs : [args.inputs],
        Array.isArray(args.outputs) ? args.outputs : [args.outputs]);
    }
  }

  /** Orders the nodes between inputs and outputs; throws when an output does not depend on the inputs alone. */
  protected setGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    for (const s of [...inputs, ...outputs]) {
      if (!(s instanceof SymbolicTensor)) throw new Error(`model: inputs and outputs must be symbolic tensors, got ${String(s)}`);
    }
    inputs.forEach((s) => {
      if (!(s.node?.layer instanceof InputLayer)) throw new Error(`model: input ${s.name} is not from lp.input()`);
    });
    const inputIds = new Set(inputs.map((s) => s.id));
    const order: LayerNode[] = [];
    const visited = new Set<LayerNode>();
    const visit = (s: SymbolicTensor): void => {
      if (inputIds.has(s.id)) return;
      const node = s.node;
      if (node === null || node.layer instanceof InputLayer) {
        throw new Error(`model: graph disconnected: ${s.name} is not computed from the model's inputs ` +
          `(${inputs.map((i) => i.name).join(', ')})`);
      }
      if (visited.has(node)) return;
      visited.add(node);
      node.inputs.forEach(visit);
      order.push(node);
    };
    outputs.forEach(visit);
    this.inputs = inputs;
    this.outputs = outputs;
    this.nodes = order;
    const seen = new Set<Layer>();
    this.layerList = [...inputs.map((s) => s.node!.layer), ...order.map((n) => n.layer)].filter((l) => !seen.has(l) && seen.add(l));
  }

  get layers(): Layer[] { return [...this.layerList]; }

  /** The layer applications in execution order (input layers excluded), for tools that rewrite models. */
  get graphNodes(): readonly LayerNode[] { return this.nodes; }

  /** The layer of that name, or at that index (an Error when there is none). */
  getLayer(nameOrIndex: string | number): Layer {
    const layer = typeof nameOrIndex === 'number' ? this.layers[nameOrIndex] : this.layers.find((l) => l.name === nameOrIndex);
    if (layer === undefined) throw new Error(`getLayer: no layer ${JSON.stringify(nameOrIndex)} in model '${this.name}'`);
    return layer;
  }

  /** Checks tensors against the model's inputs (count, dtype, shape; batch free). */
  checkInputs(op: string, x: Tensor | Tensor[]): Tensor[] {
    if (this.inputs.length === 0) throw new Error(`${op}: the model has no layers (add some first)`);
    const xs = Array.isArray(x) ? x : [x];
    if (xs.length !== this.inputs.length) {
      throw new Error(`${op}: the model takes ${this.inputs.length} input(s), got ${xs.length}`);
    }
    xs.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`${op}: input ${i} must be a Tensor, got ${typeof t}`);
      t.assertLive(op);
      const want = this.inputs[i].shape;
      if (t.rank !== want.length || want.some((d, j) => d !== null && d !== t.shape[j])) {
        throw new Error(`${op}: input ${i} must have shape [${want.map((d) => d ?? 'null')}], got ${fmt(t.shape)}`);
      }
      if (t.dtype !== 'float32' && t.dtype !== this.inputs[i].dtype) {
        throw new Error(`${op}: input ${i} must be float32, got ${t.dtype}`);
      }
    });
    // Inputs with a free first axis share the batch; a static first axis (checked above) is its
    // own (an imported decoder's time-major sequence beside its [directions, batch, units]
    // states), and such models take their data whole (hasStaticFirstAxis).
    const free = xs.filter((_, i) => this.inputs[i].shape[0] === null);
    if (free.some((t) => t.shape[0] !== free[0].shape[0])) {
      throw new Error(`${op}: all inputs must have the same batch size, got ${xs.map((t) => fmt(t.shape)).join(', ')}`);
    }
    return xs;
  }

  /** Runs the graph on checked inputs; returns one tensor per output. */
  execute(xs: Tensor[], kwargs: ExecuteKwargs = {}): Tensor[] {
    const values = new Map<number, Tensor>();
    // Keras's implicit masks: what each layer's computeMask gives flows to the layers it feeds.
    const masks = new Map<number, Tensor>();
    this.inputs.forEach((s, i) => { values.set(s.id, xs[i]); kwargs.onValue?.(s.id, xs[i]); });
    for (const node of this.nodes) {
      const ins = node.inputs.map((s) => values.get(s.id)!);
      const inMasks = node.inputs.map((s) => masks.get(s.id) ?? null);
      const mask: InputMask = node.listInput ? (inMasks.some((m) => m !== null) ? inMasks : null) : inMasks[0];
      // The logits of a fused softmax loss come from the node that computes a model output.
      const out = this.outputs.findIndex((o) => o.node === node && o === node.outputs[0]);
      const call: CallKwargs = { ...node.callArgs, training: kwargs.training ?? false,
        logits: out >= 0 && (kwargs.logits?.[out] ?? false), ...(mask !== null ? { mask } : {}) };
      const inputs = node.listInput ? ins : ins[0];
      const result = node.layer.call(inputs, call) as Tensor | Tensor[];
      const outs = Array.isArray(result) ? result : [result];
      if (outs.length !== node.outputs.length) {
        throw new Error(`${node.layer.name} (${node.layer.className}): call() gave ${outs.length} outputs, ${node.outputs.length} expected`);
      }
      outs.forEach((t, i) => { values.set(node.outputs[i].id, t); kwargs.onValue?.(node.outputs[i].id, t); });
      const outMask = node.layer.computeMask(inputs, mask);
      const outMasks = Array.isArray(outMask) ? outMask : [outMask];
      outMasks.forEach((m, i) => { if (m !== null && i < node.outputs.length) masks.set(node.outputs[i].id, m); });
    }
    return this.outputs.map((s) => values.get(s.id)!);
  }

  /** Inference in batches of batchSize (TF.js's model.predict): one tensor per output. */
  predict(x: Tensor | Tensor[], args: { batchSize?: number; verbose?: boolean } = {}): Tensor | Tensor[] {
    const xs = this.checkInputs('predict', x);
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`predict: batchSize must be a positive integer, got ${batchSize}`);
    const n = xs[0].shape[0];
    let outs: Tensor[];
    // A static first axis (an imported graph whose first axis is not the samples', e.g. a
    // time-major sequence) is taken whole: splitting it would change what the graph computes.
    if (n <= batchSize || hasStaticFirstAxis(this)) {
      outs = tidy(() => this.execute(xs, { training: false }));
    } else {
      const parts: Tensor[][] = [];
      try {
        for (let i = 0; i < n; i += batchSize) {
          const size = Math.min(batchSize, n - i);
          parts.push(tidy(() => this.execute(xs.map((t) => slice(t, [i], [size])), { training: false })));
        }
        outs = tidy(() => this.outputs.map((_, o) => concat(parts.map((p) => p[o]), 0)));
      } finally {
        for (const p of parts) for (const t of p) t.dispose();
      }
    }
    return Array.isArray(x) || this.outputs.length > 1 ? outs : outs[0];
  }

  /** predict() on one batch. */
  predictOnBatch(x: Tensor | Tensor[]): Tensor | Tensor[] {
    const xs = this.checkInputs('predictOnBatch', x);
    return this.predict(xs.length === 1 && !Array.isArray(x) ? xs[0] : xs, { batchSize: Math.max(xs[0].shape[0], 1) });
  }

  get trainableWeights(): Variable[] { return this.layerList.flatMap((l) => l.trainableWeights); }
  get nonTrainableWeights(): Variable[] { return this.layerList.flatMap((l) => l.nonTrainableWeights); }
  /** Every layer's trainable weights, then every layer's non-trainable ones (TF.js's order). */
  get weights(): Variable[] { return [...this.trainableWeights, ...this.nonTrainableWeights]; }

  /** Copies of the weights, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => clone(v));
  }

  /** Sets all weights from a list in `weights` order; every shape is checked before any is written. */
  setWeights(values: Tensor[]): void {
    assignAll('setWeights', this.weights, values);
  }

  /** The number of weight elements of every layer. */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Prints the layers, their output shapes and parameter counts (printFn: console.log by default). */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    for (const line of summaryLines(this, this.nodes, lineLength, positions)) printFn(line);
  }

  /** Sets the optimizer, loss(es) and metrics for fit() and evaluate() (names or objects). */
  compile(args: CompileArgs): void { compile(this, args); }

  /** The compiled optimizer (undefined before compile). */
  get optimizer(): Optimizer | undefined {
    try { return compiledOf(this, 'optimizer').optimizer; } catch { return undefined; }
  }

  /** Trains for a number of epochs (TF.js's model.fit); resolves to the History. */
  fit(x: Tensor | Tensor[], y: Tensor | Tensor[], args?: FitArgs): Promise<History> { return fit(this, x, y, args); }

  /** Trains over a dataset of {xs, ys} batches. */
  fitDataset(dataset: DatasetLike, args?: FitDatasetArgs): Promise<History> { return fitDataset(this, dataset, args); }

  /** Loss and metrics over x and y: a scalar, or [loss, ...metrics]. */
  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], args?: EvaluateArgs): Tensor | Tensor[] { return evaluate(this, x, y, args); }

  /** One optimizer step on one batch: the loss, or [loss, ...metrics]. */
  trainOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number | number[]> { return trainOnBatch(this, x, y); }

  /** Frees every layer's weights and the optimizer's state. */
  dispose(): void {
    this.optimizer?.dispose();
    for (const l of this.layerList) l.dispose();
  }
}
