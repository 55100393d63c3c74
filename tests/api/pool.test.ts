// lp.maxPool / lp.avgPool / lp.globalAveragePool2d through the public API: values against the
// scalar references and every error path (message names the op, no leak).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError } from '../helpers/api.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';
import { convGeometry } from '../ref/conv_ref.js';
import { avgpool2d_nhwc_ref, global_avgpool2d_nhwc_ref, maxpool2d_nhwc_ref } from '../ref/pool_ref.js';

await lp.ready();


describe('maxPool / avgPool', () => {
  for (const [op, ref] of [['maxPool', maxpool2d_nhwc_ref], ['avgPool', avgpool2d_nhwc_ref]] as const) {
    it(`${op} matches the reference`, () => {
      const rand = rng(op.length);
      for (const [size, s, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same'], [[2, 3], [1, 2], 'valid'], [3, 1, 1]] as const) {
        const [kh, kw] = typeof size === 'number' ? [size, size] : size;
        const strides: [number, number] = typeof s === 'number' ? [s, s] : [s[0], s[1]];
        const xv = randomArray(rand, 2 * 7 * 8 * 5);
        const g = convGeometry(2, 7, 8, 5, kh, kw, strides, [1, 1], pad);
        lp.tidy(() => {
          const fn = op === 'maxPool' ? lp.maxPool : lp.avgPool;
          const y = fn(lp.tensor(xv, [2, 7, 8, 5]), size as [number, number], s as [number, number], pad);
          assert.deepEqual(y.shape, [2, g.outH, g.outW, 5]);
          assertClose(y.dataSync(), ref(xv, g), { atol: 1e-6 }, `${op} ${size} ${s} ${pad}`);
          const y3 = fn(lp.tensor(xv.subarray(0, 7 * 8 * 5), [7, 8, 5]), size as [number, number], s as [number, number], pad);
          assert.deepEqual(y3.shape, [g.outH, g.outW, 5]);
        });
      }
    });

    it(`${op} rejects bad arguments before allocating`, () => {
      const fn = op === 'maxPool' ? lp.maxPool : lp.avgPool;
      const x = lp.zeros([1, 4, 4, 2]), x2 = lp.zeros([4, 4]), xi = lp.tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
      try {
        expectError(() => fn(x2, 2, 2, 'valid'), op, /rank/);
        expectError(() => fn(xi, 2, 2, 'valid'), op, /float32/);
        expectError(() => fn(x, 0, 2, 'valid'), op, /filterSize/);
        expectError(() => fn(x, 2, [1, 0] as [number, number], 'valid'), op, /strides/);
        expectError(() => fn(x, 5, 1, 'valid'), op, /empty.*\[1,4,4,2\]/);
        expectError(() => fn(x, 2, 1, 'bogus' as 'same'), op, /pad/);
      } finally {
        lp.dispose([x, x2, xi]);
      }
    });
  }

  it('maxPool propagates NaN', () => {
    lp.tidy(() => {
      const y = lp.maxPool(lp.tensor([1, NaN, 3, 4], [1, 2, 2, 1]), 2, 2, 'valid');
      assert.ok(Number.isNaN(y.dataSync()[0]));
    });
  });
});

describe('globalAveragePool2d', () => {
  it('averages over height and width', () => {
    const xv = randomArray(rng(3), 2 * 5 * 3 * 7);
    lp.tidy(() => {
      const y = lp.globalAveragePool2d(lp.tensor(xv, [2, 5, 3, 7]));
      assert.deepEqual(y.shape, [2, 7]);
      assertClose(y.dataSync(), global_avgpool2d_nhwc_ref(xv, 2, 5, 3, 7), { atol: 1e-6 }, 'gap');
      assert.deepEqual(lp.globalAveragePool2d(lp.tensor(xv.subarray(0, 105), [5, 3, 7])).shape, [7]);
    });
  });

  it('rejects bad arguments', () => {
    const x = lp.zeros([3, 3]);
    expectError(() => lp.globalAveragePool2d(x), 'globalAveragePool2d', /rank/);
    x.dispose();
  });
});
