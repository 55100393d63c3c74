// Ops that move, pick or pad elements: Transpose, Concat, Split, Slice, Pad, Squeeze, Unsqueeze,
// Gather (constant indices, or a constant table: an Embedding). A value held NHWC stays NHWC:
// the op's ONNX axes are mapped to NHWC positions (layout.ts axisIn) instead of transposing back,
// and a Transpose is composed with the held permutation (often to nothing, as in a TensorFlow
// export's NCHW ↔ NHWC pairs). The batch axis is never sliced or padded; a Transpose may move it (an OnnxOp 'transpose').
// Integer arguments that became inputs in later opsets (Split's split, Squeeze's axes,
// Slice's starts..steps, Pad's pads) must be constants.
import { Concatenate } from '../../layers/merge.js';
import { Permute } from '../../layers/permute.js';
import { Reshape } from '../../layers/core.js';
import type { SymbolicTensor } from '../../layers/layer.js';
import { OnnxOp } from '../op_layer.js';
import { attrFloat, attrInt, attrInts, attrString, where } from '../attrs.js';
import { fail } from '../decode.js';
import { dataInitializer, graphConstant, type Builder, type OpHandler } from '../builder.js';
import { Embedding } from '../../layers/embedding.js';
import { axisForm, axisIn, NHWC_AXIS, Val, type Form } from '../layout.js';
import type { OnnxGraph, OnnxNode } from '../graph.js';

const show = (s: (number | null)[]) => `[${s.map((d) => d ?? 'N')}]`;
const isIdentity = (p: number[]) => p.every((d, i) => d === i);
/** Where each axis of an NHWC tensor comes from in ONNX's order. */
const FROM_NHWC = [0, 2, 3, 1];

/**
 * An integer list given as attribute `attr` before opset `inputFrom` and as constant input i from
 * it on; null when absent, a string saying why when it is computed.
 */
export function intsArg(node: OnnxNode, g: OnnxGraph, attr: string, i: number, inputFrom: number): number[] | null | string {
  if (g.opset < inputFrom) return attrInts(node, attr, null);
  if ((node.inputs[i] ?? '') === '') return null;
  const c = graphConstant(g, node, i);
  if (c === undefined || c.dtype === 'float32') return `input ${i} (${attr}) must be a constant list of integers`;
  return c.data as number[];
}

export function ints(node: OnnxNode, b: Builder, attr: string, i: number, inputFrom: number): number[] | null {
  const v = intsArg(node, b.graph, attr, i, inputFrom);
  if (typeof v === 'string') fail(`${where(node)}: ${v}`);
  return v;
}

export const intsCheck = (attr: string, i: number, inputFrom: number) => (node: OnnxNode, g: OnnxGraph): string | null => {
  const v = intsArg(node, g, attr, i, inputFrom);
  return typeof v === 'string' ? v : null;
};

/** An axis in [-rank, rank) made non-negative; the batch axis refused unless allowed. */
export function axisOf(node: OnnxNode, a: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(a) || a < -rank || a >= rank) fail(`${where(node)}: ${what} ${a} is out of range for rank ${rank}`);
  const ax = a < 0 ? a + rank : a;
  if (ax === 0) fail(`${where(node)}: ${what} 0 is the batch dimension, which the model keeps (not supported)`);
  return ax;
}

/** Most rows an index list (strided Slice, Pad, Gather) may hold: the file's numbers cannot make the importer build a huge one. */
export const MAX_ROWS = 1 << 20;

function checkRows(node: OnnxNode, n: number, what: string): void {
  if (!(n <= MAX_ROWS)) fail(`${where(node)}: ${what} would have ${n} rows, more than ${MAX_ROWS}`);
}

/** A static (non-batch) dimension. */
function dimOf(node: OnnxNode, x: Val, ax: number): number {
  const d = x.shape[ax];
  if (d === null) fail(`${where(node)}: dimension ${ax} of ${show(x.shape)} is not known`);
  return d;
}

export function onnxOp(b: Builder, node: OnnxNode, sym: SymbolicTensor, op: string, attrs: Record<string, number | number[] | number[][]>, suffix = ''): SymbolicTensor {
  return b.apply(new OnnxOp({ name: b.layerName(node, suffix), op, attrs }), sym);
}

/** Picks rows `indices` of axis ax (in the form's order); nothing when they are all rows in order. */
function take(b: Builder, node: OnnxNode, sym: SymbolicTensor, ax: number, indices: number[], suffix = ''): SymbolicTensor {
  if (indices.length === sym.shape[ax] && isIdentity(indices)) return sym;
  if (indices.length === 0) fail(`${where(node)}: the result would be empty along axis ${ax}`);
  return onnxOp(b, node, sym, 'take', { axis: ax, indices }, suffix);
}

/** A Reshape to an ONNX shape (batch kept); from the NHWC form when only size-1 axes go and the rest keep their order. */
function reshapeTo(b: Builder, node: OnnxNode, x: Val, out: (number | null)[], removed: number[] = []): void {
  if (axisForm(x) === 'nhwc' && removed.length > 0) {
    const kept = NHWC_AXIS.map((p, a) => [p, a]).filter(([, a]) => !removed.includes(a)).sort((p, q) => p[0] - q[0]).map(([, a]) => a);
    if (kept.every((a, i) => i === 0 || a > kept[i - 1])) {
      b.set(node.outputs[0], Val.of('onnx', b.apply(new Reshape({ name: b.layerName(node), targetShape: out.slice(1) as number[] }), x.forms.get('nhwc')!)));
      return;
    }
  }
  b.set(node.outputs[0], Val.of('onnx', b.apply(new Reshape({ name: b.layerName(node), targetShape: out.slice(1) as number[] }), b.form(x, 'onnx'))));
}

const transpose: OpHandler = {
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const r = x.rank;
    const perm = attrInts(node, 'perm', null) ?? Array.from({ length: r }, (_, i) => r - 1 - i);
    if (perm.length !== r || [...perm].sort((p, q) => p - q).some((d, i) => d !== i)) fail(`${where(node)}: perm [${perm}] is not a permutation of ${r} axes`);
    const form = axisForm(x);
    const src = b.form(x, form);
    // Output axis i comes from position toOnnx[i] of the held tensor; its NHWC form from toNhwc.
    const toOnnx = perm.map((p) => axisIn(form, p));
    if (perm[0] !== 0) {
      // The batch moves: Permute keeps it first, so an OnnxOp transposes every axis.
      b.set(node.outputs[0], Val.of('onnx', b.apply(new OnnxOp({ name: b.layerName(node), op: 'transpose', attrs: { perm: toOnnx } }), src)));
      return;
    }
    const toNhwc = r === 4 ? FROM_NHWC.map((j) => toOnnx[j]) : null;
    if (toNhwc !== null && isIdentity(toNhwc)) b.set(node.outputs[0], Val.of('nhwc', src));
    else if (isIdentity(toOnnx)) b.set(node.outputs[0], Val.of('onnx', src));
    else if (toNhwc !== null && form === 'onnx' && x.forms.size === 1) {
      // Lands NHWC: the next convolution reads it as it is.
      b.set(node.outputs[0], Val.of('nhwc', b.apply(new Permute({ name: b.layerName(node), dims: toNhwc.slice(1) }), src)));
    } else b.set(node.outputs[0], Val.of('onnx', b.apply(new Permute({ name: b.layerName(node), dims: toOnnx.slice(1) }), src)));
  },
};

const concat: OpHandler = {
  check: (node, g) => (node.inputs.some((v) => g.constants.has(v)) ? 'constant inputs are not supported (only computed tensors)' : null),
  build: (node, b) => {
    const xs = node.inputs.map((_, i) => b.tensor(node, i));
    const r = xs[0].rank;
    if (xs.some((x) => x.rank !== r)) fail(`${where(node)}: inputs ${xs.map((x) => show(x.shape)).join(', ')} differ in rank`);
    if (!node.attrs.has('axis')) fail(`${where(node)}: attribute 'axis' is required`);
    const ax = axisOf(node, attrInt(node, 'axis', 0), r);
    if (xs.length === 1) { b.set(node.outputs[0], xs[0]); return; }
    const form: Form = r === 4 && xs.some((x) => axisForm(x) === 'nhwc') ? 'nhwc' : 'onnx';
    const y = b.apply(new Concatenate({ name: b.layerName(node), axis: axisIn(form, ax) }), xs.map((x) => b.form(x, form)));
    b.set(node.outputs[0], Val.of(form, y));
  },
};

const split: OpHandler = {
  check: intsCheck('split', 1, 13),
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const ax = axisOf(node, attrInt(node, 'axis', 0), x.rank);
    const d = dimOf(node, x, ax);
    const n = node.outputs.length;
    let sizes = ints(node, b, 'split', 1, 13);
    if (sizes === null) {
      const parts = b.graph.opset >= 18 && node.attrs.has('num_outputs') ? attrInt(node, 'num_outputs', n) : n;
      if (parts !== n) fail(`${where(node)}: num_outputs ${parts} but ${n} outputs`);
      const each = b.graph.opset >= 18 ? Math.ceil(d / n) : d / n;
      if (!Number.isInteger(each)) fail(`${where(node)}: ${d} does not split into ${n} equal parts`);
      sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(each, d - i * each)));
    }
    if (sizes.length !== n || sizes.some((s) => s < 1) || sizes.reduce((p, s) => p + s, 0) !== d) {
      fail(`${where(node)}: split [${sizes}] does not cut ${d} into ${n} non-empty parts`);
    }
    const form = axisForm(x);
    const at = axisIn(form, ax), src = b.form(x, form);
    let begin = 0;
    sizes.forEach((s, i) => {
      const out = node.outputs[i];
      if (out !== '') {
        const rank = x.rank;
        const y = onnxOp(b, node, src, 'slice', { begin: Array.from({ length: rank }, (_, k) => (k === at ? begin : 0)),
          size: Array.from({ length: rank }, (_, k) => (k === at ? s : -1)) }, `_${i}`);
        b.set(out, Val.of(form, y));
      }
      begin += s;
    });
  },
};

/** Slice's rows of one axis of size d: ONNX's clamping of starts and ends for either sign of step. */
function sliceRows(start: number, end: number, step: number, d: number): number[] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  let s = start < 0 ? start + d : start, e = end < 0 ? end + d : end;
  if (step > 0) { s = clamp(s, 0, d); e = clamp(e, 0, d); } else { s = clamp(s, 0, d - 1); e = clamp(e, -1, d - 1); }
  const rows: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) rows.push(i);
  return rows;
}

/** [first, end) of a step-1 slice of an axis of size d. */
function sliceRange(start: number, end: number, d: number): [number, number] {
  const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
  return [clamp(start), clamp(end)];
}

const sliceOp: OpHandler = {
  check: (node, g) => {
    for (const [attr, i] of [['starts', 1], ['ends', 2], ['axes', 3], ['steps', 4]] as [string, number][]) {
      const why = intsCheck(attr, i, 10)(node, g);
      if (why !== null) return why;
    }
    return null;
  },
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const r = x.rank;
    const starts = ints(node, b, 'starts', 1, 10), ends = ints(node, b, 'ends', 2, 10);
    if (starts === null || ends === null || starts.length !== ends.length) fail(`${where(node)}: starts and ends must be given, of one length`);
    const axes = (ints(node, b, 'axes', 3, 10) ?? starts.map((_, i) => i)).map((a) => {
      if (!Number.isInteger(a) || a < -r || a >= r) fail(`${where(node)}: axis ${a} is out of range for rank ${r}`);
      return a < 0 ? a + r : a;
    });
    const steps = ints(node, b, 'steps', 4, 10) ?? starts.map(() => 1);
    if (axes.length !== starts.length || steps.length !== starts.length || new Set(axes).size !== axes.length) fail(`${where(node)}: axes and steps must match starts, one entry an axis`);
    if (steps.some((s) => s === 0)) fail(`${where(node)}: a step is 0`);
    const form = axisForm(x);
    const begin = Array(r).fill(0), size = Array(r).fill(-1);
    const strided: [number, number[]][] = [];
    axes.forEach((a, i) => {
      if (a === 0) {
        // The batch may only be taken whole.
        if (starts[i] === 0 && ends[i] >= 2 ** 31 - 1 && steps[i] === 1) return;
        fail(`${where(node)}: slicing the batch dimension is not supported`);
      }
      const d = dimOf(node, x, a), at = axisIn(form, a);
      if (steps[i] === 1) {
        // A contiguous range: a slice.
        const [first, end] = sliceRange(starts[i], ends[i], d);
        if (end <= first) fail(`${where(node)}: the slice of axis ${a} is empty`);
        begin[at] = first;
        size[at] = end - first;
        return;
      }
      checkRows(node, Math.ceil(d / Math.abs(steps[i])), `the strided slice of axis ${a}`);
      const rows = sliceRows(starts[i], ends[i], steps[i], d);
      if (rows.length === 0) fail(`${where(node)}: the slice of axis ${a} is empty`);
      strided.push([at, rows]);
    });
    let sym = b.form(x, form);
    if (size.some((s, i) => s !== -1 && s !== sym.shape[i])) sym = onnxOp(b, node, sym, 'slice', { begin, size });
    for (const [at, rows] of strided) sym = take(b, node, sym, at, rows, `_axis${at}`);
    b.set(node.outputs[0], Val.of(form, sym));
  },
};

const PAD_MODES = ['constant', 'reflect', 'edge', 'wrap'];

/** Source rows of an axis of size d padded by before / after (negative: cropped) in a mode other than constant. */
function padRows(mode: string, d: number, before: number, after: number): number[] {
  const rows: number[] = [];
  for (let i = -before; i < d + after; i++) {
    if (mode === 'edge') rows.push(Math.min(d - 1, Math.max(0, i)));
    else if (mode === 'wrap') rows.push(((i % d) + d) % d);
    else {
      let j = i;
      while (d > 1 && (j < 0 || j >= d)) j = j < 0 ? -j : 2 * (d - 1) - j;
      rows.push(d > 1 ? j : 0);
    }
  }
  return rows;
}

const padOp: OpHandler = {
  check: (node, g) => {
    const mode = attrString(node, 'mode', 'constant');
    if (!PAD_MODES.includes(mode)) return `mode ${JSON.stringify(mode)} is not one of ${PAD_MODES.join(', ')}`;
    const why = intsCheck('pads', 1, 11)(node, g) ?? intsCheck('axes', 3, 18)(node, g);
    if (why !== null) return why;
    if (g.opset >= 11 && (node.inputs[2] ?? '') !== '') {
      const v = graphConstant(g, node, 2);
      if (v === undefined || v.dtype !== 'float32' || v.data.length !== 1) return 'constant_value (input 2) must be a float32 constant scalar';
    }
    return null;
  },
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const r = x.rank;
    const mode = attrString(node, 'mode', 'constant');
    const pads = ints(node, b, 'pads', 1, 11);
    const axes = (ints(node, b, 'axes', 3, 18) ?? Array.from({ length: r }, (_, i) => i)).map((a) => (a < 0 ? a + r : a));
    if (pads === null || pads.length !== 2 * axes.length || axes.some((a) => a < 0 || a >= r)) fail(`${where(node)}: pads must hold 2 x ${axes.length} values`);
    const value = b.graph.opset < 11 ? attrFloat(node, 'value', 0) : (node.inputs[2] ?? '') === '' ? 0 : b.constant(node, 2)!.data[0];
    const form = axisForm(x);
    let sym = b.form(x, form);
    const paddings = Array.from({ length: r }, () => [0, 0]);
    const begin = Array(r).fill(0), size = Array(r).fill(-1);
    axes.forEach((a, i) => {
      const before = pads[i], after = pads[i + axes.length];
      if (before === 0 && after === 0) return;
      if (a === 0) fail(`${where(node)}: padding the batch dimension is not supported`);
      const d = dimOf(node, x, a), at = axisIn(form, a);
      checkRows(node, Math.abs(before) + Math.abs(after), `the padding of axis ${a}`);
      if (mode !== 'constant') checkRows(node, d + before + after, `the padded axis ${a}`);
      if (d + before + after <= 0) fail(`${where(node)}: pads ${before}, ${after} leave nothing of axis ${a} (size ${d})`);
      if (mode !== 'constant') {
        if (mode === 'reflect' && (before >= d || after >= d)) fail(`${where(node)}: reflect pads ${before}, ${after} must be below the size ${d}`);
        sym = take(b, node, sym, at, padRows(mode, d, before, after), `_axis${at}`);
        return;
      }
      // Negative pads crop (a slice first); positive ones pad with the value.
      begin[at] = Math.max(0, -before);
      size[at] = d + Math.min(0, before) + Math.min(0, after);
      paddings[at] = [Math.max(0, before), Math.max(0, after)];
    });
    if (size.some((s) => s !== -1)) sym = onnxOp(b, node, sym, 'slice', { begin, size }, '_crop');
    if (paddings.some(([p, q]) => p + q > 0)) sym = onnxOp(b, node, sym, 'pad', { paddings, value });
    b.set(node.outputs[0], Val.of(form, sym));
  },
};

const squeeze: OpHandler = {
  check: intsCheck('axes', 1, 13),
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const given = ints(node, b, 'axes', 1, 13);
    const axes = given === null ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : given.map((a) => axisOf(node, a, x.rank, 'axes entry'));
    if (axes.includes(0)) fail(`${where(node)}: squeezing the batch dimension is not supported`);
    for (const a of axes) if (x.shape[a] !== 1) fail(`${where(node)}: axis ${a} of ${show(x.shape)} is not 1`);
    if (axes.length === 0) { b.set(node.outputs[0], x); return; }
    reshapeTo(b, node, x, x.shape.filter((_, i) => !axes.includes(i)), axes);
  },
};

const unsqueeze: OpHandler = {
  check: intsCheck('axes', 1, 13),
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const given = ints(node, b, 'axes', 1, 13);
    if (given === null || given.length === 0) fail(`${where(node)}: axes must be given`);
    const rank = x.rank + given.length;
    const axes = given.map((a) => axisOf(node, a, rank, 'axes entry'));
    if (new Set(axes).size !== axes.length) fail(`${where(node)}: axes [${given}] repeat an axis`);
    const out: (number | null)[] = [];
    for (let i = 0, j = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[j++]);
    reshapeTo(b, node, x, out);
  },
};

const gather: OpHandler = {
  check: (node, g) => {
    const data = graphConstant(g, node, 0), ind = graphConstant(g, node, 1);
    if (data !== undefined) {
      // An embedding lookup: rows of a constant table picked by computed ids.
      if (ind !== undefined) return 'constant data and constant indices (constant folding is not supported)';
      if (data.dtype !== 'float32' || data.dims.length !== 2) return 'a constant table (input 0) must be a float32 matrix [rows, features]';
      const axis = attrInt(node, 'axis', 0);
      return axis === 0 || axis === -2 ? null : `axis ${axis} of a constant table is not supported (only 0, an embedding lookup)`;
    }
    if (ind === undefined || ind.dtype === 'float32') return 'the indices (input 1) must be a constant of integers, or the data a constant table';
    return null;
  },
  build: (node, b) => {
    const table = b.constant(node, 0);
    if (table !== undefined) {
      // Gather(table [V, D], ids [N, ...]) = Embedding(V, D): [N, ..., D]; ids are checked against V when it runs.
      const ids = b.tensor(node, 1);
      const [v, d] = table.dims;
      const layer = new Embedding({ name: b.layerName(node), inputDim: v, outputDim: d, embeddingsInitializer: dataInitializer(table.data as Float32Array) });
      b.set(node.outputs[0], Val.of('onnx', b.apply(layer, b.form(ids, 'onnx'))));
      return;
    }
    const x = b.tensor(node, 0);
    const ind = b.constant(node, 1)!;
    const ax = axisOf(node, attrInt(node, 'axis', 0), x.rank);
    const d = dimOf(node, x, ax);
    const rows = (ind.data as number[]).map((i) => {
      if (i < -d || i >= d) fail(`${where(node)}: index ${i} is out of range for dimension ${ax} of ${show(x.shape)}`);
      return i < 0 ? i + d : i;
    });
    if (ind.dims.length === 1) {
      const form = axisForm(x);
      b.set(node.outputs[0], Val.of(form, take(b, node, b.form(x, form), axisIn(form, ax), rows)));
      return;
    }
    const picked = Val.of('onnx', take(b, node, b.form(x, 'onnx'), ax, rows, '_take'));
    const out = [...x.shape.slice(0, ax), ...ind.dims, ...x.shape.slice(ax + 1)];
    reshapeTo(b, node, picked, out);
  },
};

export const transformOps: Record<string, OpHandler> = {
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: sliceOp,
  Pad: padOp,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Gather: gather,
};
