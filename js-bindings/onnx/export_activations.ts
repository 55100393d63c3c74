// Lepton's activations as ONNX nodes (export_layers.ts, export_int8.ts): element-wise ones run on
// whatever form their input has; softmax and logSoftmax over one Lepton axis, mapped to the form.
import { float, formAxes, XVal, type Form, type OnnxWriter } from './export_writer.js';

const SELU_ALPHA = 1.6732632423543772, SELU_GAMMA = 1.0507009873554805;

/** Element-wise activations (any form, any rank): input name → output name. */
const ELEMENTWISE: Record<string, (w: OnnxWriter, x: string, out: string) => string> = {
  relu: (w, x, o) => w.node('Relu', [x], o),
  relu6: (w, x, o) => w.node('Clip', [x, w.scalar(0), w.scalar(6)], o),
  leakyrelu: (w, x, o) => w.node('LeakyRelu', [x], o, { alpha: float(0.2) }),
  elu: (w, x, o) => w.node('Elu', [x], o, { alpha: float(1) }),
  sigmoid: (w, x, o) => w.node('Sigmoid', [x], o),
  tanh: (w, x, o) => w.node('Tanh', [x], o),
  // Lepton's gelu is the exact form, 0.5·x·(1 + erf(x/√2)) (ONNX's Gelu op needs opset 20).
  gelu: (w, x, o) => w.node('Mul', [w.node('Mul', [x, w.scalar(0.5)], `${o}_half`),
    w.node('Add', [w.node('Erf', [w.node('Mul', [x, w.scalar(Math.SQRT1_2)], `${o}_scaled`)], `${o}_erf`), w.scalar(1)], `${o}_1erf`)], o),
  selu: (w, x, o) => w.node('Selu', [x], o, { alpha: float(SELU_ALPHA), gamma: float(SELU_GAMMA) }),
  softplus: (w, x, o) => w.node('Softplus', [x], o),
  softsign: (w, x, o) => w.node('Softsign', [x], o),
  swish: (w, x, o) => w.node('Mul', [x, w.node('Sigmoid', [x], `${o}_sigmoid`)], o),
  mish: (w, x, o) => w.node('Mul', [x, w.node('Tanh', [w.node('Softplus', [x], `${o}_softplus`)], `${o}_tanh`)], o),
  hardsigmoid: (w, x, o) => w.node('HardSigmoid', [x], o, { alpha: float(0.2), beta: float(0.5) }),
};
const OVER_AXIS: Record<string, string> = { softmax: 'Softmax', logsoftmax: 'LogSoftmax' };

export const EXPORTED_ACTIVATIONS = ['linear', ...Object.keys(ELEMENTWISE), ...Object.keys(OVER_AXIS)];

/** One input-shaped node on x in the form it prefers; the output keeps that form. */
export function sameForm(w: OnnxWriter, x: XVal, make: (name: string, form: Form) => string): XVal {
  const form = x.preferred();
  return XVal.of(form, make(w.form(x, form), form), x.shape, x.hwc);
}

/** The ONNX axis of Lepton axis `axis` of x in `form`, or null when that form cannot take it. */
function axisIn(x: XVal, form: Form, axis: number): number | null {
  const a = axis < 0 ? axis + x.rank : axis;
  if (form === 'nchw' || form === 'tnc') return formAxes(form, x.rank).indexOf(a);
  if (form === 'chwFlat') return a === 1 ? 1 : null; // the whole feature axis only (order-free ops)
  return a;
}

/** Softmax / LogSoftmax over one Lepton axis (in the input's form when it can). */
export function overAxis(w: OnnxWriter, op: string, x: XVal, axis: number, out: string): XVal {
  let form = x.preferred();
  if (axisIn(x, form, axis) === null) form = 'keras';
  return XVal.of(form, w.node(op, [w.form(x, form)], out, { axis: axisIn(x, form, axis)! }), x.shape, x.hwc);
}

/** A named activation (tfjs-layers' names, lower-cased) after a layer's output. */
export function activate(w: OnnxWriter, name: string, x: XVal, out: string): XVal {
  if (name === 'linear') return x;
  if (Object.hasOwn(OVER_AXIS, name)) return overAxis(w, OVER_AXIS[name], x, -1, out);
  return sameForm(w, x, (n) => ELEMENTWISE[name](w, n, out));
}
