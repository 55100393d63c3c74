// toOnnx for the sequence and 1-D layers: SimpleRNN / LSTM / GRU (returnSequences, goBackwards,
// every RNN activation), Bidirectional (concat, sum, ave, mul), Conv1D (valid, same, causal,
// strides, dilations), the 1-D and global 1-D pools, TimeDistributed(Dense), LayerNormalization
// and Embedding on sequences, MultiHeadAttention (self, cross, causal), each exported with seeded
// weights and run in onnxruntime-web against Lepton's predict (f32 within 1e-4, batch sizes 1 and
// 3); the time-major stacks' Transpose counts; the round trip through
// fromOnnx where the importer reads the ops; an int8 model with sequence layers left in f32; and
// the refusals (masks, returnState, initial states).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { fromOnnx, toOnnx } from '../../js-bindings/onnx/index.js';
import { expectError, noLeak } from '../helpers/api.js';
import { assertClose, randoms } from '../helpers/onnx.js';
import { agreeWithOrt, feedsFor, opCounts, randomizeWeights, runLepton, runOrt, type Feed } from '../helpers/onnx_export.js';

before(async () => { await lp.ready(); });

const CELLS = ['simpleRNN', 'lstm', 'gru'] as const;
const rnn = (cell: typeof CELLS[number], args: Parameters<typeof lp.layers.lstm>[0]) => lp.layers[cell](args);

/** Integer ids in [0, vocab) for a [batch, time] input (some zeros among them). */
const idFeeds = (time: number, vocab: number) => (batch: number): Feed[] =>
  [{ data: Int32Array.from({ length: batch * time }, (_, i) => (i * 7 + batch * 3) % vocab), dims: [batch, time] }];

describe('toOnnx: recurrent layers against onnxruntime-web', () => {
  for (const cell of CELLS) {
    it(`${cell}: returnSequences and goBackwards both ways, default and other activations, no bias`, async () => {
      const x = lp.input({ shape: [7, 5] });
      const outs = [];
      for (const returnSequences of [false, true]) {
        for (const goBackwards of [false, true]) outs.push(rnn(cell, { units: 4, returnSequences, goBackwards }).apply(x));
      }
      // ONNX's Sigmoid, Relu and Affine (linear) besides the defaults (tanh, and hardSigmoid for the gates)
      outs.push(rnn(cell, { units: 3, activation: 'relu', recurrentActivation: 'sigmoid', returnSequences: true }).apply(x));
      outs.push(rnn(cell, { units: 3, activation: 'linear', recurrentActivation: 'tanh', useBias: false }).apply(x));
      outs.push(rnn(cell, { units: 2, activation: 'sigmoid', recurrentActivation: 'linear', goBackwards: true, returnSequences: true }).apply(x));
      const m = lp.model({ inputs: x, outputs: outs });
      randomizeWeights(m, 31);
      const ops = opCounts(await agreeWithOrt(m, cell));
      assert.equal(ops[{ simpleRNN: 'RNN', lstm: 'LSTM', gru: 'GRU' }[cell]], outs.length);
      m.dispose();
    });
  }

  it('Bidirectional: concat / sum / ave / mul, sequences and last steps, over each cell', async () => {
    const x = lp.input({ shape: [6, 3] });
    const outs = [];
    for (const cell of CELLS) {
      for (const mergeMode of ['concat', 'sum', 'ave', 'mul'] as const) {
        for (const returnSequences of [false, true]) {
          outs.push(lp.layers.bidirectional({ layer: rnn(cell, { units: 3, returnSequences }), mergeMode }).apply(x));
        }
      }
    }
    const m = lp.model({ inputs: x, outputs: outs });
    randomizeWeights(m, 37);
    await agreeWithOrt(m, 'bidirectional');
    m.dispose();
  });

  it('a text model: int ids → Embedding → LSTM (sequences) → Bidirectional GRU → Dense softmax', async () => {
    const m = lp.sequential([
      lp.layers.embedding({ inputDim: 30, outputDim: 6, inputLength: 9 }),
      lp.layers.lstm({ units: 5, returnSequences: true }),
      lp.layers.dropout({ rate: 0.3 }),
      lp.layers.bidirectional({ layer: lp.layers.gru({ units: 4 }) }),
      lp.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    randomizeWeights(m, 41);
    const ops = opCounts(await agreeWithOrt(m, 'text model', idFeeds(9, 30)));
    m.dispose();
    // the embeddings go time-major once; the LSTM's sequence feeds the GRUs as it is; the last
    // steps of both directions come batch-first by one more
    assert.equal(ops.Transpose, 2);
  });

  it('a stack that stays time-major: LSTM → LayerNormalization → TimeDistributed(Dense) → GRU (goBackwards) → SimpleRNN, sequences out', async () => {
    const m = lp.sequential([
      lp.layers.lstm({ units: 4, returnSequences: true, inputShape: [6, 3] }),
      lp.layers.layerNormalization(),
      lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 5, activation: 'tanh' }) }),
      lp.layers.gru({ units: 3, returnSequences: true, goBackwards: true }),
      lp.layers.bidirectional({ layer: lp.layers.simpleRNN({ units: 2, returnSequences: true }), mergeMode: 'ave' }),
      lp.layers.dense({ units: 2 }),
    ]);
    randomizeWeights(m, 43);
    const ops = opCounts(await agreeWithOrt(m, 'time-major stack'));
    m.dispose();
    assert.equal(ops.Transpose, 2); // in, and back to batch-first for the output
  });

  it('time-major sequences through Add (with a batch-first one), softmax over features, Concatenate, Flatten, global pools', async () => {
    const x = lp.input({ shape: [5, 3] });
    const r = lp.layers.gru({ units: 4, returnSequences: true }).apply(x);
    const sum = lp.layers.add().apply([r, lp.layers.dense({ units: 4 }).apply(x)]);
    const soft = lp.layers.activation({ activation: 'softmax' }).apply(sum);
    const cat = lp.layers.concatenate().apply([soft, r]);
    const m = lp.model({ inputs: x, outputs: [lp.layers.flatten().apply(cat), lp.layers.globalMaxPooling1d().apply(soft), soft] });
    randomizeWeights(m, 71);
    await agreeWithOrt(m, 'time-major mixes');
    m.dispose();
  });
});

describe('toOnnx: 1-D layers against onnxruntime-web', () => {
  it('Conv1D (valid, same, causal; strides, dilations) → 1-D pools → global pools, channels-first throughout', async () => {
    const x = lp.input({ shape: [17, 3] });
    let h = lp.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    h = lp.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'tanh' }).apply(h);
    h = lp.layers.conv1d({ filters: 6, kernelSize: 4, strides: 2, padding: 'same' }).apply(h);
    const p1 = lp.layers.maxPooling1d({ poolSize: 2, padding: 'same' }).apply(h);
    const p2 = lp.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }).apply(h);
    // a softmax over the channels of a channels-first sequence (ONNX axis 1)
    const p3 = lp.layers.averagePooling1d({ poolSize: 2 }).apply(lp.layers.conv1d({ filters: 6, kernelSize: 2, strides: 3, useBias: false,
      activation: 'softmax' }).apply(h));
    const g = [p1, p2, p3].flatMap((p) => [lp.layers.globalAveragePooling1d().apply(p), lp.layers.globalMaxPooling1d().apply(p)]);
    const out = lp.layers.dense({ units: 2 }).apply(lp.layers.concatenate().apply(g));
    const m = lp.model({ inputs: x, outputs: [out, p1] });
    randomizeWeights(m, 43);
    const ops = opCounts(await agreeWithOrt(m, 'conv1d'));
    m.dispose();
    // one Transpose to channels-first at the input and one back for the p1 output; no Pad
    assert.equal(ops.Transpose, 2);
    assert.equal(ops.Pad, undefined);
    assert.equal(ops.Conv, 4);
  });

  it('TimeDistributed(Dense), TimeDistributed(Activation), LayerNormalization and Dense on a sequence, a global pool of ids', async () => {
    const ids = lp.input({ shape: [8], dtype: 'int32' });
    let h = lp.layers.embedding({ inputDim: 12, outputDim: 5 }).apply(ids);
    h = lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 6, activation: 'gelu' }) }).apply(h);
    h = lp.layers.layerNormalization().apply(h);
    h = lp.layers.timeDistributed({ layer: lp.layers.activation({ activation: 'softmax' }) }).apply(h);
    h = lp.layers.conv1d({ filters: 3, kernelSize: 2, padding: 'causal' }).apply(h);
    const pooled = lp.layers.globalAveragePooling1d().apply(h);
    const m = lp.model({ inputs: ids, outputs: [pooled, lp.layers.dense({ units: 2 }).apply(h)] });
    randomizeWeights(m, 47);
    await agreeWithOrt(m, 'time distributed', idFeeds(8, 12));
    m.dispose();
  });

  it('round trip through fromOnnx where the importer reads every op (Gather, MatMul, ReduceMean, Gemm; attention\'s Transpose / Softmax)', async () => {
    const pooled = lp.sequential([
      lp.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 6 }),
      lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 5, activation: 'relu' }) }),
      lp.layers.globalAveragePooling1d(),
      lp.layers.dense({ units: 3 }),
    ]);
    const q = lp.input({ shape: [6, 4] }), kv = lp.input({ shape: [3, 5] });
    const att = lp.model({ inputs: [q, kv], outputs: [
      lp.layers.multiHeadAttention({ numHeads: 2 }).apply([q, q], { useCausalMask: true }) as lp.SymbolicTensor,
      lp.layers.multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 3 }).apply([q, kv]) as lp.SymbolicTensor] });
    for (const [m, feeds] of [[pooled, (b: number) => idFeeds(6, 10)(b).map((v) => ({ ...v, data: Float32Array.from(v.data) }))],
      [att, (b: number) => feedsFor(att, b, 7)]] as const) {
      randomizeWeights(m, 53);
      const back = fromOnnx(toOnnx(m));
      for (const batch of [1, 3]) {
        const f = feeds(batch);
        const want = runLepton(m, f);
        runLepton(back, f).forEach((got, i) => assertClose(got, want[i], `${m.name} round trip: output ${i} (batch ${batch})`));
      }
      back.dispose();
      m.dispose();
    }
  });
});

describe('toOnnx: MultiHeadAttention against onnxruntime-web (MatMul / Softmax / Transpose)', () => {
  it('self-attention (causal or not), cross-attention with a separate key, valueDim / outputShape, no bias', async () => {
    const q = lp.input({ shape: [5, 6] }), kv = lp.input({ shape: [7, 4] }), k = lp.input({ shape: [7, 3] });
    const self = lp.layers.multiHeadAttention({ numHeads: 2 }).apply([q, q]) as lp.SymbolicTensor;
    const causal = lp.layers.multiHeadAttention({ numHeads: 3, keyDim: 2 }).apply([q, q], { useCausalMask: true }) as lp.SymbolicTensor;
    const cross = lp.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 5, outputShape: 4, useBias: false })
      .apply([q, kv, k]) as lp.SymbolicTensor;
    const crossCausal = lp.layers.multiHeadAttention({ numHeads: 1, keyDim: 4 }).apply([q, kv], { useCausalMask: true }) as lp.SymbolicTensor;
    const m = lp.model({ inputs: [q, kv, k], outputs: [self, causal, cross, crossCausal] });
    randomizeWeights(m, 59);
    const ops = opCounts(await agreeWithOrt(m, 'attention'));
    m.dispose();
    assert.equal(ops.Softmax, 4);
  });

  it('a small Transformer block: ids → Embedding → causal self-attention → Add → LayerNormalization → TimeDistributed(Dense) → pool', async () => {
    const ids = lp.input({ shape: [6], dtype: 'int32' });
    const e = lp.layers.embedding({ inputDim: 16, outputDim: 8 }).apply(ids);
    const a = lp.layers.multiHeadAttention({ numHeads: 2 }).apply([e, e], { useCausalMask: true }) as lp.SymbolicTensor;
    const n = lp.layers.layerNormalization().apply(lp.layers.add().apply([e, a]));
    const f = lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 8, activation: 'relu' }) }).apply(n);
    const out = lp.layers.dense({ units: 3, activation: 'softmax' }).apply(lp.layers.globalAveragePooling1d().apply(f));
    const m = lp.model({ inputs: ids, outputs: out });
    randomizeWeights(m, 61);
    await agreeWithOrt(m, 'transformer block', idFeeds(6, 16));
    m.dispose();
  });
});

describe('toOnnx: int8 QuantizedModels with sequence layers', () => {
  it('Conv1D, LSTM and a global 1-D pool left in f32 before an int8 Dense: QDQ graph, onnxruntime as the QuantizedModel', async () => {
    const m = lp.sequential([lp.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', activation: 'relu', inputShape: [8, 3] }),
      lp.layers.lstm({ units: 5, returnSequences: true }), lp.layers.globalAveragePooling1d(), lp.layers.dense({ units: 3 })]);
    randomizeWeights(m, 67);
    const cal = lp.tensor(randoms(32 * 24, 3), [32, 8, 3]);
    const q = lp.quantize(m, { mode: 'int8', calibrationData: cal });
    assert.deepEqual(q.steps.map((st) => st.op), ['layer', 'layer', 'layer', 'quantize', 'dense']);
    const f = [{ data: randoms(16 * 24, 9), dims: [16, 8, 3] }];
    const want = (await runOrt(toOnnx(q), f))[0], got = runLepton(q, f)[0];
    const range = Math.max(...Array.from(want, Math.abs));
    let maxAbs = 0;
    for (let i = 0; i < want.length; i++) maxAbs = Math.max(maxAbs, Math.abs(want[i] - got[i]));
    assert.ok(maxAbs <= 0.02 * range, `max |ORT - Lepton| ${maxAbs} of outputs up to ${range}`);
    lp.dispose(cal);
    q.dispose();
    m.dispose();
  });
});

describe('toOnnx: sequence layers it refuses', () => {
  it('a recurrent layer or a global 1-D pool that reads an Embedding\'s maskZero mask: one Error naming each', () => {
    const ids = lp.input({ shape: [6] });
    const e = lp.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true }).apply(ids);
    const d = lp.layers.timeDistributed({ layer: lp.layers.dense({ units: 3 }) }).apply(e);
    const r = lp.layers.lstm({ units: 3, returnSequences: true, name: 'masked_lstm' }).apply(d);
    const b = lp.layers.bidirectional({ layer: lp.layers.gru({ units: 2 }), name: 'masked_bi' }).apply(r);
    const g = lp.layers.globalMaxPooling1d({ name: 'masked_pool' }).apply(d);
    const att = lp.layers.multiHeadAttention({ numHeads: 1, keyDim: 2, name: 'masked_attention' }).apply([d, d]) as lp.SymbolicTensor;
    const m = lp.model({ inputs: ids, outputs: [b, g, att] });
    expectError(() => toOnnx(m), 'toOnnx', /4 layer\(s\) that cannot be exported:\n {2}masked_lstm \(LSTM\): reads a mask .*sequence_lens.*\n {2}masked_bi \(Bidirectional\): reads a mask.*\n {2}masked_pool \(GlobalMaxPooling1D\): reads a mask.*\n {2}masked_attention \(MultiHeadAttention\): reads a mask/);
    m.dispose();
    // the same layers without maskZero export (a mask a Dense only passes on is no problem)
    const plain = lp.sequential([lp.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, inputLength: 6 }),
      lp.layers.dense({ units: 2 }), lp.layers.flatten()]);
    noLeak(() => { toOnnx(plain); });
    plain.dispose();
  });

  it('returnState, mergeMode null, initial states as inputs, TimeDistributed over a layer that is not per step', () => {
    const x = lp.input({ shape: [5, 3] });
    const s = lp.layers.lstm({ units: 2, returnState: true, name: 'with_state' }).apply(x) as unknown as lp.SymbolicTensor[];
    const n = lp.layers.bidirectional({ layer: lp.layers.gru({ units: 2 }), mergeMode: null, name: 'no_merge' }).apply(x) as unknown as lp.SymbolicTensor[];
    const t = lp.layers.timeDistributed({ layer: lp.layers.conv1d({ filters: 2, kernelSize: 1 }), name: 'td_conv' })
      .apply(lp.layers.reshape({ targetShape: [5, 3, 1] }).apply(x));
    const m = lp.model({ inputs: x, outputs: [s[0], n[0], t] });
    expectError(() => toOnnx(m), 'toOnnx', /3 layer\(s\) that cannot be exported:\n {2}with_state \(LSTM\): returnState.*\n {2}no_merge \(Bidirectional\): mergeMode null.*\n {2}td_conv \(TimeDistributed\): TimeDistributed\(Conv1D\) cannot be exported/);
    m.dispose();
    const h0 = lp.input({ shape: [2] });
    const r = lp.layers.gru({ units: 2, name: 'from_h0' }).apply([x, h0]);
    const withH0 = lp.model({ inputs: [x, h0], outputs: r });
    expectError(() => toOnnx(withH0), 'toOnnx', /from_h0 \(GRU\): initial states given as inputs cannot be exported/);
    withH0.dispose();
  });
});

describe('toOnnx: sequence exports leak nothing', () => {
  it('exporting an LSTM / Conv1D model twice allocates nothing that stays', () => {
    const m = lp.sequential([lp.layers.conv1d({ filters: 3, kernelSize: 2, inputShape: [6, 2] }), lp.layers.lstm({ units: 2 })]);
    noLeak(() => { toOnnx(m); toOnnx(m); });
    m.dispose();
  });
});
