// Models and training through the public API: sequential and functional models learn, every
// optimizer and loss trains, callbacks act, bad input gives clear Errors and training still works
// after them, and a long training run leaves memory flat.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { values } from '../helpers/grad_check.js';

before(async () => { await lp.ready(); });

/** A separable 3-class problem: class = which of three centres a point is nearest. */
function blobs(n: number, seed: number): { x: lp.Tensor; y: lp.Tensor; labels: lp.Tensor } {
  const centres = [[1, 1, 0, 0], [-1, 0, 1, 0], [0, -1, -1, 1]];
  const noise = values(n * 4, seed, -0.4, 0.4);
  const x = new Float32Array(n * 4), y = new Float32Array(n * 3), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    y[i * 3 + c] = 1;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = centres[c][j] + noise[i * 4 + j];
  }
  return { x: lp.tensor(x, [n, 4]), y: lp.tensor(y, [n, 3]), labels: lp.tensor(labels, [n], 'int32') };
}

function mlp(activation: 'softmax' | 'linear' = 'softmax', seed = 1): lp.LayersModel {
  return lp.sequential([
    lp.layers.dense({ units: 16, activation: 'relu', inputShape: [4], kernelInitializer: lp.initializers.glorotUniform({ seed }) }),
    lp.layers.dense({ units: 3, activation, kernelInitializer: lp.initializers.glorotUniform({ seed: seed + 1 }) }),
  ]);
}

describe('training', () => {
  it('a sequential MLP learns blobs with every optimizer', async () => {
    const data = blobs(150, 1);
    const optimizers: [string, () => lp.Optimizer][] = [
      ['sgd', () => lp.train.sgd(0.2)], ['momentum', () => lp.train.momentum(0.05, 0.9)],
      ['nesterov', () => lp.train.momentum(0.05, 0.9, true)], ['adam', () => lp.train.adam(0.02)],
      ['adamw', () => lp.train.adamw(0.02)], ['rmsprop', () => lp.train.rmsprop(0.01)],
      ['rmsprop centered', () => lp.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true)], ['adagrad', () => lp.train.adagrad(0.2)],
      ['adam clipNorm', () => lp.train.adam(0.02, 0.9, 0.999, 1e-7, { clipNorm: 0.5 })],
      ['sgd clipValue', () => lp.train.sgd(0.2, { clipValue: 0.05 })],
      ['adam globalClipNorm', () => lp.train.adam(0.02, 0.9, 0.999, 1e-7, { globalClipNorm: 1 })],
    ];
    for (const [name, make] of optimizers) {
      const model = mlp();
      model.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const h = await model.fit(data.x, data.y, { epochs: 15, batchSize: 16, verbose: 0 });
      const loss = h.history.loss;
      assert.ok(loss[loss.length - 1] < loss[0] * 0.5, `${name}: loss ${loss[0]} → ${loss[loss.length - 1]}`);
      assert.ok(h.history.acc[h.history.acc.length - 1] > 0.9, `${name}: accuracy ${h.history.acc.at(-1)}`);
      model.dispose();
    }
    lp.dispose(data);
  });

  it('every loss trains (loss falls) and the fused softmax path equals the plain one', async () => {
    const data = blobs(90, 2);
    const cases: [string, lp.Tensor, 'softmax' | 'linear' | 'sigmoid'][] = [
      ['categoricalCrossentropy', data.y, 'softmax'], ['sparseCategoricalCrossentropy', data.labels, 'softmax'],
      ['meanSquaredError', data.y, 'linear'], ['meanAbsoluteError', data.y, 'linear'], ['huber', data.y, 'linear'],
      ['binaryCrossentropy', data.y, 'sigmoid'], ['hinge', data.y, 'linear'], ['squaredHinge', data.y, 'linear'],
    ];
    for (const [loss, y, activation] of cases) {
      const model = mlp(activation as 'softmax', 3);
      model.compile({ optimizer: lp.train.adam(0.02), loss });
      const h = await model.fit(data.x, y, { epochs: 8, batchSize: 30, verbose: 0 });
      assert.ok(h.history.loss.at(-1)! < h.history.loss[0], `${loss}: ${h.history.loss}`);
      model.dispose();
    }
    // Fused (softmax + CE on logits) against the plain formula on the same weights.
    const model = mlp('softmax', 4);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const fused = (model.evaluate(data.x, data.y) as lp.Tensor);
    const plain = lp.tidy(() => lp.mean(lp.losses.categoricalCrossentropy(data.y, model.predict(data.x) as lp.Tensor)));
    assert.ok(Math.abs(fused.dataSync()[0] - plain.dataSync()[0]) < 1e-5);
    lp.dispose([fused, plain]);
    model.dispose();
    lp.dispose(data);
  });

  it('binaryCrossentropy fromLogits, and metrics precision, recall, mse, mae', async () => {
    const data = blobs(60, 5);
    const model = mlp('linear', 6);
    model.compile({ optimizer: lp.train.adam(0.02), loss: lp.losses.binaryCrossentropy({ fromLogits: true }),
      metrics: ['precision', 'recall', 'mse', 'mae'] });
    const h = await model.fit(data.x, data.y, { epochs: 3, batchSize: 20, verbose: 0 });
    for (const k of ['loss', 'precision', 'recall', 'mse', 'mae']) assert.equal(h.history[k].length, 3, k);
    for (const v of [...h.history.precision, ...h.history.recall]) assert.ok(v >= 0 && v <= 1);
    model.dispose();
    lp.dispose(data);
  });

  it('a functional model with a residual connection and a concatenation trains', async () => {
    const data = blobs(120, 7);
    const input = lp.input({ shape: [4] });
    const h1 = lp.layers.dense({ units: 8, activation: 'relu' }).apply(input);
    const h2 = lp.layers.dense({ units: 8, activation: 'tanh' }).apply(h1);
    const res = lp.layers.add().apply([h1, h2]);
    const cat = lp.layers.concatenate().apply([res, input]);
    const out = lp.layers.dense({ units: 3, activation: 'softmax' }).apply(cat);
    const model = lp.model({ inputs: input, outputs: out });
    model.compile({ optimizer: lp.train.adam(0.03), loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const h = await model.fit(data.x, data.y, { epochs: 12, batchSize: 16, verbose: 0 });
    assert.ok(h.history.acc.at(-1)! > 0.9, `accuracy ${h.history.acc}`);
    const lines: string[] = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    assert.ok(lines.some((l) => l.includes('Receives inputs')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith(`Total params: ${model.countParams().toLocaleString('en-US')}`)));
    model.dispose();
    lp.dispose(data);
  });

  it('a small CNN with batch normalization, dropout and every pooling trains', async () => {
    const n = 48;
    // Class = whether the bright blob is in the left or the right half.
    const img = new Float32Array(n * 8 * 8), y = new Float32Array(n * 2);
    const noise = values(n * 64, 9, 0, 0.3);
    for (let i = 0; i < n; i++) {
      const right = i % 2;
      y[i * 2 + right] = 1;
      for (let p = 0; p < 64; p++) img[i * 64 + p] = noise[i * 64 + p] + ((p % 8 >= 4) === (right === 1) ? 1 : 0);
    }
    const x = lp.tensor(img, [n, 8, 8, 1]), yt = lp.tensor(y, [n, 2]);
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 8, 1] }),
      lp.layers.batchNormalization(),
      lp.layers.activation({ activation: 'relu' }),
      lp.layers.maxPooling2d({ poolSize: 2 }),
      lp.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu' }),
      lp.layers.averagePooling2d({ poolSize: 2 }),
      lp.layers.separableConv2d({ filters: 4, kernelSize: 1, activation: 'relu' }),
      lp.layers.zeroPadding2d({ padding: 1 }),
      lp.layers.globalMaxPooling2d(),
      lp.layers.dropout({ rate: 0.2, seed: 3 }),
      lp.layers.dense({ units: 2, activation: 'softmax', kernelRegularizer: 'l2' }),
    ]);
    model.compile({ optimizer: lp.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, yt, { epochs: 15, batchSize: 12, verbose: 0 });
    assert.ok(h.history.loss.at(-1)! < h.history.loss[0], `${h.history.loss}`);
    assert.ok(h.history.acc.at(-1)! > 0.8, `${h.history.acc}`);
    // Moving statistics moved away from their initial 0 / 1.
    const bn = model.layers[1];
    const weights = bn.getWeights();
    assert.notDeepEqual(Array.from(weights[2].dataSync()), [0, 0, 0, 0]);
    lp.dispose(weights);
    model.dispose();
    lp.dispose([x, yt]);
  });
});
