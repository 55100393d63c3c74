// The TensorFlow.js / Keras layers format (io.fromTfjsLayers, io.toTfjsLayers): models built and
// saved by tfjs-layers 4.22 (tfjs-backend-cpu) load in Lepton with the same predictions (1e-5),
// also as model.json + several shards, and with weights quantized as the converter's
// quantize_uint8 / uint16 / float16 options write them (decoded by tfjs itself for the reference);
// Lepton models exported load in tfjs with the same predictions; a hand-written model.json in the
// Keras converter's style (Keras 2 keys, model_config, Functional, nested Sequential, InputLayer
// with batch_input_shape, axis lists, dtype policies, ReLU); bad files give clear Errors, no leaks.
import { describe, it, before } from 'node:test';
import { createServer } from 'node:http';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { loadTfjsLayersFile, saveTfjsLayersFiles } from '../../js-bindings/node.js';
import { expectError, noLeak } from '../helpers/api.js';
import { values } from '../helpers/grad_check.js';
import { kerasFunctional, kerasLstm, KERAS_WEIGHTS } from '../helpers/keras_fixture.js';
import { inputsFor, randomize, saved, samePredictions, tfjsModels, type Artifacts } from '../helpers/tfjs_layers.js';

before(async () => {
  await lp.ready();
  await tf.setBackend('cpu');
});

const TOL = 1e-5;

/** The artifacts as model.json (weightsManifest) and the weight bytes cut into `n` shards. */
function asFiles(a: Artifacts, n: number): { json: Record<string, unknown>; shards: Uint8Array[] } {
  const bytes = new Uint8Array(a.weightData);
  const cut = Math.ceil(bytes.length / n);
  const shards = Array.from({ length: n }, (_, i) => bytes.slice(i * cut, (i + 1) * cut));
  return { json: { format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers v4.22.0', convertedBy: null, modelTopology: a.modelTopology,
    weightsManifest: [{ paths: shards.map((_, i) => `group1-shard${i + 1}of${n}.bin`), weights: a.weightSpecs }] }, shards };
}

describe('tfjs-layers models load in Lepton', () => {
  for (const [k, { name, model, inputs }] of tfjsModels().entries()) {
    it(`${name}: same predictions, from artifacts and from model.json + shards`, async () => {
      randomize(model, 100 * k + 1);
      const artifacts = await saved(model);
      const xs = inputsFor(inputs, 7 + k);
      noLeak(() => {
        const ours = lp.io.fromTfjsLayers(artifacts);
        try {
          assert.equal(ours instanceof lp.Sequential, model instanceof tfl.Sequential, 'Sequential stays Sequential');
          samePredictions(ours, model, xs, TOL, name);
        } finally {
          ours.dispose();
        }
        const { json, shards } = asFiles(artifacts, 3);
        const fromFiles = lp.io.fromTfjsLayers(JSON.stringify(json), shards);
        samePredictions(fromFiles, model, xs, TOL, `${name} (files)`);
        fromFiles.dispose();
      });
    });
  }

  for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
    it(`weights quantized to ${dtype} (the converter's quantization) are dequantized as tfjs does`, async () => {
      const { model, inputs } = tfjsModels().find((m) => m.name === 'sequential CNN')!;
      randomize(model, 5);
      const a = await saved(model);
      const floats = new Float32Array(a.weightData);
      const parts: Uint8Array[] = [];
      let at = 0;
      const specs = a.weightSpecs.map((s) => {
        const n = s.shape.reduce((x, d) => x * d, 1);
        const w = floats.subarray(at, at += n);
        if (dtype === 'float16') {
          // (tfjs-core decodes these bits for the reference model.)
          const half = new Uint16Array(n);
          w.forEach((v, i) => { half[i] = toHalf(v); });
          parts.push(new Uint8Array(half.buffer));
          return { ...s, quantization: { dtype } };
        }
        let min = Math.min(...w), max = Math.max(...w);
        if (max === min) max = min + 1;
        const levels = dtype === 'uint8' ? 255 : 65535;
        const scale = (max - min) / levels;
        const q = dtype === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
        w.forEach((v, i) => { q[i] = Math.round((v - min) / scale); });
        parts.push(new Uint8Array(q.buffer));
        return { ...s, quantization: { dtype, scale, min } };
      });
      const weightData = new Uint8Array(parts.reduce((x, p) => x + p.length, 0));
      parts.reduce((o, p) => (weightData.set(p, o), o + p.length), 0);
      const quantized = { modelTopology: a.modelTopology, weightSpecs: specs, weightData: weightData.buffer };
      const reference = await tfl.loadLayersModel(tf.io.fromMemory(quantized as tf.io.ModelArtifacts));
      const ours = lp.io.fromTfjsLayers(quantized as lp.io.TfjsModelJson);
      samePredictions(ours, reference, inputsFor(inputs, 3), TOL, `${dtype} weights`);
      ours.dispose();
    });
  }
});

/** float32 → IEEE binary16 bits, round to nearest even (normal range; the test weights are small). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp <= 0) return sign; // flush tiny values (none here of consequence)
  let h = sign | (exp << 10) | (mant >>> 13);
  mant &= 0x1fff;
  if (mant > 0x1000 || (mant === 0x1000 && (h & 1))) h++;
  return h;
}

describe('Lepton models load in tfjs', () => {
  const rec = { recurrentInitializer: 'glorotUniform' as const };
  const builds: [string, () => lp.LayersModel, { shape: number[]; ids?: number }[]][] = [
    ['sequential CNN', () => lp.sequential({ layers: [
      lp.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu6', inputShape: [7, 7, 2] }),
      lp.layers.depthwiseConv2d({ kernelSize: 3, strides: 2 }),
      lp.layers.separableConv2d({ filters: 3, kernelSize: 2, padding: 'same' }),
      lp.layers.batchNormalization(),
      lp.layers.zeroPadding2d({ padding: 1 }),
      lp.layers.averagePooling2d({ poolSize: 2 }),
      lp.layers.permute({ dims: [2, 1, 3] }),
      lp.layers.flatten(),
      lp.layers.dropout({ rate: 0.2 }),
      lp.layers.dense({ units: 5, activation: 'hardSigmoid' }),
      lp.layers.reshape({ targetShape: [5, 1] }),
      lp.layers.globalMaxPooling1d(),
      lp.layers.activation({ activation: 'softmax' }),
    ] }), [{ shape: [2, 7, 7, 2] }]],
    ['sequential text model', () => lp.sequential({ layers: [
      lp.layers.embedding({ inputDim: 9, outputDim: 4, inputShape: [6] }),
      lp.layers.conv1d({ filters: 4, kernelSize: 2, activation: 'tanh' }),
      lp.layers.bidirectional({ layer: lp.layers.gru({ units: 3, returnSequences: true, ...rec }), mergeMode: 'sum' }),
      lp.layers.layerNormalization(),
      lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 3 }) }),
      lp.layers.maxPooling1d({ poolSize: 2 }),
      lp.layers.simpleRNN({ units: 3, returnSequences: true, ...rec }),
      lp.layers.lstm({ units: 2, ...rec }),
    ] }), [{ shape: [2, 6], ids: 9 }]],
    ['functional model', () => {
      // A shared layer (two nodes) and an LSTM's states as outputs (tensor indices 1 and 2).
      const x = lp.input({ shape: [5, 4] });
      const shared = lp.layers.dense({ units: 3 });
      const a = shared.apply(x);
      const b = shared.apply(lp.layers.dense({ units: 4, activation: 'sigmoid' }).apply(x));
      const m = lp.layers.multiply().apply([lp.layers.add().apply([a, b]), b]); // (tfjs-layers has no Subtract)
      const c = lp.layers.concatenate().apply([m, a]);
      const p = lp.layers.globalAveragePooling1d().apply(c);
      const [seq, h, cell] = lp.layers.lstm({ units: 2, returnSequences: true, returnState: true, ...rec }).applyMulti(c);
      return lp.model({ inputs: x, outputs: [p, lp.layers.averagePooling1d({ poolSize: 2 }).apply(seq), h, cell] });
    }, [{ shape: [3, 5, 4] }]],
  ];
  for (const [name, build, inputs] of builds) {
    it(`${name}: tf.loadLayersModel reads io.toTfjsLayers and predicts the same`, async () => {
      const ours = build();
      lp.tidy(() => ours.setWeights(ours.weights.map((w, i) => {
        const v = values(w.size, 40 + i, -0.6, 0.6);
        if (w.name.includes('variance')) v.forEach((x, j) => { v[j] = 0.5 + Math.abs(x); });
        return lp.tensor(v, w.shape);
      })));
      const out = lp.io.toTfjsLayers(ours);
      const theirs = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: out.modelTopology, weightSpecs: out.weightSpecs, weightData: out.weightData }));
      samePredictions(ours, theirs, inputsFor(inputs, 11), TOL, name);
      // model.json + weights.bin read back by Lepton: the same model again.
      const back = lp.io.fromTfjsLayers(JSON.parse(JSON.stringify(out.modelJson)), out.weightData);
      samePredictions(back, theirs, inputsFor(inputs, 12), TOL, `${name} (round trip)`);
      back.dispose();
      ours.dispose();
    });
  }
  it('quantized export (uint8, uint16, float16): tfjs and Lepton read the same dequantized weights', async () => {
    const [, build, inputs] = builds[0];
    const ours = build();
    const full = lp.io.toTfjsLayers(ours);
    for (const [quantize, ratio] of [['uint8', 4], ['uint16', 2], ['float16', 2]] as const) {
      const out = lp.io.toTfjsLayers(ours, { quantize });
      assert.ok(out.weightData.byteLength * ratio <= full.weightData.byteLength + 64 * ratio, `${quantize}: ${out.weightData.byteLength} bytes`);
      const theirs = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: out.modelTopology, weightSpecs: out.weightSpecs, weightData: out.weightData }));
      const back = lp.io.fromTfjsLayers(out.modelJson, out.weightData);
      samePredictions(back, theirs, inputsFor(inputs, 13), TOL, `${quantize} export`);
      if (quantize !== 'uint8') samePredictions(ours, theirs, inputsFor(inputs, 13), 2e-2, `${quantize} export vs float32`);
      back.dispose();
    }
    expectError(() => lp.io.toTfjsLayers(ours, { quantize: 'int4' as 'uint8' }), 'io.toTfjsLayers', /quantize must be/);
    ours.dispose();
  });
  it('refuses layers TF.js cannot read, listing them', () => {
    const x = lp.input({ shape: [4, 8] });
    const y = lp.layers.multiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([x, x]);
    const m = lp.model({ inputs: x, outputs: y });
    expectError(() => lp.io.toTfjsLayers(m), 'io.toTfjsLayers', /multi_head_attention.*MultiHeadAttention/);
    m.dispose();
  });
});

describe('Keras converter files', () => {
  it('a functional CNN (Keras 2 keys, nested Sequential, ReLU, Subtract, dtype policy) predicts as tfjs does', async () => {
    const { json, shard, weights: w } = kerasFunctional();
    // The same network in tfjs (which has no Subtract: a - tanh(z) = a + tanh(-z), dense_1 negated).
    const x = tfl.input({ shape: [6, 6, 2] });
    const conv = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' });
    const bn = tfl.layers.batchNormalization();
    const d = tfl.layers.dense({ units: 4, activation: 'relu' });
    const d1 = tfl.layers.dense({ units: 4, activation: 'tanh' });
    const d2 = tfl.layers.dense({ units: 2, activation: 'softmax' });
    const a = d.apply(tfl.layers.globalAveragePooling2d({}).apply(tfl.layers.reLU({ maxValue: 6 }).apply(bn.apply(conv.apply(x))))) as tfl.SymbolicTensor;
    const reference = tfl.model({ inputs: x, outputs: d2.apply(tfl.layers.add().apply([a, d1.apply(a) as tfl.SymbolicTensor])) as tfl.SymbolicTensor });
    const t = (i: number, sign = 1) => tf.tensor(w[i].map((v) => sign * v), KERAS_WEIGHTS[i][1]);
    conv.setWeights([t(0), t(1)]);
    bn.setWeights([t(2), t(3), t(4), t(5)]);
    d.setWeights([t(6), t(7)]);
    d1.setWeights([t(8, -1), t(9, -1)]);
    d2.setWeights([t(10), t(11)]);
    noLeak(() => {
      const ours = lp.io.fromTfjsLayers(json as unknown as lp.io.TfjsModelJson, [shard]);
      assert.deepEqual(ours.layers.map((l) => l.className), ['InputLayer', 'Conv2D', 'BatchNormalization', 'Activation',
        'GlobalAveragePooling2D', 'Dense', 'Dense', 'Subtract', 'Dense']);
      samePredictions(ours, reference, inputsFor([{ shape: [3, 6, 6, 2] }], 21), TOL, 'Keras functional');
      ours.dispose();
    });
  });

  it('the same model in Keras 3 form ({args, kwargs} nodes with keras_history, batch_shape, flat input_layers) loads the same', () => {
    const { json, shard } = kerasFunctional();
    const keras3 = JSON.parse(JSON.stringify(json));
    const tensor = (r: unknown[]) => ({ class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: r.slice(0, 3) } });
    const convert = (layers: Record<string, any>[]) => {
      for (const l of layers) {
        l.module = 'keras.layers';
        l.registered_name = null;
        if (l.config.batch_input_shape) { l.config.batch_shape = l.config.batch_input_shape; delete l.config.batch_input_shape; }
        if (l.class_name === 'Sequential') convert(l.config.layers);
        if (!Array.isArray(l.inbound_nodes)) continue;
        l.inbound_nodes = l.inbound_nodes.map((node: unknown[][]) =>
          ({ args: node.length === 1 ? [tensor(node[0])] : [node.map(tensor)], kwargs: { training: false } }));
      }
    };
    convert(layersOf(keras3));
    keras3.modelTopology.model_config.config.input_layers = ['input_1', 0, 0];
    noLeak(() => {
      const a = lp.io.fromTfjsLayers(json, shard), b = lp.io.fromTfjsLayers(keras3, shard);
      lp.tidy(() => {
        const x = lp.tensor(values(2 * 6 * 6 * 2, 23), [2, 6, 6, 2]);
        assert.deepEqual((b.predict(x) as lp.Tensor).dataSync(), (a.predict(x) as lp.Tensor).dataSync());
      });
      a.dispose();
      b.dispose();
    });
  });

  it('weights whose names do not start with their layer (another model scope) are taken in layer order', () => {
    const { json, shard } = kerasFunctional();
    const scoped = JSON.parse(JSON.stringify(json));
    for (const w of scoped.weightsManifest[0].weights) w.name = `outer_model/${w.name}:0`;
    noLeak(() => {
      const a = lp.io.fromTfjsLayers(json, shard), b = lp.io.fromTfjsLayers(scoped, shard);
      lp.tidy(() => {
        const x = lp.tensor(values(2 * 6 * 6 * 2, 24), [2, 6, 6, 2]);
        assert.deepEqual((b.predict(x) as lp.Tensor).dataSync(), (a.predict(x) as lp.Tensor).dataSync());
      });
      a.dispose();
      b.dispose();
    });
  });

  it('a Sequential LSTM (InputLayer first, weights named lstm/lstm_cell/...) predicts as tfjs does', () => {
    const { json, shard, weights: w } = kerasLstm();
    const lstm = tfl.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform', inputShape: [5, 3] });
    const dense = tfl.layers.dense({ units: 2 });
    const reference = tfl.sequential({ layers: [lstm, dense] });
    lstm.setWeights([tf.tensor(w[0], [3, 16]), tf.tensor(w[1], [4, 16]), tf.tensor(w[2], [16])]);
    dense.setWeights([tf.tensor(w[3], [4, 2]), tf.tensor(w[4], [2])]);
    noLeak(() => {
      const ours = lp.io.fromTfjsLayers(JSON.stringify(json), shard);
      assert.ok(ours instanceof lp.Sequential);
      samePredictions(ours, reference, inputsFor([{ shape: [2, 5, 3] }], 22), TOL, 'Keras LSTM');
      ours.dispose();
      // The LSTM inside a nested Sequential with its own InputLayer (as Keras writes it): inlined.
      const nested = JSON.parse(JSON.stringify(json));
      const layers = nested.modelTopology.model_config.config.layers;
      layers[1] = { class_name: 'Sequential', config: { name: 'inner', layers: [{ class_name: 'InputLayer',
        config: { batch_input_shape: [null, 5, 3], dtype: 'float32', name: 'inner_input' } }, layers[1]] } };
      const inlined = lp.io.fromTfjsLayers(nested, shard);
      assert.deepEqual(inlined.layers.map((l) => l.name), ['lstm', 'dense']);
      samePredictions(inlined, reference, inputsFor([{ shape: [2, 5, 3] }], 22), TOL, 'Keras LSTM, nested');
      inlined.dispose();
    });
  });
});

/** The functional fixture with `edit` applied to a copy of its model.json. */
function editedKeras(edit: (json: Record<string, any>) => void): Record<string, unknown> {
  const { json } = kerasFunctional();
  const copy = JSON.parse(JSON.stringify(json));
  edit(copy);
  return copy;
}
const layersOf = (j: Record<string, any>) => j.modelTopology.model_config.config.layers as Record<string, any>[];

describe('bad files: clear Errors, nothing leaks', () => {
  const { shard } = kerasFunctional();
  const load = (json: unknown, data: Uint8Array | ArrayBuffer = shard) => lp.io.fromTfjsLayers(json as lp.io.TfjsModelJson, data);
  it('missing weights name the layer', () => {
    const json = editedKeras((j) => { j.weightsManifest[0].weights.pop(); });
    expectError(() => load(json, shard.slice(0, shard.length - 8)), 'io.fromTfjsLayers', /needs more weight values than the manifest holds \(at layer 'dense_2' \(Dense\), weight 'bias' \[2\]\)/);
    expectError(() => load({ modelTopology: json.modelTopology }, new Uint8Array(0)), 'io.fromTfjsLayers', /needs more weight values than the manifest holds \(at layer 'conv2d'/);
  });
  it('shards of the wrong size', () => {
    const json = editedKeras(() => {});
    expectError(() => load(json, shard.slice(0, shard.length - 1)), 'io.fromTfjsLayers', /needs more bytes than the \d+ the shards hold \(at weight 'dense_2\/bias'\)/);
    expectError(() => load(json, new Uint8Array(shard.length + 4)), 'io.fromTfjsLayers', /describes \d+ bytes but the shards hold \d+/);
    const huge = editedKeras((j) => { j.weightsManifest[0].weights[0].shape = [65536, 65536, 64]; });
    expectError(() => load(huge), 'io.fromTfjsLayers', /needs more bytes than .* \(at weight 'conv2d\/kernel'\)/);
    // Many entries under one name prefix: refused or matched without quadratic work.
    const many = editedKeras((j) => { j.weightsManifest[0].weights = Array.from({ length: 100_001 }, (_, i) => ({ name: `m/${i}`, shape: [], dtype: 'float32' })); });
    expectError(() => load(many), 'io.fromTfjsLayers', /more than 100000 weights/);
    const scoped = editedKeras((j) => { j.weightsManifest[0].weights = Array.from({ length: 50_000 }, (_, i) => ({ name: `m/${i}`, shape: [], dtype: 'float32' })); });
    expectError(() => load(scoped, new Uint8Array(200_000)), 'io.fromTfjsLayers', /the model needs 12 weights but the manifest has 50000/);
  });
  it('unknown classes: one Error listing every one', () => {
    const json = editedKeras((j) => { layersOf(j)[1].class_name = 'Conv3D'; layersOf(j)[4].config.layers[1].class_name = 'Masking'; });
    expectError(() => load(json), 'io.fromTfjsLayers', /unsupported layer classes: Conv3D \(layer 'conv2d'\), Masking \(layer 'global_average_pooling2d'\)/);
    const lstm = kerasLstm();
    const layers = (lstm.json.modelTopology as any).model_config.config.layers;
    layers[1] = { class_name: 'Bidirectional', config: { name: 'bi', layer: { ...layers[1], class_name: 'CuDNNLSTM' } } };
    layers[2].class_name = 'Attention';
    expectError(() => load(lstm.json, lstm.shard), 'io.fromTfjsLayers', /unsupported layer classes: CuDNNLSTM \(inside layer 'bi'\), Attention \(layer 'dense'\)/);
  });
  it('weights of the wrong shape name the layer and both shapes', () => {
    const json = editedKeras((j) => { j.weightsManifest[0].weights[0].shape = [3, 3, 3, 2]; });
    expectError(() => load(json), 'io.fromTfjsLayers', /layer 'conv2d' \(Conv2D\): weight 'kernel' is \[3,3,2,3\] in the model but \[3,3,3,2\] in the manifest/);
    const dtype = editedKeras((j) => { j.weightsManifest[0].weights[0].dtype = 'complex64'; });
    expectError(() => load(dtype), 'io.fromTfjsLayers', /weight 'conv2d\/kernel': dtype must be float32, int32 or float16/);
    const int = editedKeras((j) => { j.weightsManifest[0].weights[1].dtype = 'int32'; });
    expectError(() => load(int), 'io.fromTfjsLayers', /layer 'conv2d' \(Conv2D\): weight 'bias' is float32 in the model but int32 in the manifest/);
  });
  it('options Lepton does not have, and malformed files', () => {
    const cases: [(j: Record<string, any>) => void, RegExp][] = [
      [(j) => { layersOf(j)[1].config.data_format = 'channels_first'; }, /layer 'conv2d' \(Conv2D\): data_format = "channels_first" is not supported/],
      [(j) => { layersOf(j)[1].config.groups = 3; }, /groups = 3 is not supported/],
      [(j) => { layersOf(j)[2].config.axis = [1]; }, /layer 'batch_normalization': only the last axis is supported; axis 1 of a rank-4 input is not/],
      [(j) => { layersOf(j)[3].config.negative_slope = 0.1; }, /layer 're_lu' \(ReLU\): ReLU with negative_slope/],
      [(j) => { layersOf(j)[5].config.activity_regularizer = { class_name: 'L2', config: { l2: 1 } }; }, /layer 'dense_1' \(Dense\): activity_regularizer/],
      [(j) => { layersOf(j)[5].config.activation = 'exotic'; }, /layer 'dense_1' \(Dense\): Dense: unknown activation 'exotic'/],
      [(j) => { layersOf(j)[5].inbound_nodes = [[['nowhere', 0, 0, {}]]]; }, /refers to node 0 of 'nowhere', which does not exist/],
      [(j) => { layersOf(j)[1].inbound_nodes = [[['dense_2', 0, 0, {}]]]; }, /cycle in the topology/],
      [(j) => { j.modelTopology = { model_config: { class_name: 'Weird' } }; }, /modelTopology must be/],
      [(j) => { j.format = 'graph-model'; }, /graph model/],
      [(j) => { j.weightsManifest = { paths: 1 }; }, /weightsManifest must be a list/],
    ];
    for (const [edit, message] of cases) expectError(() => load(editedKeras(edit)), 'io.fromTfjsLayers', message);
    expectError(() => load('{"modelTopology": '), 'io.fromTfjsLayers', /not JSON/);
  });
});

describe('loaders: model.json and shards from files and URLs', () => {
  it('loadTfjsLayersFile and io.loadTfjsLayersFromUrl read the shards beside model.json; paths must stay there', async () => {
    const { json, shard, weights } = kerasLstm();
    const half = shard.length >> 1;
    (json.weightsManifest as { paths: string[] }[])[0].paths = ['shard1.bin', 'sub/shard2.bin'];
    const dir = await mkdtemp(join(tmpdir(), 'lepton-tfjs-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await writeFile(join(dir, 'shard1.bin'), shard.slice(0, half));
    await writeFile(join(dir, 'sub/shard2.bin'), shard.slice(half));
    const direct = lp.io.fromTfjsLayers(json as unknown as lp.io.TfjsModelJson, shard);
    const x = lp.tensor(values(2 * 5 * 3, 9), [2, 5, 3]);
    const run = (m: lp.LayersModel) => lp.tidy(() => (m.predict(x) as lp.Tensor).dataSync());
    const want = run(direct);
    const fromFile = await loadTfjsLayersFile(join(dir, 'model.json'));
    assert.deepEqual(run(fromFile), want);
    await assert.rejects(loadTfjsLayersFile(join(dir, 'model.json'), { maxBytes: 100 }), /loadTfjsLayersFile: .* past maxBytes/);
    await saveTfjsLayersFiles(fromFile, join(dir, 'saved'));
    const again = await loadTfjsLayersFile(join(dir, 'saved', 'model.json'));
    assert.deepEqual(run(again), want);
    again.dispose();
    const server = createServer((req, res) => {
      readFile(join(dir, decodeURIComponent(req.url!.slice(1)))).then((b) => res.end(b), () => { res.statusCode = 404; res.end(); });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/model.json`;
      const fromUrl = await lp.io.loadTfjsLayersFromUrl(url);
      assert.deepEqual(run(fromUrl), want);
      fromUrl.dispose();
      await assert.rejects(lp.io.loadTfjsLayersFromUrl(url, undefined, { maxBytes: 1000 }), /io.loadTfjsLayersFromUrl: .* past maxBytes/);
      for (const bad of ['../secret.bin', 'http://elsewhere/x.bin', '/etc/x.bin']) {
        (json.weightsManifest as { paths: string[] }[])[0].paths = [bad];
        await writeFile(join(dir, 'model.json'), JSON.stringify(json));
        await assert.rejects(lp.io.loadTfjsLayersFromUrl(url), /must be relative to model.json, without '..'/);
        await assert.rejects(loadTfjsLayersFile(join(dir, 'model.json')), /loadTfjsLayersFile: shard path .* must be relative/);
      }
    } finally {
      server.close();
    }
    lp.dispose([x]);
    direct.dispose();
    fromFile.dispose();
    weights.length = 0;
  });
});
