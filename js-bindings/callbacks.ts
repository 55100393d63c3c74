// Training callbacks (tfjs-layers / Keras names and arguments): plain hook objects for browsers
// (onEpochEnd, onBatchEnd ...), earlyStopping, learningRateScheduler, reduceLROnPlateau, and the
// terminal progress bar fit() shows in Node (progress.ts).
import type { Tensor } from './tensor.js';

export type Logs = Record<string, number>;

/** What a callback may touch of the model being trained. */
export interface TrainingModel {
  stopTraining: boolean;
  optimizer?: { learningRate: number };
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
}

export interface TrainingParams { epochs: number; initialEpoch: number; samples: number | null; steps: number | null;
  batchSize: number | null; verbose: number; metrics: string[] }

/** Hooks, each optional and possibly async (tfjs-layers' CustomCallbackArgs). */
export interface CustomCallbackArgs {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

export class Callback implements CustomCallbackArgs {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  model: TrainingModel | null = null;
  params: TrainingParams | null = null;
  setModel(model: TrainingModel): void { this.model = model; }
  setParams(params: TrainingParams): void { this.params = params; }
}

type Mode = 'auto' | 'min' | 'max';

/** Tracks the best value of a monitored log entry (the shared part of earlyStopping and reduceLROnPlateau). */
class Monitor {
  best: number;
  private readonly better: (a: number, b: number) => boolean;
  constructor(readonly key: string, mode: Mode, minDelta: number, private readonly who: string) {
    const max = mode === 'max' || (mode === 'auto' && /acc|precision|recall|auc/.test(key));
    const delta = Math.abs(minDelta);
    this.better = max ? (a, b) => a - delta > b : (a, b) => a + delta < b;
    this.best = max ? -Infinity : Infinity;
  }
  /** The value in logs, or undefined (with one warning) when it is missing. */
  read(logs: Logs | undefined): number | undefined {
    const v = logs?.[this.key];
    if (v === undefined && !this.warned) {
      this.warned = true;
      console.warn(`${this.who}: '${this.key}' is not in the logs (available: ${Object.keys(logs ?? {}).join(', ')}); ` +
        'add validation data or monitor another value');
    }
    return v;
  }
  private warned = false;
  improves(v: number): boolean { return this.better(v, this.best); }
}

export interface EarlyStoppingArgs {
  monitor?: string; minDelta?: number; patience?: number; verbose?: number; mode?: Mode; baseline?: number;
  restoreBestWeights?: boolean;
}

/** Stops fit() when the monitored value stops improving for `patience` epochs. */
export class EarlyStopping extends Callback {
  private monitor: Monitor;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  stoppedEpoch = -1;
  constructor(private readonly args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = new Monitor(args.monitor ?? 'val_loss', args.mode ?? 'auto', args.minDelta ?? 0, 'earlyStopping');
  }
  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.monitor.best = this.args.baseline ?? this.monitor.best;
  }
  override onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.monitor.read(logs);
    if (v === undefined) return;
    if (this.monitor.improves(v)) {
      this.monitor.best = v;
      this.wait = 0;
      if (this.args.restoreBestWeights) this.keepWeights();
      return;
    }
    if (++this.wait > (this.args.patience ?? 0)) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
      if (this.args.restoreBestWeights && this.bestWeights !== null) this.model!.setWeights(this.bestWeights);
      if ((this.args.verbose ?? 0) > 0) console.log(`Epoch ${epoch + 1}: early stopping`);
    }
  }
  override onTrainEnd(): void {
    for (const w of this.bestWeights ?? []) w.dispose();
    this.bestWeights = null;
  }
  private keepWeights(): void {
    for (const w of this.bestWeights ?? []) w.dispose();
    this.bestWeights = this.model!.getWeights();
  }
}

/** Sets the learning rate at the start of each epoch to schedule(epoch, currentRate). */
export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number) {
    super();
    if (typeof schedule !== 'function') throw new Error('learningRateScheduler: schedule must be a function (epoch, lr) => lr');
  }
  override onEpochBegin(epoch: number): void {
    const opt = this.model!.optimizer!;
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !(lr >= 0) || !Number.isFinite(lr)) {
      throw new Error(`learningRateScheduler: the schedule returned ${String(lr)} for epoch ${epoch}; expected a learning rate >= 0`);
    }
    opt.learningRate = lr;
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string; factor?: number; patience?: number; verbose?: number; mode?: Mode; minDelta?: number;
  cooldown?: number; minLR?: number;
}

/** Multiplies the learning rate by `factor` when the monitored value stalls for `patience` epochs. */
export class ReduceLROnPlateau extends Callback {
  private monitor: Monitor;
  private wait = 0;
  private cooldownLeft = 0;
  constructor(private readonly args: ReduceLROnPlateauArgs = {}) {
    super();
    const factor = args.factor ?? 0.1;
    if (!(factor > 0 && factor < 1)) throw new Error(`reduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
    this.monitor = new Monitor(args.monitor ?? 'val_loss', args.mode ?? 'auto', args.minDelta ?? 1e-4, 'reduceLROnPlateau');
  }
  override onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.monitor.read(logs);
    if (v === undefined) return;
    if (this.cooldownLeft > 0) this.cooldownLeft--;
    if (this.monitor.improves(v)) {
      this.monitor.best = v;
      this.wait = 0;
    } else if (this.cooldownLeft === 0 && ++this.wait >= (this.args.patience ?? 10)) {
      const opt = this.model!.optimizer!;
      const lr = Math.max(opt.learningRate * (this.args.factor ?? 0.1), this.args.minLR ?? 0);
      if (lr < opt.learningRate) {
        opt.learningRate = lr;
        if ((this.args.verbose ?? 0) > 0) console.log(`Epoch ${epoch + 1}: reducing the learning rate to ${lr}`);
      }
      this.cooldownLeft = this.args.cooldown ?? 0;
      this.wait = 0;
    }
    if (logs) logs.lr = this.model!.optimizer!.learningRate;
  }
}

/** lp.callbacks (TF.js's tf.callbacks, plus Keras's two learning-rate callbacks). */
export const callbacks = {
  /** Stops training when the monitored quantity stops improving. */
  earlyStopping: (args?: EarlyStoppingArgs) => new EarlyStopping(args),
  /** Sets the learning rate at the start of each epoch from schedule(epoch, lr). */
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number) => new LearningRateScheduler(schedule),
  /** Lowers the learning rate by factor when the monitored quantity stops improving. */
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs) => new ReduceLROnPlateau(args),
};

/** Runs a hook on every callback in order, awaiting those that return promises. */
export async function fire(list: CustomCallbackArgs[], hook: keyof CustomCallbackArgs, ...args: unknown[]): Promise<void> {
  for (const cb of list) {
    const f = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (typeof f === 'function') await f.apply(cb, args);
  }
}
