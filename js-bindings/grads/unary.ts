// Gradient rules of the element-wise unary ops and of the fused activations: one kernel,
// unary_grad_f32(dx, dy, x, y, n, op, alpha, beta), with dx = dy · f'(x) computed from whichever
// of x (the input) or y (the output) the derivative needs (assembly/autograd/unary_grad.ts).
import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { registerGradient } from '../autograd.js';
import { ACTIVATIONS, type Activation } from '../engine.js';
import { kernelOutput } from './util.js';

/** unary_grad_f32's op codes (0..7 are the fused-activation codes of engine.ts's ACTIVATIONS). */
export const UNARY_GRAD = {
  ...ACTIVATIONS, erf: 8, exp: 9, log: 10, sqrt: 11, abs: 12, neg: 13, square: 14, clip: 15, softplus: 16, selu: 17,
} as const;
type Code = (typeof UNARY_GRAD)[keyof typeof UNARY_GRAD];

/** dy · f'(·) for op `code`; x and y as the op needs them (null when not). */
export function unaryGrad(dy: Tensor, x: Tensor | null, y: Tensor | null, code: Code, alpha = 0, beta = 0): Tensor {
  return kernelOutput('unaryGrad', dy.shape, (out) =>
    engine.k.unary_grad_f32(out, dy.ptr, x?.ptr ?? 0, y?.ptr ?? 0, dy.size, code, alpha, beta));
}

/** The gradient through a fused activation, given the fused op's output y (ops/activation.ts's derivableFromOutput holds). */
export function activationGrad(dy: Tensor, y: Tensor, act: Activation, alpha: number): Tensor {
  if (act === 'linear') return dy;
  // leakyrelu reads the sign of its "x" argument: y has the same sign (derivableFromOutput).
  return unaryGrad(dy, act === 'leakyrelu' ? y : null, y, ACTIVATIONS[act], alpha);
}

/** kernel name → derivative code, and whether the rule reads the input x or the output y. */
const RULES: Record<string, { code: Code; uses: 'x' | 'y' | 'none' }> = {
  Relu: { code: UNARY_GRAD.relu, uses: 'y' },
  Relu6: { code: UNARY_GRAD.relu6, uses: 'y' },
  LeakyRelu: { code: UNARY_GRAD.leakyrelu, uses: 'x' },
  Elu: { code: UNARY_GRAD.elu, uses: 'y' },
  Sigmoid: { code: UNARY_GRAD.sigmoid, uses: 'y' },
  Tanh: { code: UNARY_GRAD.tanh, uses: 'y' },
  Gelu: { code: UNARY_GRAD.gelu, uses: 'x' },
  Erf: { code: UNARY_GRAD.erf, uses: 'x' },
  Exp: { code: UNARY_GRAD.exp, uses: 'y' },
  Log: { code: UNARY_GRAD.log, uses: 'x' },
  Sqrt: { code: UNARY_GRAD.sqrt, uses: 'y' },
  Abs: { code: UNARY_GRAD.abs, uses: 'x' },
  Neg: { code: UNARY_GRAD.neg, uses: 'none' },
  Square: { code: UNARY_GRAD.square, uses: 'x' },
  ClipByValue: { code: UNARY_GRAD.clip, uses: 'x' },
};

for (const [kernel, { code, uses }] of Object.entries(RULES)) {
  registerGradient(kernel, (dy, node) => {
    const x = node.inputs[0]!;
    const alpha = (node.attrs.alpha as number | undefined) ?? 0;
    const beta = (node.attrs.beta as number | undefined) ?? 0;
    return [unaryGrad(dy, uses === 'x' ? x : null, uses === 'y' ? node.output : null, code, alpha, beta)];
  });
}
