// How each Lepton layer becomes ONNX nodes (f32). A handler reads its inputs' XVals in the form
// its op needs (export_writer.ts: 'nchw' for convolutions and pools, 'keras' where Lepton's axis
// order matters, the input's own form for element-wise ops), adds nodes and returns its output.
// check() says why a layer cannot be exported, from its config alone, so toOnnx can refuse a model
// with one Error listing every such layer before it writes anything.
import type { Layer, SymbolicShape } from '../layers/layer.js';
import { Activation, Dense, Reshape } from '../layers/core.js';
import { Conv2D, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D } from '../layers/conv.js';
import { AveragePooling2D, MaxPooling2D } from '../layers/pooling.js';
import { BatchNormalization } from '../layers/normalization.js';
import { Concatenate } from '../layers/merge.js';
import { Permute } from '../layers/permute.js';
import { Embedding } from '../layers/embedding.js';
import { LayerNormalization } from '../layers/layer_normalization.js';
import type { TimeDistributed } from '../layers/wrappers.js';
import type { OnnxOp } from './op_layer.js';
import { float, nchwAxis, padded, unpadded, XVal, type Form, type OnnxWriter } from './export_writer.js';
import { hwcmToDepthwise, hwioToOihw, rowsHwcToChw, values } from './export_weights.js';
import { activate, EXPORTED_ACTIVATIONS } from './export_activations.js';
import { emitOnnxOp, ONNX_OPS } from './export_onnx_op.js';
import { explicitPads } from './export_pads.js';
import { SEQUENCE_EXPORTS } from './export_sequence.js';
import { ATTENTION_EXPORTS } from './export_attention.js';

const addPads = (a: number[], b: number[]) => a.map((p, i) => p + b[i]);

/** Conv attributes (extra: the pads of a zero padding before it). */
function convAttrs(l: Conv2D | DepthwiseConv2D, shape: SymbolicShape, group: number, extra: number[]) {
  return { kernel_shape: l.kernelSize, strides: l.strides, dilations: l.dilationRate, group,
    pads: addPads(explicitPads(l, shape, l.kernelSize, l.dilationRate), extra) };
}

// ---- handlers -------------------------------------------------------------------------------

export interface LayerExport {
  /** Why this layer cannot be exported (its config alone), or null. */
  check?(layer: Layer): string | null;
  /** call: the node's recorded call options (useCausalMask, ...). */
  emit(w: OnnxWriter, layer: Layer, ins: XVal[], out: SymbolicShape, call?: Record<string, unknown>): XVal;
}

const withActivation = (l: Layer & { activation: string }) =>
  (EXPORTED_ACTIVATIONS.includes(l.activation) ? null : `activation ${l.activation} cannot be exported`);

/** The form an op over the last axis alone reads x in: a time-major sequence as it is, else Lepton's. */
const lastAxisForm = (x: XVal): Form => (x.preferred() === 'tnc' ? 'tnc' : 'keras');

/** A Dense on a rank-2 input: Gemm, reading a flattened NCHW value with the kernel rows permuted. */
function emitDense(w: OnnxWriter, l: Dense, x: XVal, out: SymbolicShape): XVal {
  let kernel = values(l.kernel!);
  const [k, n] = l.kernel!.shape;
  const bias = l.bias === null ? [] : [w.floats(`${l.name}/bias`, [n], values(l.bias))];
  let y: string;
  let outForm: Form = 'keras';
  if (x.rank === 2) {
    const form = x.preferred() === 'chwFlat' ? 'chwFlat' : 'keras';
    if (form === 'chwFlat') kernel = rowsHwcToChw(kernel, x.hwc!, n);
    y = w.node('Gemm', [w.form(x, form), w.floats(`${l.name}/kernel`, [k, n], kernel), ...bias], l.name);
  } else {
    outForm = lastAxisForm(x);
    const m = w.node('MatMul', [w.form(x, outForm), w.floats(`${l.name}/kernel`, [k, n], kernel)], bias.length > 0 ? `${l.name}_matmul` : l.name);
    y = bias.length > 0 ? w.node('Add', [m, bias[0]], l.name) : m;
  }
  return activate(w, l.activation, XVal.of(outForm, y, out), `${l.name}_${l.activation}`);
}

function emitConv(w: OnnxWriter, l: Conv2D | DepthwiseConv2D, x: XVal, out: SymbolicShape): XVal {
  const { x: source, pads } = unpadded(x, true, l.kernelSize);
  const xn = w.form(source, 'nchw');
  const c = x.shape[3]!;
  let y: string;
  if (l instanceof SeparableConv2D) {
    const dk = l.depthwiseKernel!;
    const mid = w.node('Conv', [xn, w.floats(`${l.name}/depthwise_kernel`, [c * l.depthMultiplier, 1, ...l.kernelSize],
      hwcmToDepthwise(values(dk), dk.shape))], `${l.name}_depthwise`, convAttrs(l, x.shape, c, pads));
    const pk = l.pointwiseKernel!;
    y = w.node('Conv', [mid, w.floats(`${l.name}/pointwise_kernel`, [l.filters, pk.shape[2], 1, 1], hwioToOihw(values(pk), pk.shape)),
      ...(l.bias ? [w.floats(`${l.name}/bias`, [l.filters], values(l.bias))] : [])], l.name, { kernel_shape: [1, 1] });
  } else if (l instanceof DepthwiseConv2D) {
    const dk = l.depthwiseKernel!;
    y = w.node('Conv', [xn, w.floats(`${l.name}/depthwise_kernel`, [c * l.depthMultiplier, 1, ...l.kernelSize],
      hwcmToDepthwise(values(dk), dk.shape)), ...(l.bias ? [w.floats(`${l.name}/bias`, [l.bias.size], values(l.bias))] : [])],
    l.name, convAttrs(l, x.shape, c, pads));
  } else {
    const k = l.kernel!;
    y = w.node('Conv', [xn, w.floats(`${l.name}/kernel`, [k.shape[3], k.shape[2], k.shape[0], k.shape[1]], hwioToOihw(values(k), k.shape)),
      ...(l.bias ? [w.floats(`${l.name}/bias`, [l.filters], values(l.bias))] : [])], l.name, convAttrs(l, x.shape, 1, pads));
  }
  return activate(w, l.activation, XVal.of('nchw', y, out), `${l.name}_${l.activation}`);
}

function emitPool(w: OnnxWriter, l: MaxPooling2D, x: XVal, out: SymbolicShape): XVal {
  const isMax = l.className === 'MaxPooling2D';
  const { x: source, pads } = isMax ? unpadded(x, false, l.poolSize) : { x, pads: [0, 0, 0, 0] };
  const attrs = { kernel_shape: l.poolSize, strides: l.strides, pads: addPads(explicitPads(l, x.shape, l.poolSize, [1, 1]), pads),
    ...(isMax ? {} : { count_include_pad: 0 }) };
  return XVal.of('nchw', w.node(isMax ? 'MaxPool' : 'AveragePool', [w.form(source, 'nchw')], l.name, attrs), out);
}

/** Global pools: ONNX keeps [N, C, 1, 1]; Keras gives [N, C]. */
function emitGlobalPool(w: OnnxWriter, l: Layer, x: XVal, out: SymbolicShape): XVal {
  const op = l.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool';
  const pooled = w.node(op, [w.form(x, 'nchw')], `${l.name}_keepdims`);
  return XVal.of('keras', w.node('Flatten', [pooled], l.name, { axis: 1 }), out);
}

/** Inference batch normalization: ONNX's op over the channels (rank 4 NCHW, rank 2), else Mul + Add. */
function emitBatchNorm(w: OnnxWriter, l: BatchNormalization, x: XVal, out: SymbolicShape): XVal {
  const c = l.movingMean!.size;
  const gamma = l.gamma ? values(l.gamma) : new Float32Array(c).fill(1), beta = l.beta ? values(l.beta) : new Float32Array(c);
  const mean = values(l.movingMean!), variance = values(l.movingVariance!);
  if (x.rank === 4 || x.rank === 2) {
    const form: Form = x.rank === 4 ? 'nchw' : x.preferred() === 'chwFlat' ? 'chwFlat' : 'keras';
    const p = (v: Float32Array) => (form === 'chwFlat' ? rowsHwcToChw(v, x.hwc!, 1) : v);
    const y = w.node('BatchNormalization', [w.form(x, form), ...[gamma, beta, mean, variance].map((v, i) =>
      w.floats(`${l.name}/${['gamma', 'beta', 'moving_mean', 'moving_variance'][i]}`, [v.length], p(v)))], l.name, { epsilon: float(l.epsilon) });
    return XVal.of(form, y, out, x.hwc);
  }
  const scale = gamma.map((g, i) => g / Math.sqrt(variance[i] + l.epsilon));
  const shift = beta.map((b, i) => b - mean[i] * scale[i]);
  const y = w.node('Mul', [w.form(x, 'keras'), w.floats(`${l.name}/scale`, [c], scale)], `${l.name}_scale`);
  return XVal.of('keras', w.node('Add', [y, w.floats(`${l.name}/shift`, [c], shift)], l.name), out);
}

/** Element-wise merges (Add, Subtract, Multiply): in a form every input can take. */
function emitMerge(op: string) {
  return (w: OnnxWriter, l: Layer, ins: XVal[], out: SymbolicShape): XVal => {
    const sameHwc = ins.every((v) => v.hwc !== undefined && ins[0].hwc!.every((d, i) => d === v.hwc![i]));
    let form = ins[0].preferred();
    if (!ins.every((v) => v.canHave(form)) || (form === 'chwFlat' && !sameHwc)) form = 'keras';
    let y = w.form(ins[0], form);
    ins.slice(1).forEach((v, i) => { y = w.node(op, [y, w.form(v, form)], i === ins.length - 2 ? l.name : `${l.name}_${i}`); });
    return XVal.of(form, y, out, sameHwc ? ins[0].hwc : undefined);
  };
}

function emitConcat(w: OnnxWriter, l: Concatenate, ins: XVal[], out: SymbolicShape): XVal {
  const rank = ins[0].rank;
  const axis = l.axis < 0 ? l.axis + rank : l.axis;
  const form: Form = rank === 4 && ins[0].preferred() === 'nchw' ? 'nchw' : 'keras';
  return XVal.of(form, w.node('Concat', ins.map((v) => w.form(v, form)), l.name, { axis: form === 'nchw' ? nchwAxis(axis) : axis }), out);
}

/** A Flatten of a rank-4 value is lazy: read in (c, h, w) order by a Dense, or in Lepton's order. */
function emitFlatten(w: OnnxWriter, l: Layer, x: XVal, out: SymbolicShape): XVal {
  if (x.rank === 2) return x;
  if (x.rank === 4) {
    const [, h, wd, c] = x.shape as number[];
    // One channel, or a 1x1 grid: both orders are the same, the NCHW form flattens as it is.
    if ((c === 1 || h * wd === 1) && x.forms.has('nchw')) return XVal.of('keras', w.node('Flatten', [x.forms.get('nchw')!], l.name, { axis: 1 }), out);
    return new XVal(out, [h, wd, c], x);
  }
  return XVal.of('keras', w.node('Flatten', [w.form(x, 'keras')], l.name, { axis: 1 }), out);
}

/** Permute [2, 3, 1] of a rank-4 value is its NCHW → NHWC view (and [3, 1, 2] the reverse): no node. */
function emitPermute(w: OnnxWriter, l: Permute, x: XVal, out: SymbolicShape): XVal {
  const is = (d: number[]) => d.every((v, i) => l.dims[i] === v);
  if (x.rank === 4 && is([2, 3, 1]) && x.forms.has('keras')) return XVal.of('nchw', x.forms.get('keras')!, out);
  if (x.rank === 4 && is([3, 1, 2]) && x.forms.has('nchw')) return XVal.of('keras', x.forms.get('nchw')!, out);
  return XVal.of('keras', w.node('Transpose', [w.form(x, 'keras')], l.name, { perm: [0, ...l.dims] }), out);
}

function emitEmbedding(w: OnnxWriter, l: Embedding, x: XVal, out: SymbolicShape): XVal {
  let ids = w.form(x, 'keras');
  // float ids (Lepton accepts whole-number floats) become int32 for Gather
  if (!x.int) ids = w.node('Cast', [ids], `${l.name}_ids`, { to: 6 });
  const table = w.floats(`${l.name}/embeddings`, [l.inputDim, l.outputDim], values(l.embeddings!));
  return XVal.of('keras', w.node('Gather', [table, ids], l.name, { axis: 0 }), out);
}

function emitLayerNorm(w: OnnxWriter, l: LayerNormalization, x: XVal, out: SymbolicShape): XVal {
  const n = x.shape[x.rank - 1]!;
  const gamma = w.floats(`${l.name}/gamma`, [n], l.gamma ? values(l.gamma) : new Float32Array(n).fill(1));
  const beta = l.beta ? [w.floats(`${l.name}/beta`, [n], values(l.beta))] : [];
  const form = lastAxisForm(x);
  return XVal.of(form, w.node('LayerNormalization', [w.form(x, form), gamma, ...beta], l.name,
    { axis: -1, epsilon: float(l.epsilon) }), out);
}

const one = (f: (w: OnnxWriter, l: never, x: XVal, out: SymbolicShape) => XVal): LayerExport['emit'] =>
  (w, l, ins, out) => f(w, l as never, ins[0], out);

/** Every exportable layer class, by className. */
export const LAYER_EXPORTS: Record<string, LayerExport> = {
  Dense: { check: (l) => withActivation(l as Dense), emit: one(emitDense) },
  Conv2D: { check: (l) => withActivation(l as Conv2D), emit: one(emitConv) },
  DepthwiseConv2D: { check: (l) => withActivation(l as Conv2D), emit: one(emitConv) },
  SeparableConv2D: { check: (l) => withActivation(l as Conv2D), emit: one(emitConv) },
  MaxPooling2D: { emit: one(emitPool) },
  AveragePooling2D: { emit: one(emitPool) },
  GlobalAveragePooling2D: { emit: one(emitGlobalPool) },
  GlobalMaxPooling2D: { emit: one(emitGlobalPool) },
  BatchNormalization: { emit: one(emitBatchNorm) },
  Activation: { check: (l) => withActivation(l as Activation), emit: one((w, l: Activation, x) => activate(w, l.activation, x, l.name)) },
  Add: { emit: emitMerge('Add') },
  Subtract: { emit: emitMerge('Sub') },
  Multiply: { emit: emitMerge('Mul') },
  Concatenate: { emit: (w, l, ins, out) => emitConcat(w, l as Concatenate, ins, out) },
  Flatten: { emit: one(emitFlatten) },
  Reshape: { emit: one((w, l: Reshape, x, out) =>
    XVal.of('keras', w.node('Reshape', [w.form(x, 'keras'), w.int64s(`${l.name}/shape`, [0, ...l.targetShape])], l.name), out)) },
  Dropout: { emit: one((_w, _l, x) => x) },
  ZeroPadding2D: { emit: one((_w, l: ZeroPadding2D, x, out) => {
    const [[t, b], [left, r]] = l.padding;
    return padded(x, out, [t, left, b, r], 0);
  }) },
  Permute: { emit: one(emitPermute) },
  Embedding: { emit: one(emitEmbedding) },
  LayerNormalization: { emit: one(emitLayerNorm) },
  TimeDistributed: { check: (l) => timeDistributedProblem((l as TimeDistributed).layer),
    emit: (w, l, ins, out) => LAYER_EXPORTS[(l as TimeDistributed).layer.className].emit(w, (l as TimeDistributed).layer, ins, out) },
  ...SEQUENCE_EXPORTS,
  ...ATTENTION_EXPORTS,
  OnnxOp: { check: (l) => (ONNX_OPS.includes((l as OnnxOp).op) ? null : `OnnxOp op '${(l as OnnxOp).op}' cannot be exported`),
    emit: (w, l, ins, out) => emitOnnxOp(w, l as OnnxOp, ins, out) },
};

/**
 * TimeDistributed over layers that act on the last axis alone: the inner layer's own export runs
 * on the whole [batch, time, ...] value (a Dense as MatMul on the last axis), no fold needed.
 */
const TIME_DISTRIBUTED = ['Dense', 'Activation', 'Dropout'];
function timeDistributedProblem(inner: Layer): string | null {
  if (!TIME_DISTRIBUTED.includes(inner.className)) return `TimeDistributed(${inner.className}) cannot be exported (only ${TIME_DISTRIBUTED.join(', ')})`;
  return layerProblem(inner);
}

/** Why a layer cannot be exported, or null. */
export function layerProblem(layer: Layer): string | null {
  if (!Object.hasOwn(LAYER_EXPORTS, layer.className)) return 'not supported';
  if (layer.kernelTransform !== null) return 'has a kernel transform (quantization-aware training): convert it with quantize() first';
  if (!layer.built) return 'is not built';
  return LAYER_EXPORTS[layer.className].check?.(layer) ?? null;
}

/** The layer class names toOnnx can export. */
export const EXPORTED_LAYERS = Object.keys(LAYER_EXPORTS).sort();
