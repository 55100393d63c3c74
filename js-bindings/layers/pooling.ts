// Pooling layers (tfjs-layers' names and configs, channels last): maxPooling2d,
// averagePooling2d, globalAveragePooling2d, globalMaxPooling2d.
import type { Tensor } from '../tensor.js';
import { avgPool, globalAveragePool2d, maxPool } from '../ops/pool.js';
import { max } from '../ops/reduce.js';
import { convInfo, parsePair } from '../ops/conv_util.js';
import { Layer, singleShape, type LayerArgs, type SymbolicShape } from './layer.js';

/** The pooling layers compute on channels-last (NHWC / NWC) tensors only. */
export function checkChannelsLast(className: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
    throw new Error(`${className}: only dataFormat 'channelsLast' is supported`);
  }
}

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  /** Default: poolSize. */
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';

  constructor(className: string, private readonly isMax: boolean, args: Pooling2DArgs) {
    super(className, args);
    this.poolSize = parsePair(className, 'poolSize', args.poolSize ?? 2);
    this.strides = parsePair(className, 'strides', args.strides ?? this.poolSize);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') {
      throw new Error(`${className}: padding must be 'valid' or 'same', got ${JSON.stringify(args.padding)}`);
    }
    checkChannelsLast(className, args.dataFormat);
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [n, h, w, c] = singleShape(this, inputShape, [4]);
    const [kh, kw] = this.poolSize;
    const g = convInfo(`${this.name} (${this.className})`, [1, h!, w!, c!], [kh, kw], kh, kw, this.strides, [1, 1], this.padding);
    return [n, g.outH, g.outW, c];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return (this.isMax ? maxPool : avgPool)(inputs as Tensor, this.poolSize, this.strides, this.padding);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export class MaxPooling2D extends Pooling2D {
  constructor(args: Pooling2DArgs = {}) { super('MaxPooling2D', true, args); }
}

export class AveragePooling2D extends Pooling2D {
  constructor(args: Pooling2DArgs = {}) { super('AveragePooling2D', false, args); }
}

class GlobalPooling2D extends Layer {
  constructor(className: string, private readonly isMax: boolean, args: LayerArgs & { dataFormat?: 'channelsLast' }) {
    super(className, args);
    checkChannelsLast(className, args.dataFormat);
  }
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [n, , , c] = singleShape(this, inputShape, [4]);
    return [n, c];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.isMax ? max(inputs as Tensor, [1, 2]) : globalAveragePool2d(inputs as Tensor);
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  constructor(args: LayerArgs = {}) { super('GlobalAveragePooling2D', false, args); }
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  constructor(args: LayerArgs = {}) { super('GlobalMaxPooling2D', true, args); }
}
