// The sparse-weight GEMM (gemm_sparse_f32 via lp.pruning.sparseMatMul) against Lepton's dense
// GEMM (gemm_f32 via lp.fused.matMul) on the same pruned weights, bias + relu fused in both, in
// interleaved rounds (rounds.ts): the demo's dense-layer shapes (K=1600 N=128, K=N=512) at
// batch 1 and 256, sparsity 50-95 % (unstructured, seeded). Ratio > 1: sparse is faster.
// `npm run bench -- --only sparse` (harness.ts) prints the rows and, per shape, the crossover:
// the lowest sparsity from which sparse wins; js-bindings/prune/sparse_dense.ts uses it.
//
// Last run (--quick, 3 rounds; AMD EPYC, CPU family 26, 2 shared cores, Node 20), sparse/dense
// speed at 50/70/80/90/95 % zeros:
//   simd     1x128x1600   0.68 1.02 1.35 2.56 4.57    256x128x1600  0.86 1.45 1.98 3.44 5.59
//            1x512x512    0.50 0.93 1.50 2.10 3.51    256x512x512   0.98 1.61 2.35 4.34 8.54
//   relaxed  1x128x1600   0.48 0.81 1.10 2.36 4.21    256x128x1600  0.52 0.88 1.28 2.41 4.24
//            1x512x512    0.45 0.71 1.06 1.86 3.48    256x512x512   0.61 1.02 1.51 3.09 5.89
// Crossover: about 70-80 % zeros; the relaxed build's dense GEMM (fused madd) moves it up.
import * as lp from '../js-bindings/index.js';
import { mulberry32 } from '../js-bindings/data/random.js';

export const SPARSE_SHAPES = [{ k: 1600, n: 128 }, { k: 512, n: 512 }];
export const SPARSE_BATCHES = [1, 256];
export const SPARSITIES = [0.5, 0.7, 0.8, 0.9, 0.95];

export interface SparseCase {
  name: string; flops: number;
  make: () => { lepton: () => void; tfjs: () => void; dispose: () => void };
}

/** The cases: `lepton` runs the sparse kernel, `tfjs` (the harness's second engine) the dense one. */
export function sparseCases(): SparseCase[] {
  const out: SparseCase[] = [];
  for (const { k, n } of SPARSE_SHAPES) for (const m of SPARSE_BATCHES) for (const s of SPARSITIES) {
    out.push({
      name: `sparse ${m}x${n}x${k} (MxNxK) ${Math.round(s * 100)}%`,
      flops: 2 * m * n * k, // dense FLOPs, so GFLOP/s compare as "effective"
      make: () => {
        const rand = mulberry32(k * 31 + n + Math.round(s * 100));
        const wv = new Float32Array(k * n).map(() => (rand() < s ? 0 : rand() * 2 - 1));
        const xv = new Float32Array(m * k).map(() => rand() * 2 - 1);
        const w = lp.tensor(wv, [k, n]), x = lp.tensor(xv, [m, k]), b = lp.zeros([n]);
        const csc = lp.pruning.toCsc(w);
        return {
          lepton: () => lp.pruning.sparseMatMul(x, csc, b, 'relu').dispose(),
          tfjs: () => lp.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' }).dispose(),
          dispose: () => { lp.pruning.disposeCsc(csc); lp.dispose([w, x, b]); },
        };
      },
    });
  }
  return out;
}

/** Per build and shape: the lowest sparsity from which every sparser case ran faster sparse. */
export function crossoverLines(rows: { build: string; name: string; ratio: number }[]): string[] {
  const groups = new Map<string, { s: number; ratio: number }[]>();
  for (const r of rows) {
    const m = /^sparse (\S+) \(MxNxK\) (\d+)%$/.exec(r.name);
    if (!m) continue;
    const key = `${r.build} ${m[1]}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push({ s: Number(m[2]), ratio: r.ratio });
  }
  return [...groups].map(([key, list]) => {
    list.sort((a, b) => a.s - b.s);
    let from: number | null = null;
    for (let i = list.length - 1; i >= 0 && list[i].ratio > 1; i--) from = list[i].s;
    return `${key}: sparse wins from ${from === null ? 'none of the measured sparsities' : `${from} %`} ` +
      `(${list.map((l) => `${l.s}%: ${l.ratio.toFixed(2)}`).join(', ')})`;
  });
}
