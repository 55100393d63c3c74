// softmax and logSoftmax along one axis: one softmax_f32 / log_softmax_f32 call over the
// [outer, n, inner] view of the logits (assembly/kernels/softmax.ts). Numerically stable (the
// max is subtracted). A row holding NaN or +Inf, or only -Inf, comes out NaN, as in TF.js.
// TF.js only accepts the last axis; any axis works here (a superset).
import { engine } from '../engine.js';
import { allocTensor, Tensor } from '../tensor.js';
import { assertTensor, fmt } from '../util.js';
import { record } from '../autograd.js';

function softmaxOp(op: string, kernel: 'softmax_f32' | 'log_softmax_f32', logits: Tensor, dim: number): Tensor {
  assertTensor(op, 'logits', logits);
  const shape = logits.shape, rank = logits.rank;
  if (logits.dtype !== 'float32') {
    throw new Error(`${op}: logits must be float32, got ${logits.dtype} ${fmt(shape)}`);
  }
  if (rank === 0) throw new Error(`${op}: logits must have rank >= 1, got shape ${fmt(shape)}`);
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -rank || dim >= rank) {
    throw new Error(`${op}: dim ${String(dim)} is out of range for shape ${fmt(shape)} ` +
      `(expected an integer in [${-rank}, ${rank}))`);
  }
  const d = dim < 0 ? dim + rank : dim;
  const outer = shape.slice(0, d).reduce((p, s) => p * s, 1);
  const inner = shape.slice(d + 1).reduce((p, s) => p * s, 1);
  const out = allocTensor(op, shape, 'float32');
  const status = engine.k[kernel](out.ptr, logits.ptr, outer, shape[d], inner);
  if (status !== 0) {
    out.dispose();
    engine.check(op, status);
  }
  return record(op === 'softmax' ? 'Softmax' : 'LogSoftmax', [logits], out, { outer, n: shape[d], inner });
}

/** exp(x) / Σ exp(x) along `dim` (default: the last axis). */
export function softmax(logits: Tensor, dim = -1): Tensor {
  return softmaxOp('softmax', 'softmax_f32', logits, dim);
}

/** x - log Σ exp(x) along `axis` (default: the last axis). */
export function logSoftmax(logits: Tensor, axis = -1): Tensor {
  return softmaxOp('logSoftmax', 'log_softmax_f32', logits, axis);
}
