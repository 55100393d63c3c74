// lp.io round trip of a model that uses every sequence-basics layer (Embedding with maskZero,
// Conv1D causal, MaxPooling1D, TimeDistributed(Dense), AveragePooling1D, the masked global
// poolings), and TimeDistributed configs from a file treated as untrusted input.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { layerFactory } from '../../js-bindings/io/registry.js';
import { noLeak, expectError } from '../helpers/api.js';
import { predictBytes, randomizeWeights, summaryOf, withHeader } from '../helpers/io_models.js';

before(async () => { await lp.ready(); });

/** ids [12] → embedding(maskZero) ─┬─ globalAveragePooling1d (masked) ───────────────────────┐
 *                                  └─ conv1d causal → maxPooling1d → timeDistributed(dense)  │
 *                                     → averagePooling1d → globalMaxPooling1d ───── concatenate → dense */
function everyLayer(): lp.LayersModel {
  const ids = lp.input({ shape: [12], dtype: 'int32', name: 'ids' });
  const e = lp.layers.embedding({ inputDim: 40, outputDim: 6, maskZero: true, embeddingsRegularizer: 'l2' }).apply(ids) as lp.SymbolicTensor;
  const mean = lp.layers.globalAveragePooling1d().apply(e) as lp.SymbolicTensor;
  let h = lp.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu' }).apply(e) as lp.SymbolicTensor;
  h = lp.layers.maxPooling1d({ poolSize: 2 }).apply(h) as lp.SymbolicTensor;
  h = lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 4, activation: 'tanh' }) }).apply(h) as lp.SymbolicTensor;
  h = lp.layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }).apply(h) as lp.SymbolicTensor;
  const peak = lp.layers.globalMaxPooling1d().apply(h) as lp.SymbolicTensor;
  const joined = lp.layers.concatenate().apply([mean, peak]) as lp.SymbolicTensor;
  return lp.model({ inputs: ids, outputs: lp.layers.dense({ units: 2, activation: 'softmax' }).apply(joined) as lp.SymbolicTensor });
}

describe('io: sequence layers', () => {
  it('a model using every new layer round-trips: same predictions (bit for bit), weights, summary, configs', () => {
    const model = everyLayer();
    randomizeWeights(model, 31);
    const file = lp.io.save(model);
    const x = lp.tensor(Array.from({ length: 3 * 12 }, (_, i) => (i % 5 === 4 ? 0 : (i * 7) % 40)), [3, 12], 'int32');
    noLeak(() => {
      const back = lp.io.load(file);
      assert.deepEqual(predictBytes(back, x), predictBytes(model, x));
      assert.deepEqual(summaryOf(back), summaryOf(model));
      assert.deepEqual(back.layers.map((l) => l.getConfig()), model.layers.map((l) => l.getConfig()));
      // (Variable names get a suffix while both models live; shapes and values must match.)
      assert.deepEqual(back.weights.map((w) => w.shape), model.weights.map((w) => w.shape));
      back.weights.forEach((w, i) => assert.deepEqual(w.dataSync(), model.weights[i].dataSync(), `weight ${i}`));
      back.dispose();
    });
    x.dispose();
    model.dispose();
  });

  it('a Sequential starting with an Embedding keeps its int32 input through a round trip', () => {
    const model = lp.sequential([lp.layers.embedding({ inputDim: 9, outputDim: 3, inputLength: 5, maskZero: true }),
      lp.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'same' }), lp.layers.globalAveragePooling1d()]);
    randomizeWeights(model, 32);
    const file = lp.io.save(model);
    const x = lp.tensor([1, 2, 3, 0, 0, 8, 7, 6, 5, 4], [2, 5], 'int32');
    noLeak(() => {
      const back = lp.io.load(file);
      assert.equal(back.constructor, model.constructor);
      assert.equal(back.inputs[0].dtype, 'int32');
      assert.deepEqual(predictBytes(back, x), predictBytes(model, x));
      back.dispose();
    });
    x.dispose();
    model.dispose();
  });

  it('TimeDistributed from a file: config.layer is validated', () => {
    const make = layerFactory('TimeDistributed')!;
    const nest = (depth: number): Record<string, unknown> =>
      depth === 0 ? { className: 'Dense', config: { units: 2 } } : { className: 'TimeDistributed', config: { layer: nest(depth - 1) } };
    noLeak(() => {
      for (const [layer, re] of [
        ['Dense', /config.layer must be \{className: string, config: object\}/],
        [{ className: 'Dense' }, /config.layer must be/],
        [{ className: 'Dense', config: [] }, /config.layer must be/],
        [{ className: 'NoSuchLayer', config: {} }, /unknown className 'NoSuchLayer'/],
        [{ className: 'InputLayer', config: { batchInputShape: [null, 2] } }, /unknown className 'InputLayer'/],
        [nest(6).config as Record<string, unknown>, /nest more than 4 deep/],
      ] as [unknown, RegExp][]) {
        assert.throws(() => make({ layer: (layer as { layer?: unknown })?.layer ?? layer }), re);
      }
      assert.throws(() => make({ layer: { className: 'Dense', config: { units: -1 } } }), /Dense: 'units' must be a positive integer/);
      const ok = make({ layer: nest(2) });
      assert.equal(ok.className, 'TimeDistributed');
      ok.dispose();
    });
  });

  it('a file with a bad TimeDistributed layer gives a clear io.load Error, and nothing leaks', () => {
    const ids = lp.input({ shape: [4, 3] });
    const model = lp.model({ inputs: ids, outputs: lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 2 }), name: 'td' }).apply(ids) as lp.SymbolicTensor });
    const file = lp.io.save(model);
    model.dispose();
    // Rewrite the inner layer inside the JSON header (with a valid checksum): each must fail in the loader.
    const text = new TextDecoder().decode(file);
    assert.ok(text.includes('"className":"Dense"'));
    for (const [from, to, re] of [['"className":"Dense"', '"className":"Dxnse"', /layer 'td' \(TimeDistributed\): TimeDistributed: config.layer has unknown className 'Dxnse'/],
      ['"units":2', '"units":-2', /layer 'td' \(TimeDistributed\): Dense: 'units' must be a positive integer/],
      ['"className":"Dense","config":{', '"className":"Dense","config":7,"x":{', /config.layer must be/]] as const) {
      const bad = withHeader(file, (json) => { json.config = JSON.parse(JSON.stringify(json.config).replace(from, to)); });
      expectError(() => lp.io.load(bad), 'io.load', re);
    }
  });
});
