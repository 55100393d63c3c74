// The sequence basics through the public API: Embedding, Conv1D (and lp.conv1d), the 1-D
// poolings, the masked global poolings and TimeDistributed against tfjs-layers (same weights,
// same predictions); masks flowing from Embedding(maskZero) to the global poolings; gradients
// through the tape by finite differences; training against tfjs-layers and with flat memory;
// argument and input errors that name the layer, without leaks.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { checkGrads, values } from '../helpers/grad_check.js';
import { expectError, noLeak } from '../helpers/api.js';
import { agree } from '../helpers/tfjs_agree.js';

before(async () => {
  await lp.ready();
  await tf.setBackend('cpu');
});

/** n ids in [0, vocab), seeded, as float32 (what both engines accept); `zeros` of them set to 0 (padding). */
function ids(n: number, vocab: number, seed: number, zeros = 0): Float32Array {
  const v = values(n, seed, 0, vocab).map(Math.floor);
  for (let i = 0; i < zeros; i++) v[(i * 7 + 3) % n] = 0;
  return v;
}

describe('sequence layers agree with tfjs-layers', () => {
  it('embedding (float ids, inputLength), then dense on every step', () => {
    agree([6], [[lp.layers.embedding({ inputDim: 11, outputDim: 5, inputLength: 6 }), lp.layers.dense({ units: 3 })],
      [tfl.layers.embedding({ inputDim: 11, outputDim: 5, inputLength: 6 }), tfl.layers.dense({ units: 3 })]], 1, 1e-4, ids(12, 11, 1));
  });
  it('embedding, globalAveragePooling1d, dense (the bench model, small)', () => {
    agree([9], [[lp.layers.embedding({ inputDim: 20, outputDim: 8, inputShape: [9] }), lp.layers.globalAveragePooling1d(),
      lp.layers.dense({ units: 1, activation: 'sigmoid' })],
    [tfl.layers.embedding({ inputDim: 20, outputDim: 8, inputShape: [9] }), tfl.layers.globalAveragePooling1d(),
      tfl.layers.dense({ units: 1, activation: 'sigmoid' })]], 2, 1e-4, ids(18, 20, 2));
  });
  for (const [padding, strides, dilationRate] of [['valid', 1, 1], ['same', 1, 1], ['valid', 2, 1], ['same', 3, 1],
    ['same', 1, 3], ['valid', 1, 2]] as const) {
    it(`conv1d: ${padding}, strides ${strides}, dilation ${dilationRate}`, () => {
      for (const kernelSize of [1, 3]) {
        agree([11, 4], [[lp.layers.conv1d({ filters: 5, kernelSize, strides, padding, dilationRate, activation: 'relu', inputShape: [11, 4] })],
          [tfl.layers.conv1d({ filters: 5, kernelSize, strides, padding, dilationRate, activation: 'relu', inputShape: [11, 4] })]], 3 + kernelSize);
      }
    });
  }
  it('conv1d without bias, tanh, on 1 and 17 steps', () => {
    for (const steps of [1, 17]) {
      agree([steps, 3], [[lp.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'same', useBias: false, activation: 'tanh', inputShape: [steps, 3] })],
        [tfl.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'same', useBias: false, activation: 'tanh', inputShape: [steps, 3] })]], 9);
    }
  });
  // tfjs-layers has no 'causal' ("not implemented yet"): Keras defines it as (k − 1)·dilation
  // zeros on the left, then 'valid' — which is checked against tfjs-layers above.
  for (const [kernelSize, strides, dilationRate, steps] of [[3, 1, 1, 9], [3, 1, 2, 9], [2, 2, 1, 7], [4, 1, 1, 1], [1, 1, 1, 3], [3, 1, 3, 17]]) {
    it(`conv1d causal = left zeros + valid: kernel ${kernelSize}, strides ${strides}, dilation ${dilationRate}, ${steps} steps`, () => {
      const layer = lp.layers.conv1d({ filters: 3, kernelSize, strides, dilationRate, padding: 'causal', activation: 'relu' });
      layer.ensureBuilt([null, steps, 4]);
      noLeak(() => lp.tidy(() => {
        const x = lp.tensor(values(2 * steps * 4, 20 + steps), [2, steps, 4]);
        const y = layer.apply(x);
        const padded = lp.pad(x, [[0, 0], [(kernelSize - 1) * dilationRate, 0], [0, 0]]);
        const want = lp.relu(lp.add(lp.conv1d(padded, layer.kernel!, strides, 'valid', 'NWC', dilationRate), layer.bias!));
        assert.deepEqual(y.shape, [2, Math.ceil(steps / strides), 3]);
        assert.deepEqual(y.shape, want.shape);
        const a = y.dataSync(), b = want.dataSync();
        a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${v} vs ${b[i]}`));
        // Causality: changing the last step changes no earlier output.
        const later = lp.concat([lp.slice(x, [0, 0, 0], [2, steps - 1, 4]), lp.fill([2, 1, 4], 9)], 1);
        const y2 = layer.apply(later).dataSync();
        const lastOut = Math.ceil(steps / strides) - 1;
        for (let bi = 0; bi < 2; bi++) {
          for (let t = 0; t < lastOut; t++) {
            if ((t * strides) >= steps - 1) continue;
            for (let c = 0; c < 3; c++) {
              const i = (bi * (lastOut + 1) + t) * 3 + c;
              assert.equal(y2[i], a[i], `output step ${t} moved when only the last input step changed`);
            }
          }
        }
      }));
      layer.dispose();
    });
  }
  for (const [poolSize, strides, padding] of [[2, undefined, 'valid'], [3, 1, 'same'], [3, 2, 'valid'], [2, 3, 'same']] as const) {
    it(`maxPooling1d and averagePooling1d: poolSize ${poolSize}, strides ${strides ?? 'default'}, ${padding}`, () => {
      agree([10, 3], [[lp.layers.maxPooling1d({ poolSize, strides, padding, inputShape: [10, 3] })],
        [tfl.layers.maxPooling1d({ poolSize, strides, padding, inputShape: [10, 3] })]], 10);
      agree([10, 3], [[lp.layers.averagePooling1d({ poolSize, strides, padding, inputShape: [10, 3] })],
        [tfl.layers.averagePooling1d({ poolSize, strides, padding, inputShape: [10, 3] })]], 11);
    });
  }
  it('global poolings over time (no mask)', () => {
    for (const steps of [1, 3, 17]) {
      agree([steps, 5], [[lp.layers.globalAveragePooling1d({ inputShape: [steps, 5] })], [tfl.layers.globalAveragePooling1d({ inputShape: [steps, 5] })]], 12);
      agree([steps, 5], [[lp.layers.globalMaxPooling1d({ inputShape: [steps, 5] })], [tfl.layers.globalMaxPooling1d({ inputShape: [steps, 5] })]], 13);
    }
  });
  it('timeDistributed(dense) and timeDistributed(conv1d)', () => {
    agree([4, 3], [[lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 2, activation: 'tanh' }), inputShape: [4, 3] })],
      [tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 2, activation: 'tanh' }), inputShape: [4, 3] })]], 14);
    agree([3, 6, 2], [[lp.layers.timeDistributed({ layer: lp.layers.conv1d({ filters: 3, kernelSize: 2 }), inputShape: [3, 6, 2] })],
      [tfl.layers.timeDistributed({ layer: tfl.layers.conv1d({ filters: 3, kernelSize: 2 }), inputShape: [3, 6, 2] })]], 15);
  });
});

describe('masks: Embedding(maskZero) → global poolings', () => {
  /** ids [2, 6] with padding (0) at the end of row 0 and everywhere in row... none; embeddings known. */
  function setUp(vocab = 7, dim = 3) {
    const emb = lp.layers.embedding({ inputDim: vocab, outputDim: dim, maskZero: true });
    const table = values(vocab * dim, 5);
    emb.ensureBuilt([null, 6]);
    lp.tidy(() => emb.setWeights([lp.tensor(table, [vocab, dim])]));
    return { emb, table, dim };
  }
  const rowIds = [[3, 1, 4, 0, 0, 0], [2, 6, 5, 3, 5, 1], [0, 0, 0, 0, 0, 0]];

  it('computeMask is ids != 0 (bool [batch, time]); id 0 still has a row', () => {
    const { emb } = setUp();
    lp.tidy(() => {
      const x = lp.tensor(rowIds.flat(), [3, 6], 'int32');
      const m = emb.computeMask(x, null) as lp.Tensor;
      assert.equal(m.dtype, 'bool');
      assert.deepEqual(m.shape, [3, 6]);
      assert.deepEqual([...m.dataSync()], rowIds.flat().map((v) => (v !== 0 ? 1 : 0)));
      assert.deepEqual(emb.embeddings!.shape, [7, 3]);
    });
    emb.dispose();
  });

  it('in a model: mean and max over the real tokens only; an all-padding row gives 0', () => {
    const { emb, table, dim } = setUp();
    const input = lp.input({ shape: [6], dtype: 'int32' });
    const e = emb.apply(input) as lp.SymbolicTensor;
    const mean = lp.model({ inputs: input, outputs: lp.layers.globalAveragePooling1d().apply(e) as lp.SymbolicTensor });
    const maxModel = lp.model({ inputs: input, outputs: lp.layers.globalMaxPooling1d().apply(e) as lp.SymbolicTensor });
    noLeak(() => lp.tidy(() => {
      const x = lp.tensor(rowIds.flat(), [3, 6], 'int32');
      const got = (mean.predict(x) as lp.Tensor).dataSync(), gotMax = (maxModel.predict(x) as lp.Tensor).dataSync();
      rowIds.forEach((row, b) => {
        const real = row.filter((id) => id !== 0);
        for (let c = 0; c < dim; c++) {
          const col = real.map((id) => table[id * dim + c]);
          const want = real.length === 0 ? 0 : col.reduce((a, v) => a + v, 0) / real.length;
          assert.ok(Math.abs(got[b * dim + c] - want) < 1e-6, `mean row ${b} channel ${c}: ${got[b * dim + c]} vs ${want}`);
          const wantMax = real.length === 0 ? 0 : Math.max(...col);
          assert.ok(Math.abs(gotMax[b * dim + c] - wantMax) < 1e-6, `max row ${b} channel ${c}`);
        }
      });
    }));
    mean.dispose();
    maxModel.dispose();
  });

  it('the mask passes through timeDistributed and dense (per step) to the pooling', () => {
    const { emb, table, dim } = setUp();
    const input = lp.input({ shape: [6], dtype: 'int32' });
    const td = lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 2 }) });
    const d = lp.layers.dense({ units: 2 });
    const out = lp.layers.globalAveragePooling1d().apply(d.apply(td.apply(emb.apply(input) as lp.SymbolicTensor) as lp.SymbolicTensor) as lp.SymbolicTensor);
    const m = lp.model({ inputs: input, outputs: out as lp.SymbolicTensor });
    lp.tidy(() => {
      const x = lp.tensor(rowIds[0], [1, 6], 'int32');
      const got = (m.predict(x) as lp.Tensor).dataSync();
      // The same layers on the real tokens alone, no mask: the same mean.
      const real = lp.tensor(rowIds[0].slice(0, 3), [1, 3], 'int32');
      const h = d.apply(td.apply(emb.apply(real)));
      const want = lp.mean(h, 1).dataSync();
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
      assert.ok(table.length > 0);
    });
    m.dispose();
  });

  it('a mask of the wrong shape throws naming the layer; so does the op', () => {
    const pool = lp.layers.globalAveragePooling1d({ name: 'gap' });
    const x = lp.zeros([2, 5, 3]);
    const bad = lp.tensor([1, 1, 0, 1, 1, 1], [2, 3], 'bool');
    expectError(() => pool.apply(x, { mask: bad }), 'gap (GlobalAveragePooling1D)', /mask must have shape \[batch, time\] = \[2,5\].*\[2,3\]/);
    expectError(() => lp.layers.globalMaxPooling1d({ name: 'gmp' }).apply(x, { mask: [bad, null] }), 'gmp (GlobalMaxPooling1D)', /list of 2/);
    expectError(() => lp.globalMaxPool1d(x, bad), 'globalMaxPool1d', /\[2,5\]/);
    const floatMask = lp.zeros([2, 5]);
    expectError(() => lp.globalAveragePool1d(x, floatMask), 'globalAveragePool1d', /mask.*bool or int32/);
    lp.dispose([x, bad, floatMask]);
  });
});

describe('gradients through the tape (finite differences)', () => {
  for (const steps of [1, 3, 17]) {
    it(`conv1d over ${steps} steps: causal with dilation, strided same, valid, numeric pad`, () => {
      for (const [pad, stride, dilation] of [['causal', 1, 2], ['same', 2, 1], ['valid', 1, 1], [1, 1, 1]] as const) {
        const k = pad === 'valid' ? Math.min(3, steps) : 3;
        checkGrads({ f: (x, w) => lp.conv1d(x, w, stride, pad, 'NWC', dilation), inputs: [
          { values: values(2 * steps * 3, steps), shape: [2, steps, 3] }, { values: values(k * 3 * 2, 2), shape: [k, 3, 2] }] });
      }
    });
  }
  it('conv1d with bias and relu through a Conv1D layer (the fused epilogue\'s gradient)', () => {
    const layer = lp.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'causal', activation: 'tanh' });
    layer.ensureBuilt([null, 5, 3]);
    const [kernel, bias] = layer.weights;
    checkGrads({ f: (x, w, b) => lp.tanh(lp.add(lp.conv1d(x, w, 1, 'causal'), b)), inputs: [
      { values: values(2 * 5 * 3, 4), shape: [2, 5, 3] }, { values: kernel.dataSync() as Float32Array, shape: [...kernel.shape] },
      { values: values(2, 5), shape: [2] }] });
    lp.tidy(() => {
      const x = lp.tensor(values(2 * 5 * 3, 6), [2, 5, 3]);
      const g = lp.variableGrads(() => lp.sum(layer.apply(x)), layer.weights).grads;
      const want = lp.grads((w: lp.Tensor, b: lp.Tensor) => lp.sum(lp.tanh(lp.add(lp.conv1d(x, w, 1, 'causal'), b))))([kernel, bias]);
      [kernel, bias].forEach((v, i) => {
        const a = g[v.name].dataSync(), e = want[i].dataSync();
        a.forEach((q, j) => assert.ok(Math.abs(q - e[j]) < 1e-5, `${v.name}[${j}]: ${q} vs ${e[j]}`));
      });
    });
    layer.dispose();
  });
  // (tfjs-core's conv1d with a numeric pad throws: it pads the height too, sized from the width.)
  it('conv1d op matches tfjs-core conv1d (rank-2 input, same and valid with strides)', () => {
    const x = values(9 * 4, 8), f = values(3 * 4 * 2, 9);
    for (const [pad, stride, rank2] of [['same', 1, true], ['same', 2, false], ['valid', 3, true], ['valid', 1, false]] as const) {
      const xs: number[] = rank2 ? [9, 4] : [1, 9, 4];
      const tx = (rank2 ? tf.tensor2d(x, [9, 4]) : tf.tensor3d(x, [1, 9, 4])) as tf.Tensor3D;
      const want = tf.conv1d(tx, tf.tensor3d(f, [3, 4, 2]), stride, pad).dataSync();
      const got = lp.tidy(() => lp.conv1d(lp.tensor(x, xs), lp.tensor(f, [3, 4, 2]), stride, pad).dataSync());
      assert.equal(got.length, want.length);
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `pad ${pad} stride ${stride}: ${v} vs ${want[i]}`));
    }
  });
  for (const t of [1, 3, 17]) {
    it(`masked global mean and max over ${t} steps`, () => {
      const mask = lp.tensor(Array.from({ length: 2 * t }, (_, i) => (i % 3 === 2 ? 0 : 1)), [2, t], 'bool');
      // Distinct values (no ties for the max), far apart relative to the step.
      const x = values(2 * t * 3, 7 + t).map((_, i, a) => a[i] + (i % 11) * 0.3);
      checkGrads({ f: (v) => lp.globalAveragePool1d(v, mask), inputs: [{ values: x, shape: [2, t, 3] }] });
      checkGrads({ f: (v) => lp.globalMaxPool1d(v, mask), inputs: [{ values: x, shape: [2, t, 3] }], eps: 1e-3 });
      mask.dispose();
    });
  }
  it('embedding: the table gets the scatter-added gradient (repeated ids add up)', () => {
    const emb = lp.layers.embedding({ inputDim: 6, outputDim: 4 });
    emb.ensureBuilt([null, 5]);
    const x = lp.tensor([1, 3, 1, 0, 5, 2, 2, 2, 4, 1], [2, 5], 'int32');
    const w = lp.tensor(values(40, 3), [2, 5, 4]);
    const g = lp.tidy(() => lp.variableGrads(() => lp.sum(lp.mul(emb.apply(x), w)), emb.weights).grads);
    const dTable = g[emb.embeddings!.name].dataSync(), wv = w.dataSync(), idv = x.dataSync();
    const want = new Float32Array(24);
    idv.forEach((id, j) => { for (let c = 0; c < 4; c++) want[id * 4 + c] += wv[j * 4 + c]; });
    dTable.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `d table[${i}]: ${v} vs ${want[i]}`));
    lp.dispose([x, w, ...Object.values(g)]);
    emb.dispose();
  });
});

describe('training', () => {
  it('embedding + masked mean + dense: 3 Adam steps agree with tfjs-layers; memory stays flat', async () => {
    const make = (L: typeof lp.layers | typeof tfl.layers) => [
      (L.embedding as (a: object) => lp.Layer)({ inputDim: 30, outputDim: 6, inputShape: [8] }),
      (L.globalAveragePooling1d as (a?: object) => lp.Layer)(),
      (L.dense as (a: object) => lp.Layer)({ units: 1, activation: 'sigmoid' }),
    ];
    const ours = lp.sequential(make(lp.layers)), ref = tfl.sequential({ layers: make(tfl.layers) as unknown as tfl.layers.Layer[] });
    const shapes = ref.getWeights().map((w) => w.shape);
    const w = shapes.map((s, i) => values(s.reduce((a, b) => a * b, 1), 60 + i, -0.5, 0.5));
    ref.setWeights(w.map((v, i) => tf.tensor(v, shapes[i])));
    lp.tidy(() => ours.setWeights(w.map((v, i) => lp.tensor(v, shapes[i]))));
    ref.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
    ours.compile({ optimizer: lp.train.adam(0.01), loss: 'binaryCrossentropy' });
    const xv = ids(16 * 8, 30, 61), yv = values(16, 62).map((v) => (v > 0 ? 1 : 0));
    const xs = lp.tensor(Int32Array.from(xv), [16, 8], 'int32'), ys = lp.tensor(yv, [16, 1]);
    const txs = tf.tensor(xv, [16, 8]), tys = tf.tensor(yv, [16, 1]);
    const bytes: number[] = [];
    for (let s = 0; s < 3; s++) {
      const got = await ours.trainOnBatch(xs, ys) as number;
      bytes.push(lp.memory().numBytes);
      const want = await ref.trainOnBatch(txs, tys) as number;
      assert.ok(Math.abs(got - want) < 1e-5, `step ${s}: loss ${got} vs tfjs ${want}`);
    }
    const after = ours.getWeights(), theirs = ref.getWeights();
    after.forEach((t, i) => {
      const a = t.dataSync(), b = theirs[i].dataSync();
      a.forEach((v, j) => assert.ok(Math.abs(v - b[j]) < 1e-5, `weight ${i}[${j}]: ${v} vs ${b[j]}`));
    });
    lp.dispose(after);
    for (let s = 0; s < 3; s++) {
      await ours.trainOnBatch(xs, ys);
      bytes.push(lp.memory().numBytes);
    }
    assert.ok(bytes.slice(1).every((b) => b === bytes[1]), `memory after each step: ${bytes}`);
    lp.dispose([xs, ys]);
    tf.dispose([txs, tys]);
    ours.dispose();
    ref.dispose();
  });
});

describe('training through every new layer', () => {
  it('embedding(maskZero) → conv1d causal → maxPooling1d → timeDistributed(dense) → averagePooling1d → masked max: every weight gets a gradient, memory stays flat', async () => {
    const model = lp.sequential([
      lp.layers.embedding({ inputDim: 20, outputDim: 4, maskZero: true, inputShape: [9] }),
      lp.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', activation: 'relu' }),
      lp.layers.maxPooling1d({ poolSize: 2, padding: 'same' }),
      lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 3, activation: 'tanh' }) }),
      lp.layers.averagePooling1d({ poolSize: 2, strides: 1 }),
      lp.layers.globalMaxPooling1d(),
      lp.layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const x = lp.tensor(Int32Array.from(ids(8 * 9, 20, 80)), [8, 9], 'int32'), y = lp.tensor([1, 0, 1, 1, 0, 0, 1, 0], [8, 1]);
    const grads = lp.tidy(() => lp.variableGrads(() => lp.mean(lp.losses.binaryCrossentropy(y, model.execute([x], { training: true })[0])),
      model.trainableWeights).grads);
    assert.equal(Object.keys(grads).length, model.trainableWeights.length);
    for (const [name, g] of Object.entries(grads)) assert.ok(g.dataSync().some((v) => v !== 0), `no gradient reaches ${name}`);
    lp.dispose(Object.values(grads));
    const bytes: number[] = [];
    for (let s = 0; s < 4; s++) {
      await model.trainOnBatch(x, y);
      bytes.push(lp.memory().numBytes);
    }
    assert.ok(bytes.slice(1).every((b) => b === bytes[1]), `memory after each step: ${bytes}`);
    lp.dispose([x, y]);
    model.dispose();
  });
});

describe('fit on int32 ids', () => {
  it('a maskZero embedding model learns a token-presence rule with model.fit; memory returns to where it was', async () => {
    // Seeded initializers: the outcome does not depend on which tests ran before.
    const model = lp.sequential([lp.layers.embedding({ inputDim: 12, outputDim: 8, maskZero: true, inputShape: [7],
      embeddingsInitializer: lp.initializers.randomUniform({ seed: 71 }) }),
    lp.layers.globalMaxPooling1d(), lp.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: lp.initializers.glorotUniform({ seed: 72 }) })]);
    model.compile({ optimizer: lp.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    // Label 1 when token 5 occurs; id 0 pads the tail of each row.
    const n = 64, rows: number[] = [], labels: number[] = [];
    const v = ids(n * 7, 12, 70);
    for (let i = 0; i < n; i++) {
      const row = Array.from(v.subarray(i * 7, i * 7 + 7), (t) => (t === 0 ? 1 : t));
      row.fill(0, 4 + (i % 3));
      rows.push(...row);
      labels.push(row.includes(5) ? 1 : 0);
    }
    const x = lp.tensor(Int32Array.from(rows), [n, 7], 'int32'), y = lp.tensor(labels, [n, 1]);
    const before = lp.memory().numBytes;
    const h = await model.fit(x, y, { epochs: 40, batchSize: 16, verbose: 0 });
    const acc = h.history.acc ?? h.history.accuracy;
    assert.ok(acc[acc.length - 1] > 0.9, `accuracy ${acc[acc.length - 1]}`);
    assert.ok(lp.memory().numBytes <= before + 4096 * 8, 'fit leaves at most the optimizer state behind');
    lp.dispose([x, y]);
    model.dispose();
  });
});

describe('errors', () => {
  it('embedding: ids out of range or not whole numbers name the id, its position and the vocabulary size', () => {
    const emb = lp.layers.embedding({ inputDim: 10, outputDim: 2, name: 'emb' });
    emb.ensureBuilt([null, 4]);
    const cases: [number[], 'int32' | 'float32', RegExp][] = [
      [[1, 2, 3, 4, 5, 10, 0, 1], 'int32', /^emb \(Embedding\): id 10 at position \[1,1\] of ids \[2,4\] is not in \[0, 10\) \(the vocabulary size is 10\)/],
      [[1, 2, -1, 4, 5, 6, 0, 1], 'int32', /id -1 at position \[0,2\]/],
      [[1, 2, 3, 4, 5, 6, 0, 2.5], 'float32', /id 2\.5 at position \[1,3\] of ids \[2,4\] is not a whole number in \[0, 10\)/],
      [[NaN, 2, 3, 4, 5, 6, 0, 1], 'float32', /id NaN at position \[0,0\]/],
      [[1, 2, 3, 4, 5, 6, 0, 1e6], 'float32', /id 1000000 at position \[1,3\]/],
    ];
    for (const [v, dtype, re] of cases) {
      const x = lp.tensor(v, [2, 4], dtype);
      expectError(() => emb.apply(x), 'emb (Embedding)', re);
      x.dispose();
    }
    const b = lp.tensor([1, 0, 1, 0], [2, 2], 'bool');
    expectError(() => emb.apply(b), 'emb (Embedding)', /ids.*int32 or float32/);
    b.dispose();
    emb.dispose();
  });
  it('bad layer arguments', () => {
    expectError(() => lp.layers.embedding({ inputDim: 0, outputDim: 2 }), 'Embedding', /inputDim/);
    expectError(() => lp.layers.embedding({ inputDim: 3, outputDim: 2.5 }), 'Embedding', /outputDim/);
    expectError(() => lp.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: 'yes' as never }), 'Embedding', /maskZero/);
    expectError(() => lp.layers.embedding({ inputDim: 3, outputDim: 2, inputLength: -1 }), 'Embedding', /inputLength/);
    expectError(() => lp.layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), 'Conv1D', /strides > 1 together with dilationRate > 1/);
    expectError(() => lp.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' as never }), 'Conv1D', /padding/);
    expectError(() => lp.layers.conv1d({ filters: 2, kernelSize: [3, 3] as never }), 'Conv1D', /kernelSize/);
    expectError(() => lp.layers.maxPooling1d({ poolSize: 0 }), 'MaxPooling1D', /poolSize/);
    expectError(() => lp.layers.averagePooling1d({ padding: 'causal' as never }), 'AveragePooling1D', /padding/);
    expectError(() => lp.layers.timeDistributed({ layer: {} as never }), 'TimeDistributed', /must be a Layer/);
  });
  it('bad inputs: shapes and ranks name the layer or op', () => {
    const x = lp.zeros([2, 5, 3]), x2 = lp.zeros([2, 5]);
    const [f1, f2, f3] = [lp.zeros([2, 4, 1]), lp.zeros([2, 3, 1]), lp.zeros([9, 3, 1])];
    expectError(() => lp.conv1d(x, f1, 1, 'valid'), 'conv1d', /in-channels/);
    expectError(() => lp.conv1d(x, f2, 2, 'valid', 'NWC', 2), 'conv1d', /stride > 1 together with dilation > 1/);
    expectError(() => lp.conv1d(x, f2, 1, 'full' as never), 'conv1d', /pad must be/);
    expectError(() => lp.conv1d(x, f3, 1, 'valid'), 'fused.conv2d', /output would be empty/);
    expectError(() => lp.layers.conv1d({ filters: 2, kernelSize: 2, name: 'c1' }).apply(x2), 'c1 (Conv1D)', /rank 3/);
    expectError(() => lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 2 }), name: 'td' }).apply(x2), 'td (TimeDistributed)', /rank >= 3/);
    expectError(() => lp.layers.globalMaxPooling1d({ name: 'g' }).apply(x2), 'g (GlobalMaxPooling1D)', /rank 3/);
    lp.dispose([x, x2, f1, f2, f3]);
  });
  it('timeDistributed: its weights are the inner layer\'s; config holds the inner layer', () => {
    const inner = lp.layers.dense({ units: 2, name: 'inner' });
    const td = lp.layers.timeDistributed({ layer: inner, name: 'td2' });
    td.ensureBuilt([null, 4, 3]);
    assert.deepEqual(td.weights.map((w) => w.name), inner.weights.map((w) => w.name));
    assert.equal(td.countParams(), 8);
    const config = td.getConfig() as { layer: { className: string; config: Record<string, unknown> } };
    assert.equal(config.layer.className, 'Dense');
    assert.equal(config.layer.config.units, 2);
    td.dispose();
  });
});
