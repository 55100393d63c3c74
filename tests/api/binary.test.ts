// The broadcasting binary ops through the public API: values against
// tests/ref/elementwise_ref.ts, number operands, int32, every error path, and no leaks (the
// stride scratch is released after each call).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { assertClose } from '../helpers/check.js';
import { randomArray, rng } from '../helpers/rng.js';
import { binary_ref } from '../ref/elementwise_ref.js';

type BinaryOp = (a: lp.Tensor | number, b: lp.Tensor | number) => lp.Tensor;
const ops: [string, BinaryOp][] = [
  ['add', lp.add], ['sub', lp.sub], ['mul', lp.mul], ['div', lp.div], ['maximum', lp.maximum], ['minimum', lp.minimum],
];
const SHAPES: [number[], number[]][] = [
  [[4, 5], [4, 5]], [[4, 5], [5]], [[4, 5], [4, 1]], [[4, 1], [1, 5]], [[2, 3, 3, 4], [4]], [[], [3, 2]], [[7], []],
];

function memoryUnchanged(before: lp.MemoryInfo): void {
  const now = lp.memory();
  assert.equal(now.numTensors, before.numTensors, 'numTensors');
  assert.equal(now.numBytes, before.numBytes, 'numBytes');
  assert.equal(now.numBlocks, before.numBlocks, 'numBlocks');
}

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

describe('binary ops (public API)', () => {
  before(async () => {
    await lp.ready();
    lp.tidy(() => lp.add(lp.scalar(1), 1)); // the arena's scope stack exists from here on
  });

  for (const [name, f] of ops) {
    it(`${name}: broadcasting values, shapes, no leaks`, () => {
      for (const [as, bs] of SHAPES) {
        const rand = rng(as.length * 10 + bs.length);
        const da = randomArray(rand, size(as), -3, 3), db = randomArray(rand, size(bs), 0.5, 3);
        const before = lp.memory();
        const a = lp.tensor(da, as), b = lp.tensor(db, bs);
        const y = f(a, b);
        const want = binary_ref(name, da, as, db, bs);
        assert.deepEqual(y.shape, want.shape);
        assertClose(y.dataSync(), want.out, { atol: 0, rtol: 0 }, `${name} [${as}] [${bs}]`);
        lp.dispose([a, b, y]);
        memoryUnchanged(before);
      }
    });

    it(`${name}: number operands become scalars of the other operand's dtype`, () => {
      const before = lp.memory();
      lp.tidy(() => {
        const x = lp.tensor([1, 2, 4], [3]);
        assertClose(f(x, 2).dataSync(), binary_ref(name, x.dataSync(), [3], Float32Array.from([2]), []).out, { atol: 0, rtol: 0 });
        assertClose(f(2, x).dataSync(), binary_ref(name, Float32Array.from([2]), [], x.dataSync(), [3]).out, { atol: 0, rtol: 0 });
        const s = f(3, 2);
        assert.deepEqual(s.shape, []);
        assert.equal(s.dtype, 'float32');
      });
      memoryUnchanged(before);
    });
  }

  it('int32: add, sub, mul (wrapping), maximum, minimum; int32 with a number', () => {
    lp.tidy(() => {
      const a = lp.tensor(Int32Array.from([2 ** 31 - 1, -5, 7, 0, 3, -2]), [2, 3]);
      const b = lp.tensor(Int32Array.from([1, 2, -3]), [3]);
      for (const [name, f] of ops.filter(([n]) => n !== 'div')) {
        const y = f(a, b);
        assert.equal(y.dtype, 'int32');
        assert.deepEqual(y.dataSync(), binary_ref(name, a.dataSync(), [2, 3], b.dataSync(), [3]).out, name);
      }
      assert.deepEqual(Array.from(lp.mul(b, 3).dataSync()), [3, 6, -9]);
    });
  });

  it('empty broadcasts give empty results', () => {
    const y = lp.add(lp.zeros([0, 3]), lp.ones([3]));
    assert.deepEqual(y.shape, [0, 3]);
    y.dispose();
  });

  it('inside tidy: only the returned tensor survives; in-place style chains stay flat', () => {
    const x = lp.tensor([1, 2, 3, 4], [2, 2]);
    const before = lp.memory();
    const y = lp.tidy(() => lp.div(lp.sub(lp.mul(x, x), 1), lp.add(x, 1)));
    assert.equal(lp.memory().numTensors, before.numTensors + 1);
    assertClose(y.dataSync(), [0, 1, 2, 3], { atol: 1e-6 });
    y.dispose();
    memoryUnchanged(before);
    x.dispose();
  });

  it('errors name the op, show the shapes, allocate nothing', () => {
    const f = lp.tensor([1, 2, 3], [3]);
    const g = lp.zeros([2, 4]);
    const i = lp.tensor([1, 2, 3], [3], 'int32');
    const gone = lp.tensor([1]);
    gone.dispose();
    const before = lp.memory();
    for (const [name, op] of ops) {
      assert.throws(() => op(f, g), new RegExp(`^Error: ${name}: shapes \\[3\\] and \\[2,4\\] cannot be broadcast`), name);
      assert.throws(() => op(f, i), new RegExp(`^Error: ${name}: a and b must have the same dtype, got float32 \\[3\\] and int32 \\[3\\]`), name);
      assert.throws(() => op({} as lp.Tensor, f), new RegExp(`^Error: ${name}: 'a' must be a Tensor`), name);
      assert.throws(() => op(f, gone), (e: Error) => e.message.startsWith(`${name}:`) && /disposed/.test(e.message), name);
      if (name !== 'div') assert.throws(() => op(i, 1.5), new RegExp(`^Error: ${name}: 'b' = 1.5 is not an int32 value`), name);
    }
    assert.throws(() => lp.div(i, i), /^Error: div: int32 is not supported/);
    // Nine dimensions that cannot merge (alternating broadcasts).
    const a9 = lp.zeros([2, 1, 2, 1, 2, 1, 2, 1, 2]), b9 = lp.zeros([1, 2, 1, 2, 1, 2, 1, 2, 1]);
    const before9 = lp.memory();
    assert.throws(() => lp.add(a9, b9), /^Error: add: broadcasting \[2,1,2,1,2,1,2,1,2\] with \[1,2,1,2,1,2,1,2,1\] needs 9/);
    memoryUnchanged(before9);
    lp.dispose([a9, b9]);
    memoryUnchanged(before);
    lp.dispose([f, g, i]);
  });

  it('rank 8 of alternating broadcasts still works', () => {
    lp.tidy(() => {
      const as = [2, 1, 2, 1, 2, 1, 2, 1], bs = [1, 3, 1, 2, 1, 3, 1, 2];
      const da = randomArray(rng(8), size(as)), db = randomArray(rng(9), size(bs));
      const y = lp.add(lp.tensor(da, as), lp.tensor(db, bs));
      assertClose(y.dataSync(), binary_ref('add', da, as, db, bs).out, { atol: 0, rtol: 0 });
    });
  });
});
