// einsumDense: the projections of Keras's MultiHeadAttention (its EinsumDense layers) as one
// gemm_f32 call on the flat views of the operands, with no reshape copies:
//   y[..., o...] = Σ_c x[..., c...] · kernel[c..., o...] + bias[o...]
// where the last `contract` dims of x meet the first `contract` dims of kernel:
//   'abc,cde->abde'  x [B,T,d],   kernel [d,H,D],  bias [H,D]   (contract 1: query/key/value)
//   'abcd,cde->abe'  x [B,T,H,E], kernel [H,E,d],  bias [d]     (contract 2: the output)
// Row-major, so x is [M, K] and kernel [K, N] as they lie (M = rows, K = contracted size,
// N = the kernel's remaining size). Gradient rule in grads/attention.ts (gemm_f32 with
// transposes, bias_grad_f32).
import { engine } from '../engine.js';
import { allocTensor, callKernel, sizeFromShape, type Tensor } from '../tensor.js';
import { assertDtype, fmt, shapesEqual } from '../util.js';
import { record } from '../autograd.js';

export function einsumDense(x: Tensor, kernel: Tensor, bias: Tensor | null, contract: number): Tensor {
  const op = 'einsumDense';
  assertDtype(op, 'x', x, 'float32');
  assertDtype(op, 'kernel', kernel, 'float32');
  if (!Number.isInteger(contract) || contract < 1 || contract > x.rank || contract > kernel.rank) {
    throw new Error(`${op}: contract must be an integer in [1, ${Math.min(x.rank, kernel.rank)}] for x ${fmt(x.shape)} and kernel ${fmt(kernel.shape)}, got ${contract}`);
  }
  const inner = x.shape.slice(x.rank - contract), kInner = kernel.shape.slice(0, contract);
  if (!shapesEqual(inner, kInner)) {
    throw new Error(`${op}: the last ${contract} dims of x ${fmt(x.shape)} must equal the first of kernel ${fmt(kernel.shape)}`);
  }
  const outDims = kernel.shape.slice(contract);
  if (bias !== null) {
    assertDtype(op, 'bias', bias, 'float32');
    if (!shapesEqual(bias.shape, outDims)) throw new Error(`${op}: bias must have shape ${fmt(outDims)}, got ${fmt(bias.shape)}`);
  }
  const k = sizeFromShape(inner), n = sizeFromShape(outDims), m = k === 0 ? 0 : x.size / k;
  const y = allocTensor(op, [...x.shape.slice(0, x.rank - contract), ...outDims], 'float32');
  callKernel(op, [y], () => engine.k.gemm_f32(y.ptr, x.ptr, kernel.ptr, bias?.ptr ?? 0, m, n, k, 0, 0, 0, 0));
  return record('EinsumDense', [x, kernel, bias], y, { m, n, k });
}
