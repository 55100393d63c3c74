// Structured pruning (lp.pruneStructured): whole filters and units removed, the next layer
// rewired through pooling, flatten, dropout and batch normalization; the smaller model gives
// the original's outputs with those units zeroed; merge and output layers are left alone.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError } from '../helpers/api.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';

before(async () => { await lp.ready(); });

/** The model's weights with every unit not in its layer's `keep` zeroed (kernel column and bias). */
function zeroPruned(model: lp.LayersModel, plan: { layer: string; keep: number[]; units: number }[]): void {
  for (const p of plan) {
    if (p.keep.length === p.units) continue;
    const layer = model.getLayer(p.layer);
    const keep = new Set(p.keep);
    const values = layer.getWeights().map((w) => {
      const v = w.dataSync() as Float32Array;
      for (let i = 0; i < v.length; i++) if (!keep.has(i % p.units)) v[i] = 0;
      const t = lp.tensor(v, w.shape);
      w.dispose();
      return t;
    });
    layer.setWeights(values);
    lp.dispose(values);
  }
}

function input(seed: number, shape: number[]): lp.Tensor {
  return lp.tensor(randomArray(rng(seed), shape.reduce((a, b) => a * b, 1)), shape);
}

describe('pruneStructured', () => {
  it('removes filters and units through maxPool, flatten and dropout; same outputs as the zeroed original', () => {
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [9, 9, 3], name: 's_conv1' }),
      lp.layers.maxPooling2d({ poolSize: 2 }),
      lp.layers.conv2d({ filters: 6, kernelSize: 2, padding: 'same', activation: 'relu', name: 's_conv2' }),
      lp.layers.flatten(),
      lp.layers.dropout({ rate: 0.3 }),
      lp.layers.dense({ units: 10, activation: 'relu', name: 's_dense1' }),
      lp.layers.dense({ units: 3, activation: 'softmax', name: 's_out' }),
    ]);
    const args = { fraction: 0.5 };
    const plan = lp.pruning.structuredPlan(model, args);
    assert.deepEqual(plan.map((p) => [p.layer, p.keep.length]), [['s_conv1', 4], ['s_conv2', 3], ['s_dense1', 5], ['s_out', 3]]);
    assert.match(plan[3].reason!, /model output/);
    const small = lp.pruneStructured(model, args);
    assert.deepEqual(small.getLayer('s_conv1').getWeights().map((w) => w.shape), [[3, 3, 3, 4], [4]]);
    assert.deepEqual(small.getLayer('s_conv2').getWeights().map((w) => w.shape), [[2, 2, 4, 3], [3]]);
    assert.deepEqual(small.getLayer('s_dense1').getWeights().map((w) => w.shape), [[3 * 3 * 3, 5], [5]]);
    assert.ok(small.countParams() < model.countParams() / 2);
    const x = input(1, [5, 9, 9, 3]);
    zeroPruned(model, plan);
    const want = model.predict(x) as lp.Tensor, got = small.predict(x) as lp.Tensor;
    assertClose(got.dataSync(), want.dataSync(), { atol: 1e-6, rtol: 1e-5 });
    lp.dispose([x, want, got]);
    small.dispose();
    model.dispose();
  });

  it('L2 norms pick the units with the smallest squared kernel norm; BatchNormalization loses their channels', () => {
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 5, kernelSize: 3, inputShape: [6, 6, 2], name: 'b_conv' }),
      lp.layers.batchNormalization({ name: 'b_bn' }),
      lp.layers.activation({ activation: 'relu' }),
      lp.layers.globalAveragePooling2d(),
      lp.layers.dense({ units: 2, name: 'b_out' }),
    ]);
    const plan = lp.pruning.structuredPlan(model, { fraction: 0.4, norm: 'l2' });
    const k = model.getLayer('b_conv').getWeights()[0];
    const v = k.dataSync() as Float32Array;
    const norms = Array.from({ length: 5 }, (_, u) => v.filter((_, i) => i % 5 === u).reduce((a, b) => a + b * b, 0));
    const smallest = [0, 1, 2, 3, 4].sort((a, b) => norms[a] - norms[b]).slice(0, 2);
    assert.deepEqual(plan[0].keep, [0, 1, 2, 3, 4].filter((u) => !smallest.includes(u)));
    const small = lp.pruneStructured(model, { fraction: 0.4, norm: 'l2' });
    assert.deepEqual(small.getLayer('b_bn').getWeights().map((w) => w.shape), [[3], [3], [3], [3]]);
    assert.deepEqual(small.getLayer('b_out').getWeights()[0].shape, [3, 2]);
    const x = input(2, [4, 6, 6, 2]);
    const y = small.predict(x) as lp.Tensor;
    assert.deepEqual(y.shape, [4, 2]);
    lp.dispose([k, x, y]);
    small.dispose();
    model.dispose();
  });

  it('leaves layers that feed a merge (Add) or the output alone, and says so', () => {
    const inp = lp.input({ shape: [6] });
    const a = lp.layers.dense({ units: 8, activation: 'relu', name: 'm_a' }).apply(inp);
    const b = lp.layers.dense({ units: 4, name: 'm_b' }).apply(a);
    const c = lp.layers.dense({ units: 4, name: 'm_c' }).apply(inp);
    const sum = lp.layers.add().apply([b, c]);
    const out = lp.layers.dense({ units: 2, name: 'm_out' }).apply(sum);
    const model = lp.model({ inputs: inp, outputs: out });
    const plan = lp.pruning.structuredPlan(model, { fraction: 0.5 });
    const byName = Object.fromEntries(plan.map((p) => [p.layer, p]));
    assert.equal(byName.m_a.keep.length, 4);
    assert.match(byName.m_b.reason!, /merge layer/);
    assert.match(byName.m_c.reason!, /merge layer/);
    const small = lp.pruneStructured(model, { fraction: 0.5 });
    const x = input(3, [3, 6]);
    zeroPruned(model, plan);
    const want = model.predict(x) as lp.Tensor, got = small.predict(x) as lp.Tensor;
    assertClose(got.dataSync(), want.dataSync(), { atol: 1e-6, rtol: 1e-5 });
    expectError(() => lp.pruneStructured(model, { fraction: 0.5, layers: ['m_b'] }), 'pruneStructured', /cannot be pruned: .*merge/);
    lp.dispose([x, want, got]);
    small.dispose();
    model.dispose();
  });

  it('bad input: fraction outside [0, 1), unknown layer, no layers', () => {
    const model = lp.sequential([lp.layers.dense({ units: 4, inputShape: [3] }), lp.layers.dense({ units: 2 })]);
    for (const f of [1, -0.1, NaN]) expectError(() => lp.pruneStructured(model, { fraction: f }), 'pruneStructured', /fraction must be in \[0, 1\)/);
    expectError(() => lp.pruneStructured(model, { fraction: 0.5, layers: ['ghost'] }), 'pruneStructured', /no layer named "ghost"/);
    expectError(() => lp.pruneStructured(lp.sequential(), { fraction: 0.5 }), 'pruneStructured', /no layers/);
    model.dispose();
  });
});
