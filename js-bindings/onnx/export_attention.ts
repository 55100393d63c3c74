// MultiHeadAttention as plain ONNX ops (opset 17 has no attention op): each projection a MatMul
// (+ Add) with Keras's [features, heads, dim] kernel flattened to [features, heads·dim], the heads
// split by Reshape + Transpose, softmax(scale · Q·Kᵀ (+ a causal mask)) · V by MatMul / Softmax,
// the heads joined again and the output projection one MatMul with [heads·valueDim, out].
// A causal mask is a constant [T, S] added to the scores (0 where key j <= query i, -1e30 above;
// Lepton's step counts are static); a key it hides gets probability 0, as in Lepton's kernel.
import type { Layer, SymbolicShape } from '../layers/layer.js';
import type { MultiHeadAttention } from '../layers/attention.js';
import { XVal, type OnnxWriter } from './export_writer.js';
import { values } from './export_weights.js';
import type { LayerExport } from './export_layers.js';

/** Keras's kernels and biases in order: query, key, value, output (each [kernel, bias | null]). */
function projections(l: MultiHeadAttention): [Float32Array, number[], Float32Array | null][] {
  const ws = l.weights;
  const per = l.useBias ? 2 : 1;
  return [0, 1, 2, 3].map((i) => [values(ws[i * per]), [...ws[i * per].shape], l.useBias ? values(ws[i * per + 1]) : null]);
}

/** x [N, T, d] · kernel [d, h·dim] (+ bias): a MatMul on the last axis. */
function project(w: OnnxWriter, x: string, name: string, kernel: Float32Array, rows: number, cols: number, bias: Float32Array | null): string {
  const m = w.node('MatMul', [x, w.floats(`${name}/kernel`, [rows, cols], kernel)], bias ? `${name}_matmul` : name);
  return bias ? w.node('Add', [m, w.floats(`${name}/bias`, [cols], bias)], name) : m;
}

function emitAttention(w: OnnxWriter, layer: Layer, ins: XVal[], out: SymbolicShape, call: Record<string, unknown>): XVal {
  const l = layer as MultiHeadAttention;
  const [query, value, key = value] = ins;
  const [[wq, sq, bq], [wk, sk, bk], [wv, sv, bv], [wo, so, bo]] = projections(l);
  const h = l.numHeads, keyDim = sq[2], valueDim = sv[2];
  const n = l.name;
  // [N, T, h·dim] → [N, h, T, dim] (or [N, h, dim, T] for the keys, ready for Q·Kᵀ)
  const heads = (x: string, dim: number, perm: number[], what: string) =>
    w.node('Transpose', [w.node('Reshape', [x, w.int64s(`${n}/${what}_heads`, [0, 0, h, dim])], `${n}_${what}_split`)], `${n}_${what}_heads`, { perm });
  const q = heads(project(w, w.form(query, 'keras'), `${n}_query`, wq, sq[0], h * keyDim, bq), keyDim, [0, 2, 1, 3], 'query');
  const k = heads(project(w, w.form(key, 'keras'), `${n}_key`, wk, sk[0], h * keyDim, bk), keyDim, [0, 2, 3, 1], 'key');
  const v = heads(project(w, w.form(value, 'keras'), `${n}_value`, wv, sv[0], h * valueDim, bv), valueDim, [0, 2, 1, 3], 'value');
  let scores = w.node('Mul', [w.node('MatMul', [q, k], `${n}_qk`), w.scalar(1 / Math.sqrt(keyDim))], `${n}_scores`);
  if (call.useCausalMask === true) {
    const t = query.shape[1]!, s = value.shape[1]!;
    const mask = Float32Array.from({ length: t * s }, (_, i) => (i % s > Math.floor(i / s) ? -1e30 : 0));
    scores = w.node('Add', [scores, w.floats(`${n}/causal_mask`, [t, s], mask)], `${n}_causal`);
  }
  const probs = w.node('Softmax', [scores], `${n}_probs`, { axis: -1 });
  const ctx = w.node('Transpose', [w.node('MatMul', [probs, v], `${n}_context`)], `${n}_context_steps`, { perm: [0, 2, 1, 3] });
  const joined = w.node('Reshape', [ctx, w.int64s(`${n}/joined`, [0, 0, h * valueDim])], `${n}_joined`);
  return XVal.of('keras', project(w, joined, n, wo, h * valueDim, so[2], bo), out);
}

export const ATTENTION_EXPORTS: Record<string, LayerExport> = {
  MultiHeadAttention: {
    check: (l) => (l.weights.length === 0 ? 'is not built' : null),
    emit: (w, l, ins, out, call = {}) => {
      if (call.returnAttentionScores === true) throw new Error('returnAttentionScores (two outputs) cannot be exported');
      return emitAttention(w, l, ins, out, call);
    },
  },
};
