// Quantized models in model files and quantization-aware models converted to int8: int8, dynamic
// and float16 models round-trip through lp.io with identical predictions; the int8 MNIST CNN
// file is at most 26% of the f32 one; a fine-tuned quantizeAware model converts with the ranges
// it learned (no calibration data needed) and predicts like its fake-quantized self.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError } from '../helpers/api.js';
import { mnistCnn } from '../helpers/cnn.js';

await lp.ready();


const bytesOf = (t: lp.Tensor) => new Uint8Array(t.dataSync().buffer.slice(0));

describe('quantized models in model files', () => {
  it('int8 and dynamic MNIST CNNs round-trip bit-identically; the int8 file is <= 26% of the f32 file', () => {
    const model = mnistCnn({ seed: 1 });
    const x = lp.randomUniform([16, 28, 28, 1], 0, 1, 'float32', 2);
    const f32File = lp.io.save(model);
    for (const mode of ['int8', 'dynamic'] as const) {
      const q = lp.quantize(model, { mode, calibrationData: x });
      const file = lp.io.save(q);
      if (mode === 'int8') assert.ok(file.length <= 0.26 * f32File.length, `int8 file ${file.length} of f32 ${f32File.length}`);
      const info = lp.io.inspect(file);
      assert.equal(info.kind, 'quantized');
      // From a Node Buffer at an odd offset in a shared pool (what fs.readFile gives): Buffer.slice does not copy.
      const pooled = Buffer.alloc(file.length + 7);
      pooled.set(file, 7);
      const back = lp.io.load<lp.QuantizedModel>(pooled.subarray(7));
      assert.ok(back instanceof lp.QuantizedModel);
      const [a, b] = [q, back].map((m) => m.predict(x) as lp.Tensor);
      assert.deepEqual(bytesOf(a), bytesOf(b), `${mode}: predictions after a reload`);
      lp.dispose([a, b]);
      q.dispose();
      back.dispose();
    }
    model.dispose();
    x.dispose();
  });

  it("quantize mode 'float16' returns a LayersModel stored at half size", () => {
    const model = mnistCnn({ seed: 2 });
    const half = lp.quantize(model, { mode: 'float16' });
    assert.ok(half instanceof lp.LayersModel);
    const ratio = lp.io.save(half).length / lp.io.save(model).length;
    assert.ok(ratio > 0.45 && ratio < 0.52, `float16 file is ${ratio} of f32`);
    half.dispose();
    model.dispose();
  });
});

describe('quantization-aware models to int8', () => {
  it('convert with their learned ranges, and predict like the fake-quantized model', async () => {
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 1], kernelInitializer: lp.initializers.glorotUniform({ seed: 7 }) }),
      lp.layers.maxPooling2d({ poolSize: 2 }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 16, activation: 'relu', kernelInitializer: lp.initializers.glorotUniform({ seed: 8 }) }),
      lp.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: 9 }) }),
    ]);
    const x = lp.randomUniform([64, 10, 10, 1], 0, 1, 'float32', 3);
    const y = lp.oneHot(lp.tensor(Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 3), [64], 'int32'), 3);
    const qat = lp.quantizeAware(model);
    qat.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await qat.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
    const learned = lp.quantize(qat, { mode: 'int8' });
    const calibrated = lp.quantize(qat, { mode: 'int8', calibrationData: x });
    const [pq, pl, pc] = [qat, learned, calibrated].map((m) => (m.predict(x) as lp.Tensor).dataSync());
    let worst = 0;
    for (let i = 0; i < pq.length; i++) worst = Math.max(worst, Math.abs(pq[i] - pl[i]));
    assert.ok(worst < 0.02, `int8 from QAT differs from the fake-quantized model by ${worst}`);
    // Calibration data only fills ranges QAT did not learn: here it learned them all.
    assert.deepEqual([...pl], [...pc]);
    expectError(() => lp.quantize(qat, { mode: 'float16' }), 'quantize', /converts to int8, not float16/);
    for (const m of [learned, calibrated, qat, model]) m.dispose();
    lp.dispose([x, y]);
  });

  it('an untrained quantizeAware model has no ranges: int8 needs calibration data', () => {
    const qat = lp.quantizeAware(mnistCnn({ seed: 3 }));
    expectError(() => lp.quantize(qat, { mode: 'int8' }), 'quantize', /no calibration range/);
    qat.dispose();
  });
});
