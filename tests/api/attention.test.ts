// lp.layers.multiHeadAttention against tests/ref/attention_ref.ts (Keras's einsums by loops):
// self- and cross-attention, other key/value/output sizes, no bias, causal, an explicit
// attentionMask, implicit query/value/key masks, returnAttentionScores, fully masked queries;
// gradients through the tape (inputs and every weight) against finite differences; causal
// correctness; functional models and model files; bad input; no leaks.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { values, checkGrads } from '../helpers/grad_check.js';
import { assertClose } from '../helpers/check.js';
import { expectError, noLeak } from '../helpers/api.js';
import { mha_ref, type MhaWeights } from '../ref/attention_ref.js';
import * as attentionOps from '../../js-bindings/ops/attention.js';
import type { MultiHeadAttentionArgs } from '../../js-bindings/layers/attention.js';

before(async () => { await lp.ready(); });

/** An all-true bool tensor. */
const boolOnes = (shape: number[]) => lp.tidy(() => lp.cast(lp.ones(shape, 'int32'), 'bool'));

interface Dims { b: number; t: number; s: number; dq: number; dv: number; dk: number; h: number; keyDim: number;
  valueDim: number; dOut: number }

/** A layer with seeded random weights, and the same weights as plain arrays for the reference. */
function makeLayer(d: Dims, args: Partial<MultiHeadAttentionArgs> = {}, seed = 1) {
  const layer = lp.layers.multiHeadAttention({ numHeads: d.h, keyDim: d.keyDim, valueDim: d.valueDim, outputShape: d.dOut, ...args });
  layer.ensureBuilt([[d.b, d.t, d.dq], [d.b, d.s, d.dv], [d.b, d.s, d.dk]]);
  const ws = layer.weights.map((w, i) => values(w.size, seed * 100 + i, -0.5, 0.5));
  lp.tidy(() => layer.setWeights(ws.map((v, i) => lp.tensor(v, layer.weights[i].shape))));
  const useBias = args.useBias ?? true;
  const pick = (i: number) => (useBias ? [ws[2 * i], ws[2 * i + 1]] : [ws[i], null]);
  const [[wq, bq], [wk, bk], [wv, bv], [wo, bo]] = [0, 1, 2, 3].map(pick);
  const w: MhaWeights = { wq: wq!, bq, wk: wk!, bk, wv: wv!, bv, wo: wo!, bo };
  return { layer, w };
}

function inputs(d: Dims, seed: number) {
  return { query: values(d.b * d.t * d.dq, seed, -1, 1), value: values(d.b * d.s * d.dv, seed + 1, -1, 1),
    key: values(d.b * d.s * d.dk, seed + 2, -1, 1) };
}

const self = (b: number, t: number, dModel: number, h: number): Dims =>
  ({ b, t, s: t, dq: dModel, dv: dModel, dk: dModel, h, keyDim: dModel / h, valueDim: dModel / h, dOut: dModel });

describe('multiHeadAttention forward vs the einsum reference', () => {
  const cases: { name: string; d: Dims; withKey: boolean; useBias?: boolean; causal?: boolean }[] = [
    { name: 'self-attention, 2 heads', d: self(2, 5, 8, 2), withKey: false },
    { name: 'one step, one head', d: self(1, 1, 3, 1), withKey: false },
    { name: 'cross-attention with key, other sizes', d: { b: 2, t: 3, s: 7, dq: 6, dv: 5, dk: 4, h: 3, keyDim: 2, valueDim: 3, dOut: 4 }, withKey: true },
    { name: 'no bias, 17 steps', d: self(1, 17, 12, 4), withKey: false, useBias: false },
    { name: 'causal, 7 steps', d: self(2, 7, 6, 3), withKey: false, causal: true },
    { name: 'causal cross-attention, fewer keys than queries', d: { ...self(1, 6, 4, 2), s: 3 }, withKey: false, causal: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { d } = c;
      const { layer, w } = makeLayer(d, { useBias: c.useBias ?? true }, 3);
      const x = inputs(d, 7);
      const ref = mha_ref(x.query, x.value, c.withKey ? x.key : x.value, w, c.withKey ? d : { ...d, dk: d.dv }, null, c.causal ?? false);
      lp.tidy(() => {
        const q = lp.tensor(x.query, [d.b, d.t, d.dq]), v = lp.tensor(x.value, [d.b, d.s, d.dv]);
        const ins = c.withKey ? [q, v, lp.tensor(x.key, [d.b, d.s, d.dk])] : [q, v];
        const [out, scores] = layer.applyMulti(ins, { useCausalMask: c.causal, returnAttentionScores: true });
        assert.deepEqual(out.shape, [d.b, d.t, d.dOut]);
        assert.deepEqual(scores.shape, [d.b, d.h, d.t, d.s]);
        assertClose(out.dataSync(), ref.out, { atol: 2e-5, rtol: 1e-4 }, 'output');
        assertClose(scores.dataSync(), ref.scores, { atol: 1e-6, rtol: 1e-4 }, 'attention scores');
      });
      layer.dispose();
    });
  }

  it('masks: explicit attentionMask, implicit query/value/key masks (combined as Keras), causal on top', () => {
    const d: Dims = { b: 2, t: 4, s: 5, dq: 6, dv: 6, dk: 6, h: 2, keyDim: 3, valueDim: 3, dOut: 6 };
    const { layer, w } = makeLayer(d, {}, 5);
    const x = inputs(d, 11);
    const qMask = [1, 1, 1, 0, 1, 1, 1, 1], vMask = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1], kMask = [1, 0, 1, 1, 1, 1, 1, 1, 1, 0];
    const attn = Int32Array.from({ length: d.b * d.t * d.s }, (_, i) => ((i * 7) % 5 === 0 ? 0 : 1));
    const combine = (useQ: boolean, useV: boolean, useK: boolean, useA: boolean) =>
      Int32Array.from({ length: d.b * d.t * d.s }, (_, i) => {
        const bi = Math.floor(i / (d.t * d.s)), ti = Math.floor(i / d.s) % d.t, si = i % d.s;
        return +((!useQ || qMask[bi * d.t + ti] === 1) && (!useV || vMask[bi * d.s + si] === 1) &&
          (!useK || kMask[bi * d.s + si] === 1) && (!useA || attn[i] === 1));
      });
    const variants: [boolean, boolean, boolean, boolean, boolean][] = [
      [false, false, false, true, false], [true, false, false, false, false], [false, true, false, false, false],
      [true, true, true, false, false], [true, true, false, true, false], [false, true, false, true, true], [true, false, false, false, true],
    ];
    for (const [useQ, useV, useK, useA, causal] of variants) {
      const what = `query ${useQ}, value ${useV}, key ${useK}, attentionMask ${useA}, causal ${causal}`;
      const ref = mha_ref(x.query, x.value, x.key, w, d, combine(useQ, useV, useK, useA), causal);
      noLeak(() => lp.tidy(() => {
        const ins = [lp.tensor(x.query, [d.b, d.t, d.dq]), lp.tensor(x.value, [d.b, d.s, d.dv]), lp.tensor(x.key, [d.b, d.s, d.dk])];
        const mask = [useQ ? lp.tensor(qMask, [d.b, d.t], 'bool') : null, useV ? lp.tensor(vMask, [d.b, d.s], 'bool') : null,
          useK ? lp.tensor(kMask, [d.b, d.s], 'bool') : null];
        const [out, scores] = layer.applyMulti(ins, { mask: mask.some((m) => m) ? mask : null,
          attentionMask: useA ? lp.tensor(attn, [d.b, d.t, d.s], 'bool') : undefined, useCausalMask: causal, returnAttentionScores: true });
        assertClose(out.dataSync(), ref.out, { atol: 2e-5, rtol: 1e-4 }, `output (${what})`);
        assertClose(scores.dataSync(), ref.scores, { atol: 1e-6, rtol: 1e-4 }, `scores (${what})`);
        // The output carries the query's mask.
        const outMask = layer.computeMask(ins, mask);
        assert.equal(outMask, mask[0], `output mask (${what})`);
      }));
    }
    layer.dispose();
  });

  it('a query that sees no key gets zero attention (not NaN): its output is the output bias', () => {
    const d = self(1, 3, 4, 2);
    const { layer, w } = makeLayer(d, {}, 9);
    const x = inputs(d, 2);
    lp.tidy(() => {
      const q = lp.tensor(x.query, [1, 3, 4]);
      const attn = lp.tensor([1, 1, 1, 0, 0, 0, 1, 0, 1], [1, 3, 3], 'bool');
      const [out, scores] = layer.applyMulti([q, q], { attentionMask: attn, returnAttentionScores: true });
      const o = out.dataSync(), s = scores.dataSync();
      assert.ok(o.every(Number.isFinite) && s.every(Number.isFinite));
      for (let h = 0; h < 2; h++) assert.deepEqual([...s.subarray(h * 9 + 3, h * 9 + 6)], [0, 0, 0], 'row 1 of each head');
      assertClose(o.subarray(4, 8), w.bo!, { atol: 1e-6 }, 'output of the blind query');
    });
    layer.dispose();
  });
});

describe('multiHeadAttention gradients through the tape', () => {
  it('inputs: query, value, key (causal, with a padding mask)', () => {
    const d: Dims = { b: 2, t: 3, s: 3, dq: 4, dv: 3, dk: 2, h: 2, keyDim: 2, valueDim: 2, dOut: 3 };
    const { layer } = makeLayer(d, {}, 4);
    const x = inputs(d, 21);
    const vMask = lp.tensor([1, 1, 0, 1, 1, 1], [2, 3], 'bool');
    checkGrads({
      f: (q, v, k) => layer.apply([q, v, k], { mask: [null, vMask, null], useCausalMask: true }),
      inputs: [{ values: x.query, shape: [d.b, d.t, d.dq] }, { values: x.value, shape: [d.b, d.s, d.dv] },
        { values: x.key, shape: [d.b, d.s, d.dk] }],
      eps: 1e-2, atol: 1e-3, rtol: 2e-2,
    });
    vMask.dispose();
    layer.dispose();
  });

  it('every weight (finite differences through setWeights)', () => {
    const d: Dims = { b: 2, t: 3, s: 4, dq: 3, dv: 3, dk: 3, h: 2, keyDim: 2, valueDim: 2, dOut: 2 };
    const { layer } = makeLayer(d, {}, 6);
    const x = inputs(d, 31);
    const wOut = values(d.b * d.t * d.dOut, 99, -1, 1);
    const attn = lp.tensor(Int32Array.from({ length: d.b * d.t * d.s }, (_, i) => (i % 5 === 2 ? 0 : 1)), [d.b, d.t, d.s], 'bool');
    const loss = () => {
      const q = lp.tensor(x.query, [d.b, d.t, d.dq]), v = lp.tensor(x.value, [d.b, d.s, d.dv]);
      return lp.sum(lp.mul(layer.apply([q, v], { attentionMask: attn }), lp.tensor(wOut, [d.b, d.t, d.dOut])));
    };
    const analytic = lp.tidy(() => {
      const { grads } = lp.variableGrads(loss, layer.trainableWeights);
      return layer.trainableWeights.map((w) => grads[w.name].dataSync().slice());
    });
    const base = layer.getWeights().map((t) => { const v = t.dataSync().slice() as Float32Array; t.dispose(); return v; });
    const evalAt = (wi: number, i: number, delta: number) => lp.tidy(() => {
      const moved = base.map((v, j) => { const c = Float32Array.from(v); if (j === wi) c[i] += delta; return lp.tensor(c, layer.weights[j].shape); });
      layer.setWeights(moved);
      return loss().dataSync()[0];
    });
    const eps = 1e-2;
    base.forEach((v, wi) => {
      for (let i = 0; i < v.length; i++) {
        const numeric = (evalAt(wi, i, eps) - evalAt(wi, i, -eps)) / (2 * eps);
        const a = analytic[wi][i];
        assert.ok(Math.abs(a - numeric) <= 1e-3 + 2e-2 * Math.abs(numeric), `${layer.weights[wi].name}[${i}]: tape ${a}, finite differences ${numeric}`);
      }
    });
    attn.dispose();
    layer.dispose();
  });
});

describe('multiHeadAttention: causal mask, models, files, errors', () => {
  it('causal: outputs at step t do not change when later steps change', () => {
    const d = self(1, 6, 4, 2);
    const { layer } = makeLayer(d, {}, 8);
    const a = values(6 * 4, 1, -1, 1), b = Float32Array.from(a);
    for (let i = 4 * 4; i < b.length; i++) b[i] = -3 * b[i] + 1; // steps 4 and 5 differ
    lp.tidy(() => {
      const run = (v: Float32Array) => { const t = lp.tensor(v, [1, 6, 4]); return layer.apply([t, t], { useCausalMask: true }).dataSync(); };
      const ya = run(a), yb = run(b);
      assert.deepEqual([...ya.subarray(0, 16)], [...yb.subarray(0, 16)], 'steps 0..3 unchanged');
      assert.notDeepEqual([...ya.subarray(16)], [...yb.subarray(16)], 'steps 4, 5 changed');
    });
    layer.dispose();
  });

  it('dropout on the attention probabilities only while training', () => {
    const d = self(2, 4, 4, 2);
    const { layer } = makeLayer(d, { dropout: 0.5, seed: 3 }, 2);
    lp.tidy(() => {
      const q = lp.tensor(inputs(d, 1).query, [2, 4, 4]);
      const inference = layer.apply([q, q]).dataSync();
      assert.deepEqual([...layer.apply([q, q], { training: false }).dataSync()], [...inference]);
      assert.notDeepEqual([...layer.apply([q, q], { training: true }).dataSync()], [...inference]);
    });
    layer.dispose();
  });

  it('in a functional model with recorded call options, returnAttentionScores as a second output, and through a model file', () => {
    const q = lp.input({ shape: [5, 6] }), v = lp.input({ shape: [4, 6] });
    const mha = lp.layers.multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, outputShape: 5 });
    const [out, scores] = mha.applyMulti([q, v], { useCausalMask: true, returnAttentionScores: true });
    assert.deepEqual(out.shape, [null, 5, 5]);
    assert.deepEqual(scores.shape, [null, 3, 5, 4]);
    const model = lp.model({ inputs: [q, v], outputs: [lp.layers.dense({ units: 2 }).apply(out) as lp.SymbolicTensor, scores] });
    const xq = lp.randomNormal([2, 5, 6], 0, 1, 'float32', 5), xv = lp.randomNormal([2, 4, 6], 0, 1, 'float32', 6);
    const before = model.predict([xq, xv]) as lp.Tensor[];
    const s = before[1].arraySync() as number[][][][];
    assert.equal(s[0][1][0][2], 0, 'causal: query 0 does not see key 2');
    const back = lp.io.load(lp.io.save(model));
    const after = back.predict([xq, xv]) as lp.Tensor[];
    before.forEach((t, i) => assert.deepEqual([...after[i].dataSync()], [...t.dataSync()], `output ${i} after a round trip`));
    const cfg = back.layers.find((l) => l.className === 'MultiHeadAttention')!.getConfig();
    assert.deepEqual({ ...cfg, name: undefined }, { ...mha.getConfig(), name: undefined });
    lp.dispose([before, after, xq, xv]);
    model.dispose();
    back.dispose();
  });

  it('trains in a functional model (fit) with flat memory', async () => {
    const x = lp.input({ shape: [4, 6] });
    const h = lp.layers.multiHeadAttention({ numHeads: 2 }).apply([x, x], { useCausalMask: true }) as lp.SymbolicTensor;
    const y = lp.layers.dense({ units: 1 }).apply(h) as lp.SymbolicTensor;
    const model = lp.model({ inputs: x, outputs: y });
    model.compile({ optimizer: lp.train.adam(0.01), loss: 'meanSquaredError' });
    const xs = lp.randomNormal([8, 4, 6], 0, 1, 'float32', 1), ys = lp.randomNormal([8, 4, 1], 0, 1, 'float32', 2);
    const usage: number[] = [];
    const hist = await model.fit(xs, ys, { epochs: 6, batchSize: 8, verbose: 0, callbacks: { onBatchEnd: () => { usage.push(lp.memory().numBytes); } } });
    assert.ok(hist.history.loss[5] < hist.history.loss[0], `loss ${hist.history.loss[0]} → ${hist.history.loss[5]}`);
    assert.equal(usage[5], usage[1], 'memory after step 6 equals that after step 2');
    lp.dispose([xs, ys]);
    model.dispose();
  });

  it('bad input: clear Errors before any memory is touched', () => {
    assert.throws(() => lp.layers.multiHeadAttention({ numHeads: 0 }), /MultiHeadAttention: 'numHeads' must be a positive integer/);
    assert.throws(() => lp.layers.multiHeadAttention({ numHeads: 2, dropout: 1 }), /MultiHeadAttention: dropout must be a number in \[0, 1\)/);
    assert.throws(() => lp.layers.multiHeadAttention({ numHeads: 2, keyDim: 1.5 }), /MultiHeadAttention: 'keyDim' must be a positive integer/);
    const mha = lp.layers.multiHeadAttention({ numHeads: 4, name: 'mha' });
    const q6 = lp.zeros([2, 3, 6]), q8 = lp.zeros([2, 3, 8]), v8 = lp.zeros([2, 5, 8]), k8 = lp.zeros([2, 4, 8]), r2 = lp.zeros([2, 8]);
    expectError(() => mha.apply([q6, q6]), 'mha (MultiHeadAttention)', /6 features are not divisible by numHeads 4/);
    expectError(() => mha.apply(q8), 'mha (MultiHeadAttention)', /expects a list \[query, value\]/);
    expectError(() => mha.apply([r2, r2]), 'mha (MultiHeadAttention)', /query must have rank 3/);
    expectError(() => mha.apply([q8, v8, k8]), 'mha (MultiHeadAttention)', /must have the same number of steps/);
    mha.ensureBuilt([[2, 3, 8], [2, 5, 8]]); // the mask checks run in call(), after the weights exist
    const badMask = boolOnes([2, 3, 4]), floatMask = lp.ones([2, 3, 5]), seqMask = boolOnes([2, 4]);
    expectError(() => lp.tidy(() => mha.apply([q8, v8], { attentionMask: badMask })), 'mha (MultiHeadAttention)', /attentionMask must be a bool tensor of shape \[2,3,5\].*got bool \[2,3,4\]/);
    expectError(() => lp.tidy(() => mha.apply([q8, v8], { attentionMask: floatMask })), 'mha (MultiHeadAttention)', /got float32 \[2,3,5\]/);
    expectError(() => lp.tidy(() => mha.apply([q8, v8], { mask: [null, seqMask] })), 'mha (MultiHeadAttention)', /the value mask must be a bool tensor \[2,5\]/);
    expectError(() => lp.tidy(() => mha.apply([q8, v8], { mask: seqMask })), 'mha (MultiHeadAttention)', /mask must be a list \[queryMask, valueMask, keyMask\?\]/);
    const q4 = lp.zeros([2, 3, 4]);
    expectError(() => mha.apply([q4, v8]), 'mha (MultiHeadAttention)', /was built for query\/value\/key features 8\/8\/8, got 4\/8\/8/);
    q4.dispose();
    const sym = lp.input({ shape: [3, 8] });
    assert.throws(() => mha.apply([sym, sym], { attentionMask: badMask as unknown as boolean }), /call option 'attentionMask' must be a plain value on symbolic inputs/);
    lp.dispose([q6, q8, v8, k8, r2, badMask, floatMask, seqMask]);
    mha.dispose();
  });

  it('ops check their arguments', () => {
    const scores = lp.zeros([1, 2, 3, 4]), mask = boolOnes([1, 2, 4]), q = lp.zeros([1, 3, 2, 4]), k = lp.zeros([1, 5, 2, 3]);
    expectError(() => attentionOps.attentionSoftmax(scores, mask, false, 1), 'attentionSoftmax', /mask must have shape \[1,3,4\] or \[1,1,4\]/);
    expectError(() => attentionOps.attentionSoftmax(scores, null, false, 0), 'attentionSoftmax', /scale must be a finite number > 0/);
    expectError(() => attentionOps.attentionScores(q, k), 'attentionScores', /key dimensions/);
    expectError(() => attentionOps.attentionContext(scores, k), 'attentionContext', /key counts/);
    lp.dispose([scores, mask, q, k]);
  });
});
