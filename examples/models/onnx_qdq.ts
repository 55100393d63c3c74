// ONNX Runtime quantizes nothing by itself in JavaScript (its quantizer is Python), so the int8
// version of an f32 ONNX graph that onnxruntime-web runs is written here, in the QDQ form its
// quantizer writes and its graph optimizer fuses into QLinearConv / QLinearAdd / QGemm:
//   - every activation gets QuantizeLinear → DequantizeLinear (uint8, asymmetric, from the
//     calibrated [min, max], widened to contain 0), except a Conv output read only by a Clip /
//     Relu (the activation is fused, as ORT's quantizer does) and the graph output (f32 logits);
//   - Conv weights int8 symmetric per output channel, Gemm weights per tensor, biases int32 at
//     scale sx·sw (zero point 0), each behind a DequantizeLinear.
// onnxRanges runs the f32 graph with every intermediate value as an output to find the ranges.
// Expects BatchNormalization already folded (onnx_mobilenet.ts foldBatchNorm): ORT does not fold
// a BN into a conv whose weights come from a DequantizeLinear.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';

const { onnx } = onnxProto;
type Model = ReturnType<typeof onnx.ModelProto.decode>;
type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;

const FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6;

export type Ranges = Map<string, [number, number]>;

const floatsOf = (t: Tensor): Float32Array => {
  // a copy: in Node the decoded bytes are a Buffer, whose slice() is a view into a shared pool
  if (t.rawData && t.rawData.length > 0) return new Float32Array(Uint8Array.from(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
};
const tensor = (name: string, dataType: number, dims: number[], data: ArrayBufferView): Tensor =>
  onnx.TensorProto.create({ name, dataType, dims, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });

/** Scale and zero point of a uint8 tensor covering [lo, hi] (0 always representable, as ORT). */
export function u8Params([lo, hi]: [number, number]): [number, number] {
  const min = Math.min(lo, 0), max = Math.max(hi, 0);
  const scale = max > min ? (max - min) / 255 : 1;
  return [Math.fround(scale), Math.min(255, Math.max(0, Math.round(-min / scale)))];
}

/** [min, max] of every value of an f32 graph (input, node outputs) over the samples. */
export async function onnxRanges(bytes: Uint8Array, samples: Float32Array[], shape: number[]): Promise<Ranges> {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const outs = new Set(g.output!.map((o) => o.name!));
  for (const n of g.node!) for (const o of n.output!) {
    if (!outs.has(o)) g.output!.push(onnx.ValueInfoProto.create({ name: o, type: { tensorType: { elemType: FLOAT } } }));
  }
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(m).finish(), { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' });
  const input = g.input![0].name!;
  const ranges: Ranges = new Map();
  const widen = (name: string, data: ArrayLike<number>) => {
    let [lo, hi] = ranges.get(name) ?? [Infinity, -Infinity];
    for (let i = 0; i < data.length; i++) { lo = Math.min(lo, data[i]); hi = Math.max(hi, data[i]); }
    ranges.set(name, [lo, hi]);
  };
  for (const x of samples) {
    widen(input, x);
    const r = await session.run({ [input]: new ort.Tensor('float32', x, shape) });
    for (const [name, t] of Object.entries(r)) widen(name, t.data as Float32Array);
  }
  await session.release();
  return ranges;
}

/** The QDQ int8 graph of an f32 graph (BN folded) with calibrated ranges. */
export function qdqOnnx(bytes: Uint8Array, ranges: Ranges): Uint8Array {
  const m: Model = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  const inits = new Map(g.initializer!.map((t) => [t.name!, t]));
  const keep = new Set<string>();
  const extra: Tensor[] = [];
  const nodes: Node[] = [];
  const dq = new Map<string, string>();
  const outputs = new Set(g.output!.map((o) => o.name!));
  const readers = new Map<string, Node[]>();
  for (const n of g.node!) for (const i of n.input!) readers.set(i, [...(readers.get(i) ?? []), n]);
  const actScale = (name: string): number => u8Params(ranges.get(name)!)[0];

  const qdq = (name: string) => {
    const r = ranges.get(name);
    if (r === undefined) throw new Error(`qdqOnnx: no range for ${name}`);
    const [s, z] = u8Params(r);
    extra.push(tensor(`${name}_s`, FLOAT, [], new Float32Array([s])), tensor(`${name}_z`, UINT8, [], new Uint8Array([z])));
    nodes.push(onnx.NodeProto.create({ opType: 'QuantizeLinear', input: [name, `${name}_s`, `${name}_z`], output: [`${name}_q`], name: `${name}_quantize` }));
    nodes.push(onnx.NodeProto.create({ opType: 'DequantizeLinear', input: [`${name}_q`, `${name}_s`, `${name}_z`], output: [`${name}_dq`],
      name: `${name}_dequantize` }));
    dq.set(name, `${name}_dq`);
  };
  /** int8 weights (per output channel along axis 0, or one scale) and the int32 bias, behind DequantizeLinear. */
  const weights = (n: Node, perChannel: boolean) => {
    const w = inits.get(n.input![1])!, dims = w.dims!.map(Number);
    const data = floatsOf(w), channels = perChannel ? dims[0] : 1, per = data.length / channels;
    const q = new Int8Array(data.length), scales = new Float32Array(channels);
    for (let o = 0; o < channels; o++) {
      let a = 0;
      for (let i = 0; i < per; i++) a = Math.max(a, Math.abs(data[o * per + i]));
      scales[o] = a > 0 ? a / 127 : 1;
      for (let i = 0; i < per; i++) q[o * per + i] = Math.round(data[o * per + i] / scales[o]);
    }
    const wn = n.input![1], sdims = perChannel ? [channels] : [];
    const axis = perChannel ? [onnx.AttributeProto.create({ name: 'axis', type: 2, i: 0 })] : [];
    extra.push(tensor(`${wn}_q`, INT8, dims, q), tensor(`${wn}_s`, FLOAT, sdims, scales), tensor(`${wn}_z`, INT8, sdims, new Int8Array(channels)));
    nodes.push(onnx.NodeProto.create({ opType: 'DequantizeLinear', input: [`${wn}_q`, `${wn}_s`, `${wn}_z`], output: [`${wn}_dq`], name: `${wn}_dequantize`,
      attribute: axis }));
    const ins = [n.input![0], `${wn}_dq`];
    if (n.input!.length > 2) {
      const bn = n.input![2], b = floatsOf(inits.get(bn)!), sx = actScale(n.input![0]);
      const nb = b.length, bs = Float32Array.from({ length: perChannel ? nb : 1 }, (_, o) => sx * scales[perChannel ? o : 0]);
      const bq = Int32Array.from(b, (v, o) => Math.round(v / bs[perChannel ? o : 0]));
      const bdims = perChannel ? [nb] : [];
      extra.push(tensor(`${bn}_q`, INT32, [nb], bq), tensor(`${bn}_s`, FLOAT, bdims, bs), tensor(`${bn}_z`, INT32, bdims, new Int32Array(bs.length)));
      nodes.push(onnx.NodeProto.create({ opType: 'DequantizeLinear', input: [`${bn}_q`, `${bn}_s`, `${bn}_z`], output: [`${bn}_dq`],
        name: `${bn}_dequantize`, attribute: axis }));
      ins.push(`${bn}_dq`);
    }
    return ins;
  };

  qdq(g.input![0].name!);
  for (const n of g.node!) {
    let ins = n.input!;
    if (n.opType === 'Conv') ins = weights(n, true);
    else if (n.opType === 'Gemm') ins = weights(n, false);
    for (const i of ins) if (inits.has(i)) keep.add(i);
    nodes.push(onnx.NodeProto.create({ ...n, input: ins.map((i) => dq.get(i) ?? i) }));
    const o = n.output![0], users = readers.get(o) ?? [];
    const fusedActivation = n.opType === 'Conv' && users.length === 1 && (users[0].opType === 'Clip' || users[0].opType === 'Relu');
    if (!outputs.has(o) && !fusedActivation) qdq(o);
  }
  g.node = nodes;
  g.initializer = [...g.initializer!.filter((t) => keep.has(t.name!)), ...extra];
  return onnx.ModelProto.encode(m).finish();
}
