// Layout ops (TensorFlow.js names and signatures): transpose, slice, concat, stack, unstack,
// pad, expandDims, squeeze. float32 and int32 alike: the kernels move 32-bit words
// (assembly/kernels/layout.ts). Every op validates its arguments, then allocates, then calls.
import { engine } from '../engine.js';
import { allocTensor, type Tensor } from '../tensor.js';
import { assertDtype, assertTensor, fmt, normAxis } from '../util.js';
import { record } from '../autograd.js';
import { kernelRank, MAX_KERNEL_RANK, produce, product, runCopies, stridesOf, type CopyJob } from './strided.js';

function isIntList(v: unknown, length?: number): v is number[] {
  return Array.isArray(v) && (length === undefined || v.length === length) && v.every((d) => Number.isInteger(d));
}

function checkKernelRank(op: string, job: CopyJob, shape: readonly number[]): void {
  if (kernelRank(job) > MAX_KERNEL_RANK) {
    throw new Error(`${op}: ${fmt(shape)} needs ${kernelRank(job)} dims after merging; at most ${MAX_KERNEL_RANK} are supported`);
  }
}

/** A copy of x under a new shape with the same number of elements (no data reordering). */
function copyAs(op: string, x: Tensor, shape: number[]): Tensor {
  const y = allocTensor(op, shape, x.dtype);
  engine.k.copy_bytes(y.ptr, x.ptr, x.byteLength);
  return record('Reshape', [x], y);
}

/** x with its dims permuted: out.shape[i] = x.shape[perm[i]]; default perm reverses the dims. */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  assertDtype('transpose', 'x', x, 'float32', 'int32');
  const rank = x.rank;
  const p = perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (!isIntList(p, rank) || p.some((a) => a < 0 || a >= rank) || new Set(p).size !== rank) {
    throw new Error(`transpose: perm must be a permutation of 0..${rank - 1} for x ${fmt(x.shape)}, got [${String(perm)}]`);
  }
  const shape = p.map((a) => x.shape[a]);
  const xs = stridesOf(x.shape);
  const job: CopyJob = { out: 0, x: x.ptr, dims: shape, os: stridesOf(shape), is: p.map((a) => xs[a]) };
  checkKernelRank('transpose', job, x.shape);
  const y = allocTensor('transpose', shape, x.dtype);
  produce('transpose', y, () => runCopies('transpose', [{ ...job, out: y.ptr }], true));
  return record('Transpose', [x], y, { perm: p });
}

/** The block of x starting at begin with the given size (-1: to the end), as TF.js slice. */
export function slice(x: Tensor, begin: number | number[], size?: number | number[]): Tensor {
  assertDtype('slice', 'x', x, 'float32', 'int32');
  const rank = x.rank;
  const b = typeof begin === 'number' ? [begin] : begin;
  const s = size === undefined ? [] : typeof size === 'number' ? [size] : size;
  if (!isIntList(b) || !isIntList(s) || b.length > rank || s.length > rank) {
    throw new Error(`slice: begin [${String(begin)}] and size [${String(size)}] must be integer lists of at most ` +
      `rank ${rank} for x ${fmt(x.shape)}`);
  }
  const start = x.shape.map((_, i) => b[i] ?? 0);
  const shape = x.shape.map((d, i) => ((s[i] ?? -1) === -1 ? d - start[i] : s[i]));
  x.shape.forEach((d, i) => {
    if (start[i] < 0 || start[i] > d || shape[i] < 0 || start[i] + shape[i] > d) {
      throw new Error(`slice: begin [${start}] size [${String(size ?? [])}] is out of bounds for x ${fmt(x.shape)} (dim ${i})`);
    }
  });
  const xs = stridesOf(x.shape);
  const offset = start.reduce((a, v, i) => a + v * xs[i], 0);
  const job: CopyJob = { out: 0, x: x.ptr + 4 * offset, dims: shape, os: stridesOf(shape), is: xs };
  const y = allocTensor('slice', shape, x.dtype);
  produce('slice', y, () => runCopies('slice', [{ ...job, out: y.ptr }]));
  return record('Slice', [x], y, { begin: start });
}

function checkSameDtype(op: string, tensors: Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`${op}: expected a non-empty array of tensors`);
  tensors.forEach((t, i) => assertDtype(op, `tensors[${i}]`, t, 'float32', 'int32'));
  const bad = tensors.find((t) => t.dtype !== tensors[0].dtype);
  if (bad) throw new Error(`${op}: all tensors must have the same dtype, got ${tensors[0].dtype} and ${bad.dtype}`);
}

/** Concatenates along an axis; the shapes must match in every other dim. */
export function concat(tensors: Tensor[], axis = 0): Tensor {
  checkSameDtype('concat', tensors);
  const first = tensors[0];
  if (first.rank === 0) throw new Error('concat: cannot concatenate scalars (rank 0)');
  const ax = normAxis('concat', axis, first.rank);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes ${tensors.map((u) => fmt(u.shape)).join(', ')} differ outside axis ${ax}`);
    }
  }
  const shape = [...first.shape];
  shape[ax] = tensors.reduce((a, t) => a + t.shape[ax], 0);
  return record('Concat', tensors, joinRows('concat', tensors, shape, ax), { axis: ax });
}

/** Copies each tensor, seen as [outer, rows_i], side by side into rows of y [outer, Σ rows_i]. */
function joinRows(op: string, tensors: Tensor[], shape: number[], axis: number): Tensor {
  const outer = product(shape.slice(0, axis));
  const row = product(shape.slice(axis));
  const y = allocTensor(op, shape, tensors[0].dtype);
  return produce(op, y, () => {
    let at = 0;
    const jobs = tensors.map((t): CopyJob => {
      const inner = t.size / Math.max(outer, 1);
      const job = { out: y.ptr + 4 * at, x: t.ptr, dims: [outer, inner], os: [row, 1], is: [inner, 1] };
      at += inner;
      return job;
    });
    return runCopies(op, jobs);
  });
}

/** Stacks same-shape tensors along a new axis. */
export function stack(tensors: Tensor[], axis = 0): Tensor {
  checkSameDtype('stack', tensors);
  const first = tensors[0];
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new Error(`stack: all tensors must have the same shape, got ${tensors.map((u) => fmt(u.shape)).join(', ')}`);
    }
  }
  const ax = normAxis('stack', axis, first.rank + 1);
  const shape = [...first.shape.slice(0, ax), tensors.length, ...first.shape.slice(ax)];
  return record('Stack', tensors, joinRows('stack', tensors, shape, ax), { axis: ax });
}

/** The slices of x along an axis, each without that axis. */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  assertDtype('unstack', 'x', x, 'float32', 'int32');
  if (x.rank === 0) throw new Error('unstack: x must have rank >= 1, got a scalar');
  const ax = normAxis('unstack', axis, x.rank);
  const shape = x.shape.filter((_, i) => i !== ax);
  const outer = product(x.shape.slice(0, ax)), inner = product(x.shape.slice(ax + 1));
  const n = x.shape[ax];
  const out: Tensor[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const y = allocTensor('unstack', shape, x.dtype);
      out.push(y);
      engine.check('unstack', runCopies('unstack',
        [{ out: y.ptr, x: x.ptr + 4 * i * inner, dims: [outer, inner], os: [inner, 1], is: [n * inner, 1] }]));
      record('UnstackPart', [x], y, { axis: ax, index: i });
    }
  } catch (e) {
    for (const y of out) y.dispose();
    throw e;
  }
  return out;
}

function bitsOf(value: number, dtype: string): number {
  return dtype === 'int32' ? value | 0 : new Int32Array(new Float32Array([value]).buffer)[0];
}

/** x surrounded by constantValue: paddings[i] = [before, after] for dim i. */
export function pad(x: Tensor, paddings: Array<[number, number]>, constantValue = 0): Tensor {
  assertDtype('pad', 'x', x, 'float32', 'int32');
  if (!Array.isArray(paddings) || paddings.length !== x.rank ||
      !paddings.every((p) => isIntList(p, 2) && p[0] >= 0 && p[1] >= 0)) {
    throw new Error(`pad: paddings must be ${x.rank} pairs [before, after] of non-negative integers for x ` +
      `${fmt(x.shape)}, got ${JSON.stringify(paddings)}`);
  }
  if (typeof constantValue !== 'number') throw new Error(`pad: constantValue must be a number, got ${typeof constantValue}`);
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const os = stridesOf(shape);
  const offset = paddings.reduce((a, p, i) => a + p[0] * os[i], 0);
  const y = allocTensor('pad', shape, x.dtype);
  produce('pad', y, () => {
    engine.k.fill_32(y.ptr, y.size, bitsOf(constantValue, x.dtype));
    return runCopies('pad', [{ out: y.ptr + 4 * offset, x: x.ptr, dims: [...x.shape], os, is: stridesOf(x.shape) }]);
  });
  return record('Pad', [x], y, { paddings });
}

/** x with a size-1 dim inserted at axis (in [-(rank+1), rank]). */
export function expandDims(x: Tensor, axis = 0): Tensor {
  assertTensor('expandDims', 'x', x);
  const ax = normAxis('expandDims', axis, x.rank + 1);
  return copyAs('expandDims', x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]);
}

/**
 * x repeated along the dims where it has size 1 (or that it lacks: shapes align on the right) to
 * make `shape` (TF.js's tf.broadcastTo). A strided copy with stride 0 along the repeated dims.
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const op = 'broadcastTo';
  assertDtype(op, 'x', x, 'float32', 'int32');
  if (!isIntList(shape) || shape.some((d) => d < 0) || shape.length < x.rank) {
    throw new Error(`${op}: shape must be a list of at least ${x.rank} non-negative integers, got [${String(shape)}]`);
  }
  const lead = shape.length - x.rank;
  const xs = stridesOf(x.shape);
  const is = shape.map((d, i) => {
    const xd = i < lead ? 1 : x.shape[i - lead];
    if (xd !== d && xd !== 1) throw new Error(`${op}: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
    return xd === 1 ? 0 : xs[i - lead];
  });
  const job: CopyJob = { out: 0, x: x.ptr, dims: [...shape], os: stridesOf(shape), is };
  checkKernelRank(op, job, shape);
  const y = allocTensor(op, shape, x.dtype);
  produce(op, y, () => runCopies(op, [{ ...job, out: y.ptr }]));
  return record('BroadcastTo', [x], y);
}

/** x without its size-1 dims (or only those listed in axis, which must be size 1). */
export function squeeze(x: Tensor, axis?: number[]): Tensor {
  assertTensor('squeeze', 'x', x);
  const axes = axis === undefined ? null : (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis('squeeze', a, x.rank));
  for (const a of axes ?? []) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: cannot squeeze axis ${a} of x ${fmt(x.shape)}: its dim is not 1`);
  }
  return copyAs('squeeze', x, x.shape.filter((d, i) => (axes === null ? d !== 1 : !axes.includes(i))));
}
