// Gradient rules of the layout ops: each is the adjoint data movement (reshape back, the
// inverse permutation, pad a slice, slice a pad or a concat, sum a broadcast) and gather's is a
// scatter-add (gather_grad_f32, assembly/autograd/scatter.ts).
import { engine } from '../engine.js';
import { registerGradient } from '../autograd.js';
import { allocTensor, callKernel } from '../tensor.js';
import { reshape } from '../ops/creation.js';
import { pad, slice, transpose } from '../ops/layout.js';
import { sumTo } from './util.js';

registerGradient('Reshape', (dy, node) => [reshape(dy, node.inputs[0]!.shape)]);
registerGradient('Identity', (dy) => [dy]);
registerGradient('BroadcastTo', (dy, node) => [sumTo(dy, node.inputs[0]!.shape)]);

registerGradient('Transpose', (dy, node) => {
  const perm = node.attrs.perm as number[];
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => { inverse[p] = i; });
  return [transpose(dy, inverse)];
});

registerGradient('Slice', (dy, node) => {
  const x = node.inputs[0]!;
  const begin = node.attrs.begin as number[];
  return [pad(dy, x.shape.map((d, i): [number, number] => [begin[i], d - begin[i] - dy.shape[i]]))];
});

registerGradient('Pad', (dy, node) => {
  const x = node.inputs[0]!;
  const paddings = node.attrs.paddings as [number, number][];
  return [slice(dy, paddings.map((p) => p[0]), [...x.shape])];
});

/** The slab of dy along `axis` that input i of a concat occupied. */
registerGradient('Concat', (dy, node, needs) => {
  const axis = node.attrs.axis as number;
  let at = 0;
  return node.inputs.map((x, i) => {
    const begin = dy.shape.map((_, d) => (d === axis ? at : 0));
    at += x!.shape[axis];
    return needs[i] ? slice(dy, begin, [...x!.shape]) : null;
  });
});

registerGradient('Stack', (dy, node, needs) => {
  const axis = node.attrs.axis as number;
  return node.inputs.map((x, i) => {
    if (!needs[i]) return null;
    const size = dy.shape.map((d, j) => (j === axis ? 1 : d));
    return reshape(slice(dy, dy.shape.map((_, j) => (j === axis ? i : 0)), size), x!.shape);
  });
});

registerGradient('UnstackPart', (dy, node) => {
  const x = node.inputs[0]!;
  const { axis, index } = node.attrs as { axis: number; index: number };
  const withAxis = reshape(dy, x.shape.map((d, j) => (j === axis ? 1 : d)));
  return [pad(withAxis, x.shape.map((d, j): [number, number] => (j === axis ? [index, d - index - 1] : [0, 0])))];
});

registerGradient('Gather', (dy, node) => {
  const x = node.inputs[0]!;
  const indices = node.saved[0];
  const { batch, outer, n, m, inner } = node.attrs as Record<string, number>;
  const op = 'gather (gradient)';
  const dx = allocTensor(op, x.shape, 'float32');
  // The forward gather checked the indices; err is only the kernel's contract.
  callKernel(op, [dx], (scratch) => engine.k.gather_grad_f32(dx.ptr, dy.ptr, indices.ptr, scratch(8), batch, outer, n, m, inner));
  return [dx];
});
