// Internal to the layout ops: strides, dim merging, and the calls into copy_strided_x32 /
// transpose_x32 with their descriptors in a scratch block (assembly/kernels/layout.ts).
import { engine } from '../engine.js';
import { allocScratch, type Tensor } from '../tensor.js';

/** Rank of the index space the kernels take (MAX_RANK in assembly/kernels/layout.ts). */
export const MAX_KERNEL_RANK = 8;

/** Row-major element strides of shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** One strided copy out[outPtr + Σ c·os] = x[xPtr + Σ c·is] (pointers in bytes, strides in elements). */
export interface CopyJob {
  out: number;
  x: number;
  dims: number[];
  os: number[];
  is: number[];
}

/**
 * Drops size-1 dims and merges neighbours that stay adjacent in both stride lists, so the
 * kernel sees the smallest rank (a plain copy becomes one run). Empty when some dim is 0.
 */
export function simplify(job: CopyJob): CopyJob | null {
  if (job.dims.some((d) => d === 0)) return null;
  const dims: number[] = [], os: number[] = [], is: number[] = [];
  job.dims.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && os[last] === job.os[i] * d && is[last] === job.is[i] * d) {
      dims[last] *= d;
      os[last] = job.os[i];
      is[last] = job.is[i];
    } else {
      dims.push(d);
      os.push(job.os[i]);
      is.push(job.is[i]);
    }
  });
  if (dims.length === 0) return { ...job, dims: [1], os: [1], is: [1] };
  return { ...job, dims, os, is };
}

/** Rank of the simplified job, for a check before anything is allocated. */
export function kernelRank(job: CopyJob): number {
  return simplify(job)?.dims.length ?? 0;
}

/**
 * Runs each job (simplified) through copy_strided_x32, or transpose_x32 when `dense` (out
 * contiguous); descriptors go to one scratch block, freed before returning. Returns the first
 * nonzero status, or 0.
 */
export function runCopies(op: string, jobs: CopyJob[], dense = false): number {
  const ready = jobs.map(simplify).filter((j): j is CopyJob => j !== null);
  if (ready.length === 0) return 0;
  const k = engine.k;
  const mark = k.arena_mark();
  try {
    const words = 3 * MAX_KERNEL_RANK;
    const scratch = allocScratch(op, 4 * words * ready.length);
    const view = engine.i32(scratch, words * ready.length);
    ready.forEach((j, i) => view.set(dense ? [...j.dims, ...j.is] : [...j.dims, ...j.os, ...j.is], i * words));
    for (let i = 0; i < ready.length; i++) {
      const j = ready[i], desc = scratch + 4 * words * i;
      const status = dense ? k.transpose_x32(j.out, j.x, j.dims.length, desc)
        : k.copy_strided_x32(j.out, j.x, j.dims.length, desc);
      if (status !== 0) return status;
    }
    return 0;
  } finally {
    k.arena_release(mark);
  }
}

/** Runs fill(y) and returns y; on an exception or a nonzero status y is disposed and an Error thrown. */
export function produce<T extends Tensor>(op: string, y: T, fill: () => number): T {
  let status: number;
  try {
    status = fill();
  } catch (e) {
    y.dispose();
    throw e;
  }
  if (status !== 0) {
    y.dispose();
    engine.check(op, status);
  }
  return y;
}
