// Gradient rule of matMul / fused.matMul: y = act(op(a) · op(b) + bias). The activation's
// gradient first (from y, see ops/activation.ts), then both operands as GEMMs with transposes
// (TF.js's BatchMatMul rule), and the bias as a column sum (bias_grad_f32).
import { engine, type Activation } from '../engine.js';
import { registerGradient } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { matMul } from '../ops/matmul.js';
import { activationGrad } from './unary.js';
import { kernelOutput } from './util.js';

/** Σ over rows of g [..., n], shaped like the bias. */
export function biasGrad(g: Tensor, biasShape: readonly number[]): Tensor {
  const n = g.shape[g.rank - 1];
  return kernelOutput('biasGrad', biasShape, (out) => engine.k.bias_grad_f32(out, g.ptr, n === 0 ? 0 : g.size / n, n));
}

registerGradient('MatMul', (dy, node, needs) => {
  const [a, b, bias] = node.inputs as [Tensor, Tensor, Tensor | null];
  const { transposeA, transposeB, activation, alpha } = node.attrs as
    { transposeA: boolean; transposeB: boolean; activation: Activation; alpha: number };
  const dz = activationGrad(dy, node.output, activation, alpha);
  let da: Tensor | null = null, db: Tensor | null = null;
  if (!transposeA && !transposeB) {
    if (needs[0]) da = matMul(dz, b, false, true);
    if (needs[1]) db = matMul(a, dz, true, false);
  } else if (!transposeA && transposeB) {
    if (needs[0]) da = matMul(dz, b, false, false);
    if (needs[1]) db = matMul(dz, a, true, false);
  } else if (transposeA && !transposeB) {
    if (needs[0]) da = matMul(b, dz, false, true);
    if (needs[1]) db = matMul(a, dz, false, false);
  } else {
    if (needs[0]) da = matMul(b, dz, true, true);
    if (needs[1]) db = matMul(dz, a, true, true);
  }
  return [da, db, needs[2] && bias !== null ? biasGrad(dz, bias.shape) : null];
});
