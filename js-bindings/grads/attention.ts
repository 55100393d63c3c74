// Gradient rules of the sequence-model ops: layerNorm (ops/layer_norm.ts) and the attention ops
// (ops/attention.ts). The attention einsums' gradients are gemm_batched_f32 calls with the
// operands' strides swapped (no transposes); the softmax's comes from its saved output.
import { engine } from '../engine.js';
import { registerGradient } from '../autograd.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { batchedGemm } from '../ops/attention.js';
import { kernelOutput } from './util.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

registerGradient('LayerNorm', (dy, node, needs) => {
  const [x, gamma, beta] = node.inputs as [Tensor, Tensor | null, Tensor | null];
  const [mean, rstd] = node.saved;
  const { rows, n } = node.attrs as { rows: number; n: number };
  const op = 'layerNorm (gradient)';
  const dx = needs[0] ? allocTensor(op, x.shape, 'float32') : null;
  const dgamma = needs[1] && gamma ? allocTensor(op, gamma.shape, 'float32') : null;
  const dbeta = needs[2] && beta ? allocTensor(op, beta.shape, 'float32') : null;
  callKernel(op, [dx, dgamma, dbeta], () => engine.k.layernorm_grad_f32(dx?.ptr ?? 0, dgamma?.ptr ?? 0, dbeta?.ptr ?? 0,
    dy.ptr, x.ptr, mean.ptr, rstd.ptr, gamma?.ptr ?? 0, rows, n));
  return [dx, dgamma, dbeta];
});

registerGradient('AttentionSoftmax', (dy, node) => {
  const y = node.output;
  const k = y.shape[3];
  return [kernelOutput('attentionSoftmax (gradient)', y.shape, (out) =>
    engine.k.attention_softmax_grad_f32(out, dy.ptr, y.ptr, k === 0 ? 0 : y.size / k, k, node.attrs.scale as number))];
});

// scores[b,h,i,j] = Σ_d q[b,i,h,d]·k[b,j,h,d]:
//   dq[b,i,h,d] = Σ_j dS[b,h,i,j]·k[b,j,h,d],   dk[b,j,h,d] = Σ_i dS[b,h,i,j]·q[b,i,h,d].
registerGradient('AttentionScores', (dS, node, needs) => {
  const [q, k] = node.inputs as [Tensor, Tensor];
  const [B, T, H, D] = q.shape, S = k.shape[1];
  const op = 'attentionScores (gradient)';
  const ds: [number, number] = [H * T * S, T * S];
  return [
    needs[0] ? batchedGemm(op, allocTensor(op, q.shape, 'float32'), dS, k, { batch: B, heads: H, m: T, n: D, k: S,
      a: [...ds, S, 1], b: [S * H * D, D, H * D, 1], c: [T * H * D, D, H * D] }) : null,
    needs[1] ? batchedGemm(op, allocTensor(op, k.shape, 'float32'), dS, q, { batch: B, heads: H, m: S, n: D, k: T,
      a: [...ds, 1, S], b: [T * H * D, D, H * D, 1], c: [S * H * D, D, H * D] }) : null,
  ];
});

// context[b,i,h,e] = Σ_j p[b,h,i,j]·v[b,j,h,e]:
//   dp[b,h,i,j] = Σ_e dC[b,i,h,e]·v[b,j,h,e],   dv[b,j,h,e] = Σ_i p[b,h,i,j]·dC[b,i,h,e].
registerGradient('AttentionContext', (dC, node, needs) => {
  const [p, v] = node.inputs as [Tensor, Tensor];
  const [B, H, T, S] = p.shape, E = v.shape[3];
  const op = 'attentionContext (gradient)';
  const dc: [number, number] = [T * H * E, E];
  return [
    needs[0] ? batchedGemm(op, allocTensor(op, p.shape, 'float32'), dC, v, { batch: B, heads: H, m: T, n: S, k: E,
      a: [...dc, H * E, 1], b: [S * H * E, E, 1, H * E], c: [H * T * S, T * S, S] }) : null,
    needs[1] ? batchedGemm(op, allocTensor(op, v.shape, 'float32'), p, dC, { batch: B, heads: H, m: S, n: E, k: T,
      a: [H * T * S, T * S, 1, S], b: [...dc, H * E, 1], c: [S * H * E, E, H * E] }) : null,
  ];
});

// y[M, N] = x[M, K]·kernel[K, N] + bias[N] on flat views: dx = dy·kernelᵀ, dkernel = xᵀ·dy,
// dbias = column sums of dy.
registerGradient('EinsumDense', (dy, node, needs) => {
  const [x, kernel, bias] = node.inputs as [Tensor, Tensor, Tensor | null];
  const { m, n, k } = node.attrs as { m: number; n: number; k: number };
  const op = 'einsumDense (gradient)';
  const gemm = engine.k.gemm_f32;
  return [
    needs[0] ? kernelOutput(op, x.shape, (out) => gemm(out, dy.ptr, kernel.ptr, 0, m, k, n, 0, 1, 0, 0)) : null,
    needs[1] ? kernelOutput(op, kernel.shape, (out) => gemm(out, x.ptr, dy.ptr, 0, k, n, m, 1, 0, 0, 0)) : null,
    needs[2] && bias ? kernelOutput(op, bias.shape, (out) => engine.k.bias_grad_f32(out, dy.ptr, m, n)) : null,
  ];
});
