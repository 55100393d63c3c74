// fromOnnx side by side (npm run bench -- --only onnx): a MobileNet-v2 ONNX graph
// (examples/models/onnx_mobilenet.ts, seeded weights) imported by Lepton and run at batch 1, against
// onnxruntime-web's wasm backend (one thread, graph optimizations 'all') running the same bytes;
// same process, interleaved rounds (A B B A ...). Before timing the two must agree (f32, within
// 1e-3 of the output's scale): a fast wrong model is no result.
// int8 rows: Lepton's QuantizedModel of the imported network (8 seeded calibration inputs)
// against ORT running the same network as a QDQ int8 graph written from ranges over the same
// inputs (examples/models/onnx_qdq.ts), and against Lepton's own f32 model; both int8 outputs must
// stay within 10% of the f32 output's scale first.
import * as ort from 'onnxruntime-web';
import * as lp from '../js-bindings/index.js';
import { fromOnnx } from '../js-bindings/onnx/index.js';
import { compareAsync, type Int8Row } from './int8.js';
import { mobileNetV2Onnx } from '../examples/models/onnx_mobilenet.js';
import { onnxRanges, qdqOnnx } from '../examples/models/onnx_qdq.js';

/** MACs of MobileNet-v2 1.0 at 224 (the paper's 300 M), for GFLOP/s as 2 x MACs. */
const MOBILENET_MACS_224 = 300e6;

async function mobileNetRow(size: number, rounds: number): Promise<Int8Row> {
  const { bytes } = mobileNetV2Onnx({ size, seed: 7 });
  const model = fromOnnx(bytes);
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const x = lp.randomUniform([1, 3, size, size], -1, 1, 'float32', 3);
  const xd = Float32Array.from(x.dataSync() as Float32Array);
  const feeds = { x: new ort.Tensor('float32', xd, [1, 3, size, size]) };
  const theirs = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
  const y = model.predict(x) as lp.Tensor;
  const mine = y.dataSync();
  y.dispose();
  const scale = Math.max(1, ...Array.from(theirs, Math.abs));
  const worst = theirs.reduce((m, v, i) => Math.max(m, Math.abs(v - mine[i])), 0);
  if (!(worst <= 1e-3 * scale)) throw new Error(`bench: imported MobileNet-v2 differs from onnxruntime by ${worst} (scale ${scale})`);
  const lepton = () => { const out = model.predict(x) as lp.Tensor; out.dataSync(); out.dispose(); };
  const c = await compareAsync(lepton, () => session.run(feeds), rounds);
  await session.release();
  x.dispose();
  model.dispose();
  return { name: `MobileNet-v2 ${size}x${size} batch 1: fromOnnx f32 vs ORT Web f32`, flops: 2 * MOBILENET_MACS_224 * (size / 224) ** 2,
    ref: 'ORT Web f32 (the same ONNX bytes)', ...c };
}

/** Calibration inputs of the int8 rows. */
const CALIBRATION = 8;

async function int8Rows(size: number, rounds: number): Promise<Int8Row[]> {
  const seed = 7, shape = [1, 3, size, size];
  const model = fromOnnx(mobileNetV2Onnx({ size, seed }).bytes);
  const cal = lp.randomUniform([CALIBRATION, 3, size, size], -1, 1, 'float32', 11);
  const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
  if (q.fallbacks.length > 0) throw new Error(`bench: int8 MobileNet-v2 left layers in f32: ${q.fallbacks.join('; ')}`);
  const folded = mobileNetV2Onnx({ size, seed, foldBatchNorm: true }).bytes;
  const calData = cal.dataSync() as Float32Array, per = 3 * size * size;
  const ranges = await onnxRanges(folded, Array.from({ length: CALIBRATION }, (_, i) => calData.slice(i * per, (i + 1) * per)), shape);
  const session = await ort.InferenceSession.create(qdqOnnx(folded, ranges), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const x = lp.randomUniform(shape, -1, 1, 'float32', 3);
  const feeds = { x: new ort.Tensor('float32', Float32Array.from(x.dataSync() as Float32Array), shape) };
  const ref = model.predict(x) as lp.Tensor, yq = q.predict(x);
  const f = ref.dataSync(), mine = yq.dataSync(), theirs = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
  lp.dispose([ref, yq]);
  const scale = Math.max(...Array.from(f, Math.abs));
  for (const [who, y] of [['Lepton', mine], ['ORT', theirs]] as const) {
    const worst = Array.from(f).reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    if (!(worst <= 0.1 * scale)) throw new Error(`bench: ${who}'s int8 MobileNet-v2 differs from f32 by ${worst} (scale ${scale})`);
  }
  const int8 = () => { const out = q.predict(x); out.dataSync(); out.dispose(); };
  const f32 = () => { const out = model.predict(x) as lp.Tensor; out.dataSync(); out.dispose(); };
  const flops = 2 * MOBILENET_MACS_224 * (size / 224) ** 2;
  const vsOrt = await compareAsync(int8, () => session.run(feeds), rounds);
  const vsF32 = await compareAsync(int8, f32, rounds);
  await session.release();
  lp.dispose([x, cal]);
  q.dispose();
  model.dispose();
  return [
    { name: `MobileNet-v2 ${size}x${size} batch 1: Lepton int8 vs ORT Web int8 QDQ`, flops, ref: 'ORT Web int8 (QDQ graph, same calibration)', ...vsOrt },
    { name: `MobileNet-v2 ${size}x${size} batch 1: Lepton int8 vs Lepton f32`, flops, ref: 'Lepton f32 (the imported model)', ...vsF32 },
  ];
}

export async function onnxRows(rounds: number): Promise<Int8Row[]> {
  return [await mobileNetRow(224, rounds), ...await int8Rows(224, rounds)];
}
