// lp.quantize keeps what LayersModel.execute hands each layer: Keras's implicit masks (an
// Embedding with maskZero feeding a masked 1-D pooling or a recurrent layer) and the call options
// recorded on graph nodes (attention's useCausalMask), for the layers that stay f32 inside an int8
// model. Each model's int8 predictions must follow its own f32 predictions, not those of the same
// model without the mask or the option (which differ a lot on these inputs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';

await lp.ready();

/** Largest absolute difference of two tensors' values. */
function maxDiff(a: lp.Tensor, b: lp.Tensor): number {
  const x = a.dataSync(), y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Ids [n, t] in 1..vocab-1 with a random number of trailing zeros (padding) per row. */
function paddedIds(n: number, t: number, vocab: number, seed: number): lp.Tensor {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const ids = new Float32Array(n * t);
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(rand() * (t / 2));
    for (let j = 0; j < len; j++) ids[i * t + j] = 1 + Math.floor(rand() * (vocab - 1));
  }
  return lp.tensor(ids, [n, t]);
}

/** The int8 model's error against its f32 model, and how far the f32 model is from its twin
 *  without the mask (or option): the first must be a small part of the second. */
function check(model: lp.LayersModel, twin: lp.LayersModel, x: lp.Tensor, what: string): void {
  lp.tidy(() => {
    const q = lp.quantize(model, { mode: 'int8', calibrationData: x });
    try {
      const f32 = model.predict(x) as lp.Tensor, other = twin.predict(x) as lp.Tensor, int8 = q.predict(x);
      const err = maxDiff(int8, f32), gap = maxDiff(other, f32);
      assert.ok(gap > 0.05, `${what}: the twin should differ (gap ${gap})`);
      assert.ok(err < 0.2 * gap, `${what}: int8 off its f32 model by ${err}, the twin by ${gap}`);
    } finally {
      q.dispose();
    }
  });
}

describe('quantize: masks and call options reach the f32 layers of an int8 model', () => {
  it('Embedding(maskZero) → GlobalAveragePooling1D → Dense', () => {
    const make = (maskZero: boolean) => lp.sequential([
      lp.layers.embedding({ inputDim: 20, outputDim: 8, maskZero, inputShape: [12], embeddingsInitializer: lp.initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }) }),
      lp.layers.globalAveragePooling1d(),
      lp.layers.dense({ units: 4, kernelInitializer: lp.initializers.glorotUniform({ seed: 4 }) }),
    ]);
    const masked = make(true), plain = make(false);
    const x = paddedIds(16, 12, 20, 5);
    check(masked, plain, x, 'masked pooling');
    lp.dispose([x]); masked.dispose(); plain.dispose();
  });

  it('Embedding(maskZero) → LSTM → Dense', () => {
    const make = (maskZero: boolean) => lp.sequential([
      lp.layers.embedding({ inputDim: 20, outputDim: 8, maskZero, inputShape: [10], embeddingsInitializer: lp.initializers.randomUniform({ minval: -1, maxval: 1, seed: 6 }) }),
      lp.layers.lstm({ units: 6, kernelInitializer: lp.initializers.glorotUniform({ seed: 7 }), recurrentInitializer: lp.initializers.orthogonal({ seed: 8 }) }),
      lp.layers.dense({ units: 3, kernelInitializer: lp.initializers.glorotUniform({ seed: 9 }) }),
    ]);
    const masked = make(true), plain = make(false);
    const x = paddedIds(16, 10, 20, 10);
    check(masked, plain, x, 'masked LSTM');
    lp.dispose([x]); masked.dispose(); plain.dispose();
  });

  it('multiHeadAttention with useCausalMask → Dense', () => {
    const make = (causal: boolean) => {
      const input = lp.input({ shape: [6, 8] });
      const mha = lp.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, kernelInitializer: lp.initializers.glorotUniform({ seed: 11 }) });
      const h = mha.apply([input, input], causal ? { useCausalMask: true } : {}) as lp.SymbolicTensor;
      const y = lp.layers.dense({ units: 5, kernelInitializer: lp.initializers.glorotUniform({ seed: 12 }) }).apply(h) as lp.SymbolicTensor;
      return lp.model({ inputs: input, outputs: y });
    };
    const causal = make(true), full = make(false);
    const x = lp.randomNormal([8, 6, 8], 0, 1, 'float32', 13);
    check(causal, full, x, 'causal attention');
    lp.dispose([x]); causal.dispose(); full.dispose();
  });
});
