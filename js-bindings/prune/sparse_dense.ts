// Dense layers on the sparse-weight GEMM after pruning (lp.pruning.sparsify): each Dense kernel
// sparse enough to pay is copied once into CSC form (gemm_sparse_f32's layout) and the layer's
// inference calls run the sparse kernel when the kernel's sparsity is past the crossover measured
// for the batch at hand (bench/sparse.ts); training calls (and inputs on the tape) take the dense
// path, and the first training call drops the sparse copy since the weights are about to change.
// setWeights() after sparsify() is not seen: call sparsify() again.
import { engine, type Activation } from '../engine.js';
import { allocTensor, keep, type Tensor } from '../tensor.js';
import { zeros } from '../ops/creation.js';
import { isTracked } from '../autograd.js';
import { activationCode, checkBias } from '../ops/matmul.js';
import { Dense } from '../layers/core.js';
import { applyRest, fusedPart } from '../layers/activations.js';
import type { CallKwargs } from '../layers/layer.js';
import { LayersModel } from '../models/model.js';
import { assertDtype, fmt } from '../util.js';

/** W [K, N] in compressed columns: colStart int32 [N+1], rowIdx int32 [nnz], values float32 [nnz]. */
export interface CscWeights { k: number; n: number; nnz: number; sparsity: number; colStart: Tensor; rowIdx: Tensor; values: Tensor }

/**
 * Sparsity from which the sparse kernel beats gemm_f32, per build, for batch 1 (up to 8 rows: the
 * dense path is a matrix-vector product streaming W once) and larger batches. Measured with
 * `node --experimental-wasm-relaxed-simd --import tsx bench/harness.ts --quick --only sparse` on
 * K=1600 N=128 and K=N=512 at batch 1 and 256 (figures in bench/sparse.ts): the lowest measured sparsity
 * (of 50/70/80/90/95 %) that won on both shapes, or the midpoint where one shape won at 70 %.
 */
export const SPARSE_CROSSOVER = {
  simd: { batch1: 0.75, batchMany: 0.7 },
  relaxed: { batch1: 0.8, batchMany: 0.75 },
};

function crossover(): { batch1: number; batchMany: number } {
  return SPARSE_CROSSOVER[engine.info?.build ?? 'relaxed'];
}

/** Whether a kernel of this sparsity runs faster sparse for a batch of `rows`, on the loaded build. */
export function sparseWins(sparsity: number, rows: number): boolean {
  const c = crossover();
  return sparsity >= (rows <= 8 ? c.batch1 : c.batchMany);
}

/** The CSC form of a float32 [K, N] matrix (persistent tensors; dispose with disposeCsc). */
export function toCsc(w: Tensor): CscWeights {
  const op = 'pruning.toCsc';
  assertDtype(op, 'w', w, 'float32');
  if (w.rank !== 2) throw new Error(`${op}: expects a [K, N] matrix, got ${fmt(w.shape)}`);
  const [k, n] = w.shape;
  const colStart = keep(zeros([n + 1], 'int32'));
  const nnz = engine.k.csc_count_f32(colStart.ptr, w.ptr, k, n);
  let rowIdx: Tensor | null = null;
  try {
    rowIdx = keep(zeros([nnz], 'int32'));
    const values = keep(zeros([nnz], 'float32'));
    engine.k.csc_pack_f32(rowIdx.ptr, values.ptr, colStart.ptr, w.ptr, k, n);
    return { k, n, nnz, sparsity: k * n > 0 ? 1 - nnz / (k * n) : 0, colStart, rowIdx, values };
  } catch (e) {
    colStart.dispose();
    rowIdx?.dispose();
    throw e;
  }
}

export function disposeCsc(w: CscWeights): void {
  w.colStart.dispose();
  w.rowIdx.dispose();
  w.values.dispose();
}

/** act(x · W + bias) with W in CSC form: x float32 [M, K] → [M, N] (inference only: not recorded on the tape). */
export function sparseMatMul(x: Tensor, w: CscWeights, bias: Tensor | null = null, activation: Activation = 'linear'): Tensor {
  const op = 'pruning.sparseMatMul';
  assertDtype(op, 'x', x, 'float32');
  if (x.rank !== 2 || x.shape[1] !== w.k) throw new Error(`${op}: x must have shape [M, ${w.k}], got ${fmt(x.shape)}`);
  checkBias(op, bias, w.n);
  const [act, alpha] = activationCode(op, activation);
  w.colStart.assertLive(op);
  const m = x.shape[0];
  const y = allocTensor(op, [m, w.n], 'float32');
  const status = engine.k.gemm_sparse_f32(y.ptr, x.ptr, w.colStart.ptr, w.rowIdx.ptr, w.values.ptr, bias ? bias.ptr : 0,
    m, w.n, w.k, act, alpha);
  if (status !== 0) {
    y.dispose();
    engine.check(op, status);
  }
  return y;
}

const sparseForms = new WeakMap<Dense, CscWeights>();
/** Layers whose dispose already frees their sparse copy. */
const hooked = new WeakSet<Dense>();

/** Drops a layer's sparse copy and its call override. */
function unsparsify(layer: Dense): void {
  const w = sparseForms.get(layer);
  if (w === undefined) return;
  disposeCsc(w);
  sparseForms.delete(layer);
  delete (layer as Partial<Pick<Dense, 'call'>>).call;
}

export interface SparsifyArgs {
  /** Kernels with fewer zeros stay dense (default: the loaded build's lower crossover, SPARSE_CROSSOVER). */
  minSparsity?: number;
}

/**
 * Gives the model's Dense layers whose kernels are at least minSparsity zeros a sparse copy
 * that inference uses when it pays (see sparseWins). Returns the names of those layers.
 */
export function sparsify(model: LayersModel, args: SparsifyArgs = {}): string[] {
  const op = 'pruning.sparsify';
  if (!(model instanceof LayersModel)) throw new Error(`${op}: expects a model, got ${String(model)}`);
  const minSparsity = args.minSparsity ?? Math.min(crossover().batch1, crossover().batchMany);
  if (typeof minSparsity !== 'number' || !(minSparsity >= 0 && minSparsity <= 1)) {
    throw new Error(`${op}: minSparsity must be in [0, 1], got ${String(args.minSparsity)}`);
  }
  const names: string[] = [];
  for (const layer of model.layers) {
    if (!(layer instanceof Dense) || layer.kernel === null || layer.kernel.isDisposed) continue;
    unsparsify(layer);
    const kernel = layer.kernel;
    const zerosCount = engine.k.count_zeros_f32(kernel.ptr, kernel.size);
    if (kernel.size === 0 || zerosCount / kernel.size < minSparsity) continue;
    const w = toCsc(kernel);
    sparseForms.set(layer, w);
    const dense = Dense.prototype.call;
    layer.call = function (this: Dense, inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
      const x = inputs as Tensor;
      if (kwargs.training) unsparsify(this);
      if (kwargs.training || x.rank !== 2 || isTracked(x) || !sparseWins(w.sparsity, x.shape[0])) return dense.call(this, inputs, kwargs);
      const y = sparseMatMul(x, w, this.bias, fusedPart(this.activation));
      return kwargs.logits && this.activation === 'softmax' ? y : applyRest(this.activation, y);
    };
    if (!hooked.has(layer)) {
      hooked.add(layer);
      layer.disposeHooks.push(() => unsparsify(layer));
    }
    names.push(layer.name);
  }
  return names;
}

/** Drops every sparse copy sparsify() made (the layers run dense again). */
export function densify(model: LayersModel): void {
  for (const layer of model.layers) if (layer instanceof Dense) unsparsify(layer);
}

/** Whether a Dense layer currently has a sparse copy. */
export function isSparse(layer: unknown): boolean {
  return layer instanceof Dense && sparseForms.has(layer);
}
