// The core entry (dist/core.js, `lepton-wasm/core`, so `npm run build` first) on its own: it
// loads the core .wasm builds, runs the every-runtime smoke checks that need no sequence layer
// (ops, training, int8, model files, out of memory, the seeded-fit hash of the full entry), prunes
// a model during fit, carries none of the full entry's extra names, and says which import is
// missing when a model file holds a sequence layer or a tokenizer, or when the full entry is
// imported after ready() loaded the core .wasm. Run with and without the relaxed-SIMD flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../dist/core.js';
import { checksFor } from '../runtimes/checks.js';
import { readReferenceHash } from '../runtimes/reference_hash.js';
import { runModule } from '../helpers/run_module.js';

const expectedBuild = process.execArgv.includes('--experimental-wasm-relaxed-simd') ? 'relaxed' : 'simd';
const host = { log: (line: string) => console.log(`core entry [${expectedBuild}]: ${line}`), referenceHash: readReferenceHash,
  entry: 'core' as const };

test(`core entry [${expectedBuild}]: ready() loads the core .wasm of the picked build`, async () => {
  await lp.ready();
  const info = lp.backendInfo();
  assert.equal(info.build, expectedBuild);
  assert.equal(info.full, false, 'the core entry alone must not load the full .wasm');
});

// The shared checks, less those marked `full` (they build sequence layers or tokenizers). The
// checks take the full entry's type; the core entry's namespaces are subsets of its.
for (const check of checksFor('core')) {
  test(`core entry [${expectedBuild}]: ${check.name}`, async () => {
    await check.run(lp as unknown as Parameters<typeof check.run>[0], expectedBuild, host);
  });
}

test(`core entry [${expectedBuild}]: magnitude pruning during fit reaches its sparsity and keeps it`, async () => {
  await lp.ready();
  const before = lp.memory().numBytes;
  const model = lp.sequential([
    lp.layers.dense({ units: 16, activation: 'relu', inputShape: [8], kernelInitializer: 'glorotUniform' }),
    lp.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const controller = lp.prune(model, { schedule: { type: 'constantSparsity', targetSparsity: 0.75, frequency: 1 } });
  const x = lp.randomNormal([32, 8], 0, 1, 'float32', 7);
  const y = lp.tidy(() => lp.oneHot(lp.tensor(Int32Array.from({ length: 32 }, (_, i) => i % 3), [32], 'int32'), 3));
  await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [controller.callback()] });
  lp.stripPruning(model);
  const report = lp.pruning.sparsity(model);
  for (const [name, s] of Object.entries(report.layers)) assert.ok(s >= 0.74, `${name}: sparsity ${s}`);
  lp.dispose([x, y]);
  model.dispose();
  assert.equal(lp.memory().numBytes, before, 'pruning leaks nothing');
});

test('core entry: none of the full entry\'s extra names', () => {
  const names = new Set(Object.keys(lp));
  for (const name of ['conv1d', 'globalAveragePool1d', 'globalMaxPool1d', 'distill', 'distillationLoss', 'plot']) {
    assert.ok(!names.has(name), `lp.${name} is in the core entry`);
  }
  const layers = lp.layers as Record<string, unknown>;
  for (const name of ['lstm', 'gru', 'simpleRNN', 'embedding', 'multiHeadAttention', 'layerNormalization', 'conv1d']) {
    assert.equal(layers[name], undefined, `lp.layers.${name} is in the core entry`);
  }
  assert.equal((lp.io as Record<string, unknown>).fromTfjsLayers, undefined);
  assert.equal((lp.data as Record<string, unknown>).Tokenizer, undefined);
  for (const name of ['dense', 'conv2d', 'depthwiseConv2d', 'batchNormalization', 'maxPooling2d', 'dropout']) {
    assert.equal(typeof layers[name], 'function', `lp.layers.${name} is missing from the core entry`);
  }
  for (const name of ['quantize', 'prune', 'quantizeAware', 'train', 'sequential', 'model']) {
    assert.ok(names.has(name), `lp.${name} is missing from the core entry`);
  }
});

/** io.save of a model built by the full entry, in a child process (this one holds the core .wasm). */
function fullEntryFile(build: string): Uint8Array {
  return new Uint8Array(Buffer.from(runModule(`import * as lp from './dist/index.js'; await lp.ready();
    ${build}
    process.stdout.write(Buffer.from(lp.io.save(model, opts)).toString('base64'));`), 'base64'));
}

test('core entry: a model file with a sequence layer or a tokenizer names the import it needs', async () => {
  await lp.ready();
  const lstm = fullEntryFile(`const model = lp.sequential([lp.layers.lstm({ units: 2, inputShape: [3, 2] }), lp.layers.dense({ units: 1 })]);
    const opts = {};`);
  assert.throws(() => lp.io.load(lstm), /className 'LSTM' \(import 'lepton-wasm' first: it registers LSTM\)/);
  const withTokenizer = fullEntryFile(`const model = lp.sequential([lp.layers.dense({ units: 1, inputShape: [2] })]);
    const tokenizer = new lp.data.Tokenizer(); tokenizer.fitOnTexts(['a b']); const opts = { tokenizer };`);
  assert.throws(() => lp.io.load(withTokenizer), /io\.load: tokenizers \(lp\.data\.Tokenizer\) are in the full entry: import 'lepton-wasm'/);
  // The model alone is in reach through inspect, and the engine is still usable.
  assert.equal(lp.io.inspect(withTokenizer).kind, 'layers');
  assert.deepEqual(Array.from(lp.add(lp.tensor([1, 2]), lp.tensor([3, 4])).dataSync()), [4, 6]);
});

test('core entry: importing the full entry after ready() loaded the core .wasm is refused', async () => {
  await lp.ready();
  await assert.rejects(import('../../dist/index.js'),
    /the core \.wasm is already loaded: the sequence layers .* need the full one; import them before calling ready\(\)/);
  assert.equal(lp.backendInfo().full, false);
});

test('the full entry refuses a core .wasm handed to ready({wasm}), naming the file it needs, then loads the full one', () => {
  const script = `import * as lp from './dist/index.js'; import { readFileSync } from 'node:fs';
    let message = '';
    try { await lp.ready({ wasm: readFileSync('build/lepton.core.simd.wasm') }); } catch (e) { message = e.message; }
    await lp.ready({ wasm: readFileSync('build/lepton.simd.wasm') });
    console.log(JSON.stringify({ message, full: lp.backendInfo().full }));`;
  const out = JSON.parse(runModule(script));
  assert.match(out.message, /the simd wasm module is a core build \(no sequence kernels\); the sequence layers of the full entry need lepton\.simd\.wasm/);
  assert.equal(out.full, true);
});

test('the core entry runs on a full .wasm handed to ready({wasm}), and the full entry can join it then', () => {
  const script = `import * as lp from './dist/core.js'; import { readFileSync } from 'node:fs';
    await lp.ready({ wasm: readFileSync('build/lepton.simd.wasm') });
    const before = lp.backendInfo().full;
    const full = await import('./dist/index.js');
    const lstm = full.layers.lstm({ units: 2 }).apply(full.zeros([1, 3, 2]));
    console.log(JSON.stringify({ before, after: full.backendInfo().full, shape: lstm.shape }));`;
  const out = JSON.parse(runModule(script));
  assert.deepEqual(out, { before: true, after: true, shape: [1, 2] });
});
