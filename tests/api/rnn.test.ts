// The recurrent layers through the public API: gradients through the tape (one RnnSequence node,
// then the slices a layer returns) against finite differences of the f64 reference; masks flowing
// through a model from a mask-making layer and passed on (returnSequences) or dropped; dropout
// in training; Bidirectional outputs and weights; save/load round trips (configs and
// predictions); a training loop that keeps memory flat; argument errors with nothing leaked.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { rnnSequence } from '../../js-bindings/ops/rnn.js';
import { layerFactory } from '../../js-bindings/io/registry.js';
import { values } from '../helpers/grad_check.js';
import { expectError, noLeak } from '../helpers/api.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { rnn_forward_ref, type CellName, type RnnCase } from '../ref/rnn_ref.js';

before(async () => { await lp.ready(); });

const [B, T, F, U] = [2, 5, 3, 4];
const CELL_REF: Record<string, CellName> = { simpleRNN: 'simple', lstm: 'lstm', gru: 'gru' };

/** A layer that gives its input a fixed mask (as an Embedding with maskZero would). */
class FixedMask extends lp.Layer {
  constructor(private readonly mask: lp.Tensor, args: lp.LayerArgs) { super('FixedMask', args); }
  computeOutputShape(s: lp.SymbolicShape | lp.SymbolicShape[]): lp.SymbolicShape { return s as lp.SymbolicShape; }
  call(x: lp.Tensor | lp.Tensor[]): lp.Tensor { return x as lp.Tensor; }
  override computeMask(): lp.Tensor { return this.mask; }
}

describe('recurrent layers: gradients through the tape', () => {
  const kinds = [['simpleRNN', false], ['lstm', false], ['gru', false], ['gru', true]] as const;
  for (const [kind, resetAfter] of kinds) {
    for (const goBackwards of [false, true]) {
      it(`${kind}${resetAfter ? ' resetAfter' : ''}${goBackwards ? ', goBackwards' : ''}: last output and states vs finite differences`, () => {
        const x = values(B * T * F, 1, -1, 1);
        const G = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
        const biasShape = resetAfter ? [2, G * U] : [G * U];
        const w = values(F * G * U, 2, -0.6, 0.6), u = values(U * G * U, 3, -0.6, 0.6);
        const b = values(biasShape.reduce((a, d) => a * d, 1), 4, -0.3, 0.3);
        const mask = [1, 1, 0, 1, 0, 0, 1, 1, 1, 1];
        const S = kind === 'lstm' ? 1 : 0;
        // L = Σ R·(last output) + Σ Q·(final c): the layer slices both out of the op's one output.
        const R = values(B * U, 5, -1, 1), Q = values(B * U, 6, -1, 1);
        const dy = new Float64Array(B * (T + S) * U);
        for (let bb = 0; bb < B; bb++) {
          for (let j = 0; j < U; j++) {
            dy[(bb * (T + S) + T - 1) * U + j] = R[bb * U + j];
            if (S) dy[(bb * (T + S) + T) * U + j] = Q[bb * U + j];
          }
        }
        const grads = noLeakValue(() => lp.tidy(() => {
          const t = (v: Float32Array, s: number[]) => lp.tensor(v, s);
          const m = lp.tensor(mask, [B, T], 'bool');
          const g = lp.grads((xx: lp.Tensor, ww: lp.Tensor, uu: lp.Tensor, bias: lp.Tensor) => {
            const packed = rnnSequence(kind, xx, ww, uu, bias, { mask: m, goBackwards, recurrentActivation: 'sigmoid', resetAfter });
            const last = lp.reshape(lp.slice(packed, [0, T - 1, 0], [B, 1, U]), [B, U]);
            let loss = lp.sum(lp.mul(last, t(R, [B, U])));
            if (S) loss = lp.add(loss, lp.sum(lp.mul(lp.reshape(lp.slice(packed, [0, T, 0], [B, 1, U]), [B, U]), t(Q, [B, U]))));
            return loss;
          })([t(x, [B, T, F]), t(w, [F, G * U]), t(u, [U, G * U]), t(b, biasShape)]);
          return g.map((gi) => gi.dataSync().slice());
        }));
        const base: RnnCase = { cell: resetAfter ? 'gruAfter' : CELL_REF[kind], batch: B, time: T, inDim: F, units: U, x, w, bias: b, u, h0: null, c0: null,
          mask: Int32Array.from(mask), rmask: null, goBackwards, act: 'tanh', recAct: kind === 'simpleRNN' ? 'tanh' : 'sigmoid' };
        const keys = ['x', 'w', 'u', 'bias'] as const;
        keys.forEach((key, i) => {
          const numeric = numericGrad((v) => rnn_forward_ref({ ...base, [key]: v }), base[key]!, dy, { eps: 1e-5 });
          assertGradClose(grads[i], numeric, `${kind} d${key}`, { atol: 2e-4, rtol: 2e-3 });
        });
      });
    }
  }
});

/** fn's value, checking that fn leaves memory as it found it (the value is plain data). */
function noLeakValue<T>(fn: () => T): T {
  let v!: T;
  noLeak(() => { v = fn(); });
  return v;
}

describe('recurrent layers in models', () => {
  it('a mask from an earlier layer reaches the LSTM, passes on with returnSequences and is dropped without', () => {
    const maskValues = [1, 1, 1, 0, 0, 1, 0, 1, 1, 1];
    const mask = lp.tensor(maskValues, [B, T], 'bool');
    const x = lp.tensor(values(B * T * F, 9, -1, 1), [B, T, F]);
    const inp = lp.input({ shape: [T, F] });
    const masked = new FixedMask(mask, {}).apply(inp) as lp.SymbolicTensor;
    const seqLayer = lp.layers.lstm({ units: U, returnSequences: true });
    const gru = lp.layers.gru({ units: 3 });
    const model = lp.model({ inputs: inp, outputs: gru.apply(seqLayer.apply(masked) as lp.SymbolicTensor) as lp.SymbolicTensor });
    const got = lp.tidy(() => (model.predict(x) as lp.Tensor).dataSync().slice());
    const want = lp.tidy(() => gru.apply(seqLayer.apply(x, { mask }), { mask }).dataSync().slice());
    assert.deepEqual(got, want);
    const unmasked = lp.tidy(() => gru.apply(seqLayer.apply(x)).dataSync().slice());
    assert.notDeepEqual(got, unmasked, 'the mask changes the result');
    lp.tidy(() => {
      assert.equal(seqLayer.computeMask(x, mask), mask);
      assert.equal(gru.computeMask(x, mask), null);
    });
    model.dispose();
    lp.dispose([mask, x]);
  });

  it('returnState outputs [output, h, c]; initial states as inputs or as initialState agree', () => {
    const layer = lp.layers.lstm({ units: U, returnState: true, returnSequences: true });
    const x = lp.tensor(values(B * T * F, 11, -1, 1), [B, T, F]);
    const h0 = lp.tensor(values(B * U, 12), [B, U]), c0 = lp.tensor(values(B * U, 13), [B, U]);
    layer.ensureBuilt([B, T, F]);
    noLeak(() => lp.tidy(() => {
      const [seq, h, c] = layer.applyMulti(x, { initialState: [h0, c0] });
      assert.deepEqual([seq.shape, h.shape, c.shape], [[B, T, U], [B, U], [B, U]]);
      assert.deepEqual(h.dataSync(), lp.reshape(lp.slice(seq, [0, T - 1, 0], [B, 1, U]), [B, U]).dataSync());
      const [seq2] = layer.applyMulti([x, h0, c0]);
      assert.deepEqual(seq2.dataSync(), seq.dataSync());
    }));
    const inp = lp.input({ shape: [T, F] });
    const outs = layer.applyMulti(inp);
    assert.deepEqual(outs.map((o) => o.shape), [[null, T, U], [null, U], [null, U]]);
    // Initial states as symbolic inputs of a functional model.
    const hIn = lp.input({ shape: [U] }), cIn = lp.input({ shape: [U] });
    const model = lp.model({ inputs: [inp, hIn, cIn], outputs: layer.applyMulti([inp, hIn, cIn]) });
    lp.tidy(() => {
      const got = model.predict([x, h0, c0]) as lp.Tensor[];
      const want = layer.applyMulti(x, { initialState: [h0, c0] });
      got.forEach((g, i) => assert.deepEqual(g.dataSync(), want[i].dataSync(), `output ${i}`));
    });
    layer.dispose();
    lp.dispose([x, h0, c0]);
  });

  it('dropout and recurrentDropout: training draws masks (fixed over time), inference is plain', () => {
    const layer = lp.layers.gru({ units: U, dropout: 0.5, recurrentDropout: 0.5, seed: 3, returnSequences: true });
    const x = lp.tensor(values(B * T * F, 14, -1, 1), [B, T, F]);
    lp.tidy(() => {
      const plain = layer.apply(x).dataSync();
      const a = layer.apply(x, { training: true }).dataSync(), b = layer.apply(x, { training: true }).dataSync();
      assert.notDeepEqual(a, plain);
      assert.notDeepEqual(a, b, 'each call draws new masks');
      assert.deepEqual(layer.apply(x).dataSync(), plain);
    });
    layer.dispose();
    x.dispose();
  });

  it('trains (fit) with dropout, keeping memory flat from the second step', async () => {
    const model = lp.sequential([lp.layers.bidirectional({ layer: lp.layers.lstm({ units: 6, dropout: 0.2, recurrentDropout: 0.2, seed: 1 }),
      inputShape: [T, F] }), lp.layers.dense({ units: 2 })]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = lp.tensor(values(8 * T * F, 15, -1, 1), [8, T, F]), y = lp.tensor(values(16, 16, -1, 1), [8, 2]);
    await model.trainOnBatch(x, y);
    const before = lp.memory();
    for (let i = 0; i < 4; i++) await model.trainOnBatch(x, y);
    const after = lp.memory();
    assert.equal(after.numBytes, before.numBytes);
    assert.equal(after.numTensors, before.numTensors);
    model.dispose();
    lp.dispose([x, y]);
  });

  it('Bidirectional: merge modes, returnState outputs, weights forward then backward', () => {
    const x = lp.tensor(values(B * T * F, 17, -1, 1), [B, T, F]);
    for (const mergeMode of [null, 'concat'] as const) {
      const bi = lp.layers.bidirectional({ layer: lp.layers.gru({ units: U, returnState: true, returnSequences: true }), mergeMode });
      lp.tidy(() => {
        const outs = bi.apply(x) as unknown as lp.Tensor[];
        const shapes = outs.map((o) => o.shape);
        assert.deepEqual(shapes, mergeMode === null ? [[B, T, U], [B, T, U], [B, U], [B, U]] : [[B, T, 2 * U], [B, U], [B, U]]);
      });
      assert.deepEqual(bi.weights.map((w) => w.name.replace(/_\d+/g, '')), ['bidirectional/forward_gru/kernel',
        'bidirectional/forward_gru/recurrent_kernel', 'bidirectional/forward_gru/bias', 'bidirectional/backward_gru/kernel',
        'bidirectional/backward_gru/recurrent_kernel', 'bidirectional/backward_gru/bias'].map((n) => n.replace('bidirectional/', '')));
      bi.dispose();
    }
    x.dispose();
  });

  it('save and load: configs round-trip and predictions agree', () => {
    const inp = lp.input({ shape: [T, F] });
    const a = lp.layers.bidirectional({ layer: lp.layers.lstm({ units: 5, returnSequences: true, unitForgetBias: true,
      recurrentActivation: 'sigmoid', kernelRegularizer: 'l2' }), mergeMode: 'ave' }).apply(inp) as lp.SymbolicTensor;
    const b = lp.layers.simpleRNN({ units: 4, returnSequences: true, goBackwards: true, activation: 'relu' }).apply(a) as lp.SymbolicTensor;
    const b2 = lp.layers.gru({ units: 4, returnSequences: true, resetAfter: true, biasInitializer: 'randomNormal' }).apply(b) as lp.SymbolicTensor;
    const [c] = lp.layers.gru({ units: 3, returnState: true, dropout: 0.1 }).applyMulti(b2);
    const model = lp.model({ inputs: inp, outputs: c });
    const x = lp.tensor(values(B * T * F, 18, -1, 1), [B, T, F]);
    const bytes = lp.io.save(model);
    const back = lp.io.load<lp.LayersModel>(bytes);
    lp.tidy(() => assert.deepEqual((back.predict(x) as lp.Tensor).dataSync(), (model.predict(x) as lp.Tensor).dataSync()));
    back.layers.forEach((l, i) => assert.deepEqual(
      { ...l.getConfig(), name: undefined }, { ...model.layers[i].getConfig(), name: undefined }, `layer ${i} config`));
    model.dispose();
    back.dispose();
    x.dispose();
  });
});

describe('orthogonal initializer', () => {
  it('gives orthonormal rows (rows < cols) or columns (rows >= cols), times gain, seeded', () => {
    for (const [shape, gain] of [[[4, 12], 1], [[12, 4], 2], [[5, 5], 1], [[2, 3, 8], 1]] as [number[], number][]) {
      noLeak(() => lp.tidy(() => {
        const init = lp.initializers.orthogonal({ gain, seed: 7 });
        const w = init.apply(shape);
        assert.deepEqual(w.shape, shape);
        const rows = shape.slice(0, -1).reduce((a, d) => a * d, 1), cols = shape[shape.length - 1];
        const m = lp.reshape(w, [rows, cols]);
        const gram = (rows < cols ? lp.matMul(m, m, false, true) : lp.matMul(m, m, true, false)).dataSync();
        const n = Math.min(rows, cols);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            assert.ok(Math.abs(gram[i * n + j] - (i === j ? gain * gain : 0)) < 1e-5, `${shape} gram[${i},${j}] = ${gram[i * n + j]}`);
          }
        }
        assert.deepEqual(init.apply(shape).dataSync(), w.dataSync(), 'same seed, same matrix');
      }));
    }
    assert.throws(() => lp.initializers.orthogonal().apply([5]), /orthogonal: shape must have rank >= 2/);
  });
});

describe('recurrent layers: errors name the layer and the problem, and leak nothing', () => {
  it('constructor arguments', () => {
    assert.throws(() => lp.layers.lstm({ units: 0 }), /LSTM: 'units' must be a positive integer/);
    assert.throws(() => lp.layers.gru({ units: 3, activation: 'softmax' as never }), /GRU: activation 'softmax' is not supported/);
    assert.throws(() => lp.layers.lstm({ units: 3, recurrentActivation: 'elu' as never }), /LSTM: recurrentActivation 'elu'/);
    assert.throws(() => lp.layers.simpleRNN({ units: 3, stateful: true }), /SimpleRNN: stateful is not supported/);
    assert.throws(() => lp.layers.gru({ units: 3, resetAfter: 1 as never }), /GRU: resetAfter must be a boolean/);
    assert.throws(() => lp.layers.lstm({ units: 3, dropout: 1 }), /LSTM: dropout must be a number in \[0, 1\)/);
    assert.throws(() => lp.layers.bidirectional({ layer: lp.layers.dense({ units: 2 }) as never }), /Bidirectional: layer must be a recurrent layer/);
    assert.throws(() => lp.layers.bidirectional({ layer: lp.layers.lstm({ units: 2 }), mergeMode: 'max' as never }), /Bidirectional: mergeMode/);
  });

  it('a Bidirectional config from a file is checked before anything is built', () => {
    const make = layerFactory('Bidirectional')!;
    for (const layer of [undefined, null, 'LSTM', { className: 'Dense', config: { units: 2 } }, { className: 'LSTM', config: [] },
      { className: 'LSTM' }, { className: 'constructor', config: {} }]) {
      noLeak(() => assert.throws(() => make({ name: 'bi', layer } as Record<string, unknown>),
        /Bidirectional: config.layer (must be \{className: string, config: object\}|has className '\w+', not one of SimpleRNN, LSTM, GRU)/));
    }
    noLeak(() => assert.throws(() => make({ layer: { className: 'GRU', config: { units: -1 } } }), /GRU: 'units' must be a positive integer/));
    noLeak(() => assert.throws(() => make({ layer: { className: 'LSTM', config: { units: 2, returnSequences: 'yes' } } }),
      /LSTM: returnSequences must be a boolean/));
  });

  it('inputs and call options', () => {
    const layer = lp.layers.lstm({ units: 3 });
    const x = lp.tensor(values(B * T * F, 19), [B, T, F]);
    layer.apply(x).dispose();
    const t = { rank2: lp.zeros([B, F]), wide: lp.zeros([B, T, F + 1]), s3: lp.zeros([B, 3]), s4: lp.zeros([B, 4]),
      longMask: lp.tensor(new Array(B * (T + 1)).fill(1), [B, T + 1], 'bool'), floatMask: lp.zeros([B, T]), k9: lp.zeros([F, 9]), k8: lp.zeros([F, 8]),
      u9: lp.zeros([3, 9]), k12: lp.zeros([F, 12]), u12: lp.zeros([3, 12]), b9: lp.zeros([9]), empty: lp.zeros([B, 0, F]) };
    expectError(() => layer.apply(t.rank2), layer.name, /rank 3/);
    expectError(() => layer.apply(t.wide), layer.name, /3 features/);
    expectError(() => layer.apply(x, { initialState: [t.s3] }), layer.name, /2 initial state/);
    expectError(() => layer.apply(x, { mask: t.longMask }), 'lstm', /mask must have shape \[2, 5\]/);
    expectError(() => layer.apply(x, { mask: t.floatMask }), 'lstm', /mask/);
    expectError(() => layer.apply(x, { initialState: [t.s4, t.s3] }), 'lstm', /initialH must have shape \[2, 3\]/);
    expectError(() => rnnSequence('gru', x, t.k9, t.u9, null, { activation: 'gelu' as never }), 'gru', /activation 'gelu'/);
    expectError(() => rnnSequence('gru', x, t.k8, t.u9, null), 'gru', /kernel must have shape \[3, 9\]/);
    expectError(() => rnnSequence('gru', x, t.k9, t.u9, t.b9, { resetAfter: true }), 'gru', /bias must have shape \[2,9\] \(resetAfter/);
    expectError(() => rnnSequence('lstm', x, t.k12, t.u12, null, { resetAfter: true }), 'lstm', /resetAfter applies to the gru only/);
    expectError(() => rnnSequence('lstm', t.empty, t.k12, t.u12, null), 'lstm', /at least one time step/);
    lp.dispose(Object.values(t));
    layer.dispose();
    x.dispose();
  });
});
