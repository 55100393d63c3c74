// Knowledge distillation (Hinton, Vinyals & Dean 2015; the Keras "Knowledge Distillation"
// example's weighting): lp.distill({teacher, student, temperature, alpha, x, y, ...}) trains the
// student on
//   loss = alpha · CE(labels, softmax(zs)) + (1 - alpha) · T² · KL(softmax(zt / T) ‖ softmax(zs / T))
// alpha weighs the hard-label loss, 1 - alpha the softened teacher; T² keeps the soft term's
// gradients at the scale of the hard one as T grows. zs, zt are logits: a model ending in softmax
// (Dense with activation softmax, or an Activation layer) runs with the `logits` kwarg, any other
// output is taken to be logits. The teacher is frozen: its logits are computed per batch off the
// tape, and only the student's trainable weights get gradients.
import { Tensor, tidy } from './tensor.js';
import { tensor } from './ops/creation.js';
import { gather } from './ops/gather.js';
import { add, mul, sub, div } from './ops/binary.js';
import { neg } from './ops/unary.js';
import { mean, sum } from './ops/reduce.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import { oneHot } from './data/one_hot.js';
import { variableGrads } from './autograd.js';
import { Optimizer, optimizerFromName } from './optimizers.js';
import { LayersModel } from './models/model.js';
import { History } from './models/fit.js';
import { positiveInt } from './models/training.js';
import { epochOrder } from './data/batching.js';
import { seedOf } from './ops/creation.js';
import { fire, type Callback, type CustomCallbackArgs, type Logs, type TrainingParams } from './callbacks.js';
import { fmt } from './util.js';

/** The distillation loss's temperature and label weight. */
export interface DistillLossArgs {
  /** Softening temperature T > 0 (2 to 10 is usual; default 4). */
  temperature?: number;
  /** Weight of the hard-label loss, in [0, 1] (default 0.1); 1 - alpha weighs the teacher's. */
  alpha?: number;
}

/** Arguments of distill(): teacher, student, data and training options. */
export interface DistillArgs extends DistillLossArgs {
  /** The trained model whose softened outputs the student learns (frozen). */
  teacher: LayersModel;
  /** The model being trained. */
  student: LayersModel;
  /** Training inputs. */
  x: Tensor;
  /** One-hot labels [N, C] (float32) or class indices [N] (int32). */
  y: Tensor;
  /** Passes over x (default 1). */
  epochs?: number;
  /** Samples per step (default 32). */
  batchSize?: number;
  /** Default: the student's compiled optimizer, else 'adam'. */
  optimizer?: string | Optimizer;
  /** As in fit(). */
  callbacks?: (Callback | CustomCallbackArgs)[];
  /** [x, y] evaluated after each epoch. */
  validationData?: [Tensor, Tensor];
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling. */
  seed?: number;
}

function checkLossArgs(op: string, args: DistillLossArgs): { T: number; alpha: number } {
  const T = args.temperature ?? 4, alpha = args.alpha ?? 0.1;
  if (typeof T !== 'number' || !(T > 0) || !Number.isFinite(T)) throw new Error(`${op}: temperature must be a number > 0, got ${String(args.temperature)}`);
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new Error(`${op}: alpha must be in [0, 1], got ${String(args.alpha)}`);
  return { T, alpha };
}

/** Labels as one-hot float32 [N, C]: class indices go through oneHot. */
function oneHotLabels(op: string, y: Tensor, n: number, classes: number): Tensor {
  checkLabels(op, y, n, classes);
  return y.dtype === 'int32' ? oneHot(y, classes) : y;
}

/**
 * The distillation loss (a scalar, recorded on the tape) from student logits [N, C], teacher
 * logits [N, C] and labels (one-hot [N, C] or int32 indices [N]). Call it inside tidy(): its
 * intermediates stay alive for the backward pass.
 */
export function distillationLoss(studentLogits: Tensor, teacherLogits: Tensor, labels: Tensor, args: DistillLossArgs = {}): Tensor {
  const op = 'distillationLoss';
  const { T, alpha } = checkLossArgs(op, args);
  if (studentLogits.rank !== 2 || teacherLogits.rank !== 2 || studentLogits.shape.some((d, i) => d !== teacherLogits.shape[i])) {
    throw new Error(`${op}: student logits ${fmt(studentLogits.shape)} and teacher logits ${fmt(teacherLogits.shape)} must be the same [N, C]`);
  }
  const [n, classes] = studentLogits.shape;
  // No tidy() here: on a tape the intermediates are the saved values of the backward pass (the
  // caller's scope, or variableGrads', frees them).
  const y = oneHotLabels(op, labels, n, classes);
  const hard = mean(neg(sum(mul(y, logSoftmax(studentLogits)), -1)));
  const soft = div(teacherLogits, T);
  const kl = mean(sum(mul(softmax(soft), sub(logSoftmax(soft), logSoftmax(div(studentLogits, T)))), -1));
  return add(mul(hard, alpha), mul(kl, (1 - alpha) * T * T));
}

/** The model's output as logits (see the header), for one batch. */
function logitsOf(model: LayersModel, x: Tensor, training: boolean): Tensor {
  return model.execute([x], { training, logits: [true] })[0];
}

/** Trains the student on the teacher's softened outputs plus the labels; resolves to the per-epoch History. */
export async function distill(args: DistillArgs): Promise<History> {
  const op = 'distill';
  if (args === null || typeof args !== 'object') throw new Error(`${op}: expects {teacher, student, x, y, temperature, alpha, ...}`);
  const { teacher, student } = args;
  if (!(teacher instanceof LayersModel) || !(student instanceof LayersModel)) throw new Error(`${op}: teacher and student must be models`);
  const { T, alpha } = checkLossArgs(op, args);
  if (teacher.outputs.length !== 1 || student.outputs.length !== 1) throw new Error(`${op}: teacher and student must have one output each`);
  const to = teacher.outputs[0].shape, so = student.outputs[0].shape;
  if (to.length !== 2 || so.length !== 2 || to[1] !== so[1]) {
    throw new Error(`${op}: teacher output [${to.map((d) => d ?? 'null')}] and student output [${so.map((d) => d ?? 'null')}] ` +
      'must be the same [batch, classes]');
  }
  const classes = so[1]!;
  const [x] = student.checkInputs(op, args.x);
  teacher.checkInputs(op, x);
  const n = x.shape[0];
  checkLabels(op, args.y, n, classes);
  const validation = args.validationData;
  if (validation !== undefined) {
    student.checkInputs(`${op} (validationData)`, validation[0]);
    checkLabels(`${op} (validationData)`, validation[1], validation[0].shape[0], classes);
  }
  const epochs = positiveInt(op, 'epochs', args.epochs ?? 1);
  const batchSize = positiveInt(op, 'batchSize', args.batchSize ?? 32);
  const optimizer = args.optimizer instanceof Optimizer ? args.optimizer
    : typeof args.optimizer === 'string' ? optimizerFromName(args.optimizer) : student.optimizer ?? optimizerFromName('adam');
  const seed = seedOf(op, args.seed);
  const steps = Math.ceil(n / batchSize);
  const params: TrainingParams = { epochs, initialEpoch: 0, samples: n, steps, batchSize, verbose: 0,
    metrics: validation ? ['loss', 'val_loss'] : ['loss'] };
  const cbs = args.callbacks ?? [];
  for (const cb of cbs) {
    (cb as Callback).setModel?.(student as never);
    (cb as Callback).setParams?.(params);
  }
  const history = new History();
  history.params = params;
  student.stopTraining = false;
  await fire(cbs, 'onTrainBegin');
  for (let epoch = 0; epoch < epochs && !student.stopTraining; epoch++) {
    await fire(cbs, 'onEpochBegin', epoch);
    const order = epochOrder(n, seed, epoch, args.shuffle !== false);
    let total = 0;
    for (let b = 0; b < steps; b++) {
      const size = Math.min(batchSize, n - b * batchSize);
      await fire(cbs, 'onBatchBegin', b, { batch: b, size });
      const loss = tidy(() => {
        const idx = tensor(order.subarray(b * batchSize, b * batchSize + size), [size], 'int32');
        const bx = gather(x, idx), by = gather(args.y, idx);
        const teacherLogits = logitsOf(teacher, bx, false);
        const { value, grads } = variableGrads(() => distillationLoss(logitsOf(student, bx, true), teacherLogits, by, { temperature: T, alpha }),
          student.trainableWeights);
        const v = value.dataSync()[0];
        if (Number.isFinite(v)) optimizer.applyGradients(grads);
        return v;
      });
      if (!Number.isFinite(loss)) throw new Error(`${op}: the loss is ${loss} at epoch ${epoch + 1}, batch ${b + 1}; the weights were not changed`);
      total += loss * size;
      await fire(cbs, 'onBatchEnd', b, { batch: b, size, loss });
    }
    const logs: Logs = { loss: total / n };
    if (validation !== undefined) {
      logs.val_loss = tidy(() => distillationLoss(logitsOf(student, validation[0], false), logitsOf(teacher, validation[0], false),
        validation[1], { temperature: T, alpha }).dataSync()[0]);
    }
    await fire(cbs, 'onEpochEnd', epoch, logs);
    history.record(epoch, logs);
  }
  await fire(cbs, 'onTrainEnd');
  return history;
}

function checkLabels(op: string, y: Tensor, n: number, classes: number): void {
  if (!(y instanceof Tensor)) throw new Error(`${op}: labels must be a Tensor, got ${typeof y}`);
  const ok = (y.dtype === 'int32' && y.rank === 1 && y.shape[0] === n) ||
    (y.dtype === 'float32' && y.rank === 2 && y.shape[0] === n && y.shape[1] === classes);
  if (!ok) throw new Error(`${op}: labels must be one-hot float32 [${n}, ${classes}] or int32 class indices [${n}], got ${y.dtype} ${fmt(y.shape)}`);
}
