// lp.layers.layerNormalization against tfjs-layers' LayerNormalization (tfjs-backend-cpu): the
// same weights and input give the same output and the same input/weight gradients; without
// gamma or beta; rank 2 and 3. The layerNorm op's gradients through the tape against finite
// differences (rows of 1, 3, 7, 17, 33, 65 features); masks pass on; model files; errors.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { layerNorm } from '../../js-bindings/ops/layer_norm.js';
import { checkGrads, values } from '../helpers/grad_check.js';
import { assertClose } from '../helpers/check.js';
import { expectError, noLeak } from '../helpers/api.js';

before(async () => {
  await lp.ready();
  await tf.setBackend('cpu');
});

describe('layerNormalization vs tfjs-layers', () => {
  const cases: { shape: number[]; center?: boolean; scale?: boolean; epsilon?: number }[] = [
    { shape: [4, 5, 7] }, { shape: [3, 17] }, { shape: [2, 3, 33], center: false }, { shape: [2, 4, 6], scale: false, epsilon: 1e-5 },
    { shape: [1, 1, 1] }, { shape: [2, 2, 65], center: false, scale: false },
  ];
  for (const c of cases) {
    it(`input [${c.shape}]${c.center === false ? ', no beta' : ''}${c.scale === false ? ', no gamma' : ''}`, () => {
      const args = { center: c.center, scale: c.scale, epsilon: c.epsilon };
      const mine = lp.layers.layerNormalization({ ...args, inputShape: c.shape.slice(1) });
      const theirs = tfl.layers.layerNormalization({ ...args, inputShape: c.shape.slice(1) });
      const ours = lp.sequential([mine]);
      const ref = tfl.sequential({ layers: [theirs] });
      const refWeights = ref.getWeights();
      assert.deepEqual(mine.weights.map((w) => w.shape), refWeights.map((w) => w.shape), 'weight shapes, in order');
      const fresh = refWeights.map((w, i) => values(w.size, 10 + i, 0.5, 1.5));
      ref.setWeights(fresh.map((v, i) => tf.tensor(v, refWeights[i].shape)));
      lp.tidy(() => ours.setWeights(fresh.map((v, i) => lp.tensor(v, refWeights[i].shape))));
      const size = c.shape.reduce((a, b) => a * b, 1);
      const x = values(size, 3, -2, 3), w = values(size, 4, -1, 1);
      const xT = tf.tensor(x, c.shape), wT = tf.tensor(w, c.shape);
      const expected = (ref.predict(xT) as tf.Tensor).dataSync();
      // Gradients of Σ w·y with respect to x and each weight, in tfjs and in Lepton.
      const loss = (xi: tf.Tensor) => tf.sum(tf.mul(theirs.apply(xi) as tf.Tensor, wT)) as tf.Scalar;
      // (tfjs-layers 4.22 cannot differentiate its LayerNormalization without gamma or beta: those
      // cases compare outputs here and are checked by finite differences below.)
      const affine = c.center !== false && c.scale !== false;
      const tfDx = affine ? tf.grad(loss)(xT) : null;
      const tfVars = theirs.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
      const tfW = affine ? tf.variableGrads(() => loss(xT), tfVars).grads : {};
      lp.tidy(() => {
        const xL = lp.tensor(x, c.shape), wL = lp.tensor(w, c.shape);
        assertClose((ours.predict(xL) as lp.Tensor).dataSync(), expected, { atol: 2e-5, rtol: 1e-4 }, 'output');
        const myLoss = (xi: lp.Tensor) => lp.sum(lp.mul(mine.apply(xi), wL));
        if (tfDx === null) return;
        assertClose(lp.grad(myLoss)(xL).dataSync(), tfDx.dataSync(), { atol: 2e-5, rtol: 1e-3 }, 'dx');
        const { grads } = lp.variableGrads(() => myLoss(xL), mine.trainableWeights);
        mine.trainableWeights.forEach((v, i) =>
          assertClose(grads[v.name].dataSync(), tfW[tfVars[i].name].dataSync(), { atol: 1e-4, rtol: 1e-4 }, v.name));
      });
      tf.dispose([xT, wT, ...(tfDx ? [tfDx] : []), ...Object.values(tfW)]);
      ours.dispose();
    });
  }
});

describe('layerNorm gradients through the tape', () => {
  for (const n of [1, 3, 7, 17, 33, 65]) {
    it(`rows of ${n} features: x, gamma, beta`, () => {
      checkGrads({
        f: (x, g, b) => layerNorm(x, g, b, 1e-3),
        inputs: [{ values: values(2 * 3 * n, n, -2, 2), shape: [2, 3, n] }, { values: values(n, n + 1, 0.5, 1.5), shape: [n] },
          { values: values(n, n + 2, -1, 1), shape: [n] }],
        eps: 1e-2, atol: 2e-3, rtol: 3e-2,
      });
    });
  }
  it('without gamma and beta', () => {
    checkGrads({ f: (x) => layerNorm(x), inputs: [{ values: values(3 * 9, 5, -2, 2), shape: [3, 9] }], eps: 1e-2, atol: 2e-3, rtol: 3e-2 });
  });
});

describe('layerNormalization in models, masks, errors', () => {
  it('passes the mask on; sequential model round-trips through a model file; trains with flat memory', async () => {
    const ln = lp.layers.layerNormalization({ inputShape: [4, 6], epsilon: 1e-5, center: false });
    const mask = lp.tidy(() => lp.cast(lp.tensor([1, 1, 0, 0, 1, 1, 1, 0], [2, 4], 'int32'), 'bool'));
    const model = lp.sequential([ln, lp.layers.dense({ units: 1 })]);
    const x = lp.randomNormal([2, 4, 6], 3, 2, 'float32', 1), y = lp.randomNormal([2, 4, 1], 0, 1, 'float32', 2);
    lp.tidy(() => assert.equal(ln.computeMask(x, mask), mask));
    const before = model.predict(x) as lp.Tensor;
    const back = lp.io.load(lp.io.save(model));
    const after = back.predict(x) as lp.Tensor;
    assert.deepEqual([...after.dataSync()], [...before.dataSync()]);
    assert.deepEqual(back.layers[0].getConfig(), { ...ln.getConfig(), name: back.layers[0].name });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const usage: number[] = [];
    await model.fit(x, y, { epochs: 4, verbose: 0, callbacks: { onBatchEnd: () => { usage.push(lp.memory().numBytes); } } });
    assert.equal(usage[3], usage[1]);
    lp.dispose([mask, x, y, before, after]);
    model.dispose();
    back.dispose();
  });

  it('bad input: clear Errors, nothing leaked', () => {
    assert.throws(() => lp.layers.layerNormalization({ axis: 0 }), /LayerNormalization: only the last axis is supported/);
    assert.throws(() => lp.layers.layerNormalization({ epsilon: 0 }), /LayerNormalization: epsilon must be > 0/);
    const ln = lp.layers.layerNormalization({ name: 'ln', axis: 2 });
    const x = lp.zeros([2, 3, 4]), wrongRank = lp.zeros([2, 3, 4, 5]), one = lp.zeros([4]);
    expectError(() => ln.apply(wrongRank), 'ln (LayerNormalization)', /axis 2 is not the last axis/);
    expectError(() => ln.apply(one), 'ln (LayerNormalization)', /expects input of rank >= 2/);
    ln.ensureBuilt([2, 3, 4]);
    noLeak(() => lp.tidy(() => { ln.apply(x); }));
    const five = lp.zeros([2, 3, 5]);
    expectError(() => ln.apply(five), 'ln (LayerNormalization)', /expects 4 features in the last axis/);
    const g = lp.zeros([3]);
    expectError(() => layerNorm(x, g), 'layerNorm', /'gamma' must have shape \[4\], got \[3\]/);
    expectError(() => layerNorm(x, null, null, -1), 'layerNorm', /epsilon must be a number > 0/);
    lp.dispose([x, wrongRank, one, five, g]);
    ln.dispose();
  });
});
