// multiHeadAttention training work against Lepton's own GEMM, in the same interleaved rounds
// (rounds.ts): one forward + backward pass of lp.layers.multiHeadAttention (self-attention,
// batch 8, sequence 128, model 128, 4 heads of 32; gradients of every weight and of the input)
// against one 1024x128x128 GEMM (the shape of one projection: batch·sequence rows).
// `npm run bench -- --only attention` (harness.ts). Ratio = attention GFLOP/s / GEMM GFLOP/s,
// per round, median over rounds; the target is >= 0.6.
//
// FLOPs counted (2 per multiply-add), B batch, T steps, d model, H heads of D (H·D = d):
//   forward:  projections 4 · 2·B·T·d·d (query, key, value, output), attention 2 · 2·B·H·T·T·D
//             (scores Q·Kᵀ and context P·V);
//   backward: twice the forward (each GEMM has two operand gradients).
// The softmax, bias sums, loss and tape bookkeeping are not counted (they are the overhead).
import * as lp from '../js-bindings/index.js';
import { compare } from './rounds.js';

export const ATTENTION_SHAPE = { batch: 8, steps: 128, model: 128, heads: 4 };

export interface AttentionRow {
  name: string; flops: number; refFlops: number; leptonMs: number; tfjsMs: number; ratio: number; rounds: number[];
  ref: string; build: string;
}

export function attentionFlops(s = ATTENTION_SHAPE): number {
  const { batch: b, steps: t, model: d, heads: h } = s;
  const forward = 4 * 2 * b * t * d * d + 2 * 2 * b * h * t * t * (d / h);
  return 3 * forward;
}

export function attentionRow(rounds: number, build: string): AttentionRow {
  const { batch: b, steps: t, model: d, heads: h } = ATTENTION_SHAPE;
  const layer = lp.layers.multiHeadAttention({ numHeads: h });
  layer.ensureBuilt([[b, t, d], [b, t, d]]);
  const x = lp.variable(lp.tidy(() => lp.randomNormal([b, t, d], 0, 1, 'float32', 1)), true, 'bench_attention_x');
  const w = lp.randomNormal([b, t, d], 0, 1, 'float32', 2);
  const vars = [x, ...layer.trainableWeights];
  const step = () => lp.tidy(() => {
    lp.variableGrads(() => lp.sum(lp.mul(layer.apply([x, x]), w)), vars);
  });
  const m = b * t;
  const ga = lp.randomNormal([m, d], 0, 1, 'float32', 3), gb = lp.randomNormal([d, d], 0, 1, 'float32', 4);
  const gemm = () => lp.matMul(ga, gb).dispose();
  const flops = attentionFlops(), refFlops = 2 * m * d * d;
  const c = compare(step, gemm, rounds);
  const scale = flops / refFlops; // time ratio → GFLOP/s ratio
  lp.dispose([x, w, ga, gb]);
  layer.dispose();
  return { name: `multiHeadAttention forward + backward, batch ${b}, sequence ${t}, model ${d}, ${h} heads`, flops, refFlops,
    leptonMs: c.secondsA * 1e3, tfjsMs: c.secondsB * 1e3, ratio: c.ratio * scale, rounds: c.rounds.map((r) => r * scale),
    ref: `Lepton GEMM ${m}x${d}x${d}`, build };
}
