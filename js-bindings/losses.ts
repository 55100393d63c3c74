// Losses for compile() (Keras / tfjs-layers formulas): each maps (yTrue, yPred) to one value per
// sample (the last axis reduced); the model averages them over the batch. Cross-entropies clip
// probabilities to [ε, 1 − ε] with ε = 1e-7, as tfjs-layers does. When the model ends in softmax
// and the loss is (sparse) categorical cross-entropy, training uses the fused kernel
// (ops/nn.ts softmaxCrossEntropyPerRow) on the logits instead: same value, same gradient,
// without the clip and in one pass.
import { Tensor } from './tensor.js';
import { abs, clipByValue, exp, log, neg, relu, square } from './ops/unary.js';
import { add, div, minimum, mul, sub } from './ops/binary.js';
import { mean, sum } from './ops/reduce.js';
import { softmax } from './ops/softmax.js';
import { reshape } from './ops/creation.js';
import { cast } from './ops/compare.js';
import { oneHot } from './data/one_hot.js';
import { fmt, shapesEqual } from './util.js';

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;
export interface CrossentropyOptions { fromLogits?: boolean }

const EPSILON = 1e-7;

function sameShape(op: string, yTrue: Tensor, yPred: Tensor): void {
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor)) throw new Error(`${op}: yTrue and yPred must be tensors`);
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new Error(`${op}: yTrue ${fmt(yTrue.shape)} and yPred ${fmt(yPred.shape)} must have the same shape`);
  }
}

const asFloat = (t: Tensor) => (t.dtype === 'float32' ? t : cast(t, 'float32'));

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanSquaredError', yTrue, yPred);
  return mean(square(sub(yPred, asFloat(yTrue))), -1);
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('meanAbsoluteError', yTrue, yPred);
  return mean(abs(sub(yPred, asFloat(yTrue))), -1);
}

/** Keras's Huber with delta 1: ½e² for |e| <= 1, |e| − ½ beyond. */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  sameShape('huber', yTrue, yPred);
  const err = abs(sub(yPred, asFloat(yTrue)));
  const quadratic = minimum(err, delta);
  return mean(add(mul(square(quadratic), 0.5), mul(sub(err, quadratic), delta)), -1);
}

export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('hinge', yTrue, yPred);
  return mean(relu(sub(1, mul(asFloat(yTrue), yPred))), -1);
}

export function squaredHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  sameShape('squaredHinge', yTrue, yPred);
  return mean(square(relu(sub(1, mul(asFloat(yTrue), yPred)))), -1);
}

function categoricalCE(yTrue: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  sameShape('categoricalCrossentropy', yTrue, yPred);
  const p = fromLogits ? softmax(yPred) : div(yPred, sum(yPred, -1, true));
  return neg(sum(mul(asFloat(yTrue), log(clipByValue(p, EPSILON, 1 - EPSILON))), -1));
}

function sparseCategoricalCE(yTrue: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  if (!(yTrue instanceof Tensor) || !(yPred instanceof Tensor)) throw new Error(`${op}: yTrue and yPred must be tensors`);
  const classes = yPred.shape[yPred.rank - 1];
  const labels = yTrue.dtype === 'int32' ? yTrue : cast(yTrue, 'int32');
  if (labels.size * classes !== yPred.size) {
    throw new Error(`${op}: yTrue ${fmt(yTrue.shape)} must hold one class index per row of yPred ${fmt(yPred.shape)}`);
  }
  const target = reshape(oneHot(reshape(labels, [-1]), classes), [...yPred.shape]);
  return categoricalCE(target, yPred, fromLogits);
}

/** max(x, 0) − x·z + log(1 + e^−|x|): stable for every x. */
function sigmoidCrossEntropyWithLogits(labels: Tensor, logits: Tensor): Tensor {
  return add(sub(relu(logits), mul(logits, labels)), log(add(exp(neg(abs(logits))), 1)));
}

function binaryCE(yTrue: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  sameShape('binaryCrossentropy', yTrue, yPred);
  let logits = yPred;
  if (!fromLogits) {
    const y = clipByValue(yPred, EPSILON, 1 - EPSILON);
    logits = log(div(y, sub(1, y)));
  }
  return mean(sigmoidCrossEntropyWithLogits(asFloat(yTrue), logits), -1);
}

/** A cross-entropy callable as loss(yTrue, yPred), or as loss({fromLogits}) giving a configured one. */
function crossentropy(name: string, f: (yTrue: Tensor, yPred: Tensor, fromLogits: boolean) => Tensor) {
  function loss(options: CrossentropyOptions): LossFn;
  function loss(yTrue: Tensor, yPred: Tensor): Tensor;
  function loss(a: Tensor | CrossentropyOptions, b?: Tensor): Tensor | LossFn {
    if (a instanceof Tensor) return f(a, b as Tensor, false);
    const fromLogits = a?.fromLogits ?? false;
    const configured: LossFn = (yTrue, yPred) => f(yTrue, yPred, fromLogits);
    return Object.assign(configured, { lossName: name, fromLogits });
  }
  return Object.assign(loss, { lossName: name, fromLogits: false });
}

export const categoricalCrossentropy = crossentropy('categoricalCrossentropy', categoricalCE);
export const sparseCategoricalCrossentropy = crossentropy('sparseCategoricalCrossentropy', sparseCategoricalCE);
export const binaryCrossentropy = crossentropy('binaryCrossentropy', binaryCE);

/** lp.losses: the loss functions by their tfjs-layers names. */
export const losses = {
  /** mean((yPred − yTrue)²) over the last axis ('mse'). */
  meanSquaredError,
  /** mean(|yPred − yTrue|) over the last axis ('mae'). */
  meanAbsoluteError,
  /** Keras's Huber: ½e² for |e| <= delta (1), delta·(|e| − ½delta) beyond; mean over the last axis. */
  huber,
  /** mean(max(1 − yTrue·yPred, 0)) over the last axis (labels −1 or 1). */
  hinge,
  /** mean(max(1 − yTrue·yPred, 0)²) over the last axis (labels −1 or 1). */
  squaredHinge,
  /** −sum(yTrue · log p) over one-hot labels; `categoricalCrossentropy({fromLogits: true})` for logits. */
  categoricalCrossentropy,
  /** Categorical cross-entropy with class indices as labels; `({fromLogits: true})` for logits. */
  sparseCategoricalCrossentropy,
  /** Binary cross-entropy of probabilities (or of logits with `({fromLogits: true})`), mean over the last axis. */
  binaryCrossentropy,
};

const ALIASES: Record<string, keyof typeof losses> = {
  mse: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mae: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError', huber_loss: 'huber', squared_hinge: 'squaredHinge',
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
};

/** A compile() loss: a name ('categoricalCrossentropy', 'mse' ...) or a function. */
export function getLoss(spec: string | LossFn): { name: string; fn: LossFn; fromLogits: boolean } {
  if (typeof spec === 'function') {
    const tagged = spec as LossFn & { lossName?: string; fromLogits?: boolean };
    return { name: tagged.lossName ?? (spec.name || 'loss'), fn: spec, fromLogits: tagged.fromLogits ?? false };
  }
  const key = typeof spec === 'string' ? (Object.hasOwn(losses, spec) ? spec : ALIASES[spec.toLowerCase()] ?? ALIASES[spec]) : undefined;
  if (key === undefined || !Object.hasOwn(losses, key)) {
    throw new Error(`compile: unknown loss '${String(spec)}' (known: ${[...Object.keys(losses), ...Object.keys(ALIASES)].join(', ')}, or a function)`);
  }
  return { name: key, fn: losses[key as keyof typeof losses] as LossFn, fromLogits: false };
}
