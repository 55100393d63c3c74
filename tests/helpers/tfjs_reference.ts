// TensorFlow.js as the reference for Lepton's training: the same model (bench/tfjs_models.ts),
// the same initial weights, the same batches, `steps` calls of model.trainOnBatch on
// tfjs-backend-cpu (plain JavaScript, f32), and the final weights and per-step losses back.
//
// What tfjs computes, for a Lepton side that wants to match it:
// - loss 'categoricalCrossentropy' on the softmax output: p / Σp, clipped to [1e-7, 1 − 1e-7]
//   (no gradient outside), −Σ y·log p per sample, mean over the batch;
// - 'sgd': w −= lr·g;
// - 'adam' (tf.train.adam(lr), beta1 0.9, beta2 0.999, epsilon 1e-7): m = β1·m + (1−β1)·g,
//   v = β2·v + (1−β2)·g², w −= lr·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε), t counted from 1.
// The loss reported for a step is computed before that step's update.
//
// Slow for the CNN: tfjs-cpu's Conv2DBackpropFilter (a loop of TensorBuffer.get() calls) takes
// about 85 % of a step. fastFilterGrad: true computes it instead as tfjs-cpu's own Conv2D of the
// transposed tensors (bench/tfjs_conv_grad.ts, checked against the stock kernel there): the same
// sums in another order, several times faster. The MLP is fast either way.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CLASSES, INPUT_SHAPE, tfjsModel, WEIGHT_SHAPES, type TrainKind } from '../../bench/tfjs_models.js';
import { useConvGrad } from '../../bench/tfjs_conv_grad.js';

export interface TfjsTrainArgs {
  kind: TrainKind;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  steps: number;
  batch: number;
  /** Initial weights in getWeights() order (bench/tfjs_models.ts WEIGHT_SHAPES), row-major. */
  weights: Float32Array[];
  /** One batch [batch, ...input] used for every step, or one per step. */
  x: Float32Array | Float32Array[];
  /** One-hot labels [batch, 10], one batch or one per step (as x). */
  y: Float32Array | Float32Array[];
  loss: 'categoricalCrossentropy';
  /** Conv2DBackpropFilter as a conv of transposed tensors (faster) instead of tfjs-cpu's own. */
  fastFilterGrad?: boolean;
}

export interface TfjsTrainResult {
  /** Final weights, getWeights() order (copies). */
  weights: Float32Array[];
  /** The loss of each step (before its update). */
  losses: number[];
}

// tfjs's test mode: every kernel call is checked for leaked buffers, and no "install tfjs-node"
// banner on the first tensor.
tf.env().set('IS_TEST', true);

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Batch s of a single batch or of a list of them; checks its length. */
function batchOf(data: Float32Array | Float32Array[], s: number, steps: number, length: number, what: string): Float32Array {
  if (Array.isArray(data) && data.length !== steps) {
    throw new Error(`tfjsTrainSteps: ${data.length} batches of ${what} for ${steps} steps`);
  }
  const b = Array.isArray(data) ? data[s] : data;
  if (b.length !== length) throw new Error(`tfjsTrainSteps: ${what} batch ${s} has ${b.length} values, expected ${length}`);
  return b;
}

/** Trains on tfjs-backend-cpu (the global backend is 'cpu' during the call, then put back). */
export async function tfjsTrainSteps(args: TfjsTrainArgs): Promise<TfjsTrainResult> {
  const { kind, batch, steps } = args;
  const shapes = WEIGHT_SHAPES[kind];
  if (args.weights.length !== shapes.length) {
    throw new Error(`tfjsTrainSteps: ${args.weights.length} weights for the ${kind}, expected ${shapes.length}`);
  }
  args.weights.forEach((w, i) => {
    if (w.length !== size(shapes[i])) throw new Error(`tfjsTrainSteps: weight ${i} has ${w.length} values, expected [${shapes[i]}]`);
  });
  const inputShape = [batch, ...INPUT_SHAPE[kind]];
  // Checked before anything is built.
  for (let s = 0; s < steps; s++) {
    batchOf(args.x, s, steps, size(inputShape), 'x');
    batchOf(args.y, s, steps, batch * CLASSES, 'y');
  }

  const previous = tf.engine().backendName;
  await tf.setBackend('cpu');
  useConvGrad(tf.Conv2DBackpropFilter, 'cpu', args.fastFilterGrad ?? false);
  const model = tfjsModel(kind, 0);
  const optimizer = args.optimizer === 'sgd' ? tf.train.sgd(args.learningRate) : tf.train.adam(args.learningRate);
  try {
    const initial = args.weights.map((w, i) => tf.tensor(w, shapes[i]));
    model.setWeights(initial);
    tf.dispose(initial);
    model.compile({ optimizer, loss: args.loss });
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      const x = tf.tensor(batchOf(args.x, s, steps, size(inputShape), 'x'), inputShape);
      const y = tf.tensor(batchOf(args.y, s, steps, batch * CLASSES, 'y'), [batch, CLASSES]);
      losses.push(await model.trainOnBatch(x, y) as number);
      tf.dispose([x, y]);
    }
    // dataSync() may hand out the backend's own array: copy.
    return { weights: model.getWeights().map((w) => Float32Array.from(w.dataSync())), losses };
  } finally {
    model.dispose();
    optimizer.dispose();
    useConvGrad(tf.Conv2DBackpropFilter, 'cpu', false);
    if (previous != null && previous !== 'cpu') await tf.setBackend(previous);
  }
}
