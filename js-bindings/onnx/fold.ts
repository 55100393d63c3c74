// Graph rewrites before import, on the decoded graph (nothing allocated yet):
//  - Constant nodes become constants, and DequantizeLinear nodes of constants f32 constants (qdq.ts);
//  - a BatchNormalization whose input is a Conv's or Gemm's output and nothing else's is folded
//    into that node's weights and bias (w·s, (b − mean)·s + β with s = γ / √(var + ε));
//  - an Add of a per-channel constant after a Conv or MatMul (its only reader) becomes its bias;
//  - a Relu, or a Clip to [0, 6], after a Conv, Gemm or MatMul (its only reader) becomes the
//    node's fused activation (attribute 'lepton.activation'), run in the kernel's epilogue.
import { attrFloat, attrTensor } from './attrs.js';
import { clipBounds } from './ops/activation.js';
import type { OnnxConst, OnnxGraph, OnnxNode } from './graph.js';
import { expandQLinear, foldDequantizedConstants } from './qdq.js';

/** The value of a Constant node, or null when its form is not supported (the op check says why). */
function constantValue(n: OnnxNode): OnnxConst | null {
  const name = n.outputs[0] ?? '';
  const t = attrTensor(n, 'value');
  if (t !== undefined) return { ...t, name };
  const f = n.attrs.get('value_float'), fs = n.attrs.get('value_floats'), i = n.attrs.get('value_int'), is = n.attrs.get('value_ints');
  if (typeof f === 'number') return { name, dims: [], dtype: 'float32', data: new Float32Array([f]) };
  if (Array.isArray(fs)) return { name, dims: [fs.length], dtype: 'float32', data: Float32Array.from(fs as number[]) };
  if (typeof i === 'number') return { name, dims: [], dtype: 'int64', data: [i] };
  if (Array.isArray(is)) return { name, dims: [is.length], dtype: 'int64', data: [...(is as number[])] };
  return null;
}

/** How many nodes (and graph outputs) read each value. */
function readers(g: OnnxGraph): Map<string, number> {
  const count = new Map<string, number>();
  const add = (v: string) => count.set(v, (count.get(v) ?? 0) + 1);
  for (const n of g.nodes) new Set(n.inputs).forEach((v) => v !== '' && add(v));
  for (const o of g.outputs) add(o.name);
  return count;
}

let folded = 0;
function newConstant(g: OnnxGraph, base: string, dims: number[], data: Float32Array): string {
  let name = `${base}/lepton_folded_${folded++}`;
  while (g.constants.has(name)) name = `${base}/lepton_folded_${folded++}`;
  g.constants.set(name, { name, dims, dtype: 'float32', data });
  return name;
}

/** Folds bn into p (a Conv or Gemm whose only reader it is); false when the shapes do not allow it. */
function foldBatchNorm(g: OnnxGraph, p: OnnxNode, bn: OnnxNode): boolean {
  const consts = bn.inputs.slice(1, 5).map((v) => g.constants.get(v));
  const w = g.constants.get(p.inputs[1] ?? '');
  if (consts.length !== 4 || consts.some((c) => c === undefined || c.dtype !== 'float32') || w === undefined || w.dtype !== 'float32') return false;
  const [gamma, beta, mean, variance] = consts.map((c) => c!.data as Float32Array);
  const transB = p.opType === 'Gemm' && (p.attrs.get('transB') ?? 0) !== 0;
  // (transA only transposes the input: the output channels are B's either way.)
  if (p.opType === 'Gemm' && w.dims.length !== 2) return false;
  const outs = p.opType === 'Conv' ? w.dims[0] : w.dims[transB ? 0 : 1];
  if ([gamma, beta, mean, variance].some((a) => a.length !== outs)) return false;
  const eps = attrFloat(bn, 'epsilon', 1e-5);
  const s = Float32Array.from(gamma, (gm, o) => gm / Math.sqrt(variance[o] + eps));
  const wd = w.data as Float32Array;
  const scaled = new Float32Array(wd.length);
  // Conv OIHW and Gemm with transB: output channel is the row; Gemm [K, N]: the column.
  const perRow = p.opType === 'Conv' || transB;
  for (let i = 0; i < wd.length; i++) scaled[i] = wd[i] * s[perRow ? Math.floor(i / (wd.length / outs)) : i % outs];
  const biasAt = 2;
  const old = g.constants.get(p.inputs[biasAt] ?? '');
  if ((p.inputs[biasAt] ?? '') !== '' && (old === undefined || old.dtype !== 'float32' || (old.data.length !== outs && old.data.length !== 1))) return false;
  const beta0 = p.opType === 'Gemm' ? attrFloat(p, 'beta', 1) : 1;
  const bias = Float32Array.from({ length: outs }, (_, o) => {
    const b0 = old === undefined ? 0 : beta0 * (old.data as Float32Array)[old.data.length === 1 ? 0 : o];
    return (b0 - mean[o]) * s[o] + beta[o];
  });
  p.inputs[1] = newConstant(g, p.name, w.dims, scaled);
  p.inputs[biasAt] = newConstant(g, p.name, [outs], bias);
  if (p.opType === 'Gemm') p.attrs.set('beta', 1);
  p.outputs[0] = bn.outputs[0];
  return true;
}

/**
 * Folds an Add of a per-channel constant (a bias, as TensorFlow exports write it) into the Conv or
 * MatMul before it: Conv's bias input, or MatMul's 'lepton.bias' (the name of a new constant).
 */
function foldBiasAdd(g: OnnxGraph, p: OnnxNode, add: OnnxNode): boolean {
  const other = add.inputs[0] === p.outputs[0] ? add.inputs[1] : add.inputs[0];
  const c = g.constants.get(other ?? '');
  const w = g.constants.get(p.inputs[1] ?? '');
  if (c === undefined || c.dtype !== 'float32' || w === undefined || w.dtype !== 'float32' || add.inputs[0] === add.inputs[1]) return false;
  const outs = p.opType === 'Conv' ? w.dims[0] : w.dims[1];
  if (p.opType === 'MatMul' && w.dims.length !== 2) return false;
  // Per output channel: [O, 1, 1] / [1, O, 1, 1] for a Conv, [N] / [1, N] for a MatMul, or one value.
  const perChannel = p.opType === 'Conv' ? [[outs, 1, 1], [1, outs, 1, 1]] : [[outs], [1, outs]];
  if (c.data.length !== 1 && !perChannel.some((d) => d.join() === c.dims.join())) return false;
  const biasName = p.opType === 'Conv' ? p.inputs[2] ?? '' : (p.attrs.get('lepton.bias') as string | undefined) ?? '';
  const old = biasName === '' ? undefined : g.constants.get(biasName);
  if (biasName !== '' && (old === undefined || old.dtype !== 'float32' || old.data.length !== outs)) return false;
  const cd = c.data as Float32Array;
  const bias = Float32Array.from({ length: outs }, (_, o) => (old ? (old.data as Float32Array)[o] : 0) + cd[cd.length === 1 ? 0 : o]);
  const name = newConstant(g, p.name, [outs], bias);
  if (p.opType === 'Conv') p.inputs[2] = name;
  else p.attrs.set('lepton.bias', name);
  p.outputs[0] = add.outputs[0];
  return true;
}

/** The fused activation name for an activation node, or null when it does not fuse. */
function fusable(g: OnnxGraph, n: OnnxNode): 'relu' | 'relu6' | null {
  if (n.opType === 'Relu') return 'relu';
  if (n.opType !== 'Clip') return null;
  const r = clipBounds(n, g);
  return typeof r !== 'string' && r[0] === 0 && r[1] === 6 ? 'relu6' : null;
}

/** Whether p runs as one Conv2D or Dense whose epilogue can apply an activation (not a computed MatMul, a Gemm with a computed B or C, or a per-row C). */
function takesActivation(g: OnnxGraph, p: OnnxNode): boolean {
  if (p.opType === 'Conv') return true;
  if (p.opType === 'MatMul') return g.constants.has(p.inputs[1] ?? '');
  if (p.opType !== 'Gemm' || !g.constants.has(p.inputs[1] ?? '')) return false;
  if ((p.inputs[2] ?? '') === '') return true;
  const c = g.constants.get(p.inputs[2]);
  return c !== undefined && (c.dims.length < 2 || c.dims[0] === 1);
}

/** Applies the rewrites in place. */
export function prepareGraph(g: OnnxGraph): void {
  g.nodes = g.nodes.filter((n) => {
    if (n.opType !== 'Constant' || n.domain !== '') return true;
    const c = constantValue(n);
    if (c === null || c.name === '') return true;
    g.constants.set(c.name, c);
    return false;
  });
  foldDequantizedConstants(g);
  expandQLinear(g);
  const producer = new Map<string, OnnxNode>();
  for (const n of g.nodes) n.outputs.forEach((o) => o !== '' && producer.set(o, n));
  const reads = readers(g);
  const removed = new Set<OnnxNode>();
  for (const n of g.nodes) {
    // The producer of the node's (first computed) input, when the node is its only reader.
    const from = n.opType === 'Add' && !producer.has(n.inputs[0] ?? '') ? n.inputs[1] ?? '' : n.inputs[0] ?? '';
    const p = producer.get(from);
    if (p === undefined || removed.has(p) || p.domain !== '' || reads.get(from) !== 1 || n.domain !== '') continue;
    if (n.opType === 'BatchNormalization' && (p.opType === 'Conv' || p.opType === 'Gemm') && !p.attrs.has('lepton.activation') &&
        (n.attrs.get('training_mode') ?? 0) === 0 && n.outputs.slice(1).every((o) => o === '') && foldBatchNorm(g, p, n)) {
      removed.add(n);
      producer.set(p.outputs[0], p);
      continue;
    }
    if (n.opType === 'Add' && (p.opType === 'Conv' || p.opType === 'MatMul') && !p.attrs.has('lepton.activation') && foldBiasAdd(g, p, n)) {
      removed.add(n);
      producer.set(p.outputs[0], p);
      continue;
    }
    const act = takesActivation(g, p) && !p.attrs.has('lepton.activation') ? fusable(g, n) : null;
    if (act !== null) {
      p.attrs.set('lepton.activation', act);
      p.outputs[0] = n.outputs[0];
      producer.set(p.outputs[0], p);
      removed.add(n);
    }
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
}
