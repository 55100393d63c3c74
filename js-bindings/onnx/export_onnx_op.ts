// OnnxOp layers (what fromOnnx makes for ONNX ops with no Keras layer) back to their ONNX ops, in
// the form their input has where the op allows it (a constant operand is transposed to match).
import type { SymbolicShape } from '../layers/layer.js';
import type { OnnxOp } from './op_layer.js';
import { overAxis, sameForm } from './export_activations.js';
import { float, NHWC_TO_NCHW, padded, XVal, type Form, type OnnxWriter } from './export_writer.js';
import { values } from './export_weights.js';

type OpAttrs = Record<string, number | number[] | number[][]>;
const ONNX_UNARY: Record<string, (w: OnnxWriter, x: string, o: string, a: OpAttrs) => string> = {
  leakyRelu: (w, x, o, a) => w.node('LeakyRelu', [x], o, { alpha: float(a.alpha as number) }),
  elu: (w, x, o, a) => w.node('Elu', [x], o, { alpha: float(a.alpha as number) }),
  selu: (w, x, o, a) => w.node('Selu', [x], o, { alpha: float(a.alpha as number), gamma: float(a.gamma as number) }),
  hardSigmoid: (w, x, o, a) => w.node('HardSigmoid', [x], o, { alpha: float(a.alpha as number), beta: float(a.beta as number) }),
  clip: (w, x, o, a) => w.node('Clip', [x, w.scalar(a.min as number), w.scalar(a.max as number)], o),
};
const ONNX_BINARY: Record<string, [string, boolean]> = {
  add: ['Add', false], sub: ['Sub', false], mul: ['Mul', false], div: ['Div', false], subFrom: ['Sub', true], divFrom: ['Div', true],
};
export const ONNX_OPS = [...Object.keys(ONNX_UNARY), ...Object.keys(ONNX_BINARY), 'softmax', 'logSoftmax', 'pad'];

/** A constant in Lepton's layout, as the form x is read in (NCHW: leading ones added, then transposed). */
function constantFor(w: OnnxWriter, name: string, data: Float32Array, dims: number[], form: Form): string {
  if (form !== 'nchw') return w.floats(name, dims, data);
  const [n, h, wd, c] = [...new Array<number>(4 - dims.length).fill(1), ...dims];
  const out = new Float32Array(data.length);
  for (let a = 0; a < n; a++) for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let ch = 0; ch < c; ch++) {
    out[((a * c + ch) * h + y) * wd + x] = data[((a * h + y) * wd + x) * c + ch];
  }
  return w.floats(name, [n, c, h, wd], out);
}

export function emitOnnxOp(w: OnnxWriter, l: OnnxOp, ins: XVal[], out: SymbolicShape): XVal {
  const x = ins[0];
  if (Object.hasOwn(ONNX_UNARY, l.op)) return sameForm(w, x, (n) => ONNX_UNARY[l.op](w, n, l.name, l.attrs));
  if (l.op === 'softmax' || l.op === 'logSoftmax') return overAxis(w, l.op === 'softmax' ? 'Softmax' : 'LogSoftmax', x, l.attrs.axis as number, l.name);
  if (l.op === 'pad') {
    const p = l.attrs.paddings as number[][];
    if (x.rank === 4 && [0, 3].every((d) => p[d][0] === 0 && p[d][1] === 0)) {
      return padded(x, out, [p[1][0], p[2][0], p[1][1], p[2][1]], l.attrs.value as number);
    }
    const form: Form = x.rank === 4 && x.preferred() === 'nchw' ? 'nchw' : 'keras';
    const order = form === 'nchw' ? NHWC_TO_NCHW : p.map((_, i) => i);
    const pads = [...order.map((d) => p[d][0]), ...order.map((d) => p[d][1])];
    return XVal.of(form, w.node('Pad', [w.form(x, form), w.int64s(`${l.name}/pads`, pads), w.scalar(l.attrs.value as number)], l.name), out);
  }
  const [op, constantFirst] = ONNX_BINARY[l.op];
  if (l.constant !== null) {
    const dims = l.constant.shape;
    const form: Form = x.rank === 4 && dims.length <= 4 && x.preferred() === 'nchw' ? 'nchw' : 'keras';
    const c = constantFor(w, `${l.name}/constant`, values(l.constant), [...dims], form);
    const xs = w.form(x, form);
    return XVal.of(form, w.node(op, constantFirst ? [c, xs] : [xs, c], l.name), out);
  }
  const form: Form = ins.every((v) => v.rank === 4) && x.preferred() === 'nchw' ? 'nchw' : 'keras';
  const [a, b] = ins.map((v) => w.form(v, form));
  return XVal.of(form, w.node(op, constantFirst ? [b, a] : [a, b], l.name), out);
}
