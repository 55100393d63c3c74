// lp.layers.permute and lp.layers.subtract against tfjs-layers (same inputs, same outputs), their
// gradients through a small fit, config round trips through a model file, and argument errors.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { values } from '../helpers/grad_check.js';
import { expectError } from '../helpers/api.js';

before(async () => {
  await lp.ready();
  await tf.setBackend('cpu');
});

describe('Permute', () => {
  for (const [shape, dims] of [[[3, 7, 17], [2, 3, 1]], [[3, 7, 17], [3, 1, 2]], [[1, 5], [2, 1]], [[2, 3, 4, 5], [4, 2, 1, 3]], [[7], [1]]] as [number[], number[]][]) {
    it(`[batch, ${shape}] dims [${dims}] as tfjs-layers`, () => {
      const x = values(2 * shape.reduce((a, d) => a * d, 1), 3, -1, 1);
      const want = (tfl.layers.permute({ dims }).apply(tf.tensor(x, [2, ...shape])) as tf.Tensor);
      const got = lp.tidy(() => lp.layers.permute({ dims }).apply(lp.tensor(x, [2, ...shape])));
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
      got.dispose();
    });
  }
  it('passes gradients (a model with a Permute fits), and round-trips through a model file', async () => {
    const inp = lp.input({ shape: [3, 5] });
    const out = lp.layers.dense({ units: 2 }).apply(lp.layers.flatten().apply(lp.layers.permute({ dims: [2, 1] }).apply(inp)));
    const m = lp.model({ inputs: inp, outputs: out });
    const x = lp.tensor(values(8 * 15, 4, -1, 1), [8, 3, 5]);
    const y = lp.tensor(values(16, 5, -1, 1), [8, 2]);
    try {
      m.compile({ optimizer: lp.train.sgd(0.1), loss: 'meanSquaredError' });
      const h = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
      const loss = h.history.loss as number[];
      assert.ok(loss[4] < loss[0], `${loss}`);
      const loaded = lp.io.load(lp.io.save(m));
      assert.deepEqual((loaded.getLayer(1) as lp.Layer).getConfig().dims, [2, 1]);
      const a = m.predict(x) as lp.Tensor, b = loaded.predict(x) as lp.Tensor;
      assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
      a.dispose(); b.dispose(); loaded.dispose();
    } finally {
      x.dispose(); y.dispose(); m.dispose();
    }
  });
  it('argument errors', () => {
    for (const dims of [[], [0, 1], [1, 1], [1, 3], [1.5], 'x']) {
      expectError(() => lp.layers.permute({ dims: dims as number[] }), 'Permute:', /permutation/);
    }
    const z = lp.zeros([2, 3]);
    expectError(() => lp.layers.permute({ dims: [2, 1] }).apply(z), 'permute', /rank 3/);
    z.dispose();
  });
});

describe('Subtract', () => {
  it('a - b (tfjs-layers 4.22 has no subtract layer: against tf.sub), with gradients to both sides', async () => {
    const a = values(2 * 3 * 7, 6, -1, 1), b = values(2 * 3 * 7, 7, -1, 1);
    const want = tf.sub(tf.tensor(a, [2, 3, 7]), tf.tensor(b, [2, 3, 7]));
    const got = lp.tidy(() => lp.layers.subtract().apply([lp.tensor(a, [2, 3, 7]), lp.tensor(b, [2, 3, 7])]));
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
    got.dispose();
    const inp = lp.input({ shape: [4] });
    const m = lp.model({ inputs: inp, outputs: lp.layers.subtract().apply([lp.layers.dense({ units: 3 }).apply(inp), lp.layers.dense({ units: 3 }).apply(inp)]) });
    const x = lp.tensor(values(32, 8, -1, 1), [8, 4]), y = lp.tensor(values(24, 9, -1, 1), [8, 3]);
    try {
      m.compile({ optimizer: lp.train.sgd(0.1), loss: 'meanSquaredError' });
      const loss = (await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 })).history.loss as number[];
      assert.ok(loss[4] < loss[0], `${loss}`);
      const loaded = lp.io.load(lp.io.save(m));
      assert.ok(loaded.layers.some((l) => l.className === 'Subtract'));
      loaded.dispose();
    } finally {
      x.dispose(); y.dispose(); m.dispose();
    }
  });
  it('takes exactly two inputs of one shape', () => {
    const [p, q, r] = [lp.input({ shape: [3] }), lp.input({ shape: [3] }), lp.input({ shape: [4] })];
    assert.throws(() => lp.layers.subtract().apply([p, q, p]), /Subtract\): expects exactly 2 inputs/);
    assert.throws(() => lp.layers.subtract().apply([p, r]), /same shape/);
  });
});
