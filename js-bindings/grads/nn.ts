// Gradient rules of the training ops (ops/nn.ts) and of the inference-form batchNorm.
import { engine } from '../engine.js';
import { registerGradient } from '../autograd.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { reshape } from '../ops/creation.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { logSoftmax } from '../ops/softmax.js';
import { neg, sqrt } from '../ops/unary.js';
import { sumTo } from './util.js';

registerGradient('Dropout', (dy, node) => [mul(dy, node.saved[0])]);

registerGradient('BatchNormTrain', (dy, node, needs) => {
  const [x, gamma, beta] = node.inputs as [Tensor, Tensor | null, Tensor | null];
  const [mean, invStd] = node.saved;
  const c = node.attrs.c as number;
  const op = 'batchNormTraining (gradient)';
  const dx = needs[0] ? allocTensor(op, x.shape, 'float32') : null;
  const dgamma = needs[1] && gamma ? allocTensor(op, gamma.shape, 'float32') : null;
  const dbeta = needs[2] && beta ? allocTensor(op, beta.shape, 'float32') : null;
  callKernel(op, [dx, dgamma, dbeta], () => engine.k.batchnorm_grad_f32(dx?.ptr ?? 0, dgamma?.ptr ?? 0, dbeta?.ptr ?? 0,
    dy.ptr, x.ptr, mean.ptr, invStd.ptr, gamma?.ptr ?? 0, c === 0 ? 0 : x.size / c, c));
  return [dx, dgamma, dbeta];
});

/** Per-row dy [...rows] times the saved per-row gradient [...rows, classes]. */
function scaleRows(dy: Tensor, rowGrad: Tensor): Tensor {
  return mul(rowGrad, reshape(dy, [...dy.shape, 1]));
}

registerGradient('SoftmaxCrossEntropy', (dy, node, needs) => [
  // d/dlabels of −Σ labels·logSoftmax(logits) is −logSoftmax(logits).
  needs[0] ? scaleRows(dy, neg(logSoftmax(node.inputs[1]!))) : null,
  needs[1] ? scaleRows(dy, node.saved[0]) : null,
]);

registerGradient('SparseSoftmaxCrossEntropy', (dy, node) => [null, scaleRows(dy, node.saved[0])]);

// Inference-form batchNorm(x, mean, variance, offset, scale, ε): y = (x − mean)·s + offset with
// s = scale / sqrt(variance + ε), all parameters broadcast over the last axis of x.
registerGradient('BatchNorm', (dy, node, needs) => {
  const [x, mean, variance, offset, scale] = node.inputs as (Tensor | null)[];
  const epsilon = node.attrs.epsilon as number;
  const rstd = div(1, sqrt(add(variance!, epsilon)));
  const s = scale ? mul(scale, rstd) : rstd;
  const dxHat = mul(dy, s);
  const centred = sub(x!, mean!);
  return [
    needs[0] ? dxHat : null,
    needs[1] ? sumTo(neg(dxHat), mean!.shape) : null,
    // d/dvariance = Σ dy·(x − mean)·scale·(−½)(variance + ε)^(−3/2)
    needs[2] ? sumTo(mul(mul(dy, centred), mul(mul(s, mul(rstd, rstd)), -0.5)), variance!.shape) : null,
    needs[3] && offset ? sumTo(dy, offset.shape) : null,
    needs[4] && scale ? sumTo(mul(mul(dy, centred), rstd), scale.shape) : null,
  ];
});
