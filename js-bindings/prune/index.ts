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
export const pruning = { sparsity, structuredPlan, sparsify, densify, isSparse, sparseMatMul, sparseWins, toCsc, disposeCsc, pruningOf,
  SPARSE_CROSSOVER };
export { pruneStructured, structuredPlan, type StructuredPruneArgs, type PlanEntry } from './structured.js';
