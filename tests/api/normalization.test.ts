// batchNorm through the public API: values against the scalar reference for [C] and
// [1,...,1,C] parameters, optional offset/scale, the rank aliases, every error path, no leaks.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { noLeak } from '../helpers/api.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';
import { batchnorm_f32_ref } from '../ref/batchnorm_ref.js';

before(() => lp.ready());


const TOL = { atol: 3e-5, rtol: 2e-5 };

describe('batchNorm', () => {
  const cases: [number[], number, boolean, boolean, number | undefined][] = [
    [[2, 4, 4, 3], 1, true, true, undefined], [[5, 7], 1, false, false, 1e-5], [[17], 1, true, false, 0.1],
    [[3, 2, 65], 2, false, true, undefined], [[1, 2, 2, 33], 4, true, true, 1e-3], [[4, 0, 3], 1, true, true, undefined],
  ];
  for (const [shape, paramRank, withOffset, withScale, eps] of cases) {
    it(`x [${shape}] params of rank ${paramRank} offset=${withOffset} scale=${withScale} eps=${eps}`, () => noLeak(() => {
      const c = shape[shape.length - 1];
      const rand = rng(shape.reduce((a, b) => a * 31 + b, 7));
      const n = shape.reduce((a, b) => a * b, 1);
      const xd = randomArray(rand, n, -3, 3), md = randomArray(rand, c), vd = randomArray(rand, c, 0.05, 2);
      const od = randomArray(rand, c), sd = randomArray(rand, c, -2, 2);
      const pshape = [...new Array<number>(paramRank - 1).fill(1), c];
      const x = lp.tensor(xd, shape), mean = lp.tensor(md, pshape), variance = lp.tensor(vd, pshape);
      const offset = withOffset ? lp.tensor(od, pshape) : undefined;
      const scale = withScale ? lp.tensor(sd, pshape) : undefined;
      const y = lp.batchNorm(x, mean, variance, offset, scale, eps);
      assert.deepEqual([...y.shape], shape);
      assertClose(y.dataSync(), batchnorm_f32_ref(xd, md, vd, withOffset ? od : null, withScale ? sd : null, c, eps ?? 0.001), TOL, 'batchNorm');
      lp.dispose([x, mean, variance, offset, scale, y]);
    }));
  }

  it('batchNorm2d/3d/4d check the rank; null offset/scale are accepted', () => noLeak(() => {
    const mean = lp.zeros([3]), variance = lp.ones([3]);
    for (const [f, rank] of [[lp.batchNorm2d, 2], [lp.batchNorm3d, 3], [lp.batchNorm4d, 4]] as const) {
      const x = lp.ones(new Array<number>(rank).fill(1).map((d, i) => (i === rank - 1 ? 3 : 2)));
      const y = f(x, mean, variance, null, null);
      assertClose(y.dataSync(), new Float32Array(x.size).fill(1 / Math.sqrt(1 + Math.fround(0.001))), TOL, `batchNorm${rank}d`);
      const wrong = lp.ones([3]);
      assert.throws(() => f(wrong, mean, variance), new RegExp(`^Error: batchNorm${rank}d: x must have rank ${rank}, got \\[3\\]`));
      lp.dispose([x, y, wrong]);
    }
    lp.dispose([mean, variance]);
  }));

  it('errors name the op and leave memory as it was', () => {
    const x = lp.zeros([2, 3]), c3 = lp.ones([3]), c4 = lp.ones([4]), r23 = lp.ones([2, 3]), big = lp.ones([1, 1, 3]);
    const i3 = lp.ones([3], 'int32'), s = lp.scalar(1);
    const cases: [() => unknown, RegExp][] = [
      [() => lp.batchNorm(x, c4, c3), /^Error: batchNorm: mean must have shape \[3\] \(or \[1,...,1,3\]\) to broadcast over the last axis of x \[2,3\], got \[4\]/],
      [() => lp.batchNorm(x, c3, r23), /^Error: batchNorm: variance must have shape \[3\]/],
      [() => lp.batchNorm(x, c3, c3, big), /^Error: batchNorm: offset must have shape \[3\].*got \[1,1,3\]/],
      [() => lp.batchNorm(x, c3, c3, c3, c4), /^Error: batchNorm: scale must have shape/],
      [() => lp.batchNorm(x, i3, c3), /^Error: batchNorm: 'mean' must be float32, got int32 \[3\]/],
      [() => lp.batchNorm(i3, c3, c3), /^Error: batchNorm: 'x' must be float32, got int32/],
      [() => lp.batchNorm(s, c3, c3), /^Error: batchNorm: x must have rank >= 1/],
      [() => lp.batchNorm(x, c3, c3, null, null, -1), /^Error: batchNorm: varianceEpsilon must be a finite number >= 0, got -1/],
      [() => lp.batchNorm(x, c3, c3, null, null, NaN), /^Error: batchNorm: varianceEpsilon/],
    ];
    for (const [fn, message] of cases) noLeak(() => assert.throws(fn, message));
    lp.dispose([x, c3, c4, r23, big, i3, s]);
  });
});
