// The attention ops behind lp.layers.multiHeadAttention (Keras's einsums, without transposes):
//   attentionScores(q [B,T,H,D], k [B,S,H,D])       → [B,H,T,S]   einsum('aecd,abcd->acbe', k, q)
//   attentionSoftmax(scores, mask, causal, scale)   → [B,H,T,S]   masked, stable softmax of scale·scores
//   attentionContext(p [B,H,T,S], v [B,S,H,E])      → [B,T,H,E]   einsum('acbe,aecd->abcd', p, v)
// The two einsums are one gemm_batched_f32 call each (assembly/kernels/gemm_batched.ts): the
// (batch, head) items are read and written in place through strides. Their gradients
// (grads/attention.ts) are the same kernel with other strides; attentionSoftmax's is
// attention_softmax_grad_f32, from the saved output alone (hidden keys have probability 0).
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Shape, type Tensor } from '../tensor.js';
import { assertDtype, fmt } from '../util.js';
import { record } from '../autograd.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

/** Element strides of one operand of gemm_batched_f32: (batch, head, row, column). */
export type Strides4 = [number, number, number, number];

export interface BatchedGemm {
  batch: number; heads: number; m: number; n: number; k: number;
  a: Strides4; b: Strides4;
  /** C's (batch, head, row) strides; its columns are contiguous. */
  c: [number, number, number];
}

/** C (+)= A·B for every (batch, head) item through strides, into out (allocated by the caller). */
export function batchedGemm(op: string, out: Tensor, a: Tensor, b: Tensor, g: BatchedGemm, accumulate = false): Tensor {
  callKernel(op, [out], () => engine.k.gemm_batched_f32(out.ptr, a.ptr, b.ptr, g.batch, g.heads, g.m, g.n, g.k,
    ...g.a, ...g.b, ...g.c, accumulate ? 1 : 0));
  return out;
}

function check4(op: string, name: string, t: Tensor, what: string): void {
  assertDtype(op, name, t, 'float32');
  if (t.rank !== 4) throw new Error(`${op}: '${name}' must have rank 4 ${what}, got shape ${fmt(t.shape)}`);
}

function sameDims(op: string, a: [string, Shape, number], b: [string, Shape, number], what: string): void {
  if (a[1][a[2]] !== b[1][b[2]]) {
    throw new Error(`${op}: the ${what} of '${a[0]}' ${fmt(a[1])} and '${b[0]}' ${fmt(b[1])} differ`);
  }
}

/** scores[b,h,i,j] = Σ_d q[b,i,h,d]·k[b,j,h,d]. */
export function attentionScores(q: Tensor, k: Tensor): Tensor {
  const op = 'attentionScores';
  check4(op, 'q', q, '[batch, queries, heads, keyDim]');
  check4(op, 'k', k, '[batch, keys, heads, keyDim]');
  sameDims(op, ['q', q.shape, 0], ['k', k.shape, 0], 'batch sizes');
  sameDims(op, ['q', q.shape, 2], ['k', k.shape, 2], 'head counts');
  sameDims(op, ['q', q.shape, 3], ['k', k.shape, 3], 'key dimensions');
  const [B, T, H, D] = q.shape, S = k.shape[1];
  const out = allocTensor(op, [B, H, T, S], 'float32');
  batchedGemm(op, out, q, k, { batch: B, heads: H, m: T, n: S, k: D,
    a: [T * H * D, D, H * D, 1], b: [S * H * D, D, 1, H * D], c: [H * T * S, T * S, S] });
  return record('AttentionScores', [q, k], out);
}

/** context[b,i,h,e] = Σ_j p[b,h,i,j]·v[b,j,h,e]. */
export function attentionContext(p: Tensor, v: Tensor): Tensor {
  const op = 'attentionContext';
  check4(op, 'p', p, '[batch, heads, queries, keys]');
  check4(op, 'v', v, '[batch, keys, heads, valueDim]');
  sameDims(op, ['p', p.shape, 0], ['v', v.shape, 0], 'batch sizes');
  sameDims(op, ['p', p.shape, 1], ['v', v.shape, 2], 'head counts');
  sameDims(op, ['p', p.shape, 3], ['v', v.shape, 1], 'key counts');
  const [B, H, T, S] = p.shape, E = v.shape[3];
  const out = allocTensor(op, [B, T, H, E], 'float32');
  batchedGemm(op, out, p, v, { batch: B, heads: H, m: T, n: E, k: S,
    a: [H * T * S, T * S, S, 1], b: [S * H * E, E, H * E, 1], c: [T * H * E, E, H * E] });
  return record('AttentionContext', [p, v], out);
}

/**
 * softmax over the last axis of scale·scores [B,H,T,S], keys hidden by `mask` (bool [B,T,S] or
 * [B,1,S], shared by the heads; null: none) and, when causal, keys j > i, given probability 0.
 * Rows with no visible key are all 0 (Keras gives them a uniform row).
 */
export function attentionSoftmax(scores: Tensor, mask: Tensor | null, causal: boolean, scale: number): Tensor {
  const op = 'attentionSoftmax';
  check4(op, 'scores', scores, '[batch, heads, queries, keys]');
  const [B, H, T, S] = scores.shape;
  if (mask !== null) {
    assertDtype(op, 'mask', mask, 'bool');
    if (mask.rank !== 3 || mask.shape[0] !== B || (mask.shape[1] !== T && mask.shape[1] !== 1) || mask.shape[2] !== S) {
      throw new Error(`${op}: mask must have shape [${B},${T},${S}] or [${B},1,${S}] for scores ${fmt(scores.shape)}, got ${fmt(mask.shape)}`);
    }
  }
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) {
    throw new Error(`${op}: scale must be a finite number > 0, got ${String(scale)}`);
  }
  const out = allocTensor(op, scores.shape, 'float32');
  callKernel(op, [out], () => engine.k.attention_softmax_f32(out.ptr, scores.ptr, mask?.ptr ?? 0, B, H, T, S,
    mask?.shape[1] ?? 1, causal ? 1 : 0, scale));
  return record('AttentionSoftmax', [scores], out, { scale });
}
