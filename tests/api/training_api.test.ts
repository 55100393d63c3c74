// The training API's contracts: callbacks, validation, class weights, evaluate / predict /
// trainOnBatch / fitDataset, weights in TF.js's order, every bad input named in a clear Error
// (training still works after it), and memory flat over a long run.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { values } from '../helpers/grad_check.js';

before(async () => { await lp.ready(); });

function data(n: number, seed: number) {
  const xv = values(n * 4, seed);
  const yv = new Float32Array(n * 3);
  const lv = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = (xv[i * 4] > 0 ? 1 : 0) + (xv[i * 4 + 1] > 0.3 ? 1 : 0);
    lv[i] = c;
    yv[i * 3 + c] = 1;
  }
  return { x: lp.tensor(xv, [n, 4]), y: lp.tensor(yv, [n, 3]), labels: lp.tensor(lv, [n], 'int32') };
}

function model(seed = 1): lp.LayersModel {
  const m = lp.sequential([
    lp.layers.dense({ units: 12, activation: 'relu', inputShape: [4], kernelInitializer: lp.initializers.heNormal({ seed }) }),
    lp.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: lp.initializers.glorotNormal({ seed: seed + 1 }) }),
  ]);
  m.compile({ optimizer: lp.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('training API', () => {
  it('callbacks run in order; earlyStopping stops and restores the best weights', async () => {
    const d = data(60, 1);
    const m = model();
    const events: string[] = [];
    const hooks = {
      onTrainBegin: () => { events.push('trainBegin'); },
      onEpochBegin: (e: number) => { events.push(`epochBegin ${e}`); },
      onBatchEnd: async (b: number) => { events.push(`batchEnd ${b}`); },
      onEpochEnd: (e: number, logs?: Record<string, number>) => { events.push(`epochEnd ${e} ${Object.keys(logs ?? {}).join(',')}`); },
      onTrainEnd: () => { events.push('trainEnd'); },
    };
    await m.fit(d.x, d.y, { epochs: 2, batchSize: 30, verbose: 0, callbacks: hooks, validationSplit: 0.5 });
    assert.deepEqual(events, ['trainBegin', 'epochBegin 0', 'batchEnd 0', 'epochEnd 0 loss,acc,val_loss,val_acc',
      'epochBegin 1', 'batchEnd 0', 'epochEnd 1 loss,acc,val_loss,val_acc', 'trainEnd']);
    // A learning rate so high that val_loss gets worse: patience 1 stops early.
    m.optimizer!.learningRate = 5;
    const stop = lp.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
    const h = await m.fit(d.x, d.y, { epochs: 30, batchSize: 10, verbose: 0, callbacks: [stop], validationData: [d.x, d.y] });
    assert.ok(h.epoch.length < 30, `ran ${h.epoch.length} epochs`);
    const best = Math.min(...h.history.val_loss);
    const now = m.evaluate(d.x, d.y) as lp.Tensor[];
    assert.ok(Math.abs(now[0].dataSync()[0] - best) < 1e-4, `restored ${now[0].dataSync()[0]} vs best ${best}`);
    lp.dispose(now);
    m.dispose();
    lp.dispose(d);
  });

  it('learningRateScheduler and reduceLROnPlateau change the learning rate', async () => {
    const d = data(40, 2);
    const m = model();
    const seen: number[] = [];
    await m.fit(d.x, d.y, { epochs: 3, verbose: 0, callbacks: [lp.callbacks.learningRateScheduler((e) => 0.1 / (e + 1)),
      { onEpochEnd: () => { seen.push(m.optimizer!.learningRate); } }] });
    assert.deepEqual(seen, [0.1, 0.05, 0.1 / 3]);
    m.optimizer!.learningRate = 1e-9; // nothing improves
    const h = await m.fit(d.x, d.y, { epochs: 4, verbose: 0,
      callbacks: [lp.callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 1 })] });
    assert.ok(m.optimizer!.learningRate < 1e-9, `lr ${m.optimizer!.learningRate}`);
    assert.ok(h.history.lr.length === 4);
    m.dispose();
    lp.dispose(d);
  });

  it('classWeight weights the loss per class', async () => {
    const d = data(30, 3);
    const plain = model(5), weighted = model(5);
    const a = await plain.fit(d.x, d.y, { epochs: 1, batchSize: 30, verbose: 0, shuffle: false });
    const b = await weighted.fit(d.x, d.y, { epochs: 1, batchSize: 30, verbose: 0, shuffle: false, classWeight: { 0: 3, 1: 1, 2: 1 } });
    assert.ok(b.history.loss[0] > a.history.loss[0], `${b.history.loss[0]} vs ${a.history.loss[0]}`);
    plain.dispose();
    weighted.dispose();
    lp.dispose(d);
  });

  it('evaluate, predict in batches, trainOnBatch, fitDataset', async () => {
    const d = data(70, 4);
    const m = model();
    const p1 = m.predict(d.x, { batchSize: 8 }) as lp.Tensor, p2 = m.predict(d.x, { batchSize: 100 }) as lp.Tensor;
    assert.deepEqual(p1.shape, [70, 3]);
    const a = p1.dataSync(), b = p2.dataSync();
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
    lp.dispose([p1, p2]);
    const r = await m.trainOnBatch(d.x, d.y);
    assert.ok(Array.isArray(r) && r.length === 2);
    const batches = lp.data.batches(d.x, d.y, { batchSize: 16, seed: 1 });
    const h = await m.fitDataset(batches, { epochs: 2, verbose: 0 });
    assert.equal(h.history.loss.length, 2);
    const ev = m.evaluate(d.x, d.y, { batchSize: 7 }) as lp.Tensor[];
    const ev2 = m.evaluate(d.x, d.y, { batchSize: 70 }) as lp.Tensor[];
    assert.ok(Math.abs(ev[0].dataSync()[0] - ev2[0].dataSync()[0]) < 1e-5, 'loss independent of batch size');
    assert.equal(ev[1].dataSync()[0], ev2[1].dataSync()[0], 'accuracy independent of batch size');
    lp.dispose([ev, ev2]);
    m.dispose();
    lp.dispose(d);
  });

  it('weights come in TF.js order with TF.js shapes; setWeights round-trips', () => {
    const m = lp.sequential([
      lp.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2] }),
      lp.layers.batchNormalization(),
      lp.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2 }),
      lp.layers.separableConv2d({ filters: 3, kernelSize: 2 }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 5 }),
    ]);
    const shapes = m.weights.map((w) => `${w.name.replace(/_\d+\//, '/')} [${w.shape}]`);
    // Every layer's trainable weights first, then the non-trainable ones (tfjs-layers' Container.weights).
    assert.deepEqual(shapes, ['conv2d/kernel [3,3,2,4]', 'conv2d/bias [4]', 'batch_normalization/gamma [4]',
      'batch_normalization/beta [4]', 'depthwise_conv2d/depthwise_kernel [2,2,4,2]', 'depthwise_conv2d/bias [8]',
      'separable_conv2d/depthwise_kernel [2,2,8,1]', 'separable_conv2d/pointwise_kernel [1,1,8,3]', 'separable_conv2d/bias [3]',
      'dense/kernel [12,5]', 'dense/bias [5]', 'batch_normalization/moving_mean [4]', 'batch_normalization/moving_variance [4]']);
    const w = m.getWeights();
    const bumped = lp.tidy(() => w.map((t) => lp.add(t, 1)));
    m.setWeights(bumped);
    const back = m.getWeights();
    back.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from(bumped[i].dataSync())));
    lp.dispose([w, bumped, back]);
    m.dispose();
  });

  it('bad input: clear Errors, and training works afterwards', async () => {
    const d = data(20, 6);
    const m = lp.sequential([lp.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })]);
    const before = lp.memory().numTensors;
    await assert.rejects(m.fit(d.x, d.y), /fit: the model must be compiled first/);
    assert.throws(() => m.compile({ optimizer: 'adamax-nope', loss: 'mse' }), /compile: unknown optimizer 'adamax-nope'/);
    assert.throws(() => m.compile({ optimizer: 'adam', loss: 'nope' }), /compile: unknown loss 'nope'/);
    assert.throws(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['nope'] }), /compile: unknown metric 'nope'/);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const short = lp.slice(d.labels, [0], [19]);
    await assert.rejects(m.fit(d.x, short), /fit: x has 20 samples but y \[19\] has 19/);
    const wrong = lp.zeros([20, 5]);
    await assert.rejects(m.fit(wrong, d.labels), /fit: input 0 must have shape \[null,4\], got \[20,5\]/);
    assert.throws(() => m.predict(wrong), /predict: input 0 must have shape \[null,4\], got \[20,5\]/);
    const bad = lp.tensor([0, 1, 7, 2, ...new Array(16).fill(0)], [20], 'int32');
    await assert.rejects(m.fit(d.x, bad, { verbose: 0 }), /sparseSoftmaxCrossEntropy: label 7 at row \d+ is out of range \[0, 3\)/);
    const nanX = lp.tensor(new Float32Array(80).fill(NaN), [20, 4]);
    const weightsBefore = m.getWeights();
    await assert.rejects(m.fit(nanX, d.labels, { verbose: 0, batchSize: 10 }), /fit: the loss is NaN at epoch 1, batch 1 of 2/);
    const weightsAfter = m.getWeights();
    weightsAfter.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from(weightsBefore[i].dataSync())));
    lp.dispose([short, wrong, bad, nanX, weightsBefore, weightsAfter]);
    assert.equal(lp.memory().numTensors, before, 'nothing leaked by the failed calls');
    const h = await m.fit(d.x, d.labels, { epochs: 2, verbose: 0 });
    assert.ok(Number.isFinite(h.history.loss[1]));
    m.dispose();
    lp.dispose(d);
  });

  it('steady-state training does not grow memory: bytes after step 100 equal those after step 2', async () => {
    const d = data(64, 7);
    const m = lp.sequential([
      lp.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [4, 4, 1], padding: 'same', activation: 'relu' }),
      lp.layers.batchNormalization(),
      lp.layers.flatten(),
      lp.layers.dropout({ rate: 0.1 }),
      lp.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = lp.reshape(lp.concat([d.x, d.x, d.x, d.x], 1), [64, 4, 4, 1]);
    const usage: { bytes: number; peak: number; tensors: number }[] = [];
    await m.fit(x, d.y, { epochs: 100, batchSize: 64, verbose: 0, callbacks: { onBatchEnd: () => {
      const mem = lp.memory();
      usage.push({ bytes: mem.numBytes, peak: mem.peakBytes, tensors: mem.numTensors });
    } } });
    assert.equal(usage.length, 100);
    assert.deepEqual(usage[99], usage[1], `step 2 ${JSON.stringify(usage[1])}, step 100 ${JSON.stringify(usage[99])}`);
    x.dispose();
    m.dispose();
    lp.dispose(d);
  });
});
