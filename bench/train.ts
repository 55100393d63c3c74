// Lepton's side of the training benchmark: one training step of the MLP or the seed CNN
// (bench/tfjs_models.ts), built with the same layers, started from the same weights and fed the
// same batch as tfjs's side (bench/tfjs_train.ts), so the two are timed on identical work. A step
// is model.trainOnBatch's synchronous body (forward, backward, Adam update, loss read back).
import * as tf from '@tensorflow/tfjs-core';
import * as lp from '../js-bindings/index.js';
import { trainOnBatchSync } from '../js-bindings/models/training.js';
import { CLASSES, INPUT_SHAPE, tfjsModel, type TrainKind } from './tfjs_models.js';
import { setUpTfjsTraining, syntheticBatch, tfjsTrainer, type Trainer } from './tfjs_train.js';
import { useConvGrad } from './tfjs_conv_grad.js';
import { TRAIN_FLOPS_PER_SAMPLE } from './shapes.js';

function leptonModel(kind: TrainKind): lp.LayersModel {
  return lp.sequential(kind === 'mlp' ? [
    lp.layers.dense({ units: 256, activation: 'relu', inputShape: INPUT_SHAPE.mlp }),
    lp.layers.dense({ units: 128, activation: 'relu' }),
    lp.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ] : [
    lp.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: INPUT_SHAPE.cnn }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 128, activation: 'relu' }),
    lp.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ]);
}

/** Lepton training the same model as tfjsTrainer(kind, batch, seed), from its initial weights, on its batch. */
export function leptonTrainer(kind: TrainKind, batch: number, seed: number): Trainer {
  const model = leptonModel(kind);
  const reference = tfjsModel(kind, seed);
  const weights = reference.getWeights().map((w) => lp.tensor(w.dataSync() as Float32Array, w.shape));
  model.setWeights(weights);
  lp.dispose(weights);
  reference.dispose();
  const data = syntheticBatch(kind, batch, seed + 100);
  const x = lp.tensor(data.x.dataSync() as Float32Array, data.x.shape);
  const y = lp.tensor(data.y.dataSync() as Float32Array, data.y.shape);
  tf.dispose([data.x, data.y]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  let last = NaN, steps = 0;
  return {
    step() {
      last = trainOnBatchSync(model, x, y) as number;
      steps++;
    },
    lastLoss: () => last,
    steps: () => steps,
    dispose() {
      model.dispose();
      lp.dispose([x, y]);
    },
  };
}

export interface TrainRow { name: string; flops: number; make(): { lepton: () => void; tfjs: () => void; dispose: () => void } }

/**
 * The training rows: the MLP, and the seed CNN against tfjs-wasm as the issue defines it (its
 * missing Conv2DBackpropFilter supplied, everything else its own), then against tfjs-wasm with
 * its scalar Conv2DBackpropInput replaced by an XNNPACK convolution too (bench/tfjs_conv_grad.ts).
 * Before timing, both engines' first-step losses must agree.
 */
export async function trainRows(batch: number): Promise<TrainRow[]> {
  await setUpTfjsTraining({ xnnpackInputGrad: false });
  const row = (kind: TrainKind, xnnpackInputGrad: boolean, label: string): TrainRow => ({
    name: `${label} training step, batch ${batch}, Adam`,
    flops: batch * TRAIN_FLOPS_PER_SAMPLE[kind],
    make() {
      useConvGrad(tf.Conv2DBackpropInput, 'wasm', xnnpackInputGrad);
      const a = leptonTrainer(kind, batch, 1), b = tfjsTrainer(kind, batch, 1);
      a.step();
      b.step();
      // The same weights and batch: the first step's losses must agree, or the timing means nothing.
      if (!(Math.abs(a.lastLoss() - b.lastLoss()) < 1e-4 * Math.max(1, b.lastLoss()))) {
        throw new Error(`bench: ${label}: first-step losses differ (Lepton ${a.lastLoss()}, tfjs ${b.lastLoss()})`);
      }
      return { lepton: () => a.step(), tfjs: () => b.step(), dispose: () => { a.dispose(); b.dispose(); } };
    },
  });
  return [
    row('mlp', false, 'MLP 784-256-128-10'),
    row('cnn', false, 'seed CNN (tfjs: Conv2DBackpropFilter supplied)'),
    row('cnn', true, 'seed CNN (tfjs: + XNNPACK Conv2DBackpropInput)'),
  ];
}
