// Quantization-aware training: the fakeQuant op and its straight-through gradient, quantizeAware()
// rebuilding a model with weight and activation quantizers, fine-tuning it with fit (ranges are
// learned, the forward pass computes with per-channel quantized kernels), and its bad inputs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError, noLeak } from '../helpers/api.js';

await lp.ready();

function smallCnn(seed: number): lp.LayersModel {
  return lp.sequential([
    lp.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], kernelInitializer: lp.initializers.glorotUniform({ seed }) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: seed + 1 }) }),
  ]);
}

describe('fakeQuant', () => {
  it('passes the gradient straight through inside the range and stops it outside', () => {
    const x = lp.tensor([-1, -0.04, 0, 0.05, 0.3, 0.5, 2, 7], [2, 4]);
    const s = lp.tensor([0.1]), z = lp.tensor([0]);
    const g = lp.grad((t) => lp.sum(lp.fakeQuant(t, s, z, { qmin: -5, qmax: 5 })))(x);
    assert.deepEqual([...g.dataSync()], [0, 1, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual([...lp.fakeQuant(x, s, z, { qmin: -5, qmax: 5 }).dataSync()].map((v) => Math.round(v * 10)),
      [-5, 0, 0, 0, 3, 5, 5, 5]); // 0.05 / 0.1 = 0.5 rounds to even (0)
    lp.dispose([x, s, z, g]);
  });

  it('per channel: each column its own scale and zero point', () => {
    const x = lp.tensor([0.26, 0.26, -0.26, -0.26], [2, 2]);
    const s = lp.tensor([0.1, 0.2]), z = lp.tensor([1, 0]);
    assert.deepEqual([...lp.fakeQuant(x, s, z, { qmin: 0, qmax: 10 }).dataSync()].map((v) => Math.round(v * 100)),
      [30, 20, -10, 0]);
    lp.dispose([x, s, z]);
  });

  it('bad scales, zero points and ranges are clear errors', () => {
    const x = lp.zeros([2, 3]), s2 = lp.tensor([1, 1]), z1 = lp.tensor([0]), s1 = lp.tensor([1]), z2 = lp.tensor([0, 0]);
    expectError(() => lp.fakeQuant(x, s2, z2, { qmin: 0, qmax: 1 }), 'fakeQuant', /last dimension to be 2/);
    expectError(() => lp.fakeQuant(x, s2, z1, { qmin: 0, qmax: 1 }), 'fakeQuant', /one non-zero length/);
    expectError(() => lp.fakeQuant(x, s1, z1, { qmin: 3, qmax: 3 }), 'fakeQuant', /qmin < qmax/);
    lp.dispose([x, s2, z1, s1, z2]);
  });
});

describe('quantizeAware', () => {
  it('learns activation ranges in fit and computes with per-channel quantized kernels', async () => {
    const model = smallCnn(3);
    const qat = lp.quantizeAware(model);
    assert.ok(lp.isQuantizeAware(qat));
    assert.equal(qat.layers.filter((l) => l instanceof lp.FakeQuant).length, 2, 'the input and the conv output');
    qat.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = lp.randomUniform([32, 8, 8, 1], 0, 1, 'float32', 5);
    const y = lp.oneHot(lp.tensor(Int32Array.from({ length: 32 }, (_, i) => i % 3), [32], 'int32'), 3);
    await qat.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const ranges = lp.qatRanges(qat);
    assert.ok(ranges.inputs[0] !== null && ranges.inputs[0][0] >= 0 && ranges.inputs[0][1] <= 1 && ranges.inputs[0][1] > 0.9);
    const convRange = ranges.outputs.get(qat.layers.find((l) => l.className === 'Conv2D')!.name);
    assert.ok(convRange !== undefined && convRange[0] === 0 && convRange[1] > 0, `conv range ${convRange}`);
    // The dense layer computes with its kernel quantized per output channel: recompute it by hand.
    const dense = qat.layers.find((l) => l.className === 'Dense')!;
    const k = (dense.weights[0] as lp.Tensor).dataSync();
    const q = dense.weights[0] as lp.Tensor;
    const viaTransform = dense.kernelTransform!(q as lp.Variable).dataSync();
    const units = 3, rows = k.length / units;
    for (let c = 0; c < units; c++) {
      let m = 0;
      for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(k[r * units + c]));
      const scale = Math.fround(m / 127);
      for (let r = 0; r < rows; r++) {
        const i = r * units + c;
        assert.ok(Math.abs(viaTransform[i] - Math.round(k[i] / scale) * scale) <= 1e-6 * m, `kernel [${r}, ${c}]`);
      }
    }
    // The original model was copied, not changed: its kernels differ from the fine-tuned ones.
    assert.notDeepEqual([...model.layers.find((l) => l.className === 'Dense')!.weights[0].dataSync()], [...k]);
    assert.equal(model.layers.find((l) => l.className === 'Dense')!.kernelTransform, null);
    // Quantized and float forward passes agree closely.
    const pq = qat.predict(x) as lp.Tensor, pf = model.predict(x) as lp.Tensor;
    const a = pq.dataSync(), b = pf.dataSync();
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst < 0.05, `QAT and float outputs differ by ${worst}`);
    noLeak(() => { for (let i = 0; i < 20; i++) (qat.predict(x) as lp.Tensor).dispose(); });
    // A checkpoint of the quantization-aware model: FakeQuant ranges and kernel quantizers come back.
    const back = lp.io.load<lp.LayersModel>(lp.io.save(qat));
    assert.ok(lp.isQuantizeAware(back));
    const pb = back.predict(x) as lp.Tensor;
    assert.deepEqual([...pb.dataSync()], [...pq.dataSync()]);
    assert.deepEqual(lp.qatRanges(back).inputs, ranges.inputs);
    pb.dispose();
    back.dispose();
    lp.dispose([x, y, pq, pf]);
  });

  it('bad inputs are clear errors', () => {
    expectError(() => lp.quantizeAware({} as lp.LayersModel), 'quantizeAware', /expects a LayersModel/);
    const pool = lp.sequential([lp.layers.maxPooling2d({ poolSize: 2, inputShape: [4, 4, 1] })]);
    expectError(() => lp.quantizeAware(pool), 'quantizeAware', /no layer to quantize/);
    const qat = lp.quantizeAware(smallCnn(9));
    expectError(() => lp.quantizeAware(qat), 'quantizeAware', /already quantization-aware/);
    const other = smallCnn(4);
    expectError(() => lp.quantizeAware(other, { weightQmax: 200 }), 'quantizeAware', /weightQmax/);
  });
});
