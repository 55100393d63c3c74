// lp.conv2d / lp.depthwiseConv2d / lp.fused.conv2d / lp.fused.depthwiseConv2d through the public
// API: values against the scalar references, TF.js geometry (rank 3, strides, dilations, numeric
// and explicit pads, dimRoundingMode), and every error path (message names the op, no leak).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError } from '../helpers/api.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';
import { convGeometry, conv2d_nhwc_ref, depthwise_conv2d_nhwc_ref } from '../ref/conv_ref.js';
import { ACT } from '../ref/activation_ref.js';

await lp.ready();


describe('conv2d', () => {
  it('matches the reference for same/valid, strides, dilations, batch', () => {
    const rand = rng(1);
    for (const [pad, s, d] of [['same', 1, 1], ['valid', 2, 1], ['same', 1, 2], ['valid', 1, 2]] as const) {
      const g = convGeometry(2, 9, 8, 3, 3, 3, [s, s], [d, d], pad);
      const xv = randomArray(rand, 2 * 9 * 8 * 3), fv = randomArray(rand, 3 * 3 * 3 * 5);
      lp.tidy(() => {
        const y = lp.conv2d(lp.tensor(xv, [2, 9, 8, 3]), lp.tensor(fv, [3, 3, 3, 5]), s, pad, 'NHWC', d);
        assert.deepEqual(y.shape, [2, g.outH, g.outW, 5]);
        assertClose(y.dataSync(), conv2d_nhwc_ref(xv, fv, null, g, 5), { atol: 1e-5 }, `pad=${pad} s=${s} d=${d}`);
      });
    }
  });

  it('takes rank-3 input, numeric and explicit pads, [h, w] strides', () => {
    const xv = randomArray(rng(2), 7 * 6 * 2), fv = randomArray(rng(3), 3 * 3 * 2 * 4);
    lp.tidy(() => {
      const x = lp.tensor(xv, [7, 6, 2]), f = lp.tensor(fv, [3, 3, 2, 4]);
      const y = lp.conv2d(x, f, [2, 1], 1);
      const g = convGeometry(1, 7, 6, 2, 3, 3, [2, 1], [1, 1], 1);
      assert.deepEqual(y.shape, [g.outH, g.outW, 4]);
      assertClose(y.dataSync(), conv2d_nhwc_ref(xv, fv, null, g, 4), { atol: 1e-5 }, 'numeric pad');
      const e = lp.conv2d(x, f, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      assertClose(e.dataSync(), lp.conv2d(x, f, 1, 'same').dataSync(), { atol: 1e-6 }, 'explicit = same');
      const r = lp.conv2d(x, f, 2, 1, 'NHWC', 1, 'ceil');
      assert.deepEqual(r.shape, [4, 4, 4]); // ceil((7 - 3 + 2) / 2 + 1), ceil((6 - 3 + 2) / 2 + 1)
    });
  });

  it('1x1 convolution equals a matMul over pixels', () => {
    lp.tidy(() => {
      const x = lp.randomNormal([2, 3, 5, 7], 0, 1, 'float32', 4), f = lp.randomNormal([1, 1, 7, 6], 0, 1, 'float32', 5);
      const y = lp.conv2d(x, f, 1, 'valid');
      const ref = conv2d_nhwc_ref(x.dataSync() as Float32Array, f.dataSync() as Float32Array, null, convGeometry(2, 3, 5, 7, 1, 1, [1, 1], [1, 1], 'valid'), 6);
      assertClose(y.dataSync(), ref, { atol: 1e-5 }, '1x1');
    });
  });

  it('rejects bad arguments before allocating', () => {
    const x = lp.zeros([1, 5, 5, 3]), f = lp.zeros([3, 3, 3, 2]);
    const f4 = lp.zeros([3, 3, 4, 2]), x2 = lp.zeros([5, 5]), f3 = lp.zeros([3, 3, 3]), f7 = lp.zeros([7, 7, 3, 2]);
    const xi = lp.tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
    try {
      expectError(() => lp.conv2d(x, f4, 1, 'same'), 'conv2d', /\[1,5,5,3\].*\[3,3,4,2\]/);
      expectError(() => lp.conv2d(x2, f, 1, 'same'), 'conv2d', /rank/);
      expectError(() => lp.conv2d(x, f3, 1, 'same'), 'conv2d', /rank/);
      expectError(() => lp.conv2d(xi, f, 1, 'same'), 'conv2d', /float32/);
      expectError(() => lp.conv2d(x, f, 0, 'same'), 'conv2d', /strides/);
      expectError(() => lp.conv2d(x, f, [1, 1.5] as [number, number], 'same'), 'conv2d', /strides/);
      expectError(() => lp.conv2d(x, f, 1, 'same', 'NHWC', -1), 'conv2d', /dilations/);
      expectError(() => lp.conv2d(x, f, 2, 'same', 'NHWC', 2), 'conv2d', /either strides or dilations/);
      expectError(() => lp.conv2d(x, f, 1, 'same', 'NCHW'), 'conv2d', /not supported/);
      expectError(() => lp.conv2d(x, f, 1, 'full' as 'same'), 'conv2d', /pad/);
      expectError(() => lp.conv2d(x, f, 1, -1), 'conv2d', /pad/);
      expectError(() => lp.conv2d(x, f, 1, 'same', 'NHWC', 1, 'ceil'), 'conv2d', /dimRoundingMode/);
      expectError(() => lp.conv2d(x, f7, 1, 'valid'), 'conv2d', /empty/);
    } finally {
      lp.dispose([x, f, f4, x2, f3, f7, xi]);
    }
  });
});

describe('depthwiseConv2d', () => {
  it('matches the reference with a channel multiplier, strides and dilations', () => {
    const rand = rng(6);
    for (const [mult, s, d, pad] of [[1, 1, 1, 'same'], [2, 2, 1, 'valid'], [3, 1, 2, 'same']] as const) {
      const xv = randomArray(rand, 2 * 8 * 7 * 5), fv = randomArray(rand, 3 * 3 * 5 * mult);
      const g = convGeometry(2, 8, 7, 5, 3, 3, [s, s], [d, d], pad);
      lp.tidy(() => {
        const y = lp.depthwiseConv2d(lp.tensor(xv, [2, 8, 7, 5]), lp.tensor(fv, [3, 3, 5, mult]), s, pad, 'NHWC', d);
        assert.deepEqual(y.shape, [2, g.outH, g.outW, 5 * mult]);
        assertClose(y.dataSync(), depthwise_conv2d_nhwc_ref(xv, fv, null, g, mult), { atol: 1e-5 }, `mult=${mult}`);
      });
    }
  });

  it('rejects bad arguments before allocating', () => {
    const x = lp.zeros([1, 5, 5, 3]), f2 = lp.zeros([3, 3, 2, 1]), f = lp.zeros([3, 3, 3, 1]);
    try {
      expectError(() => lp.depthwiseConv2d(x, f2, 1, 'same'), 'depthwiseConv2d', /\[1,5,5,3\].*\[3,3,2,1\]/);
      expectError(() => lp.depthwiseConv2d(x, f, 2, 'same', 'NHWC', 2), 'depthwiseConv2d', /either/);
      expectError(() => lp.depthwiseConv2d(x, f, 1, 'same', 'NCHW'), 'depthwiseConv2d', /not supported/);
    } finally {
      lp.dispose([x, f2, f]);
    }
  });
});

describe('fused.conv2d / fused.depthwiseConv2d', () => {
  it('fuses bias and every activation', () => {
    const xv = randomArray(rng(7), 6 * 5 * 4), fv = randomArray(rng(8), 3 * 3 * 4 * 6), bv = randomArray(rng(9), 6);
    const dv = randomArray(rng(10), 3 * 3 * 4 * 2), dbv = randomArray(rng(11), 8);
    const g = convGeometry(1, 6, 5, 4, 3, 3, [1, 1], [1, 1], 'same');
    for (const [name, act] of Object.entries(ACT)) {
      if (name === 'gelu') continue; // the unary family's gelu is checked in its own suite
      const alpha = name === 'elu' ? 1 : 0.2;
      lp.tidy(() => {
        const x = lp.tensor(xv, [6, 5, 4]);
        const y = lp.fused.conv2d({ x, filter: lp.tensor(fv, [3, 3, 4, 6]), strides: 1, pad: 'same',
          bias: lp.tensor(bv), activation: name as lp.Activation });
        assertClose(y.dataSync(), conv2d_nhwc_ref(xv, fv, bv, g, 6, act, alpha), { atol: 1e-5 }, `conv ${name}`);
        const z = lp.fused.depthwiseConv2d({ x, filter: lp.tensor(dv, [3, 3, 4, 2]), strides: 1, pad: 'same',
          bias: lp.tensor(dbv), activation: name as lp.Activation });
        assertClose(z.dataSync(), depthwise_conv2d_nhwc_ref(xv, dv, dbv, g, 2, act, alpha), { atol: 1e-5 }, `dw ${name}`);
      });
    }
    lp.tidy(() => {
      const y = lp.fused.conv2d({ x: lp.tensor(xv, [1, 6, 5, 4]), filter: lp.tensor(fv, [3, 3, 4, 6]), strides: 1,
        pad: 'same', activation: 'leakyrelu', leakyreluAlpha: 0.1 });
      assertClose(y.dataSync(), conv2d_nhwc_ref(xv, fv, null, g, 6, ACT.leakyrelu, 0.1), { atol: 1e-5 }, 'alpha');
    });
  });

  it('rejects a bad bias or activation', () => {
    const x = lp.zeros([1, 5, 5, 3]), f = lp.zeros([3, 3, 3, 2]), b3 = lp.zeros([3]);
    try {
      expectError(() => lp.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias: b3 }), 'fused.conv2d', /bias.*\[2\]/);
      expectError(() => lp.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', activation: 'prelu' as lp.Activation }),
        'fused.conv2d', /activation/);
      expectError(() => lp.fused.depthwiseConv2d({ x, filter: f, strides: 1, pad: 'same', bias: b3 }),
        'fused.depthwiseConv2d', /bias.*\[6\]/);
    } finally {
      lp.dispose([x, f, b3]);
    }
  });
});
