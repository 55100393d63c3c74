// fit and fitDataset (tfjs-layers' arguments, History and callback order) on one epoch loop:
// for each epoch, batches come from a source (fit: slices of x and y in a seeded shuffled
// order; fitDataset: the dataset's iterator), each is one training step (training.ts), and a
// NaN loss stops training, naming epoch and batch, before that batch changes any weight.
import { Tensor, dispose, tidy } from '../tensor.js';
import { tensor, seedOf } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import { slice } from '../ops/layout.js';
import { epochOrder } from '../data/batching.js';
import { fire, type Callback, type CustomCallbackArgs, type Logs, type TrainingParams } from '../callbacks.js';
import { ProgressBar } from '../progress.js';
import { checkData, classIndex, compiledOf, evaluateLogs, metricNames, positiveInt, Tally, trainStep,
  hasStaticFirstAxis, type Compiled } from './training.js';
import type { LayersModel } from './model.js';

type Callbacks = (Callback | CustomCallbackArgs)[] | Callback | CustomCallbackArgs;
type XY = [Tensor | Tensor[], Tensor | Tensor[]];

/** Arguments of fit() (tfjs-layers' ModelFitArgs). */
export interface FitArgs {
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Passes over the data (default 1). */
  epochs?: number;
  /** 0: silent; 1: a progress bar (Node); 2: one line per epoch. */
  verbose?: number;
  /** Callback objects or plain objects with onEpochEnd etc. (sync or async). */
  callbacks?: Callbacks;
  /** Fraction of the samples, taken from the end, held out for validation. */
  validationSplit?: number;
  /** [x, y] to evaluate after each epoch (`val_` entries in the History). */
  validationData?: XY;
  /** Shuffle the samples every epoch (default true). */
  shuffle?: boolean;
  /** Loss weight per class index. */
  classWeight?: Record<number, number>;
  /** Epoch to start counting from (to resume training). */
  initialEpoch?: number;
  /** Seed of the shuffling (Lepton's addition; default: the engine's deterministic sequence). */
  seed?: number;
}

/** Arguments of fitDataset(). */
export interface FitDatasetArgs {
  /** Passes over the dataset (default 1). */
  epochs?: number;
  /** Batches per epoch (default: until the dataset's iterator ends). */
  batchesPerEpoch?: number;
  /** As in fit(). */
  verbose?: number;
  /** As in fit(). */
  callbacks?: Callbacks;
  /** [x, y] to evaluate after each epoch. */
  validationData?: XY;
  /** Epoch to start counting from. */
  initialEpoch?: number;
}

/** What fit() returns: per epoch, the loss and every metric (`val_` for validation). */
export class History {
  /** The epoch numbers, in order. */
  epoch: number[] = [];
  /** Per quantity (loss, metrics, val_*), one value per epoch. */
  history: Record<string, number[]> = {};
  /** The training parameters (epochs, steps, samples, metrics). */
  params: TrainingParams | null = null;
  /** Appends one epoch's logs. */
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** One batch of a training epoch; release() frees what the source made for it. */
interface Step { xs: Tensor[]; ys: Tensor[]; sampleWeight: Tensor | null; release(): void }
/** An epoch's batches: next() gives the following one, or null at the end of the epoch. */
type EpochSource = () => Promise<Step | null>;

interface LoopArgs {
  params: TrainingParams;
  callbacks?: Callbacks;
  validation: [Tensor[], Tensor[]] | null;
  validationBatch: number;
  /** The op named in errors. */
  op: string;
}

/** Lets a browser page breathe between batches (a macrotask every ~50 ms of training). */
class Yielder {
  private last = Date.now();
  async maybe(): Promise<void> {
    if (Date.now() - this.last < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.last = Date.now();
  }
}

/** The callbacks with the progress bar first (verbose 1 or 2), model and params set. */
function callbackList(model: LayersModel, given: Callbacks | undefined, params: TrainingParams): CustomCallbackArgs[] {
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  const all: CustomCallbackArgs[] = params.verbose > 0 ? [new ProgressBar(params.verbose), ...list] : [...list];
  for (const cb of all) {
    const hooks = cb as Callback;
    if (typeof hooks.setModel === 'function') hooks.setModel(model as never);
    if (typeof hooks.setParams === 'function') hooks.setParams(params);
  }
  return all;
}

async function trainLoop(model: LayersModel, c: Compiled, args: LoopArgs, epochSource: (epoch: number) => Promise<EpochSource>): Promise<History> {
  const { params, op } = args;
  const history = new History();
  history.params = params;
  const cbs = callbackList(model, args.callbacks, params);
  const yielder = new Yielder();
  model.stopTraining = false;
  await fire(cbs, 'onTrainBegin');
  for (let epoch = params.initialEpoch; epoch < params.epochs && !model.stopTraining; epoch++) {
    await fire(cbs, 'onEpochBegin', epoch);
    const next = await epochSource(epoch);
    const tally = new Tally(metricNames(c));
    for (let b = 0; params.steps === null || b < params.steps; b++) {
      const step = await next();
      if (step === null) {
        if (b === 0) throw new Error(`${op}: no batch in epoch ${epoch + 1}`);
        break;
      }
      await fire(cbs, 'onBatchBegin', b, { batch: b, size: step.xs[0].shape[0] });
      let r;
      try {
        r = trainStep(model, c, step.xs, step.ys, step.sampleWeight);
      } finally {
        step.release();
      }
      if (!Number.isFinite(r.loss)) {
        throw new Error(`${op}: the loss is ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}${params.steps ? ` of ${params.steps}` : ''}; ` +
          'training stopped before this batch changed the weights (lower the learning rate, check the data for NaN or ' +
          'Infinity, or clip gradients)');
      }
      tally.add(r, r.size);
      await fire(cbs, 'onBatchEnd', b, { batch: b, size: r.size, ...tally.logs() });
      await yielder.maybe();
    }
    const logs = tally.logs();
    if (args.validation !== null) {
      Object.assign(logs, evaluateLogs(model, c, args.validation[0], args.validation[1], args.validationBatch, 'val_'));
    }
    await fire(cbs, 'onEpochEnd', epoch, logs);
    history.record(epoch, logs); // after the callbacks, which may add entries (reduceLROnPlateau: lr)
  }
  await fire(cbs, 'onTrainEnd');
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

/** Trains for a number of epochs on x and y (TF.js's model.fit). */
export async function fit(model: LayersModel, x: Tensor | Tensor[], y: Tensor | Tensor[], args: FitArgs = {}): Promise<History> {
  const op = 'fit';
  const c = compiledOf(model, op);
  const [xsAll, ysAll] = checkData(op, model, c, x, y);
  let batchSize = positiveInt(op, 'batchSize', args.batchSize ?? 32);
  const epochs = positiveInt(op, 'epochs', args.epochs ?? 1);
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw new Error(`${op}: validationSplit must be in [0, 1), got ${String(split)}`);
  const n = xsAll[0].shape[0];
  // A static first input axis is not the samples' (a time-major import): one whole batch a step,
  // in order (slicing or shuffling that axis would cut sequences).
  const whole = hasStaticFirstAxis(model);
  if (whole && split > 0) {
    throw new Error(`${op}: validationSplit needs a sample axis first, and this model's input fixes its first axis (size ${n}); pass validationData`);
  }
  if (whole) batchSize = Math.max(n, 1);
  const nTrain = split > 0 ? Math.floor(n * (1 - split)) : n;
  if (nTrain < 1) throw new Error(`${op}: no training samples left (${n} samples, validationSplit ${split})`);
  let validation = args.validationData === undefined ? null
    : checkData(`${op} (validationData)`, model, c, args.validationData[0], args.validationData[1]);
  const weights = args.classWeight === undefined ? null : classWeightTensor(op, args.classWeight, model);
  const owned: Tensor[] = weights ? [weights] : [];
  try {
    // validationSplit: the last samples, before any shuffling (as Keras).
    let xs = xsAll, ys = ysAll;
    if (split > 0) {
      const cut = (t: Tensor, from: number, size: number) => { const s = slice(t, [from], [size]); owned.push(s); return s; };
      xs = xsAll.map((t) => cut(t, 0, nTrain));
      ys = ysAll.map((t) => cut(t, 0, nTrain));
      validation = [xsAll.map((t) => cut(t, nTrain, n - nTrain)), ysAll.map((t) => cut(t, nTrain, n - nTrain))];
    }
    const steps = Math.ceil(nTrain / batchSize);
    const params: TrainingParams = { epochs, initialEpoch: args.initialEpoch ?? 0, samples: nTrain, steps, batchSize,
      verbose: args.verbose ?? 1, metrics: ['loss', ...metricNames(c)] };
    const seed = seedOf(op, args.seed);
    return await trainLoop(model, c, { params, callbacks: args.callbacks, validation, validationBatch: batchSize, op }, async (epoch) => {
      const order = epochOrder(nTrain, seed, epoch, args.shuffle !== false && !whole);
      let b = 0;
      return async () => {
        const start = b++ * batchSize;
        if (start >= nTrain) return null;
        const size = Math.min(batchSize, nTrain - start);
        const made = tidy(() => {
          const idx = tensor(order.subarray(start, start + size), [size], 'int32');
          const bx = xs.map((t) => gather(t, idx));
          const by = ys.map((t) => gather(t, idx));
          return { xs: bx, ys: by, sampleWeight: weights ? gather(weights, classIndex(by[0])) : null };
        });
        return { ...made, release: () => dispose(made) };
      };
    });
  } finally {
    for (const t of owned) t.dispose();
  }
}

type Batch = { xs: Tensor | Tensor[]; ys: Tensor | Tensor[] } | XY;
export type DatasetLike = Iterable<Batch> | AsyncIterable<Batch> | { iterator(): Promise<AsyncIterator<Batch> | Iterator<Batch>> };

async function openIterator(dataset: DatasetLike): Promise<Iterator<Batch> | AsyncIterator<Batch>> {
  const d = dataset as Partial<Iterable<Batch> & AsyncIterable<Batch> & { iterator(): Promise<Iterator<Batch>> }>;
  if (typeof d[Symbol.asyncIterator] === 'function') return d[Symbol.asyncIterator]!();
  if (typeof d[Symbol.iterator] === 'function') return d[Symbol.iterator]!();
  if (typeof d.iterator === 'function') return d.iterator();
  throw new Error('fitDataset: the dataset must be iterable (sync or async) over {xs, ys} batches, or have iterator()');
}

/**
 * fit() over a dataset of {xs, ys} batches (an iterable, async iterable, or a tfjs-style Dataset),
 * iterated anew each epoch. Each batch's tensors are disposed after its step: the dataset makes
 * them for that step, as lp.data.batches does.
 */
export async function fitDataset(model: LayersModel, dataset: DatasetLike, args: FitDatasetArgs = {}): Promise<History> {
  const op = 'fitDataset';
  const c = compiledOf(model, op);
  const epochs = positiveInt(op, 'epochs', args.epochs ?? 1);
  if (args.batchesPerEpoch !== undefined) positiveInt(op, 'batchesPerEpoch', args.batchesPerEpoch);
  const validation = args.validationData === undefined ? null
    : checkData(`${op} (validationData)`, model, c, args.validationData[0], args.validationData[1]);
  const params: TrainingParams = { epochs, initialEpoch: args.initialEpoch ?? 0, samples: null,
    steps: args.batchesPerEpoch ?? null, batchSize: null, verbose: args.verbose ?? 1, metrics: ['loss', ...metricNames(c)] };
  return trainLoop(model, c, { params, callbacks: args.callbacks, validation, validationBatch: 32, op }, async () => {
    const it = await openIterator(dataset);
    return async () => {
      const next = await it.next();
      if (next.done) return null;
      const [bx, by] = Array.isArray(next.value) ? next.value : [next.value.xs, next.value.ys];
      const release = () => dispose([bx, by]);
      try {
        const [xs, ys] = checkData(op, model, c, bx, by);
        return { xs, ys, sampleWeight: null, release };
      } catch (e) {
        release();
        throw e;
      }
    };
  });
}
