// Training ops: dropout, batch normalization with batch statistics, and softmax cross-entropy
// fused with its gradient. Each is one kernel call (assembly/autograd/) that also writes what
// its gradient rule needs (the mask, the batch mean and 1/σ, the logits' gradient), kept only
// while a tape records the op.
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { assertDtype, fmt, shapesEqual } from '../util.js';
import { isTracked, record } from '../autograd.js';
import { seedOf } from './creation.js';

/**
 * x with each element zeroed with probability rate and the rest scaled by 1/(1 − rate)
 * (TF.js's tf.dropout). The mask comes from (seed, element index) alone, so a seed gives the
 * same mask in every runtime and build. noiseShape, if given, must equal x's shape.
 */
export function dropout(x: Tensor, rate: number, noiseShape?: number[], seed?: number): Tensor {
  const op = 'dropout';
  assertDtype(op, 'x', x, 'float32');
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new Error(`${op}: rate must be a number in [0, 1), got ${String(rate)}`);
  }
  if (noiseShape !== undefined && noiseShape !== null && !shapesEqual(noiseShape, x.shape)) {
    throw new Error(`${op}: noiseShape ${fmt(noiseShape)} other than x's shape ${fmt(x.shape)} is not supported`);
  }
  const s = seedOf(op, seed);
  const y = allocTensor(op, x.shape, 'float32');
  const mask = allocTensor(op, x.shape, 'float32');
  callKernel(op, [y, mask], () => engine.k.dropout_f32(y.ptr, mask.ptr, x.ptr, x.size, rate, s));
  if (!isTracked(x)) {
    mask.dispose();
    return y;
  }
  return record('Dropout', [x], y, {}, [mask]);
}

/** Per-channel parameter [C] for the last axis of x, or absent. */
function checkChannelParam(op: string, name: string, p: Tensor | null | undefined, c: number): void {
  if (p === null || p === undefined) return;
  assertDtype(op, name, p, 'float32');
  if (p.size !== c || p.shape[p.rank - 1] !== c) {
    throw new Error(`${op}: ${name} must have shape [${c}], got ${fmt(p.shape)}`);
  }
}

export interface BatchNormTrainingResult {
  /** (x − mean) / sqrt(variance + ε) · gamma + beta. */
  y: Tensor;
  /** Batch mean and (biased) batch variance per channel, for the moving averages. */
  mean: Tensor;
  variance: Tensor;
}

/**
 * Batch normalization in training mode over the last axis of x: statistics of this batch (all
 * rows), biased variance, as tfjs-layers' BatchNormalization. gamma/beta null: 1 and 0.
 */
export function batchNormTraining(x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon = 1e-3): BatchNormTrainingResult {
  const op = 'batchNormTraining';
  assertDtype(op, 'x', x, 'float32');
  if (x.rank < 2) throw new Error(`${op}: x must have rank >= 2 (a batch), got ${fmt(x.shape)}`);
  const c = x.shape[x.rank - 1];
  checkChannelParam(op, 'gamma', gamma, c);
  checkChannelParam(op, 'beta', beta, c);
  if (!(epsilon > 0)) throw new Error(`${op}: epsilon must be > 0, got ${epsilon}`);
  const y = allocTensor(op, x.shape, 'float32');
  const mean = allocTensor(op, [c], 'float32');
  const variance = allocTensor(op, [c], 'float32');
  const invStd = allocTensor(op, [c], 'float32');
  callKernel(op, [y, mean, variance, invStd], () => engine.k.batchnorm_train_f32(y.ptr, mean.ptr, variance.ptr,
    invStd.ptr, x.ptr, gamma?.ptr ?? 0, beta?.ptr ?? 0, c === 0 ? 0 : x.size / c, c, epsilon));
  if (!(isTracked(x) || isTracked(gamma) || isTracked(beta))) {
    invStd.dispose(); // only the gradient rule needs it
    return { y, mean, variance };
  }
  return { y: record('BatchNormTrain', [x, gamma, beta], y, { c }, [mean, invStd]), mean, variance };
}

/** Rows and classes of logits [..., classes]. */
function rowsOf(op: string, logits: Tensor): [number, number] {
  assertDtype(op, 'logits', logits, 'float32');
  if (logits.rank < 1) throw new Error(`${op}: logits must have rank >= 1, got a scalar`);
  const classes = logits.shape[logits.rank - 1];
  return [classes === 0 ? 0 : logits.size / classes, classes];
}

/**
 * −Σ labels · logSoftmax(logits) over the last axis, one value per row ([...] = logits' shape
 * without its last axis). Numerically stable; the gradient w.r.t. the logits is computed in the
 * same pass when the op is recorded.
 */
export function softmaxCrossEntropyPerRow(labels: Tensor, logits: Tensor): Tensor {
  const op = 'softmaxCrossEntropy';
  const [rows, classes] = rowsOf(op, logits);
  assertDtype(op, 'labels', labels, 'float32');
  if (!shapesEqual(labels.shape, logits.shape)) {
    throw new Error(`${op}: labels ${fmt(labels.shape)} and logits ${fmt(logits.shape)} must have the same shape`);
  }
  const tracked = isTracked(logits) || isTracked(labels);
  const loss = allocTensor(op, logits.shape.slice(0, -1), 'float32');
  const dlogits = tracked ? allocTensor(op, logits.shape, 'float32') : null;
  callKernel(op, [loss, dlogits], () => engine.k.softmax_cross_entropy_f32(loss.ptr, dlogits?.ptr ?? 0, logits.ptr,
    labels.ptr, rows, classes, 1));
  return dlogits === null ? loss : record('SoftmaxCrossEntropy', [labels, logits], loss, {}, [dlogits]);
}

/** Status of the sparse kernel for a label outside [0, classes). */
const BAD_LABEL = -2;

/** The same with integer class labels (int32, logits' shape without the last axis). */
export function sparseSoftmaxCrossEntropyPerRow(labels: Tensor, logits: Tensor): Tensor {
  const op = 'sparseSoftmaxCrossEntropy';
  const [rows, classes] = rowsOf(op, logits);
  assertDtype(op, 'labels', labels, 'int32');
  if (labels.size !== rows || !shapesEqual(labels.shape, logits.shape.slice(0, -1))) {
    throw new Error(`${op}: labels ${fmt(labels.shape)} must have the shape of logits ${fmt(logits.shape)} ` +
      'without its last axis');
  }
  const tracked = isTracked(logits);
  const loss = allocTensor(op, labels.shape, 'float32');
  const dlogits = tracked ? allocTensor(op, logits.shape, 'float32') : null;
  let err = 0;
  callKernel(op, [loss, dlogits], (scratch) => {
    err = scratch(8);
    return engine.k.sparse_softmax_cross_entropy_f32(loss.ptr, dlogits?.ptr ?? 0, logits.ptr, labels.ptr, err, rows, classes, 1);
  }, (status) => {
    if (status !== BAD_LABEL) return undefined;
    const [row, label] = engine.i32(err, 2);
    return `${op}: label ${label} at row ${row} is out of range [0, ${classes})`;
  });
  return dlogits === null ? loss : record('SparseSoftmaxCrossEntropy', [null, logits], loss, {}, [dlogits]);
}
