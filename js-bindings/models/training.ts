// compile, the loss of a batch, one training step, evaluate and trainOnBatch for LayersModel
// (fit and fitDataset, on top of these, are in fit.ts). A training step is one tidy() scope: the
// forward pass and loss run on the tape, the gradients come back, the loss is read (a NaN skips
// the update, so the weights stay as they were), and the optimizer updates the weights in
// place; the scope then frees every activation and gradient, so memory in use is the same after
// every step.
import { Tensor, tidy } from '../tensor.js';
import { withoutTape, variableGrads } from '../autograd.js';
import { tensor, reshape } from '../ops/creation.js';
import { slice } from '../ops/layout.js';
import { add, mul } from '../ops/binary.js';
import { mean, argMax } from '../ops/reduce.js';
import { softmax } from '../ops/softmax.js';
import { cast } from '../ops/compare.js';
import { softmaxCrossEntropyPerRow, sparseSoftmaxCrossEntropyPerRow } from '../ops/nn.js';
import { Optimizer, optimizerFromName } from '../optimizers.js';
import { getLoss, type LossFn } from '../losses.js';
import { getMetric, type Metric } from '../metrics.js';
import type { Logs } from '../callbacks.js';
import { fmt } from '../util.js';
import type { LayersModel } from './model.js';

type MetricSpec = string | ((yTrue: Tensor, yPred: Tensor) => Tensor);

/** Arguments of compile(): optimizer, loss and metrics, by name or as objects. */
export interface CompileArgs {
  /** An optimizer, or its name ('adam', 'sgd', 'rmsprop' ...) with tfjs-layers' defaults. */
  optimizer: string | Optimizer;
  /** A loss name or function; one per output for several outputs. */
  loss: string | LossFn | (string | LossFn)[];
  /** Metric names ('accuracy' ...) or functions (yTrue, yPred) → values. */
  metrics?: MetricSpec[] | MetricSpec;
}

export interface Compiled {
  optimizer: Optimizer;
  losses: { name: string; fn: LossFn; fromLogits: boolean }[];
  /** Per output, whether the loss runs fused on the logits of a final softmax. */
  fused: boolean[];
  /** Per output, its metrics (names prefixed by the output layer's name when there are several outputs). */
  metrics: Metric[][];
}

const compiledState = new WeakMap<LayersModel, Compiled>();

export function compiledOf(model: LayersModel, op: string): Compiled {
  const c = compiledState.get(model);
  if (c === undefined) throw new Error(`${op}: the model must be compiled first: call model.compile({optimizer, loss})`);
  return c;
}

export function compile(model: LayersModel, args: CompileArgs): void {
  if (args === null || typeof args !== 'object') throw new Error('compile: expects {optimizer, loss, metrics}');
  if (model.outputs.length === 0) throw new Error('compile: the model has no layers');
  const optimizer = args.optimizer instanceof Optimizer ? args.optimizer
    : typeof args.optimizer === 'string' ? optimizerFromName(args.optimizer)
      : (() => { throw new Error(`compile: optimizer must be a name or an Optimizer, got ${typeof args.optimizer}`); })();
  const lossList = Array.isArray(args.loss) ? args.loss : model.outputs.map(() => args.loss as string | LossFn);
  if (lossList.length !== model.outputs.length) {
    throw new Error(`compile: ${lossList.length} losses for ${model.outputs.length} outputs`);
  }
  const losses = lossList.map((l) => getLoss(l));
  const fused = losses.map((l, i) => {
    const layer = model.outputs[i].node?.layer as { activation?: string } | undefined;
    return !l.fromLogits && layer?.activation === 'softmax' &&
      (l.name === 'categoricalCrossentropy' || l.name === 'sparseCategoricalCrossentropy');
  });
  const specs = args.metrics === undefined ? [] : Array.isArray(args.metrics) ? args.metrics : [args.metrics];
  const metrics = model.outputs.map((out, i) => specs.map((m) => {
    const metric = getMetric(m, losses[i].name, out.shape);
    return model.outputs.length > 1 ? { ...metric, name: `${out.node!.layer.name}_${metric.name}` } : metric;
  }));
  compiledState.set(model, { optimizer, losses, fused, metrics });
}

/** The class index of each row of y (one-hot rows or integer labels), for class weights. */
export function classIndex(y: Tensor): Tensor {
  if (y.rank >= 2 && y.shape[y.rank - 1] > 1) return argMax(y, -1);
  return cast(reshape(y, [-1]), 'int32');
}

/**
 * The training (or evaluation) loss of one batch, recorded when a tape runs; pushes each
 * metric's [numerator, denominator] onto `collect` (computed off the tape).
 */
function batchLoss(model: LayersModel, c: Compiled, xs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null,
    training: boolean, collect: number[]): Tensor {
  const outs = model.execute(xs, { training, logits: c.fused });
  let total: Tensor | null = null;
  outs.forEach((out, i) => {
    const y = ys[i];
    let perSample: Tensor;
    if (!c.fused[i]) perSample = c.losses[i].fn(y, out);
    else if (c.losses[i].name === 'sparseCategoricalCrossentropy') {
      const labels = y.dtype === 'int32' ? y : cast(y, 'int32');
      perSample = sparseSoftmaxCrossEntropyPerRow(reshape(labels, out.shape.slice(0, -1)), out);
    } else perSample = softmaxCrossEntropyPerRow(y.dtype === 'float32' ? y : cast(y, 'float32'), out);
    if (perSample.rank > 1) perSample = mean(perSample, perSample.shape.map((_, a) => a).slice(1));
    if (sampleWeight !== null && i === 0) perSample = mul(perSample, sampleWeight);
    const li = mean(perSample);
    total = total === null ? li : add(total, li);
  });
  for (const layer of model.layers) {
    const r = layer.regularizationLoss();
    if (r !== null) total = add(total!, r);
  }
  withoutTape(() => outs.forEach((out, i) => {
    const pred = c.fused[i] ? softmax(out) : out;
    for (const m of c.metrics[i]) {
      const [num, den] = m.fn(ys[i], pred);
      collect.push(num.dataSync()[0], den.dataSync()[0]);
    }
  }));
  return total!;
}

export interface StepResult { loss: number; collect: number[]; size: number }

/** One optimizer step on a batch; returns the loss and metric counts (plain numbers). */
export function trainStep(model: LayersModel, c: Compiled, xs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null): StepResult {
  return tidy(() => {
    const collect: number[] = [];
    const vars = model.trainableWeights;
    const { value, grads } = variableGrads(() => batchLoss(model, c, xs, ys, sampleWeight, true, collect), vars);
    const loss = value.dataSync()[0];
    if (Number.isFinite(loss)) c.optimizer.applyGradients(grads);
    return { loss, collect, size: xs[0].shape[0] };
  });
}

/** Sums of batch results over an epoch (loss weighted by batch size; metric numerators and denominators). */
export class Tally {
  private lossSum = 0;
  private samples = 0;
  private sums: number[] = [];
  constructor(private readonly names: string[]) {}
  add(r: StepResult, batch: number): void {
    this.lossSum += r.loss * batch;
    this.samples += batch;
    r.collect.forEach((v, i) => { this.sums[i] = (this.sums[i] ?? 0) + v; });
  }
  logs(prefix = ''): Logs {
    const logs: Logs = { [`${prefix}loss`]: this.lossSum / Math.max(this.samples, 1) };
    this.names.forEach((name, i) => {
      const den = this.sums[2 * i + 1] ?? 0;
      logs[`${prefix}${name}`] = den > 0 ? (this.sums[2 * i] ?? 0) / den : 0;
    });
    return logs;
  }
}

export const metricNames = (c: Compiled) => c.metrics.flat().map((m) => m.name);

/** Checks x and y against the model and each other; returns them as lists. */
export function checkData(op: string, model: LayersModel, c: Compiled, x: Tensor | Tensor[], y: Tensor | Tensor[]): [Tensor[], Tensor[]] {
  const xs = model.checkInputs(op, x);
  const ys = Array.isArray(y) ? y : [y];
  if (ys.length !== model.outputs.length) throw new Error(`${op}: the model has ${model.outputs.length} output(s), got ${ys.length} y tensor(s)`);
  const n = xs[0].shape[0];
  ys.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: y ${i} must be a Tensor, got ${typeof t}`);
    t.assertLive(op);
    if (t.rank === 0 || t.shape[0] !== n) {
      throw new Error(`${op}: x has ${n} samples but y${ys.length > 1 ? ` ${i}` : ''} ${fmt(t.shape)} has ${t.rank === 0 ? 'none' : t.shape[0]}`);
    }
    const out = model.outputs[i].shape;
    const sparse = c.losses[i].name === 'sparseCategoricalCrossentropy';
    const ok = sparse ? t.size === n * out.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1)
      : t.rank === out.length && out.every((d, j) => j === 0 || d === null || d === t.shape[j]);
    if (!ok) {
      throw new Error(`${op}: y${ys.length > 1 ? ` ${i}` : ''} ${fmt(t.shape)} does not fit the model's output ` +
        `[${out.map((d) => d ?? 'null')}] with loss ${c.losses[i].name}${sparse ? ' (one class index per sample)' : ''}`);
    }
  });
  return [xs, ys];
}

/** Loss and metrics over all samples, in batches, as numbers. */
export function evaluateLogs(model: LayersModel, c: Compiled, xs: Tensor[], ys: Tensor[], batchSize: number, prefix = ''): Logs {
  // a static first input axis is not the samples' (a time-major import): the data go whole
  if (hasStaticFirstAxis(model)) batchSize = Math.max(xs[0].shape[0], 1);
  const tally = new Tally(metricNames(c));
  const n = xs[0].shape[0];
  for (let i = 0; i < n; i += batchSize) {
    const size = Math.min(batchSize, n - i);
    tally.add(tidy(() => {
      const collect: number[] = [];
      const cut = (t: Tensor) => (size === n ? t : slice(t, [i], [size]));
      const loss = batchLoss(model, c, xs.map(cut), ys.map(cut), null, false, collect).dataSync()[0];
      return { loss, collect, size };
    }), size);
  }
  return tally.logs(prefix);
}

export interface EvaluateArgs { batchSize?: number; verbose?: number }

/** Whether a model input fixes its first axis (an imported time-major graph, or one exported with
 *  batch 1): fit, evaluate and predict then take the data whole, never split or shuffled. */
export const hasStaticFirstAxis = (model: LayersModel): boolean => model.inputs.some((s) => s.shape[0] !== null);

/** Loss (and metrics) over x, y: a scalar, or [loss, ...metrics] when metrics are compiled (TF.js's evaluate). */
export function evaluate(model: LayersModel, x: Tensor | Tensor[], y: Tensor | Tensor[], args: EvaluateArgs = {}): Tensor | Tensor[] {
  const c = compiledOf(model, 'evaluate');
  const [xs, ys] = checkData('evaluate', model, c, x, y);
  const batchSize = positiveInt('evaluate', 'batchSize', args.batchSize ?? 32);
  const values = Object.values(evaluateLogs(model, c, xs, ys, batchSize));
  const scalars = values.map((v) => tensor(v, []));
  return scalars.length === 1 ? scalars[0] : scalars;
}

export function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/** One step on one batch, synchronously: the loss, or [loss, ...metrics] (trainOnBatch's work). */
export function trainOnBatchSync(model: LayersModel, x: Tensor | Tensor[], y: Tensor | Tensor[]): number | number[] {
  const c = compiledOf(model, 'trainOnBatch');
  const [xs, ys] = checkData('trainOnBatch', model, c, x, y);
  const r = trainStep(model, c, xs, ys, null);
  if (!Number.isFinite(r.loss)) throw new Error(`trainOnBatch: the loss is ${r.loss}; the weights were not changed`);
  const tally = new Tally(metricNames(c));
  tally.add(r, r.size);
  const values = Object.values(tally.logs());
  return values.length === 1 ? values[0] : values;
}

/** One step on one batch (TF.js's trainOnBatch): the loss, or [loss, ...metrics]. */
export async function trainOnBatch(model: LayersModel, x: Tensor | Tensor[], y: Tensor | Tensor[]): Promise<number | number[]> {
  return trainOnBatchSync(model, x, y);
}

