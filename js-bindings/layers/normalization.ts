// batchNormalization (tfjs-layers' BatchNormalization over the last axis): batch statistics and
// moving averages while training, the moving statistics at inference. Weights in TF.js's order:
// gamma, beta (trainable), movingMean, movingVariance (not trainable).
import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { batchNorm } from '../ops/normalization.js';
import { batchNormTraining } from '../ops/nn.js';
import { Layer, singleShape, type CallKwargs, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';

type InitArg = InitializerName | Initializer;

export interface BatchNormalizationArgs extends LayerArgs {
  /** Only the last axis (-1, the channels of NHWC) is supported. */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitArg;
  gammaInitializer?: InitArg;
  movingMeanInitializer?: InitArg;
  movingVarianceInitializer?: InitArg;
  betaRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  gammaRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
}

export class BatchNormalization extends Layer {
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', Initializer>;
  private regs: Record<'beta' | 'gamma', Regularizer | null>;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    super('BatchNormalization', args);
    if (args.axis !== undefined && args.axis !== -1) {
      throw new Error(`BatchNormalization: only axis -1 (the channels, last) is supported, got ${args.axis}`);
    }
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNormalization: momentum must be in [0, 1], got ${args.momentum}`);
    if (!(this.epsilon > 0)) throw new Error(`BatchNormalization: epsilon must be > 0, got ${args.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    const init = (arg: InitArg | undefined, name: string, fallback: InitializerName) =>
      getInitializer('BatchNormalization', name, arg, fallback);
    this.inits = {
      beta: init(args.betaInitializer, 'betaInitializer', 'zeros'),
      gamma: init(args.gammaInitializer, 'gammaInitializer', 'ones'),
      movingMean: init(args.movingMeanInitializer, 'movingMeanInitializer', 'zeros'),
      movingVariance: init(args.movingVarianceInitializer, 'movingVarianceInitializer', 'ones'),
    };
    this.regs = {
      beta: getRegularizer('BatchNormalization', 'betaRegularizer', args.betaRegularizer),
      gamma: getRegularizer('BatchNormalization', 'gammaRegularizer', args.gammaRegularizer),
    };
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, []);
    if (s.length < 2) throw new Error(`${this.name} (BatchNormalization): expects input of rank >= 2, got [${s}]`);
    const c = this.movingMean?.shape[0];
    if (c !== undefined && s[s.length - 1] !== c) {
      throw new Error(`${this.name} (BatchNormalization): expects ${c} channels, got shape [${s.map((d) => d ?? 'null')}]`);
    }
    return s;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const s = singleShape(this, inputShape, []);
    const c = s[s.length - 1]!;
    if (this.scale) this.gamma = this.addWeight('gamma', [c], this.inits.gamma, this.regs.gamma);
    if (this.center) this.beta = this.addWeight('beta', [c], this.inits.beta, this.regs.beta);
    this.movingMean = this.addWeight('moving_mean', [c], this.inits.movingMean, null, false);
    this.movingVariance = this.addWeight('moving_variance', [c], this.inits.movingVariance, null, false);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training) {
      return batchNorm(x, this.movingMean!, this.movingVariance!, this.beta, this.gamma, this.epsilon);
    }
    const { y, mean, variance } = batchNormTraining(x, this.gamma, this.beta, this.epsilon);
    // The moving statistics are state, not part of the differentiated computation: updated in place.
    const c = mean.size;
    engine.k.moving_average_f32(this.movingMean!.ptr, mean.ptr, c, this.momentum);
    engine.k.moving_average_f32(this.movingVariance!.ptr, variance.ptr, c, this.momentum);
    mean.dispose();
    variance.dispose();
    return y;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: -1, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: this.inits.beta.className, gammaInitializer: this.inits.gamma.className,
      movingMeanInitializer: this.inits.movingMean.className, movingVarianceInitializer: this.inits.movingVariance.className,
      betaRegularizer: serializeRegularizer(this.regs.beta), gammaRegularizer: serializeRegularizer(this.regs.gamma) };
  }
}
