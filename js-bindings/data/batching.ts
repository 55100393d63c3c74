// Shuffling and batching for training loops.
//
//   shuffledIndices(n, seed)   a seeded permutation of 0..n-1: Fisher–Yates (Durstenfeld: for
//                              i = n-1 .. 1 swap p[i], p[j], j = ⌊u·(i+1)⌋ with u from
//                              mulberry32(seed), data/random.ts)
//   batches(x, y, options)     an iterable of {xs, ys}: one pass over it is one epoch; every batch
//                              is gathered with lp.gather along axis 0 with one int32 index tensor
//
// Epochs: the e-th pass (counting from 0) over one batches() result uses the permutation
// shuffledIndices(n, seed + e·0x9E3779B9 mod 2^32), so the first epoch's order is exactly
// shuffledIndices(n, seed), later epochs differ, and everything is reproducible from the seed.
// Each batch's tensors are new: dispose them after the step (or create the batches outside a
// tidy() and dispose each one inside the loop), or memory grows with every batch.
import { tensor } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import type { Tensor } from '../tensor.js';
import { assertPositiveInt, assertTensor, fmt } from '../util.js';
import { mulberry32, seedArg } from './random.js';

const MAX_INDEX = 0x7FFF_FFFF;

function assertCount(op: string, n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_INDEX) {
    throw new Error(`${op}: n must be an integer in [0, 2^31), got ${String(n)}`);
  }
}

/** A seeded permutation of 0..n-1 (JS data, not a tensor). */
export function shuffledIndices(n: number, seed: number): Int32Array {
  assertCount('shuffledIndices', n);
  return permutation(n, seedArg('shuffledIndices', seed, true));
}

/**
 * The sample order of epoch `epoch` (from 0): shuffledIndices(n, seed + epoch·0x9E3779B9 mod
 * 2^32), or 0..n-1 without shuffling. batches() and model.fit() both walk epochs this way.
 */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  return shuffle ? permutation(n, (seed + Math.imul(epoch, 0x9E3779B9)) >>> 0) : Int32Array.from({ length: n }, (_, i) => i);
}

function permutation(n: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

export interface BatchOptions {
  batchSize: number;
  /** Reorder the samples every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles (default: the next value of a fixed sequence). */
  seed?: number;
  /** Skip the last, smaller batch (default false). */
  dropRemainder?: boolean;
}

export interface Batch {
  /** Rows of x: [b, ...x.shape.slice(1)]. */
  xs: Tensor;
  /** The matching rows of y. */
  ys: Tensor;
}

export interface Batches extends Iterable<Batch> {
  /** Batches per epoch. */
  readonly numBatches: number;
  /** Samples (x.shape[0]). */
  readonly size: number;
}

/** Batches of (x, y) rows, reshuffled every epoch; see the file header. */
export function batches(x: Tensor, y: Tensor, options: BatchOptions): Batches {
  const op = 'batches';
  assertTensor(op, 'x', x);
  assertTensor(op, 'y', y);
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    throw new Error(`${op}: x ${fmt(x.shape)} and y ${fmt(y.shape)} must have the same first dimension`);
  }
  if (options === null || typeof options !== 'object') throw new Error(`${op}: options must be an object`);
  const { batchSize, shuffle = true, dropRemainder = false } = options;
  assertPositiveInt(op, 'batchSize', batchSize);
  if (typeof shuffle !== 'boolean' || typeof dropRemainder !== 'boolean') {
    throw new Error(`${op}: shuffle and dropRemainder must be booleans`);
  }
  const seed = seedArg(op, options.seed, false);
  const n = x.shape[0];
  const numBatches = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  let epoch = 0;
  function* run(order: Int32Array): Generator<Batch> {
    for (let b = 0; b < numBatches; b++) {
      x.assertLive(op);
      y.assertLive(op);
      const rows = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, n));
      const index = tensor(rows, [rows.length], 'int32');
      let xs: Tensor | undefined, ys: Tensor;
      try {
        xs = gather(x, index, 0);
        ys = gather(y, index, 0);
      } catch (e) {
        xs?.dispose();
        throw e;
      } finally {
        index.dispose();
      }
      yield { xs, ys };
    }
  }
  return {
    numBatches,
    size: n,
    [Symbol.iterator]() {
      return run(epochOrder(n, seed, epoch++, shuffle));
    },
  };
}
