// fromOnnx side by side (npm run bench -- --only onnx): a MobileNet-v2 ONNX graph
// (bench/onnx_mobilenet.ts, seeded weights) imported by Lepton and run at batch 1, against
// onnxruntime-web's wasm backend (one thread, graph optimizations 'all') running the same bytes;
// same process, interleaved rounds (A B B A ...). Before timing the two must agree (f32, within
// 1e-3 of the output's scale): a fast wrong model is no result.
import * as ort from 'onnxruntime-web';
import * as lp from '../js-bindings/index.js';
import { fromOnnx } from '../js-bindings/onnx/index.js';
import { compareAsync, type Int8Row } from './int8.js';
import { mobileNetV2Onnx } from '../examples/models/onnx_mobilenet.js';

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

export async function onnxRows(rounds: number): Promise<Int8Row[]> {
  return [await mobileNetRow(224, rounds)];
}
