// npm run tour: a short tour of the engine (npm run demo trains the MNIST CNN: examples/mnist.ts).
// Runs a tiny MNIST-shaped CNN forward pass with random weights through the ops API, shows the
// build in use and the memory accounting.
import * as lp from '../js-bindings/index.js';

await lp.ready();
const info = lp.backendInfo();
console.log(info.build === 'relaxed' ? 'Lepton on relaxed SIMD' :
  'Lepton on SIMD128 (Node 20 loads the relaxed build with --experimental-wasm-relaxed-simd)');

// conv 3x3 32 relu → maxPool 2 → conv 3x3 64 relu → maxPool 2 → flatten → dense 128 relu → dense 10 softmax
const w = lp.tidy(() => ({
  c1: lp.keep(lp.randomNormal([3, 3, 1, 32], 0, 0.3, 'float32', 1)), b1: lp.keep(lp.zeros([32])),
  c2: lp.keep(lp.randomNormal([3, 3, 32, 64], 0, 0.08, 'float32', 2)), b2: lp.keep(lp.zeros([64])),
  d1: lp.keep(lp.randomNormal([1600, 128], 0, 0.035, 'float32', 3)), e1: lp.keep(lp.zeros([128])),
  d2: lp.keep(lp.randomNormal([128, 10], 0, 0.09, 'float32', 4)), e2: lp.keep(lp.zeros([10])),
}));

function forward(x: lp.Tensor): lp.Tensor {
  return lp.tidy(() => {
    let h = lp.fused.conv2d({ x, filter: w.c1, strides: 1, pad: 'valid', bias: w.b1, activation: 'relu' });
    h = lp.maxPool(h, 2, 2, 'valid');
    h = lp.fused.conv2d({ x: h, filter: w.c2, strides: 1, pad: 'valid', bias: w.b2, activation: 'relu' });
    h = lp.maxPool(h, 2, 2, 'valid');
    h = lp.reshape(h, [x.shape[0], -1]);
    h = lp.fused.matMul({ a: h, b: w.d1, bias: w.e1, activation: 'relu' });
    return lp.softmax(lp.fused.matMul({ a: h, b: w.d2, bias: w.e2 }));
  });
}

const batch = lp.randomUniform([256, 28, 28, 1], 0, 1, 'float32', 5);
for (let i = 0; i < 3; i++) forward(batch).dispose(); // warm-up: V8 tiers the hot kernels up to TurboFan
const before = lp.memory();
const t0 = performance.now();
const rounds = 5;
for (let i = 0; i < rounds; i++) {
  const p = forward(batch);
  p.dataSync();
  p.dispose();
}
const ms = (performance.now() - t0) / rounds;
const after = lp.memory();
const probs = forward(lp.tidy(() => lp.slice(batch, [0, 0, 0, 0], [1, 28, 28, 1])));
console.log(`MNIST-shaped CNN, batch 256: ${ms.toFixed(1)} ms (${(256 / ms * 1000).toFixed(0)} samples/s); ` +
  `sample 0 class probabilities sum to ${Array.from(probs.dataSync()).reduce((a, b) => a + b, 0).toFixed(4)}`);
console.log(`memory flat over ${rounds} forward passes: ${before.numBytes} → ${after.numBytes} bytes, ` +
  `${before.numTensors} → ${after.numTensors} tensors (peak ${(after.peakBytes / 2 ** 20).toFixed(1)} MiB)`);
probs.dispose();
