// A model whose input fixes its first axis (an imported time-major graph: that axis is time, not
// the samples; or a graph exported with batch 1, whose int8 version calibrates one sample at a
// time) takes its data whole: fit steps on all of it in
// order (never sliced or shuffled along that axis), evaluate and predict do not split it, its int8
// version neither, and the fixed size survives the model file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';

await lp.ready();

/** [40, 3] → Dense(2), seeded: the first axis is fixed at 40. */
function fixedModel(): lp.LayersModel {
  const x = lp.input({ batchShape: [40, 3] });
  const y = lp.layers.dense({ units: 2, kernelInitializer: lp.initializers.glorotUniform({ seed: 3 }) }).apply(x) as lp.SymbolicTensor;
  const model = lp.model({ inputs: x, outputs: y });
  model.compile({ optimizer: lp.train.sgd(0.1), loss: 'meanSquaredError' });
  return model;
}

describe('a static first input axis', () => {
  it('fit takes the data whole and in order, whatever batchSize and shuffle say; evaluate does not split it', async () => {
    const data = lp.randomNormal([40, 3], 0, 1, 'float32', 4), target = lp.randomNormal([40, 2], 0, 1, 'float32', 5);
    const a = fixedModel(), b = fixedModel();
    try {
      await a.fit(data, target, { epochs: 3, batchSize: 8, verbose: 0, seed: 1 });
      await b.fit(data, target, { epochs: 3, batchSize: 40, shuffle: false, verbose: 0 });
      a.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), b.getWeights()[i].dataSync(), `weight ${i}`));
      const la = a.evaluate(data, target, { batchSize: 8 }) as lp.Tensor, lb = b.evaluate(data, target, { batchSize: 40 }) as lp.Tensor;
      assert.equal(la.dataSync()[0], lb.dataSync()[0]);
      lp.dispose([la, lb]);
      await assert.rejects(a.fit(data, target, { validationSplit: 0.25, verbose: 0 }), /validationSplit needs a sample axis first.*size 40/);
    } finally {
      a.dispose(); b.dispose(); lp.dispose([data, target]);
    }
  });

  it('quantize: its int8 model takes it whole (never split into batches of 32), checks it, and io.save / io.load keep it', () => {
    // [40 steps, 3 features]: a Dense per step; a split into 32 + 8 rows would still give the same
    // values here, so the check is that the shape is required and kept, and that predict takes
    // batchSize smaller than the axis without splitting it (the f32 model does the same).
    const model = fixedModel();
    const data = lp.randomNormal([40, 3], 0, 1, 'float32', 4);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: data });
    const back = lp.io.load(lp.io.save(q)) as typeof q;
    try {
      assert.equal(q.firstAxis, 40);
      assert.equal(back.firstAxis, 40);
      const f32 = model.predict(data, { batchSize: 8 }) as lp.Tensor;
      for (const m of [q, back]) {
        const int8 = m.predict(data, { batchSize: 8 });
        assert.deepEqual(int8.shape, [40, 2]);
        const a = int8.dataSync(), b = f32.dataSync();
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 0.1, `${i}: ${a[i]} vs ${b[i]}`);
        int8.dispose();
        const other = lp.randomNormal([8, 3], 0, 1, 'float32', 5);
        assert.throws(() => m.predict(other), /predict: input must have shape \[40,3\], got \[8,3\]/);
        other.dispose();
      }
      f32.dispose();
    } finally {
      q.dispose(); back.dispose(); model.dispose(); data.dispose();
    }
  });

  it('quantize: a first axis fixed at 1 (a batch-1 export) calibrates on any number of samples, one at a time', () => {
    const x = lp.input({ batchShape: [1, 6] });
    const h = lp.layers.dense({ units: 5, activation: 'relu', kernelInitializer: lp.initializers.glorotUniform({ seed: 7 }) }).apply(x) as lp.SymbolicTensor;
    const model = lp.model({ inputs: x, outputs: lp.layers.dense({ units: 3, kernelInitializer: lp.initializers.glorotUniform({ seed: 8 }) }).apply(h) as lp.SymbolicTensor });
    // samples of very different scales: ranges from the first sample alone would clip the others
    const cal = lp.tidy(() => lp.mul(lp.randomNormal([16, 6], 0, 1, 'float32', 9), lp.tensor(Array.from({ length: 16 }, (_, i) => 0.2 + 0.25 * i), [16, 1])));
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    try {
      assert.equal(q.firstAxis, 1);
      // every sample against the f32 model, on the scale of all outputs (clipped ranges would miss
      // the large samples by far more)
      const outs = Array.from({ length: 16 }, (_, i) => lp.tidy(() => {
        const xi = lp.slice(cal, [i], [1]);
        return [q.predict(xi).dataSync(), (model.predict(xi) as lp.Tensor).dataSync()];
      }));
      const scale = Math.max(...outs.flatMap(([, b]) => Array.from(b, Math.abs)));
      const err = Math.max(...outs.flatMap(([a, b]) => Array.from(a, (v, j) => Math.abs(v - b[j]))));
      assert.ok(err < 0.05 * scale, `int8 off by ${err} on outputs up to ${scale}`);
      assert.throws(() => lp.quantize(model, { mode: 'int8', calibrationData: lp.zeros([4, 5]) }), /calibrationData must have shape \[null,6\]/);
    } finally {
      q.dispose(); model.dispose(); cal.dispose();
    }
  });
});
