// The GRU with the reset gate after the recurrent product (Keras's reset_after = true, TF2 Keras's
// default; tfjs-layers 4.22 refuses it, so the reference is the f64 scalar Keras formula in
// tests/ref/rnn_ref.ts): the layer's predictions (masks, goBackwards, initial state, both
// recurrent activations), its weights (bias [2, 3·units]), Bidirectional, a Keras converter
// model.json with reset_after: true read by io.fromTfjsLayers and written back by
// io.toTfjsLayers, io.save / io.load, and training with fit; an ONNX GRU with
// linear_before_reset 1 (PyTorch's export) imported, checked against onnxruntime-web, saved,
// loaded and fine-tuned (every direction and layout: tests/api/onnx_ops.test.ts). Gradients are checked by finite
// differences in tests/grad/rnn.test.ts (kernel) and tests/api/rnn.test.ts (tape).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { values } from '../helpers/grad_check.js';
import { assertClose } from '../helpers/check.js';
import { noLeak } from '../helpers/api.js';
import { kerasLstm } from '../helpers/keras_fixture.js';
import { GRU } from '../../js-bindings/layers/recurrent.js';
import { rnn_forward_ref, type ActName } from '../ref/rnn_ref.js';
import { GraphBuilder, agree, runLepton } from '../helpers/onnx.js';
import { fromOnnx } from '../../js-bindings/onnx/index.js';

before(async () => { await lp.ready(); });

const [B, T, F, U] = [3, 6, 5, 7];
const TOL = { atol: 2e-5, rtol: 2e-5 };

/** Gives every weight of the model seeded values (the bias too, which starts at zeros). */
function randomizeWeights(model: lp.LayersModel | lp.Layer, seed: number): void {
  lp.tidy(() => model.setWeights(model.weights.map((w, i) => lp.tensor(values(w.size, seed + i, -0.6, 0.6), w.shape))));
}

/** The Keras formula for one reset-after GRU layer with these weights ([kernel, recurrent, bias]). */
function reference(weights: Float32Array[], x: Float32Array, o: { batch: number; time: number; inDim: number; units: number;
  goBackwards?: boolean; mask?: Int32Array | null; h0?: Float32Array | null; recAct?: ActName }): Float64Array {
  return rnn_forward_ref({ cell: 'gruAfter', batch: o.batch, time: o.time, inDim: o.inDim, units: o.units, x, w: weights[0],
    u: weights[1], bias: weights[2] ?? null, h0: o.h0 ?? null, c0: null, mask: o.mask ?? null, rmask: null,
    goBackwards: o.goBackwards ?? false, act: 'tanh', recAct: o.recAct ?? 'hardSigmoid' });
}

/** The last step's rows of a [batch, time, units] reference. */
function lastStep(seq: Float64Array, batch: number, time: number, units: number): Float64Array {
  return Float64Array.from({ length: batch * units }, (_, i) => seq[(Math.floor(i / units) * time + time - 1) * units + (i % units)]);
}

const data = (t: lp.Tensor) => Float32Array.from(t.dataSync());

describe('GRU resetAfter: the layer against the Keras formula', () => {
  for (const recurrentActivation of ['hardSigmoid', 'sigmoid'] as const) {
    for (const goBackwards of [false, true]) {
      it(`${recurrentActivation}${goBackwards ? ', goBackwards' : ''}: sequences with a mask and an initial state, bias [2, 3·units]`, () => {
        const layer = lp.layers.gru({ units: U, resetAfter: true, returnSequences: true, goBackwards, recurrentActivation });
        layer.ensureBuilt([B, T, F]);
        assert.deepEqual(layer.weights.map((w) => w.shape), [[F, 3 * U], [U, 3 * U], [2, 3 * U]]);
        randomizeWeights(layer, 10);
        const weights = layer.weights.map((w) => data(w));
        const x = values(B * T * F, 1, -1, 1), h0 = values(B * U, 2, -0.5, 0.5);
        const maskValues = Int32Array.from({ length: B * T }, (_, i) => (i >= T && i % 3 === 1 ? 0 : 1));
        noLeak(() => lp.tidy(() => {
          const xt = lp.tensor(x, [B, T, F]);
          const got = layer.apply(xt, { mask: lp.tensor(maskValues, [B, T], 'int32'), initialState: lp.tensor(h0, [B, U]) });
          assertClose(got.dataSync(), reference(weights, x, { batch: B, time: T, inDim: F, units: U, goBackwards, mask: maskValues, h0,
            recAct: recurrentActivation }), TOL, 'masked, h0');
          assertClose(layer.apply(xt).dataSync(), reference(weights, x, { batch: B, time: T, inDim: F, units: U, goBackwards,
            recAct: recurrentActivation }), TOL, 'plain');
        }));
        assert.equal(layer.getConfig().resetAfter, true);
        layer.dispose();
      });
    }
  }

  it('without a bias, and Bidirectional (both directions keep resetAfter)', () => {
    const plain = lp.layers.gru({ units: 4, resetAfter: true, useBias: false });
    plain.ensureBuilt([2, 3, 2]);
    randomizeWeights(plain, 30);
    const x = values(2 * 3 * 2, 3, -1, 1);
    lp.tidy(() => assertClose(plain.apply(lp.tensor(x, [2, 3, 2])).dataSync(),
      lastStep(reference(plain.weights.map(data), x, { batch: 2, time: 3, inDim: 2, units: 4 }), 2, 3, 4), TOL, 'no bias'));
    plain.dispose();
    const bi = lp.layers.bidirectional({ layer: lp.layers.gru({ units: U, resetAfter: true }), mergeMode: 'concat' });
    bi.ensureBuilt([B, T, F]);
    assert.deepEqual(bi.weights.map((w) => w.shape), [[F, 3 * U], [U, 3 * U], [2, 3 * U], [F, 3 * U], [U, 3 * U], [2, 3 * U]]);
    randomizeWeights(bi, 40);
    const w = bi.weights.map(data), xs = values(B * T * F, 4, -1, 1);
    const fwd = lastStep(reference(w.slice(0, 3), xs, { batch: B, time: T, inDim: F, units: U }), B, T, U);
    const bwd = lastStep(reference(w.slice(3), xs, { batch: B, time: T, inDim: F, units: U, goBackwards: true }), B, T, U);
    const want = Float64Array.from({ length: B * 2 * U }, (_, i) => {
      const b = Math.floor(i / (2 * U)), j = i % (2 * U);
      return j < U ? fwd[b * U + j] : bwd[b * U + j - U];
    });
    lp.tidy(() => assertClose(bi.apply(lp.tensor(xs, [B, T, F])).dataSync(), want, TOL, 'bidirectional'));
    bi.dispose();
  });
});

/** The Keras converter's model.json for Input [5, 3] → GRU(4, reset_after) → Dense(2), and its shard. */
function kerasGru(): { json: Record<string, any>; shard: Uint8Array; weights: Float32Array[] } {
  const { json } = kerasLstm() as { json: Record<string, any> };
  const layers = json.modelTopology.model_config.config.layers;
  const { unit_forget_bias: _dropped, ...config } = layers[1].config;
  layers[1] = { class_name: 'GRU', config: { ...config, name: 'gru', reset_after: true } };
  const specs: [string, number[]][] = [['gru/gru_cell/kernel', [3, 12]], ['gru/gru_cell/recurrent_kernel', [4, 12]],
    ['gru/gru_cell/bias', [2, 12]], ['dense/kernel', [4, 2]], ['dense/bias', [2]]];
  const weights = specs.map(([, shape], i) => values(shape.reduce((a, d) => a * d, 1), 600 + i, -0.6, 0.6));
  const shard = new Uint8Array(weights.reduce((a, w) => a + w.byteLength, 0));
  weights.reduce((at, w) => (shard.set(new Uint8Array(w.buffer), at), at + w.byteLength), 0);
  json.weightsManifest = [{ paths: ['group1-shard1of1.bin'], weights: specs.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }];
  return { json, shard, weights };
}

/** Dense(2) after the GRU's last output, in f64. */
function kerasGruReference(weights: Float32Array[], x: Float32Array, batch: number): Float64Array {
  const h = lastStep(reference(weights.slice(0, 3), x, { batch, time: 5, inDim: 3, units: 4, recAct: 'sigmoid' }), batch, 5, 4);
  const [k, b] = weights.slice(3);
  return Float64Array.from({ length: batch * 2 }, (_, i) => {
    const r = Math.floor(i / 2), c = i % 2;
    let acc = b[c];
    for (let j = 0; j < 4; j++) acc += h[r * 4 + j] * k[j * 2 + c];
    return acc;
  });
}

describe('GRU resetAfter in model files', () => {
  it('a Keras model.json with reset_after: true and a [2, 3u] bias loads, predicts as the formula, and writes back the same', () => {
    const { json, shard, weights } = kerasGru();
    const x = values(4 * 5 * 3, 5, -1, 1);
    const want = kerasGruReference(weights, x, 4);
    const model = lp.io.fromTfjsLayers(json as lp.io.TfjsModelJson, shard);
    const predict = (m: lp.LayersModel) => lp.tidy(() => (m.predict(lp.tensor(x, [4, 5, 3])) as lp.Tensor).dataSync().slice());
    assertClose(predict(model), want, TOL, 'from Keras');
    const gru = model.layers.find((l) => l.className === 'GRU') as GRU;
    assert.equal(gru.resetAfter, true);
    const out = lp.io.toTfjsLayers(model);
    const topology = out.modelTopology as any;
    const written = (topology.model_config ?? topology).config.layers.find((l: { class_name: string }) => l.class_name === 'GRU');
    assert.equal(written.config.reset_after, true);
    assert.deepEqual(out.weightSpecs.find((s) => s.name.endsWith('/bias') && s.name.startsWith(gru.name))?.shape, [2, 12]);
    const back = lp.io.fromTfjsLayers(JSON.parse(JSON.stringify(out.modelJson)), out.weightData);
    assert.deepEqual(predict(back), predict(model));
    const saved = lp.io.load<lp.LayersModel>(lp.io.save(model));
    assert.deepEqual(predict(saved), predict(model));
    assert.equal((saved.layers.find((l) => l.className === 'GRU') as GRU).resetAfter, true);
    lp.dispose([model, back, saved] as never);
  });

  it('a reset_after bias of the wrong shape names the layer and both shapes', () => {
    const { json, shard } = kerasGru();
    json.weightsManifest[0].weights[2].shape = [24];
    noLeak(() => assert.throws(() => lp.io.fromTfjsLayers(json as lp.io.TfjsModelJson, shard),
      /io.fromTfjsLayers: .*layer 'gru' \(GRU\): weight 'bias' is \[2,12\] in the model but \[24\] in the manifest/));
  });

  it('trains with fit (the loss falls; the bias rows learn apart) and keeps memory flat', async () => {
    const model = lp.sequential([lp.layers.gru({ units: 6, resetAfter: true, inputShape: [T, F], seed: 2 }), lp.layers.dense({ units: 2 })]);
    model.compile({ optimizer: lp.train.adam(0.02), loss: 'meanSquaredError' });
    const x = lp.tensor(values(16 * T * F, 6, -1, 1), [16, T, F]), y = lp.tensor(values(32, 7, -1, 1), [16, 2]);
    const first = await model.trainOnBatch(x, y) as number;
    const before = lp.memory();
    let last = first;
    for (let i = 0; i < 30; i++) last = await model.trainOnBatch(x, y) as number;
    const after = lp.memory();
    assert.ok(last < 0.7 * first, `loss ${first} → ${last}`);
    assert.equal(after.numBytes, before.numBytes);
    const bias = data(model.layers[0].weights[2]);
    assert.notDeepEqual(bias.slice(0, 18), bias.slice(18), 'the input and recurrent biases differ after training');
    model.dispose();
    lp.dispose([x, y]);
  });
});

describe('GRU resetAfter from ONNX (linear_before_reset 1, as PyTorch exports)', () => {
  it('bidirectional GRU: onnxruntime-web agrees; batch first, io.save / io.load keep the predictions and fit lowers the loss', async () => {
    const [t, i, h] = [6, 4, 5];
    const graph = (layout: number) => {
      const g = new GraphBuilder().input('x', layout === 1 ? ['N', t, i] : [t, 1, i]).output('Y').output('Y_h');
      g.node('GRU', ['x', g.init('W', [2, 3 * h, i]), g.init('R', [2, 3 * h, h]), g.init('B', [2, 6 * h])], ['Y', 'Y_h'],
        { hidden_size: h, direction: 'bidirectional', linear_before_reset: 1, ...(layout === 1 ? { layout: 1 } : {}) });
      return g;
    };
    (await agree(graph(0), [t, 1, i], { opset: 14 })).dispose();
    const m = fromOnnx(graph(1).encode(14, 7));
    assert.ok(m.layers.some((l) => l instanceof GRU && l.resetAfter), 'imported as resetAfter GRUs');
    const x = { data: values(8 * t * i, 8, -1, 1), dims: [8, t, i] };
    const loaded = lp.io.load<lp.LayersModel>(lp.io.save(m));
    assert.deepEqual(runLepton(loaded, x).map((a) => Array.from(a)), runLepton(m, x).map((a) => Array.from(a)));
    loaded.dispose();
    m.compile({ optimizer: lp.train.adam(0.02), loss: 'meanSquaredError' });
    const xs = lp.tensor(x.data, x.dims), ys = [lp.fill([8, t, 2, h], 0.3), lp.fill([8, 2, h], -0.2)];
    const hist = await m.fit(xs, ys, { epochs: 8, batchSize: 8, verbose: 0 });
    assert.ok(hist.history.loss[7] < hist.history.loss[0], `loss ${hist.history.loss}`);
    lp.dispose([xs, ...ys]);
    m.dispose();
  });
});
