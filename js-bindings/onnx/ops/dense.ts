// Gemm and MatMul with a constant right side → Dense (kernel [K, N], alpha and transB applied at
// import, beta * C as the bias; transA by a transpose of A first). After a Flatten of an NHWC value the Dense reads the features in
// h, w, c order and its kernel rows are permuted to match: no transpose at run time.
import { Dense } from '../../layers/core.js';
import { attrFloat, attrInt, where } from '../attrs.js';
import { fail } from '../decode.js';
import { dataInitializer, graphConstant, type Builder, type OpHandler } from '../builder.js';
import { rowsChwToHwc, transpose2d, Val, type Form } from '../layout.js';
import type { OnnxNode } from '../graph.js';
import { fusedActivation } from './conv.js';
import { OnnxOp } from '../op_layer.js';

/** The form a Dense should read a value in: hwcFlat when that avoids a transpose, else ONNX's. */
function denseForm(x: Val): Form {
  if (x.chw === undefined || x.forms.has('onnx')) return 'onnx';
  return x.forms.has('hwcFlat') || x.flatSource?.forms.has('nhwc') ? 'hwcFlat' : 'onnx';
}

/** Applies a Dense of kernel [K, N] (ONNX row order) to input 0 of the node. */
function dense(node: OnnxNode, b: Builder, kernel: Float32Array, k: number, n: number, bias: Float32Array | null): void {
  const x = b.tensor(node, 0);
  if (x.rank < 2) fail(`${where(node)}: expects an input of rank 2 or more, got [${x.shape.map((d) => d ?? 'N')}]`);
  if (x.shape[x.rank - 1] !== k) fail(`${where(node)}: the input [${x.shape.map((d) => d ?? 'N')}] does not match the weights' ${k} rows`);
  const form = x.rank === 2 ? denseForm(x) : 'onnx';
  const rows = form === 'hwcFlat' ? rowsChwToHwc(kernel, x.chw!, n) : kernel;
  const y = b.apply(new Dense({ name: b.layerName(node), units: n, useBias: bias !== null, activation: fusedActivation(node),
    kernelInitializer: dataInitializer(rows), ...(bias ? { biasInitializer: dataInitializer(bias) } : {}) }), b.form(x, form));
  b.set(node.outputs[0], Val.of('onnx', y));
}

/** The Gemm node reading A transposed (a new value [M, K]) instead of A. */
function transposedA(node: OnnxNode, b: Builder): OnnxNode {
  const a = b.tensor(node, 0);
  if (a.rank !== 2) fail(`${where(node)}: A (input 0) must be of rank 2, got [${a.shape.map((d) => d ?? 'N')}]`);
  const name = `${node.outputs[0]}/lepton_transA`;
  b.set(name, Val.of('onnx', b.apply(new OnnxOp({ name: b.layerName(node, '_transA'), op: 'transpose', attrs: { perm: [1, 0] } }), b.form(a, 'onnx'))));
  return { ...node, inputs: [name, ...node.inputs.slice(1)] };
}

export const denseOps: Record<string, OpHandler> = {
  Gemm: {
    check: (node, g) => {
      const w = graphConstant(g, node, 1);
      if (w === undefined || w.dtype !== 'float32' || w.dims.length !== 2) return 'B (input 1) must be a float32 constant matrix';
      const c = graphConstant(g, node, 2);
      if ((node.inputs[2] ?? '') === '') return null;
      const n = w.dims[attrInt(node, 'transB', 0) ? 0 : 1];
      if (c === undefined || c.dtype !== 'float32') return 'C (input 2) must be a float32 constant';
      if (c.dims.length > 2 || (c.dims.length === 2 && c.dims[1] !== 1 && c.dims[1] !== n) || (c.dims.length === 1 && c.dims[0] !== 1 && c.dims[0] !== n)) {
        return `C [${c.dims}] does not broadcast to [M, ${n}]`;
      }
      return null;
    },
    build: (gemm, b) => {
      // transA: A [K, M] is transposed first (its first axis, the model's batch, moves: an OnnxOp).
      const node = attrInt(gemm, 'transA', 0) === 0 ? gemm : transposedA(gemm, b);
      const w = b.floatConstant(node, 1, 'B');
      const transB = attrInt(node, 'transB', 0) !== 0, alpha = attrFloat(node, 'alpha', 1), beta = attrFloat(node, 'beta', 1);
      const [k, n] = transB ? [w.dims[1], w.dims[0]] : w.dims;
      const kernel = transB ? transpose2d(w.data, n, k) : Float32Array.from(w.data);
      if (alpha !== 1) for (let i = 0; i < kernel.length; i++) kernel[i] *= alpha;
      const c = (node.inputs[2] ?? '') !== '' ? b.floatConstant(node, 2, 'C') : undefined;
      const perRow = c !== undefined && c.dims.length === 2 && c.dims[0] !== 1;
      const bias = c === undefined || beta === 0 || perRow ? null : Float32Array.from({ length: n }, (_, j) => beta * c.data[c.data.length === 1 ? 0 : j]);
      if (!perRow) { dense(node, b, kernel, k, n, bias); return; }
      // A C with one row per sample (M rows: a static batch) is added after the Dense, as a constant of that shape.
      const rows = b.tensor(node, 0).shape[0];
      if (rows !== c.dims[0]) fail(`${where(node)}: C [${c.dims}] has one row per sample, but the batch is ${rows ?? 'dynamic'}`);
      const out = `${node.outputs[0]}/lepton_gemm`;
      dense({ ...node, outputs: [out] }, b, kernel, k, n, null);
      const y = b.apply(new OnnxOp({ name: b.layerName(node, '_c'), op: 'add', constantShape: c.dims,
        constantInitializer: dataInitializer(Float32Array.from(c.data, (v) => beta * v)) }), b.form(b.tensor({ ...node, inputs: [out] }, 0), 'onnx'));
      b.set(node.outputs[0], Val.of('onnx', y));
    },
  },
  MatMul: {
    check: (node, g) => {
      const w = graphConstant(g, node, 1);
      if (graphConstant(g, node, 0) !== undefined) return 'a constant left side is not supported';
      if ((node.inputs[1] ?? '') === '' || (w !== undefined && (w.dtype !== 'float32' || w.dims.length !== 2))) {
        return 'the right side must be computed or a float32 constant matrix';
      }
      return null;
    },
    build: (node, b) => {
      if (b.constant(node, 1) === undefined) {
        // Two computed tensors: a batched matrix product in ONNX's layout (one rank, one batch).
        const x = b.tensor(node, 0), y = b.tensor(node, 1);
        const out = b.apply(new OnnxOp({ name: b.layerName(node), op: 'matMul' }), [b.form(x, 'onnx'), b.form(y, 'onnx')]);
        b.set(node.outputs[0], Val.of('onnx', out));
        return;
      }
      const w = b.floatConstant(node, 1, 'the right side');
      // An Add of a constant after it, folded in as its bias (fold.ts).
      const bias = node.attrs.get('lepton.bias') as string | undefined;
      dense(node, b, Float32Array.from(w.data), w.dims[0], w.dims[1], bias === undefined ? null : b.constantNamed(bias)!.data as Float32Array);
    },
  },
};
