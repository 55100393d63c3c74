// Gradient rules of the broadcasting binary ops. add and sub pass dy through; mul, div, maximum,
// minimum (and pow) get their partials from one kernel over the broadcast iteration space,
// binary_grad_f32 (assembly/autograd/binary_grad.ts); every partial is then summed back over the
// dims broadcasting stretched (sumTo).
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { registerGradient } from '../autograd.js';
import { broadcastDesc, broadcastPlan } from '../ops/binary.js';
import { neg } from '../ops/unary.js';
import { sumTo } from './util.js';

/** binary_grad_f32's op codes. */
export const BINARY_GRAD = { mul: 0, div: 1, maximum: 2, minimum: 3, equalMask: 4, pow: 5 } as const;

/**
 * Full-size partials [da, db] (of dy's shape, the broadcast output shape) of op at (a, b); only
 * those asked for are computed.
 */
export function binaryPartials(op: number, dy: Tensor, a: Tensor, b: Tensor, wantA: boolean,
    wantB: boolean): [Tensor | null, Tensor | null] {
  const name = 'binaryGrad';
  const plan = broadcastPlan(name, a.shape, b.shape);
  const da = wantA ? allocTensor(name, dy.shape, 'float32') : null;
  const db = wantB ? allocTensor(name, dy.shape, 'float32') : null;
  callKernel(name, [da, db], (scratch) =>
    engine.k.binary_grad_f32(da?.ptr ?? 0, db?.ptr ?? 0, dy.ptr, a.ptr, b.ptr, ...broadcastDesc(plan, scratch), op));
  return [da, db];
}

registerGradient('Add', (dy, node, needs) => [
  needs[0] ? sumTo(dy, node.inputs[0]!.shape) : null,
  needs[1] ? sumTo(dy, node.inputs[1]!.shape) : null,
]);

registerGradient('Sub', (dy, node, needs) => [
  needs[0] ? sumTo(dy, node.inputs[0]!.shape) : null,
  needs[1] ? neg(sumTo(dy, node.inputs[1]!.shape)) : null,
]);

for (const [kernel, code] of [['Mul', BINARY_GRAD.mul], ['Div', BINARY_GRAD.div], ['Maximum', BINARY_GRAD.maximum],
  ['Minimum', BINARY_GRAD.minimum], ['Pow', BINARY_GRAD.pow]] as const) {
  registerGradient(kernel, (dy, node, needs) => {
    const a = node.inputs[0]!, b = node.inputs[1]!;
    const [da, db] = binaryPartials(code, dy, a, b, needs[0], needs[1]);
    return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
  });
}
