// layerNormalization (tfjs-layers' / Keras's LayerNormalization over the last axis): each row
// (every position of every sequence) normalized by its own mean and variance, then scaled by
// gamma and shifted by beta. One fused op (ops/layer_norm.ts) forward and backward. Weights in
// TF.js's order: gamma, beta. Per time step, so masks pass on (Keras's supports_masking).
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { layerNorm } from '../ops/layer_norm.js';
import { Layer, singleShape, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';

type InitArg = InitializerName | Initializer;

export interface LayerNormalizationArgs extends LayerArgs {
  /** The normalized axis: only the last one (-1, or rank - 1 counting the batch) is supported. */
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitArg;
  gammaInitializer?: InitArg;
  betaRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  gammaRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

export class LayerNormalization extends Layer {
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private inits: Record<'beta' | 'gamma', Initializer>;
  private regs: Record<'beta' | 'gamma', Regularizer | null>;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private features: number | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super('LayerNormalization', args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis) || (axis !== -1 && axis < 1)) {
      throw new Error(`LayerNormalization: only the last axis is supported (axis -1, or the last axis counting the batch), got ${String(args.axis)}`);
    }
    this.axis = axis;
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0)) throw new Error(`LayerNormalization: epsilon must be > 0, got ${String(args.epsilon)}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.inits = {
      beta: getInitializer('LayerNormalization', 'betaInitializer', args.betaInitializer, 'zeros'),
      gamma: getInitializer('LayerNormalization', 'gammaInitializer', args.gammaInitializer, 'ones'),
    };
    this.regs = {
      beta: getRegularizer('LayerNormalization', 'betaRegularizer', args.betaRegularizer),
      gamma: getRegularizer('LayerNormalization', 'gammaRegularizer', args.gammaRegularizer),
    };
    this.supportsMasking = true;
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, []);
    if (s.length < 2) throw new Error(`${this.name} (LayerNormalization): expects input of rank >= 2, got [${s}]`);
    if (this.axis !== -1 && this.axis !== s.length - 1) {
      throw new Error(`${this.name} (LayerNormalization): axis ${this.axis} is not the last axis of input shape [${s.map((d) => d ?? 'null')}]; only the last is supported`);
    }
    if (this.features !== null && s[s.length - 1] !== this.features) {
      throw new Error(`${this.name} (LayerNormalization): expects ${this.features} features in the last axis, got shape [${s.map((d) => d ?? 'null')}]`);
    }
    return s;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const s = singleShape(this, inputShape, []);
    const n = s[s.length - 1]!;
    this.features = n;
    if (this.scale) this.gamma = this.addWeight('gamma', [n], this.inits.gamma, this.regs.gamma);
    if (this.center) this.beta = this.addWeight('beta', [n], this.inits.beta, this.regs.beta);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return layerNorm(inputs as Tensor, this.gamma, this.beta, this.epsilon);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: this.inits.beta.className, gammaInitializer: this.inits.gamma.className,
      betaRegularizer: serializeRegularizer(this.regs.beta), gammaRegularizer: serializeRegularizer(this.regs.gamma) };
  }
}
