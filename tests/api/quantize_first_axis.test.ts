// A model whose input fixes its first axis (an imported time-major graph: that axis is time, not
// the samples; or a graph exported with batch 1) is predicted whole by its int8 version too, as
// LayersModel.predict does, and the fixed size survives the model file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';

await lp.ready();

describe('quantize: a static first axis', () => {
  it('is taken whole (never split into batches of 32), checked, and kept by io.save / io.load', () => {
    // [40 steps, 3 features]: a Dense per step; a split into 32 + 8 rows would still give the same
    // values here, so the check is that the shape is required and kept, and that predict takes
    // batchSize smaller than the axis without splitting it (the f32 model does the same).
    const x = lp.input({ batchShape: [40, 3] });
    const y = lp.layers.dense({ units: 2, kernelInitializer: lp.initializers.glorotUniform({ seed: 3 }) }).apply(x) as lp.SymbolicTensor;
    const model = lp.model({ inputs: x, outputs: y });
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
});
