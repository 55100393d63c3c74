// The optimizer base (TF.js's Optimizer): minimize / computeGradients / applyGradients, the
// per-variable state as persistent blocks created on the first update (so later steps allocate
// nothing), gradient clipping (Keras's clipnorm / clipvalue / global_clipnorm) before every
// update, and getWeights / setWeights of the state to resume training. The update rules are in
// optimizers.ts.
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

export function checkPositive(op: string, name: string, v: unknown, orZero = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!orZero && v === 0)) {
    throw new Error(`${op}: ${name} must be a ${orZero ? 'non-negative' : 'positive'} finite number, got ${String(v)}`);
  }
}

export function checkUnit(op: string, name: string, v: unknown): void {
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

/** The base of the optimizers: minimize, computeGradients, applyGradients, getWeights / setWeights, dispose. */
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

  /** The value of f and its gradients with respect to varList (default: every trainable variable), without updating anything. */
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

  /** The scalars beside the per-variable state that an exact resume needs (io.save). */
  getStepState(): Record<string, number> {
    return { iterations: this.iterations };
  }

  /** Restores getStepState()'s scalars (io.load). */
  setStepState(s: Record<string, number>): void {
    this.iterations = s.iterations;
  }

  /** Frees the state blocks. */
  dispose(): void {
    for (const slots of this.state.values()) for (const t of slots) t.dispose();
    this.state.clear();
  }

  /** The constructor arguments (tfjs's getConfig). */
  getConfig(): Record<string, unknown> {
    return { learningRate: this.learningRate, ...this.clip };
  }
}

