// SimpleRNN, LSTM, GRU and Bidirectional against tfjs-layers 4.22 on tfjs-backend-cpu: the same
// weights, the same inputs; predictions of every layer and option (returnSequences, goBackwards,
// activations, useBias, unitForgetBias, returnState, masks, initial states, dropout off in
// inference, every merge mode), then 20 Adam steps of an LSTM model and of a GRU model
// ([8, 12, 5] → 16 units → Dense) whose final weights must agree within 1e-3.
// (tfjs's own orthogonal initializer needs the chained-op API, which tfjs-core's cpu build does
// not load here: its side uses glorotUniform, and the weights are copied anyway.)
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as lp from '../../js-bindings/index.js';
import { values } from '../helpers/grad_check.js';

before(async () => {
  await lp.ready();
  await tf.setBackend('cpu');
});

type InnerLayer = Parameters<typeof lp.layers.bidirectional>[0]['layer'];
type Kind = 'simpleRNN' | 'lstm' | 'gru';
const KINDS: Kind[] = ['simpleRNN', 'lstm', 'gru'];
const B = 3, T = 6, F = 4;

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${what}: [${i}] ${got[i]} vs tfjs ${want[i]}`);
  }
}

/** tfjs refuses to dispose a layer never applied to symbolic tensors; its weights are freed instead. */
function disposeTfjs(layer: tfl.layers.Layer): void {
  for (const w of layer.weights) (w as unknown as { dispose(): void }).dispose();
}

function makeLayers(kind: Kind, opts: Record<string, unknown>): [lp.Layer, tfl.layers.Layer] {
  const ours = (lp.layers[kind] as (a: unknown) => lp.Layer)({ ...opts });
  const theirs = (tfl.layers[kind] as (a: unknown) => tfl.layers.Layer)({ recurrentInitializer: 'glorotUniform', ...opts });
  return [ours, theirs];
}

/** Builds both, copies tfjs's weights (made random) into ours, returns the two. */
function sameWeights(ours: lp.Layer, theirs: tfl.layers.Layer, inputShape: number[], seed: number): void {
  (theirs as unknown as { build(s: number[]): void }).build(inputShape);
  (theirs as unknown as { built: boolean }).built = true;
  ours.ensureBuilt(inputShape);
  const ref = theirs.getWeights();
  assert.deepEqual(ours.weights.map((w) => [...w.shape]), ref.map((w) => w.shape), 'weight shapes in tfjs order');
  const fresh = ref.map((w, i) => values(w.size, seed + i, -0.7, 0.7));
  theirs.setWeights(fresh.map((v, i) => tf.tensor(v, ref[i].shape)));
  lp.tidy(() => ours.setWeights(fresh.map((v, i) => lp.tensor(v, ref[i].shape))));
}

/** Applies both eagerly (kwargs built per side) and compares every output. */
function agree(kind: Kind, opts: Record<string, unknown>, seed: number, extra?: (side: 'lp' | 'tf') => Record<string, unknown>): void {
  const [ours, theirs] = makeLayers(kind, opts);
  try {
    sameWeights(ours, theirs, [B, T, F], seed);
    const x = values(B * T * F, seed + 50, -1, 1);
    const want = tf.tidy(() => {
      const y = theirs.apply(tf.tensor(x, [B, T, F]), extra?.('tf') ?? {}) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync().slice());
    });
    const got = lp.tidy(() => {
      const y = ours.apply(lp.tensor(x, [B, T, F]), extra?.('lp') ?? {}) as lp.Tensor | lp.Tensor[];
      return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync().slice());
    });
    assert.equal(got.length, want.length, 'number of outputs');
    got.forEach((g, i) => close(g, want[i], 2e-5, `${kind} ${JSON.stringify(opts)} output ${i}`));
  } finally {
    ours.dispose();
    disposeTfjs(theirs);
  }
}

describe('recurrent layers agree with tfjs-layers (predictions)', () => {
  KINDS.forEach((kind, k) => {
    it(`${kind}: last output, sequences, goBackwards, no bias`, () => {
      agree(kind, { units: 5 }, 10 * k);
      agree(kind, { units: 5, returnSequences: true }, 10 * k + 1);
      agree(kind, { units: 7, returnSequences: true, goBackwards: true }, 10 * k + 2);
      agree(kind, { units: 3, useBias: false, goBackwards: true }, 10 * k + 3);
    });
    it(`${kind}: activations`, () => {
      const pairs = [['relu', 'sigmoid'], ['sigmoid', 'tanh'], ['linear', 'hardSigmoid'], ['tanh', 'relu'], ['hardSigmoid', 'linear']];
      pairs.forEach(([activation, recurrentActivation], i) => agree(kind, { units: 4, returnSequences: true, activation,
        ...(kind === 'simpleRNN' ? {} : { recurrentActivation }) }, 100 + 10 * k + i));
    });
    it(`${kind}: returnState, initial states and masks`, () => {
      const n = kind === 'lstm' ? 2 : 1;
      agree(kind, { units: 5, returnState: true }, 200 + k);
      agree(kind, { units: 5, returnState: true, returnSequences: true, goBackwards: true }, 210 + k);
      const states = Array.from({ length: n }, (_, i) => values(B * 5, 300 + i, -0.8, 0.8));
      agree(kind, { units: 5, returnSequences: true, returnState: true }, 220 + k, (side) => ({
        initialState: states.map((s) => (side === 'lp' ? lp.tensor(s, [B, 5]) : tf.tensor(s, [B, 5]))),
      }));
      // Masked steps at the start, middle and end of rows; one row fully real.
      const mask = [1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1];
      for (const goBackwards of [false, true]) {
        agree(kind, { units: 5, returnSequences: true, returnState: true, goBackwards }, 230 + k, (side) => ({
          mask: side === 'lp' ? lp.tensor(mask, [B, T], 'bool') : tf.tensor(mask, [B, T], 'bool'),
          initialState: states.map((s) => (side === 'lp' ? lp.tensor(s, [B, 5]) : tf.tensor(s, [B, 5]))),
        }));
      }
    });
    it(`${kind}: dropout and recurrentDropout do nothing in inference`, () => {
      agree(kind, { units: 5, dropout: 0.3, recurrentDropout: 0.4, returnSequences: true }, 240 + k);
    });
  });

  it('lstm: unitForgetBias puts ones in the forget block of the initial bias', () => {
    const l = lp.layers.lstm({ units: 3, unitForgetBias: true });
    l.ensureBuilt([1, 2, 4]);
    assert.deepEqual([...l.weights[2].dataSync()], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    l.dispose();
  });

  for (const mergeMode of ['concat', 'sum', 'mul', 'ave', null] as const) {
    it(`bidirectional, mergeMode ${mergeMode}`, () => {
      KINDS.forEach((kind, k) => {
        for (const returnSequences of [false, true]) {
          const inner = { units: 4, returnSequences, recurrentInitializer: 'glorotUniform' };
          const ours = lp.layers.bidirectional({ layer: (lp.layers[kind] as (a: unknown) => InnerLayer)(inner), mergeMode });
          const theirs = tfl.layers.bidirectional({ layer: (tfl.layers[kind] as (a: unknown) => tfl.RNN)(inner), mergeMode: mergeMode as never });
          try {
            sameWeights(ours, theirs, [B, T, F], 400 + k);
            const x = values(B * T * F, 450 + k, -1, 1);
            const want = tf.tidy(() => {
              const y = theirs.apply(tf.tensor(x, [B, T, F])) as tf.Tensor | tf.Tensor[];
              return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync().slice());
            });
            const got = lp.tidy(() => {
              const y = ours.apply(lp.tensor(x, [B, T, F])) as lp.Tensor | lp.Tensor[];
              return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync().slice());
            });
            assert.equal(got.length, want.length);
            got.forEach((g, i) => close(g, want[i], 2e-5, `bidirectional ${kind} ${mergeMode} seq=${returnSequences} output ${i}`));
          } finally {
            ours.dispose();
            disposeTfjs(theirs);
          }
        }
      });
    });
  }
});

describe('recurrent training agrees with tfjs-layers (20 Adam steps)', () => {
  for (const kind of ['lstm', 'gru'] as const) {
    it(`${kind}: [8, 12, 5] → 16 units → Dense(3), meanSquaredError`, async () => {
      const [batch, time, features, units] = [8, 12, 5, 16];
      const ours = lp.sequential([(lp.layers[kind] as (a: unknown) => lp.Layer)({ units, inputShape: [time, features] }),
        lp.layers.dense({ units: 3 })]);
      const ref = tfl.sequential({ layers: [(tfl.layers[kind] as (a: unknown) => tfl.layers.Layer)({ units, inputShape: [time, features],
        recurrentInitializer: 'glorotUniform' }), tfl.layers.dense({ units: 3 })] });
      try {
        const init = ref.getWeights().map((w, i) => values(w.size, 700 + i, -0.5, 0.5));
        ref.setWeights(init.map((v, i) => tf.tensor(v, ref.getWeights()[i].shape)));
        lp.tidy(() => ours.setWeights(init.map((v, i) => lp.tensor(v, ours.weights[i].shape))));
        ours.compile({ optimizer: lp.train.adam(0.01), loss: 'meanSquaredError' });
        ref.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
        const x = values(batch * time * features, 800, -1, 1), y = values(batch * 3, 801, -1, 1);
        const [lx, ly] = [lp.tensor(x, [batch, time, features]), lp.tensor(y, [batch, 3])];
        const [tx, ty] = [tf.tensor(x, [batch, time, features]), tf.tensor(y, [batch, 3])];
        const lossesOurs: number[] = [], lossesRef: number[] = [];
        for (let s = 0; s < 20; s++) {
          lossesOurs.push(await ours.trainOnBatch(lx, ly) as number);
          lossesRef.push(await ref.trainOnBatch(tx, ty) as number);
        }
        lp.dispose([lx, ly]);
        tf.dispose([tx, ty]);
        close(lossesOurs, lossesRef, 1e-4, `${kind} losses`);
        assert.ok(lossesOurs[19] < lossesOurs[0] * 0.9, `${kind}: training lowers the loss (${lossesOurs[0]} → ${lossesOurs[19]})`);
        const theirs = ref.getWeights().map((w) => w.dataSync());
        ours.weights.forEach((w, i) => {
          const got = w.dataSync();
          for (let j = 0; j < got.length; j++) {
            assert.ok(Math.abs(got[j] - theirs[i][j]) <= 1e-3, `${kind} weight ${w.name}[${j}]: ${got[j]} vs tfjs ${theirs[i][j]}`);
          }
        });
      } finally {
        ours.dispose();
        ref.dispose();
      }
    });
  }
});
