// Small ONNX graphs built in the tests with onnx-proto, run in onnxruntime-web (wasm backend, one
// thread) and in Lepton through fromOnnx, and compared. Attributes are typed by value: numbers in
// FLOAT_ATTRS are floats, other numbers ints, arrays ints, strings strings.
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import * as lp from '../../js-bindings/index.js';
import { fromOnnx } from '../../js-bindings/onnx/index.js';

const { onnx } = onnxProto;
export const FLOAT = 1, INT64 = 7, INT32 = 6;
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'gamma', 'epsilon', 'momentum', 'min', 'max', 'ratio', 'value_float', 'value', 'cubic_coeff_a']);

export type Attr = number | number[] | string;

/** Deterministic uniform values in [lo, hi). */
export function randoms(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (s + 0x6D2B79F5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  });
}

export class GraphBuilder {
  readonly nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  readonly inits: ReturnType<typeof onnx.TensorProto.create>[] = [];
  readonly inputs: ReturnType<typeof onnx.ValueInfoProto.create>[] = [];
  readonly outputs: ReturnType<typeof onnx.ValueInfoProto.create>[] = [];
  private seed = 1;

  static valueInfo(name: string, dims?: (number | string)[], elemType = FLOAT) {
    return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType,
      ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } : {}) } } });
  }

  input(name: string, dims: (number | string)[]): this { this.inputs.push(GraphBuilder.valueInfo(name, dims)); return this; }
  output(name: string, dims?: (number | string)[]): this { this.outputs.push(GraphBuilder.valueInfo(name, dims)); return this; }

  /** A float32 initializer (raw_data), random when no data is given; returns its name. */
  init(name: string, dims: number[], data?: ArrayLike<number>, lo = -1, hi = 1): string {
    const size = dims.reduce((a, d) => a * d, 1);
    const f = data ? Float32Array.from(data) : randoms(size, this.seed++ * 7919, lo, hi);
    this.inits.push(onnx.TensorProto.create({ name, dataType: FLOAT, dims, rawData: new Uint8Array(f.buffer) }));
    return name;
  }

  /** An int64 initializer (shapes, axes, indices), of dims [values.length] unless given; int32 with type INT32. */
  ints(name: string, values: number[], dims = [values.length], type = INT64): string {
    const raw = type === INT32 ? new Uint8Array(Int32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
    this.inits.push(onnx.TensorProto.create({ name, dataType: type, dims, rawData: raw }));
    return name;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, name?: string): this {
    this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: name ?? `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) }));
    return this;
  }

  encode(opset = 17, irVersion = 8): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion, opsetImport: [{ domain: '', version: opset }], producerName: 'lepton-tests',
      graph: { name: 'g', node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs } })).finish();
  }
}

export function attribute(name: string, v: Attr) {
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: 3, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: 7, ints: v });
  return FLOAT_ATTRS.has(name) ? onnx.AttributeProto.create({ name, type: 1, f: v }) : onnx.AttributeProto.create({ name, type: 2, i: v });
}

let configured = false;
/** The graph's outputs from onnxruntime-web for one input. */
export async function runOrt(model: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[]; dtype?: 'int64' | 'int32' }>): Promise<Record<string, Float32Array>> {
  if (!configured) {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    configured = true;
  }
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k,
      v.dtype === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(v.data, (d) => BigInt(d)), v.dims)
        : v.dtype === 'int32' ? new ort.Tensor('int32', Int32Array.from(v.data), v.dims) : new ort.Tensor('float32', v.data, v.dims)])));
    return Object.fromEntries(session.outputNames.map((n) => [n, out[n].data as Float32Array]));
  } finally {
    await session.release();
  }
}

/** Lepton's outputs for the same input (the model disposed after, unless kept). */
export function runLepton(model: lp.LayersModel, x: { data: Float32Array; dims: number[] }): Float32Array[] {
  const t = lp.tensor(x.data, x.dims);
  const y = model.predict(t);
  const outs = Array.isArray(y) ? y : [y];
  const data = outs.map((o) => Float32Array.from(o.dataSync() as Float32Array));
  for (const o of outs) o.dispose();
  t.dispose();
  return data;
}

/** |a - b| <= 1e-4 x max(1, max |b|), element by element. */
export function assertClose(got: Float32Array, want: Float32Array, what: string, tol = 1e-4): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, onnxruntime gives ${want.length}`);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * scale)) {
      assert.fail(`${what}: value ${i} is ${got[i]}, onnxruntime gives ${want[i]} (tolerance ${tol * scale})`);
    }
  }
}

/**
 * Imports the graph, runs both engines on random input(s) of the given batch sizes and compares
 * every output; returns the model for more checks (the caller disposes it).
 */
export async function agree(g: GraphBuilder, inputDims: number[], opts: { opset?: number; batches?: number[]; seed?: number } = {}): Promise<lp.LayersModel> {
  const opset = opts.opset ?? 17;
  // The IR version that came with the opset (ONNX's versioning table): 3 for opset 7, 10 for 21.
  const bytes = g.encode(opset, opset >= 21 ? 10 : opset >= 15 ? 8 : opset >= 13 ? 7 : opset >= 11 ? 6 : opset >= 9 ? 4 : 3);
  const model = fromOnnx(bytes);
  try {
    for (const batch of opts.batches ?? [inputDims[0]]) {
      const dims = [batch, ...inputDims.slice(1)];
      const data = randoms(dims.reduce((a, d) => a * d, 1), (opts.seed ?? 11) + batch, -2, 2);
      const inputName = g.inputs[0].name!;
      const want = await runOrt(bytes, { [inputName]: { data, dims } });
      const got = runLepton(model, { data, dims });
      g.outputs.forEach((o, i) => assertClose(got[i], want[o.name!], `output ${o.name} (batch ${batch})`));
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
