// Convolution layers (tfjs-layers' names and configs, channels last): conv2d, depthwiseConv2d,
// separableConv2d, zeroPadding2d. Each runs one fused kernel (bias and activation in the
// epilogue); separableConv2d is a depthwise kernel then a fused 1x1 convolution.
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { fusedConv2d, fusedDepthwiseConv2d } from '../ops/conv.js';
import { convInfo, parsePair } from '../ops/conv_util.js';
import { pad } from '../ops/layout.js';
import { assertPositiveInt } from '../util.js';
import { Layer, singleShape, type CallKwargs, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';
import { activationName, applyRest, fusedPart, type ActivationName } from './activations.js';

type RegArg = 'l1' | 'l2' | 'l1l2' | Regularizer;
type InitArg = InitializerName | Initializer;

export interface ConvArgs extends LayerArgs {
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
  dilationRate?: number | [number, number];
  activation?: ActivationName;
  useBias?: boolean;
  biasInitializer?: InitArg;
  biasRegularizer?: RegArg;
}

export interface Conv2DArgs extends ConvArgs {
  filters: number;
  kernelInitializer?: InitArg;
  kernelRegularizer?: RegArg;
}

export interface DepthwiseConv2DArgs extends ConvArgs {
  depthMultiplier?: number;
  depthwiseInitializer?: InitArg;
  depthwiseRegularizer?: RegArg;
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: InitArg;
  pointwiseRegularizer?: RegArg;
}

/** What every convolution layer shares: window, strides, padding, dilation, bias, activation. */
abstract class BaseConv extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: string;
  readonly useBias: boolean;
  protected biasInit: Initializer;
  protected biasReg: Regularizer | null;
  bias: Variable | null = null;

  constructor(className: string, args: ConvArgs) {
    super(className, args);
    this.kernelSize = parsePair(className, 'kernelSize', args.kernelSize);
    this.strides = parsePair(className, 'strides', args.strides ?? 1);
    this.dilationRate = parsePair(className, 'dilationRate', args.dilationRate ?? 1);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') {
      throw new Error(`${className}: padding must be 'valid' or 'same', got ${JSON.stringify(args.padding)}`);
    }
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') {
      throw new Error(`${className}: only dataFormat 'channelsLast' is supported, got ${JSON.stringify(args.dataFormat)}`);
    }
    this.activation = activationName(className, args.activation);
    this.useBias = args.useBias ?? true;
    this.biasInit = getInitializer(className, 'biasInitializer', args.biasInitializer, 'zeros');
    this.biasReg = getRegularizer(className, 'biasRegularizer', args.biasRegularizer);
  }

  /** Output channels for `inChannels`. */
  protected abstract outChannels(inChannels: number): number;

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, [4]);
    const [n, h, w, c] = s;
    const built = this.builtChannels();
    if (built !== null && c !== built) {
      throw new Error(`${this.name} (${this.className}): expects ${built} input channels, got shape [${s.map((d) => d ?? 'null')}]`);
    }
    const [kh, kw] = this.kernelSize;
    const g = convInfo(`${this.name} (${this.className})`, [1, h!, w!, c!], [kh, kw], kh, kw, this.strides,
      this.dilationRate, this.padding);
    return [n, g.outH, g.outW, this.outChannels(c!)];
  }

  /** In-channels the weights were built for, or null before build. */
  protected abstract builtChannels(): number | null;

  protected finish(y: Tensor, kwargs: CallKwargs): Tensor {
    return kwargs.logits && this.activation === 'softmax' ? y : applyRest(this.activation, y);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dilationRate: this.dilationRate, activation: this.activation, useBias: this.useBias,
      biasInitializer: this.biasInit.className, biasRegularizer: serializeRegularizer(this.biasReg) };
  }
}

export class Conv2D extends BaseConv {
  readonly filters: number;
  private kernelInit: Initializer;
  private kernelReg: Regularizer | null;
  kernel: Variable | null = null;

  constructor(args: Conv2DArgs) {
    super('Conv2D', args);
    assertPositiveInt('Conv2D', 'filters', args.filters);
    this.filters = args.filters;
    this.kernelInit = getInitializer('Conv2D', 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.kernelReg = getRegularizer('Conv2D', 'kernelRegularizer', args.kernelRegularizer);
  }
  protected outChannels(): number { return this.filters; }
  protected builtChannels(): number | null { return this.kernel?.shape[2] ?? null; }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = singleShape(this, inputShape, [4])[3]!;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, c, this.filters], this.kernelInit, this.kernelReg);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit, this.biasReg);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    return this.finish(fusedConv2d({ x: inputs as Tensor, filter: this.kernelValue(this.kernel!), strides: this.strides, pad: this.padding,
      dilations: this.dilationRate, bias: this.bias, activation: fusedPart(this.activation) }), kwargs);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelInitializer: this.kernelInit.className,
      kernelRegularizer: serializeRegularizer(this.kernelReg) };
  }
}

export class DepthwiseConv2D extends BaseConv {
  readonly depthMultiplier: number;
  private depthwiseInit: Initializer;
  private depthwiseReg: Regularizer | null;
  depthwiseKernel: Variable | null = null;

  constructor(args: DepthwiseConv2DArgs, className = 'DepthwiseConv2D') {
    super(className, args);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    assertPositiveInt(className, 'depthMultiplier', this.depthMultiplier);
    this.depthwiseInit = getInitializer(className, 'depthwiseInitializer', args.depthwiseInitializer, 'glorotUniform');
    this.depthwiseReg = getRegularizer(className, 'depthwiseRegularizer', args.depthwiseRegularizer);
  }
  protected outChannels(c: number): number { return c * this.depthMultiplier; }
  protected builtChannels(): number | null { return this.depthwiseKernel?.shape[2] ?? null; }
  protected buildDepthwise(c: number): void {
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier],
      this.depthwiseInit, this.depthwiseReg);
  }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = singleShape(this, inputShape, [4])[3]!;
    this.buildDepthwise(c);
    if (this.useBias) this.bias = this.addWeight('bias', [c * this.depthMultiplier], this.biasInit, this.biasReg);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    return this.finish(fusedDepthwiseConv2d({ x: inputs as Tensor, filter: this.kernelValue(this.depthwiseKernel!), strides: this.strides,
      pad: this.padding, dilations: this.dilationRate, bias: this.bias, activation: fusedPart(this.activation) }), kwargs);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), depthMultiplier: this.depthMultiplier, depthwiseInitializer: this.depthwiseInit.className,
      depthwiseRegularizer: serializeRegularizer(this.depthwiseReg) };
  }
}

export class SeparableConv2D extends DepthwiseConv2D {
  readonly filters: number;
  private pointwiseInit: Initializer;
  private pointwiseReg: Regularizer | null;
  pointwiseKernel: Variable | null = null;

  constructor(args: SeparableConv2DArgs) {
    super(args, 'SeparableConv2D');
    assertPositiveInt('SeparableConv2D', 'filters', args.filters);
    this.filters = args.filters;
    this.pointwiseInit = getInitializer('SeparableConv2D', 'pointwiseInitializer', args.pointwiseInitializer, 'glorotUniform');
    this.pointwiseReg = getRegularizer('SeparableConv2D', 'pointwiseRegularizer', args.pointwiseRegularizer);
  }
  protected override outChannels(): number { return this.filters; }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = singleShape(this, inputShape, [4])[3]!;
    this.buildDepthwise(c);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, c * this.depthMultiplier, this.filters],
      this.pointwiseInit, this.pointwiseReg);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInit, this.biasReg);
  }
  override call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const mid = fusedDepthwiseConv2d({ x: inputs as Tensor, filter: this.kernelValue(this.depthwiseKernel!), strides: this.strides,
      pad: this.padding, dilations: this.dilationRate });
    return this.finish(fusedConv2d({ x: mid, filter: this.kernelValue(this.pointwiseKernel!), strides: 1, pad: 'valid', bias: this.bias,
      activation: fusedPart(this.activation) }), kwargs);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, pointwiseInitializer: this.pointwiseInit.className,
      pointwiseRegularizer: serializeRegularizer(this.pointwiseReg) };
  }
}

export class ZeroPadding2D extends Layer {
  readonly padding: [[number, number], [number, number]];
  constructor(args: LayerArgs & { padding?: number | [number, number] | [[number, number], [number, number]] } = {}) {
    super('ZeroPadding2D', args);
    const p = args.padding ?? 1;
    const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    if (ok(p)) this.padding = [[p as number, p as number], [p as number, p as number]];
    else if (Array.isArray(p) && p.length === 2 && p.every(ok)) this.padding = [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]];
    else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(ok))) {
      this.padding = [[...(p[0] as [number, number])], [...(p[1] as [number, number])]];
    } else {
      throw new Error(`ZeroPadding2D: padding must be an integer, [h, w] or [[top, bottom], [left, right]], got ${JSON.stringify(p)}`);
    }
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [n, h, w, c] = singleShape(this, inputShape, [4]);
    const [[t, b], [l, r]] = this.padding;
    return [n, h! + t + b, w! + l + r, c];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const [[t, b], [l, r]] = this.padding;
    return pad(inputs as Tensor, [[0, 0], [t, b], [l, r], [0, 0]]);
  }
  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), padding: this.padding }; }
}
