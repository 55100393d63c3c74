// The fused activations (engine.ts's ACTIVATIONS) as separate ops, for when a fused op must run
// its activation on its own: while training, an activation whose derivative needs its input
// (gelu) is not fused, so the tape can keep that input.
import type { Activation } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { elu, gelu, leakyRelu, relu, relu6, sigmoid, tanh } from './unary.js';

/** act(x) as its own recorded op (linear: x itself). */
export function applyActivation(x: Tensor, act: Activation, alpha: number): Tensor {
  switch (act) {
    case 'linear': return x;
    case 'relu': return relu(x);
    case 'relu6': return relu6(x);
    case 'leakyrelu': return leakyRelu(x, alpha);
    case 'elu': return elu(x, alpha);
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return tanh(x);
    case 'gelu': return gelu(x);
  }
}

/** Activations whose derivative follows from the output alone, so a fused op need only keep y. */
export function derivableFromOutput(act: Activation, alpha: number): boolean {
  // leakyrelu: with alpha > 0, y > 0 exactly when x > 0, so y can stand in for x.
  return act !== 'gelu' && (act !== 'leakyrelu' || alpha > 0);
}
