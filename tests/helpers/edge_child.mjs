// The edge-worker run of tests/api/edge_ready.test.ts, in a fresh Node process started with
// --disallow-code-generation-from-strings (eval and new Function throw). It loads the core entry
// (dist/core.js, lepton-wasm/core, on its core .wasm builds), then locks every import(), poisons eval / Function, removes fetch (except for
// the 'url' case, which fetches a data: URL), hands the wasm over with ready({wasm}) and uses
// the engine: ops, a few training steps, predict. Prints one JSON line: what happened.
//   node [--experimental-wasm-relaxed-simd] --disallow-code-generation-from-strings edge_child.mjs CASE
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';

const which = process.argv[2];
const { port1, port2 } = new MessageChannel();
register('./edge_hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const lp = await import('../../dist/core.js');
// The files as a worker's bundler finds them: through the package's exports (a self-reference).
const exported = (build) => new URL(import.meta.resolve(`lepton-wasm/build/lepton.core.${build}.wasm`));
const bytes = (build) => readFileSync(exported(build));
const simdBytes = bytes('simd');
const relaxedBytes = bytes('relaxed');
const exportedFiles = ['simd', 'relaxed'].map((b) => exported(b).href);

// Lock: from here on import() is refused, so node:fs cannot be reached.
await new Promise((resolve) => { port1.once('message', resolve); port1.postMessage('lock'); });
port1.unref();
const trapped = await import('node:fs/promises').then(() => false, () => true);
const evalBlocked = (() => { try { (0, globalThis.eval)('1'); return false; } catch { return true; } })();
const poison = function () { throw new Error('edge trap: Function constructor used'); };
delete globalThis.eval;
Object.defineProperty(Function.prototype, 'constructor', { value: poison });
globalThis.Function = poison;
const fetchOriginal = globalThis.fetch;
delete globalThis.fetch;

async function errorOf(promise) {
  try { await promise; return null; } catch (e) { return e instanceof Error ? e.message : `non-Error: ${String(e)}`; }
}

const report = { case: which, exported: exportedFiles, trapped, evalBlocked, relaxedRuntime: lp.relaxedSimdSupported(), errors: {} };
let wasm;
switch (which) {
  case 'module': wasm = new WebAssembly.Module(simdBytes); break;
  case 'bytes': wasm = new Uint8Array(simdBytes); break;
  case 'pair': wasm = { simd: simdBytes.buffer.slice(simdBytes.byteOffset, simdBytes.byteOffset + simdBytes.byteLength), relaxed: relaxedBytes }; break;
  case 'url':
    globalThis.fetch = fetchOriginal;
    wasm = `data:application/wasm;base64,${simdBytes.toString('base64')}`;
    break;
  case 'errors': {
    const e = report.errors;
    e.number = await errorOf(lp.ready({ wasm: 42 }));
    e.object = await errorOf(lp.ready({ wasm: { simd: 'x', gpu: 1 } }));
    e.pairValue = await errorOf(lp.ready({ wasm: { simd: [1, 2] } }));
    e.withBase = await errorOf(lp.ready({ wasm: simdBytes, wasmBase: 'https://example.com/' }));
    e.notWasm = await errorOf(lp.ready({ wasm: new Uint8Array([1, 2, 3]) }));
    e.garbage = await errorOf(lp.ready({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) }));
    e.notLepton = await errorOf(lp.ready({ wasm: new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) }));
    e.relativeUrl = await errorOf(lp.ready({ wasm: 'lepton.simd.wasm' }));
    e.relaxedAsked = await errorOf(lp.ready({ wasm: relaxedBytes, build: 'relaxed' }));
    e.relaxedOnly = await errorOf(lp.ready({ wasm: { relaxed: relaxedBytes } }));
    e.relaxedAsSimd = await errorOf(lp.ready({ wasm: relaxedBytes }));
    e.missingBuild = await errorOf(lp.ready({ wasm: { relaxed: relaxedBytes }, build: 'simd' }));
    wasm = new WebAssembly.Module(simdBytes); // and it still loads after all of those
    break;
  }
  case 'default': // the trap must catch the default path, which reads the file with node:fs
    report.errors.defaultPath = await errorOf(lp.ready());
    console.log(JSON.stringify(report));
    process.exit(0);
  default: throw new Error(`edge_child: unknown case ${which}`);
}

await lp.ready({ wasm });
report.build = lp.backendInfo().build;
const a = lp.tensor([1, 2, 3, 4], [2, 2]);
const b = lp.tensor([5, 6, 7, 8], [2, 2]);
report.matMul = Array.from(lp.matMul(a, b).dataSync());
report.relu = Array.from(lp.relu(lp.tensor([-1, 0.5, 2, -3], [4])).dataSync());

const n = 16;
const xv = new Float32Array(n * 2).map((_, i) => Math.sin(i * 0.9));
const yv = new Float32Array(n).map((_, i) => 2 * xv[2 * i] - xv[2 * i + 1] + 0.5);
const x = lp.tensor(xv, [n, 2]);
const y = lp.tensor(yv, [n, 1]);
const model = lp.sequential({ layers: [lp.layers.dense({ units: 1, inputShape: [2] })] });
model.compile({ optimizer: lp.train.sgd(0.1), loss: 'meanSquaredError' });
const history = await model.fit(x, y, { epochs: 5, batchSize: n, verbose: 0, seed: 3 });
report.losses = history.history.loss;
const prediction = model.predict(x);
report.predictShape = prediction.shape;
report.predictFinite = Array.from(prediction.dataSync()).every(Number.isFinite);
report.evalGone = typeof globalThis.eval === 'undefined';
console.log(JSON.stringify(report));
