// lp.io round trips: every kind of LayersModel (sequential CNN, MLP, functional with residual add
// and batch normalization, depthwise/separable convolutions) predicts bit for bit the same after
// save/load, with the same summary; sparse blocks for pruned weights; raw float16/int8 tensors
// with quantization through a registered model kind; optimizer state so that training resumes
// exactly; the Node file helpers and loadFromUrl.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lp from '../../js-bindings/index.js';
import { saveModelFile, loadModelFile } from '../../js-bindings/node.js';
import { engine } from '../../js-bindings/engine.js';
import { noLeak, expectError } from '../helpers/api.js';
import { mnistCnn, mlp, residual, separable, randomizeWeights, predictBytes, summaryOf, parseFile, crc32Ref } from '../helpers/io_models.js';

before(async () => { await lp.ready(); });

const bytesOf = (t: lp.Tensor) => new Uint8Array(engine.k.memory.buffer, t.ptr, t.byteLength).slice();
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Saves, loads, and checks predictions (bit for bit), weights, summary; frees everything. */
function roundTrip(model: lp.LayersModel, inputShape: number[], seed: number): Uint8Array {
  randomizeWeights(model, seed);
  const file = lp.io.save(model);
  const x = lp.randomNormal([3, ...inputShape], 0, 1, 'float32', seed);
  noLeak(() => {
    const back = lp.io.load(file);
    assert.ok(sameBytes(predictBytes(back, x), predictBytes(model, x)), 'predictions bit-identical');
    assert.deepEqual(summaryOf(back), summaryOf(model));
    assert.equal(back.weights.length, model.weights.length);
    back.weights.forEach((w, i) => assert.ok(sameBytes(bytesOf(w), bytesOf(model.weights[i])), `weight ${i}`));
    assert.equal(back.constructor, model.constructor);
    back.dispose();
  });
  x.dispose();
  model.dispose();
  return file;
}

describe('io: LayersModel round trips', () => {
  it('the MNIST-style CNN (Sequential, dropout)', () => {
    const file = roundTrip(mnistCnn(), [28, 28, 1], 11);
    // The file is the weights plus a small header: 4 bytes per parameter, little more.
    const params = 3 * 3 * 32 + 32 + 3 * 3 * 32 * 64 + 64 + 1600 * 128 + 128 + 1290;
    assert.ok(file.length > 4 * params && file.length < 4 * params + 8192, `${file.length} bytes for ${params} parameters`);
  });
  it('an MLP', () => { roundTrip(mlp(), [6], 12); });
  it('a functional model with a residual add, batch normalization and concatenate', () => { roundTrip(residual(), [6, 6, 4], 13); });
  it('depthwise and separable convolutions, zero padding, multiply, reshape', () => { roundTrip(separable(), [9, 9, 3], 14); });

  it('keeps trainable flags, layer names and a shared layer applied twice', () => {
    const x = lp.input({ shape: [5], name: 'features' });
    const shared = lp.layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
    const h = shared.apply(shared.apply(x) as lp.SymbolicTensor) as lp.SymbolicTensor;
    const frozen = lp.layers.dense({ units: 2, name: 'head', trainable: false });
    const m = lp.model({ inputs: x, outputs: frozen.apply(h) as lp.SymbolicTensor, name: 'twice' });
    const file = roundTrip(m, [5], 15);
    const back = lp.io.load(file);
    assert.deepEqual(back.layers.map((l) => l.name), ['features', 'shared', 'head']);
    assert.equal(back.trainableWeights.length, 2);
    assert.equal(back.name, 'twice');
    back.dispose();
  });

  it('loading beside the original gives fresh variables; the original is untouched', () => {
    const m = mlp();
    const file = lp.io.save(m);
    const back = lp.io.load(file);
    assert.ok(back.weights.every((w, i) => w.name !== m.weights[i].name && w.ptr !== m.weights[i].ptr));
    back.dispose();
    assert.ok(m.weights.every((w) => !w.isDisposed));
    m.dispose();
  });
});

describe('io: sparse blocks', () => {
  it('a 50%-pruned kernel takes half its bytes plus a 1/32 mask, and round trips bit for bit (-0 kept)', () => {
    const m = mlp(32, 64, 3);
    randomizeWeights(m, 21);
    const k = m.weights[0];
    // Even elements pruned to +0; some odd ones are -0, which is not zero in bits and must survive.
    const kept = new Float32Array(k.dataSync()).map((v, i) => (i % 2 === 0 ? 0 : i % 6 === 1 ? -0 : v));
    lp.tidy(() => k.assign(lp.tensor(kept, [...k.shape])));
    const sparse = lp.io.save(m), dense = lp.io.save(m, { sparse: false });
    const entry = lp.io.inspect(sparse).tensors.find((t) => t.name === k.name)!;
    assert.equal(entry.encoding, 'sparse');
    assert.equal(entry.nnz, k.size / 2);
    assert.equal(entry.length, k.size / 8 + (k.size / 2) * 4);
    assert.ok(lp.io.inspect(dense).tensors.every((t) => t.encoding === 'dense'));
    assert.equal(dense.length - sparse.length >= k.size * 4 - entry.length - 16, true);
    const x = lp.randomNormal([4, 32], 0, 1, 'float32', 3);
    for (const file of [sparse, dense]) {
      const back = lp.io.load(file);
      assert.ok(sameBytes(bytesOf(back.weights[0]), new Uint8Array(kept.buffer)));
      assert.ok(sameBytes(predictBytes(back, x), predictBytes(m, x)));
      back.dispose();
    }
    lp.dispose([x]);
    m.dispose();
  });
});

/** A stand-in for a quantized model: raw tensors of any dtype, not a LayersModel. */
class RawModel {
  constructor(readonly tensors: lp.io.SavedTensor[], readonly note: string) {}
}

describe('io: model kinds', () => {
  lp.io.registerModelKind('raw-test', {
    matches: (m) => m instanceof RawModel,
    save: (m: RawModel) => ({ config: { note: m.note }, tensors: m.tensors }),
    load: (config, tensors) => {
      const note = (config as { note?: unknown })?.note;
      if (typeof note !== 'string') throw new Error('raw-test: config needs a note');
      return new RawModel(tensors, note);
    },
  });
  const rand = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (Math.imul(i + 1, 2654435761 + seed) >>> 24) & 0xFF);

  it('float16, int8, uint8 and int32 tensors with quantization pass through unchanged', () => {
    const int8 = rand(4 * 8, 1);
    const tensors: lp.io.SavedTensor[] = [
      { name: 'w/f16', dtype: 'float16', shape: [3, 5], bytes: rand(30, 2) },
      { name: 'w/int8', dtype: 'int8', shape: [4, 8], bytes: int8, quantization: { scale: [0.5, 0.25, 1e-3, 7], zeroPoint: [0, -3, 127, -128], axis: 0 } },
      { name: 'a/uint8', dtype: 'uint8', shape: [7], bytes: rand(7, 3), quantization: { scale: [0.02], zeroPoint: [128] } },
      { name: 'b/int32', dtype: 'int32', shape: [2, 2], bytes: rand(16, 4) },
      { name: 'empty', dtype: 'float32', shape: [0, 3], bytes: new Uint8Array(0) },
    ];
    const file = lp.io.save(new RawModel(tensors, 'hello'));
    assert.equal(lp.io.inspect(file).kind, 'raw-test');
    const back = lp.io.load<RawModel>(file);
    assert.ok(back instanceof RawModel);
    assert.equal(back.note, 'hello');
    // Bytes unchanged; scales come back as float32 values (what the file promises).
    const f32Scales = (t: lp.io.SavedTensor) => ({ ...t, bytes: [...t.bytes],
      ...(t.quantization ? { quantization: { ...t.quantization, scale: t.quantization.scale.map(Math.fround) } } : {}) });
    assert.deepEqual(back.tensors.map(f32Scales), tensors.map(f32Scales));
    const info = lp.io.inspect(file);
    assert.deepEqual(info.bytesByDtype, { float16: 30, int8: 32, uint8: 7, int32: 16, float32: 0 });
    // Every block is 16-aligned; the CRC-32 is the reference's.
    assert.ok(info.tensors.every((t) => t.offset % 16 === 0));
    assert.equal(new DataView(file.buffer).getUint32(file.length - 4, true), crc32Ref(file.subarray(0, file.length - 4)));
  });

  it('a 50%-pruned int8 tensor is stored in about half: sparse without huffman, smaller still with it', () => {
    const n = 4096;
    const bytes = rand(n, 5).map((v, i) => (i % 2 === 0 ? 0 : v | 1));
    const model = new RawModel([{ name: 'q', dtype: 'int8', shape: [64, 64], bytes, quantization: { scale: [0.1], zeroPoint: [0] } }], 'p');
    const plain = lp.io.save(model, { huffman: false });
    const entry = lp.io.inspect(plain).tensors[0];
    assert.equal(entry.encoding, 'sparse');
    assert.equal(entry.length, n / 8 + n / 2);
    assert.deepEqual([...lp.io.load<RawModel>(plain).tensors[0].bytes], [...bytes]);
    // Huffman: a zero costs one bit (no mask), a kept byte its value's entropy (here about 7 bits).
    const file = lp.io.save(model);
    const coded = lp.io.inspect(file).tensors[0];
    assert.equal(coded.encoding, 'huffman');
    assert.ok(coded.length < entry.length, `${coded.length} < ${entry.length}`);
    assert.deepEqual([...lp.io.load<RawModel>(file).tensors[0].bytes], [...bytes]);
  });

  it('errors: unknown models, bad registrations, a kind that throws', () => {
    expectError(() => lp.io.save({}), 'io.save', /cannot save Object \(known model kinds: .*layers/);
    expectError(() => lp.io.save(null), 'io.save', /cannot save null/);
    expectError(() => lp.io.registerModelKind('', { save: () => ({ config: 0, tensors: [] }), load: () => 0, matches: () => false }), 'io.registerModelKind');
    expectError(() => lp.io.registerModelKind('x', {} as never), 'io.registerModelKind', /needs save, load and matches/);
    expectError(() => lp.io.save(new RawModel([{ name: 'a', dtype: 'int8', shape: [2], bytes: new Uint8Array(3) }], '')), 'io.save', /needs 2 bytes, got 3/);
    const bad = lp.io.save(new RawModel([], 'x'));
    const text = new TextDecoder().decode(bad.subarray(16, 16 + parseFile(bad).dataStart - 16));
    assert.match(text, /"note":"x"/);
    expectError(() => lp.io.registerLayer('', () => null as never), 'io.registerLayer');
  });
});

describe('io: optimizer state, training resumes exactly', () => {
  const optimizers: [string, () => lp.Optimizer | string][] = [
    ['adam', () => 'adam'], ['sgd', () => lp.train.sgd(0.1)], ['momentum (nesterov)', () => lp.train.momentum(0.05, 0.9, true)],
    ['rmsprop (centered, clipNorm)', () => lp.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true, { clipNorm: 0.5 })],
    ['adagrad', () => lp.train.adagrad(0.05)], ['adamw', () => lp.train.adamw(0.01, 0.01)],
  ];
  for (const [name, make] of optimizers) {
    it(name, async () => {
      const x = lp.randomNormal([12, 6], 0, 1, 'float32', 31);
      const y = lp.oneHot(lp.tensor(Int32Array.from({ length: 12 }, (_, i) => i % 3), [12], 'int32'), 3);
      const m = mlp();
      m.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      await m.trainOnBatch(x, y);
      await m.trainOnBatch(x, y);
      const file = lp.io.save(m, { includeOptimizer: true });
      const back = lp.io.load(file);
      assert.equal(back.optimizer!.className, m.optimizer!.className);
      assert.equal(back.optimizer!.iterations, 2);
      const [l1, l2] = [await m.trainOnBatch(x, y), await back.trainOnBatch(x, y)];
      assert.deepEqual(l2, l1);
      back.weights.forEach((w, i) => assert.ok(sameBytes(bytesOf(w), bytesOf(m.weights[i])), `weight ${i} after the resumed step`));
      // Without includeOptimizer the loaded model is not compiled.
      const plain = lp.io.load(lp.io.save(m));
      assert.equal(plain.optimizer, undefined);
      lp.dispose([x, y]);
      for (const model of [m, back, plain]) model.dispose();
    });
  }

  it('regularizers come back from the file, so a regularized model resumes exactly too', async () => {
    const x = lp.randomNormal([8, 5, 5, 2], 0, 1, 'float32', 41);
    const y = lp.oneHot(lp.tensor(Int32Array.from({ length: 8 }, (_, i) => i % 2), [8], 'int32'), 2);
    const m = lp.sequential([
      lp.layers.conv2d({ filters: 3, kernelSize: 3, kernelRegularizer: 'l2', biasRegularizer: lp.regularizers.l1l2({ l1: 0.02, l2: 0.03 }), inputShape: [5, 5, 2] }),
      lp.layers.batchNormalization({ gammaRegularizer: 'l1' }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 2, activation: 'softmax', kernelRegularizer: 'l1' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await m.trainOnBatch(x, y);
    const back = lp.io.load(lp.io.save(m, { includeOptimizer: true }));
    assert.deepEqual(back.layers.map((l) => l.getConfig()), m.layers.map((l) => l.getConfig()));
    assert.deepEqual(back.layers[0].getConfig().biasRegularizer, { className: 'L1L2', config: { l1: 0.02, l2: 0.03 } });
    assert.deepEqual(await back.trainOnBatch(x, y), await m.trainOnBatch(x, y));
    back.weights.forEach((w, i) => assert.ok(sameBytes(bytesOf(w), bytesOf(m.weights[i])), `weight ${i}`));
    lp.dispose([x, y]);
    m.dispose();
    back.dispose();
  });

  it('a custom loss cannot be saved with the optimizer', () => {
    const m = mlp();
    m.compile({ optimizer: 'sgd', loss: (a: lp.Tensor, b: lp.Tensor) => lp.mean(lp.square(lp.sub(a, b))) });
    expectError(() => lp.io.save(m, { includeOptimizer: true }), 'io.save', /custom function/);
    const uncompiled = mlp();
    expectError(() => lp.io.save(uncompiled, { includeOptimizer: true }), 'io.save', /compiled first/);
    m.dispose();
    uncompiled.dispose();
  });
});

describe('io: files and URLs', () => {
  it('saveModelFile / loadModelFile (size checked before reading)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lepton-io-'));
    try {
      const m = mlp();
      const path = join(dir, 'model.lepton');
      await saveModelFile(m, path);
      const back = await loadModelFile(path);
      const x = lp.randomNormal([2, 6], 0, 1, 'float32', 5);
      assert.ok(sameBytes(predictBytes(back, x), predictBytes(m, x)));
      await assert.rejects(loadModelFile(path, { maxBytes: 100 }), /loadModelFile: .* more than maxBytes 100/);
      await assert.rejects(loadModelFile(dir), /loadModelFile: .* is not a file/);
      await writeFile(join(dir, 'junk'), 'not a model at all');
      await assert.rejects(loadModelFile(join(dir, 'junk')), /io\.load: not a Lepton model file \(bad magic\)/);
      lp.dispose([x]);
      m.dispose();
      back.dispose();
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('loadFromUrl: ok, HTTP errors, Content-Length and streamed size over maxBytes', async () => {
    const m = mlp();
    const file = lp.io.save(m);
    const server = createServer((req, res) => {
      if (req.url === '/model') { res.writeHead(200, { 'content-length': file.length }); res.end(file); } else if (req.url === '/chunked') {
        res.writeHead(200);
        res.write(file.subarray(0, 1000));
        res.end(file.subarray(1000));
      } else { res.writeHead(404); res.end(); }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const back = await lp.io.loadFromUrl(`${base}/model`);
      const x = lp.randomNormal([2, 6], 0, 1, 'float32', 6);
      assert.ok(sameBytes(predictBytes(back, x), predictBytes(m, x)));
      await assert.rejects(lp.io.loadFromUrl(`${base}/missing`), /io\.loadFromUrl: .*HTTP 404/);
      await assert.rejects(lp.io.loadFromUrl(new URL(`${base}/model`), undefined, { maxBytes: 100 }), /is \d+ bytes, more than maxBytes 100/);
      await assert.rejects(lp.io.loadFromUrl(`${base}/chunked`, undefined, { maxBytes: 1500 }), /is more than maxBytes 1500/);
      const streamed = await lp.io.loadFromUrl(`${base}/chunked`);
      lp.dispose([x]);
      back.dispose();
      streamed.dispose();
    } finally {
      server.close();
      m.dispose();
    }
  });
});
