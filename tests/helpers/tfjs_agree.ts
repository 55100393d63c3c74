// The layers-vs-tfjs-layers check shared by the API tests: the same model built in both (tfjs on
// whatever backend the test set, tfjs-backend-cpu), the same random weights, the same input;
// output shapes, weight shapes (in order) and predictions must agree.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { values } from './grad_check.js';

export type Pair = [lp.Layer[], tfl.layers.Layer[]];

/**
 * Builds both models, gives them the same random weights, compares predictions on one input of
 * batch 2 (random in [-1, 1), or `input`: e.g. token ids, given to both as float32).
 */
export function agree(inputShape: number[], layers: Pair, seed: number, tol = 1e-4, input?: Float32Array): void {
  const [mine, theirs] = layers;
  const ours = lp.sequential(mine);
  const ref = tfl.sequential({ layers: theirs });
  try {
    // (tfjs-layers leaves a reshape's inferred -1 as null; Lepton works it out.)
    const refShape = ref.outputs[0].shape;
    assert.ok(ours.outputs[0].shape.length === refShape.length && refShape.every((d, i) => d === null || d === ours.outputs[0].shape[i]),
      `output shape [${ours.outputs[0].shape}] vs tfjs [${refShape}]`);
    const refWeights = ref.getWeights();
    assert.deepEqual(ours.weights.map((w) => w.shape), refWeights.map((w) => w.shape), 'weight shapes, in order');
    // Random weights; variances positive.
    const fresh = refWeights.map((w, i) => {
      const v = values(w.size, seed + i, -0.6, 0.6);
      if (ours.weights[i].name.includes('variance')) v.forEach((x, j) => { v[j] = 0.5 + Math.abs(x); });
      return v;
    });
    ref.setWeights(fresh.map((v, i) => tf.tensor(v, refWeights[i].shape)));
    lp.tidy(() => ours.setWeights(fresh.map((v, i) => lp.tensor(v, refWeights[i].shape))));
    const x = input ?? values([2, ...inputShape].reduce((a, b) => a * b, 1), seed + 99, -1, 1);
    const want = (ref.predict(tf.tensor(x, [2, ...inputShape])) as tf.Tensor).dataSync();
    const got = lp.tidy(() => (ours.predict(lp.tensor(x, [2, ...inputShape])) as lp.Tensor).dataSync());
    assert.equal(got.length, want.length);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tol * (1 + Math.abs(want[i])), `output ${i}: ${v} vs tfjs ${want[i]}`));
  } finally {
    ours.dispose();
    ref.dispose();
  }
}
