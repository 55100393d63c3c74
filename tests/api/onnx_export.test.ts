// toOnnx: every exportable layer written to ONNX and run in onnxruntime-web (wasm, one thread)
// against Lepton's predict (f32 within 1e-4, two batch sizes through the symbolic batch), the
// round trip toOnnx → fromOnnx, an int8 MNIST CNN in QDQ form (ORT's classes against the
// QuantizedModel's on 300 test digits), one Error listing every layer that cannot be exported,
// and no leaks.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import * as node from '../../js-bindings/node.js';
import { fromOnnx, io as onnxIo, OnnxOp, SUPPORTED_OPS, toOnnx } from '../../js-bindings/onnx/index.js';
import { expectError, noLeak } from '../helpers/api.js';
import { mnistCnn } from '../helpers/cnn.js';
import { assertClose, GraphBuilder, randoms } from '../helpers/onnx.js';
import { agreeWithOrt, feedsFor, opCounts, randomizeWeights, runLepton, runOrt } from '../helpers/onnx_export.js';

before(async () => { await lp.ready(); });

describe('toOnnx: f32 layers against onnxruntime-web', () => {
  it('a CNN: conv (same / valid, strides, dilation), depthwise, separable, BN, pools, zero padding, flatten into dense', async () => {
    const m = lp.sequential([
      lp.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [13, 11, 3] }),
      lp.layers.batchNormalization(),
      lp.layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu6' }),
      lp.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'elu' }),
      lp.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'leakyrelu' }),
      lp.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]] }),
      lp.layers.separableConv2d({ filters: 7, kernelSize: 3, depthMultiplier: 2, activation: 'tanh' }),
      lp.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      lp.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      lp.layers.flatten(),
      lp.layers.dropout({ rate: 0.5 }),
      lp.layers.dense({ units: 9, activation: 'gelu' }),
      lp.layers.dense({ units: 4, activation: 'softmax' }),
    ]);
    randomizeWeights(m, 3);
    const ops = opCounts(await agreeWithOrt(m, 'cnn'));
    m.dispose();
    // One Transpose to NCHW at the input; the flatten's order is in the Gemm's rows, the zero
    // padding in the separable conv's pads.
    assert.equal(ops.Transpose, 1);
    assert.equal(ops.Pad, undefined);
    assert.equal(ops.Conv, 6);
  });

  it('a functional graph: Add / Subtract / Multiply / Concatenate (channels and rows), global pools, softmax over channels', async () => {
    const x = lp.input({ shape: [8, 8, 3] });
    const a = lp.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid' }).apply(x);
    const b = lp.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x);
    const sum = lp.layers.add().apply([a, b]);
    const diff = lp.layers.subtract().apply([a, b]);
    const prod = lp.layers.multiply().apply([sum, diff, a]);
    const cat = lp.layers.concatenate().apply([prod, b]);
    const rows = lp.layers.concatenate({ axis: 1 }).apply([cat, cat]);
    const soft = lp.layers.activation({ activation: 'softmax' }).apply(rows);
    const gap = lp.layers.globalAveragePooling2d().apply(soft);
    const gmp = lp.layers.globalMaxPooling2d().apply(lp.layers.zeroPadding2d({ padding: [2, 1] }).apply(cat));
    const out = lp.layers.dense({ units: 3, activation: 'softplus' }).apply(lp.layers.concatenate().apply([gap, gmp]));
    const m = lp.model({ inputs: x, outputs: [out, soft] });
    randomizeWeights(m, 5);
    await agreeWithOrt(m, 'functional');
    m.dispose();
  });

  it('a flattened NCHW value through BN and an activation into a Dense (rows permuted) and a Reshape (NHWC order)', async () => {
    const x = lp.input({ shape: [5, 4, 3] });
    const c = lp.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' }).apply(x);
    let f = lp.layers.flatten().apply(c);
    f = lp.layers.batchNormalization().apply(f);
    f = lp.layers.activation({ activation: 'tanh' }).apply(f);
    const d = lp.layers.dense({ units: 4 }).apply(f);
    const r = lp.layers.reshape({ targetShape: [4, 9] }).apply(f);
    const m = lp.model({ inputs: x, outputs: [d, r] });
    randomizeWeights(m, 15);
    const ops = opCounts(await agreeWithOrt(m, 'flattened'));
    m.dispose();
    assert.equal(ops.Transpose, 2); // in, and back to NHWC for the Reshape only
  });

  it('activations, BN on rank 2 and 3, Reshape, Permute, LayerNormalization, Dense on rank 3', async () => {
    const acts = ['relu', 'relu6', 'leakyrelu', 'elu', 'sigmoid', 'tanh', 'gelu', 'selu', 'softplus', 'softsign', 'swish', 'mish',
      'hardSigmoid', 'softmax', 'logSoftmax', 'linear'] as const;
    const x = lp.input({ shape: [12] });
    let h = lp.layers.batchNormalization().apply(x);
    const outs = acts.map((a) => lp.layers.dense({ units: 6, activation: a }).apply(h));
    h = lp.layers.concatenate().apply(outs);
    h = lp.layers.reshape({ targetShape: [8, -1] }).apply(h);
    h = lp.layers.batchNormalization().apply(h);
    h = lp.layers.permute({ dims: [2, 1] }).apply(h);
    h = lp.layers.layerNormalization({ epsilon: 1e-5 }).apply(h);
    h = lp.layers.dense({ units: 5, activation: 'relu' }).apply(h);
    h = lp.layers.flatten().apply(h);
    const m = lp.model({ inputs: x, outputs: h });
    randomizeWeights(m, 7);
    await agreeWithOrt(m, 'activations');
    m.dispose();
  });

  it('Embedding (int32 ids) → LayerNormalization → Flatten → Dense, and float ids', async () => {
    for (const dtype of ['int32', 'float32'] as const) {
      const ids = lp.input({ shape: [5], dtype });
      const e = lp.layers.embedding({ inputDim: 20, outputDim: 4 }).apply(ids);
      const n = lp.layers.layerNormalization().apply(e);
      const out = lp.layers.dense({ units: 3 }).apply(lp.layers.flatten().apply(n));
      const m = lp.model({ inputs: ids, outputs: out });
      randomizeWeights(m, 9);
      await agreeWithOrt(m, `embedding (${dtype})`, (batch) => {
        const v = Array.from({ length: batch * 5 }, (_, i) => (i * 7 + batch) % 20);
        return [{ data: dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v), dims: [batch, 5] }];
      });
      m.dispose();
    }
  });

  it('a model fromOnnx made (Permute, OnnxOp layers: LeakyRelu alpha, Clip, constant Add / Mul, -FLT_MAX pad, Softmax axis)', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 9, 9]).output('y').output('z')
      .node('Conv', ['x', 'w', 'b'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })
      .node('LeakyRelu', ['c1'], ['l1'], { alpha: 0.1 })
      .node('Add', ['l1', 'k'], ['a1'])
      .node('Clip', ['a1', 'lo', 'hi'], ['c2'])
      .node('MaxPool', ['c2'], ['p1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 2, 2] })
      .node('Mul', ['p1', 'k2'], ['m1'])
      .node('Softmax', ['m1'], ['z'], { axis: 1 })
      .node('Flatten', ['m1'], ['f1'])
      .node('Gemm', ['f1', 'wg', 'bg'], ['y'], { transB: 1 });
    g.init('w', [4, 3, 3, 3]); g.init('b', [4]); g.init('k', [4, 1, 1]); g.init('lo', [], [-0.5]); g.init('hi', [], [0.7]);
    g.init('k2', [1, 5, 5], undefined, 0.5, 2); g.init('wg', [6, 100]); g.init('bg', [6]);
    const imported = fromOnnx(g.encode());
    assert.ok(imported.layers.some((l) => l.className === 'OnnxOp'));
    const bytes = await agreeWithOrt(imported, 'imported');
    // The NCHW → NHWC permutes of the import fold away: no Transpose in the exported graph.
    assert.equal(new TextDecoder('latin1').decode(bytes).includes('Transpose'), false);
    imported.dispose();
  });
});

describe('toOnnx: the rest of the OnnxOp layers', () => {
  it('Elu / Selu / HardSigmoid with ONNX attributes, constant-first Sub and Div, a tensor Div, a counted zero pad', async () => {
    const g = new GraphBuilder().input('x', ['N', 4, 6, 6]).output('y')
      .node('Conv', ['x', 'w', 'b'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })
      .node('Elu', ['c1'], ['e1'], { alpha: 0.5 })
      .node('Selu', ['e1'], ['s1'], { alpha: 1.5, gamma: 1.1 })
      .node('HardSigmoid', ['s1'], ['h1'], { alpha: 0.3, beta: 0.4 })
      .node('Sub', ['k3', 'h1'], ['d1'])
      .node('Div', ['d1', 'k4'], ['d2'])
      .node('Add', ['h1', 'two'], ['h2'])
      .node('Div', ['k5', 'h2'], ['d3'])
      .node('Div', ['e1', 'h2'], ['d4'])
      .node('Add', ['d2', 'd3'], ['a1'])
      .node('Add', ['a1', 'd4'], ['a2'])
      .node('AveragePool', ['a2'], ['p1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 })
      .node('Softmax', ['p1'], ['y'], { axis: 1 });
    g.init('w', [4, 4, 3, 3]); g.init('b', [4]); g.init('k3', [4, 1, 1]); g.init('k4', [1], [1.7]); g.init('two', [1], [2]);
    g.init('k5', [1, 6, 6]);
    const imported = fromOnnx(g.encode());
    const ops = new Set(imported.layers.filter((l) => l.className === 'OnnxOp').map((l) => (l as unknown as { op: string }).op));
    for (const op of ['elu', 'selu', 'hardSigmoid', 'subFrom', 'div', 'divFrom']) assert.ok(ops.has(op), `imported as OnnxOp ${op}`);
    const counts = opCounts(await agreeWithOrt(imported, 'imported ops'));
    assert.equal(counts.Pad, 1); // a zero pad an average counts stays a Pad
    assert.equal(counts.Transpose, undefined);
    imported.dispose();
  });

  it('OnnxOp logSoftmax over an image axis, a pad of rows and channels, a broadcasting tensor Sub, on NCHW values', async () => {
    const x = lp.input({ shape: [5, 4, 3] });
    const c = lp.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(x);
    const ls = new OnnxOp({ op: 'logSoftmax', attrs: { axis: 1 } }).apply(c);
    const pd = new OnnxOp({ op: 'pad', attrs: { paddings: [[0, 0], [1, 0], [0, 2], [1, 1]], value: 0.5 } }).apply(ls);
    const pooled = lp.layers.reshape({ targetShape: [1, 1, 5] }).apply(lp.layers.globalAveragePooling2d().apply(pd));
    const out = new OnnxOp({ op: 'sub', attrs: {} }).apply([pd, pooled]);
    const m = lp.model({ inputs: x, outputs: out });
    randomizeWeights(m, 19);
    await agreeWithOrt(m, 'OnnxOp layers');
    m.dispose();
  });
});

describe('toOnnx → fromOnnx round trip', () => {
  it('an imported CNN and an MLP give the same predictions after the round trip', async () => {
    const g = new GraphBuilder().input('x', ['N', 2, 6, 6]).output('y')
      .node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })
      .node('Relu', ['c'], ['r'])
      .node('AveragePool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [1, 1] })
      .node('Flatten', ['p'], ['f'])
      .node('Gemm', ['f', 'wg', 'bg'], ['y'], { transB: 1 });
    g.init('w', [5, 2, 3, 3]); g.init('b', [5]); g.init('wg', [4, 20]); g.init('bg', [4]);
    const mlp = lp.sequential([lp.layers.dense({ units: 8, activation: 'tanh', inputShape: [6] }), lp.layers.batchNormalization(),
      lp.layers.dense({ units: 3, activation: 'softmax' })]);
    randomizeWeights(mlp, 11);
    for (const model of [fromOnnx(g.encode()), mlp]) {
      const back = fromOnnx(toOnnx(model));
      for (const batch of [1, 4]) {
        const f = feedsFor(model, batch, 3);
        assertClose(runLepton(back, f)[0], runLepton(model, f)[0], `${model.name} round trip (batch ${batch})`);
      }
      back.dispose();
      model.dispose();
    }
  });

  it('a native NHWC CNN: its graph starts with a Transpose to NCHW, which fromOnnx reads once it imports Transpose', async () => {
    const m = lp.sequential([lp.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }),
      lp.layers.flatten(), lp.layers.dense({ units: 2 })]);
    randomizeWeights(m, 13);
    const bytes = toOnnx(m);
    if (SUPPORTED_OPS.includes('Transpose')) {
      const back = fromOnnx(bytes);
      const f = feedsFor(m, 2, 5);
      assertClose(runLepton(back, f)[0], runLepton(m, f)[0], 'native CNN round trip');
      back.dispose();
    } else {
      // until then the importer refuses it with its one clear Error naming the op
      assert.throws(() => fromOnnx(bytes), /fromOnnx: .*\(Transpose\): not supported/s);
    }
    m.dispose();
  });
});

describe('toOnnx: int8 QuantizedModels in QDQ form', () => {
  let x: lp.Tensor, digits: number;
  before(() => {
    const mnist = node.loadMnist();
    digits = 300;
    x = lp.slice(mnist.xTest, [0], [digits]);
    lp.dispose([mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);
  });

  it('a trained MNIST CNN: onnxruntime gives the QuantizedModel\'s classes on 300 test digits', async () => {
    const mnist = node.loadMnist();
    const model = mnistCnn({ seed: 1 });
    const n = 2048;
    const xs = lp.slice(mnist.xTrain, [0], [n]);
    const ys = lp.tidy(() => lp.oneHot(lp.slice(mnist.yTrain, [0], [n]), 10));
    model.compile({ optimizer: lp.train.adam(0.002), loss: 'categoricalCrossentropy' });
    await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
    const cal = lp.slice(mnist.xTrain, [n], [128]);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const bytes = toOnnx(q);
    const ort8 = (await runOrt(bytes, [{ data: x.dataSync() as Float32Array, dims: [...x.shape] }]))[0];
    const lep8 = runLepton(q, [{ data: x.dataSync() as Float32Array, dims: [...x.shape] }])[0];
    const f32 = runLepton(model, [{ data: x.dataSync() as Float32Array, dims: [...x.shape] }])[0];
    const labels = lp.slice(mnist.yTest, [0], [digits]).dataSync();
    const argmax = (v: Float32Array, i: number) => { const r = Array.from(v.subarray(i * 10, i * 10 + 10)); return r.indexOf(Math.max(...r)); };
    let same = 0, correct = 0, maxAbs = 0;
    for (let i = 0; i < digits; i++) {
      if (argmax(ort8, i) === argmax(lep8, i)) same++;
      if (argmax(lep8, i) === labels[i]) correct++;
    }
    for (let i = 0; i < ort8.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ort8[i] - lep8[i]));
    console.log(`  int8 MNIST CNN: ORT (QDQ) and Lepton int8 agree on ${same}/${digits} classes (${(100 * same / digits).toFixed(1)}%), ` +
      `max |softmax difference| ${maxAbs.toExponential(2)}; Lepton int8 accuracy ${(100 * correct / digits).toFixed(1)}%; f32 ${f32.length / 10} rows`);
    assert.ok(correct / digits > 0.6, `the CNN should have learned something (accuracy ${correct / digits})`);
    assert.ok(same / digits >= 0.99, `classes agree on ${same} of ${digits}`);
    noLeak(() => { toOnnx(q); });
    lp.dispose([xs, ys, cal, mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);
    q.dispose();
    model.dispose();
  });

  it('depthwise, BN folded, avg / global pools, a relu6, an int8 residual Add and an f32 fallback in QDQ form', async () => {
    const inp = lp.input({ shape: [10, 10, 2] });
    let h = lp.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same' }).apply(inp);
    h = lp.layers.batchNormalization().apply(h);
    // tanh: no int8 output stage has it, so the layer runs in f32 (a relu / relu6 Activation here
    // would run in the conv's int8 output stage)
    h = lp.layers.activation({ activation: 'tanh' }).apply(h);
    const d = lp.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6' }).apply(h);
    h = lp.layers.add().apply([h, d]);
    h = lp.layers.averagePooling2d({ poolSize: 2 }).apply(h);
    h = lp.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu' }).apply(h);
    h = lp.layers.globalAveragePooling2d().apply(h);
    const m = lp.model({ inputs: inp, outputs: lp.layers.dense({ units: 5 }).apply(h) });
    randomizeWeights(m, 21);
    const cal = lp.tensor(randoms(64 * 200, 5, -1, 1), [64, 10, 10, 2]);
    const q = lp.quantize(m, { mode: 'int8', calibrationData: cal });
    assert.ok(q.fallbacks.length > 0, 'a layer left in f32 (the tanh after the batch norm)');
    assert.ok(q.steps.some((st) => st.op === 'add'), 'the residual Add runs in int8');
    const f = [{ data: randoms(32 * 200, 9, -1, 1), dims: [32, 10, 10, 2] }];
    const bytes = toOnnx(q);
    // a QuantizedModel loaded from its file exports the same graph
    const loaded = lp.io.load<typeof q>(lp.io.save(q));
    assert.deepEqual(toOnnx(loaded), bytes);
    loaded.dispose();
    const want = (await runOrt(bytes, f))[0];
    const got = runLepton(q, f)[0];
    const range = Math.max(...Array.from(want, Math.abs));
    let maxAbs = 0;
    for (let i = 0; i < want.length; i++) maxAbs = Math.max(maxAbs, Math.abs(want[i] - got[i]));
    console.log(`  int8 model with fallbacks: max |ORT - Lepton| ${maxAbs.toExponential(2)} of outputs up to ${range.toFixed(3)}`);
    assert.ok(maxAbs <= 0.02 * range, `max |ORT - Lepton| ${maxAbs} of outputs up to ${range}`);
    lp.dispose([cal]);
    q.dispose();
    m.dispose();
  });
});

describe('toOnnx: in and out', () => {
  it('an NCHW ONNX CNN imported, quantized to int8 and exported: onnxruntime runs it as Lepton does, NCHW in and out', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 12, 12]).output('y')
      .node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })
      .node('Relu', ['c1'], ['r1'])
      .node('Conv', ['r1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 8 })
      .node('Clip', ['c2', 'lo', 'hi'], ['r2'])
      .node('GlobalAveragePool', ['r2'], ['p'])
      .node('Flatten', ['p'], ['f'])
      .node('Gemm', ['f', 'wg', 'bg'], ['y'], { transB: 1 });
    g.init('w1', [8, 3, 3, 3]); g.init('b1', [8]); g.init('w2', [8, 1, 3, 3]); g.init('b2', [8]); g.init('lo', [], [0]); g.init('hi', [], [6]);
    g.init('wg', [5, 8]); g.init('bg', [5]);
    const imported = fromOnnx(g.encode());
    const cal = lp.tensor(randoms(32 * 432, 3, -1, 1), [32, 3, 12, 12]);
    const q = lp.quantize(imported, { mode: 'int8', calibrationData: cal });
    const bytes = toOnnx(q);
    const f = [{ data: randoms(16 * 432, 4, -1, 1), dims: [16, 3, 12, 12] }];
    const want = (await runOrt(bytes, f))[0], got = runLepton(q, f)[0];
    const range = Math.max(...Array.from(want, Math.abs));
    let maxAbs = 0;
    for (let i = 0; i < want.length; i++) maxAbs = Math.max(maxAbs, Math.abs(want[i] - got[i]));
    assert.ok(maxAbs <= 0.02 * range, `max |ORT - Lepton| ${maxAbs} of outputs up to ${range}`);
    assert.equal(opCounts(bytes).Transpose, undefined); // the import's NCHW → NHWC Permute is the NCHW view again
    lp.dispose(cal);
    q.dispose();
    imported.dispose();
  });
});

describe('toOnnx: errors', () => {
  it('one Error listing every layer that cannot be exported, before anything is written', () => {
    const ids = lp.input({ shape: [6] });
    const e = lp.layers.embedding({ inputDim: 10, outputDim: 4 }).apply(ids);
    const p = lp.layers.positionEmbedding({ sequenceLength: 6 }).apply(e);
    const t = lp.layers.transformerEncoder({ intermediateDim: 8, numHeads: 2 }).apply(lp.layers.add().apply([e, p]));
    const tp = lp.layers.tokenAndPositionEmbedding({ vocabularySize: 10, sequenceLength: 6, embeddingDim: 4 }).apply(ids);
    const m = lp.model({ inputs: ids, outputs: lp.layers.globalAveragePooling1d().apply(lp.layers.add().apply([t, tp])) });
    expectError(() => toOnnx(m), 'toOnnx', /3 layer\(s\) that cannot be exported:\n {2}position_embedding.*\(PositionEmbedding\): not supported\n {2}transformer_encoder.*\(TransformerEncoder\): not supported\n {2}token_and_position_embedding.*\(TokenAndPositionEmbedding\): not supported$/);
    m.dispose();
  });

  it('refuses dynamic-mode models, disposed models and things that are not models', () => {
    const m = lp.sequential([lp.layers.dense({ units: 2, inputShape: [3] })]);
    const q = lp.quantize(m, { mode: 'dynamic' });
    expectError(() => toOnnx(q), 'toOnnx', /mode 'dynamic'/);
    q.dispose();
    expectError(() => toOnnx(q), 'toOnnx', /disposed/);
    expectError(() => toOnnx({} as lp.LayersModel), 'toOnnx', /expects a LayersModel or a QuantizedModel/);
    m.dispose();
  });

  it("io.toOnnx and io.fromOnnx in the ONNX entry (the Node entry loads no protobuf); exporting leaks nothing", () => {
    const m = lp.sequential([lp.layers.dense({ units: 2, inputShape: [3], activation: 'relu' })]);
    assert.equal(onnxIo.toOnnx, toOnnx);
    assert.equal(onnxIo.fromOnnx, fromOnnx);
    assert.equal(onnxIo.save, lp.io.save);
    assert.equal('toOnnx' in node.io, false);
    noLeak(() => { onnxIo.toOnnx(m); });
    m.dispose();
  });
});
