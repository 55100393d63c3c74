// Broadcast shape pairs and kernel descriptors for the tests of the binary kernels that share
// assembly/kernels/broadcast.ts's walk (binary_grad_f32, compare_f32/i32).
import { AWKWARD, randInt, rng } from './rng.js';
import { broadcastShape, broadcastStrides, type Shape } from '../ref/elementwise_ref.js';
import { broadcastPlan } from '../../js-bindings/ops/binary.js';

/**
 * Shape pairs: same shape (n = 0..65, larger), scalars, row (bias), column, outer-product,
 * middle-axis and both-sides broadcasts, NHWC + bias, and seeded random pairs of rank 1..6.
 */
export function broadcastPairs(seed: number, randomCount = 40): [Shape, Shape][] {
  const pairs: [Shape, Shape][] = [];
  for (let n = 0; n <= 65; n++) pairs.push([[n], [n]]);
  pairs.push([[1000], [1000]], [[3, 5, 7], [3, 5, 7]]);
  for (const n of [0, ...AWKWARD]) pairs.push([[n], []], [[], [n]], [[n], [1]], [[1], [n]]);
  pairs.push([[], []], [[1, 1], [1]]);
  for (const c of AWKWARD) {
    for (const nr of [1, 2, 5]) {
      pairs.push([[nr, c], [c]], [[c], [nr, c]]);                      // row (bias)
      pairs.push([[nr, c], [nr, 1]], [[nr, 1], [nr, c]]);                // column
      pairs.push([[nr, 1], [1, c]], [[1, c], [nr, 1]]);                  // both sides (outer product)
    }
    pairs.push([[2, 3, 5, c], [c]], [[2, 3, 5, c], [2, 1, 1, c]]);       // NHWC + bias, per-image
    pairs.push([[3, c, 4], [3, 1, 4]], [[3, 1, 4], [1, c, 1]]);          // middle axis
  }
  const rand = rng(seed);
  for (let i = 0; i < randomCount; i++) {
    const rank = randInt(rand, 1, 6);
    const out = Array.from({ length: rank }, () => randInt(rand, 1, rank > 4 ? 3 : 6));
    const derive = (): number[] => out.slice(randInt(rand, 0, rank)).map((d) => (rand() < 0.35 ? 1 : d));
    pairs.push([derive(), derive()]);
  }
  return pairs;
}

export interface Descriptor { dims: number[]; aStrides: number[]; bStrides: number[]; size: number }

/** The kernel's iteration plan: js-bindings' merged one, or raw per-dimension strides. */
export function descriptor(aShape: Shape, bShape: Shape, raw: boolean): Descriptor {
  const shape = broadcastShape(aShape, bShape);
  if (shape === null) throw new Error(`[${aShape}] and [${bShape}] do not broadcast`);
  const size = shape.reduce((x, y) => x * y, 1);
  if (!raw) {
    const { dims, aStrides, bStrides } = broadcastPlan('test', aShape, bShape);
    return { dims, aStrides, bStrides, size };
  }
  if (shape.length === 0) return { dims: [1], aStrides: [0], bStrides: [0], size };
  return { dims: shape, aStrides: broadcastStrides(aShape, shape), bStrides: broadcastStrides(bShape, shape), size };
}

/** The descriptor as the i32 block the kernels read: [dims | aStrides | bStrides]. */
export function descriptorWords(d: Descriptor): Int32Array {
  return Int32Array.from([...d.dims, ...d.aStrides, ...d.bStrides]);
}

export const sizeOf = (shape: Shape): number => shape.reduce((x, y) => x * y, 1);
