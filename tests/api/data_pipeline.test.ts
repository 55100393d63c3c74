// The training-data pipeline of lp.data: oneHot (also lp.oneHot), shuffledIndices, batches (every
// sample exactly once per epoch, reproducible from the seed, memory flat over epochs) and
// augment (identity → input exactly, same seed → same output, flips give the input or its
// mirror, every option against the scalar reference of the kernel, errors before any memory).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError, noLeak } from '../helpers/api.js';
import { assertClose } from '../helpers/check.js';
import { randInt, randomArray, rng } from '../helpers/rng.js';
import { one_hot_ref } from '../ref/one_hot_ref.js';
import { affine_warp_ref } from '../ref/augment_ref.js';

before(() => lp.ready());

const bits = (v: Float32Array | Int32Array): Int32Array => new Int32Array(v.buffer, v.byteOffset, v.length);

describe('oneHot', () => {
  it('any rank of indices → [...shape, depth] float32, against the reference', () => noLeak(() => {
    assert.equal(lp.oneHot, lp.data.oneHot);
    const rand = rng(3);
    for (const [shape, depth] of [[[], 4], [[7], 10], [[2, 3], 1], [[3, 1, 17], 33]] as [number[], number][]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const idx = Int32Array.from({ length: n }, () => randInt(rand, 0, depth - 1));
      const y = lp.tidy(() => lp.oneHot(lp.tensor(idx, shape, 'int32'), depth, 0.9, 0.1 / depth));
      assert.deepEqual([...y.shape], [...shape, depth]);
      assert.equal(y.dtype, 'float32');
      const ref = one_hot_ref(idx, depth, 0.9, 0.1 / depth);
      assert.ok('out' in ref);
      assert.deepEqual(y.dataSync(), ref.out);
      y.dispose();
    }
  }));

  it('an index outside [0, depth) throws naming its position and value; bad arguments throw first', () => {
    const idx = lp.tensor([[0, 1, 2], [3, 1, -1]], [2, 3], 'int32');
    expectError(() => lp.oneHot(idx, 4), 'oneHot', /index -1 at \[1,2\] of indices \[2,3\] is outside \[0, 4\)/);
    expectError(() => lp.oneHot(idx, 3), 'oneHot', /index 3 at \[1,0\]/);
    expectError(() => lp.oneHot(idx, 0), 'oneHot', /'depth' must be a positive integer/);
    expectError(() => lp.oneHot(idx, 2.5), 'oneHot', /'depth'/);
    const f = lp.tensor([0, 1]);
    expectError(() => lp.oneHot(f, 2), 'oneHot', /'indices' must be int32, got float32/);
    expectError(() => lp.oneHot(idx, 4, '1' as unknown as number), 'oneHot', /onValue and offValue must be numbers/);
    lp.dispose([idx, f]);
  });
});

describe('shuffledIndices', () => {
  it('a permutation of 0..n-1, the same for the same seed, different for another seed', () => {
    for (const n of [0, 1, 3, 7, 17, 65, 1000]) {
      const p = lp.data.shuffledIndices(n, 42);
      assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
      assert.deepEqual(lp.data.shuffledIndices(n, 42), p);
      if (n >= 7) assert.notDeepEqual(lp.data.shuffledIndices(n, 43), p);
    }
  });

  it('roughly uniform: each value lands in each position about equally often', () => {
    const n = 5, trials = 4000;
    const hits = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let s = 0; s < trials; s++) lp.data.shuffledIndices(n, s).forEach((v, i) => hits[v][i]++);
    for (const row of hits) for (const h of row) assert.ok(Math.abs(h - trials / n) < 120, `count ${h} of ${trials / n}`);
  });

  it('errors', () => {
    expectError(() => lp.data.shuffledIndices(-1, 1), 'shuffledIndices', /n must be an integer in \[0, 2\^31\)/);
    expectError(() => lp.data.shuffledIndices(2.5, 1), 'shuffledIndices');
    expectError(() => lp.data.shuffledIndices(3, NaN), 'shuffledIndices', /'seed' must be a finite number/);
    expectError(() => lp.data.shuffledIndices(3, undefined as unknown as number), 'shuffledIndices', /'seed'/);
  });
});

describe('batches', () => {
  const n = 103;
  /** x row i = [i, -i] (float32), y[i] = i (int32): each batch says which samples it holds. */
  const data = () => ({
    x: lp.tensor(Float32Array.from({ length: 2 * n }, (_, j) => (j % 2 ? -1 : 1) * (j >> 1)), [n, 2]),
    y: lp.tensor(Int32Array.from({ length: n }, (_, i) => i), [n], 'int32'),
  });

  /** The sample ids of every batch of one epoch (checking xs against ys), disposing each batch. */
  function epoch(ds: lp.data.Batches): number[][] {
    const out: number[][] = [];
    for (const { xs, ys } of ds) {
      const ids = [...ys.dataSync()];
      assert.deepEqual([...xs.shape], [ids.length, 2]);
      assert.deepEqual([...xs.dataSync()], ids.flatMap((i) => [i, -i]));
      out.push(ids);
      lp.dispose([xs, ys]);
    }
    return out;
  }

  it('every sample exactly once per epoch; epoch 0 is shuffledIndices(n, seed); epochs differ; reproducible', () => {
    const { x, y } = data();
    noLeak(() => {
      const ds = lp.data.batches(x, y, { batchSize: 10, seed: 7 });
      assert.equal(ds.numBatches, 11);
      assert.equal(ds.size, n);
      const e0 = epoch(ds), e1 = epoch(ds);
      for (const e of [e0, e1]) {
        assert.deepEqual(e.map((b) => b.length), [...new Array(10).fill(10), 3]);
        assert.deepEqual(e.flat().sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
      }
      assert.deepEqual(e0.flat(), [...lp.data.shuffledIndices(n, 7)]);
      assert.notDeepEqual(e1.flat(), e0.flat());
      const again = lp.data.batches(x, y, { batchSize: 10, seed: 7 });
      assert.deepEqual(epoch(again), e0);
      assert.deepEqual(epoch(again), e1);
    });
    lp.dispose([x, y]);
  });

  it('shuffle: false keeps the order; dropRemainder skips the short batch', () => {
    const { x, y } = data();
    noLeak(() => {
      const inOrder = epoch(lp.data.batches(x, y, { batchSize: 33, shuffle: false }));
      assert.deepEqual(inOrder.flat(), Array.from({ length: n }, (_, i) => i));
      assert.deepEqual(inOrder.map((b) => b.length), [33, 33, 33, 4]);
      const ds = lp.data.batches(x, y, { batchSize: 10, seed: 1, dropRemainder: true });
      assert.equal(ds.numBatches, 10);
      const e = epoch(ds);
      assert.deepEqual(e.map((b) => b.length), new Array(10).fill(10));
      assert.equal(new Set(e.flat()).size, 100);
      assert.deepEqual(epoch(lp.data.batches(x, y, { batchSize: 200, dropRemainder: true })), []);
      assert.deepEqual(epoch(lp.data.batches(x, y, { batchSize: 200 })).map((b) => b.length), [n]);
    });
    lp.dispose([x, y]);
  });

  it('memory is flat over epochs, also with each step in tidy() and an early break', () => {
    const { x, y } = data();
    const ds = lp.data.batches(x, y, { batchSize: 16, seed: 3 });
    epoch(ds);
    const after1 = lp.memory();
    noLeak(() => {
      for (let e = 0; e < 5; e++) {
        for (const { xs, ys } of ds) {
          lp.tidy(() => lp.mul(xs, lp.scalar(2)).dataSync());
          lp.dispose([xs, ys]);
        }
      }
      for (const b of ds) { lp.dispose(b); break; }
      lp.tidy(() => { for (const b of ds) lp.add(b.xs, lp.scalar(1)); });
    });
    assert.equal(lp.memory().numBytes, after1.numBytes);
    lp.dispose([x, y]);
  });

  it('errors before any memory is touched', () => {
    const { x, y } = data();
    const y2 = lp.zeros([n + 1]), s = lp.scalar(1);
    expectError(() => lp.data.batches(x, y2, { batchSize: 4 }), 'batches', /x \[103,2\] and y \[104\] must have the same first dimension/);
    expectError(() => lp.data.batches(x, s, { batchSize: 4 }), 'batches', /same first dimension/);
    expectError(() => lp.data.batches(x, y, { batchSize: 0 }), 'batches', /'batchSize' must be a positive integer/);
    expectError(() => lp.data.batches(x, y, { batchSize: 4, seed: Infinity }), 'batches', /'seed'/);
    expectError(() => lp.data.batches(x, y, { batchSize: 4, shuffle: 1 as unknown as boolean }), 'batches', /booleans/);
    expectError(() => lp.data.batches(x, 3 as unknown as lp.Tensor, { batchSize: 4 }), 'batches', /'y' must be a Tensor/);
    const ds = lp.data.batches(x, y, { batchSize: 4 });
    lp.dispose([x, y, y2, s]);
    expectError(() => { for (const b of ds) lp.dispose(b); }, 'batches', /is disposed/);
  });
});

describe('augment', () => {
  const image = (shape: number[], seed: number) =>
    lp.tensor(randomArray(rng(seed), shape.reduce((a, b) => a * b, 1), 0, 1), shape) as lp.Tensor<'float32'>;

  it('no transform option: the input exactly; same seed → same output, other seed → other output', () => {
    for (const shape of [[2, 7, 9, 1], [3, 5, 5, 3], [1, 4, 6, 8]]) {
      const x = image(shape, shape[3]);
      noLeak(() => {
        for (const interpolation of ['bilinear', 'nearest'] as const) {
          const y = lp.data.augment(x, { seed: 1, interpolation, fillValue: NaN });
          assert.deepEqual(bits(y.dataSync()), bits(x.dataSync()));
          y.dispose();
        }
        const opts = { rotation: 30, zoom: 0.2, translation: [0.1, 0.2] as [number, number], seed: 9 };
        const a = lp.data.augment(x, opts), b = lp.data.augment(x, opts), c = lp.data.augment(x, { ...opts, seed: 10 });
        assert.deepEqual(bits(a.dataSync()), bits(b.dataSync()));
        assert.notDeepEqual(a.dataSync(), c.dataSync());
        lp.dispose([a, b, c]);
      });
      x.dispose();
    }
  });

  it('flipHorizontal / flipVertical only: each image is the input or its mirror, both occur', () => {
    const [n, h, w, c] = [16, 5, 7, 3];
    const x = image([n, h, w, c], 77);
    const xd = x.dataSync();
    const mirror = (v: Float32Array, horizontal: boolean) => v.map((_, j) => {
      const ch = j % c, col = Math.floor(j / c) % w, row = Math.floor(j / (c * w)) % h, b = Math.floor(j / (c * w * h));
      const [r2, c2] = horizontal ? [row, w - 1 - col] : [h - 1 - row, col];
      return v[((b * h + r2) * w + c2) * c + ch];
    });
    for (const horizontal of [true, false]) {
      const y = lp.data.augment(x, horizontal ? { flipHorizontal: true, seed: 5 } : { flipVertical: true, seed: 5 });
      const yd = y.dataSync(), m = mirror(xd, horizontal);
      const kinds = new Set<string>();
      for (let b = 0; b < n; b++) {
        const part = (v: Float32Array) => [...v.subarray(b * h * w * c, (b + 1) * h * w * c)];
        const same = part(yd).join() === part(xd).join(), flipped = part(yd).join() === part(m).join();
        assert.ok(same || flipped, `image ${b} is neither the input nor its mirror`);
        kinds.add(same ? 'same' : 'flipped');
      }
      assert.equal(kinds.size, 2);
      y.dispose();
    }
    x.dispose();
  });

  it('every option together, bilinear and nearest, NaN fill: the kernel reference with augmentParams', () => {
    for (const [shape, seed] of [[[4, 28, 28, 1], 1], [[3, 32, 32, 3], 2], [[2, 17, 7, 5], 3]] as [number[], number][]) {
      const x = image(shape, seed);
      const [n, h, w, c] = shape;
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        const opts: lp.data.AugmentOptions = { flipHorizontal: true, flipVertical: true, rotation: 25, translation: 0.15,
          zoom: [0.1, 0.3], fillValue: seed === 1 ? NaN : 0.5, interpolation, seed };
        noLeak(() => {
          const y = lp.data.augment(x, opts);
          const params = lp.data.augmentParams(n, h, w, opts);
          assert.equal(params.length, 6 * n);
          const want = affine_warp_ref(x.dataSync(), params, n, h, w, c, interpolation === 'nearest' ? 1 : 0, opts.fillValue!);
          assertClose(y.dataSync(), want, interpolation === 'nearest' ? { atol: 0, rtol: 0 } : { atol: 2e-6, rtol: 2e-6 });
          y.dispose();
        });
      }
      x.dispose();
    }
  });

  it('a single zoom number keeps the aspect ratio; a pair draws each axis', () => {
    const same = lp.data.augmentParams(8, 10, 10, { zoom: 0.3, seed: 4 });
    const pairs = lp.data.augmentParams(8, 10, 10, { zoom: [0.3, 0.3], seed: 4 });
    for (let b = 0; b < 8; b++) {
      assert.equal(same[6 * b], same[6 * b + 4]);           // m00 == m11: 1/zx == 1/zy
      assert.ok(same[6 * b] > 1 / 1.3 - 1e-6 && same[6 * b] < 1 / 0.7 + 1e-6);
    }
    assert.ok([...Array(8).keys()].some((b) => pairs[6 * b] !== pairs[6 * b + 4]));
  });

  it('errors name augment and come before any memory is touched', () => {
    const x = image([1, 4, 4, 1], 1);
    const cases: [unknown, RegExp][] = [
      [{}, /'seed' must be a finite number/],
      [{ seed: 1, rotate: 10 }, /unknown option 'rotate'/],
      [{ seed: 1, rotation: -1 }, /'rotation' must be a finite number of degrees >= 0/],
      [{ seed: 1, rotation: Infinity }, /'rotation'/],
      [{ seed: 1, zoom: 1 }, /'zoom' must be a number or \[height, width\] of numbers in \[0, 1\)/],
      [{ seed: 1, zoom: [0.1] }, /'zoom'/],
      [{ seed: 1, translation: 1.5 }, /'translation' must be .* in \[0, 1\]/],
      [{ seed: 1, interpolation: 'cubic' }, /'interpolation' must be 'bilinear' or 'nearest', got cubic/],
      [{ seed: 1, flipHorizontal: 'yes' }, /booleans/],
      [{ seed: 1, fillValue: '0' }, /'fillValue' must be a number/],
      [null, /options must be an object/],
    ];
    for (const [opts, pattern] of cases) expectError(() => lp.data.augment(x, opts as lp.data.AugmentOptions), 'augment', pattern);
    const x1 = lp.tensor([1, 2]), xi = lp.tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
    expectError(() => lp.data.augment(x1, { seed: 1 }), 'augment', /'images' must have rank 4, got shape \[2\]/);
    expectError(() => lp.data.augment(xi, { seed: 1 }), 'augment', /'images' must be float32, got int32/);
    lp.dispose([x, x1, xi]);
    const empty = lp.zeros([0, 3, 3, 1]);
    noLeak(() => lp.data.augment(empty, { seed: 2, rotation: 10 }).dispose());
    empty.dispose();
  });
});
