// Shared by the toOnnx tests: run exported bytes in onnxruntime-web (wasm, one thread) and the
// model in Lepton on the same feeds, and compare (f32 within 1e-4, batch sizes 1 and 3).
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import * as lp from '../../js-bindings/index.js';
import { toOnnx } from '../../js-bindings/onnx/index.js';
import { assertClose, randoms } from './onnx.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export type Feed = { data: Float32Array | Int32Array; dims: number[] };

/** The graph's outputs from onnxruntime-web, in output order. */
export async function runOrt(bytes: Uint8Array, feeds: Feed[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const out = await session.run(Object.fromEntries(session.inputNames.map((n, i) =>
      [n, new ort.Tensor(feeds[i].data instanceof Int32Array ? 'int32' : 'float32', feeds[i].data, feeds[i].dims)])));
    return session.outputNames.map((n) => out[n].data as Float32Array);
  } finally {
    await session.release();
  }
}

export function runLepton(model: { predict(x: lp.Tensor | lp.Tensor[]): lp.Tensor | lp.Tensor[] }, feeds: Feed[]): Float32Array[] {
  const xs = feeds.map((f) => (f.data instanceof Int32Array ? lp.tensor(f.data, f.dims, 'int32') : lp.tensor(f.data, f.dims)));
  const y = model.predict(xs.length === 1 ? xs[0] : xs);
  const outs = Array.isArray(y) ? y : [y];
  const data = outs.map((o) => Float32Array.from(o.dataSync() as Float32Array));
  lp.dispose([...outs, ...xs]);
  return data;
}

/** How many nodes of each op type the exported graph has. */
export function opCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of onnxProto.onnx.ModelProto.decode(bytes).graph!.node!) counts[n.opType!] = (counts[n.opType!] ?? 0) + 1;
  return counts;
}

/** Random float inputs for the model's input shapes at a batch size. */
export function feedsFor(model: lp.LayersModel, batch: number, seed: number): Feed[] {
  return model.inputs.map((s, i) => {
    const dims = [batch, ...s.shape.slice(1) as number[]];
    return { data: randoms(dims.reduce((a, d) => a * d, 1), seed + i * 101, -2, 2), dims };
  });
}

/** Exports the model, runs both engines at batch sizes 1 and 3, compares every output. */
export async function agreeWithOrt(model: lp.LayersModel, what: string, feeds?: (batch: number) => Feed[]): Promise<Uint8Array> {
  const bytes = toOnnx(model);
  for (const batch of [1, 3]) {
    const f = feeds ? feeds(batch) : feedsFor(model, batch, 17 + batch);
    const want = await runOrt(bytes, f);
    const got = runLepton(model, f);
    assert.equal(got.length, want.length);
    got.forEach((g, i) => assertClose(g, want[i], `${what}: output ${i} (batch ${batch})`));
  }
  return bytes;
}

/** Seeded non-trivial weights everywhere (biases, BN statistics), so every parameter matters. */
export function randomizeWeights(model: lp.LayersModel, seed: number): void {
  const ws = model.getWeights();
  const fresh = ws.map((t, i) => {
    const name = model.weights[i].name;
    const variance = /moving_variance/.test(name);
    return lp.tensor(randoms(t.size, seed + i * 31, variance ? 0.5 : -0.5, variance ? 1.5 : 0.5), [...t.shape]);
  });
  model.setWeights(fresh);
  lp.dispose([...ws, ...fresh]);
}
