// compile / fit / fitDataset / evaluate / trainOnBatch for LayersModel (tfjs-layers' names,
// arguments and History). One training step is one tidy() scope: the batch is gathered from x
// and y, the forward pass and loss run on the tape, the gradients come back, the loss is read
// (a NaN stops training before the update touches the weights), and the optimizer updates the
// weights in place; the scope then frees every activation and gradient, so memory in use is the
// same after every step.
import { Tensor, tidy, dispose as disposeTensors } from '../tensor.js';
import { withoutTape, variableGrads } from '../autograd.js';
import { tensor, reshape, seedOf } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import { slice } from '../ops/layout.js';
import { add, mul } from '../ops/binary.js';
import { mean, argMax } from '../ops/reduce.js';
import { softmax } from '../ops/softmax.js';
import { cast } from '../ops/compare.js';
import { softmaxCrossEntropyPerRow, sparseSoftmaxCrossEntropyPerRow } from '../ops/nn.js';
import { shuffledIndices } from '../data/batching.js';
import { Optimizer, optimizerFromName } from '../optimizers.js';
import { getLoss, type LossFn } from '../losses.js';
import { getMetric, type Metric } from '../metrics.js';
import { fire, type Callback, type CustomCallbackArgs, type Logs, type TrainingParams } from '../callbacks.js';
import { ProgressBar } from '../progress.js';
import { fmt } from '../util.js';
import type { LayersModel } from './model.js';

type MetricSpec = string | ((yTrue: Tensor, yPred: Tensor) => Tensor);

export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossFn | (string | LossFn)[];
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
function classIndex(y: Tensor): Tensor {
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

interface StepResult { loss: number; collect: number[]; size: number }

/** One optimizer step on a batch; returns the loss and metric counts (plain numbers). */
function trainStep(model: LayersModel, c: Compiled, xs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null): StepResult {
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
class Tally {
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

const metricNames = (c: Compiled) => c.metrics.flat().map((m) => m.name);

/** Checks x and y against the model and each other; returns them as lists. */
function checkData(op: string, model: LayersModel, c: Compiled, x: Tensor | Tensor[], y: Tensor | Tensor[]): [Tensor[], Tensor[]] {
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
function evaluateLogs(model: LayersModel, c: Compiled, xs: Tensor[], ys: Tensor[], batchSize: number, prefix = ''): Logs {
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

/** Loss (and metrics) over x, y: a scalar, or [loss, ...metrics] when metrics are compiled (TF.js's evaluate). */
export function evaluate(model: LayersModel, x: Tensor | Tensor[], y: Tensor | Tensor[], args: EvaluateArgs = {}): Tensor | Tensor[] {
  const c = compiledOf(model, 'evaluate');
  const [xs, ys] = checkData('evaluate', model, c, x, y);
  const batchSize = positiveInt('evaluate', 'batchSize', args.batchSize ?? 32);
  const values = Object.values(evaluateLogs(model, c, xs, ys, batchSize));
  const scalars = values.map((v) => tensor(v, []));
  return scalars.length === 1 ? scalars[0] : scalars;
}

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  verbose?: number;
  callbacks?: (Callback | CustomCallbackArgs)[] | Callback | CustomCallbackArgs;
  validationSplit?: number;
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]];
  shuffle?: boolean;
  classWeight?: Record<number, number>;
  initialEpoch?: number;
  /** Seed of the shuffling (Lepton's addition; default: the engine's deterministic sequence). */
  seed?: number;
}

export class History {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  params: TrainingParams | null = null;
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** Callback list with the progress bar first (verbose 1 or 2) and model/params set. */
export function callbackList(model: LayersModel, given: FitArgs['callbacks'], params: TrainingParams): CustomCallbackArgs[] {
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  const all: CustomCallbackArgs[] = params.verbose > 0 ? [new ProgressBar(params.verbose), ...list] : [...list];
  for (const cb of all) {
    const hooks = cb as Callback;
    if (typeof hooks.setModel === 'function') hooks.setModel(model as never);
    if (typeof hooks.setParams === 'function') hooks.setParams(params);
  }
  return all;
}

/** Lets a browser page breathe between batches (a macrotask every ~50 ms of training). */
export class Yielder {
  private last = Date.now();
  async maybe(): Promise<void> {
    if (Date.now() - this.last < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.last = Date.now();
  }
}

export async function fit(model: LayersModel, x: Tensor | Tensor[], y: Tensor | Tensor[], args: FitArgs = {}): Promise<History> {
  const op = 'fit';
  const c = compiledOf(model, op);
  const [xsAll, ysAll] = checkData(op, model, c, x, y);
  const batchSize = positiveInt(op, 'batchSize', args.batchSize ?? 32);
  const epochs = positiveInt(op, 'epochs', args.epochs ?? 1);
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw new Error(`${op}: validationSplit must be in [0, 1), got ${String(split)}`);
  const n = xsAll[0].shape[0];
  const nTrain = split > 0 ? Math.floor(n * (1 - split)) : n;
  if (nTrain < 1) throw new Error(`${op}: no training samples left (${n} samples, validationSplit ${split})`);
  let val: [Tensor[], Tensor[]] | null = null;
  if (args.validationData !== undefined) {
    const [vx, vy] = args.validationData;
    val = checkData(`${op} (validationData)`, model, c, vx, vy);
  }
  const weights = args.classWeight === undefined ? null : classWeightTensor(op, args.classWeight, model);
  const owned: Tensor[] = weights ? [weights] : [];
  // validationSplit: the last samples, before any shuffling (as Keras).
  let xs = xsAll, ys = ysAll;
  if (split > 0) {
    const cut = (t: Tensor, from: number, size: number) => { const s = slice(t, [from], [size]); owned.push(s); return s; };
    xs = xsAll.map((t) => cut(t, 0, nTrain));
    ys = ysAll.map((t) => cut(t, 0, nTrain));
    val = [xsAll.map((t) => cut(t, nTrain, n - nTrain)), ysAll.map((t) => cut(t, nTrain, n - nTrain))];
  }
  const steps = Math.ceil(nTrain / batchSize);
  const params: TrainingParams = { epochs, initialEpoch: args.initialEpoch ?? 0, samples: nTrain, steps, batchSize,
    verbose: args.verbose ?? 1, metrics: ['loss', ...metricNames(c)] };
  const history = new History();
  history.params = params;
  const cbs = callbackList(model, args.callbacks, params);
  const seed = seedOf(op, args.seed);
  const yielder = new Yielder();
  model.stopTraining = false;
  try {
    await fire(cbs, 'onTrainBegin');
    for (let epoch = params.initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      await fire(cbs, 'onEpochBegin', epoch);
      const order = args.shuffle === false ? null : shuffledIndices(nTrain, (seed + Math.imul(epoch, 0x9E3779B1)) >>> 0);
      const tally = new Tally(metricNames(c));
      for (let b = 0; b < steps; b++) {
        const start = b * batchSize, size = Math.min(batchSize, nTrain - start);
        await fire(cbs, 'onBatchBegin', b, { batch: b, size });
        const r = tidy(() => {
          const idx = tensor(order ? order.subarray(start, start + size) : Int32Array.from({ length: size }, (_, i) => start + i), [size], 'int32');
          const bx = xs.map((t) => gather(t, idx));
          const by = ys.map((t) => gather(t, idx));
          const sw = weights ? gather(weights, classIndex(by[0])) : null;
          return trainStep(model, c, bx, by, sw);
        });
        if (!Number.isFinite(r.loss)) {
          throw new Error(`fit: the loss is ${r.loss} at epoch ${epoch + 1}, batch ${b + 1} of ${steps}; training stopped ` +
            'before this batch changed the weights (lower the learning rate, check the data for NaN or Infinity, or clip gradients)');
        }
        tally.add(r, size);
        await fire(cbs, 'onBatchEnd', b, { batch: b, size, ...tally.logs() });
        await yielder.maybe();
      }
      const logs = tally.logs();
      if (val !== null) Object.assign(logs, evaluateLogs(model, c, val[0], val[1], batchSize, 'val_'));
      await fire(cbs, 'onEpochEnd', epoch, logs);
      history.record(epoch, logs); // after the callbacks, which may add entries (reduceLROnPlateau: lr)
    }
    await fire(cbs, 'onTrainEnd');
  } finally {
    for (const t of owned) t.dispose();
  }
  return history;
}

function classWeightTensor(op: string, classWeight: Record<number, number>, model: LayersModel): Tensor {
  const last = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 1;
  const entries = Object.entries(classWeight);
  const classes = Math.max(last, ...entries.map(([k]) => Number(k) + 1));
  const w = new Float32Array(classes).fill(1);
  for (const [k, v] of entries) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || typeof v !== 'number' || !(v >= 0)) {
      throw new Error(`${op}: classWeight must map class indices to non-negative numbers, got ${k}: ${String(v)}`);
    }
    w[i] = v;
  }
  return tensor(w, [classes]);
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

export interface FitDatasetArgs {
  epochs?: number;
  /** Batches per epoch (default: until the dataset's iterator ends). */
  batchesPerEpoch?: number;
  verbose?: number;
  callbacks?: FitArgs['callbacks'];
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]];
  initialEpoch?: number;
}

type Batch = { xs: Tensor | Tensor[]; ys: Tensor | Tensor[] } | [Tensor | Tensor[], Tensor | Tensor[]];
export type DatasetLike = Iterable<Batch> | AsyncIterable<Batch> | { iterator(): Promise<AsyncIterator<Batch> | Iterator<Batch>> };

async function openIterator(dataset: DatasetLike): Promise<Iterator<Batch> | AsyncIterator<Batch>> {
  const d = dataset as Partial<Iterable<Batch> & AsyncIterable<Batch> & { iterator(): Promise<Iterator<Batch>> }>;
  if (typeof d[Symbol.asyncIterator] === 'function') return d[Symbol.asyncIterator]!();
  if (typeof d[Symbol.iterator] === 'function') return d[Symbol.iterator]!();
  if (typeof d.iterator === 'function') return d.iterator();
  throw new Error('fitDataset: the dataset must be iterable (sync or async) over {xs, ys} batches, or have iterator()');
}

/** fit() over a dataset of {xs, ys} batches (an iterable, async iterable, or a tfjs-style Dataset). */
export async function fitDataset(model: LayersModel, dataset: DatasetLike, args: FitDatasetArgs = {}): Promise<History> {
  const op = 'fitDataset';
  const c = compiledOf(model, op);
  const epochs = positiveInt(op, 'epochs', args.epochs ?? 1);
  const val = args.validationData !== undefined
    ? checkData(`${op} (validationData)`, model, c, args.validationData[0], args.validationData[1]) : null;
  const params: TrainingParams = { epochs, initialEpoch: args.initialEpoch ?? 0, samples: null, steps: args.batchesPerEpoch ?? null,
    batchSize: null, verbose: args.verbose ?? 1, metrics: ['loss', ...metricNames(c)] };
  const history = new History();
  history.params = params;
  const cbs = callbackList(model, args.callbacks, params);
  const yielder = new Yielder();
  model.stopTraining = false;
  await fire(cbs, 'onTrainBegin');
  for (let epoch = params.initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await fire(cbs, 'onEpochBegin', epoch);
    const it = await openIterator(dataset);
    const tally = new Tally(metricNames(c));
    for (let b = 0; args.batchesPerEpoch === undefined || b < args.batchesPerEpoch; b++) {
      const next = await it.next();
      if (next.done) {
        if (b === 0) throw new Error(`${op}: the dataset gave no batch in epoch ${epoch + 1}`);
        break;
      }
      const batch = next.value;
      const [bx, by] = Array.isArray(batch) ? batch : [batch.xs, batch.ys];
      await fire(cbs, 'onBatchBegin', b, { batch: b });
      let r: StepResult;
      try {
        const [xs, ys] = checkData(op, model, c, bx, by);
        r = trainStep(model, c, xs, ys, null);
      } finally {
        // The dataset made these tensors for this step (as lp.data.batches does): free them now.
        disposeTensors(bx);
        disposeTensors(by);
      }
      if (!Number.isFinite(r.loss)) {
        throw new Error(`fitDataset: the loss is ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}; training stopped before this batch changed the weights`);
      }
      tally.add(r, r.size);
      await fire(cbs, 'onBatchEnd', b, { batch: b, size: r.size, ...tally.logs() });
      await yielder.maybe();
    }
    const logs = tally.logs();
    if (val !== null) Object.assign(logs, evaluateLogs(model, c, val[0], val[1], 32, 'val_'));
    await fire(cbs, 'onEpochEnd', epoch, logs);
    history.record(epoch, logs);
  }
  await fire(cbs, 'onTrainEnd');
  return history;
}
