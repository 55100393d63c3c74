// TimeDistributed (tfjs-layers' name and config): applies its inner layer to every time step of
// [batch, time, ...] by folding time into the batch — one reshape to [batch·time, ...], one call
// of the inner layer, one reshape back — rather than a loop over steps. Its weights are the inner
// layer's; the input mask passes on unchanged (one entry per time step, as in Keras). A model
// file holds the inner layer as {className, config} (io/registry.ts rebuilds it).
import { tidy, type Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { isTracked } from '../autograd.js';
import { reshape } from '../ops/creation.js';
import { Layer, singleShape, type CallKwargs, type LayerArgs, type SymbolicShape } from './layer.js';

export interface TimeDistributedArgs extends LayerArgs {
  layer: Layer;
}

export class TimeDistributed extends Layer {
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    super('TimeDistributed', args);
    if (!(args?.layer instanceof Layer)) {
      throw new Error(`TimeDistributed: layer must be a Layer, got ${args?.layer === null ? 'null' : typeof args?.layer}`);
    }
    this.layer = args.layer;
    this.supportsMasking = true;
  }

  /** The inner layer's input shape: [batch·time (or null), ...rest]. */
  private innerShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, []);
    if (s.length < 3) {
      throw new Error(`${this.name} (TimeDistributed): expects input of rank >= 3 ([batch, time, ...]), got [${s.map((d) => d ?? 'null')}]`);
    }
    const [b, t, ...rest] = s;
    return [b === null || t === null ? null : b * t, ...rest];
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [b, t] = inputShape as SymbolicShape;
    const inner = this.layer.computeOutputShape(this.innerShape(inputShape));
    return [b, t, ...inner.slice(1)];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.layer.ensureBuilt(this.innerShape(inputShape));
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    const [b, t, ...rest] = x.shape;
    const { mask: _mask, ...inner } = kwargs; // the mask is per time step; the folded call has none
    const run = () => {
      const y = this.layer.apply(reshape(x, [b * t, ...rest]), inner);
      return reshape(y, [b, t, ...y.shape.slice(1)]);
    };
    return this.layer.weights.some((w) => isTracked(w)) || isTracked(x) ? run() : tidy(run);
  }

  override get trainableWeights(): Variable[] { return this.trainable ? this.layer.trainableWeights : []; }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.layer.nonTrainableWeights : [...this.layer.trainableWeights, ...this.layer.nonTrainableWeights];
  }
  override get weights(): Variable[] { return this.layer.weights; }
  override regularizationLoss(): Tensor | null { return this.trainable ? this.layer.regularizationLoss() : null; }
  override dispose(): void {
    super.dispose();
    this.layer.dispose();
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}
