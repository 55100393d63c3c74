// The TensorFlow.js / Keras layers format (io.fromTfjsLayers, io.toTfjsLayers): models built and
// saved by tfjs-layers 4.22 (tfjs-backend-cpu) load in Lepton with the same predictions (1e-5),
// also as model.json + several shards, and with weights quantized as the converter's
// quantize_uint8 / uint16 / float16 options write them (decoded by tfjs itself for the reference);
// Lepton models exported load in tfjs with the same predictions; a hand-written model.json in the
// Keras converter's style (Keras 2 keys, model_config, Functional, nested Sequential, InputLayer
// with batch_input_shape, axis lists, dtype policies, ReLU); bad files give clear Errors, no leaks.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { expectError, noLeak } from '../helpers/api.js';
import { values } from '../helpers/grad_check.js';
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
      const { model, inputs } = tfjsModels()[0];
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
      const x = lp.input({ shape: [5, 4] });
      const a = lp.layers.dense({ units: 3 }).apply(x);
      const b = lp.layers.dense({ units: 3, activation: 'sigmoid' }).apply(x);
      const m = lp.layers.multiply().apply([lp.layers.add().apply([a, b]), b]); // (tfjs-layers has no Subtract)
      const c = lp.layers.concatenate().apply([m, a]);
      const p = lp.layers.globalAveragePooling1d().apply(c);
      return lp.model({ inputs: x, outputs: [p, lp.layers.averagePooling1d({ poolSize: 2 }).apply(c)] });
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
  it('refuses layers TF.js cannot read, listing them', () => {
    const x = lp.input({ shape: [4, 8] });
    const y = lp.layers.multiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([x, x]);
    const m = lp.model({ inputs: x, outputs: y });
    expectError(() => lp.io.toTfjsLayers(m), 'io.toTfjsLayers', /multi_head_attention.*MultiHeadAttention/);
    m.dispose();
  });
});
