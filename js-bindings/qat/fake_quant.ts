// The fake-quantize op of quantization-aware training and its gradient rule (the clipped
// straight-through estimator): kernels/fake_quant.ts and autograd/fake_quant_grad.ts.
// Scales and zero points are inputs the tape never differentiates: as in TF Model Optimization's
// default quantizers, ranges come from the weights themselves (per channel) or from moving
// averages of the activations (per tensor), not from gradients.
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { record, registerGradient, withoutTape } from '../autograd.js';
import { assertDtype, fmt } from '../util.js';
import { kernelOutput } from '../grads/util.js';
import { abs } from '../ops/unary.js';
import { max } from '../ops/reduce.js';
import { maximum, div } from '../ops/binary.js';
import { reshape } from '../ops/creation.js';

/** Integer range of a quantizer, e.g. [-127, 127] for int8 weights. */
export interface QuantRange { qmin: number; qmax: number }

/**
 * (clamp(round(x / s) + z, qmin, qmax) - z) · s with s and z per channel of the last axis (as many
 * channels as scales has values), or per tensor when scales has one value. Rounding is half to
 * even, as the int8 kernels round. Differentiable in x (straight through inside the range).
 */
export function fakeQuant(x: Tensor, scales: Tensor, zeroPoints: Tensor, { qmin, qmax }: QuantRange): Tensor {
  const op = 'fakeQuant';
  assertDtype(op, 'x', x, 'float32');
  assertDtype(op, 'scales', scales, 'float32');
  assertDtype(op, 'zeroPoints', zeroPoints, 'float32');
  const c = scales.size;
  if (scales.rank !== 1 || zeroPoints.rank !== 1 || zeroPoints.size !== c || c === 0) {
    throw new Error(`${op}: scales and zeroPoints must be 1-D of one non-zero length, got ${fmt(scales.shape)} and ${fmt(zeroPoints.shape)}`);
  }
  if (c > 1 && (x.rank === 0 || x.shape[x.rank - 1] !== c)) {
    throw new Error(`${op}: ${c} per-channel scales need x's last dimension to be ${c}, got x ${fmt(x.shape)}`);
  }
  if (!(Number.isInteger(qmin) && Number.isInteger(qmax) && qmin < qmax)) {
    throw new Error(`${op}: qmin and qmax must be integers with qmin < qmax, got ${qmin}, ${qmax}`);
  }
  const rows = c === 1 ? x.size : x.size / c;
  const y = allocTensor(op, x.shape, 'float32');
  callKernel(op, [y], () => engine.k.fake_quant_f32(y.ptr, x.ptr, rows, c, scales.ptr, zeroPoints.ptr, qmin, qmax));
  return record('FakeQuant', [x], y, { qmin, qmax, rows, c }, [scales, zeroPoints]);
}

registerGradient('FakeQuant', (dy, node) => {
  const [s, z] = node.saved;
  const { qmin, qmax, rows, c } = node.attrs as { qmin: number; qmax: number; rows: number; c: number };
  return [kernelOutput('fakeQuant grad', dy.shape, (out) =>
    engine.k.fake_quant_grad_f32(out, dy.ptr, node.inputs[0]!.ptr, rows, c, s.ptr, z.ptr, qmin, qmax))];
});

/** Symmetric per-channel scales of a weight: max |w| over everything but the last axis of a [-1, channels] view, / qmax. */
export function symmetricScales(w: Tensor, channels: number, qmax: number): Tensor {
  return withoutTape(() => maximum(div(max(abs(reshape(w, [-1, channels])), 0), qmax), 1e-30));
}
