// Exactness against TensorFlow.js: from the same initial weights, 20 steps of SGD and 20 of Adam
// on the seed CNN (and on the MLP) end within 1e-3 of tfjs-backend-cpu doing the same
// (tests/helpers/tfjs_reference.ts runs tfjs: trainOnBatch, its own kernels). Each step takes
// its own batch of real MNIST digits. tfjs-cpu trains the CNN at a few samples per second, so
// the CNN batches are small (4).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/node.js';
import { tfjsTrainSteps } from '../helpers/tfjs_reference.js';
import { WEIGHT_SHAPES, type TrainKind } from '../../bench/tfjs_models.js';
import { rng } from '../helpers/rng.js';

const STEPS = 20;
let digits: { x: Float32Array; y: Float32Array };

before(async () => {
  await lp.ready();
  const mnist = lp.loadMnist();
  const labels = mnist.yTrain.dataSync();
  const y = new Float32Array(labels.length * 10);
  labels.forEach((c, i) => { y[i * 10 + c] = 1; });
  digits = { x: mnist.xTrain.dataSync(), y };
  lp.dispose([mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);
});

/** Glorot-uniform kernels and small random biases, seeded (so biases matter from step 1). */
function initialWeights(kind: TrainKind, seed: number): Float32Array[] {
  const rand = rng(seed);
  return WEIGHT_SHAPES[kind].map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 1 ? 1 : shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const fanOut = shape.length === 1 ? 1 : shape[shape.length - 1] * (shape.length === 4 ? shape[0] * shape[1] : 1);
    const limit = shape.length === 1 ? 0.05 : Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * limit);
  });
}

/** Step s's batch: `batch` consecutive training digits (spread over the classes by a stride). */
function batches(kind: TrainKind, batch: number): { x: Float32Array[]; y: Float32Array[] } {
  const x: Float32Array[] = [], y: Float32Array[] = [];
  const total = digits.y.length / 10;
  for (let s = 0; s < STEPS; s++) {
    const bx = new Float32Array(batch * 784), by = new Float32Array(batch * 10);
    for (let i = 0; i < batch; i++) {
      const idx = ((s * batch + i) * 97) % total; // different digits, all classes
      bx.set(digits.x.subarray(idx * 784, (idx + 1) * 784), i * 784);
      by.set(digits.y.subarray(idx * 10, (idx + 1) * 10), i * 10);
    }
    x.push(bx);
    y.push(by);
  }
  return { x, y };
}

function leptonModel(kind: TrainKind): lp.LayersModel {
  return lp.sequential(kind === 'mlp' ? [
    lp.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }),
    lp.layers.dense({ units: 128, activation: 'relu' }),
    lp.layers.dense({ units: 10, activation: 'softmax' }),
  ] : [
    lp.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 128, activation: 'relu' }),
    lp.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
}

async function compare(kind: TrainKind, optimizer: 'sgd' | 'adam', learningRate: number, batch: number): Promise<void> {
  const weights = initialWeights(kind, kind === 'cnn' ? 11 : 12);
  const data = batches(kind, batch);
  const ref = await tfjsTrainSteps({ kind, optimizer, learningRate, steps: STEPS, batch, weights, x: data.x, y: data.y,
    loss: 'categoricalCrossentropy' });

  const model = leptonModel(kind);
  const inputShape = kind === 'mlp' ? [batch, 784] : [batch, 28, 28, 1];
  try {
    lp.tidy(() => model.setWeights(weights.map((w, i) => lp.tensor(w, WEIGHT_SHAPES[kind][i]))));
    model.compile({ optimizer: optimizer === 'sgd' ? lp.train.sgd(learningRate) : lp.train.adam(learningRate),
      loss: 'categoricalCrossentropy' });
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const [x, y] = [lp.tensor(data.x[s], inputShape), lp.tensor(data.y[s], [batch, 10])];
      losses.push(await model.trainOnBatch(x, y) as number);
      lp.dispose([x, y]);
    }
    losses.forEach((l, s) => assert.ok(Math.abs(l - ref.losses[s]) < 1e-3, `${kind} ${optimizer} step ${s}: loss ${l} vs tfjs ${ref.losses[s]}`));
    const final = model.getWeights();
    let worst = 0;
    final.forEach((w, i) => {
      const a = w.dataSync(), b = ref.weights[i];
      for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]));
    });
    lp.dispose(final);
    // The weights moved (the check is not vacuous) and ended where tfjs's did.
    let moved = 0;
    ref.weights.forEach((w, i) => w.forEach((v, j) => { moved = Math.max(moved, Math.abs(v - weights[i][j])); }));
    assert.ok(moved > 10 * 1e-3, `${kind} ${optimizer}: weights moved only ${moved}`);
    assert.ok(worst <= 1e-3, `${kind} ${optimizer}: max |Lepton − tfjs| over every weight = ${worst}`);
  } finally {
    model.dispose();
  }
}

describe('exactness: 20 training steps match TensorFlow.js (cpu backend) within 1e-3', () => {
  it('seed CNN, SGD', async () => { await compare('cnn', 'sgd', 0.05, 4); });
  it('seed CNN, Adam', async () => { await compare('cnn', 'adam', 0.001, 4); });
  it('MLP, SGD', async () => { await compare('mlp', 'sgd', 0.1, 32); });
  it('MLP, Adam', async () => { await compare('mlp', 'adam', 0.001, 32); });
});
