// TensorFlow.js's side of the training benchmark: one training step of the MLP or the seed CNN
// (bench/tfjs_models.ts) on tfjs-backend-wasm, one thread, to be timed against Lepton's step in
// interleaved rounds (bench/rounds.ts `compare`). The step is what model.trainOnBatch does
// (forward with training: true, mean categorical cross-entropy, gradients, the optimizer update;
// 'adam' with tfjs's defaults: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), but synchronous:
// it reads the loss back (dataSync) so a timed call includes all the work, as bench/engines.ts does.
// The CNN needs Conv2DBackpropFilter, which tfjs-backend-wasm lacks, and its own
// Conv2DBackpropInput is a scalar loop: bench/tfjs_conv_grad.ts supplies both from XNNPACK's
// Conv2D (the CLI also times the CNN with the stock Conv2DBackpropInput, for comparison).
//   node --import tsx bench/tfjs_train.ts [--batch 64] [--seconds 2]
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setUpTfjsWasm } from './engines.js';
import { measure } from './rounds.js';
import { checkConvGrads, useConvGrad } from './tfjs_conv_grad.js';
import { CLASSES, INPUT_SHAPE, tfjsModel, type TrainKind } from './tfjs_models.js';

export interface Trainer {
  /** One training step on the fixed batch; returns when the update is done (loss read back). */
  step(): void;
  /** The loss of the last step (NaN before the first). */
  lastLoss(): number;
  /** Steps done. */
  steps(): number;
  dispose(): void;
}

/**
 * tfjs-wasm, one thread, with the convolution gradients of bench/tfjs_conv_grad.ts, checked
 * against tfjs-cpu's. xnnpackInputGrad: false keeps tfjs-backend-wasm's own Conv2DBackpropInput.
 */
export async function setUpTfjsTraining({ xnnpackInputGrad = true } = {}): Promise<void> {
  await setUpTfjsWasm();
  useConvGrad(tf.Conv2DBackpropFilter, 'wasm', true);
  useConvGrad(tf.Conv2DBackpropInput, 'wasm', true);
  await checkConvGrads('wasm');
  useConvGrad(tf.Conv2DBackpropInput, 'wasm', xnnpackInputGrad);
}

/** A fixed synthetic MNIST-like batch: pixels uniform in [0, 1), one-hot labels, seeded. */
export function syntheticBatch(kind: TrainKind, batch: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomUniform([batch, ...INPUT_SHAPE[kind]], 0, 1, 'float32', seed),
    y: tf.cast(tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32', seed + 1) as tf.Tensor1D, CLASSES), 'float32'),
  }));
}

/** The model compiled as a tfjs user would: optimizer 'adam', loss 'categoricalCrossentropy'. */
function compiled(kind: TrainKind, seed: number): tfl.Sequential {
  const model = tfjsModel(kind, seed);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return model;
}

/** Trains on the current tfjs backend (setUpTfjsTraining() makes it wasm). */
export function tfjsTrainer(kind: TrainKind, batch: number, seed: number): Trainer {
  const model = compiled(kind, seed);
  const { x, y } = syntheticBatch(kind, batch, seed + 100);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const lossOf = () => tf.mean(tfl.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
  let last = NaN, steps = 0;
  return {
    step() {
      const loss = model.optimizer.minimize(lossOf, true, variables)!;
      last = loss.dataSync()[0];
      loss.dispose();
      steps++;
    },
    lastLoss: () => last,
    steps: () => steps,
    dispose() {
      model.dispose(); // the weights
      model.optimizer.dispose(); // Adam's moments
      tf.dispose([x, y]);
    },
  };
}

/**
 * step() is a training step as tfjs-layers' own: a few steps give the same losses as
 * model.trainOnBatch on an identical model (a fast wrong step is no result).
 */
export async function checkTrainerAgainstTrainOnBatch(kind: TrainKind, batch = 4, steps = 3): Promise<void> {
  const trainer = tfjsTrainer(kind, batch, 7);
  const reference = compiled(kind, 7);
  const { x, y } = syntheticBatch(kind, batch, 107);
  try {
    for (let s = 0; s < steps; s++) {
      trainer.step();
      const want = await reference.trainOnBatch(x, y) as number;
      const got = trainer.lastLoss();
      if (!(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)))) {
        throw new Error(`bench: tfjsTrainer('${kind}') step ${s}: loss ${got}, model.trainOnBatch ${want}`);
      }
    }
  } finally {
    trainer.dispose();
    reference.dispose();
    reference.optimizer.dispose();
    tf.dispose([x, y]);
  }
}

/** The CPU, as `lscpu` names it (model name and family from /proc/cpuinfo where there is one). */
export function cpuName(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const family = /^cpu family\s*:\s*(\d+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    return family === undefined ? model : `${model}, CPU family ${family}`;
  } catch {
    return model;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: number) =>
    args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
  const batch = arg('--batch', 64), seconds = arg('--seconds', 2);
  await setUpTfjsTraining();
  console.log(`tfjs-wasm ${tf.version_core} training, Adam, batch ${batch}, one thread, Node ${process.version}, ${cpuName()}`);
  const runs = [
    { kind: 'mlp', xnnpackInputGrad: true, label: 'mlp' },
    { kind: 'cnn', xnnpackInputGrad: true, label: 'cnn' },
    { kind: 'cnn', xnnpackInputGrad: false, label: "cnn, tfjs-wasm's own Conv2DBackpropInput" },
  ] as const;
  for (const { kind, xnnpackInputGrad, label } of runs) {
    useConvGrad(tf.Conv2DBackpropInput, 'wasm', xnnpackInputGrad);
    await checkTrainerAgainstTrainOnBatch(kind);
    const trainer = tfjsTrainer(kind, batch, 1);
    trainer.step(); // warm-up: compile, allocate the optimizer state
    const s = measure(() => trainer.step(), seconds);
    console.log(`  ${label}: ${(batch / s).toFixed(1)} samples/s (${(s * 1e3).toFixed(2)} ms per step, ` +
      `loss after ${trainer.steps()} steps ${trainer.lastLoss().toFixed(4)})`);
    trainer.dispose();
  }
  console.log(`  tensors left: ${tf.memory().numTensors}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
