// The MNIST CNN of shared/FIGURES.md as ONNX graphs for onnxruntime-web (wasm, one thread), built
// here in JS with onnx-proto: the f32 graph, and the same network statically quantized the way
// onnxruntime's quantize_static (QOperator format) does it — uint8 activations per tensor, int8
// weights per output channel, int32 biases, QLinearConv with the ReLU folded into the output range,
// uint8 MaxPool, and a dequantize before the f32 softmax. The dense layers run as 1x1 QLinearConv
// on a [batch, features, 1, 1] view, which is ORT's fastest quantized path with a bias (a
// QLinearMatMul + QLinearAdd pair is slower), so the comparison is the strict one.
// Weights come in Lepton's (TF.js's) layouts: conv [kh, kw, cin, cout], dense [in, out], NHWC
// flatten order; they are transposed here to ONNX's NCHW / OIHW.
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6;

/** The CNN's parameters in Lepton's layouts. */
export interface CnnWeights {
  conv1: Float32Array; bias1: Float32Array; // [3, 3, 1, 32], [32]
  conv2: Float32Array; bias2: Float32Array; // [3, 3, 32, 64], [64]
  dense1: Float32Array; bias3: Float32Array; // [1600, 128], [128]
  dense2: Float32Array; bias4: Float32Array; // [128, 10], [10]
}

/** Per-tensor activation ranges from calibration: the input, each ReLU output and the logits. */
export interface CnnRanges { input: [number, number]; conv1: [number, number]; conv2: [number, number];
  dense1: [number, number]; logits: [number, number] }

type Graph = ReturnType<typeof onnx.GraphProto.create>;

/** conv [kh, kw, cin, cout] → OIHW. */
function convToOihw(w: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
    out[((o * cin + i) * kh + y) * kw + x] = w[((y * kw + x) * cin + i) * cout + o];
  }
  return out;
}

/** dense [h*w*c (NHWC flatten), out] → [out, c*h*w (NCHW flatten)], as a 1x1 conv's OIHW. */
function denseToOi(w: Float32Array, h: number, wd: number, c: number, out: number): Float32Array {
  const r = new Float32Array(w.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let ch = 0; ch < c; ch++) for (let o = 0; o < out; o++) {
    r[o * h * wd * c + (ch * h + y) * wd + x] = w[((y * wd + x) * c + ch) * out + o];
  }
  return r;
}

function initializer(g: Graph, name: string, dataType: number, dims: number[], data: ArrayBufferView): void {
  g.initializer!.push(onnx.TensorProto.create({ name, dataType, dims,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }));
}

function node(g: Graph, opType: string, input: string[], output: string[], attribute: Record<string, number | number[]> = {}): void {
  g.node!.push(onnx.NodeProto.create({ opType, input, output, attribute: Object.entries(attribute).map(([name, v]) =>
    Array.isArray(v) ? onnx.AttributeProto.create({ name, type: 7, ints: v }) : onnx.AttributeProto.create({ name, type: 2, i: v })) }));
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType,
    shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
}

function emptyGraph(): Graph {
  return onnx.GraphProto.create({ name: 'mnist_cnn', node: [], initializer: [],
    input: [valueInfo('x', FLOAT, ['batch', 1, 28, 28])], output: [valueInfo('probs', FLOAT, ['batch', 10])] });
}

function encode(g: Graph): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
    producerName: 'lepton-bench', graph: g })).finish();
}

/** The f32 graph (a check that the layouts are right: it must match Lepton's f32 model). */
export function cnnF32Onnx(w: CnnWeights): Uint8Array {
  const g = emptyGraph();
  initializer(g, 'w1', FLOAT, [32, 1, 3, 3], convToOihw(w.conv1, 3, 3, 1, 32));
  initializer(g, 'b1', FLOAT, [32], w.bias1);
  initializer(g, 'w2', FLOAT, [64, 32, 3, 3], convToOihw(w.conv2, 3, 3, 32, 64));
  initializer(g, 'b2', FLOAT, [64], w.bias2);
  initializer(g, 'w3', FLOAT, [128, 1600, 1, 1], denseToOi(w.dense1, 5, 5, 64, 128));
  initializer(g, 'b3', FLOAT, [128], w.bias3);
  initializer(g, 'w4', FLOAT, [10, 128, 1, 1], denseToOi(w.dense2, 1, 1, 128, 10));
  initializer(g, 'b4', FLOAT, [10], w.bias4);
  initializer(g, 'shape4', 7 /* int64 */, [4], new BigInt64Array([0n, -1n, 1n, 1n]));
  initializer(g, 'shape2', 7, [2], new BigInt64Array([0n, -1n]));
  node(g, 'Conv', ['x', 'w1', 'b1'], ['c1']); node(g, 'Relu', ['c1'], ['r1']);
  node(g, 'MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] });
  node(g, 'Conv', ['p1', 'w2', 'b2'], ['c2']); node(g, 'Relu', ['c2'], ['r2']);
  node(g, 'MaxPool', ['r2'], ['p2'], { kernel_shape: [2, 2], strides: [2, 2] });
  node(g, 'Reshape', ['p2', 'shape4'], ['f']);
  node(g, 'Conv', ['f', 'w3', 'b3'], ['d1']); node(g, 'Relu', ['d1'], ['h']);
  node(g, 'Conv', ['h', 'w4', 'b4'], ['d2']); node(g, 'Reshape', ['d2', 'shape2'], ['logits']);
  node(g, 'Softmax', ['logits'], ['probs'], { axis: 1 });
  return encode(g);
}

/** Scale and zero point of a uint8 tensor covering [lo, hi] (0 always representable, as ORT). */
function u8Params([lo, hi]: [number, number]): [number, number] {
  const min = Math.min(lo, 0), max = Math.max(hi, 0);
  const scale = max > min ? (max - min) / 255 : 1;
  return [scale, Math.min(255, Math.max(0, Math.round(-min / scale)))];
}

/** int8 weights symmetric per output channel of an OIHW / OI tensor. */
function perChannel(w: Float32Array, channels: number): { q: Int8Array; scales: Float32Array } {
  const per = w.length / channels, q = new Int8Array(w.length), scales = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[o * per + i]));
    const s = m > 0 ? m / 127 : 1;
    scales[o] = s;
    for (let i = 0; i < per; i++) q[o * per + i] = Math.round(w[o * per + i] / s);
  }
  return { q, scales };
}

/** The statically quantized graph (QOperator format). */
export function cnnInt8Onnx(w: CnnWeights, r: CnnRanges): Uint8Array {
  const g = emptyGraph();
  const act = (name: string, range: [number, number]) => {
    const [s, z] = u8Params(range);
    initializer(g, `${name}_s`, FLOAT, [], new Float32Array([s]));
    initializer(g, `${name}_z`, UINT8, [], new Uint8Array([z]));
    return s;
  };
  const layer = (name: string, oihw: Float32Array, dims: number[], bias: Float32Array, inScale: number) => {
    const { q, scales } = perChannel(oihw, dims[0]);
    initializer(g, `${name}_w`, INT8, dims, q);
    initializer(g, `${name}_ws`, FLOAT, [dims[0]], scales);
    initializer(g, `${name}_wz`, INT8, [dims[0]], new Int8Array(dims[0]));
    initializer(g, `${name}_b`, INT32, [dims[0]], Int32Array.from(bias, (b, o) => Math.round(b / (inScale * scales[o]))));
  };
  const qconv = (x: string, xq: string, name: string, y: string) =>
    node(g, 'QLinearConv', [x, `${xq}_s`, `${xq}_z`, `${name}_w`, `${name}_ws`, `${name}_wz`, `${y}_s`, `${y}_z`, `${name}_b`], [y]);
  const sIn = act('xq', r.input), s1 = act('c1', r.conv1), s2 = act('c2', r.conv2), s3 = act('d1', r.dense1);
  act('d2', r.logits);
  layer('l1', convToOihw(w.conv1, 3, 3, 1, 32), [32, 1, 3, 3], w.bias1, sIn);
  layer('l2', convToOihw(w.conv2, 3, 3, 32, 64), [64, 32, 3, 3], w.bias2, s1);
  layer('l3', denseToOi(w.dense1, 5, 5, 64, 128), [128, 1600, 1, 1], w.bias3, s2);
  layer('l4', denseToOi(w.dense2, 1, 1, 128, 10), [10, 128, 1, 1], w.bias4, s3);
  initializer(g, 'shape4', 7, [4], new BigInt64Array([0n, -1n, 1n, 1n]));
  initializer(g, 'shape2', 7, [2], new BigInt64Array([0n, -1n]));
  node(g, 'QuantizeLinear', ['x', 'xq_s', 'xq_z'], ['xq']);
  // ReLU is the clamp at the output zero point (0): the calibrated ranges of ReLU outputs start at 0.
  qconv('xq', 'xq', 'l1', 'c1');
  node(g, 'MaxPool', ['c1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] });
  qconv('p1', 'c1', 'l2', 'c2');
  node(g, 'MaxPool', ['c2'], ['p2'], { kernel_shape: [2, 2], strides: [2, 2] });
  node(g, 'Reshape', ['p2', 'shape4'], ['f']);
  qconv('f', 'c2', 'l3', 'd1');
  qconv('d1', 'd1', 'l4', 'd2');
  node(g, 'DequantizeLinear', ['d2', 'd2_s', 'd2_z'], ['logits4']);
  node(g, 'Reshape', ['logits4', 'shape2'], ['logits']);
  node(g, 'Softmax', ['logits'], ['probs'], { axis: 1 });
  return encode(g);
}

/** An ORT session on the wasm backend, one thread; run(x) takes NHWC [batch, 28, 28, 1] pixels. */
export async function ortSession(model: Uint8Array): Promise<{ run: (x: Float32Array, batch: number) => Promise<Float32Array> }> {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return {
    // With one input channel NHWC and NCHW hold the same bytes.
    run: async (x, batch) => (await session.run({ x: new ort.Tensor('float32', x, [batch, 1, 28, 28]) })).probs.data as Float32Array,
  };
}

/** The parameters of a Lepton MNIST CNN (the layers of shared/FIGURES.md, dropout-free) as CnnWeights. */
export function cnnWeightsOf(model: { layers: { className: string; getWeights(): { dataSync(): ArrayLike<number>; dispose(): void }[] }[] }): CnnWeights {
  const ws = model.layers.filter((l) => l.className === 'Conv2D' || l.className === 'Dense').flatMap((l) => l.getWeights());
  const [conv1, bias1, conv2, bias2, dense1, bias3, dense2, bias4] = ws.map((t) => Float32Array.from(t.dataSync()));
  for (const t of ws) t.dispose();
  return { conv1, bias1, conv2, bias2, dense1, bias3, dense2, bias4 };
}
