// Metrics for compile() (tfjs-layers' and Keras's names). Each batch gives a numerator and a
// denominator (correct predictions and samples; true positives and predicted positives ...),
// summed over the epoch, so an epoch's figure is exact whatever the batch sizes: precision is
// Σtp / Σ(tp + fp), not a mean of per-batch precisions. 'accuracy' picks binary, categorical or
// sparse categorical accuracy from the loss and the output shape, as Keras does.
import type { Tensor } from './tensor.js';
import { argMax, mean, sum } from './ops/reduce.js';
import { reshape, scalar } from './ops/creation.js';
import { cast, equal, greater, logicalAnd } from './ops/compare.js';
import { mul } from './ops/binary.js';
import { getLoss, type LossFn } from './losses.js';

/** A scalar numerator and denominator for one batch. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => [Tensor, Tensor];

export interface Metric {
  /** The key in logs and History (TF.js: 'acc' for accuracy). */
  name: string;
  fn: MetricFn;
}

const rows = (y: Tensor) => scalar(y.shape[0] ?? 1);
const countTrue = (b: Tensor) => sum(cast(b, 'float32'));

function binaryAccuracy(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const hits = cast(equal(cast(yTrue, 'float32'), cast(greater(yPred, 0.5), 'float32')), 'float32');
  return [sum(hits.rank > 1 ? mean(hits, -1) : hits), rows(yPred)];
}

function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  return [countTrue(equal(argMax(yTrue, -1), argMax(yPred, -1))), rows(yPred)];
}

function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const labels = cast(reshape(yTrue, [-1]), 'int32');
  return [countTrue(equal(labels, reshape(argMax(yPred, -1), [-1]))), rows(yPred)];
}

/** True positives over predicted positives (predictions thresholded at 0.5, Keras's default). */
function precision(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const predicted = greater(yPred, 0.5);
  return [countTrue(logicalAnd(predicted, greater(yTrue, 0.5))), countTrue(predicted)];
}

/** True positives over actual positives. */
function recall(yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const actual = greater(yTrue, 0.5);
  return [countTrue(logicalAnd(greater(yPred, 0.5), actual)), countTrue(actual)];
}

/** A per-sample function (a loss) as a metric: Σ over samples / samples. */
function perSample(fn: LossFn): MetricFn {
  return (yTrue, yPred) => [sum(fn(yTrue, yPred)), rows(yPred)];
}

/** tf.metrics: the built-in metrics; each gives a batch's [numerator, denominator], which fit sums over an epoch. compile() takes them by name ('accuracy', 'precision' ...). */
export const metrics = {
  /** Share of predictions on the right side of 0.5. */
  binaryAccuracy,
  /** Share of rows whose argMax matches the one-hot label's. */
  categoricalAccuracy,
  /** Share of rows whose argMax is the class index label. */
  sparseCategoricalAccuracy,
  /** True positives over predicted positives (threshold 0.5). */
  precision,
  /** True positives over actual positives (threshold 0.5). */
  recall,
};

/** A compile() metric: a name or a function (yTrue, yPred) → per-batch mean. */
export function getMetric(spec: string | ((yTrue: Tensor, yPred: Tensor) => Tensor), lossName: string,
    outputShape: readonly (number | null)[]): Metric {
  if (typeof spec === 'function') {
    const fn = spec as (yTrue: Tensor, yPred: Tensor) => Tensor;
    // A per-sample result is summed; a scalar is taken as the batch mean.
    return { name: spec.name || 'metric', fn: (yTrue, yPred) => {
      const v = fn(yTrue, yPred);
      return [v.rank === 0 ? mul(v, yPred.shape[0] ?? 1) : sum(v), rows(yPred)];
    } };
  }
  const key = String(spec);
  const lower = key.toLowerCase();
  if (lower === 'accuracy' || lower === 'acc') {
    const last = outputShape[outputShape.length - 1];
    const fn = lossName === 'sparseCategoricalCrossentropy' ? sparseCategoricalAccuracy
      : lossName === 'binaryCrossentropy' || last === 1 ? binaryAccuracy : categoricalAccuracy;
    return { name: 'acc', fn };
  }
  if (Object.hasOwn(metrics, key)) return { name: key, fn: metrics[key as keyof typeof metrics] };
  const short: Record<string, string> = { mse: 'meanSquaredError', mae: 'meanAbsoluteError' };
  try {
    const loss = getLoss(short[lower] ?? key);
    return { name: short[lower] ? lower : key, fn: perSample(loss.fn) };
  } catch {
    throw new Error(`compile: unknown metric '${key}' (known: accuracy, ${Object.keys(metrics).join(', ')}, mse, mae, ` +
      'any loss name, or a function)');
  }
}
