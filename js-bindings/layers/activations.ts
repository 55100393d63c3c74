// Layer activations by name (tfjs-layers' set). The ones the fused kernels know run inside
// the matMul/conv epilogue; softmax (and those composed here) run after it.
import type { Tensor } from '../tensor.js';
import { ACTIVATIONS, type Activation } from '../engine.js';
import { abs, clipByValue, elu, exp, log, neg, relu, sigmoid, tanh } from '../ops/unary.js';
import { add, div, mul } from '../ops/binary.js';
import { softmax, logSoftmax } from '../ops/softmax.js';
import { applyActivation } from '../ops/activation.js';

const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;

/** Activations that are composed of ops rather than fused. */
const COMPOSED: Record<string, (x: Tensor) => Tensor> = {
  softmax: (x) => softmax(x, -1),
  logsoftmax: (x) => logSoftmax(x, -1),
  selu: (x) => mul(elu(x, SELU_ALPHA), SELU_SCALE),
  // log(1 + e^x) = relu(x) + log(1 + e^-|x|): no overflow for large |x|.
  softplus: (x) => add(relu(x), log(add(exp(neg(abs(x))), 1))),
  swish: (x) => mul(x, sigmoid(x)),
  softsign: (x) => div(x, add(abs(x), 1)),
  mish: (x) => mul(x, tanh(add(relu(x), log(add(exp(neg(abs(x))), 1))))),
  hardsigmoid: (x) => clipByValue(add(mul(x, 0.2), 0.5), 0, 1),
};

export type ActivationName = Activation | 'softmax' | 'logSoftmax' | 'selu' | 'softplus' | 'softsign' | 'swish' | 'mish' | 'hardSigmoid';

/** Lower-cased, checked activation name. */
export function activationName(layer: string, name: string | undefined | null): string {
  const n = (name ?? 'linear').toLowerCase();
  if (!Object.hasOwn(ACTIVATIONS, n) && !Object.hasOwn(COMPOSED, n)) {
    throw new Error(`${layer}: unknown activation '${name}' (known: ${[...Object.keys(ACTIVATIONS), ...Object.keys(COMPOSED)].join(', ')})`);
  }
  return n;
}

/** The fused-kernel activation for a name, or 'linear' when it has to run separately. */
export function fusedPart(name: string): Activation {
  return Object.hasOwn(ACTIVATIONS, name) ? (name as Activation) : 'linear';
}

/** Applies what the fused kernel did not: the composed activations. */
export function applyRest(name: string, x: Tensor): Tensor {
  return Object.hasOwn(COMPOSED, name) ? COMPOSED[name](x) : x;
}

/** The whole activation as ops (the activation layer). */
export function applyNamed(name: string, x: Tensor, alpha = 0.2): Tensor {
  return Object.hasOwn(COMPOSED, name) ? COMPOSED[name](x) : applyActivation(x, name as Activation, name === 'elu' ? 1 : alpha);
}
