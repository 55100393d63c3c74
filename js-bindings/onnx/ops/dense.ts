// Gemm and MatMul with a constant right side → Dense (kernel [K, N], alpha and transB applied at
// import, beta * C as the bias; transA by a transpose of A first). A computed B, a computed C or
// one with a row per sample, or a constant A run in parts (gemmInParts). After a Flatten of an NHWC value the Dense reads the features in
// h, w, c order and its kernel rows are permuted to match: no transpose at run time.
import { Dense } from '../../layers/core.js';
import { attrFloat, attrInt, where } from '../attrs.js';
import { fail } from '../decode.js';
import { dataInitializer, graphConstant, type Builder, type OpHandler } from '../builder.js';
import { rowsChwToHwc, transpose2d, Val, type Form } from '../layout.js';
import type { OnnxNode } from '../graph.js';
import type { SymbolicTensor } from '../../layers/layer.js';
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

/** Input i of the node (a matrix) transposed: its first axis, the model's batch when i is 0, moves (an OnnxOp). */
function transposed(node: OnnxNode, b: Builder, i: number, role: string): SymbolicTensor {
  const v = b.tensor(node, i);
  if (v.rank !== 2) fail(`${where(node)}: ${role} (input ${i}) must be of rank 2, got [${v.shape.map((d) => d ?? 'N')}]`);
  return b.apply(new OnnxOp({ name: b.layerName(node, `_trans${role}`), op: 'transpose', attrs: { perm: [1, 0] } }), b.form(v, 'onnx'));
}

/** The Gemm node reading A transposed (a new value [M, K]) instead of A. */
function transposedA(node: OnnxNode, b: Builder): OnnxNode {
  const name = `${node.outputs[0]}/lepton_transA`;
  b.set(name, Val.of('onnx', transposed(node, b, 0, 'A')));
  return { ...node, inputs: [name, ...node.inputs.slice(1)] };
}

/** Constant B [K, N] (or [N, K] with transB) as a Dense kernel [K, N], alpha applied. */
function gemmKernel(node: OnnxNode, b: Builder): { kernel: Float32Array; k: number; n: number } {
  const w = b.floatConstant(node, 1, 'B');
  const transB = attrInt(node, 'transB', 0) !== 0, alpha = attrFloat(node, 'alpha', 1);
  const [k, n] = transB ? [w.dims[1], w.dims[0]] : w.dims;
  const kernel = transB ? transpose2d(w.data, n, k) : Float32Array.from(w.data);
  if (alpha !== 1) for (let i = 0; i < kernel.length; i++) kernel[i] *= alpha;
  return { kernel, k, n };
}

/** x · s for a constant s (an OnnxOp mul). */
const scaled = (node: OnnxNode, b: Builder, x: SymbolicTensor, s: number, tag: string) =>
  b.apply(new OnnxOp({ name: b.layerName(node, tag), op: 'mul', constantShape: [1], constantInitializer: dataInitializer(new Float32Array([s])) }), x);

/**
 * The Gemm forms that are not one Dense: alpha · A' · B' (a Dense without bias for a constant B or,
 * transposed, for a constant A; a matMul of two computed tensors otherwise), then + beta · C, where C is computed or has one row
 * per sample (M rows, a static batch), broadcast as ONNX does.
 */
function gemmInParts(node: OnnxNode, b: Builder): void {
  const beta = attrFloat(node, 'beta', 1);
  let y: SymbolicTensor;
  if (b.constant(node, 0) !== undefined) {
    // A constant A: (B'ᵀ · A'ᵀ)ᵀ, a Dense of kernel alpha · A'ᵀ on B'ᵀ (B's first axis, the model's, moves twice).
    const a = b.floatConstant(node, 0, 'A'), w = b.tensor(node, 1);
    if (w.rank !== 2) fail(`${where(node)}: B (input 1) must be a matrix, got [${w.shape.map((d) => d ?? 'N')}]`);
    const transA = attrInt(node, 'transA', 0) !== 0, alpha = attrFloat(node, 'alpha', 1);
    const [m, k] = transA ? [a.dims[1], a.dims[0]] : a.dims;
    const kernel = transA ? Float32Array.from(a.data) : transpose2d(a.data, m, k);
    if (alpha !== 1) for (let i = 0; i < kernel.length; i++) kernel[i] *= alpha;
    const rows = `${node.outputs[0]}/lepton_bt`, out = `${node.outputs[0]}/lepton_gemm`;
    b.set(rows, attrInt(node, 'transB', 0) !== 0 ? b.tensor(node, 1) : Val.of('onnx', transposed(node, b, 1, 'B')));
    dense({ ...node, inputs: [rows], outputs: [out] }, b, kernel, k, m, null);
    y = b.apply(new OnnxOp({ name: b.layerName(node, '_out'), op: 'transpose', attrs: { perm: [1, 0] } }), b.form(b.tensor({ ...node, inputs: [out] }, 0), 'onnx'));
  } else if (b.constant(node, 1) !== undefined) {
    const { kernel, k, n } = gemmKernel(node, b);
    const out = `${node.outputs[0]}/lepton_gemm`;
    dense({ ...node, outputs: [out] }, b, kernel, k, n, null);
    y = b.form(b.tensor({ ...node, inputs: [out] }, 0), 'onnx');
  } else {
    const a = b.tensor(node, 0), w = b.tensor(node, 1);
    if (a.rank !== 2 || w.rank !== 2) fail(`${where(node)}: A and B must be matrices, got [${a.shape.map((d) => d ?? 'N')}] and [${w.shape.map((d) => d ?? 'N')}]`);
    const rhs = attrInt(node, 'transB', 0) !== 0 ? transposed(node, b, 1, 'B') : b.form(w, 'onnx');
    y = b.apply(new OnnxOp({ name: b.layerName(node), op: 'matMul' }), [b.form(a, 'onnx'), rhs]);
    const alpha = attrFloat(node, 'alpha', 1);
    if (alpha !== 1) y = scaled(node, b, y, alpha, '_alpha');
  }
  if ((node.inputs[2] ?? '') !== '' && beta !== 0) {
    if (b.constant(node, 2) !== undefined) {
      const c = b.floatConstant(node, 2, 'C');
      if (c.dims.length === 2 && c.dims[0] !== 1 && y.shape[0] !== c.dims[0]) {
        fail(`${where(node)}: C [${c.dims}] has one row per sample, but the batch is ${y.shape[0] ?? 'dynamic'}`);
      }
      y = b.apply(new OnnxOp({ name: b.layerName(node, '_c'), op: 'add', constantShape: c.dims.length === 0 ? [1] : c.dims,
        constantInitializer: dataInitializer(Float32Array.from(c.data, (v) => beta * v)) }), y);
    } else {
      let c = b.form(b.tensor(node, 2), 'onnx');
      if (beta !== 1) c = scaled(node, b, c, beta, '_beta');
      y = b.apply(new OnnxOp({ name: b.layerName(node, '_c'), op: 'add' }), [y, c]);
    }
  }
  b.set(node.outputs[0], Val.of('onnx', y));
}

export const denseOps: Record<string, OpHandler> = {
  Gemm: {
    check: (node, g) => {
      if ((node.inputs[1] ?? '') === '') return 'B (input 1) is required';
      const a = graphConstant(g, node, 0), w = graphConstant(g, node, 1);
      if (a !== undefined && (w !== undefined || a.dtype !== 'float32' || a.dims.length !== 2)) return 'A (input 0) must be computed, or a float32 constant matrix with B computed';
      if (w !== undefined && (w.dtype !== 'float32' || w.dims.length !== 2)) return 'B (input 1) must be computed or a float32 constant matrix';
      const c = graphConstant(g, node, 2);
      if ((node.inputs[2] ?? '') === '' || c === undefined) return null; // a computed C is broadcast at run time
      if (c.dtype !== 'float32') return 'C (input 2) must be computed or a float32 constant';
      const n = w === undefined ? null : w.dims[attrInt(node, 'transB', 0) ? 0 : 1];
      const fits = (d: number) => d === 1 || n === null || d === n;
      if (c.dims.length > 2 || (c.dims.length === 2 && !fits(c.dims[1])) || (c.dims.length === 1 && !fits(c.dims[0]))) {
        return `C [${c.dims}] does not broadcast to [M, ${n ?? 'N'}]`;
      }
      return null;
    },
    build: (gemm, b) => {
      // transA: a computed A [K, M] is transposed first (its first axis, the model's batch, moves: an OnnxOp).
      const node = attrInt(gemm, 'transA', 0) === 0 || b.constant(gemm, 0) !== undefined ? gemm : transposedA(gemm, b);
      const c = (node.inputs[2] ?? '') !== '' ? b.constant(node, 2) : undefined;
      // One Dense: a constant B, and C absent or a constant that broadcasts over the rows (its bias).
      if (b.constant(node, 0) !== undefined || b.constant(node, 1) === undefined || ((node.inputs[2] ?? '') !== '' && (c === undefined || (c.dims.length === 2 && c.dims[0] !== 1)))) {
        gemmInParts(node, b);
        return;
      }
      const { kernel, k, n } = gemmKernel(node, b);
      const beta = attrFloat(node, 'beta', 1);
      const bias = c === undefined || beta === 0 ? null : Float32Array.from({ length: n }, (_, j) => beta * (c.data as Float32Array)[c.data.length === 1 ? 0 : j]);
      dense(node, b, kernel, k, n, bias);
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
