// Weight regularizers (tfjs-layers' l1, l2, l1l2, default factor 0.01): a penalty added to the
// training loss, computed with recorded ops so that its gradient reaches the weight.
import type { Tensor } from '../tensor.js';
import { abs, square } from '../ops/unary.js';
import { add, mul } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';

export interface SerializedRegularizer { className: string; config: unknown }

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

/** tf.regularizers: weight penalties added to the loss (factor 0.01 by default). */
export const regularizers = {
  /** l1 · sum(|w|). */
  l1: ({ l1 = 0.01 }: { l1?: number } = {}) => l1l2(l1, 0),
  /** l2 · sum(w²). */
  l2: ({ l2 = 0.01 }: { l2?: number } = {}) => l1l2(0, l2),
  /** l1 · sum(|w|) + l2 · sum(w²). */
  l1l2: ({ l1 = 0.01, l2 = 0.01 }: { l1?: number; l2?: number } = {}) => l1l2(l1, l2),
};

/** A regularizer as JSON for a layer's getConfig ({className, config}; undefined for none). */
export function serializeRegularizer(r: Regularizer | null): { className: string; config: Record<string, unknown> } | undefined {
  return r === null ? undefined : { className: r.className, config: r.getConfig() };
}

/**
 * A Regularizer from a name ('l1', 'l2', 'l1l2' with factor 0.01), the object itself, its JSON
 * ({className: 'L1L2', config: {l1, l2}}, as getConfig writes it), or none.
 */
export function getRegularizer(layer: string, arg: string, value: string | Regularizer | SerializedRegularizer | null | undefined): Regularizer | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object' && typeof (value as Regularizer).apply === 'function') return value as Regularizer;
  const json = value as SerializedRegularizer;
  if (typeof value === 'object' && json.className === 'L1L2' && json.config !== null && typeof json.config === 'object') {
    const { l1 = 0, l2 = 0 } = json.config as { l1?: number; l2?: number };
    return l1l2(l1, l2);
  }
  if (typeof value === 'string' && Object.hasOwn(regularizers, value)) {
    return regularizers[value as keyof typeof regularizers]();
  }
  throw new Error(`${layer}: unknown ${arg} '${String(value)}' (known: l1, l2, l1l2, or a regularizer object)`);
}
