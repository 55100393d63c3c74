// Optimizers (TensorFlow.js's tf.train.* names, signatures and defaults). Each update runs one
// SIMD kernel per variable that rewrites the weights and the optimizer's state in place
// (assembly/autograd/optim.ts, TF.js's formulas in TF.js's operation order), so a step
// allocates nothing after the first one, which creates the state as persistent blocks.
// Gradient clipping (Keras's clipnorm / clipvalue / global_clipnorm) comes first when set.
import { engine } from './engine.js';
import { allocPersistent, Tensor, tidy } from './tensor.js';
import { findVariable, type Variable } from './variable.js';
import { variableGrads, type NamedTensorMap } from './autograd.js';
import { clipByValue } from './ops/unary.js';
import { clone } from './ops/creation.js';
import { kernelOutput } from './grads/util.js';
import { fmt, shapesEqual } from './util.js';

export interface NamedTensor { name: string; tensor: Tensor }

/** Gradient clipping applied before every update (Keras's optimizer arguments). */
export interface ClipOptions {
  /** Each gradient is rescaled so that its L2 norm is at most this. */
  clipNorm?: number;
  /** Each gradient element is clipped to [-clipValue, clipValue]. */
  clipValue?: number;
  /** All gradients together are rescaled so that their joint L2 norm is at most this. */
  globalClipNorm?: number;
}

function checkPositive(op: string, name: string, v: unknown, orZero = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!orZero && v === 0)) {
    throw new Error(`${op}: ${name} must be a ${orZero ? 'non-negative' : 'positive'} finite number, got ${String(v)}`);
  }
}

function checkUnit(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`${op}: ${name} must be in [0, 1), got ${String(v)}`);
}

/** Σ x² of a float32 tensor, read back. */
function sumSquares(g: Tensor): number {
  const s = kernelOutput('clip (norm)', [], (out) => engine.k.sum_squares_f32(out, g.ptr, g.size));
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}

function scaled(g: Tensor, s: number): Tensor {
  return kernelOutput('clip (norm)', g.shape, (out) => engine.k.scale_f32(out, g.ptr, g.size, s));
}

export abstract class Optimizer {
  /** Updates applied so far. */
  iterations = 0;
  clip: ClipOptions;
  /** Per-variable state blocks, keyed by variable name. */
  protected state = new Map<string, Tensor[]>();

  constructor(readonly className: string, public learningRate: number, clip: ClipOptions = {}) {
    checkPositive(className, 'learningRate', learningRate, true);
    for (const key of ['clipNorm', 'clipValue', 'globalClipNorm'] as const) {
      if (clip[key] !== undefined) checkPositive(className, key, clip[key]);
    }
    this.clip = { ...clip };
  }

  /** Updates one variable in place from its (clipped) gradient. */
  protected abstract update(v: Variable, g: Tensor, state: Tensor[]): void;
  /** The initial fill value of each state slot of a variable (one persistent block each). */
  protected abstract stateInit(): number[];
  /** Called once per applyGradients, after every variable was updated. */
  protected afterStep(): void {}

  /** Minimizes f (a scalar function of trainable variables) by one step; returns the cost if asked. */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const { value, grads } = this.computeGradients(f, varList);
    this.applyGradients(grads);
    for (const g of Object.values(grads)) g.dispose();
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  computeGradients(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: NamedTensorMap } {
    return variableGrads(f, varList);
  }

  /** Applies gradients, keyed by variable name (a map, or a list of {name, tensor}). */
  applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const op = `${this.className}.applyGradients`;
    const list = Array.isArray(variableGradients) ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const pairs = list.map(({ name, tensor }) => {
      const v = findVariable(name);
      if (v === undefined) throw new Error(`${op}: no live variable named '${name}'`);
      if (!(tensor instanceof Tensor) || tensor.dtype !== 'float32' || !shapesEqual(tensor.shape, v.shape)) {
        throw new Error(`${op}: the gradient of '${name}' must be float32 ${fmt(v.shape)}, got ` +
          `${tensor instanceof Tensor ? `${tensor.dtype} ${fmt(tensor.shape)}` : typeof tensor}`);
      }
      tensor.assertLive(op);
      return { v, g: tensor };
    });
    tidy(() => {
      const clipped = this.clipped(pairs.map((p) => p.g));
      pairs.forEach(({ v }, i) => {
        if (!v.trainable) return;
        this.update(v, clipped[i], this.stateOf(v));
      });
    });
    this.iterations++;
    this.afterStep();
  }

  private clipped(grads: Tensor[]): Tensor[] {
    const { clipNorm, clipValue, globalClipNorm } = this.clip;
    let out = grads;
    if (clipValue !== undefined) out = out.map((g) => clipByValue(g, -clipValue, clipValue));
    if (clipNorm !== undefined) {
      out = out.map((g) => {
        const norm = Math.sqrt(sumSquares(g));
        return norm > clipNorm ? scaled(g, clipNorm / norm) : g;
      });
    }
    if (globalClipNorm !== undefined) {
      const norm = Math.sqrt(out.reduce((s, g) => s + sumSquares(g), 0));
      if (norm > globalClipNorm) out = out.map((g) => scaled(g, globalClipNorm / norm));
    }
    return out;
  }

  private stateOf(v: Variable): Tensor[] {
    let s = this.state.get(v.name);
    if (s === undefined || s[0]?.isDisposed || (s.length > 0 && !shapesEqual(s[0].shape, v.shape))) {
      s = this.stateInit().map((value) => {
        const t = allocPersistent(`${this.className} state`, v.shape, 'float32', (ptr) => new Tensor(ptr, [...v.shape], 'float32', false));
        engine.k.fill_32(t.ptr, t.size, new Uint32Array(new Float32Array([value]).buffer)[0]);
        return t;
      });
      this.state.set(v.name, s);
    }
    return s;
  }

  /** The optimizer's state as named tensors (copies): for saving and resuming training. */
  getWeights(): NamedTensor[] {
    const out: NamedTensor[] = [];
    for (const [name, slots] of this.state) {
      slots.forEach((t, i) => out.push({ name: `${name}/${i}`, tensor: clone(t) }));
    }
    return out;
  }

  /** Restores state written by getWeights (for variables of the same names and shapes). */
  setWeights(weights: NamedTensor[]): void {
    for (const { name, tensor } of weights) {
      const cut = name.lastIndexOf('/');
      const v = findVariable(name.slice(0, cut));
      if (v === undefined) throw new Error(`${this.className}.setWeights: no live variable for '${name}'`);
      const slot = this.stateOf(v)[Number(name.slice(cut + 1))];
      if (slot === undefined || !shapesEqual(slot.shape, tensor.shape)) {
        throw new Error(`${this.className}.setWeights: '${name}' does not match this optimizer's state`);
      }
      engine.k.copy_bytes(slot.ptr, tensor.ptr, slot.byteLength);
    }
  }

  /** Frees the state blocks. */
  dispose(): void {
    for (const slots of this.state.values()) for (const t of slots) t.dispose();
    this.state.clear();
  }

  getConfig(): Record<string, unknown> {
    return { learningRate: this.learningRate, ...this.clip };
  }
}

export class SGDOptimizer extends Optimizer {
  constructor(learningRate: number, clip?: ClipOptions) {
    super('SGD', learningRate, clip);
  }
  protected stateInit(): number[] { return []; }
  protected update(v: Variable, g: Tensor): void {
    engine.k.sgd_update_f32(v.ptr, g.ptr, v.size, this.learningRate);
  }
}

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
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
      ...(this.weightDecay ? { weightDecay: this.weightDecay } : {}) };
  }
}

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
  sgd: (learningRate: number, clip?: ClipOptions) => new SGDOptimizer(learningRate, clip),
  momentum: (learningRate: number, momentum: number, useNesterov = false, clip?: ClipOptions) =>
    new MomentumOptimizer(learningRate, momentum, useNesterov, clip),
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, clip?: ClipOptions) =>
    new AdamOptimizer(learningRate, beta1, beta2, epsilon, 0, clip),
  /** Adam with decoupled weight decay (Keras's AdamW; TF.js has none): weightDecay 0.004 by default. */
  adamw: (learningRate = 0.001, weightDecay = 0.004, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, clip?: ClipOptions) =>
    new AdamOptimizer(learningRate, beta1, beta2, epsilon, weightDecay, clip, 'AdamW'),
  rmsprop: (learningRate: number, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false, clip?: ClipOptions) =>
    new RMSPropOptimizer(learningRate, decay, momentum, epsilon, centered, clip),
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
