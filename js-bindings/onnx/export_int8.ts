// An int8 QuantizedModel (quantize/steps.ts) in ONNX's QDQ form: every int8 value becomes
// Clip → QuantizeLinear → DequantizeLinear on the f32 value, with the model's own scale and zero
// point, and convolutions / dense layers read int8 weight initializers through a per-channel
// DequantizeLinear (bias: int32 at scale sx·sw[c] when the output is int8, as the kernels add it).
//
// Lepton's activations are 7-bit, [0, 127] with a zero point in that range; ONNX has no such type,
// so they map to uint8 with the same zero point, and the Clip before each QuantizeLinear limits
// the values to what [0, 127] holds (together with a fused relu / relu6, as the kernels clamp).
// Layers that run in f32 (fallbacks) and activations after a dequantize export as in export_layers.ts.
import type { SymbolicShape } from '../layers/layer.js';
import type { QuantizedModel } from '../quantize/model.js';
import type { MatStep } from '../quantize/steps.js';
import { QMAX, QMIN, type QParams } from '../quantize/params.js';
import { LAYER_EXPORTS, layerProblem } from './export_layers.js';
import { activate, EXPORTED_ACTIVATIONS } from './export_activations.js';
import { encodeModel, graphOutputs, OnnxWriter, XVal, type ExportOptions, type Form, type OnnxWriter as Writer } from './export_writer.js';
import { hwcmToDepthwise, hwioToOihw, rowsHwcToChw } from './export_weights.js';

/** Lines naming every step that cannot be exported (empty when all can). */
export function quantizedProblems(q: QuantizedModel): string[] {
  if (q.mode !== 'int8') return [`mode '${q.mode}': only int8 QuantizedModels export (dynamic mode quantizes each batch at run time)`];
  const lines: string[] = [];
  for (const s of q.steps) {
    if (s.op === 'layer') {
      const why = layerProblem(s.node.layer);
      if (why !== null) lines.push(`${s.layer} (${s.node.layer.className}, f32): ${why}`);
    } else if (s.op === 'activation' && !EXPORTED_ACTIVATIONS.includes(s.name)) {
      lines.push(`${s.layer}: activation ${s.name} cannot be exported`);
    } else if (s.op === 'pool_f32') {
      lines.push(`${s.layer}: f32 pooling (dynamic mode) cannot be exported`);
    }
  }
  return lines;
}

/** The f32 value x (name) through the int8 grid qp: Clip to [lo, hi] ∩ [0, 127]'s range, Q, DQ. */
function qdq(w: Writer, x: string, qp: QParams, out: string, lo = -Infinity, hi = Infinity): string {
  const min = Math.max(lo, (QMIN - qp.zeroPoint) * qp.scale), max = Math.min(hi, (QMAX - qp.zeroPoint) * qp.scale);
  const clipped = w.node('Clip', [x, w.scalar(min), w.scalar(max)], `${out}_clip`);
  const scale = w.scalar(qp.scale), zp = w.uint8s(`${out}/zero_point`, [], [qp.zeroPoint]);
  return w.node('DequantizeLinear', [w.node('QuantizeLinear', [clipped, scale, zp], `${out}_q`), scale, zp], out);
}

/** int8 weights through a per-channel DequantizeLinear (zero points 0) along `axis`. */
function weights(w: Writer, name: string, q: Int8Array, dims: number[], scale: Float32Array, axis: number): string {
  const n = scale.length;
  return w.node('DequantizeLinear', [w.int8s(`${name}/kernel_int8`, dims, q), w.floats(`${name}/kernel_scale`, [n], scale),
    w.int8s(`${name}/kernel_zero_point`, [n], new Int8Array(n))], `${name}/kernel`, { axis });
}

/** The bias as the kernels add it: int32 at scale sx·sw[c] before an int8 output, f32 before a float one. */
function bias(w: Writer, s: MatStep): string {
  if (s.outQ === null) return w.floats(`${s.layer}/bias`, [s.n], s.bias);
  const sx = s.inQ!.scale;
  const scales = Float32Array.from(s.scale, (sw) => sx * sw);
  // as quantize/model.ts stepParams: rounded at scale sx·sw, kept within ±2^30
  const q = Int32Array.from(s.bias, (b, c) => Math.max(-(2 ** 30), Math.min(2 ** 30, Math.round(b / (sx * s.scale[c])))));
  return w.node('DequantizeLinear', [w.int32s(`${s.layer}/bias_int32`, [s.n], q), w.floats(`${s.layer}/bias_scale`, [s.n], scales),
    w.int32s(`${s.layer}/bias_zero_point`, [s.n], new Int32Array(s.n))], `${s.layer}/bias`, { axis: 0 });
}

/** A dense / conv / depthwise step on its (dequantized) input: the f32 op on dequantized weights. */
function matStep(w: Writer, s: MatStep, x: XVal): XVal {
  if (s.op === 'dense') {
    let q = s.wq;
    let form: Form = 'keras';
    if (x.rank === 2 && x.preferred() === 'chwFlat') { form = 'chwFlat'; q = rowsHwcToChw(q, x.hwc!, s.n); }
    const wf = weights(w, s.layer, q, [s.k, s.n], s.scale, 1);
    const shape = [...x.shape.slice(0, -1), s.n];
    if (x.rank === 2) return XVal.of('keras', w.node('Gemm', [w.form(x, form), wf, bias(w, s)], s.layer), shape);
    const m = w.node('MatMul', [w.form(x, 'keras'), wf], `${s.layer}_matmul`);
    return XVal.of('keras', w.node('Add', [m, bias(w, s)], s.layer), shape);
  }
  const g = s.geom!;
  const depthwise = s.op === 'depthwise';
  const oihw = depthwise ? hwcmToDepthwise(s.wq, [g.kh, g.kw, g.c, s.depthMultiplier]) : hwioToOihw(s.wq, [g.kh, g.kw, g.c, s.n]);
  const wf = weights(w, s.layer, oihw, [s.n, depthwise ? 1 : g.c, g.kh, g.kw], s.scale, 0);
  const bottom = Math.max(0, (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.h - g.pt);
  const right = Math.max(0, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.w - g.pl);
  const y = w.node('Conv', [w.form(x, 'nchw'), wf, bias(w, s)], s.layer, { kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw],
    dilations: [g.dh, g.dw], pads: [g.pt, g.pl, bottom, right], group: depthwise ? g.c : 1 });
  return XVal.of('nchw', y, [x.shape[0], g.oh, g.ow, s.n]);
}

export function writeQuantized(model: QuantizedModel, opts: ExportOptions): Uint8Array {
  const w = new OnnxWriter();
  const vals: XVal[] = new Array(model.slots);
  /** The int8 grid of each quantized slot (what a pool or reshape keeps). */
  const grids = new Map<number, QParams>();
  const input = { name: w.name('input'), shape: [null, ...model.inputShape] as SymbolicShape };
  vals[0] = XVal.of('keras', input.name, input.shape);
  for (const s of model.steps) {
    const x = vals[Array.isArray(s.in) ? s.in[0] : s.in];
    switch (s.op) {
      case 'quantize': {
        // images go to NCHW before the quantize (the convolutions after read that form)
        const form: Form = x.rank === 4 ? 'nchw' : x.preferred();
        vals[s.out] = XVal.of(form, qdq(w, w.form(x, form), s.qp, `${s.layer}_quantized`), x.shape, x.hwc);
        grids.set(s.out, s.qp);
        break;
      }
      case 'dequantize': vals[s.out] = x; break;
      case 'dense': case 'conv2d': case 'depthwise': {
        let y = matStep(w, s, x);
        const form = y.preferred();
        const name = y.forms.get(form)!;
        if (s.outQ !== null) {
          const [lo, hi] = s.activation === 'linear' ? [-Infinity, Infinity] : [0, s.activation === 'relu6' ? 6 : Infinity];
          y = XVal.of(form, qdq(w, name, s.outQ, `${s.layer}_out`, lo, hi), y.shape);
          grids.set(s.out, s.outQ);
        } else if (s.activation !== 'linear') {
          y = activate(w, s.activation, y, `${s.layer}_${s.activation}`);
        }
        vals[s.out] = y;
        break;
      }
      case 'maxpool': case 'avgpool': {
        const g = s.geom, qp = grids.get(s.in)!;
        const global = s.shape.length === 1;
        const attrs = { kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw], pads: [g.pt, g.pl,
          Math.max(0, (g.oh - 1) * g.sh + g.kh - g.h - g.pt), Math.max(0, (g.ow - 1) * g.sw + g.kw - g.w - g.pl)],
        ...(s.op === 'avgpool' ? { count_include_pad: 0 } : {}) };
        const pooled = global ? w.node('GlobalAveragePool', [w.form(x, 'nchw')], `${s.layer}_pool`)
          : w.node(s.op === 'maxpool' ? 'MaxPool' : 'AveragePool', [w.form(x, 'nchw')], `${s.layer}_pool`, attrs);
        const y = qdq(w, pooled, qp, s.layer);
        vals[s.out] = global ? XVal.of('keras', w.node('Flatten', [y], `${s.layer}_flat`, { axis: 1 }), [x.shape[0], ...s.shape])
          : XVal.of('nchw', y, [x.shape[0], ...s.shape]);
        grids.set(s.out, qp);
        break;
      }
      case 'reshape': {
        const shape = [x.shape[0], ...s.shape];
        const [, h, wd, c] = x.shape as number[];
        if (x.rank === 4 && s.shape.length === 1) {
          // a Flatten: lazy, as in export_layers.ts (a Dense after it reads the NCHW order)
          vals[s.out] = (c === 1 || h * wd === 1) && x.forms.has('nchw')
            ? XVal.of('keras', w.node('Flatten', [x.forms.get('nchw')!], s.layer, { axis: 1 }), shape) : new XVal(shape, [h, wd, c], x);
        } else {
          vals[s.out] = XVal.of('keras', w.node('Reshape', [w.form(x, 'keras'), w.int64s(`${s.layer}/shape`, [0, ...s.shape])], s.layer), shape);
        }
        if (grids.has(s.in)) grids.set(s.out, grids.get(s.in)!);
        break;
      }
      case 'add': {
        // the f32 Add of both dequantized inputs, then the output grid (with a fused relu / relu6 clamp)
        const ins = s.in.map((i) => vals[i]);
        const sum = LAYER_EXPORTS.Add.emit(w, { name: `${s.layer}_sum` } as never, ins, [...ins[0].shape]);
        const form = sum.preferred();
        const [lo, hi] = s.activation === 'linear' ? [-Infinity, Infinity] : [0, s.activation === 'relu6' ? 6 : Infinity];
        vals[s.out] = XVal.of(form, qdq(w, sum.forms.get(form)!, s.outQ, `${s.layer}_out`, lo, hi), sum.shape, sum.hwc);
        grids.set(s.out, s.outQ);
        break;
      }
      // an f32 Permute before the quantize (an imported model's NCHW input): as the layer exports
      case 'permute': vals[s.out] = LAYER_EXPORTS.Permute.emit(w, { name: s.layer, dims: s.dims } as never, [x], [x.shape[0], ...s.shape]); break;
      case 'activation': vals[s.out] = activate(w, s.name, x, `${s.layer}_${s.name}`); break;
      case 'layer': {
        const l = s.node.layer;
        try {
          const ins = s.in.map((i) => vals[i]);
          // a loaded model's step nodes keep no symbolic tensors: the shape from the layer
          const shape = l.computeOutputShape(s.node.listInput ? ins.map((v) => v.shape) : ins[0].shape);
          vals[s.out] = LAYER_EXPORTS[l.className].emit(w, l, ins, shape);
        } catch (e) {
          const msg = (e as Error).message;
          throw new Error(msg.startsWith('toOnnx:') ? msg : `toOnnx: ${l.name} (${l.className}): ${msg}`);
        }
        break;
      }
      case 'pool_f32': throw new Error('toOnnx: internal: f32 pooling in an int8 model');
    }
  }
  const outputs = graphOutputs(w, [{ v: vals[model.output], name: 'output' }]);
  return encodeModel(w, [input], outputs, opts, model.name);
}
