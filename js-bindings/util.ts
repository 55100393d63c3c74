// Argument checks shared by the ops. Every message starts with the op name and shows the shapes,
// and every check runs before any memory is touched.
import { Tensor, type DType, type Shape } from './tensor.js';

export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function assertTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: '${name}' must be a Tensor, got ${typeof x}`);
  x.assertLive(op);
}

export function assertDtype(op: string, name: string, x: Tensor, ...dtypes: DType[]): void {
  assertTensor(op, name, x);
  if (!dtypes.includes(x.dtype)) {
    throw new Error(`${op}: '${name}' must be ${dtypes.join(' or ')}, got ${x.dtype} ${fmt(x.shape)}`);
  }
}

export function assertRank(op: string, name: string, x: Tensor, ...ranks: number[]): void {
  if (!ranks.includes(x.rank)) {
    throw new Error(`${op}: '${name}' must have rank ${ranks.join(' or ')}, got shape ${fmt(x.shape)}`);
  }
}

export function assertPositiveInt(op: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`${op}: '${name}' must be a positive integer, got ${String(v)}`);
  }
}

/** Normalises an axis in [-rank, rank) to [0, rank). */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises an axis list (undefined: all axes), sorted and without repeats. */
export function normAxes(op: string, axis: number | number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(op, a, rank));
  const sorted = [...new Set(list)].sort((a, b) => a - b);
  if (sorted.length !== list.length) throw new Error(`${op}: repeated axis in [${axis}]`);
  return sorted;
}

/** The broadcast shape of a and b (NumPy rules), or an Error naming op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
