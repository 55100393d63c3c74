// softmax/logSoftmax through the public API: values against the f64 reference on every axis
// (default last, negative, middle), large logits and special values, tidy(), every error path,
// and no leaks (memory() unchanged after disposal and errors).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';
import { softmax_f32_ref } from '../ref/softmax_ref.js';

await lp.ready();
lp.tidy(() => lp.zeros([1])); // creates the arena's scope stack (bookkeeping) up front

const FNS = [[lp.softmax, 'softmax', false], [lp.logSoftmax, 'logSoftmax', true]] as const;

function snapshot(): [number, number] {
  const m = lp.memory();
  return [m.numTensors, m.numBytes];
}

function expectError(fn: () => unknown, pattern: RegExp): void {
  const before = snapshot();
  assert.throws(fn, pattern);
  assert.deepEqual(snapshot(), before, 'memory() changed after an error');
}

function check(shape: number[], dim: number | undefined, data: Float32Array): void {
  const rank = shape.length;
  const d = dim === undefined ? rank - 1 : dim < 0 ? dim + rank : dim;
  const outer = shape.slice(0, d).reduce((p, s) => p * s, 1);
  const inner = shape.slice(d + 1).reduce((p, s) => p * s, 1);
  for (const [fn, name, log] of FNS) {
    const before = snapshot();
    const x = lp.tensor(data, shape);
    const y = dim === undefined ? fn(x) : fn(x, dim);
    x.dispose();
    assert.deepEqual(y.shape, shape);
    assert.equal(y.dtype, 'float32');
    assertClose(y.dataSync(), softmax_f32_ref(data, outer, shape[d], inner, log),
      { atol: log ? 5e-7 : 1e-7, rtol: 2e-6 }, `${name} ${JSON.stringify(shape)} dim=${dim}`);
    y.dispose();
    assert.deepEqual(snapshot(), before, 'memory() changed');
  }
}

describe('softmax/logSoftmax', () => {
  it('match the reference on every axis (default last, negative, middle)', () => {
    const rand = rng(12);
    for (const shape of [[5], [3, 17], [2, 7, 33], [2, 3, 4, 5], [1, 65]]) {
      const data = randomArray(rand, shape.reduce((p, s) => p * s, 1), -6, 6);
      check(shape, undefined, data);
      for (let dim = -shape.length; dim < shape.length; dim++) check(shape, dim, data);
    }
  });

  it('handle large logits and special values', () => {
    check([4, 3], -1, Float32Array.from([1e30, -1e30, 0, 88, -88, 0, -1e30, -1e30, -1e30, 1, -Infinity, 2]));
    check([3, 3], 0, Float32Array.from([1e30, 88, 1, -1e30, -88, -Infinity, 0, 0, 2]));
    const x = lp.tensor([[1, Infinity, 2], [1, NaN, 2], [-Infinity, -Infinity, -Infinity], [0, -Infinity, 0]]);
    const y = lp.softmax(x), z = lp.logSoftmax(x);
    assertClose(y.dataSync(), [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0.5, 0, 0.5], {}, 'softmax special');
    assertClose(z.dataSync().slice(9), [-Math.LN2, -Infinity, -Math.LN2], {}, 'logSoftmax -Inf');
    lp.dispose([x, y, z]);
  });

  it('work inside tidy() and on empty tensors', () => {
    const before = snapshot();
    const y = lp.tidy(() => lp.softmax(lp.ones([2, 4]), 1));
    assert.deepEqual(Array.from(y.dataSync()), new Array(8).fill(0.25));
    y.dispose();
    for (const [fn] of FNS) {
      const x = lp.zeros([3, 0]);
      const e = fn(x);
      assert.deepEqual(e.shape, [3, 0]);
      lp.dispose([x, e]);
    }
    assert.deepEqual(snapshot(), before);
  });

  it('throw naming the op and the shape, touching no memory', () => {
    const x = lp.ones([2, 3]);
    const xi = lp.ones([2, 3], 'int32');
    const s = lp.scalar(1);
    for (const [fn, name] of FNS) {
      expectError(() => fn(x, 2), new RegExp(`^Error: ${name}: dim 2 is out of range for shape \\[2,3\\]`));
      expectError(() => fn(x, -3), new RegExp(`^Error: ${name}: dim -3 is out of range for shape \\[2,3\\]`));
      expectError(() => fn(x, 1.5), new RegExp(`^Error: ${name}: dim 1.5 is out of range`));
      expectError(() => fn(xi), new RegExp(`^Error: ${name}: logits must be float32, got int32 \\[2,3\\]`));
      expectError(() => fn(s), new RegExp(`^Error: ${name}: logits must have rank >= 1, got shape \\[\\]`));
      expectError(() => fn({} as lp.Tensor), new RegExp(`^Error: ${name}: 'logits' must be a Tensor`));
    }
    lp.dispose([x, xi, s]);
  });
});
