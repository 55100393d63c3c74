// Conv1D (tfjs-layers' name and config; Keras's 'causal' padding too): [batch, steps, channels]
// → [batch, steps', filters] through lp.fusedConv1d, i.e. the conv2d kernel on an image of
// height 1 with the bias and activation fused. Kernel [kernelSize, inChannels, filters], as in
// tfjs-layers, so weights copy over. Configs write kernelSize, strides and dilationRate as
// one-element lists, as tfjs-layers does.
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { fusedConv1d } from '../ops/conv1d.js';
import { convInfo } from '../ops/conv_util.js';
import { assertPositiveInt } from '../util.js';
import { Layer, singleShape, type CallKwargs, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';
import { activationName, applyRest, fusedPart, type ActivationName } from './activations.js';

type RegArg = 'l1' | 'l2' | 'l1l2' | Regularizer;
type InitArg = InitializerName | Initializer;

export interface Conv1DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number];
  strides?: number | [number];
  padding?: 'valid' | 'same' | 'causal';
  dataFormat?: 'channelsLast';
  dilationRate?: number | [number];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitArg;
  biasInitializer?: InitArg;
  kernelRegularizer?: RegArg;
  biasRegularizer?: RegArg;
}

/** A positive integer given as n or [n]. */
function single(name: string, v: unknown): number {
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 1)) {
    throw new Error(`Conv1D: ${name} must be a positive integer (or a list of one), got ${JSON.stringify(v)}`);
  }
  return n;
}

export class Conv1D extends Layer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dilationRate: number;
  readonly activation: string;
  readonly useBias: boolean;
  private kernelInit: Initializer;
  private biasInit: Initializer;
  private kernelReg: Regularizer | null;
  private biasReg: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Conv1DArgs) {
    super('Conv1D', args);
    assertPositiveInt('Conv1D', 'filters', args.filters);
    this.filters = args.filters;
    this.kernelSize = single('kernelSize', args.kernelSize);
    this.strides = single('strides', args.strides ?? 1);
    this.dilationRate = single('dilationRate', args.dilationRate ?? 1);
    if (this.strides > 1 && this.dilationRate > 1) {
      throw new Error(`Conv1D: strides > 1 together with dilationRate > 1 is not supported (got strides ${this.strides}, ` +
        `dilationRate ${this.dilationRate})`);
    }
    this.padding = args.padding ?? 'valid';
    if (!['valid', 'same', 'causal'].includes(this.padding)) {
      throw new Error(`Conv1D: padding must be 'valid', 'same' or 'causal', got ${JSON.stringify(args.padding)}`);
    }
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') {
      throw new Error(`Conv1D: only dataFormat 'channelsLast' is supported, got ${JSON.stringify(args.dataFormat)}`);
    }
    this.activation = activationName('Conv1D', args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInit = getInitializer('Conv1D', 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInit = getInitializer('Conv1D', 'biasInitializer', args.biasInitializer, 'zeros');
    this.kernelReg = getRegularizer('Conv1D', 'kernelRegularizer', args.kernelRegularizer);
    this.biasReg = getRegularizer('Conv1D', 'biasRegularizer', args.biasRegularizer);
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, [3]);
    const [n, w, c] = s;
    if (this.kernel !== null && c !== this.kernel.shape[1]) {
      throw new Error(`${this.name} (Conv1D): expects ${this.kernel.shape[1]} input channels, got shape [${s.map((d) => d ?? 'null')}]`);
    }
    const k = this.kernelSize, d = this.dilationRate;
    const pad = this.padding === 'causal' ? [[0, 0], [0, 0], [(k - 1) * d, 0], [0, 0]] as [[number, number], [number, number],
      [number, number], [number, number]] : this.padding;
    const g = convInfo(`${this.name} (Conv1D)`, [1, 1, w!, c!], [k, c!, this.filters], 1, k, [1, this.strides], [1, d], pad);
    return [n, g.outW, this.filters];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = singleShape(this, inputShape, [3])[2]!;
    this.kernel = this.addWeight('kernel', [this.kernelSize, c, this.filters], this.kernelInit, this.kernelReg);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit, this.biasReg);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const y = fusedConv1d({ x: inputs as Tensor, filter: this.kernelValue(this.kernel!), stride: this.strides, pad: this.padding,
      dilation: this.dilationRate, bias: this.bias, activation: fusedPart(this.activation) });
    return kwargs.logits && this.activation === 'softmax' ? y : applyRest(this.activation, y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: [this.kernelSize], strides: [this.strides],
      padding: this.padding, dilationRate: [this.dilationRate], activation: this.activation, useBias: this.useBias,
      kernelInitializer: this.kernelInit.className, biasInitializer: this.biasInit.className,
      kernelRegularizer: serializeRegularizer(this.kernelReg), biasRegularizer: serializeRegularizer(this.biasReg) };
  }
}
