// Weight regularizers (tfjs-layers' l1, l2, l1l2, default factor 0.01): a penalty added to the
// training loss, computed with recorded ops so that its gradient reaches the weight.
import type { Tensor } from '../tensor.js';
import { abs, square } from '../ops/unary.js';
import { add, mul } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';

export interface Regularizer {
  readonly className: string;
  apply(weight: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

function checkFactor(name: string, v: number): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new Error(`regularizers.${name}: the factor must be a non-negative number, got ${String(v)}`);
  }
  return v;
}

function l1l2(l1: number, l2: number): Regularizer {
  checkFactor('l1l2', l1);
  checkFactor('l1l2', l2);
  return {
    className: 'L1L2',
    apply(w) {
      const a = l1 !== 0 ? mul(sum(abs(w)), l1) : null;
      const b = l2 !== 0 ? mul(sum(square(w)), l2) : null;
      return a && b ? add(a, b) : (a ?? b ?? mul(sum(w), 0));
    },
    getConfig: () => ({ l1, l2 }),
  };
}

export const regularizers = {
  l1: ({ l1 = 0.01 }: { l1?: number } = {}) => l1l2(l1, 0),
  l2: ({ l2 = 0.01 }: { l2?: number } = {}) => l1l2(0, l2),
  l1l2: ({ l1 = 0.01, l2 = 0.01 }: { l1?: number; l2?: number } = {}) => l1l2(l1, l2),
};

/** A Regularizer from a name ('l1', 'l2', 'l1l2' with factor 0.01), the object itself, or none. */
export function getRegularizer(layer: string, arg: string, value: string | Regularizer | null | undefined): Regularizer | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object' && typeof value.apply === 'function') return value;
  if (typeof value === 'string' && Object.hasOwn(regularizers, value)) {
    return regularizers[value as keyof typeof regularizers]();
  }
  throw new Error(`${layer}: unknown ${arg} '${String(value)}' (known: l1, l2, l1l2, or a regularizer object)`);
}
