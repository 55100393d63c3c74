// lp.quantize: the MNIST-style CNN in int8 against its f32 model (argmax agreement, bounded
// error), the calibration methods, dynamic mode, BatchNormalization folding, depthwise and
// pooling layers, f32 fallbacks (reported), batching, no leaks over 1000 predictions, the
// artifacts round trip (bit-identical) with corrupted inputs rejected, the 1 MiB batch-1 budget,
// and every bad input as a clear Error.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { engine } from '../../js-bindings/engine.js';
import { expectError, noLeak } from '../helpers/api.js';
import { mnistCnn } from '../helpers/cnn.js';
import { fromArtifacts, toArtifacts } from '../../js-bindings/quantize/index.js';
import { dequantizeTensor, quantizeTensor } from '../../js-bindings/quantize/kernels.js';


/** Smooth random "digits": blobs on a dark background, so activations look like real images'. */
function images(n: number, seed: number): lp.Tensor {
  return lp.tidy(() => {
    const noise = lp.randomUniform([n, 28, 28, 1], 0, 1, 'float32', seed);
    return lp.maxPool(lp.avgPool(noise, 3, 1, 'same'), 2, 1, 'same');
  });
}

interface Agreement { argmax: number; maxAbs: number }
function compare(a: lp.Tensor, b: lp.Tensor): Agreement {
  const r = compare2(a, b);
  if (process.env.INT8_DEBUG) console.log('agreement', r);
  return r;
}
function compare2(a: lp.Tensor, b: lp.Tensor): Agreement {
  const x = a.dataSync() as Float32Array, y = b.dataSync() as Float32Array;
  const classes = a.shape[1];
  let same = 0, maxAbs = 0;
  for (let i = 0; i < a.shape[0]; i++) {
    const row = (v: Float32Array) => Array.from(v.subarray(i * classes, (i + 1) * classes));
    const ax = row(x), ay = row(y);
    if (ax.indexOf(Math.max(...ax)) === ay.indexOf(Math.max(...ay))) same++;
    for (let j = 0; j < classes; j++) maxAbs = Math.max(maxAbs, Math.abs(ax[j] - ay[j]));
  }
  return { argmax: same / a.shape[0], maxAbs };
}

/** Logits big enough that the softmax output is not uniform: scale the last layer's kernel. */
function sharpen(model: lp.LayersModel): void {
  const w = model.getWeights();
  const last = w.length - 2;
  const scaled = lp.mul(w[last], 8);
  w[last].dispose();
  w[last] = scaled;
  model.setWeights(w);
  lp.dispose(w);
}

describe('quantize (int8) on the MNIST-style CNN', () => {
  let model: lp.LayersModel, cal: lp.Tensor, test: lp.Tensor, ref: lp.Tensor;
  before(async () => {
    await lp.ready();
    model = mnistCnn();
    sharpen(model);
    cal = images(64, 1);
    test = images(100, 2);
    ref = model.predict(test) as lp.Tensor;
  });

  for (const calibration of ['minmax', 'percentile', 'mse'] as const) {
    it(`${calibration} calibration: int8 predictions agree with f32`, () => {
      const q = lp.quantize(model, { mode: 'int8', calibrationData: cal, calibration });
      assert.deepEqual(q.fallbacks, []);
      assert.ok(q.layers.every((l) => l.int8 || l.op === 'activation'), JSON.stringify(q.layers));
      const y = q.predict(test);
      assert.deepEqual(y.shape, [100, 10]);
      const { argmax, maxAbs } = compare(ref, y);
      assert.ok(argmax >= 0.95, `argmax agreement ${argmax}`);
      assert.ok(maxAbs < 0.03, `max abs error ${maxAbs}`);
      y.dispose();
      q.dispose();
    });
  }

  it('dynamic mode (int8 weights, activations per batch) agrees with f32, and round-trips', () => {
    const q = lp.quantize(model, { mode: 'dynamic' });
    assert.deepEqual(q.steps.map((s) => s.op), ['conv2d', 'pool_f32', 'conv2d', 'pool_f32', 'reshape', 'dense', 'dense', 'activation']);
    const art = toArtifacts(q);
    const back = fromArtifacts(JSON.parse(JSON.stringify(art.config)), art.tensors);
    const y = q.predict(test), y2 = back.predict(test);
    assert.deepEqual(y.dataSync(), y2.dataSync());
    lp.dispose(y2);
    back.dispose();
    const { argmax, maxAbs } = compare(ref, y);
    assert.ok(argmax >= 0.95, `argmax agreement ${argmax}`);
    assert.ok(maxAbs < 0.03, `max abs error ${maxAbs}`);
    y.dispose();
    q.dispose();
  });

  it('predicts the same bits in batches as in one go, and prints a summary', () => {
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const a = q.predict(test), b = q.predict(test, { batchSize: 7 });
    assert.deepEqual(a.dataSync(), b.dataSync());
    const lines: string[] = [];
    q.summary((l) => lines.push(l));
    assert.match(lines.join('\n'), /conv2d 9x32 int8 weights, int8 in, int8 out, relu/);
    assert.match(lines.join('\n'), /dense 128x10 int8 weights, int8 in, f32 out, linear/);
    lp.dispose([a, b]);
    q.dispose();
  });

  it('leaks nothing over 1000 predictions', () => {
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const one = lp.slice(test, [0], [1]);
    q.predict(one).dispose(); // first call
    noLeak(() => {
      for (let i = 0; i < 1000; i++) q.predict(one).dispose();
    });
    one.dispose();
    q.dispose();
  });

  it('round-trips through toArtifacts / fromArtifacts with identical predictions', () => {
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const art = toArtifacts(q);
    const json = JSON.parse(JSON.stringify(art.config));
    const back = fromArtifacts(json, art.tensors.map((t) => ({ ...t, bytes: t.bytes.slice() })));
    const a = q.predict(test), b = back.predict(test);
    assert.deepEqual(a.dataSync(), b.dataSync());
    assert.ok(art.tensors.some((t) => t.dtype === 'int8' && t.quantization?.scale.length === 32));
    lp.dispose([a, b]);
    back.dispose();
    q.dispose();
  });

  it('runs a loaded int8 model at batch 1 within 1 MiB of linear memory', () => {
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const art = toArtifacts(q);
    q.dispose();
    const one = lp.slice(test, [0], [1]);
    const base = lp.memory().numBytes;
    engine.k.arena_reset_peak();
    const back = fromArtifacts(art.config, art.tensors);
    back.predict(one).dispose();
    const peak = lp.memory().peakBytes - base;
    assert.ok(peak < 1 << 20, `peak ${peak} bytes`);
    back.dispose();
    one.dispose();
  });

  it('rejects corrupted artifacts with io.load errors and leaks nothing', () => {
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const art = toArtifacts(q);
    q.dispose();
    const edits: [string, (c: any, t: lp.Tensor[] | any[]) => void][] = [
      ['format', (c) => { c.format = 'x'; }],
      ['version', (c) => { c.version = 99; }],
      ['slot order', (c) => { c.steps[1].in = 40; }],
      ['a zero point out of range', (c) => { c.steps[0].qp.zeroPoint = 300; }],
      ['a negative scale', (c) => { c.steps[1].inQ.scale = -1; }],
      ['geometry', (c) => { c.steps[1].geom.h = 27; }],
      ['k', (c) => { c.steps[1].k = 10; }],
      ['truncated weights', (_c, t) => { t[0].bytes = t[0].bytes.subarray(0, 5); }],
      ['a missing bias', (_c, t) => { t.splice(1, 1); }],
      ['NaN scales', (_c, t) => { t[0].quantization.scale[3] = NaN; }],
      ['unknown op', (c) => { c.steps[2].op = 'lstm'; }],
      ['an int8 output', (c) => { c.output = 1; }],
    ];
    for (const [what, edit] of edits) {
      const c = JSON.parse(JSON.stringify(art.config));
      const t = art.tensors.map((x) => ({ ...x, bytes: x.bytes.slice(), quantization: x.quantization && { ...x.quantization, scale: [...x.quantization.scale] } }));
      edit(c, t);
      expectError(() => fromArtifacts(c, t), 'io.load', /corrupted quantized model/);
      assert.ok(what);
    }
    expectError(() => fromArtifacts(null, []), 'io.load');
  });
});

describe('quantize: other layers', () => {
  before(async () => { await lp.ready(); });

  it('folds BatchNormalization, runs depthwise / average / global pooling in int8, reports f32 fallbacks', () => {
    const input = lp.input({ shape: [12, 12, 3] });
    let x = lp.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(input) as lp.SymbolicTensor;
    x = lp.layers.batchNormalization().apply(x) as lp.SymbolicTensor;
    x = lp.layers.activation({ activation: 'relu' }).apply(x) as lp.SymbolicTensor;
    const d = lp.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu6' }).apply(x) as lp.SymbolicTensor;
    const p = lp.layers.averagePooling2d({ poolSize: 2 }).apply(d) as lp.SymbolicTensor;
    const skip = lp.layers.conv2d({ filters: 16, kernelSize: 1, strides: 2 }).apply(x) as lp.SymbolicTensor;
    const sum = lp.layers.add().apply([p, skip]) as lp.SymbolicTensor;
    const g = lp.layers.globalAveragePooling2d().apply(sum) as lp.SymbolicTensor;
    const h = lp.layers.dense({ units: 12, activation: 'tanh' }).apply(g) as lp.SymbolicTensor;
    const out = lp.layers.dense({ units: 5, activation: 'softmax' }).apply(lp.layers.dropout({ rate: 0.3 }).apply(h) as lp.SymbolicTensor) as lp.SymbolicTensor;
    const model = lp.model({ inputs: input, outputs: out });
    // non-trivial BatchNormalization statistics
    const w = model.getWeights();
    const bn = model.layers.find((l) => l.className === 'BatchNormalization')!;
    const bw = bn.getWeights();
    bn.setWeights([lp.randomUniform([8], 0.5, 2, 'float32', 3), lp.randomUniform([8], -0.5, 0.5, 'float32', 4),
      lp.randomUniform([8], -0.3, 0.3, 'float32', 5), lp.randomUniform([8], 0.5, 2, 'float32', 6)]);
    lp.dispose([w, bw]);
    const cal = lp.randomUniform([40, 12, 12, 3], 0, 1, 'float32', 7), test = lp.randomUniform([30, 12, 12, 3], 0, 1, 'float32', 8);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => warnings.push(m);
    let q;
    try { q = lp.quantize(model, { mode: 'int8', calibrationData: cal }); } finally { console.warn = warn; }
    assert.equal(q.fallbacks.length, 1, q.fallbacks.join('\n'));
    // the Activation('relu') after conv → BatchNormalization runs in the conv's output stage
    assert.ok(!q.fallbacks.some((f) => /\(Activation\)/.test(f)), q.fallbacks.join('\n'));
    const conv = q.steps.find((s) => s.op === 'conv2d');
    assert.equal(conv?.op === 'conv2d' ? conv.activation : null, 'relu');
    assert.ok(q.steps.some((s) => s.op === 'add'), 'the two-input Add runs in int8');
    assert.match(q.fallbacks.join('\n'), /activation tanh runs in f32/);
    assert.ok(warnings.length >= 1 && warnings.every((m) => m.startsWith('quantize: ')));
    assert.ok(!q.steps.some((s) => s.op === 'layer' && s.layer.startsWith('batch_normalization')), 'BatchNormalization folded');
    assert.ok(q.steps.some((s) => s.op === 'depthwise') && q.steps.some((s) => s.op === 'avgpool'));
    const ref = model.predict(test) as lp.Tensor, y = q.predict(test);
    const { maxAbs, argmax } = compare(ref, y);
    assert.ok(maxAbs < 0.03 && argmax >= 0.9, `max abs ${maxAbs}, argmax ${argmax}`);
    // The f32 layers go into the model file as class, config and weights; the loaded model owns
    // its rebuilt layers, so it outlives the source model and frees them with itself.
    // quantize() gave the model its own copies of the f32 layers: it works after the source is gone.
    const source = model.getWeights();
    model.dispose();
    const again = q.predict(test);
    assert.deepEqual([...again.dataSync()], [...y.dataSync()]);
    again.dispose();
    lp.dispose(source);
    const before = lp.memory().numTensors;
    const back = lp.io.load<lp.QuantizedModel>(lp.io.save(q));
    const yb = back.predict(test);
    assert.deepEqual([...yb.dataSync()], [...y.dataSync()]);
    yb.dispose();
    back.dispose();
    assert.equal(lp.memory().numTensors, before, 'the loaded model frees its f32 layers');
    lp.dispose([ref, y, cal, test]);
    q.dispose();
  });

  it('dense on rank-3 inputs and a linear output', () => {
    const model = lp.sequential([lp.layers.dense({ units: 6, inputShape: [4, 9] }), lp.layers.reshape({ targetShape: [24] }),
      lp.layers.dense({ units: 3 })]);
    const cal = lp.randomNormal([16, 4, 9], 0, 1, 'float32', 1);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const ref = model.predict(cal) as lp.Tensor, y = q.predict(cal);
    const r = ref.dataSync(), v = y.dataSync();
    const span = Math.max(...Array.from(r, Math.abs));
    for (let i = 0; i < r.length; i++) assert.ok(Math.abs(r[i] - v[i]) < 0.05 * span, `${i}: ${r[i]} vs ${v[i]}`);
    lp.dispose([cal, ref, y]);
    q.dispose();
  });
});

describe('int8 tensors', () => {
  before(async () => { await lp.ready(); });
  it('hold one byte per value and read back as Int8Array', () => {
    noLeak(() => lp.tidy(() => {
      const x = lp.tensor([-1, 0, 0.5, 2.5, 100], [5]);
      const q = quantizeTensor('test', x, [5], { scale: 0.5, zeroPoint: 10 });
      assert.equal(q.t.dtype, 'int8');
      assert.equal(q.t.byteLength, 5);
      const bytes = q.t.dataSync();
      assert.ok(bytes instanceof Int8Array);
      assert.deepEqual(Array.from(bytes), [8, 10, 11, 15, 127]);
      assert.deepEqual(Array.from(dequantizeTensor('test', q).dataSync()), [-1, 0, 0.5, 2.5, 58.5]);
    }));
  });
});

describe('quantize: bad input', () => {
  before(async () => { await lp.ready(); });
  it('each a clear Error, no leaks', () => {
    const model = mnistCnn();
    const good = lp.zeros([2, 28, 28, 1]), wrong = lp.zeros([2, 28, 28, 3]), rank3 = lp.zeros([1, 28, 28]);
    expectError(() => lp.quantize(lp.sequential(), { mode: 'int8', calibrationData: good }), 'quantize', /not built/);
    expectError(() => lp.quantize(model, { mode: 'int8', calibrationData: wrong }), 'quantize',
      /calibrationData must have shape \[null,28,28,1\].*\[2,28,28,3\]/);
    expectError(() => lp.quantize(model, { mode: 'int8' }), 'quantize', /needs calibrationData/);
    expectError(() => lp.quantize(model, { mode: 'int4' as 'int8', calibrationData: good }), 'quantize', /mode/);
    expectError(() => lp.quantize(model, { mode: 'int8', calibrationData: good, calibration: 'kl' as 'mse' }), 'quantize', /calibration/);
    expectError(() => lp.quantize(model, { mode: 'int8', calibrationData: good, calibration: 'percentile', percentile: 20 }), 'quantize', /percentile/);
    expectError(() => lp.quantize({} as lp.LayersModel, { mode: 'int8' }), 'quantize', /LayersModel/);
    const nan = lp.fill([2, 28, 28, 1], NaN);
    const inf = lp.fill([2, 28, 28, 1], Infinity);
    expectError(() => lp.quantize(model, { mode: 'int8', calibrationData: inf }), 'quantize', /non-finite/);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: good });
    expectError(() => q.predict(rank3), 'predict', /shape \[null,28,28,1\]/);
    expectError(() => q.predict(good, { batchSize: 0 }), 'predict', /batchSize/);
    q.dispose();
    expectError(() => q.predict(good), 'predict', /disposed/);
    lp.dispose([good, wrong, rank3, nan, inf]);
  });
});
