// lp.layers.transformerEncoder, positionEmbedding and tokenAndPositionEmbedding (keras-hub's): the encoder
// against a reference composed of tests/ref's attention and layer-norm references and plain
// Dense loops (post- and pre-norm, relu and gelu, with a padding mask); padded steps do not
// change the real steps' outputs; the mask passes on; gradients through the tape; sequential and
// functional models, model files, training with flat memory; the position tables, token ids with
// maskZero end to end (padding gives the same real-step outputs as no padding); errors.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { checkGrads, values } from '../helpers/grad_check.js';
import { assertClose } from '../helpers/check.js';
import { expectError, noLeak } from '../helpers/api.js';
import { mha_ref } from '../ref/attention_ref.js';
import { layernorm_ref } from '../ref/layernorm_ref.js';

before(async () => { await lp.ready(); });

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): enough for a 1e-4 comparison. */
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

function dense(x: ArrayLike<number>, rows: number, din: number, w: ArrayLike<number>, b: ArrayLike<number>, dout: number,
    act: (v: number) => number = (v) => v): Float64Array {
  const y = new Float64Array(rows * dout);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < dout; o++) {
      let acc = b[o];
      for (let c = 0; c < din; c++) acc += x[r * din + c] * w[c * dout + o];
      y[r * dout + o] = act(acc);
    }
  }
  return y;
}

const addArrays = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, i) => v + b[i]);

/** keras-hub's TransformerEncoder.call by loops; ws in the layer's weight order; keyMask [B, T] or null. */
function encoderRef(x: Float32Array, ws: Float32Array[], b: number, t: number, d: number, h: number, ff: number,
    activation: 'relu' | 'gelu', normalizeFirst: boolean, keyMask: number[] | null, eps: number): Float64Array {
  const [wq, bq, wk, bk, wv, bv, wo, bo, g1, b1, g2, b2, wi, bi, wf, bf] = ws;
  const rows = b * t;
  const mask = keyMask === null ? null : Int32Array.from({ length: b * t * t }, (_, i) => keyMask[Math.floor(i / (t * t)) * t + (i % t)]);
  const attend = (v: ArrayLike<number>) => mha_ref(v, v, v, { wq, bq, wk, bk, wv, bv, wo, bo },
    { b, t, s: t, dq: d, dv: d, dk: d, h, keyDim: d / h, valueDim: d / h, dOut: d }, mask, false).out;
  const norm = (v: ArrayLike<number>, g: Float32Array, be: Float32Array) => layernorm_ref(v, g, be, rows, d, eps).y;
  const act = activation === 'relu' ? (v: number) => Math.max(v, 0) : (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const ffn = (v: ArrayLike<number>) => dense(dense(v, rows, d, wi, bi, ff, act), rows, ff, wf, bf, d);
  let hdn = normalizeFirst ? norm(x, g1, b1) : Float64Array.from(x);
  hdn = addArrays(attend(hdn), x);
  if (!normalizeFirst) hdn = norm(hdn, g1, b1);
  const f = ffn(normalizeFirst ? norm(hdn, g2, b2) : hdn);
  const out = addArrays(f, hdn);
  return normalizeFirst ? out : norm(out, g2, b2);
}

/** Random weights (gammas near 1) set on a built layer; returns them. */
function randomize(layer: lp.Layer, seed: number): Float32Array[] {
  const ws = layer.weights.map((w, i) => values(w.size, seed + i, -0.5, 0.5).map((v) => (w.name.endsWith('gamma') ? 1 + v : v)));
  lp.tidy(() => layer.setWeights(ws.map((v, i) => lp.tensor(v, layer.weights[i].shape))));
  return ws;
}

describe('transformerEncoder vs the composed reference', () => {
  const cases: { activation: 'relu' | 'gelu'; normalizeFirst: boolean; masked: boolean; t: number }[] = [
    { activation: 'relu', normalizeFirst: false, masked: false, t: 5 },
    { activation: 'gelu', normalizeFirst: false, masked: true, t: 7 },
    { activation: 'relu', normalizeFirst: true, masked: true, t: 3 },
    { activation: 'gelu', normalizeFirst: true, masked: false, t: 1 },
  ];
  for (const c of cases) {
    it(`${c.activation}, normalizeFirst ${c.normalizeFirst}, ${c.masked ? 'padding mask' : 'no mask'}, ${c.t} steps`, () => {
      const b = 2, d = 6, h = 2, ff = 10, eps = 1e-5;
      const enc = lp.layers.transformerEncoder({ intermediateDim: ff, numHeads: h, activation: c.activation, normalizeFirst: c.normalizeFirst });
      enc.ensureBuilt([b, c.t, d]);
      assert.equal(enc.weights.length, 16);
      const ws = randomize(enc, 40);
      const x = values(b * c.t * d, 7, -1, 1);
      const keyMask = c.masked ? Array.from({ length: b * c.t }, (_, i) => (i % c.t < c.t - 1 - (i >= c.t ? 1 : 0) || c.t === 1 ? 1 : 0)) : null;
      const ref = encoderRef(x, ws, b, c.t, d, h, ff, c.activation, c.normalizeFirst, keyMask, eps);
      lp.tidy(() => {
        const mask = keyMask ? lp.cast(lp.tensor(keyMask, [b, c.t], 'int32'), 'bool') : null;
        const y = enc.apply(lp.tensor(x, [b, c.t, d]), mask ? { mask } : {});
        assertClose(y.dataSync(), ref, { atol: 1e-4, rtol: 1e-4 }, 'output');
        if (mask) assert.equal(enc.computeMask(y, mask), mask, 'the mask passes on');
      });
      enc.dispose();
    });
  }

  it('padded steps do not change the real steps (implicit mask through a model)', () => {
    class MaskFromFirstFeature extends lp.Layer {
      constructor() { super('MaskFromFirstFeature', {}); }
      computeOutputShape(s: lp.SymbolicShape | lp.SymbolicShape[]): lp.SymbolicShape { return s as lp.SymbolicShape; }
      call(x: lp.Tensor | lp.Tensor[]): lp.Tensor { return x as lp.Tensor; }
      override computeMask(x: lp.Tensor | lp.Tensor[]): lp.Tensor {
        return lp.notEqual(lp.squeeze(lp.slice(x as lp.Tensor, [0, 0, 0], [-1, -1, 1]), [2]), lp.scalar(0));
      }
    }
    const inp = lp.input({ shape: [6, 4] });
    const out = lp.layers.transformerEncoder({ intermediateDim: 8, numHeads: 2 }).apply(new MaskFromFirstFeature().apply(inp) as lp.SymbolicTensor);
    const model = lp.model({ inputs: inp, outputs: out as lp.SymbolicTensor });
    const a = values(6 * 4, 3, 0.5, 1); // first feature nonzero: real steps
    for (let i = 4 * 4; i < 6 * 4; i++) a[i] = i % 4 === 0 ? 0 : a[i]; // steps 4, 5 padded
    const b = Float32Array.from(a);
    for (let i = 4 * 4; i < 6 * 4; i++) if (i % 4 !== 0) b[i] = 5 - 2 * b[i]; // other padding content
    lp.tidy(() => {
      const ya = (model.predict(lp.tensor(a, [1, 6, 4])) as lp.Tensor).dataSync();
      const yb = (model.predict(lp.tensor(b, [1, 6, 4])) as lp.Tensor).dataSync();
      assertClose(yb.subarray(0, 16), ya.subarray(0, 16), { atol: 1e-6, rtol: 1e-6 }, 'real steps');
    });
    model.dispose();
  });
});

describe('transformerEncoder and positionEmbedding: gradients, models, files, errors', () => {
  it('gradients through the tape (inputs), with a padding mask', () => {
    const enc = lp.layers.transformerEncoder({ intermediateDim: 5, numHeads: 2, activation: 'gelu' });
    enc.ensureBuilt([2, 3, 4]);
    randomize(enc, 3);
    const mask = lp.tidy(() => lp.cast(lp.tensor([1, 1, 1, 1, 1, 0], [2, 3], 'int32'), 'bool'));
    checkGrads({ f: (x) => enc.apply(x, { mask }), inputs: [{ values: values(24, 5, -1, 1), shape: [2, 3, 4] }], eps: 1e-2, atol: 2e-3, rtol: 3e-2 });
    mask.dispose();
    enc.dispose();
  });

  it('positionEmbedding returns the first steps of its table broadcast to the input (keras-hub), and gets their gradient', () => {
    const pe = lp.layers.positionEmbedding({ sequenceLength: 5 });
    pe.ensureBuilt([2, 3, 4]);
    const [table] = randomize(pe, 9);
    lp.tidy(() => {
      const x = lp.randomNormal([2, 3, 4], 0, 1, 'float32', 1);
      const y = pe.apply(x).dataSync();
      for (let bi = 0; bi < 2; bi++) assertClose(y.subarray(bi * 12, bi * 12 + 12), table.subarray(0, 12), { atol: 0 }, `batch ${bi}`);
      const { grads } = lp.variableGrads(() => lp.sum(pe.apply(x)), pe.trainableWeights);
      const g = grads[pe.weights[0].name].dataSync();
      assert.deepEqual([...g], [...new Array(12).fill(2), ...new Array(8).fill(0)], 'each used position counted once per batch item');
    });
    pe.dispose();
  });

  it('sequential and functional models with positions, a model file round trip, training with flat memory', async () => {
    const seq = lp.sequential([
      lp.layers.transformerEncoder({ intermediateDim: 8, numHeads: 2, inputShape: [5, 4], dropout: 0.1 }),
      lp.layers.layerNormalization(),
      lp.layers.dense({ units: 1 }),
    ]);
    const inp = lp.input({ shape: [5, 4] });
    const pos = lp.layers.positionEmbedding({ sequenceLength: 8 }).apply(inp) as lp.SymbolicTensor;
    const enc = lp.layers.transformerEncoder({ intermediateDim: 8, numHeads: 4, normalizeFirst: true }).apply(
      lp.layers.add().apply([inp, pos]) as lp.SymbolicTensor) as lp.SymbolicTensor;
    const fn = lp.model({ inputs: inp, outputs: lp.layers.dense({ units: 1 }).apply(enc) as lp.SymbolicTensor });
    const x = lp.randomNormal([4, 5, 4], 0, 1, 'float32', 3), y = lp.randomNormal([4, 5, 1], 0, 1, 'float32', 4);
    for (const model of [seq, fn]) {
      const before = model.predict(x) as lp.Tensor;
      const back = lp.io.load(lp.io.save(model));
      const after = back.predict(x) as lp.Tensor;
      assert.deepEqual([...after.dataSync()], [...before.dataSync()], 'same predictions after a round trip');
      assert.deepEqual(back.layers.map((l) => l.getConfig()), model.layers.map((l) => l.getConfig()));
      model.compile({ optimizer: lp.train.adam(0.01), loss: 'meanSquaredError' });
      const usage: number[] = [];
      const h = await model.fit(x, y, { epochs: 12, batchSize: 4, verbose: 0, callbacks: { onBatchEnd: () => { usage.push(lp.memory().numBytes); } } });
      const loss = h.history.loss as number[];
      assert.ok(Math.min(...loss.slice(-3)) < loss[0], `loss ${loss[0]} → ${loss.slice(-3)}`); // (dropout makes it noisy)
      assert.equal(usage[11], usage[1], 'memory after step 12 equals that after step 2');
      lp.dispose([before, after]);
      back.dispose();
      model.dispose();
    }
    lp.dispose([x, y]);
  });

  it('bad input: clear Errors', () => {
    assert.throws(() => lp.layers.transformerEncoder({ intermediateDim: 0, numHeads: 2 }), /TransformerEncoder: 'intermediateDim' must be a positive integer/);
    assert.throws(() => lp.layers.transformerEncoder({ intermediateDim: 4, numHeads: 2, activation: 'tanh' as 'relu' }), /activation must be 'relu' or 'gelu'/);
    assert.throws(() => lp.layers.positionEmbedding({ sequenceLength: -1 }), /PositionEmbedding: 'sequenceLength' must be a positive integer/);
    const enc = lp.layers.transformerEncoder({ intermediateDim: 4, numHeads: 4, name: 'enc' });
    const pe = lp.layers.positionEmbedding({ sequenceLength: 3, name: 'pe' });
    const x6 = lp.zeros([1, 2, 6]), x4 = lp.zeros([1, 4, 4]), r2 = lp.zeros([2, 6]);
    expectError(() => enc.apply(x6), 'enc (TransformerEncoder)', /the 6 features are not divisible by numHeads 4/);
    expectError(() => enc.apply(r2), 'enc (TransformerEncoder)', /expects input of rank 3/);
    expectError(() => pe.apply(x4), 'pe (PositionEmbedding)', /has 4 steps, more than sequenceLength 3/);
    lp.dispose([x6, x4, r2]);
  });

  it('tokenAndPositionEmbedding: table lookups plus positions, maskZero, float or int32 ids, token gradients', () => {
    const layer = lp.layers.tokenAndPositionEmbedding({ vocabularySize: 6, sequenceLength: 4, embeddingDim: 3, maskZero: true });
    layer.ensureBuilt([2, 3]);
    assert.deepEqual(layer.weights.map((w) => w.shape), [[6, 3], [4, 3]]);
    const [tok, pos] = randomize(layer, 12);
    const ids = [4, 0, 2, 5, 5, 1];
    lp.tidy(() => {
      for (const dtype of ['int32', 'float32'] as const) {
        const x = lp.tensor(ids, [2, 3], dtype);
        const y = layer.apply(x).dataSync();
        const expected = ids.flatMap((id, i) => [0, 1, 2].map((c) => tok[id * 3 + c] + pos[(i % 3) * 3 + c]));
        assertClose(y, expected, { atol: 1e-6 }, `output (${dtype} ids)`);
        assert.deepEqual(layer.computeMask(x, null)!.arraySync(), [[1, 1, 1], [1, 1, 1]].map((r, b) => r.map((_, t) => +(ids[b * 3 + t] !== 0))));
      }
      const x = lp.tensor(ids, [2, 3], 'int32');
      const { grads } = lp.variableGrads(() => lp.sum(layer.apply(x)), layer.trainableWeights);
      const counts = [0, 1, 2, 3, 4, 5].map((id) => ids.filter((v) => v === id).length);
      assert.deepEqual([...grads[layer.weights[0].name].dataSync()], counts.flatMap((c) => [c, c, c]), 'token rows: one per use');
      assert.deepEqual([...grads[layer.weights[1].name].dataSync()], [2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0], 'positions: one per batch item');
    });
    // Ids outside the vocabulary, or fractional float ids, are named before anything is written.
    for (const [bad, dtype] of [[[1, 6], 'int32'], [[1, 2.5], 'float32'], [[-1, 0], 'int32']] as const) {
      const x = lp.tensor([...bad], [1, 2], dtype);
      noLeak(() => assert.throws(() => layer.apply(x), /\(TokenAndPositionEmbedding\): id -?[\d.]+ at position \[0,\d\] of ids \[1,2\] is not (a whole number )?in \[0, 6\)/));
      x.dispose();
    }
    layer.dispose();
  });

  it('token ids with maskZero end to end: padded steps give the real steps the outputs of the unpadded sequence', async () => {
    const build = (steps: number) => {
      const ids = lp.input({ shape: [steps], dtype: 'int32' });
      const emb = lp.layers.tokenAndPositionEmbedding({ vocabularySize: 10, sequenceLength: 6, embeddingDim: 4, maskZero: true, name: 'emb' });
      const enc = lp.layers.transformerEncoder({ intermediateDim: 8, numHeads: 2, name: 'enc' });
      return lp.model({ inputs: ids, outputs: enc.apply(emb.apply(ids) as lp.SymbolicTensor) as lp.SymbolicTensor });
    };
    const padded = build(5), plain = build(3);
    const weights = padded.getWeights();
    plain.setWeights(weights);
    const a = lp.tensor([5, 3, 7, 0, 0, 2, 9, 0, 0, 0], [2, 5], 'int32'), b = lp.tensor([5, 3, 7, 2, 9, 1], [2, 3], 'int32');
    const ya = (padded.predict(a) as lp.Tensor).arraySync() as number[][][];
    const yb = (plain.predict(b) as lp.Tensor).arraySync() as number[][][];
    assertClose(ya[0].slice(0, 3).flat(), yb[0].flat(), { atol: 1e-5, rtol: 1e-5 }, 'sequence 0 (3 real steps)');
    // Sequence 1 has 2 real steps; the unpadded one has a third (id 1): compare the model on [2, 9] alone.
    const two = build(2);
    two.setWeights(weights);
    const c = lp.tensor([2, 9], [1, 2], 'int32');
    const yc = (two.predict(c) as lp.Tensor).arraySync() as number[][][];
    assertClose(ya[1].slice(0, 2).flat(), yc[0].flat(), { atol: 1e-5, rtol: 1e-5 }, 'sequence 1 (2 real steps)');
    const back = lp.io.load(lp.io.save(padded));
    assert.deepEqual([...(back.predict(a) as lp.Tensor).dataSync()], ya.flat(2));
    lp.dispose([weights, a, b, c]);
    for (const m of [padded, plain, two, back]) m.dispose();
  });

  it('token ids in a sequential model: maskZero mask through the encoder, a model file, training with flat memory', async () => {
    const model = lp.sequential([
      lp.layers.tokenAndPositionEmbedding({ vocabularySize: 12, sequenceLength: 6, embeddingDim: 8, maskZero: true, inputShape: [6] }),
      lp.layers.transformerEncoder({ intermediateDim: 16, numHeads: 2 }),
      lp.layers.dense({ units: 1 }),
    ]);
    const ids = lp.tensor([3, 5, 1, 0, 0, 0, 7, 2, 9, 11, 4, 0, 1, 1, 0, 0, 0, 0, 6, 8, 10, 3, 2, 1], [4, 6]); // float32 ids
    const y = lp.randomNormal([4, 6, 1], 0, 1, 'float32', 8);
    const before = model.predict(ids) as lp.Tensor;
    const back = lp.io.load(lp.io.save(model));
    const after = back.predict(ids) as lp.Tensor;
    assert.deepEqual([...after.dataSync()], [...before.dataSync()]);
    model.compile({ optimizer: lp.train.adam(0.01), loss: 'meanSquaredError' });
    const usage: number[] = [];
    const h = await model.fit(ids, y, { epochs: 10, batchSize: 4, verbose: 0, callbacks: { onBatchEnd: () => { usage.push(lp.memory().numBytes); } } });
    const loss = h.history.loss as number[];
    assert.ok(loss[9] < loss[0], `loss ${loss[0]} → ${loss[9]}`);
    assert.equal(usage[9], usage[1]);
    lp.dispose([ids, y, before, after]);
    model.dispose();
    back.dispose();
  });
});
