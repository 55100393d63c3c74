// sum/mean/max/min/argMax/argMin through the public API: values against the references for
// seeded random shapes and axis sets (negative, non-contiguous, all, none), keepDims, empty
// axes, tidy(), every error path, and no leaks (memory() unchanged after disposal and errors).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';
import { arg_f32_ref, reduceAxes_ref, type ReduceOp } from '../ref/reduce_ref.js';

await lp.ready();
// The arena's scope stack (1 KiB of bookkeeping) is created by the first scoped allocation:
// create it now so that it does not show up as a change in memory() below.
lp.tidy(() => lp.zeros([1]));

const OPS = { sum: lp.sum, mean: lp.mean, max: lp.max, min: lp.min } as const;
const TOL = { atol: 1e-5, rtol: 1e-5 };

function snapshot(): [number, number] {
  const m = lp.memory();
  return [m.numTensors, m.numBytes];
}

/** Runs fn, disposes what it returns, and checks that memory is as it was. */
function noLeak(fn: () => lp.Tensor | void): void {
  const before = snapshot();
  fn()?.dispose();
  assert.deepEqual(snapshot(), before, 'memory() changed');
}

function expectError(fn: () => unknown, pattern: RegExp): void {
  const before = snapshot();
  assert.throws(fn, pattern);
  assert.deepEqual(snapshot(), before, 'memory() changed after an error');
}

function normalise(axis: number | number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  return (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

function check(op: ReduceOp, shape: number[], axis: number | number[] | undefined, keepDims: boolean, seed: number): void {
  const data = randomArray(rng(seed), shape.reduce((p, d) => p * d, 1), -2, 2);
  const axes = normalise(axis, shape.length);
  noLeak(() => {
    const x = lp.tensor(data, shape);
    const y = OPS[op](x, axis, keepDims);
    x.dispose();
    const want = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
    assert.deepEqual(y.shape, want, `${op} shape`);
    assert.equal(y.dtype, 'float32');
    assertClose(y.dataSync(), reduceAxes_ref(op, data, shape, axes), TOL,
      `${op} ${JSON.stringify(shape)} axis=${JSON.stringify(axis)}`);
    return y;
  });
}

describe('sum/mean/max/min', () => {
  it('reduce fixed axis sets: single, negative, contiguous, non-contiguous, all, none', () => {
    const specs: [number[], number | number[] | undefined][] = [
      [[7], 0], [[7], undefined], [[3, 5], 1], [[3, 5], -2], [[3, 5], [0, 1]], [[4, 3, 5], [0, 2]],
      [[2, 3, 4, 5], [1, 3]], [[2, 3, 4, 5], [-1, 0]], [[2, 3, 4, 5], [0, 2, 3]], [[2, 1, 4, 1, 3], [1, 2]],
      [[2, 3, 4, 5, 2], [0, 2, 4]], [[3, 4], []], [[1, 1, 6], [0, 1]], [[65, 33], 0], [[17, 66], -1],
    ];
    specs.forEach(([shape, axis], i) => {
      for (const op of Object.keys(OPS) as ReduceOp[]) {
        for (const keepDims of [false, true]) check(op, shape, axis, keepDims, i);
      }
    });
  });

  it('reduce seeded random shapes and axis sets', () => {
    const rand = rng(31337);
    for (let i = 0; i < 30; i++) {
      const rank = randInt(rand, 1, 5);
      const shape = Array.from({ length: rank }, () => randInt(rand, 1, 7));
      const picked = shape.map((_, d) => d).filter(() => rand() < 0.5);
      const axis = rand() < 0.15 ? undefined : picked.map((a) => (rand() < 0.5 ? a - rank : a));
      const op = (Object.keys(OPS) as ReduceOp[])[i % 4];
      check(op, shape, axis, rand() < 0.5, i);
    }
  });

  it('reduce a scalar and empty axes (sum 0, mean NaN, max -Inf, min +Inf)', () => {
    noLeak(() => {
      const s = lp.scalar(3);
      const y = lp.sum(s);
      s.dispose();
      assert.deepEqual(y.shape, []);
      assert.equal(y.dataSync()[0], 3);
      return y;
    });
    const want = { sum: 0, mean: NaN, max: -Infinity, min: Infinity };
    for (const op of Object.keys(OPS) as ReduceOp[]) {
      noLeak(() => {
        const x = lp.zeros([2, 0, 3]);
        const y = OPS[op](x, [1]);
        const z = OPS[op](x, 2);
        x.dispose();
        assert.deepEqual(y.shape, [2, 3]);
        assert.deepEqual(Array.from(y.dataSync()), new Array(6).fill(want[op]));
        assert.deepEqual(z.shape, [2, 0]);
        z.dispose();
        return y;
      });
    }
  });

  it('propagates NaN (max/min) and matches documented values', () => {
    noLeak(() => {
      const x = lp.tensor([[1, NaN, 3], [4, 5, 6]]);
      const a = lp.max(x, 1), b = lp.min(x, 0), c = lp.mean(x, -1, true);
      x.dispose();
      assertClose(a.dataSync(), [NaN, 6], {}, 'max');
      assertClose(b.dataSync(), [1, NaN, 3], {}, 'min');
      assert.deepEqual(c.shape, [2, 1]);
      assertClose(c.dataSync(), [NaN, 5], {}, 'mean');
      a.dispose(); b.dispose(); c.dispose();
    });
  });

  it('frees its scratch inside tidy() and keeps only the result', () => {
    const before = snapshot();
    const y = lp.tidy(() => lp.sum(lp.ones([3, 4, 5, 6]), [0, 2]));
    assert.deepEqual(y.shape, [4, 6]);
    assert.deepEqual(Array.from(y.dataSync()), new Array(24).fill(15));
    assert.equal(lp.memory().numTensors, before[0] + 1);
    y.dispose();
    assert.deepEqual(snapshot(), before);
  });

  it('throws naming the op and the shape, touching no memory', () => {
    const x = lp.ones([2, 3]);
    const xi = lp.ones([2, 3], 'int32');
    for (const op of Object.keys(OPS) as ReduceOp[]) {
      const f = OPS[op];
      expectError(() => f(x, 2), new RegExp(`^Error: ${op}: axis 2 is out of range for shape \\[2,3\\]`));
      expectError(() => f(x, [-3]), new RegExp(`^Error: ${op}: axis -3 is out of range for shape \\[2,3\\]`));
      expectError(() => f(x, 0.5), new RegExp(`^Error: ${op}: axis 0.5 is out of range`));
      expectError(() => f(x, [1, -1]), new RegExp(`^Error: ${op}: repeated axis in \\[1,-1\\] for shape \\[2,3\\]`));
      expectError(() => f(xi, 0), new RegExp(`^Error: ${op}: only float32 input is supported for now, got int32 \\[2,3\\]`));
      expectError(() => f([1, 2] as unknown as lp.Tensor), new RegExp(`^Error: ${op}: 'x' must be a Tensor`));
    }
    const d = lp.ones([2]);
    d.dispose();
    expectError(() => lp.sum(d), /^Error: sum: tensor \d+ \[2\] is disposed/);
    x.dispose();
    xi.dispose();
  });
});

describe('argMax/argMin', () => {
  it('match the TF.js scan on every axis, default axis 0, negative and list axes', () => {
    const rand = rng(8);
    for (const shape of [[7], [3, 5], [4, 3, 5], [2, 6, 1, 9], [17, 33]]) {
      const size = shape.reduce((p, d) => p * d, 1);
      const data = Float32Array.from({ length: size }, () => Math.floor(rand() * 4)); // ties
      data[1] = NaN;
      for (let a = -shape.length; a < shape.length; a++) {
        const axis = a < 0 ? a + shape.length : a;
        const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
        const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
        for (const [fn, op] of [[lp.argMax, 'max'], [lp.argMin, 'min']] as const) {
          noLeak(() => {
            const x = lp.tensor(data, shape);
            const y = a === 0 ? fn(x) : fn(x, a);
            const z = fn(x, [a] as unknown as number);
            x.dispose();
            assert.equal(y.dtype, 'int32');
            assert.deepEqual(y.shape, shape.filter((_, i) => i !== axis));
            const want = arg_f32_ref(op, data, outer, shape[axis], inner);
            assert.deepEqual(y.dataSync(), want, `arg${op} ${JSON.stringify(shape)} axis ${a}`);
            assert.deepEqual(z.dataSync(), want);
            z.dispose();
            return y;
          });
        }
      }
    }
  });

  it('follows TF.js on NaN: a NaN first wins, later NaNs are skipped', () => {
    noLeak(() => {
      const x = lp.tensor([[NaN, 1, 5, 2], [1, 3, NaN, 2]]);
      const a = lp.argMax(x, 1), b = lp.argMin(x, -1);
      x.dispose();
      assert.deepEqual(Array.from(a.dataSync()), [0, 1]);
      assert.deepEqual(Array.from(b.dataSync()), [0, 0]);
      b.dispose();
      return a;
    });
  });

  it('throws naming the op and the shape, touching no memory', () => {
    const x = lp.ones([2, 3]);
    for (const [fn, op] of [[lp.argMax, 'argMax'], [lp.argMin, 'argMin']] as const) {
      expectError(() => fn(x, 2), new RegExp(`^Error: ${op}: axis 2 is out of range for shape \\[2,3\\]`));
      expectError(() => fn(x, [0, 1] as unknown as number), new RegExp(`^Error: ${op}: axis 0,1 is out of range`));
      const s = lp.scalar(1);
      expectError(() => fn(s), new RegExp(`^Error: ${op}: x must have rank >= 1, got shape \\[\\]`));
      s.dispose();
      const xi = lp.ones([3], 'int32');
      expectError(() => fn(xi), new RegExp(`^Error: ${op}: only float32 input is supported for now, got int32 \\[3\\]`));
      xi.dispose();
    }
    x.dispose();
  });
});
