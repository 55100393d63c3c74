// Models for the TF.js layers-format tests, built in tfjs-layers 4.22 (tfjs-backend-cpu) with
// seeded random weights, and what model.save writes for them (through a save handler).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { values } from './grad_check.js';

export interface Artifacts { modelTopology: Record<string, unknown>; weightSpecs: { name: string; shape: number[]; dtype: string }[]; weightData: ArrayBuffer }

/** What tfjs's model.save writes for the model. */
export async function saved(model: tfl.LayersModel): Promise<Artifacts> {
  let out: Artifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    out = { modelTopology: a.modelTopology as Record<string, unknown>, weightSpecs: a.weightSpecs as Artifacts['weightSpecs'],
      weightData: a.weightData as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out!;
}

/** Seeded random weights (variances positive, so that batch normalization is well defined). */
export function randomize(model: tfl.LayersModel, seed: number): void {
  const ws = model.weights;
  model.setWeights(ws.map((w, i) => {
    const v = values(w.shape.reduce((a: number, d) => a * (d ?? 1), 1), seed + i, -0.6, 0.6);
    if (w.name.includes('variance')) v.forEach((x, j) => { v[j] = 0.5 + Math.abs(x); });
    return tf.tensor(v, w.shape as number[]);
  }));
}

/** Both models' predictions on the same input agree within tol (relative to 1 + |want|). */
export function samePredictions(ours: lp.LayersModel, theirs: tfl.LayersModel, inputs: { shape: number[]; data: Float32Array }[], tol: number, what: string): void {
  const txs = inputs.map((x) => tf.tensor(x.data, x.shape));
  const want = theirs.predict(txs.length === 1 ? txs[0] : txs) as tf.Tensor | tf.Tensor[];
  const wants = (Array.isArray(want) ? want : [want]).map((t) => t.dataSync());
  const gots = lp.tidy(() => {
    const xs = inputs.map((x) => lp.tensor(x.data, x.shape));
    const got = ours.predict(xs.length === 1 ? xs[0] : xs);
    return (Array.isArray(got) ? got : [got]).map((t) => t.dataSync());
  });
  assert.equal(gots.length, wants.length, `${what}: outputs`);
  gots.forEach((g, k) => {
    assert.equal(g.length, wants[k].length, `${what}: output ${k} size`);
    g.forEach((v, i) => assert.ok(Math.abs(v - wants[k][i]) <= tol * (1 + Math.abs(wants[k][i])), `${what}: output ${k}[${i}] ${v} vs tfjs ${wants[k][i]}`));
  });
}

/** tfjs's own orthogonal initializer needs the chained-op API, absent here (see rnn_tfjs.test.ts). */
const rec = { recurrentInitializer: 'glorotUniform' as const };

/** Sequential and functional tfjs models covering every layer class the format maps. */
export function tfjsModels(): { name: string; model: tfl.LayersModel; inputs: { shape: number[]; ids?: number }[] }[] {
  const cnn = tfl.sequential({ name: 'cnn', layers: [
    tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [9, 9, 3] }),
    tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
    tfl.layers.separableConv2d({ filters: 5, kernelSize: 2, activation: 'tanh' }),
    tfl.layers.batchNormalization(),
    tfl.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]] }),
    tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }),
    tfl.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
    tfl.layers.dropout({ rate: 0.3 }),
    tfl.layers.permute({ dims: [2, 1, 3] }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 6, activation: 'elu', kernelRegularizer: tfl.regularizers.l2() }),
    tfl.layers.reshape({ targetShape: [2, 3] }),
    tfl.layers.activation({ activation: 'hardSigmoid' }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  const seq = tfl.sequential({ name: 'seq', layers: [
    tfl.layers.embedding({ inputDim: 11, outputDim: 4, inputLength: 7, inputShape: [7] }),
    tfl.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tfl.layers.maxPooling1d({ poolSize: 2, strides: 1 }),
    tfl.layers.layerNormalization(),
    tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 3, returnSequences: true, ...rec }) as tfl.RNN, mergeMode: 'concat' }),
    tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 4, activation: 'tanh' }) }),
    tfl.layers.averagePooling1d({ poolSize: 2 }),
    tfl.layers.simpleRNN({ units: 4, returnSequences: true, ...rec }),
    tfl.layers.gru({ units: 3, ...rec }),
    tfl.layers.dense({ units: 2 }),
  ] });
  const a = tfl.input({ shape: [6, 5], name: 'a' });
  const b = tfl.input({ shape: [6, 5], name: 'b' });
  const da = tfl.layers.dense({ units: 4, activation: 'relu' }).apply(a) as tfl.SymbolicTensor;
  const db = tfl.layers.dense({ units: 4 }).apply(b) as tfl.SymbolicTensor;
  // A layer applied twice (node indices 0 and 1), and an LSTM's states (tensor indices 1, 2).
  const shared = tfl.layers.dense({ units: 4, name: 'shared' });
  const sum = tfl.layers.add().apply([shared.apply(da) as tfl.SymbolicTensor, shared.apply(db) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  // (tfjs-layers 4.22 has no Subtract layer; the Keras fixture covers it.)
  const prod = tfl.layers.multiply().apply([sum, da]) as tfl.SymbolicTensor;
  const cat = tfl.layers.concatenate({ axis: -1 }).apply([prod, sum]) as tfl.SymbolicTensor;
  const [lstm, h, c] = tfl.layers.lstm({ units: 3, returnSequences: true, returnState: true, ...rec }).apply(cat) as tfl.SymbolicTensor[];
  const pooledMax = tfl.layers.globalMaxPooling1d().apply(lstm) as tfl.SymbolicTensor;
  const pooledAvg = tfl.layers.globalAveragePooling1d().apply(cat) as tfl.SymbolicTensor;
  const states = tfl.layers.concatenate().apply([pooledMax, h, c]) as tfl.SymbolicTensor;
  const out1 = tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'head1' }).apply(states) as tfl.SymbolicTensor;
  const out2 = tfl.layers.dense({ units: 3, name: 'head2' }).apply(pooledAvg) as tfl.SymbolicTensor;
  const functional = tfl.model({ name: 'two_heads', inputs: [a, b], outputs: [out1, out2] });
  const img = tfl.input({ shape: [8, 8, 2] });
  const c1 = tfl.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }).apply(img) as tfl.SymbolicTensor;
  const bn = tfl.layers.batchNormalization({ center: false }).apply(c1) as tfl.SymbolicTensor;
  const g1 = tfl.layers.globalAveragePooling2d({}).apply(bn) as tfl.SymbolicTensor;
  const g2 = tfl.layers.globalMaxPooling2d({}).apply(c1) as tfl.SymbolicTensor;
  const head = tfl.layers.dense({ units: 2 }).apply(tfl.layers.concatenate().apply([g1, g2]) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const cnnFunctional = tfl.model({ name: 'cnn_functional', inputs: img, outputs: head });
  const masked = tfl.sequential({ name: 'masked', layers: [
    tfl.layers.embedding({ inputDim: 8, outputDim: 3, maskZero: true, inputShape: [7] }),
    tfl.layers.simpleRNN({ units: 4, returnSequences: true, ...rec }),
    tfl.layers.lstm({ units: 3, ...rec }),
    tfl.layers.dense({ units: 2 }),
  ] });
  return [
    { name: 'sequential masked text model (mask_zero, ids with padding)', model: masked, inputs: [{ shape: [3, 7], ids: 4 }] },
    { name: 'sequential CNN', model: cnn, inputs: [{ shape: [2, 9, 9, 3] }] },
    { name: 'sequential text model', model: seq, inputs: [{ shape: [2, 7], ids: 11 }] },
    { name: 'functional two-input two-output model', model: functional, inputs: [{ shape: [2, 6, 5] }, { shape: [2, 6, 5] }] },
    { name: 'functional CNN', model: cnnFunctional, inputs: [{ shape: [3, 8, 8, 2] }] },
  ];
}

/** Seeded inputs: uniform in [-1, 1), or token ids below `ids` (as float32, as tfjs takes them). */
export function inputsFor(specs: { shape: number[]; ids?: number }[], seed: number): { shape: number[]; data: Float32Array }[] {
  return specs.map((s, k) => {
    const data = values(s.shape.reduce((a, d) => a * d, 1), seed + k, -1, 1);
    if (s.ids !== undefined) data.forEach((v, i) => { data[i] = Math.floor((v + 1) / 2 * s.ids!); });
    return { shape: s.shape, data };
  });
}
