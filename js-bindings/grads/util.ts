// Shared by the gradient rules: one-kernel outputs, and summing a broadcast gradient back to the
// shape of the input it came from.
import { allocTensor, callKernel, type Shape, type Tensor } from '../tensor.js';
import { reshape } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { shapesEqual } from '../util.js';

/** A new float32 tensor of `shape`, filled by one kernel call; freed and an Error thrown on a bad status. */
export function kernelOutput(op: string, shape: Shape, call: (out: number) => number): Tensor {
  const out = allocTensor(op, shape, 'float32');
  callKernel(op, [out], () => call(out.ptr));
  return out;
}

/**
 * g (of the broadcast output shape) summed over the dims that broadcasting added or stretched,
 * so that it has `shape` (NumPy rules, right-aligned).
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  const s = axes.length > 0 ? sum(g, axes, true) : g;
  return reshape(s, shape);
}
