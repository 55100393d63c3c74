// Add, Sub, Mul, Div. Two tensors of one shape: Keras's merge layers (Add, Subtract, Multiply;
// Div as an OnnxOp); two tensors that broadcast: an OnnxOp of both. A tensor and a constant: an
// OnnxOp holding the constant as a weight, permuted to NHWC when the tensor is held that way.
import { Add, Multiply, Subtract } from '../../layers/merge.js';
import type { Layer, SymbolicShape } from '../../layers/layer.js';
import { OnnxOp } from '../op_layer.js';
import { where } from '../attrs.js';
import { fail } from '../decode.js';
import { dataInitializer, graphConstant, type Builder, type OpHandler } from '../builder.js';
import { constantToNhwc, Val, type Form } from '../layout.js';
import type { OnnxNode } from '../graph.js';

const MERGE: Record<string, ((args: { name: string }) => Layer) | null> = {
  Add: (a) => new Add(a), Sub: (a) => new Subtract(a), Mul: (a) => new Multiply(a), Div: null,
};

const sameShape = (a: SymbolicShape, b: SymbolicShape) => a.length === b.length && a.every((d, i) => d === b[i]);

function twoTensors(node: OnnxNode, b: Builder): void {
  const x = b.tensor(node, 0), y = b.tensor(node, 1);
  // Rank-4 pairs meet in NHWC (broadcast dims move together); flattened pairs of one grid may stay in hwc order.
  const form: Form = x.rank === 4 && y.rank === 4 ? 'nhwc'
    : x.chw !== undefined && y.chw !== undefined && x.chw.join() === y.chw.join() && x.forms.has('hwcFlat') && y.forms.has('hwcFlat') ? 'hwcFlat' : 'onnx';
  const ins = [b.form(x, form), b.form(y, form)];
  const name = b.layerName(node);
  const merge = MERGE[node.opType];
  const layer = merge !== null && sameShape(x.shape, y.shape) ? merge({ name })
    : new OnnxOp({ name, op: node.opType.toLowerCase() });
  const out = b.apply(layer, ins);
  b.set(node.outputs[0], Val.of(form, out, sameShape(x.shape, y.shape) ? x.chw ?? y.chw : undefined));
}

/** A tensor and a constant operand (broadcast ONNX's way): one OnnxOp holding the constant, in the tensor's form. */
export function tensorConstant(node: OnnxNode, b: Builder, tensorAt: 0 | 1): void {
  const x = b.tensor(node, tensorAt);
  const c = b.floatConstant(node, 1 - tensorAt, 'the constant operand');
  if (c.dims.length > x.rank) fail(`${where(node)}: the constant [${c.dims}] has a higher rank than the tensor [${x.shape.map((d) => d ?? 'N')}]`);
  // ONNX broadcasting, checked on the ONNX shapes (the batch dimension of the constant must be 1 or absent).
  const padded = [...Array(x.rank - c.dims.length).fill(1), ...c.dims] as number[];
  padded.forEach((d, i) => {
    const xd = x.shape[i];
    if (d !== 1 && !(xd !== null && (xd === d || xd === 1) && i > 0)) {
      fail(`${where(node)}: the constant [${c.dims}] does not broadcast against [${x.shape.map((v) => v ?? 'N')}]` +
        (i === 0 ? ' (its batch dimension must be 1)' : ''));
    }
    if (xd === 1 && d !== 1) fail(`${where(node)}: broadcasting the tensor up to the constant's shape is not supported`);
  });
  let form = x.preferred();
  if (form === 'hwcFlat' && c.data.length !== 1) form = 'onnx';
  const k = form === 'nhwc' ? constantToNhwc(c.data, padded) : { data: c.data, dims: c.dims.length === 0 ? [1] : c.dims };
  const op = node.opType.toLowerCase() + (tensorAt === 1 && (node.opType === 'Sub' || node.opType === 'Div') ? 'From' : '');
  const y = b.apply(new OnnxOp({ name: b.layerName(node), op, constantShape: k.dims, constantInitializer: dataInitializer(k.data) }),
    b.form(x, form));
  b.set(node.outputs[0], Val.of(form, y, x.chw));
}

const binary: OpHandler = {
  check: (node, g) => {
    const consts = [0, 1].map((i) => graphConstant(g, node, i));
    if (consts[0] && consts[1]) return 'both operands are constants (constant folding is not supported yet)';
    const c = consts[0] ?? consts[1];
    if (c !== undefined && c.dtype !== 'float32') return `the constant operand is ${c.dtype}; only float32 is supported`;
    return null;
  },
  build: (node, b) => {
    if (b.constant(node, 0) !== undefined) tensorConstant(node, b, 1);
    else if (b.constant(node, 1) !== undefined) tensorConstant(node, b, 0);
    else twoTensors(node, b);
  },
};

export const binaryOps: Record<string, OpHandler> = { Add: binary, Sub: binary, Mul: binary, Div: binary };
