// The import demo's and the bench's ORT side (examples/models/): the MobileNet-v2 builder with
// BatchNormalization folded computes what the unfolded graph does, and the QDQ int8 graph written
// from calibrated ranges runs in onnxruntime-web close to the f32 graph, with every Conv and Gemm
// reading int8 weights through a DequantizeLinear.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { mobileNetV2Onnx } from '../../examples/models/onnx_mobilenet.js';
import { onnxRanges, qdqOnnx, u8Params } from '../../examples/models/onnx_qdq.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const size = 32, shape = [1, 3, size, size];
const opts = { size, width: 0.5, stages: 4, classes: 10, seed: 9 };

function inputs(n: number, seed: number): Float32Array[] {
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32) * 2 - 1; };
  return Array.from({ length: n }, () => Float32Array.from({ length: 3 * size * size }, rnd));
}

async function outputs(bytes: Uint8Array, xs: Float32Array[]): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const out: Float32Array[] = [];
  for (const x of xs) out.push((await s.run({ x: new ort.Tensor('float32', x, shape) }))[s.outputNames[0]].data as Float32Array);
  await s.release();
  return out;
}

const worst = (a: Float32Array[], b: Float32Array[]) => a.reduce((m, v, i) => Math.max(m, ...Array.from(v, (t, j) => Math.abs(t - b[i][j]))), 0);
const span = (a: Float32Array[]) => Math.max(...a.flatMap((v) => Array.from(v, Math.abs)));

describe('examples/models: MobileNet-v2 ONNX graphs for onnxruntime-web', () => {
  it('foldBatchNorm gives the same function without BatchNormalization nodes', async () => {
    const plain = mobileNetV2Onnx(opts).bytes, folded = mobileNetV2Onnx({ ...opts, foldBatchNorm: true }).bytes;
    const ops = onnxProto.onnx.ModelProto.decode(folded).graph!.node!.map((n) => n.opType);
    assert.ok(!ops.includes('BatchNormalization') && ops.includes('Conv'));
    const xs = inputs(3, 1);
    const [a, b] = [await outputs(plain, xs), await outputs(folded, xs)];
    assert.ok(worst(a, b) <= 1e-5 * Math.max(1, span(a)), `diff ${worst(a, b)}`);
  });

  it('the QDQ graph from calibrated ranges runs close to f32', async () => {
    const folded = mobileNetV2Onnx({ ...opts, foldBatchNorm: true }).bytes;
    const ranges = await onnxRanges(folded, inputs(8, 2), shape);
    const [lo, hi] = ranges.get('x')!;
    assert.ok(lo >= -1 && lo < -0.9 && hi <= 1 && hi > 0.9, `input range [${lo}, ${hi}]`);
    const qdq = qdqOnnx(folded, ranges);
    const g = onnxProto.onnx.ModelProto.decode(qdq).graph!;
    const produced = new Map(g.node!.map((n) => [n.output![0], n.opType]));
    for (const n of g.node!) {
      if (n.opType === 'Conv' || n.opType === 'Gemm') assert.equal(produced.get(n.input![1]), 'DequantizeLinear', `${n.name} weights`);
    }
    assert.ok(g.initializer!.some((t) => t.dataType === 3) && g.initializer!.some((t) => t.dataType === 6), 'int8 weights and int32 biases');
    const xs = inputs(6, 3);
    const [f, q] = [await outputs(folded, xs), await outputs(qdq, xs)];
    assert.ok(worst(f, q) <= 0.1 * span(f), `int8 diff ${worst(f, q)} of ${span(f)}`);
  });

  it('u8Params: uint8 parameters whose low end is the range\'s (widened to 0)', () => {
    for (const r of [[-1, 3], [0.5, 2], [-4, -1], [0, 0]] as [number, number][]) {
      const [s, z] = u8Params(r);
      assert.ok(s > 0 && Number.isInteger(z) && z >= 0 && z <= 255);
      assert.ok(Math.abs((0 - z) * s - Math.min(r[0], 0)) <= s, 'the low end maps near 0');
    }
  });
});
