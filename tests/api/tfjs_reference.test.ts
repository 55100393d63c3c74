// tests/helpers/tfjs_reference.ts, the TensorFlow.js (tfjs-backend-cpu) reference for training:
// deterministic, uses the weights and batches it is given, and its faster filter gradient agrees
// with tfjs-cpu's own on a CNN step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tfjsTrainSteps, type TfjsTrainArgs } from '../helpers/tfjs_reference.js';
import { CLASSES, WEIGHT_SHAPES, type TrainKind } from '../../bench/tfjs_models.js';
import { randInt, randomArray, rng } from '../helpers/rng.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Seeded weights (uniform ±1/√fan-in) and one batch: pixels in [0, 1), one-hot labels. */
function problem(kind: TrainKind, batch: number, seed: number) {
  const r = rng(seed);
  const weights = WEIGHT_SHAPES[kind].map((s) => {
    const fanIn = s.length === 1 ? s[0] : size(s.slice(0, -1));
    return randomArray(r, size(s), -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
  });
  const x = randomArray(r, batch * 784, 0, 1);
  const y = new Float32Array(batch * CLASSES);
  for (let b = 0; b < batch; b++) y[b * CLASSES + randInt(r, 0, CLASSES - 1)] = 1;
  return { weights, x, y };
}

const base = (kind: TrainKind, batch: number, seed: number): TfjsTrainArgs & { x: Float32Array; y: Float32Array } => ({
  kind, batch, optimizer: 'adam', learningRate: 0.001, steps: 3, loss: 'categoricalCrossentropy',
  ...problem(kind, batch, seed),
});

describe('tfjsTrainSteps (tfjs-backend-cpu)', () => {
  it('is deterministic: two runs from the same weights give the same bits (MLP, Adam)', async () => {
    const args = base('mlp', 5, 1);
    const inputs = args.weights.map((w) => w.slice());
    const a = await tfjsTrainSteps(args), b = await tfjsTrainSteps(args);
    assert.deepEqual(a.weights, b.weights);
    assert.deepEqual(a.losses, b.losses);
    assert.equal(a.losses.length, 3);
    assert.ok(a.losses[2] < a.losses[0], `the loss should fall on a fixed batch: ${a.losses}`);
    assert.deepEqual(args.weights, inputs, 'the initial weights are not modified');
    assert.deepEqual(a.weights.map((w) => w.length), WEIGHT_SHAPES.mlp.map(size));
    assert.ok(a.weights.some((w, i) => w.some((v, j) => v !== inputs[i][j])), 'the weights were trained');
  });

  it('starts from the given weights: all zero gives loss ln 10 and moves only the last bias (SGD)', async () => {
    const args = base('mlp', 7, 2);
    const lr = 0.5;
    const zero = WEIGHT_SHAPES.mlp.map((s) => new Float32Array(size(s)));
    const { weights, losses } = await tfjsTrainSteps({ ...args, weights: zero, optimizer: 'sgd', learningRate: lr, steps: 1 });
    assert.ok(Math.abs(losses[0] - Math.log(10)) < 1e-6, `loss ${losses[0]}`);
    // Softmax of zero logits is 0.1 everywhere: d loss / d bias_c = mean over the batch of (0.1 − y_c).
    for (let c = 0; c < CLASSES; c++) {
      let mean = 0;
      for (let b = 0; b < args.batch; b++) mean += (0.1 - args.y[b * CLASSES + c]) / args.batch;
      assert.ok(Math.abs(weights[5][c] - -lr * mean) < 1e-6, `bias ${c}: ${weights[5][c]} vs ${-lr * mean}`);
    }
    for (let i = 0; i < 5; i++) assert.ok(weights[i].every((v) => v === 0), `weight ${i} moved`);
  });

  it('takes one batch per step: [x, x] is the same as x', async () => {
    const args = base('mlp', 3, 3);
    const single = await tfjsTrainSteps({ ...args, steps: 2 });
    const listed = await tfjsTrainSteps({ ...args, steps: 2, x: [args.x, args.x], y: [args.y, args.y] });
    assert.deepEqual(listed, single);
  });

  it('rejects weights and batches of the wrong size before training', async () => {
    const args = base('mlp', 2, 4);
    await assert.rejects(tfjsTrainSteps({ ...args, weights: args.weights.slice(1) }), /5 weights for the mlp, expected 6/);
    await assert.rejects(tfjsTrainSteps({ ...args, weights: [args.weights[0], args.weights[2], ...args.weights.slice(2)] }),
      /weight 1 has 32768 values, expected \[256\]/);
    await assert.rejects(tfjsTrainSteps({ ...args, x: args.x.subarray(1) }), /x batch 0 has 1567 values/);
    await assert.rejects(tfjsTrainSteps({ ...args, y: [args.y] }), /1 batches of y for 3 steps/);
  });

  it('CNN: the conv-based filter gradient (fastFilterGrad) agrees with tfjs-cpu\'s own (SGD, 2 steps)', async () => {
    const args = { ...base('cnn', 1, 5), optimizer: 'sgd' as const, learningRate: 0.1, steps: 2 };
    const own = await tfjsTrainSteps(args);
    const fast = await tfjsTrainSteps({ ...args, fastFilterGrad: true });
    own.weights.forEach((w, i) => {
      for (let j = 0; j < w.length; j++) {
        assert.ok(Math.abs(fast.weights[i][j] - w[j]) <= 1e-5 + 1e-4 * Math.abs(w[j]),
          `weight ${i}[${j}]: ${fast.weights[i][j]} vs ${w[j]}`);
      }
    });
    assert.ok(Math.abs(fast.losses[1] - own.losses[1]) <= 1e-5, `${fast.losses} vs ${own.losses}`);
  });
});
