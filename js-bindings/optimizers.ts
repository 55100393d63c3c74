// Optimizers (TensorFlow.js's tf.train.* names, signatures and defaults). Each update runs one
// SIMD kernel per variable that rewrites the weights and the optimizer's state in place
// (assembly/autograd/optim.ts, TF.js's formulas in TF.js's operation order); the base class
// (optimizer.ts) keeps the state and clips the gradients.
import { engine } from './engine.js';
import type { Tensor } from './tensor.js';
import type { Variable } from './variable.js';
import { checkPositive, checkUnit, Optimizer, type ClipOptions } from './optimizer.js';

export { Optimizer, type ClipOptions, type NamedTensor } from './optimizer.js';

/** Plain stochastic gradient descent (tf.train.sgd). */
export class SGDOptimizer extends Optimizer {
  constructor(learningRate: number, clip?: ClipOptions) {
    super('SGD', learningRate, clip);
  }
  protected stateInit(): number[] { return []; }
  protected update(v: Variable, g: Tensor): void {
    engine.k.sgd_update_f32(v.ptr, g.ptr, v.size, this.learningRate);
  }
}

/** SGD with momentum, optionally Nesterov (tf.train.momentum). */
export class MomentumOptimizer extends Optimizer {
  constructor(learningRate: number, public momentum: number, public useNesterov = false, clip?: ClipOptions) {
    super('Momentum', learningRate, clip);
    checkPositive('Momentum', 'momentum', momentum, true);
  }
  protected stateInit(): number[] { return [0]; }
  protected update(v: Variable, g: Tensor, [acc]: Tensor[]): void {
    engine.k.momentum_update_f32(v.ptr, acc.ptr, g.ptr, v.size, this.learningRate, this.momentum, this.useNesterov ? 1 : 0);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, useNesterov: this.useNesterov };
  }
}

/** Adam (tf.train.adam), and AdamW when weightDecay > 0 (train.adamw). */
export class AdamOptimizer extends Optimizer {
  /** β1^t and β2^t for the next step t (TF.js's accBeta1/accBeta2, kept in f32 as TF.js does). */
  private accBeta1: number;
  private accBeta2: number;

  constructor(learningRate = 0.001, public beta1 = 0.9, public beta2 = 0.999, public epsilon = 1e-7,
      public weightDecay = 0, clip?: ClipOptions, className = 'Adam') {
    super(className, learningRate, clip);
    checkUnit(className, 'beta1', beta1);
    checkUnit(className, 'beta2', beta2);
    checkPositive(className, 'epsilon', epsilon);
    checkPositive(className, 'weightDecay', weightDecay, true);
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }
  protected stateInit(): number[] { return [0, 0]; }
  protected update(v: Variable, g: Tensor, [m, s]: Tensor[]): void {
    engine.k.adam_update_f32(v.ptr, m.ptr, s.ptr, g.ptr, v.size, this.learningRate, this.beta1, this.beta2,
      this.epsilon, Math.fround(1 - this.accBeta1), Math.fround(1 - this.accBeta2), this.weightDecay);
  }
  protected override afterStep(): void {
    this.accBeta1 = Math.fround(this.accBeta1 * this.beta1);
    this.accBeta2 = Math.fround(this.accBeta2 * this.beta2);
  }
  override getStepState(): Record<string, number> {
    return { ...super.getStepState(), accBeta1: this.accBeta1, accBeta2: this.accBeta2 };
  }
  override setStepState(s: Record<string, number>): void {
    super.setStepState(s);
    this.accBeta1 = s.accBeta1;
    this.accBeta2 = s.accBeta2;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
      ...(this.weightDecay ? { weightDecay: this.weightDecay } : {}) };
  }
}

/** RMSProp, optionally centered (tf.train.rmsprop). */
export class RMSPropOptimizer extends Optimizer {
  constructor(learningRate: number, public decay = 0.9, public momentum = 0, public epsilon = 1e-7,
      public centered = false, clip?: ClipOptions) {
    super('RMSProp', learningRate, clip);
    checkUnit('RMSProp', 'decay', decay);
    checkPositive('RMSProp', 'momentum', momentum, true);
    checkPositive('RMSProp', 'epsilon', epsilon);
  }
  protected stateInit(): number[] { return this.centered ? [0, 0, 0] : [0, 0]; }
  protected update(v: Variable, g: Tensor, [ms, mom, mg]: Tensor[]): void {
    engine.k.rmsprop_update_f32(v.ptr, ms.ptr, mom.ptr, mg?.ptr ?? 0, g.ptr, v.size, this.learningRate, this.decay,
      this.momentum, this.epsilon, this.centered ? 1 : 0);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), decay: this.decay, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/** Adagrad (tf.train.adagrad). */
export class AdagradOptimizer extends Optimizer {
  constructor(learningRate: number, public initialAccumulatorValue = 0.1, clip?: ClipOptions) {
    super('Adagrad', learningRate, clip);
    checkPositive('Adagrad', 'initialAccumulatorValue', initialAccumulatorValue, true);
  }
  protected stateInit(): number[] { return [this.initialAccumulatorValue]; }
  protected update(v: Variable, g: Tensor, [acc]: Tensor[]): void {
    engine.k.adagrad_update_f32(v.ptr, acc.ptr, g.ptr, v.size, this.learningRate, 1e-7);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue };
  }
}

/** tf.train: the optimizer factories, TF.js's positional signatures plus a trailing clip option. */
export const train = {
  /** Stochastic gradient descent. */
  sgd: (learningRate: number, clip?: ClipOptions) => new SGDOptimizer(learningRate, clip),
  /** SGD with momentum (Nesterov when useNesterov). */
  momentum: (learningRate: number, momentum: number, useNesterov = false, clip?: ClipOptions) =>
    new MomentumOptimizer(learningRate, momentum, useNesterov, clip),
  /** Adam, with TF.js's defaults. */
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, clip?: ClipOptions) =>
    new AdamOptimizer(learningRate, beta1, beta2, epsilon, 0, clip),
  /** Adam with decoupled weight decay (Keras's AdamW; TF.js has none): weightDecay 0.004 by default. */
  adamw: (learningRate = 0.001, weightDecay = 0.004, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, clip?: ClipOptions) =>
    new AdamOptimizer(learningRate, beta1, beta2, epsilon, weightDecay, clip, 'AdamW'),
  /** RMSProp. */
  rmsprop: (learningRate: number, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false, clip?: ClipOptions) =>
    new RMSPropOptimizer(learningRate, decay, momentum, epsilon, centered, clip),
  /** Adagrad. */
  adagrad: (learningRate: number, initialAccumulatorValue = 0.1, clip?: ClipOptions) =>
    new AdagradOptimizer(learningRate, initialAccumulatorValue, clip),
};

/** The optimizer a compile() name stands for, with tfjs-layers' defaults. */
export function optimizerFromName(name: string): Optimizer {
  const factories: Record<string, () => Optimizer> = {
    sgd: () => train.sgd(0.01),
    momentum: () => train.momentum(0.01, 0.9),
    adam: () => train.adam(0.001),
    adamw: () => train.adamw(0.001),
    rmsprop: () => train.rmsprop(0.001),
    adagrad: () => train.adagrad(0.01),
  };
  const make = factories[name.toLowerCase()];
  if (make === undefined) {
    throw new Error(`compile: unknown optimizer '${name}' (known: ${Object.keys(factories).join(', ')}, or an Optimizer)`);
  }
  return make();
}
