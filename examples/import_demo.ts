// npm run demo:import: a PyTorch-style ONNX file lands in Lepton, is quantized to int8, and runs
// side by side with onnxruntime-web (wasm backend, one thread), which runs the same network in f32
// and in its int8 QDQ form (examples/models/onnx_qdq.ts writes it from calibrated ranges, as
// ORT's Python quantizer would; ORT quantizes nothing itself in JavaScript).
//
//   1. build a MobileNet-v2-style ONNX graph (depthwise and 1x1 convolutions, residual adds,
//      Clip as ReLU6, global pooling, Gemm) with seeded weights (examples/models/onnx_mobilenet.ts)
//   2. import it with fromOnnx, run it, quantize it to int8 with seeded calibration inputs
//   3. print file sizes, batch-1 latency, and agreement with ORT: max |diff| of the f32 outputs,
//      top-1 agreement of every engine's classes with ORT f32 on seeded synthetic images.
//
//   npm run demo:import -- [--size 224] [--samples 200] [--calibration 8] [--seed 7]
import * as ort from 'onnxruntime-web';
import * as lp from '../js-bindings/node.js';
import { fromOnnx } from '../js-bindings/onnx/index.js';
import { mobileNetV2Onnx } from './models/onnx_mobilenet.js';
import { onnxRanges, qdqOnnx } from './models/onnx_qdq.js';

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const size = Number(option('size') ?? 224), samples = Number(option('samples') ?? 200);
const calibration = Number(option('calibration') ?? 8), seed = Number(option('seed') ?? 7);
const BATCH = 20;

await lp.ready();
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`.padStart(10);

// 1. the ONNX graph (and its BN-folded twin, which the QDQ graph is written from). With seeded
// random weights one class wins for every input (the pooled ReLU6 features share a large common
// part), so the classifier's bias is set to minus the mean logits over the calibration inputs, as
// a trained network's head is balanced; then the classes depend on the input and top-1 agreement
// measures something.
const shape = (n: number) => [n, 3, size, size];
/** n seeded images: per channel a brightness, a sine grating of random frequency and phase, and
 *  noise, in [-1, 1] (uniform noise alone gives nearly the same pooled features for every image). */
function images(n: number, s: number): lp.Tensor {
  let st = s >>> 0 || 1;
  const rnd = () => { st = (Math.imul(st, 1664525) + 1013904223) >>> 0; return st / 2 ** 32; };
  const x = new Float32Array(n * 3 * size * size);
  for (let c = 0; c < 3 * n; c++) {
    const a = rnd(), b = 2 * rnd() - 1, fx = rnd() * 0.5, fy = rnd() * 0.5, ph = rnd() * 6.28;
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      x[(c * size + i) * size + j] = Math.max(-1, Math.min(1, b + a * Math.sin(fx * i + fy * j + ph) + 0.2 * (2 * rnd() - 1)));
    }
  }
  return lp.tensor(x, shape(n));
}
const cal = images(calibration, seed + 1);
const unbalanced = fromOnnx(mobileNetV2Onnx({ size, seed }).bytes);
const meanLogits = lp.tidy(() => lp.mean(unbalanced.predict(cal) as lp.Tensor, 0).dataSync() as Float32Array);
unbalanced.dispose();
const classifierBias = Float32Array.from(meanLogits, (v) => -v);
const { bytes, params } = mobileNetV2Onnx({ size, seed, classifierBias });
const folded = mobileNetV2Onnx({ size, seed, classifierBias, foldBatchNorm: true }).bytes;
console.log(`MobileNet-v2 ONNX graph, ${size}x${size}x3, ${(params / 1e6).toFixed(2)} M parameters, seed ${seed}`);

// 2. Lepton: import, quantize
let t0 = performance.now();
const model = fromOnnx(bytes);
const importMs = performance.now() - t0;
t0 = performance.now();
const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
const quantizeMs = performance.now() - t0;
console.log(`fromOnnx ${importMs.toFixed(0)} ms; int8 quantization (${calibration} calibration inputs) ${quantizeMs.toFixed(0)} ms; ` +
  `layers left in f32: ${q.fallbacks.length === 0 ? 'none' : q.fallbacks.join('; ')}`);

// ORT: f32 on the same bytes; int8 QDQ from ranges over the same calibration inputs
const calData = cal.dataSync() as Float32Array, per = 3 * size * size;
const calSamples = Array.from({ length: calibration }, (_, i) => calData.slice(i * per, (i + 1) * per));
const qdq = qdqOnnx(folded, await onnxRanges(folded, calSamples, shape(1)));
const ortF32 = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
const ortInt8 = await ort.InferenceSession.create(qdq, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
const ortRun = async (s: ort.InferenceSession, x: Float32Array, n: number) =>
  (await s.run({ x: new ort.Tensor('float32', x, shape(n)) }))[s.outputNames[0]].data as Float32Array;

// 3a. agreement on seeded random inputs, in batches
const classes = (v: Float32Array, n: number): number[] => {
  const c = v.length / n;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (v[i * c + j] > v[i * c + best]) best = j;
    return best;
  });
};
const top1 = { leptonF32: 0, leptonInt8: 0, ortInt8: 0, int8VsF32: 0 };
let maxDiff = 0, maxOut = 0;
const seen = new Set<number>();
/** Squared error of each engine's logits against ORT f32's, and ORT f32's squared logits. */
const sq = { leptonF32: 0, leptonInt8: 0, ortInt8: 0, ref: 0 };
for (let done = 0; done < samples; done += BATCH) {
  const n = Math.min(BATCH, samples - done);
  const x = images(n, seed * 1000 + done);
  const xd = Float32Array.from(x.dataSync() as Float32Array);
  const [yf, yq] = [model.predict(x) as lp.Tensor, q.predict(x)];
  const lf = yf.dataSync() as Float32Array, lq = yq.dataSync() as Float32Array;
  const of = await ortRun(ortF32, xd, n), oq = await ortRun(ortInt8, xd, n);
  for (let i = 0; i < of.length; i++) {
    sq.ref += of[i] ** 2; sq.leptonF32 += (lf[i] - of[i]) ** 2; sq.leptonInt8 += (lq[i] - of[i]) ** 2; sq.ortInt8 += (oq[i] - of[i]) ** 2;
  }
  for (let i = 0; i < of.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(of[i] - lf[i])); maxOut = Math.max(maxOut, Math.abs(of[i])); }
  const [cOf, cLf, cLq, cOq] = [of, lf, lq, oq].map((v) => classes(v, n));
  for (const c of cOf) seen.add(c);
  for (let i = 0; i < n; i++) {
    top1.leptonF32 += +(cLf[i] === cOf[i]); top1.leptonInt8 += +(cLq[i] === cOf[i]);
    top1.ortInt8 += +(cOq[i] === cOf[i]); top1.int8VsF32 += +(cLq[i] === cLf[i]);
  }
  lp.dispose([x, yf, yq]);
}

// 3b. batch-1 latency: median of single-input runs, the engines taking turns
const x1 = images(1, seed + 2);
const x1d = Float32Array.from(x1.dataSync() as Float32Array);
const engines: [string, () => unknown][] = [
  ['Lepton f32', () => { const y = model.predict(x1) as lp.Tensor; y.dataSync(); y.dispose(); }],
  ['Lepton int8', () => { const y = q.predict(x1); y.dataSync(); y.dispose(); }],
  ['ORT Web f32', () => ortRun(ortF32, x1d, 1)],
  ['ORT Web int8 QDQ', () => ortRun(ortInt8, x1d, 1)],
];
const times: number[][] = engines.map(() => []);
for (const [, f] of engines) await f();
for (let r = 0; r < 15; r++) {
  for (const [i, [, f]] of engines.entries()) {
    const t = performance.now();
    await f();
    times[i].push(performance.now() - t);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

const f32File = lp.io.save(model).length, int8File = lp.io.save(q).length;
const pct = (k: number) => `${((100 * k) / samples).toFixed(1)}%`.padStart(7);
console.log(`\n${''.padEnd(18)}${'file'.padStart(10)}  ${'batch-1 ms'.padStart(10)}  ${'rel. error'.padStart(10)}  top-1 = ORT f32 (${samples} inputs)`);
const rel = (e: number) => (e === 0 ? 'reference' : Math.sqrt(e / sq.ref).toExponential(1)).padStart(10);
const row = (name: string, file: number, ms: number, err: number, agree: string) =>
  console.log(`${name.padEnd(18)}${kb(file)}  ${ms.toFixed(2).padStart(10)}  ${rel(err)}  ${agree}`);
row('ORT Web f32', bytes.length, median(times[2]), 0, '');
row('ORT Web int8 QDQ', qdq.length, median(times[3]), sq.ortInt8, pct(top1.ortInt8));
row('Lepton f32', f32File, median(times[0]), sq.leptonF32, `${pct(top1.leptonF32)}   max |diff| ${maxDiff.toExponential(2)} (outputs up to ${maxOut.toFixed(2)})`);
row('Lepton int8', int8File, median(times[1]), sq.leptonInt8, `${pct(top1.leptonInt8)}   (= Lepton f32: ${pct(top1.int8VsF32).trim()})`);
console.log(`(rel. error: RMS of the logits' difference from ORT f32 over RMS of ORT f32's logits. ORT f32 picked ${seen.size} distinct classes ` +
  `over the ${samples} inputs; with seeded random weights the classes are near ties, so int8 top-1 agreement is a harsh measure)`);
console.log(`\nLepton int8: ${(median(times[0]) / median(times[1])).toFixed(2)}x Lepton f32, ${(median(times[3]) / median(times[1])).toFixed(2)}x ORT int8; ` +
  `Lepton f32: ${(median(times[2]) / median(times[0])).toFixed(2)}x ORT f32 (one thread each; a rough timing: npm run bench -- --only onnx interleaves rounds)`);

await ortF32.release();
await ortInt8.release();
lp.dispose([cal, x1]);
q.dispose();
model.dispose();
