// From a LayersModel's graph (nodes in execution order) to the steps of a QuantizedModel: which
// layers run in int8 (Dense, Conv2D, DepthwiseConv2D with linear / relu / relu6 fused, pooling,
// Flatten / Reshape / Dropout, BatchNormalization folded into the conv or dense before it, a
// relu / relu6 Activation layer fused into the conv or dense (or folded BatchNormalization) before it,
// two-input Add with a ReLU / ReLU6 after it fused, ZeroPadding2D folded into the conv after it,
// see plan_fuse.ts; a Permute of the float input runs before its quantize), where
// a quantize or dequantize goes, and which layers fall back to f32 (and why).
import { tidy, type Tensor } from '../tensor.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { sqrt } from '../ops/unary.js';
import { reshape } from '../ops/creation.js';
import { convInfo } from '../ops/conv_util.js';
import type { LayersModel } from '../models/model.js';
import type { Layer, LayerNode, SymbolicTensor } from '../layers/layer.js';
import { Conv2D, DepthwiseConv2D, SeparableConv2D } from '../layers/conv.js';
import { Activation, Dense, Dropout, Flatten, Reshape } from '../layers/core.js';
import { Add } from '../layers/merge.js';
import { Permute } from '../layers/permute.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from '../layers/pooling.js';
import { BatchNormalization } from '../layers/normalization.js';
import { addMultipliers, affineParams, type QParams } from './params.js';
import { findFusions } from './plan_fuse.js';
import { quantizeWeights, type ConvGeom } from './kernels.js';
import type { Step, MatStep } from './steps.js';

export type Mode = 'int8' | 'dynamic';
const FUSABLE = new Set(['linear', 'relu', 'relu6']);
/** The int8 kernels' largest reduction (assembly/kernels/int8/qgemm.ts MAX_K). */
export const MAX_K = 65536;

/** A layer the int8 kernels run as a GEMM-like op: Dense, Conv2D, DepthwiseConv2D (not the separable one). */
function isMatLayer(l: Layer | undefined): l is Dense | Conv2D | DepthwiseConv2D {
  return l instanceof Dense || l instanceof Conv2D || (l instanceof DepthwiseConv2D && !(l instanceof SeparableConv2D));
}

/** Inputs per output of a conv / dense layer (the GEMM's K; taps for a depthwise one). */
function matK(l: Dense | Conv2D | DepthwiseConv2D): number {
  const w = l instanceof DepthwiseConv2D ? l.depthwiseKernel! : l.kernel!;
  return l instanceof Dense ? w.shape[0] : l instanceof DepthwiseConv2D ? w.shape[0] * w.shape[1] : w.shape[0] * w.shape[1] * w.shape[2];
}

interface Value { slot: number; q: boolean; qp?: QParams; shape: number[] }

export interface Plan { steps: Step[]; slots: number; inputShape: number[]; output: number; fallbacks: string[] }

/** The model's nodes (LayersModel keeps them protected; the planner reads them in order). */
export const nodesOf = (model: LayersModel): readonly LayerNode[] => model.graphNodes;

const dims = (s: SymbolicTensor): number[] => s.shape.slice(1) as number[];

/** Geometry of a conv or pooling window on an input of shape [h, w, c] (no batch). */
function geometry(name: string, shape: number[], k: [number, number], strides: [number, number],
    dilations: [number, number], padding: 'same' | 'valid'): ConvGeom {
  const [h, w, c] = shape;
  const g = convInfo(name, [1, h, w, c], [k[0], k[1]], k[0], k[1], strides, dilations, padding);
  return { kh: k[0], kw: k[1], sh: strides[0], sw: strides[1], dh: dilations[0], dw: dilations[1], pt: g.padTop,
    pl: g.padLeft, h, w, c, oh: g.outH, ow: g.outW };
}

/** Kernel and bias of a conv / dense layer with a BatchNormalization after it folded in. */
function foldedWeights(layer: Dense | Conv2D | DepthwiseConv2D, bn: BatchNormalization | null): { w: Tensor; b: Tensor | null } {
  const w = layer instanceof DepthwiseConv2D ? layer.depthwiseKernel! : layer.kernel!;
  if (bn === null) return { w, b: layer.bias };
  const n = w.shape[w.rank - 1] * (layer instanceof DepthwiseConv2D ? w.shape[2] : 1);
  return tidy(() => {
    let s = div(bn.gamma ?? 1, sqrt(add(bn.movingVariance!, bn.epsilon)));
    const beta = bn.beta ?? 0;
    const b = add(mul(sub(layer.bias ?? 0, bn.movingMean!), s), beta);
    if (layer instanceof DepthwiseConv2D) s = reshape(s, [w.shape[2], w.shape[3]]);
    return { w: mul(w, s), b: n === b.size ? b : reshape(b, [n]) };
  });
}

export function plan(model: LayersModel, mode: Mode, ranges: Map<number, [number, number]> | null): Plan {
  const nodes = nodesOf(model);
  const steps: Step[] = [];
  const fallbacks: string[] = [];
  const values = new Map<number, Value>();
  const converted = new Map<string, Value>();
  let slots = 0;
  const input = model.inputs[0];
  values.set(input.id, { slot: slots++, q: false, shape: dims(input) });
  const consumers = new Map<number, number>();
  for (const nd of nodes) for (const s of nd.inputs) consumers.set(s.id, (consumers.get(s.id) ?? 0) + 1);
  const isOutput = (s: SymbolicTensor) => model.outputs.some((o) => o.id === s.id);

  const rangeQp = (s: SymbolicTensor): QParams => {
    const r = ranges?.get(s.id);
    if (r === undefined) throw new Error(`quantize: no calibration range for ${s.name}`);
    return affineParams(r[0], r[1]);
  };
  const asQ = (s: SymbolicTensor): Value => {
    const v = values.get(s.id)!;
    if (v.q) return v;
    const key = `q${s.id}`;
    if (!converted.has(key)) {
      const qv: Value = { slot: slots++, q: true, qp: rangeQp(s), shape: v.shape };
      steps.push({ op: 'quantize', layer: s.name, in: v.slot, out: qv.slot, qp: qv.qp! });
      converted.set(key, qv);
    }
    return converted.get(key)!;
  };
  const asF = (s: SymbolicTensor): Value => {
    const v = values.get(s.id)!;
    if (!v.q) return v;
    const key = `f${s.id}`;
    if (!converted.has(key)) {
      const fv: Value = { slot: slots++, q: false, shape: v.shape };
      steps.push({ op: 'dequantize', layer: s.name, in: v.slot, out: fv.slot });
      converted.set(key, fv);
    }
    return converted.get(key)!;
  };
  const fallback = (nd: LayerNode, why: string): void => {
    fallbacks.push(`${nd.layer.name} (${nd.layer.className}): ${why}`);
    const ins = nd.inputs.map((s) => asF(s).slot);
    const out = { slot: slots++, q: false, shape: dims(nd.outputs[0]) };
    steps.push({ op: 'layer', layer: nd.layer.name, in: ins, out: out.slot, node: nd });
    values.set(nd.outputs[0].id, out);
  };

  // BatchNormalization right after a linear conv / dense that feeds nothing else: folded.
  const foldInto = new Map<LayerNode, LayerNode>();
  const folded = new Set<LayerNode>();
  for (const nd of nodes) {
    if (!(nd.layer instanceof BatchNormalization) || nd.inputs.length !== 1) continue;
    const prev = nodes.find((p) => p.outputs[0].id === nd.inputs[0].id);
    const l = prev?.layer;
    if (prev && isMatLayer(l) &&
        l.activation === 'linear' && consumers.get(nd.inputs[0].id) === 1 && !isOutput(nd.inputs[0]) && mode === 'int8') {
      foldInto.set(prev, nd);
      folded.add(nd);
    }
  }

  // An Activation layer (relu / relu6 / linear, or the output's softmax) right after a linear conv or dense (or after the
  // BatchNormalization folded into one), the only reader of its input: fused into that layer's
  // output stage, as Keras models write Conv2D → BatchNormalization → Activation('relu').
  const actInto = new Map<LayerNode, LayerNode>();
  if (mode === 'int8') {
    for (const nd of nodes) {
      // (a final softmax too: it then runs in f32 after the dequantize, as a Dense's own does)
      const act = nd.layer instanceof Activation ? nd.layer.activation : null;
      if (act === null || nd.inputs.length !== 1 || !(FUSABLE.has(act) || (act === 'softmax' && isOutput(nd.outputs[0])))) continue;
      const src = nd.inputs[0];
      const prev = nodes.find((p) => p.outputs[0].id === src.id);
      const mat = prev !== undefined && folded.has(prev) ? nodes.find((p) => foldInto.get(p) === prev) : prev;
      const l = mat?.layer;
      if (mat === undefined || !isMatLayer(l)) continue;
      if (l.activation !== 'linear' || consumers.get(src.id) !== 1 || isOutput(src)) continue;
      actInto.set(mat, nd);
    }
  }
  const fusedActs = new Set(actInto.values());

  // ZeroPadding2D folded into the conv after it, ReLU / ReLU6 into the Add before it (int8 only)
  const fusions = mode === 'int8' ? findFusions(nodes, isOutput, (l) => matK(l) <= MAX_K) : null;

  for (const nd of nodes) {
    const layer: Layer = nd.layer;
    if (folded.has(nd) || fusedActs.has(nd) || fusions?.skipped.has(nd)) continue;
    const inSym = nd.inputs[0];
    if (mode === 'int8' && layer instanceof Add && nd.inputs.length === 2) {
      const act = fusions!.addActivation.get(nd);
      const outSym = act?.outputs[0] ?? nd.outputs[0];
      const shape = dims(outSym);
      const same = nd.inputs.every((s) => dims(s).length === shape.length && dims(s).every((d, i) => d === shape[i]));
      const a = same ? asQ(nd.inputs[0]) : null, b = same ? asQ(nd.inputs[1]) : null;
      const outQ = rangeQp(outSym);
      let fits = same;
      try { if (same) addMultipliers(a!.qp!.scale / outQ.scale, b!.qp!.scale / outQ.scale); } catch { fits = false; }
      if (!fits) {
        fallback(nd, same ? 'output range too narrow for its inputs\' (int8 requantization), runs in f32' : 'broadcasting add, runs in f32');
        if (act !== undefined) fallback(act, 'after an f32 add');
        continue;
      }
      const activation = act === undefined ? 'linear' : (act.layer as Activation).activation as 'relu' | 'relu6';
      const out: Value = { slot: slots++, q: true, qp: outQ, shape };
      steps.push({ op: 'add', layer: layer.name, in: [a!.slot, b!.slot], out: out.slot, aQ: a!.qp!, bQ: b!.qp!, outQ, activation, shape });
      values.set(outSym.id, out);
      continue;
    }
    if (nd.inputs.length !== 1 || nd.listInput) { fallback(nd, 'several inputs'); continue; }
    const bnNode = foldInto.get(nd) ?? null;
    const actNode = actInto.get(nd) ?? null;
    const outSym = actNode !== null ? actNode.outputs[0] : bnNode !== null ? bnNode.outputs[0] : nd.outputs[0];
    const isMat = isMatLayer(layer);
    const tooDeep = isMat && matK(layer) > MAX_K;
    if (tooDeep) { fallback(nd, `more than ${MAX_K} inputs per output (int32 accumulation), runs in f32`); continue; }
    if (isMat && (mode === 'int8' || !(layer instanceof DepthwiseConv2D))) {
      const l = layer as Dense | Conv2D | DepthwiseConv2D;
      const activation = actNode !== null ? (actNode.layer as Activation).activation : l.activation;
      const pad = fusions?.pads.get(inSym.id);
      const x = mode === 'int8' ? asQ(pad?.src ?? inSym) : values.get(inSym.id)!;
      const inShape = pad !== undefined ? dims(inSym) : x.shape;
      // int8 out when the next layers take int8: not for the model's output, a non-fusable
      // activation, or dynamic mode (f32 activations between layers)
      const fused = FUSABLE.has(activation);
      let outQ = mode === 'int8' && fused && !isOutput(outSym) ? rangeQp(outSym) : null;
      const { w, b } = foldedWeights(l, bnNode === null ? null : bnNode.layer as BatchNormalization);
      let k: number, n: number, geom: ConvGeom | undefined, depthMultiplier = 0;
      if (l instanceof Dense) {
        [k, n] = [w.shape[0], w.shape[1]];
      } else {
        geom = geometry(`${l.name} (${l.className})`, inShape, l.kernelSize, l.strides, l.dilationRate, l.padding);
        // a folded ZeroPadding2D: the conv reads the unpadded image with the padding added to its own
        if (pad !== undefined) geom = { ...geom, h: x.shape[0], w: x.shape[1], pt: geom.pt + pad.top, pl: geom.pl + pad.left };
        if (l instanceof DepthwiseConv2D) {
          depthMultiplier = l.depthMultiplier;
          [k, n] = [w.shape[0] * w.shape[1], w.shape[2] * w.shape[3]];
        } else {
          [k, n] = [w.shape[0] * w.shape[1] * w.shape[2], w.shape[3]];
        }
      }
      const { q, scale } = quantizeWeights(`quantize: ${l.name}`, w, k, n);
      // the requantization needs sx·sw[c] / sy < 1; otherwise this layer writes f32 and a
      // quantize follows (rare: an output range much narrower than its input's)
      let requantizeAfter: QParams | null = null;
      if (outQ !== null && x.qp !== undefined && scale.some((sw) => (x.qp!.scale * sw) / outQ!.scale >= 0.999)) {
        requantizeAfter = outQ;
        outQ = null;
      }
      const bias = b === null ? new Float32Array(n) : (b.dataSync() as Float32Array);
      if (bnNode !== null) { w.dispose(); b?.dispose(); }
      const op = l instanceof Dense ? 'dense' : depthMultiplier > 0 ? 'depthwise' : 'conv2d';
      const outShape = l instanceof Dense ? [...inShape.slice(0, -1), n] : [geom!.oh, geom!.ow, n];
      const out: Value = { slot: slots++, q: outQ !== null, qp: outQ ?? undefined, shape: outShape };
      const step: MatStep = { op, layer: l.name, in: x.slot, out: out.slot, k, n, geom, depthMultiplier,
        activation: fused ? activation as MatStep['activation'] : 'linear', inQ: mode === 'int8' ? x.qp! : null, outQ,
        wq: q, scale, bias, weightShape: [...w.shape] };
      steps.push(step);
      values.set(outSym.id, out);
      if (requantizeAfter !== null) {
        const qv: Value = { slot: slots++, q: true, qp: requantizeAfter, shape: outShape };
        steps.push({ op: 'quantize', layer: l.name, in: out.slot, out: qv.slot, qp: requantizeAfter });
        values.set(outSym.id, qv);
        continue;
      }
      if (!fused) {
        // a final softmax runs in f32 after the dequantize by design; anything else is a fallback
        if (mode === 'int8' && !(activation === 'softmax' && isOutput(outSym))) {
          fallbacks.push(`${l.name} (${l.className}): activation ${activation} runs in f32`);
        }
        const act = { slot: slots++, q: false, shape: outShape };
        steps.push({ op: 'activation', layer: l.name, in: out.slot, out: act.slot, name: activation });
        values.set(outSym.id, act);
      }
      continue;
    }
    const v = values.get(inSym.id)!;
    if (layer instanceof Dropout) { values.set(nd.outputs[0].id, v); continue; }
    if (layer instanceof Permute && !v.q) {
      // a layout change of a float value (an imported NCHW graph's input), before its quantize
      const out: Value = { slot: slots++, q: false, shape: dims(nd.outputs[0]) };
      steps.push({ op: 'permute', layer: layer.name, in: v.slot, out: out.slot, dims: [...layer.dims], shape: out.shape });
      values.set(nd.outputs[0].id, out);
      continue;
    }
    if (layer instanceof Flatten || layer instanceof Reshape) {
      const out: Value = { ...v, slot: slots++, shape: dims(nd.outputs[0]) };
      steps.push({ op: 'reshape', layer: layer.name, in: v.slot, out: out.slot, shape: out.shape });
      values.set(nd.outputs[0].id, out);
      continue;
    }
    const pool = layer instanceof MaxPooling2D || layer instanceof AveragePooling2D;
    if (mode === 'int8' && (pool || layer instanceof GlobalAveragePooling2D)) {
      const x = asQ(inSym);
      const [h, w] = x.shape;
      const g = pool
        ? geometry(`${layer.name} (${layer.className})`, x.shape, (layer as MaxPooling2D).poolSize, (layer as MaxPooling2D).strides, [1, 1],
          (layer as MaxPooling2D).padding)
        : geometry(`${layer.name} (${layer.className})`, x.shape, [h, w], [1, 1], [1, 1], 'valid');
      const out: Value = { slot: slots++, q: true, qp: x.qp, shape: dims(nd.outputs[0]) };
      steps.push({ op: layer instanceof MaxPooling2D ? 'maxpool' : 'avgpool', layer: layer.name, in: x.slot, out: out.slot, geom: g,
        shape: out.shape });
      values.set(nd.outputs[0].id, out);
      continue;
    }
    if (mode === 'dynamic' && (pool || layer instanceof GlobalAveragePooling2D)) {
      const l = layer as MaxPooling2D;
      const out: Value = { slot: slots++, q: false, shape: dims(nd.outputs[0]) };
      steps.push({ op: 'pool_f32', layer: layer.name, in: v.slot, out: out.slot, shape: out.shape,
        kind: layer instanceof MaxPooling2D ? 'max' : pool ? 'avg' : 'global', poolSize: pool ? l.poolSize : [1, 1],
        strides: pool ? l.strides : [1, 1], padding: pool ? l.padding : 'valid' });
      values.set(nd.outputs[0].id, out);
      continue;
    }
    if (mode === 'dynamic') {
      // dynamic mode quantizes only the weights of Dense and Conv2D; the rest is plain f32
      const ins = nd.inputs.map((s) => asF(s).slot);
      const out = { slot: slots++, q: false, shape: dims(nd.outputs[0]) };
      steps.push({ op: 'layer', layer: layer.name, in: ins, out: out.slot, node: nd });
      values.set(nd.outputs[0].id, out);
      continue;
    }
    fallback(nd, layer instanceof BatchNormalization ? 'not after a linear conv or dense, runs in f32' : 'no int8 kernel, runs in f32');
  }
  const output = asF(model.outputs[0]).slot;
  return { steps, slots, inputShape: dims(input), output, fallbacks };
}
