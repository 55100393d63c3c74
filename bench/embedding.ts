// The embedding training benchmark (issue 12): steps/s of Embedding(10,000 x 64) +
// GlobalAveragePooling1D + Dense(1, sigmoid), batch 32, sequences of 100 int32 ids, Adam, binary
// cross-entropy, Lepton against TensorFlow.js's wasm backend, same process, interleaved rounds.
//
// tfjs-backend-wasm has no UnsortedSegmentSum, which the gradient of tf.gather (the embedding
// lookup) needs ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'"): tfjs-wasm
// cannot train an Embedding at all. So the tfjs side gets the best a tfjs user can register: a
// plain-JavaScript kernel that reads the data with backend.readSync, scatter-adds into the output
// made by backend.makeOutput (straight on the wasm heap, typedArrayFromHeap), rows of ids in order.
// Everything else (gather, mean, matMul, sigmoid, Adam) is tfjs-wasm's own.
//
// Both sides start from the same weights and batch; the first step's losses must agree before
// anything is timed. A step is synchronous and reads the loss back (as bench/tfjs_train.ts).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../js-bindings/index.js';
import { trainOnBatchSync } from '../js-bindings/models/training.js';
import { setUpTfjsWasm } from './engines.js';
import type { Trainer } from './tfjs_train.js';

export const EMBEDDING_BENCH = { vocab: 10_000, dim: 64, batch: 32, steps: 100 } as const;

interface WasmBackendLike {
  readSync(dataId: object): Float32Array | Int32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** UnsortedSegmentSum for tfjs-backend-wasm in plain JavaScript: out[ids[j], :] += x[j, :], other rows 0. */
const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  const b = backend as unknown as WasmBackendLike;
  const values = b.readSync(x.dataId) as Float32Array, ids = b.readSync(segmentIds.dataId);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const row = rowShape.reduce((a, d) => a * d, 1);
  const out = b.makeOutput([numSegments, ...rowShape], 'float32');
  const o = b.typedArrayFromHeap(out);
  o.fill(0);
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j];
    if (id < 0 || id >= numSegments) continue; // TensorFlow drops out-of-range segment ids
    const dst = id * row, src = j * row;
    for (let c = 0; c < row; c++) o[dst + c] += values[src + c];
  }
  return out;
};

/** tfjs-wasm, one thread, with the JavaScript UnsortedSegmentSum registered. */
export async function setUpTfjsEmbedding(): Promise<void> {
  await setUpTfjsWasm();
  if (tf.getKernel(tf.UnsortedSegmentSum, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSum });
  }
}

function layersOf<L>(make: typeof lp.layers | typeof tfl.layers): L[] {
  const { vocab, dim, steps } = EMBEDDING_BENCH;
  return [
    (make.embedding as (a: object) => L)({ inputDim: vocab, outputDim: dim, inputShape: [steps] }),
    (make.globalAveragePooling1d as (a?: object) => L)(),
    (make.dense as (a: object) => L)({ units: 1, activation: 'sigmoid' }),
  ];
}

/** The fixed batch: ids uniform in [0, vocab), labels 0/1, seeded. */
function batchData(seed: number): { ids: Int32Array; labels: Float32Array } {
  const { vocab, batch, steps } = EMBEDDING_BENCH;
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { ids: Int32Array.from({ length: batch * steps }, () => Math.floor(rand() * vocab)),
    labels: Float32Array.from({ length: batch }, () => (rand() < 0.5 ? 0 : 1)) };
}

function tfjsTrainer(weights: Float32Array[], data: ReturnType<typeof batchData>): Trainer {
  const { batch, steps } = EMBEDDING_BENCH;
  const model = tfl.sequential({ layers: layersOf<tfl.layers.Layer>(tfl.layers) });
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  const optimizer = tf.train.adam(0.001, 0.9, 0.999, 1e-7);
  const x = tf.tensor2d(data.ids, [batch, steps], 'int32'), y = tf.tensor2d(data.labels, [batch, 1]);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const lossOf = () => tf.mean(tfl.metrics.binaryCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
  let last = NaN, count = 0;
  return {
    step() {
      const loss = optimizer.minimize(lossOf, true, variables)!;
      last = loss.dataSync()[0];
      loss.dispose();
      count++;
    },
    lastLoss: () => last,
    steps: () => count,
    dispose() { model.dispose(); optimizer.dispose(); tf.dispose([x, y]); },
  };
}

function leptonTrainer(weights: Float32Array[], data: ReturnType<typeof batchData>): Trainer {
  const { batch, steps } = EMBEDDING_BENCH;
  const model = lp.sequential(layersOf<lp.Layer>(lp.layers));
  lp.tidy(() => model.setWeights(weights.map((w, i) => lp.tensor(w, [...model.weights[i].shape]))));
  model.compile({ optimizer: lp.train.adam(0.001, 0.9, 0.999, 1e-7), loss: 'binaryCrossentropy' });
  const x = lp.tensor(data.ids, [batch, steps], 'int32'), y = lp.tensor(data.labels, [batch, 1]);
  let last = NaN, count = 0;
  return {
    step() {
      last = trainOnBatchSync(model, x, y) as number;
      count++;
    },
    lastLoss: () => last,
    steps: () => count,
    dispose() { model.dispose(); lp.dispose([x, y]); },
  };
}

/** A step's arithmetic, roughly (for the harness's GFLOP/s column): lookup, mean, dense, their gradients, Adam. */
export function embeddingStepFlops(): number {
  const { vocab, dim, batch, steps } = EMBEDDING_BENCH;
  return 2 * batch * steps * dim /* mean and its gradient */ + batch * steps * dim /* scatter-add */ + 12 * vocab * dim /* Adam */;
}

/** The harness row: Lepton's and tfjs-wasm's trainers, after checking that their first-step losses agree. */
export async function embeddingRow(): Promise<{ name: string; flops: number; make(): { lepton: () => void; tfjs: () => void; dispose: () => void } }> {
  await setUpTfjsEmbedding();
  const { vocab, dim, batch, steps } = EMBEDDING_BENCH;
  return {
    name: `Embedding(${vocab}x${dim}) + GlobalAveragePooling1D + Dense(1, sigmoid) training step, batch ${batch}x${steps}, Adam`,
    flops: embeddingStepFlops(),
    make() {
      const init = tfl.sequential({ layers: layersOf<tfl.layers.Layer>(tfl.layers) });
      const weights = init.getWeights().map((w) => w.dataSync() as Float32Array);
      init.dispose();
      const data = batchData(12);
      const a = leptonTrainer(weights, data), b = tfjsTrainer(weights, data);
      a.step();
      b.step();
      if (!(Math.abs(a.lastLoss() - b.lastLoss()) < 1e-5 * Math.max(1, b.lastLoss()))) {
        throw new Error(`bench embedding: first-step losses differ (Lepton ${a.lastLoss()}, tfjs ${b.lastLoss()})`);
      }
      // The second step too: Adam's first update must have been the same.
      a.step();
      b.step();
      if (!(Math.abs(a.lastLoss() - b.lastLoss()) < 1e-5 * Math.max(1, b.lastLoss()))) {
        throw new Error(`bench embedding: second-step losses differ (Lepton ${a.lastLoss()}, tfjs ${b.lastLoss()})`);
      }
      return { lepton: () => a.step(), tfjs: () => b.step(), dispose: () => { a.dispose(); b.dispose(); } };
    },
  };
}
