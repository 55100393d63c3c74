// Element-wise activations, Softmax, Clip, Identity and Dropout. An element-wise op runs on
// whatever form its input already has (NHWC stays NHWC); Keras's Activation layer where ONNX's
// attributes are Keras's, the OnnxOp layer with the attributes otherwise.
import { Activation } from '../../layers/core.js';
import type { Layer } from '../../layers/layer.js';
import { OnnxOp } from '../op_layer.js';
import { attrFloat, attrInt, where } from '../attrs.js';
import { fail } from '../decode.js';
import { graphConstant, type Builder, type OpHandler } from '../builder.js';
import { Val } from '../layout.js';
import { tensorConstant } from './binary.js';
import type { OnnxGraph, OnnxNode } from '../graph.js';

/** The largest float32: ONNX's default Clip bounds, and a JSON-safe stand-in for infinity. */
export const FLT_MAX = 3.4028234663852886e38;

/** Applies a one-input layer to a value in its preferred form; the output keeps that form. */
export function elementwise(b: Builder, node: OnnxNode, make: (name: string) => Layer): void {
  const x = b.tensor(node, 0);
  const form = x.preferred();
  const y = b.apply(make(b.layerName(node)), b.form(x, form));
  b.set(node.outputs[0], Val.of(form, y, x.chw));
}

const activation = (name: string): OpHandler => ({
  build: (node, b) => elementwise(b, node, (n) => new Activation({ name: n, activation: name as 'relu' })),
});

/** Keras's activation when the attributes are its constants, else an OnnxOp with them. */
const parametric = (op: string, keras: string | null, attrs: (n: OnnxNode) => Record<string, number>,
    isKeras: (a: Record<string, number>) => boolean): OpHandler => ({
  build: (node, b) => {
    const a = attrs(node);
    elementwise(b, node, (name) => (keras !== null && isKeras(a) ? new Activation({ name, activation: keras as 'relu' })
      : new OnnxOp({ name, op, attrs: a })));
  },
});

const SELU_ALPHA = 1.6732632423543772, SELU_GAMMA = 1.0507009873554805;
const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.abs(b);

/** Clip's bounds: attributes before opset 11, optional constant inputs from 11 on. */
export function clipBounds(node: OnnxNode, g: OnnxGraph): [number, number] | string {
  if (g.opset < 11) return [attrFloat(node, 'min', -FLT_MAX), attrFloat(node, 'max', FLT_MAX)];
  const bound = (i: number, def: number): number | string => {
    if ((node.inputs[i] ?? '') === '') return def;
    const c = graphConstant(g, node, i);
    if (c === undefined) return `Clip bound input ${i} must be a constant`;
    if (c.data.length !== 1) return `Clip bound input ${i} must be a scalar`;
    return c.data[0];
  };
  const lo = bound(1, -FLT_MAX), hi = bound(2, FLT_MAX);
  if (typeof lo === 'string') return lo;
  if (typeof hi === 'string') return hi;
  return [lo, hi];
}

/** Softmax or LogSoftmax over one axis (Keras's Activation when it is the last of the held form). */
const softmaxLike = (op: 'softmax' | 'logSoftmax'): OpHandler => ({
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const rank = x.rank;
    const raw = attrInt(node, 'axis', b.graph.opset >= 13 ? -1 : 1);
    const axis = raw < 0 ? raw + rank : raw;
    if (axis <= 0 || axis >= rank) fail(`${where(node)}: axis ${raw} is out of range for rank ${rank} (the batch axis is not supported)`);
    // Before opset 13 it normalizes over all axes from `axis` on, flattened: one axis only when it is the last.
    if (b.graph.opset < 13 && axis !== rank - 1 && x.shape.slice(axis + 1).some((d) => d !== 1)) {
      fail(`${where(node)}: ${op} over axes ${axis}..${rank - 1} together (opset ${b.graph.opset}) is not supported`);
    }
    const form = x.preferred();
    const inForm = form === 'nhwc' ? [0, 3, 1, 2][axis] : axis;
    const y = b.apply(inForm === rank - 1 && op === 'softmax' ? new Activation({ name: b.layerName(node), activation: 'softmax' })
      : new OnnxOp({ name: b.layerName(node), op, attrs: { axis: inForm } }), b.form(x, form));
    b.set(node.outputs[0], Val.of(form, y, x.chw));
  },
});

const passThrough: OpHandler = {
  check: (node) => (node.opType === 'Dropout' && (node.outputs[1] ?? '') !== '' ? 'the Dropout mask output is not supported' : null),
  build: (node, b) => b.set(node.outputs[0], b.tensor(node, 0)),
};

export const activationOps: Record<string, OpHandler> = {
  Relu: activation('relu'),
  Sigmoid: activation('sigmoid'),
  Tanh: activation('tanh'),
  Softplus: activation('softplus'),
  Softsign: activation('softsign'),
  LeakyRelu: parametric('leakyRelu', 'leakyrelu', (n) => ({ alpha: attrFloat(n, 'alpha', 0.01) }), (a) => a.alpha === 0.2),
  Elu: parametric('elu', 'elu', (n) => ({ alpha: attrFloat(n, 'alpha', 1) }), (a) => a.alpha === 1),
  Selu: parametric('selu', 'selu', (n) => ({ alpha: attrFloat(n, 'alpha', SELU_ALPHA), gamma: attrFloat(n, 'gamma', SELU_GAMMA) }),
    (a) => near(a.alpha, SELU_ALPHA) && near(a.gamma, SELU_GAMMA)),
  HardSigmoid: parametric('hardSigmoid', 'hardsigmoid', (n) => ({ alpha: attrFloat(n, 'alpha', 0.2), beta: attrFloat(n, 'beta', 0.5) }),
    (a) => near(a.alpha, 0.2) && a.beta === 0.5),
  Clip: {
    check: (node, g) => { const r = clipBounds(node, g); return typeof r === 'string' ? r : null; },
    build: (node, b) => {
      const [lo, hi] = clipBounds(node, b.graph) as [number, number];
      if (lo > hi) fail(`${where(node)}: min ${lo} is above max ${hi}`);
      const open = hi >= FLT_MAX;
      elementwise(b, node, (name) => (lo === 0 && hi === 6 ? new Activation({ name, activation: 'relu6' })
        : lo === 0 && open ? new Activation({ name, activation: 'relu' })
          : new OnnxOp({ name, op: 'clip', attrs: { min: Math.max(lo, -FLT_MAX), max: Math.min(hi, FLT_MAX) } })));
    },
  },
  Softmax: softmaxLike('softmax'),
  LogSoftmax: softmaxLike('logSoftmax'),
  HardSwish: { build: (node, b) => elementwise(b, node, (name) => new OnnxOp({ name, op: 'hardSwish' })) },
  PRelu: {
    check: (node, g) => {
      const c = graphConstant(g, node, 1);
      return c === undefined || c.dtype !== 'float32' ? 'the slope (input 1) must be a float32 constant' : null;
    },
    build: (node, b) => tensorConstant(node, b, 0),
  },
  Identity: passThrough,
  Dropout: passThrough,
};
