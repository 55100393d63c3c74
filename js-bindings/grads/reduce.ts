// Gradient rules of the reductions and of softmax / logSoftmax. sum and mean spread dy back over
// the reduced axes (broadcastTo); max and min send it to every element equal to the extreme (TF.js's
// rule, ties included); softmax and logSoftmax have their own kernels
// (assembly/autograd/softmax_grad.ts) over the forward call's [outer, n, inner] view.
import { engine } from '../engine.js';
import { registerGradient, type TapeNode } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { reshape } from '../ops/creation.js';
import { mul } from '../ops/binary.js';
import { broadcastTo } from '../ops/layout.js';
import { BINARY_GRAD, binaryPartials } from './binary.js';
import { kernelOutput } from './util.js';

/** x's shape with the reduced axes kept as 1. */
function keptShape(node: TapeNode): number[] {
  const x = node.inputs[0]!;
  const axes = node.attrs.axes as number[];
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** dy of the reduction spread over x's shape. */
function spread(dy: Tensor, node: TapeNode): Tensor {
  return broadcastTo(reshape(dy, keptShape(node)), node.inputs[0]!.shape);
}

registerGradient('Sum', (dy, node) => [spread(dy, node)]);

registerGradient('Mean', (dy, node) => {
  const x = node.inputs[0]!;
  const count = x.size / Math.max(node.output.size, 1);
  return [mul(spread(dy, node), 1 / count)];
});

function extremeRule(dy: Tensor, node: TapeNode): (Tensor | null)[] {
  const x = node.inputs[0]!;
  const y = reshape(node.output, keptShape(node));
  return [binaryPartials(BINARY_GRAD.equalMask, spread(dy, node), x, y, true, false)[0]];
}
registerGradient('Max', extremeRule);
registerGradient('Min', extremeRule);

for (const [kernel, grad] of [['Softmax', 'softmax_grad_f32'], ['LogSoftmax', 'log_softmax_grad_f32']] as const) {
  registerGradient(kernel, (dy, node) => {
    const { outer, n, inner } = node.attrs as { outer: number; n: number; inner: number };
    return [kernelOutput(`${kernel} (gradient)`, dy.shape,
      (out) => engine.k[grad](out, dy.ptr, node.output.ptr, outer, n, inner))];
  });
}
