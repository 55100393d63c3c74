// Distillation: the loss against an f64 reference, its gradient against finite differences, a
// student distilled from a teacher on a synthetic task, and bad arguments.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError } from '../helpers/api.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';

before(async () => { await lp.ready(); });

function logSoftmaxRow(z: number[]): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

/** alpha · CE(y, softmax(s)) + (1 - alpha) · T² · KL(softmax(t/T) ‖ softmax(s/T)), mean over rows, in f64. */
function lossRef(s: number[], t: number[], y: number[], n: number, c: number, T: number, alpha: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const si = s.slice(i * c, i * c + c), ti = t.slice(i * c, i * c + c), yi = y.slice(i * c, i * c + c);
    const ls = logSoftmaxRow(si), lt = logSoftmaxRow(ti.map((v) => v / T)), lsT = logSoftmaxRow(si.map((v) => v / T));
    const hard = -yi.reduce((a, v, j) => a + v * ls[j], 0);
    const kl = lt.reduce((a, v, j) => a + Math.exp(v) * (v - lsT[j]), 0);
    total += alpha * hard + (1 - alpha) * T * T * kl;
  }
  return total / n;
}

describe('distillationLoss', () => {
  for (const [T, alpha] of [[1, 0.5], [4, 0.1], [10, 0], [2, 1]]) {
    it(`value and gradient (finite differences) at T=${T}, alpha=${alpha}, one-hot and index labels`, () => {
      const n = 5, c = 7, rand = rng(T * 100 + alpha * 10);
      const s = Array.from(randomArray(rand, n * c, -3, 3)), t = Array.from(randomArray(rand, n * c, -3, 3));
      const idx = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
      const y = Array.from({ length: n * c }, (_, i) => (idx[Math.floor(i / c)] === i % c ? 1 : 0));
      const ts = lp.tensor(Float32Array.from(s), [n, c]), tt = lp.tensor(Float32Array.from(t), [n, c]);
      const ty = lp.tensor(Float32Array.from(y), [n, c]), ti = lp.tensor(idx, [n], 'int32');
      for (const labels of [ty, ti]) {
        const value = lp.tidy(() => lp.distillationLoss(ts, tt, labels, { temperature: T, alpha }));
        assert.ok(Math.abs(value.dataSync()[0] - lossRef(s, t, y, n, c, T, alpha)) < 1e-4 * (1 + T * T));
        const g = lp.grad((z) => lp.distillationLoss(z, tt, labels, { temperature: T, alpha }))(ts);
        const eps = 1e-4;
        const fd = s.map((_, i) => {
          const up = [...s], down = [...s];
          up[i] += eps; down[i] -= eps;
          return (lossRef(up, t, y, n, c, T, alpha) - lossRef(down, t, y, n, c, T, alpha)) / (2 * eps);
        });
        assertClose(g.dataSync(), fd, { atol: 2e-5, rtol: 2e-3 }, `T=${T}`);
        lp.dispose([value, g]);
      }
      lp.dispose([ts, tt, ty, ti]);
    });
  }
});

/** Inputs in R^8 labelled by argmax(x · W) for a fixed W [8, 3]: the teacher is that rule itself. */
function task(seed: number, n: number, w: Float32Array): { x: lp.Tensor; labels: Int32Array } {
  const xv = randomArray(rng(seed), n * 8);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const z = [0, 1, 2].map((j) => Array.from({ length: 8 }, (_, k) => xv[i * 8 + k] * w[k * 3 + j]).reduce((a, b) => a + b, 0));
    labels[i] = z.indexOf(Math.max(...z));
  }
  return { x: lp.tensor(xv, [n, 8]), labels };
}

function agreement(model: lp.LayersModel, x: lp.Tensor, labels: Int32Array): number {
  const p = model.predict(x) as lp.Tensor;
  const am = lp.argMax(p, -1);
  const a = am.dataSync() as Int32Array;
  lp.dispose([p, am]);
  return a.filter((v, i) => v === labels[i]).length / labels.length;
}

describe('lp.distill', () => {
  it('a student distilled from a teacher matches its argmax far better than chance, and its loss falls', async () => {
    const w = randomArray(rng(42), 24, -2, 2);
    const teacher = lp.sequential([lp.layers.dense({ units: 3, activation: 'softmax', inputShape: [8] })]);
    const wt = lp.mul(lp.tensor(w, [8, 3]), 3), bt = lp.zeros([3]); // a sharp teacher: logits 3·x·W
    teacher.setWeights([wt, bt]);
    const student = lp.sequential([
      lp.layers.dense({ units: 16, activation: 'relu', inputShape: [8], kernelInitializer: lp.initializers.glorotUniform({ seed: 1 }) }),
      lp.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: 2 }) }),
    ]);
    const train = task(1, 512, w), test = task(2, 256, w);
    const y = lp.tensor(train.labels, [512], 'int32');
    const yTest = lp.tensor(test.labels, [256], 'int32');
    assert.equal(agreement(teacher, test.x, test.labels), 1, 'the teacher is the labelling rule');
    const before = agreement(student, test.x, test.labels);
    const epochsSeen: number[] = [];
    const history = await lp.distill({ teacher, student, x: train.x, y, temperature: 4, alpha: 0.2, epochs: 8, batchSize: 32,
      optimizer: lp.train.adam(0.02), validationData: [test.x, yTest], seed: 3, callbacks: [{ onEpochEnd: (e) => { epochsSeen.push(e); } }] });
    const after = agreement(student, test.x, test.labels);
    assert.deepEqual(epochsSeen, [0, 1, 2, 3, 4, 5, 6, 7]);
    const losses = history.history.loss;
    assert.equal(losses.length, 8);
    assert.ok(losses[7] < 0.5 * losses[0], `loss ${losses[0]} → ${losses[7]}`);
    assert.ok(history.history.val_loss[7] < history.history.val_loss[0]);
    assert.ok(after > 0.85 && after > before, `agreement ${before} → ${after} (chance 1/3)`);
    lp.dispose([wt, bt, y, yTest, train.x, test.x]);
    teacher.dispose();
    student.dispose();
  });

  it('bad arguments: output shapes differ, temperature <= 0, alpha outside [0, 1], labels', async () => {
    const teacher = lp.sequential([lp.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })]);
    const student = lp.sequential([lp.layers.dense({ units: 3, inputShape: [4] })]);
    const other = lp.sequential([lp.layers.dense({ units: 5, inputShape: [4] })]);
    const x = lp.zeros([6, 4]), y = lp.zeros([6, 3]), yBad = lp.zeros([6, 2]);
    const rejects = async (args: Partial<lp.DistillArgs>, pattern: RegExp) => {
      const before = lp.memory();
      await assert.rejects(lp.distill({ teacher, student, x, y, ...args } as lp.DistillArgs), (e: unknown) =>
        e instanceof Error && e.message.startsWith('distill') && pattern.test(e.message));
      assert.equal(lp.memory().numTensors, before.numTensors);
      assert.equal(lp.memory().numBytes, before.numBytes);
    };
    await rejects({ student: other }, /teacher output \[null,3\] and student output \[null,5\]/);
    for (const t of [0, -1, NaN]) await rejects({ temperature: t }, /temperature must be a number > 0/);
    for (const a of [-0.1, 1.5, NaN]) await rejects({ alpha: a }, /alpha must be in \[0, 1\]/);
    await rejects({ y: yBad }, /labels must be one-hot float32 \[6, 3\]/);
    await rejects({ epochs: 0 }, /epochs must be a positive integer/);
    expectError(() => lp.tidy(() => lp.distillationLoss(x, y, y)), 'distillationLoss', /must be the same \[N, C\]/);
    expectError(() => lp.tidy(() => lp.distillationLoss(y, y, y, { temperature: -2 })), 'distillationLoss', /temperature/);
    lp.dispose([x, y, yBad]);
    for (const m of [teacher, student, other]) m.dispose();
  });
});
