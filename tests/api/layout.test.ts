// The layout ops through the public API: values against the scalar references (float32 and
// int32, bit for bit), every error path, and no leaks (numTensors/numBytes unchanged after the
// results are disposed and after errors, including gather's out-of-range index).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { noLeak, throwsNoLeak } from '../helpers/api.js';
import { randInt, randomArray, rng } from '../helpers/rng.js';
import { concat_ref, gather_ref, pad_ref, slice_ref, sizeOf, transpose_ref, type Arr } from '../ref/layout_ref.js';

before(() => lp.ready());



function data(dtype: 'float32' | 'int32', n: number, seed: number): Arr {
  const rand = rng(seed);
  if (dtype === 'float32') return randomArray(rand, n, -10, 10);
  return Int32Array.from({ length: n }, () => (rand() * 4294967296) | 0);
}

/** Checks op's result has the expected shape and the bits of `want`, then disposes everything. */
function check(inputs: lp.Tensor[], y: lp.Tensor, shape: number[], want: Arr): void {
  assert.deepEqual([...y.shape], shape);
  const got = y.dataSync();
  assert.equal(got.constructor, want.constructor);
  assert.deepEqual(new Int32Array(got.buffer), new Int32Array(want.buffer.slice(want.byteOffset, want.byteOffset + want.byteLength)));
  lp.dispose([y, ...inputs]);
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

describe('transpose', () => {
  it('every permutation of rank 3 and 4, float32 and int32', () => noLeak(() => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const shape of [[3, 1, 7], [2, 3, 5, 7], [1, 4, 1, 6]]) {
        for (const perm of permutations(shape.length)) {
          const xd = data(dtype, sizeOf(shape), 7);
          const x = lp.tensor(xd, shape, dtype);
          check([x], lp.transpose(x, perm), perm.map((p) => shape[p]), transpose_ref(xd, shape, perm));
        }
      }
    }
  }));

  it('random ranks, shapes and perms; default perm reverses; big 2-D; scalars and empties', () => noLeak(() => {
    const rand = rng(123);
    const cases: [number[], number[] | undefined][] = [[[65, 130], [1, 0]], [[130, 65], undefined], [[2, 3, 4], undefined], [[], []], [[3, 0, 2], [2, 0, 1]]];
    for (let i = 0; i < 25; i++) {
      const rank = randInt(rand, 1, 6);
      const shape = Array.from({ length: rank }, () => randInt(rand, 1, 6));
      const perm = Array.from({ length: rank }, (_, j) => j).sort(() => rand() - 0.5);
      cases.push([shape, perm]);
    }
    for (const [shape, perm] of cases) {
      const xd = data('int32', sizeOf(shape), shape.length);
      const x = lp.tensor(xd, shape, 'int32');
      const p = perm ?? shape.map((_, j) => shape.length - 1 - j);
      check([x], lp.transpose(x, perm), p.map((a) => shape[a]), transpose_ref(xd, shape, p));
    }
  }));

  it('errors name the op and leave memory as it was', () => {
    const x = lp.zeros([2, 3, 4]);
    throwsNoLeak(() => lp.transpose(x, [0, 1]), /^Error: transpose: perm must be a permutation of 0..2 for x \[2,3,4\]/);
    throwsNoLeak(() => lp.transpose(x, [0, 1, 1]), /^Error: transpose: perm/);
    throwsNoLeak(() => lp.transpose(x, [0, 1, 3]), /^Error: transpose: perm/);
    throwsNoLeak(() => lp.transpose(x, [0, -1, 1]), /^Error: transpose: perm/);
    const big = lp.zeros([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    throwsNoLeak(() => lp.transpose(big), /^Error: transpose: \[2,2,2,2,2,2,2,2,2,2\] needs 10 dims after merging; at most 8/);
    lp.dispose([x, big]);
  });
});

describe('slice', () => {
  const shape = [4, 5, 6];
  const xd = data('float32', sizeOf(shape), 3);
  const cases: [number | number[], number | number[] | undefined, number[], number[]][] = [
    [[1, 2, 3], [2, 2, 2], [1, 2, 3], [2, 2, 2]],
    [[0, 0, 0], [-1, -1, -1], [0, 0, 0], [4, 5, 6]],
    [[1, 1, 1], undefined, [1, 1, 1], [3, 4, 5]],
    [2, undefined, [2, 0, 0], [2, 5, 6]],
    [1, 2, [1, 0, 0], [2, 5, 6]],
    [[3, 4], [1, -1], [3, 4, 0], [1, 1, 6]],
    [[0, 5, 0], [4, 0, 6], [0, 5, 0], [4, 0, 6]],
  ];
  for (const [begin, size, b, s] of cases) {
    it(`begin ${JSON.stringify(begin)} size ${JSON.stringify(size)}`, () => noLeak(() => {
      const x = lp.tensor(xd, shape);
      check([x], lp.slice(x, begin, size), s, slice_ref(xd, shape, b, s));
    }));
  }

  it('int32, bit for bit, and random slices', () => noLeak(() => {
    const rand = rng(9);
    for (let i = 0; i < 20; i++) {
      const rank = randInt(rand, 1, 5);
      const sh = Array.from({ length: rank }, () => randInt(rand, 1, 7));
      const b = sh.map((d) => randInt(rand, 0, d - 1));
      const s = sh.map((d, j) => randInt(rand, 0, d - b[j]));
      const d = data('int32', sizeOf(sh), i);
      const x = lp.tensor(d, sh, 'int32');
      check([x], lp.slice(x, b, s), s, slice_ref(d, sh, b, s));
    }
  }));

  it('errors', () => {
    const x = lp.zeros(shape);
    throwsNoLeak(() => lp.slice(x, [0, 0, 5], [1, 1, 2]), /^Error: slice: begin \[0,0,5\] size \[1,1,2\] is out of bounds for x \[4,5,6\]/);
    throwsNoLeak(() => lp.slice(x, [-1, 0, 0]), /^Error: slice: .* out of bounds/);
    throwsNoLeak(() => lp.slice(x, [0, 0, 0, 0]), /^Error: slice: begin/);
    throwsNoLeak(() => lp.slice(x, [0.5]), /^Error: slice: begin/);
    throwsNoLeak(() => lp.slice(x, [0], [-2]), /^Error: slice: .* out of bounds/);
    x.dispose();
  });
});

describe('concat, stack, unstack', () => {
  it('concat along every axis (negative too), float32 and int32, with empty pieces', () => noLeak(() => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const axis of [0, 1, 2, -1]) {
        const ax = axis < 0 ? axis + 3 : axis;
        const shapes = [3, 0, 1, 7].map((n) => { const s = [2, 3, 5]; s[ax] = n; return s; });
        const ds = shapes.map((s, i) => data(dtype, sizeOf(s), i + 1));
        const xs = shapes.map((s, i) => lp.tensor(ds[i], s, dtype));
        const want = concat_ref(ds, shapes, ax);
        const shape = [2, 3, 5]; shape[ax] = 11;
        check(xs, lp.concat(xs, axis), shape, want);
      }
    }
    const one = lp.tensor([1, 2, 3]);
    check([one], lp.concat([one]), [3], Float32Array.of(1, 2, 3));
  }));

  it('stack and unstack along each axis', () => noLeak(() => {
    for (const axis of [0, 1, 2, -1]) {
      const ds = [0, 1, 2].map((i) => data('int32', 12, 40 + i));
      const xs = ds.map((d) => lp.tensor(d, [3, 4], 'int32'));
      const ax = axis < 0 ? axis + 3 : axis;
      // stack = concat of the tensors with a size-1 dim inserted at axis.
      const shape1 = [3, 4]; shape1.splice(ax, 0, 1);
      const want = concat_ref(ds, [shape1, shape1, shape1], ax);
      const y = lp.stack(xs, axis);
      const shape = [3, 4]; shape.splice(ax, 0, 3);
      const parts = lp.unstack(y, axis);
      assert.equal(parts.length, 3);
      parts.forEach((p, i) => check([], p, [3, 4], ds[i]));
      check(xs, y, shape, want);
    }
  }));

  it('errors', () => {
    const a = lp.zeros([2, 3]), b = lp.zeros([2, 4]), c = lp.zeros([2, 3], 'int32'), s = lp.scalar(1);
    const r3 = lp.zeros([2, 3, 1]);
    throwsNoLeak(() => lp.concat([a, b], 0), /^Error: concat: shapes \[2,3\], \[2,4\] differ outside axis 0/);
    throwsNoLeak(() => lp.concat([a, c], 1), /^Error: concat: all tensors must have the same dtype/);
    throwsNoLeak(() => lp.concat([], 0), /^Error: concat: expected a non-empty array/);
    throwsNoLeak(() => lp.concat([a, a], 2), /^Error: concat: axis 2 is out of range for rank 2/);
    throwsNoLeak(() => lp.concat([s, s]), /^Error: concat: cannot concatenate scalars/);
    throwsNoLeak(() => lp.concat([a, r3], 1), /^Error: concat: shapes \[2,3\], \[2,3,1\] differ/);
    throwsNoLeak(() => lp.stack([a, b]), /^Error: stack: all tensors must have the same shape, got \[2,3\], \[2,4\]/);
    throwsNoLeak(() => lp.stack([a, a], 3), /^Error: stack: axis 3 is out of range for rank 3/);
    throwsNoLeak(() => lp.unstack(s), /^Error: unstack: x must have rank >= 1/);
    throwsNoLeak(() => lp.unstack(a, -3), /^Error: unstack: axis -3 is out of range/);
    lp.dispose([a, b, c, s, r3]);
  });
});

describe('pad, expandDims, squeeze', () => {
  it('pad with a constant, float32 and int32, every dim', () => noLeak(() => {
    const cases: [number[], [number, number][], number][] = [
      [[2, 3], [[1, 2], [0, 3]], 0], [[3, 1, 4], [[0, 0], [2, 1], [1, 0]], -1.5], [[5], [[3, 7]], 7],
      [[2, 2, 2, 2], [[1, 1], [1, 1], [1, 1], [1, 1]], 2], [[0, 2], [[1, 1], [1, 0]], 3], [[], [], 0],
      [[17, 33], [[0, 0], [0, 0]], 1],
    ];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [shape, paddings, value] of cases) {
        const d = data(dtype, sizeOf(shape), shape.length);
        const x = lp.tensor(d, shape, dtype);
        const want = pad_ref(d, shape, paddings, dtype === 'int32' ? Math.trunc(value) : value);
        check([x], lp.pad(x, paddings, value), shape.map((n, i) => n + paddings[i][0] + paddings[i][1]), want);
      }
    }
  }));

  it('expandDims and squeeze keep the data', () => noLeak(() => {
    const d = data('int32', 6, 1);
    const x = lp.tensor(d, [2, 1, 3], 'int32');
    for (const [axis, shape] of [[0, [1, 2, 1, 3]], [3, [2, 1, 3, 1]], [-1, [2, 1, 3, 1]], [-4, [1, 2, 1, 3]]] as const) {
      check([], lp.expandDims(x, axis), [...shape], d);
    }
    check([], lp.squeeze(x), [2, 3], d);
    check([], lp.squeeze(x, [1]), [2, 3], d);
    check([], lp.squeeze(x, [-2]), [2, 3], d);
    x.dispose();
  }));

  it('errors', () => {
    const x = lp.zeros([2, 3]);
    throwsNoLeak(() => lp.pad(x, [[1, 1]]), /^Error: pad: paddings must be 2 pairs \[before, after\] of non-negative integers for x \[2,3\]/);
    throwsNoLeak(() => lp.pad(x, [[1, 1], [-1, 0]]), /^Error: pad: paddings/);
    throwsNoLeak(() => lp.pad(x, [[1, 1], [1]] as unknown as [number, number][]), /^Error: pad: paddings/);
    throwsNoLeak(() => lp.expandDims(x, 3), /^Error: expandDims: axis 3 is out of range for rank 3/);
    throwsNoLeak(() => lp.squeeze(x, [0]), /^Error: squeeze: cannot squeeze axis 0 of x \[2,3\]/);
    throwsNoLeak(() => lp.squeeze(x, [2]), /^Error: squeeze: axis 2 is out of range/);
    throwsNoLeak(() => lp.transpose('x' as unknown as lp.Tensor), /^Error: transpose: 'x' must be a Tensor/);
    x.dispose();
    throwsNoLeak(() => lp.slice(x, [0]), /^Error: slice: tensor \d+ \[2,3\] is disposed/);
  });
});

describe('gather', () => {
  it('embedding lookup, other axes, batchDims; float32 and int32', () => noLeak(() => {
    const cases: [number[], number[], number, number][] = [
      [[10, 4], [3, 2], 0, 0], [[10, 4], [7], 0, 0], [[65, 17], [33], 0, 0], [[3, 5, 2], [4], 1, 0],
      [[3, 5], [2, 2], -1, 0], [[2, 6, 3], [2, 4], 1, 1], [[2, 3, 6], [2, 5], 2, 1], [[4, 3], [], 0, 0],
      [[4, 3], [0], 0, 0], [[2, 5], [2, 3], 1, -1],
    ];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [shape, ishape, axis, batchDims] of cases) {
        const ax = axis < 0 ? axis + shape.length : axis;
        const bd = batchDims < 0 ? batchDims + ishape.length : batchDims;
        const n = shape[ax];
        const rand = rng(shape.length * 10 + ax);
        const id = Int32Array.from({ length: sizeOf(ishape) }, () => randInt(rand, 0, n - 1));
        const d = data(dtype, sizeOf(shape), 5);
        const x = lp.tensor(d, shape, dtype), idx = lp.tensor(id, ishape, 'int32');
        const batch = sizeOf(shape.slice(0, bd)), outer = sizeOf(shape.slice(bd, ax));
        const want = gather_ref(d, id, batch, outer, n, sizeOf(ishape.slice(bd)), sizeOf(shape.slice(ax + 1)));
        check([x, idx], lp.gather(x, idx, axis, batchDims),
          [...shape.slice(0, ax), ...ishape.slice(bd), ...shape.slice(ax + 1)], want);
      }
    }
  }));

  it('an index out of range throws a clear Error, frees everything, and the engine stays usable', () => {
    const x = lp.tensor(randomArray(rng(1), 40), [10, 4]);
    const bad = lp.tensor([1, 2, 12, 3], [2, 2], 'int32');
    const neg = lp.tensor([-1], [1], 'int32');
    throwsNoLeak(() => lp.gather(x, bad), /^Error: gather: index 12 is out of range \[0, 10\) \(indices \[2,2\] at flat position 2, x \[10,4\], axis 0\)$/);
    throwsNoLeak(() => lp.gather(x, neg), /^Error: gather: index -1 is out of range \[0, 10\)/);
    throwsNoLeak(() => lp.tidy(() => lp.gather(lp.transpose(x), bad, 1)), /^Error: gather: index 12 is out of range \[0, 10\)/);
    noLeak(() => {
      const ok = lp.tensor([9, 0], [2], 'int32');
      const y = lp.gather(x, ok);
      assert.deepEqual([...y.shape], [2, 4]);
      lp.dispose([y, ok]);
    });
    lp.dispose([x, bad, neg]);
  });

  it('errors', () => {
    const x = lp.zeros([2, 3]), fi = lp.zeros([2]), ii = lp.zeros([3, 2], 'int32'), s = lp.scalar(1);
    throwsNoLeak(() => lp.gather(x, fi), /^Error: gather: 'indices' must be int32, got float32 \[2\]/);
    throwsNoLeak(() => lp.gather(x, ii, 2), /^Error: gather: axis 2 is out of range for x \[2,3\]/);
    throwsNoLeak(() => lp.gather(s, ii), /^Error: gather: x must have rank >= 1/);
    throwsNoLeak(() => lp.gather(x, ii, 1, 1), /^Error: gather: x \[2,3\] and indices \[3,2\] differ in batch dim 0/);
    throwsNoLeak(() => lp.gather(x, ii, 0, 1), /^Error: gather: batchDims \(1\) must be <= axis \(0\)/);
    throwsNoLeak(() => lp.gather(x, ii, 1, 3), /^Error: gather: batchDims 3 is out of range/);
    lp.dispose([x, fi, ii, s]);
  });
});

describe('tidy', () => {
  it('frees the intermediates of a chain of layout ops', () => noLeak(() => {
    const x = lp.tensor(data('float32', 24, 2), [2, 3, 4]);
    const y = lp.tidy(() => lp.concat([lp.pad(lp.transpose(x, [2, 0, 1]), [[0, 0], [1, 0], [0, 2]]), lp.slice(lp.zeros([4, 3, 5]), [0, 0, 0], [4, 3, 5])], 1));
    assert.deepEqual([...y.shape], [4, 6, 5]);
    lp.dispose([x, y]);
  }));
});
