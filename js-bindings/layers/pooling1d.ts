// Pooling over time (tfjs-layers' names and configs, [batch, steps, channels]): maxPooling1d and
// averagePooling1d run the 2-D pooling kernels on an image of height 1; globalAveragePooling1d and
// globalMaxPooling1d take the input's mask (Keras's implicit masks) and leave masked steps out,
// through one masked kernel each (js-bindings/ops/pool_time.ts). The global ones consume the mask.
import { tidy, type Tensor } from '../tensor.js';
import { isTracked } from '../autograd.js';
import { reshape } from '../ops/creation.js';
import { avgPool, maxPool } from '../ops/pool.js';
import { globalAveragePool1d, globalMaxPool1d } from '../ops/pool_time.js';
import { convInfo } from '../ops/conv_util.js';
import { fmt } from '../util.js';
import { checkChannelsLast } from './pooling.js';
import { Layer, singleShape, type CallKwargs, type InputMask, type LayerArgs, type SymbolicShape } from './layer.js';

export interface Pooling1DArgs extends LayerArgs {
  /** Window length (default 2); a number or a one-element list, as tfjs-layers writes it. */
  poolSize?: number | [number];
  /** Default: poolSize. */
  strides?: number | [number];
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

/** A positive integer given as n or [n] (tfjs-layers' configs hold the list). */
function single(className: string, name: string, v: unknown): number {
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 1)) {
    throw new Error(`${className}: ${name} must be a positive integer (or a list of one), got ${JSON.stringify(v)}`);
  }
  return n;
}

class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';

  constructor(className: string, private readonly isMax: boolean, args: Pooling1DArgs) {
    super(className, args);
    this.poolSize = single(className, 'poolSize', args.poolSize ?? 2);
    this.strides = single(className, 'strides', args.strides ?? this.poolSize);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') {
      throw new Error(`${className}: padding must be 'valid' or 'same', got ${JSON.stringify(args.padding)}`);
    }
    checkChannelsLast(className, args.dataFormat);
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [n, w, c] = singleShape(this, inputShape, [3]);
    const g = convInfo(`${this.name} (${this.className})`, [1, 1, w!, c!], [1, this.poolSize], 1, this.poolSize,
      [1, this.strides], [1, 1], this.padding);
    return [n, g.outW, c];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [b, w, c] = x.shape;
    const run = () => {
      const y = (this.isMax ? maxPool : avgPool)(reshape(x, [b, 1, w, c]), [1, this.poolSize], [1, this.strides], this.padding);
      return reshape(y, [b, y.shape[2], c]);
    };
    return isTracked(x) ? run() : tidy(run);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: [this.poolSize], strides: [this.strides], padding: this.padding };
  }
}

export class MaxPooling1D extends Pooling1D {
  constructor(args: Pooling1DArgs = {}) { super('MaxPooling1D', true, args); }
}

export class AveragePooling1D extends Pooling1D {
  constructor(args: Pooling1DArgs = {}) { super('AveragePooling1D', false, args); }
}

class GlobalPooling1D extends Layer {
  constructor(className: string, private readonly isMax: boolean, args: LayerArgs & { dataFormat?: 'channelsLast' }) {
    super(className, args);
    checkChannelsLast(className, args.dataFormat);
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [n, , c] = singleShape(this, inputShape, [3]);
    return [n, c];
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    const mask = kwargs.mask ?? null;
    if (mask !== null && (Array.isArray(mask) || mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1])) {
      const got = Array.isArray(mask) ? `a list of ${mask.length}` : fmt(mask.shape);
      throw new Error(`${this.name} (${this.className}): the mask must have shape [batch, time] = [${x.shape[0]},${x.shape[1]}] ` +
        `for input ${fmt(x.shape)}, got ${got}`);
    }
    return (this.isMax ? globalMaxPool1d : globalAveragePool1d)(x, mask as Tensor | null);
  }
  /** The time axis is gone: the mask stops here (Keras's GlobalAveragePooling1D). */
  override computeMask(_inputs: Tensor | Tensor[], _mask: InputMask): null {
    return null;
  }
}

export class GlobalAveragePooling1D extends GlobalPooling1D {
  constructor(args: LayerArgs = {}) { super('GlobalAveragePooling1D', false, args); }
}

export class GlobalMaxPooling1D extends GlobalPooling1D {
  constructor(args: LayerArgs = {}) { super('GlobalMaxPooling1D', true, args); }
}
