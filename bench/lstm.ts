// LSTM training against tfjs-wasm (tfjs-layers' LSTM on tfjs-backend-wasm, one thread): input
// [batch 32, 64 steps, 64 features] → LSTM(128) → Dense(10), mean squared error, Adam, from the
// same initial weights on the same fixed batch. A step is a whole training step on each side:
// Lepton's model.trainOnBatch body (trainOnBatchSync), tfjs's optimizer.minimize over the same
// loss (what its trainOnBatch runs), loss read back. The first step's losses must agree.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../js-bindings/index.js';
import { trainOnBatchSync } from '../js-bindings/models/training.js';
import { setUpTfjsWasm } from './engines.js';
import type { TrainRow } from './train.js';

export const LSTM_SHAPE = { batch: 32, time: 64, features: 64, units: 128, outputs: 10 } as const;

/** FLOPs of one step: the forward GEMMs (input projection + recurrence + dense) and twice that backward. */
export function lstmStepFlops(): number {
  const { batch: B, time: T, features: F, units: U, outputs: O } = LSTM_SHAPE;
  return 3 * (2 * B * T * (F + U) * 4 * U + 2 * B * U * O);
}

export async function lstmRows(): Promise<TrainRow[]> {
  await setUpTfjsWasm();
  const { batch: B, time: T, features: F, units: U, outputs: O } = LSTM_SHAPE;
  return [{
    name: `LSTM training step, [${B}, ${T}, ${F}] → LSTM(${U}) → Dense(${O}), Adam`,
    flops: lstmStepFlops(),
    make() {
      // tfjs's orthogonal initializer needs chained ops this build may lack; the weights are
      // copied to Lepton anyway, so tfjs draws them with glorotUniform.
      const ref = tfl.sequential({ layers: [
        tfl.layers.lstm({ units: U, inputShape: [T, F], recurrentInitializer: 'glorotUniform' }),
        tfl.layers.dense({ units: O }),
      ] });
      ref.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const ours = lp.sequential([lp.layers.lstm({ units: U, inputShape: [T, F] }), lp.layers.dense({ units: O })]);
      const init = ref.getWeights();
      lp.tidy(() => ours.setWeights(init.map((w) => lp.tensor(w.dataSync() as Float32Array, w.shape))));
      ours.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const tx = tf.randomUniform([B, T, F], -1, 1, 'float32', 5), ty = tf.randomUniform([B, O], -1, 1, 'float32', 6);
      const lx = lp.tensor(tx.dataSync() as Float32Array, [B, T, F]), ly = lp.tensor(ty.dataSync() as Float32Array, [B, O]);
      const variables = ref.trainableWeights.map((w) => w.read() as tf.Variable);
      const lossOf = () => tf.mean(tf.square(tf.sub(ref.apply(tx, { training: true }) as tf.Tensor, ty))) as tf.Scalar;
      const tfjsStep = () => {
        const loss = ref.optimizer.minimize(lossOf, true, variables)!;
        const v = loss.dataSync()[0];
        loss.dispose();
        return v;
      };
      const leptonStep = () => trainOnBatchSync(ours, lx, ly) as number;
      const a = leptonStep(), b = tfjsStep();
      if (!(Math.abs(a - b) < 1e-4 * Math.max(1, b))) throw new Error(`bench lstm: first-step losses differ (Lepton ${a}, tfjs ${b})`);
      return {
        lepton: () => { leptonStep(); },
        tfjs: () => { tfjsStep(); },
        dispose: () => {
          ours.dispose();
          lp.dispose([lx, ly]);
          ref.dispose();
          ref.optimizer.dispose();
          tf.dispose([tx, ty]);
        },
      };
    },
  }];
}
