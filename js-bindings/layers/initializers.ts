// Weight initializers (tfjs-layers' names, configs and formulas: VarianceScaling with
// computeFans over channels-last kernels). Each takes an optional seed; without one the seed
// comes from the engine's deterministic sequence, so a program builds the same weights every run.
import { tidy, type Tensor } from '../tensor.js';
import { fill, randomNormal, randomUniform, reshape, truncatedNormal, zeros } from '../ops/creation.js';
import { concat, slice, transpose } from '../ops/layout.js';
import { div, mul, sub } from '../ops/binary.js';
import { matMul } from '../ops/matmul.js';
import { sqrt, square } from '../ops/unary.js';
import { sum } from '../ops/reduce.js';

export interface Initializer {
  readonly className: string;
  apply(shape: number[]): Tensor;
  getConfig(): Record<string, unknown>;
}

interface Seeded { seed?: number }

/** [fanIn, fanOut] of a kernel shape, as tfjs-layers' computeFans (channels last). */
function computeFans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length >= 3 && shape.length <= 5) {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
  }
  const size = Math.sqrt(shape.reduce((a, b) => a * b, 1));
  return [size, size];
}

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';

function varianceScaling(className: string, scale: number, mode: FanMode, distribution: 'normal' | 'uniform',
    args: Seeded = {}): Initializer {
  return {
    className,
    apply(shape) {
      const [fanIn, fanOut] = computeFans(shape);
      const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
      const s = scale / Math.max(1, fan);
      if (distribution === 'normal') return truncatedNormal(shape, 0, Math.sqrt(s), 'float32', args.seed);
      const limit = Math.sqrt(3 * s);
      return randomUniform(shape, -limit, limit, 'float32', args.seed);
    },
    getConfig: () => ({ seed: args.seed }),
  };
}

/**
 * tfjs-layers' Orthogonal: the Q of a QR factorisation of a standard normal [max, min] matrix
 * (signs fixed so R's diagonal is positive), transposed to [rows, cols] when rows < cols, times
 * gain; rows = the product of all but the last dimension. Here the rows of a normal [min, max]
 * matrix are orthonormalised by Gram-Schmidt (twice per row, for round-off), which is that Q
 * transposed; a loop of ops over rows, run once when a layer builds.
 */
function orthogonal({ gain = 1, seed }: { gain?: number; seed?: number } = {}): Initializer {
  if (typeof gain !== 'number' || !Number.isFinite(gain)) throw new Error(`initializers.orthogonal: gain must be a finite number, got ${String(gain)}`);
  return {
    className: 'Orthogonal',
    apply(shape) {
      if (shape.length < 2) throw new Error(`initializers.orthogonal: shape must have rank >= 2, got [${shape}]`);
      const rows = shape.slice(0, -1).reduce((a, d) => a * d, 1), cols = shape[shape.length - 1];
      const n = Math.min(rows, cols), m = Math.max(rows, cols);
      const a = randomNormal([n, m], 0, 1, 'float32', seed);
      let q: Tensor | null = null;
      for (let i = 0; i < n; i++) {
        const prev: Tensor | null = q;
        q = tidy(() => {
          let v = slice(a, [i, 0], [1, m]);
          for (let pass = 0; pass < 2 && prev !== null; pass++) v = sub(v, matMul(matMul(v, prev, false, true), prev));
          v = div(v, sqrt(sum(square(v))));
          return prev === null ? v : concat([prev, v], 0);
        });
        prev?.dispose();
      }
      a.dispose();
      const qt = q!;
      const out = mul(rows < cols ? reshape(qt, shape) : reshape(transpose(qt), shape), gain);
      qt.dispose();
      return out;
    },
    getConfig: () => ({ gain, seed }),
  };
}

/** tf.initializers: weight initializers (seeded; without a seed they draw from the engine's fixed sequence). */
export const initializers = {
  /** A random orthogonal matrix times gain (seeded). */
  orthogonal: (args?: { gain?: number; seed?: number }) => orthogonal(args),
  /** All zeros. */
  zeros: (): Initializer => ({ className: 'Zeros', apply: (shape) => zeros(shape), getConfig: () => ({}) }),
  /** All ones. */
  ones: (): Initializer => ({ className: 'Ones', apply: (shape) => fill(shape, 1), getConfig: () => ({}) }),
  /** Every weight `value`. */
  constant: ({ value }: { value: number }): Initializer => {
    if (typeof value !== 'number') throw new Error(`initializers.constant: value must be a number, got ${typeof value}`);
    return { className: 'Constant', apply: (shape) => fill(shape, value), getConfig: () => ({ value }) };
  },
  /** Normal(mean, stddev) (seeded). */
  randomNormal: ({ mean = 0, stddev = 0.05, seed }: { mean?: number; stddev?: number; seed?: number } = {}): Initializer =>
    ({ className: 'RandomNormal', apply: (shape) => randomNormal(shape, mean, stddev, 'float32', seed), getConfig: () => ({ mean, stddev, seed }) }),
  /** Uniform in [minval, maxval) (seeded). */
  randomUniform: ({ minval = -0.05, maxval = 0.05, seed }: { minval?: number; maxval?: number; seed?: number } = {}): Initializer =>
    ({ className: 'RandomUniform', apply: (shape) => randomUniform(shape, minval, maxval, 'float32', seed), getConfig: () => ({ minval, maxval, seed }) }),
  /** Normal(mean, stddev), redrawn past two standard deviations (seeded). */
  truncatedNormal: ({ mean = 0, stddev = 0.05, seed }: { mean?: number; stddev?: number; seed?: number } = {}): Initializer =>
    ({ className: 'TruncatedNormal', apply: (shape) => truncatedNormal(shape, mean, stddev, 'float32', seed), getConfig: () => ({ mean, stddev, seed }) }),
  /** Glorot (Xavier) uniform: variance 1 / mean(fanIn, fanOut) (seeded). */
  glorotUniform: (args?: Seeded) => varianceScaling('GlorotUniform', 1, 'fanAvg', 'uniform', args),
  /** Glorot (Xavier) normal: truncated normal, stddev √(1 / mean(fanIn, fanOut)) (seeded). */
  glorotNormal: (args?: Seeded) => varianceScaling('GlorotNormal', 1, 'fanAvg', 'normal', args),
  /** He uniform: variance 2 / fanIn (seeded). */
  heUniform: (args?: Seeded) => varianceScaling('HeUniform', 2, 'fanIn', 'uniform', args),
  /** He normal: truncated normal, stddev √(2 / fanIn) (seeded). */
  heNormal: (args?: Seeded) => varianceScaling('HeNormal', 2, 'fanIn', 'normal', args),
  /** LeCun uniform: variance 1 / fanIn (seeded). */
  leCunUniform: (args?: Seeded) => varianceScaling('LeCunUniform', 1, 'fanIn', 'uniform', args),
  /** LeCun normal: truncated normal, stddev √(1 / fanIn) (seeded). */
  leCunNormal: (args?: Seeded) => varianceScaling('LeCunNormal', 1, 'fanIn', 'normal', args),
};

export type InitializerName = keyof typeof initializers;

/** An Initializer from a name ('glorotUniform', 'zeros' ...), or the object itself. */
export function getInitializer(layer: string, arg: string, value: InitializerName | Initializer | undefined,
    fallback: InitializerName): Initializer {
  if (value === undefined || value === null) return (initializers[fallback] as () => Initializer)();
  if (typeof value === 'object' && typeof value.apply === 'function') return value;
  if (typeof value === 'string' && value !== 'constant' && Object.hasOwn(initializers, value)) {
    return (initializers[value] as () => Initializer)();
  }
  throw new Error(`${layer}: unknown ${arg} '${String(value)}' (known: ${Object.keys(initializers).join(', ')}, or an ` +
    'initializer object; constant needs {value})');
}
