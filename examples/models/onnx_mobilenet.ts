// A MobileNet-v2 ONNX graph (NCHW, opset 17) with seeded weights, built with onnx-proto: the
// stem (3x3 stride-2 conv, BN, Clip 0..6), the inverted residual blocks of the paper
// (1x1 expand, 3x3 depthwise, 1x1 project, each with BN; Clip as ReLU6; a residual Add where
// stride 1 keeps the width), a 1x1 conv to 1280, GlobalAveragePool, Flatten and Gemm — the
// network that fromOnnx's bench (and the import demo) imports and runs against onnxruntime-web.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type NodeProto = ReturnType<typeof onnx.NodeProto.create>;
type TensorProto = ReturnType<typeof onnx.TensorProto.create>;

export interface MobileNetOptions {
  /** Input height and width (default 224). */
  size?: number;
  /** Width multiplier (default 1). */
  width?: number;
  /** Inverted residual stages to keep, from the start (default all 7). */
  stages?: number;
  classes?: number;
  seed?: number;
  /** Fold each BatchNormalization into its Conv (weights scaled, a bias added): the same function
   *  from the same seed, in the form a QDQ graph quantizes (onnx_qdq.ts). Default false. */
  foldBatchNorm?: boolean;
  /** The Gemm's bias (default zeros). The import demo sets it to minus the mean logits over its
   *  calibration inputs: with seeded random weights one class would otherwise win for every input. */
  classifierBias?: Float32Array;
}

/** BatchNormalization's default epsilon (ONNX). */
const BN_EPSILON = 1e-5;

/** MobileNet-v2's stages: expansion t, channels c, repeats n, first stride s. */
const STAGES: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];

export function mobileNetV2Onnx(opts: MobileNetOptions = {}): { bytes: Uint8Array; params: number } {
  const size = opts.size ?? 224, width = opts.width ?? 1, classes = opts.classes ?? 1000;
  let s = (opts.seed ?? 1) >>> 0 || 1;
  const rand = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  const nodes: NodeProto[] = [], inits: TensorProto[] = [];
  let params = 0, id = 0;
  const draw = (dims: number[], f: () => number) => Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, f);
  const init = (dims: number[], f: (() => number) | Float32Array): string => {
    const name = `t${inits.length}`;
    const data = typeof f === 'function' ? draw(dims, f) : f;
    params += data.length;
    inits.push(onnx.TensorProto.create({ name, dataType: 1, dims, rawData: new Uint8Array(data.buffer) }));
    return name;
  };
  const ints = (name: string, v: number[]) => onnx.AttributeProto.create({ name, type: 7, ints: v });
  const node = (opType: string, input: string[], attribute: ReturnType<typeof ints>[] = []): string => {
    const out = `v${id++}`;
    nodes.push(onnx.NodeProto.create({ opType, input, output: [out], name: `${opType.toLowerCase()}_${id}`, attribute }));
    return out;
  };
  const clip6 = [init([], () => 0), init([], () => 6)];
  /** Conv (+ BN, + ReLU6): weights uniform in ±√(3 / fan-in), BN near the identity. */
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, group: number, relu6: boolean): string => {
    const fan = (cin / group) * k * k, lim = Math.sqrt(3 / fan);
    const wDims = [cout, cin / group, k, k];
    const w = draw(wDims, () => (2 * rand() - 1) * lim);
    const gamma = draw([cout], () => 0.8 + 0.4 * rand()), beta = draw([cout], () => 0.2 * rand() - 0.1);
    const mean = draw([cout], () => 0.2 * rand() - 0.1), variance = draw([cout], () => 0.8 + 0.4 * rand());
    const pad = (k - 1) / 2;
    const attrs = [ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad]),
      onnx.AttributeProto.create({ name: 'group', type: 2, i: group })];
    let bn: string;
    if (opts.foldBatchNorm) {
      const per = w.length / cout, bias = new Float32Array(cout);
      for (let o = 0; o < cout; o++) {
        const sc = gamma[o] / Math.sqrt(variance[o] + BN_EPSILON);
        for (let i = 0; i < per; i++) w[o * per + i] *= sc;
        bias[o] = beta[o] - mean[o] * sc;
      }
      bn = node('Conv', [x, init(wDims, w), init([cout], bias)], attrs);
    } else {
      const c = node('Conv', [x, init(wDims, w)], attrs);
      bn = node('BatchNormalization', [c, init([cout], gamma), init([cout], beta), init([cout], mean), init([cout], variance)]);
    }
    return relu6 ? node('Clip', [bn, ...clip6]) : bn;
  };
  const round8 = (c: number) => Math.max(8, Math.round(c * width / 8) * 8);
  let ch = round8(32);
  let x = conv('x', 3, ch, 3, 2, 1, true);
  for (const [t, c, n, stride] of STAGES.slice(0, opts.stages ?? STAGES.length)) {
    const out = round8(c);
    for (let i = 0; i < n; i++) {
      const hidden = ch * t, st = i === 0 ? stride : 1;
      let h = t === 1 ? x : conv(x, ch, hidden, 1, 1, 1, true);
      h = conv(h, hidden, hidden, 3, st, hidden, true);
      h = conv(h, hidden, out, 1, 1, 1, false);
      x = st === 1 && ch === out ? node('Add', [x, h]) : h;
      ch = out;
    }
  }
  const last = Math.max(1280, round8(1280));
  x = conv(x, ch, last, 1, 1, 1, true);
  x = node('Flatten', [node('GlobalAveragePool', [x])]);
  const lim = Math.sqrt(3 / last);
  if (opts.classifierBias && opts.classifierBias.length !== classes) throw new Error(`mobileNetV2Onnx: classifierBias needs ${classes} values`);
  const y = node('Gemm', [x, init([classes, last], () => (2 * rand() - 1) * lim), init([classes], opts.classifierBias ?? (() => 0))],
    [onnx.AttributeProto.create({ name: 'transB', type: 2, i: 1 })]);
  const info = (name: string, dims: (number | string)[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1,
    shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'lepton-bench',
    graph: { name: 'mobilenet_v2', node: nodes, initializer: inits, input: [info('x', ['N', 3, size, size])], output: [info(y, ['N', classes])] } })).finish();
  return { bytes, params };
}
