// Core layers (tfjs-layers' names and configs): dense, flatten, reshape, dropout, activation.
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { fusedMatMul } from '../ops/matmul.js';
import { reshape } from '../ops/creation.js';
import { dropout as dropoutOp } from '../ops/nn.js';
import { seedOf } from '../ops/creation.js';
import { assertPositiveInt } from '../util.js';
import { Layer, singleShape, type CallKwargs, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';
import { activationName, applyNamed, applyRest, fusedPart, type ActivationName } from './activations.js';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  biasRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  /** Inputs of rank > 2 are fine; this is their last dimension (with inputShape as [inputDim]). */
  inputDim?: number;
}

/** The activation part a softmax-fused loss skips: none when kwargs.logits and the layer ends in softmax. */
function finish(activation: string, y: Tensor, kwargs: CallKwargs): Tensor {
  return kwargs.logits && activation === 'softmax' ? y : applyRest(activation, y);
}

export class Dense extends Layer {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  private kernelInit: Initializer;
  private biasInit: Initializer;
  private kernelReg: Regularizer | null;
  private biasReg: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    const withDim = args.inputDim !== undefined && args.inputShape === undefined && args.batchInputShape === undefined
      ? { ...args, inputShape: [args.inputDim] } : args;
    super('Dense', withDim);
    assertPositiveInt('Dense', 'units', args.units);
    this.units = args.units;
    this.activation = activationName('Dense', args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInit = getInitializer('Dense', 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInit = getInitializer('Dense', 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelReg = getRegularizer('Dense', 'kernelRegularizer', args.kernelRegularizer);
    this.biasReg = getRegularizer('Dense', 'biasRegularizer', args.biasRegularizer);
    this.supportsMasking = true; // per time step on sequences: the mask passes on, as in Keras
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, []);
    if (s.length < 2) throw new Error(`${this.name} (Dense): expects input of rank >= 2, got [${s}]`);
    const last = s[s.length - 1];
    if (this.kernel !== null && last !== this.kernel.shape[0]) {
      throw new Error(`${this.name} (Dense): expects inputs with last dimension ${this.kernel.shape[0]}, got shape [${s.map((d) => d ?? 'null')}]`);
    }
    return [...s.slice(0, -1), this.units];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const s = singleShape(this, inputShape, []);
    const inDim = s[s.length - 1]!;
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.kernelInit, this.kernelReg);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInit, this.biasReg);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    const flat = x.rank > 2 ? reshape(x, [-1, x.shape[x.rank - 1]]) : x;
    let y = fusedMatMul({ a: flat, b: this.kernelValue(this.kernel!), bias: this.bias, activation: fusedPart(this.activation) });
    if (x.rank > 2) y = reshape(y, [...x.shape.slice(0, -1), this.units]);
    return finish(this.activation, y, kwargs);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units, activation: this.activation, useBias: this.useBias,
      kernelInitializer: this.kernelInit.className, biasInitializer: this.biasInit.className,
      kernelRegularizer: serializeRegularizer(this.kernelReg), biasRegularizer: serializeRegularizer(this.biasReg) };
  }
}

export class Flatten extends Layer {
  constructor(args: LayerArgs = {}) { super('Flatten', args); }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, []);
    if (s.length < 2) throw new Error(`${this.name} (Flatten): expects input of rank >= 2, got [${s}]`);
    return [s[0], s.slice(1).reduce<number>((a, d) => a * d!, 1)];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return reshape(x, [x.shape[0], -1]);
  }
}

export class Reshape extends Layer {
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    super('Reshape', args);
    const t = args.targetShape;
    if (!Array.isArray(t) || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || t.filter((d) => d === -1).length > 1) {
      throw new Error(`Reshape: targetShape must list positive integers (one may be -1), got ${JSON.stringify(t)}`);
    }
    this.targetShape = [...t];
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, []);
    const size = s.slice(1).reduce<number>((a, d) => a * d!, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (out.reduce((a, d) => a * d, 1) !== size || !out.every(Number.isInteger)) {
      throw new Error(`${this.name} (Reshape): cannot reshape [${s.slice(1)}] (${size} values) into [${this.targetShape}]`);
    }
    return [s[0], ...out];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return reshape(x, [x.shape[0], ...this.computeOutputShape([...x.shape]).slice(1) as number[]]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), targetShape: this.targetShape }; }
}

export class Dropout extends Layer {
  readonly rate: number;
  readonly seed?: number;
  private calls = 0;
  constructor(args: LayerArgs & { rate: number; seed?: number; noiseShape?: number[] }) {
    super('Dropout', args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`Dropout: rate must be a number in [0, 1), got ${String(args.rate)}`);
    }
    if (args.noiseShape !== undefined) throw new Error('Dropout: noiseShape is not supported');
    if (args.seed !== undefined && !Number.isSafeInteger(args.seed)) throw new Error(`Dropout: seed must be an integer, got ${String(args.seed)}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(this, inputShape, []);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training || this.rate === 0) return x;
    // A fresh mask every call: from the layer's seed and a call counter, or the engine's sequence.
    const seed = this.seed !== undefined ? (this.seed + Math.imul(this.calls++, 0x9E3779B1)) >>> 0 : seedOf('Dropout', undefined);
    return dropoutOp(x, this.rate, undefined, seed);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), rate: this.rate, seed: this.seed }; }
}

export class Activation extends Layer {
  readonly activation: string;
  constructor(args: LayerArgs & { activation: ActivationName }) {
    super('Activation', args);
    this.activation = activationName('Activation', args.activation);
    this.supportsMasking = true;
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(this, inputShape, []);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    if (kwargs.logits && this.activation === 'softmax') return inputs as Tensor;
    return applyNamed(this.activation, inputs as Tensor);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), activation: this.activation }; }
}
