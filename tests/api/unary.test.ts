// The unary ops through the public API: values against tests/ref/unary_ref.ts, shapes kept,
// every error path (named op, nothing allocated), and no leaks.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { assertClose } from '../helpers/check.js';
import { randomArray, rng } from '../helpers/rng.js';
import { unary_ref, type UnaryAttrs } from '../ref/unary_ref.js';

type UnaryOp = (x: lp.Tensor) => lp.Tensor;
const cases: [string, UnaryOp, string, UnaryAttrs?][] = [
  ['relu', lp.relu, 'relu'],
  ['relu6', lp.relu6, 'relu6'],
  ['leakyRelu', (x) => lp.leakyRelu(x), 'leaky_relu', { alpha: 0.2 }],
  ['leakyRelu', (x) => lp.leakyRelu(x, 0.01), 'leaky_relu', { alpha: 0.01 }],
  ['elu', lp.elu, 'elu', { alpha: 1 }],
  ['sigmoid', lp.sigmoid, 'sigmoid'],
  ['tanh', lp.tanh, 'tanh'],
  ['gelu', lp.gelu, 'gelu'],
  ['erf', lp.erf, 'erf'],
  ['exp', lp.exp, 'exp'],
  ['log', lp.log, 'log'],
  ['sqrt', lp.sqrt, 'sqrt'],
  ['abs', lp.abs, 'abs'],
  ['neg', lp.neg, 'neg'],
  ['square', lp.square, 'square'],
  ['clipByValue', (x) => lp.clipByValue(x, -0.5, 2), 'clip', { lo: -0.5, hi: 2 }],
];

function memoryUnchanged(before: lp.MemoryInfo): void {
  const now = lp.memory();
  assert.equal(now.numTensors, before.numTensors, 'numTensors');
  assert.equal(now.numBytes, before.numBytes, 'numBytes');
}

describe('unary ops (public API)', () => {
  before(async () => {
    await lp.ready();
    lp.tidy(() => lp.add(lp.scalar(1), 1)); // the arena's scope stack exists from here on
  });

  for (const [name, f, ref, attrs] of cases) {
    it(`${name}: values and shape`, () => {
      const data = randomArray(rng(name.length), 2 * 3 * 7, -4, 4);
      data[0] = NaN;
      data[1] = Infinity;
      data[2] = -Infinity;
      const before = lp.memory();
      const x = lp.tensor(data, [2, 3, 7]);
      const y = f(x);
      assert.deepEqual(y.shape, [2, 3, 7]);
      assert.equal(y.dtype, 'float32');
      assertClose(y.dataSync(), Float32Array.from(unary_ref(ref, data, attrs)), { atol: 1e-30, rtol: 1e-6 }, name);
      lp.dispose([x, y]);
      memoryUnchanged(before);
    });
  }

  it('scalars and empty tensors', () => {
    const s = lp.scalar(-2);
    const r = lp.relu(s);
    assert.deepEqual(r.shape, []);
    assert.equal(r.arraySync(), 0);
    const e = lp.sigmoid(lp.zeros([0, 4]));
    assert.deepEqual(e.shape, [0, 4]);
    lp.dispose([s, r, e]);
  });

  it('TF.js semantics: relu/clip keep NaN, log(0) = -Inf, sqrt(-1) = NaN, gelu(-Inf) = 0', () => {
    lp.tidy(() => {
      const x = lp.tensor([NaN, -1, 0, 4]);
      assert.ok(Number.isNaN(lp.relu(x).dataSync()[0]));
      assert.ok(Number.isNaN(lp.clipByValue(x, 0, 1).dataSync()[0]));
      assert.deepEqual(Array.from(lp.log(x).dataSync()).slice(1), [NaN, -Infinity, Math.log(4)].map(Math.fround));
      assert.ok(Number.isNaN(lp.sqrt(x).dataSync()[1]));
      assert.deepEqual(Array.from(lp.gelu(lp.tensor([-Infinity, Infinity])).dataSync()), [0, Infinity]);
    });
  });

  it('inside tidy: intermediates freed, the result kept', () => {
    const x = lp.tensor([-1, 0.5, 2]);
    const before = lp.memory();
    const y = lp.tidy(() => lp.sigmoid(lp.tanh(lp.relu(x))));
    assert.equal(lp.memory().numTensors, before.numTensors + 1);
    assertClose(y.dataSync(), [0.5, 1 / (1 + Math.exp(-Math.tanh(0.5))), 1 / (1 + Math.exp(-Math.tanh(2)))], { rtol: 1e-6 });
    y.dispose();
    memoryUnchanged(before);
    x.dispose();
  });

  it('errors name the op and allocate nothing', () => {
    const i = lp.tensor([1, 2], [2], 'int32');
    const f = lp.tensor([1, 2]);
    const gone = lp.tensor([1]);
    gone.dispose();
    const before = lp.memory();
    for (const [name, fn] of cases) {
      assert.throws(() => fn(i), (e: Error) => e.message.startsWith(`${name}: 'x' must be float32, got int32 [2]`), name);
      assert.throws(() => fn({} as lp.Tensor), (e: Error) => e.message.startsWith(`${name}: 'x' must be a Tensor`), name);
      assert.throws(() => fn(gone), (e: Error) => e.message.startsWith(`${name}:`) && /disposed/.test(e.message), name);
    }
    assert.throws(() => lp.leakyRelu(f, 'x' as unknown as number), /^Error: leakyRelu: 'alpha' must be a number/);
    assert.throws(() => lp.clipByValue(f, 2, 1), /^Error: clipByValue: clipValueMin \(2\) must be <= clipValueMax \(1\)/);
    assert.throws(() => lp.clipByValue(f, NaN, 1), /^Error: clipByValue: 'clipValueMin' must be a number/);
    memoryUnchanged(before);
    lp.dispose([i, f]);
  });
});
