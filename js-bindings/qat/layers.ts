// The layers quantization-aware training inserts (TF Model Optimization's default 8-bit scheme):
// FakeQuant after every tensor the int8 model will hold quantized (the input, each conv / dense
// output), with its range a moving average of the batch min / max seen in training and frozen in
// inference; and the per-channel weight quantizer set as a layer's kernelTransform.
import { Tensor, tidy } from '../tensor.js';
import { reshape, tensor, zeros } from '../ops/creation.js';
import { min, max } from '../ops/reduce.js';
import { withoutTape } from '../autograd.js';
import { Layer, singleShape, type CallKwargs, type LayerArgs, type SymbolicShape } from '../layers/layer.js';
import type { Variable } from '../variable.js';
import { initializers } from '../layers/initializers.js';
import { fakeQuant, symmetricScales, type QuantRange } from './fake_quant.js';
import { affineParams } from '../quantize/params.js';

export interface FakeQuantArgs extends LayerArgs {
  /** The integer range activations are quantized to. */
  range: QuantRange;
  /** Weight of the old range in the moving average (TF Model Optimization: 0.999). */
  emaDecay?: number;
}

/** Fake-quantizes its input per tensor, over a range learned as a moving average of batch min / max. */
export class FakeQuant extends Layer {
  readonly range: QuantRange;
  readonly emaDecay: number;
  private rangeVar: Variable | null = null;
  /** The range as JS numbers (mirrors rangeVar, which the model file stores); NaN before any training batch. */
  private lo = NaN;
  private hi = NaN;

  constructor(args: FakeQuantArgs) {
    super('FakeQuant', args);
    const { qmin, qmax } = args.range ?? {};
    if (!(Number.isInteger(qmin) && Number.isInteger(qmax) && (qmin as number) < (qmax as number))) {
      throw new Error(`FakeQuant: range must have integers qmin < qmax, got ${JSON.stringify(args.range)}`);
    }
    this.range = { qmin: qmin as number, qmax: qmax as number };
    this.emaDecay = args.emaDecay ?? 0.999;
    if (!(this.emaDecay >= 0 && this.emaDecay < 1)) throw new Error(`FakeQuant: emaDecay must be in [0, 1), got ${args.emaDecay}`);
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape { return singleShape(this, inputShape, []); }

  override build(): void {
    this.rangeVar = this.addWeight('range', [2], initializers.zeros(), null, false);
  }

  /** The learned [lo, hi] (read from the weight, so a loaded model has it too), or null before training. */
  learnedRange(): [number, number] | null {
    if (Number.isNaN(this.lo) && this.rangeVar !== null) {
      const [lo, hi] = this.rangeVar.dataSync();
      if (lo !== 0 || hi !== 0) [this.lo, this.hi] = [lo, hi];
    }
    return Number.isNaN(this.lo) ? null : [this.lo, this.hi];
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (kwargs.training) this.observe(x);
    const r = this.learnedRange();
    if (r === null) return x; // nothing observed yet: no range to quantize to
    const { scale, zeroPoint } = affineParams(r[0], r[1], this.range.qmin, this.range.qmax);
    const [s, z] = withoutTape(() => [tensor([scale]), tensor([zeroPoint])]);
    return fakeQuant(x, s, z, this.range);
  }

  /** Moves the range toward this batch's min / max (the first batch sets it). */
  private observe(x: Tensor): void {
    const [lo, hi] = withoutTape(() => tidy(() => [min(x).dataSync()[0], max(x).dataSync()[0]]));
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return;
    const d = this.emaDecay;
    const first = this.learnedRange() === null;
    // Kept as the float32 values the range weight stores, so a reloaded model quantizes the same.
    this.lo = Math.fround(first ? lo : d * this.lo + (1 - d) * lo);
    this.hi = Math.fround(first ? hi : d * this.hi + (1 - d) * hi);
    tidy(() => this.rangeVar!.assign(tensor([this.lo, this.hi])));
  }

  override getConfig(): Record<string, unknown> { return { ...super.getConfig(), range: this.range, emaDecay: this.emaDecay }; }
}

/** The output channels of a kernel weight: the last axis, or channels x multiplier for a depthwise kernel. */
export function kernelChannels(layer: Layer, kernel: Variable): number {
  const s = kernel.shape;
  return layer.className === 'DepthwiseConv2D' || (layer.className === 'SeparableConv2D' && kernel.name.includes('depthwise'))
    ? s[s.length - 2] * s[s.length - 1] : s[s.length - 1];
}

/** Makes a layer compute with its kernels fake-quantized symmetric per output channel over [-qmax, qmax]. */
export function attachWeightQuantizer(layer: Layer, qmax: number): void {
  layer.kernelTransform = weightQuantizer(layer, qmax);
  layer.kernelQuantizer = { qmax };
}

function weightQuantizer(layer: Layer, qmax: number): (kernel: Variable) => Tensor {
  return (kernel) => {
    const c = kernelChannels(layer, kernel);
    const s = symmetricScales(kernel, c, qmax);
    const z = withoutTape(() => zeros([c]));
    return reshape(fakeQuant(reshape(kernel, [-1, c]), s, z, { qmin: -qmax, qmax }), [...kernel.shape]);
  };
}
