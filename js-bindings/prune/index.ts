// lp.prune / lp.stripPruning / lp.pruneStructured and the lp.pruning namespace.
import { sparsity } from './weights.js';
import { densify, isSparse, sparseMatMul, sparseWins, sparsify, toCsc, disposeCsc, SPARSE_CROSSOVER } from './sparse_dense.js';
import { pruningOf } from './magnitude.js';
import { structuredPlan } from './structured.js';

export { prune, stripPruning, PruningController, type PruneArgs } from './magnitude.js';
export { type ScheduleArgs, type PolynomialDecayArgs, type ConstantSparsityArgs } from './schedule.js';
export { type SparsityReport } from './weights.js';
export { type CscWeights, type SparsifyArgs } from './sparse_dense.js';

/** Reports and the sparse inference path. */
export const pruning = {
  /** The fraction of zeros of each prunable kernel and over all of them. */
  sparsity,
  /** Which units each Dense / Conv2D layer would keep under pruneStructured (by norm), and why others cannot go. */
  structuredPlan,
  /** Gives Dense layers whose kernels are at least minSparsity zeros a sparse copy that inference uses when it pays; returns their names. */
  sparsify,
  /** Drops every sparse copy sparsify() made (the layers run dense again). */
  densify,
  /** Whether a Dense layer currently has a sparse copy. */
  isSparse,
  /** act(x · W + bias) with W in CSC form (inference only: not recorded on the tape). */
  sparseMatMul,
  /** Whether a kernel of this sparsity runs faster sparse for a batch of `rows`, on the loaded build. */
  sparseWins,
  /** The CSC form of a float32 [K, N] matrix (dispose it with disposeCsc). */
  toCsc,
  /** Frees what toCsc made. */
  disposeCsc,
  /** The pruning controller of a model, if it is being pruned. */
  pruningOf,
  /** The measured sparsity from which the sparse GEMM wins, per build, at batch 1 and larger. */
  SPARSE_CROSSOVER,
};
export { pruneStructured, structuredPlan, type StructuredPruneArgs, type PlanEntry } from './structured.js';
