// Magnitude pruning during fit (lp.prune / stripPruning / pruning.sparsity), 2:4, global scope,
// the schedules, the sparse inference path (pruning.sparsify), and bad input.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError, noLeak } from '../helpers/api.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose } from '../helpers/check.js';

before(async () => { await lp.ready(); });

function mlp(seed: number): lp.Sequential {
  const model = lp.sequential([
    lp.layers.dense({ units: 24, activation: 'relu', inputShape: [20], kernelInitializer: lp.initializers.glorotUniform({ seed }) }),
    lp.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: seed + 1 }) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return model;
}

function data(seed: number, n: number): [lp.Tensor, lp.Tensor] {
  const rand = rng(seed);
  const x = lp.tensor(randomArray(rand, n * 20), [n, 20]);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * 4));
  return [x, lp.oneHot(lp.tensor(labels, [n], 'int32'), 4)];
}

const zerosOf = (t: lp.Tensor) => Array.from(t.dataSync() as Float32Array).filter((v) => v === 0).length;

describe('pruning schedules', () => {
  it('polynomialDecay follows tfmot: final + (initial - final)(1 - p)^3, updates every frequency steps in [begin, end]', async () => {
    const model = mlp(1);
    const c = lp.prune(model, { schedule: { type: 'polynomialDecay', initialSparsity: 0.1, finalSparsity: 0.9, beginStep: 4, endStep: 14, frequency: 5 } });
    for (const [step, want] of [[0, 0.1], [4, 0.1], [9, 0.9 - 0.8 * 0.125], [14, 0.9], [40, 0.9]]) {
      c.step = step;
      assert.ok(Math.abs(c.targetSparsity - want) < 1e-12, `step ${step}: ${c.targetSparsity} vs ${want}`);
    }
    lp.stripPruning(model);
    model.dispose();
  });
});

describe('lp.prune during fit', () => {
  it('reaches the final sparsity per layer, keeps pruned weights at zero through Adam, leaves biases, frees masks on strip', async () => {
    const model = mlp(2);
    const [x, y] = data(3, 64);
    const c = lp.prune(model, { schedule: { type: 'polynomialDecay', initialSparsity: 0, finalSparsity: 0.75, beginStep: 0, endStep: 8, frequency: 2 } });
    const seen: number[] = [];
    // after the pruning callback's onBatchEnd: the zeros of the first kernel never go back
    const watch = { onBatchEnd: () => { seen.push(lp.pruning.sparsity(model).layers[c.weightNames[0]]); } };
    await model.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, callbacks: [c.callback(), watch] });
    assert.equal(seen.length, 16);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `sparsity went down at step ${i}: ${seen}`);
    const report = lp.pruning.sparsity(model);
    const kernels = model.layers.map((l) => l.getWeights()[0]);
    kernels.forEach((k, i) => {
      const expected = k.size - Math.round(k.size * 0.25);
      assert.ok(zerosOf(k) >= expected, `layer ${i}: ${zerosOf(k)} zeros < ${expected}`);
      assert.ok(Math.abs(report.layers[c.weightNames[i]] - zerosOf(k) / k.size) < 1e-12);
    });
    assert.ok(report.total >= 0.75 - 1e-9 && report.total < 0.8, `total ${report.total}`);
    const bias = model.layers[0].getWeights()[1];
    assert.ok(zerosOf(bias) < bias.size / 2, 'biases are not pruned');
    const before = lp.memory().numTensors;
    lp.stripPruning(model);
    assert.equal(lp.memory().numTensors, before - 2, 'the two masks are freed');
    assert.equal(lp.pruning.pruningOf(model), undefined);
    assert.deepEqual(lp.pruning.sparsity(model), report, 'the zeros stay');
    lp.dispose([x, y, ...kernels, bias]);
    model.dispose();
  });

  it('prunes exactly the smallest magnitudes (per layer) and, with scope global, under one threshold', () => {
    for (const scope of ['layer', 'global'] as const) {
      const model = mlp(4);
      const c = lp.prune(model, { scope, schedule: { type: 'constantSparsity', targetSparsity: 0.6, frequency: 1 } });
      const before = model.layers.map((l) => Array.from(l.getWeights()[0].dataSync() as Float32Array));
      c.updateMasks();
      const after = model.layers.map((l) => Array.from(l.getWeights()[0].dataSync() as Float32Array));
      const groups = scope === 'global' ? [[0, 1]] : [[0], [1]];
      for (const g of groups) {
        const kept = g.flatMap((i) => before[i].filter((_, j) => after[i][j] !== 0).map(Math.abs));
        const pruned = g.flatMap((i) => before[i].filter((_, j) => after[i][j] === 0).map(Math.abs));
        const total = kept.length + pruned.length;
        assert.equal(pruned.length, total - Math.round(total * 0.4), `${scope}: count`);
        assert.ok(Math.min(...kept) > Math.max(...pruned), `${scope}: kept weights are the largest`);
        g.forEach((i) => after[i].forEach((v, j) => { if (v !== 0) assert.equal(v, before[i][j]); }));
      }
      if (scope === 'global') {
        const r = lp.pruning.sparsity(model);
        assert.notEqual(r.layers[c.weightNames[0]], r.layers[c.weightNames[1]], 'global: per-layer sparsities differ');
      }
      lp.stripPruning(model);
      model.dispose();
    }
  });

  it("pattern '2:4' keeps 2 of every 4 consecutive inputs per unit, in Dense and Conv2D kernels, through fit", async () => {
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 4] }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const rand = rng(9);
    const x = lp.tensor(randomArray(rand, 8 * 6 * 6 * 4), [8, 6, 6, 4]);
    const y = lp.oneHot(lp.tensor(Int32Array.from({ length: 8 }, (_, i) => i % 3), [8], 'int32'), 3);
    const c = lp.prune(model, { pattern: '2:4', schedule: { type: 'constantSparsity', targetSparsity: 0.5, frequency: 1 } });
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [c.callback()] });
    lp.stripPruning(model);
    for (const layer of [model.layers[0], model.layers[2]]) {
      const w = layer.getWeights()[0];
      const n = w.shape[w.rank - 1], k = w.size / n, v = w.dataSync() as Float32Array;
      for (let g = 0; g + 4 <= k; g += 4) for (let j = 0; j < n; j++) {
        let nonzero = 0;
        for (let a = 0; a < 4; a++) nonzero += v[(g + a) * n + j] !== 0 ? 1 : 0;
        assert.ok(nonzero <= 2, `${layer.name}: group ${g}, unit ${j} has ${nonzero} nonzeros`);
      }
      w.dispose();
    }
    assert.ok(lp.pruning.sparsity(model).total >= 0.5);
    lp.dispose([x, y]);
    model.dispose();
  });

  it('prunes DepthwiseConv2D and both SeparableConv2D kernels', () => {
    const model = lp.sequential([
      lp.layers.depthwiseConv2d({ kernelSize: 3, inputShape: [5, 5, 4] }),
      lp.layers.separableConv2d({ filters: 8, kernelSize: 3 }),
    ]);
    const c = lp.prune(model, { schedule: { type: 'constantSparsity', targetSparsity: 0.5, frequency: 1 } });
    assert.equal(c.weightNames.length, 3);
    c.updateMasks();
    const r = lp.pruning.sparsity(model);
    for (const name of c.weightNames) assert.ok(Math.abs(r.layers[name] - 0.5) < 0.05, `${name}: ${r.layers[name]}`);
    lp.stripPruning(model);
    model.dispose();
  });
});

describe('pruning.sparsify: Dense layers on the sparse kernel', () => {
  it('gives the dense results at batch 1 and 64, and goes back to dense when trained', async () => {
    const model = mlp(5);
    const c = lp.prune(model, { schedule: { type: 'constantSparsity', targetSparsity: 0.9, frequency: 1 } });
    c.updateMasks();
    lp.stripPruning(model);
    for (const n of [1, 64]) {
      const [x, y] = data(10 + n, n);
      const dense = model.predict(x) as lp.Tensor;
      const names = lp.pruning.sparsify(model);
      assert.deepEqual(names, model.layers.map((l) => l.name));
      assert.ok(lp.pruning.isSparse(model.layers[0]));
      const sparse = model.predict(x) as lp.Tensor;
      assertClose(sparse.dataSync(), dense.dataSync(), { atol: 1e-6, rtol: 1e-5 }, `batch ${n}`);
      if (n === 64) {
        await model.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
        assert.ok(!lp.pruning.isSparse(model.layers[0]), 'training drops the sparse copy');
      }
      lp.pruning.densify(model);
      lp.dispose([x, y, dense, sparse]);
    }
    noLeak(() => { lp.pruning.sparsify(model); lp.pruning.densify(model); });
    model.dispose();
  });

  it('disposing a model frees its pruning masks and sparse copies too', () => {
    const before = lp.memory();
    const a = mlp(6);
    lp.prune(a, { schedule: { type: 'constantSparsity', targetSparsity: 0.5, frequency: 1 } }).updateMasks();
    a.dispose(); // before stripPruning
    const b = mlp(7);
    const c = lp.prune(b, { schedule: { type: 'constantSparsity', targetSparsity: 0.95, frequency: 1 } });
    c.updateMasks();
    lp.stripPruning(b);
    lp.pruning.sparsify(b);
    lp.pruning.sparsify(b); // again: still one sparse copy and one hook for it (beside the mask's)
    assert.equal(b.layers[0].disposeHooks.length, 2);
    b.dispose();
    const after = lp.memory();
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytes, before.numBytes);
  });

  it('sparseMatMul matches matMul with fused bias and relu', () => {
    const rand = rng(12);
    const wv = randomArray(rand, 33 * 17).map((v) => (rand() < 0.8 ? 0 : v));
    const w = lp.tensor(wv, [33, 17]), x = lp.tensor(randomArray(rand, 7 * 33), [7, 33]), b = lp.tensor(randomArray(rand, 17), [17]);
    const csc = lp.pruning.toCsc(w);
    const got = lp.pruning.sparseMatMul(x, csc, b, 'relu');
    const want = lp.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' });
    assertClose(got.dataSync(), want.dataSync(), { atol: 1e-5, rtol: 1e-5 });
    expectError(() => lp.pruning.sparseMatMul(w, csc), 'pruning.sparseMatMul', /\[M, 33\]/);
    lp.pruning.disposeCsc(csc);
    lp.dispose([w, x, b, got, want]);
  });
});

describe('pruning: bad input', () => {
  const schedule = { type: 'polynomialDecay', initialSparsity: 0, finalSparsity: 0.5, beginStep: 0, endStep: 10, frequency: 1 } as const;
  it('a model with no prunable layer', () => {
    const model = lp.sequential([lp.layers.flatten({ inputShape: [3, 3] }), lp.layers.activation({ activation: 'relu' })]);
    expectError(() => lp.prune(model, { schedule }), 'prune', /no prunable layer/);
  });
  it('sparsities outside [0, 1): 1, -0.1, NaN', () => {
    const model = mlp(6);
    for (const bad of [1, -0.1, NaN]) {
      expectError(() => lp.prune(model, { schedule: { ...schedule, finalSparsity: bad } }), 'prune', /finalSparsity must be a sparsity in \[0, 1\)/);
      expectError(() => lp.prune(model, { schedule: { ...schedule, initialSparsity: bad } }), 'prune', /initialSparsity/);
      expectError(() => lp.prune(model, { schedule: { type: 'constantSparsity', targetSparsity: bad } }), 'prune', /targetSparsity/);
    }
    model.dispose();
  });
  it('beginStep > endStep, frequency <= 0, unknown schedule', () => {
    const model = mlp(7);
    expectError(() => lp.prune(model, { schedule: { ...schedule, beginStep: 20, endStep: 10 } }), 'prune', /endStep \(10\) must be greater than beginStep \(20\)/);
    for (const f of [0, -3, 1.5]) expectError(() => lp.prune(model, { schedule: { ...schedule, frequency: f } }), 'prune', /frequency must be a positive integer/);
    expectError(() => lp.prune(model, { schedule: { type: 'cubic' } as never }), 'prune', /unknown schedule type/);
    model.dispose();
  });
  it('an unbuilt (empty) model, unknown or unprunable layer names, pruning twice', () => {
    expectError(() => lp.prune(lp.sequential(), { schedule }), 'prune', /has no layers/);
    const model = mlp(8);
    expectError(() => lp.prune(model, { schedule, layers: ['nope'] }), 'prune', /no layer named "nope"/);
    const flat = lp.sequential([lp.layers.flatten({ inputShape: [2, 2], name: 'flat_only' }), lp.layers.dense({ units: 2 })]);
    expectError(() => lp.prune(flat, { schedule, layers: ['flat_only'] }), 'prune', /not prunable/);
    const c = lp.prune(model, { schedule });
    expectError(() => lp.prune(model, { schedule }), 'prune', /already being pruned/);
    c.strip();
    flat.dispose();
    model.dispose();
  });
});
