// A fresh process that loads one model file and predicts one MNIST-sized sample, then prints its
// linear-memory figures as JSON (examples/edge_report.ts runs it per variant):
//   node --experimental-wasm-relaxed-simd --import tsx examples/peak_memory.ts model.lepton
import * as lp from '../js-bindings/node.js';

await lp.ready();
const model = await lp.loadModelFile(process.argv[2]);
const x = lp.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 1);
const y = (model as { predict(x: lp.Tensor): lp.Tensor }).predict(x);
y.dataSync();
const m = lp.memory();
console.log(JSON.stringify({ peakBytes: m.peakBytes, wasmMemoryBytes: m.wasmMemoryBytes }));
