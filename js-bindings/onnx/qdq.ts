// ONNX's quantized forms in the f32 import. Weights stored as integers behind a DequantizeLinear
// become f32 constants here, exactly dequantized ((q − zero point) · scale, per tensor or per
// channel along `axis`), before the other rewrites see them. A QuantizeLinear → DequantizeLinear
// pair on a computed value is a clamp to the grid's range in the f32 model (no rounding); the grid it names
// ((qmin − zp) · s, (qmax − zp) · s) is kept on the value (Val.range) and becomes the value's
// calibration range when the import is quantized (fromOnnx(bytes, {quantized: true})).
import { attrInt, where } from './attrs.js';
import { fail } from './decode.js';
import type { OpHandler } from './builder.js';
import { clipBounds, elementwise } from './ops/activation.js';
import { OnnxOp } from './op_layer.js';
import type { OnnxConst, OnnxGraph, OnnxNode } from './graph.js';

const GRID: Record<string, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int32: [-(2 ** 31), 2 ** 31 - 1] };

interface Affine { scale: Float32Array; zeroPoint: number[]; axis: number | null; dtype: string }

/** The node's scale and zero point (inputs 1, 2), checked against x's dims; an Error names the node and the problem. */
function affine(g: OnnxGraph, n: OnnxNode, dims: number[] | null, xType: string | null): Affine {
  const s = g.constants.get(n.inputs[1] ?? '');
  if (s === undefined || s.dtype !== 'float32') fail(`${where(n)}: the scale (input 1) must be a float32 constant`);
  const scale = s.data as Float32Array;
  const bad = scale.findIndex((v) => !(Number.isFinite(v) && v > 0));
  if (bad >= 0) fail(`${where(n)}: scales must be finite and positive, got ${scale[bad]} at ${bad}`);
  const zpName = n.inputs[2] ?? '';
  const z = zpName === '' ? undefined : g.constants.get(zpName);
  if (zpName !== '' && z === undefined) fail(`${where(n)}: the zero point (input 2) must be a constant`);
  const dtype = z?.dtype ?? xType ?? 'uint8';
  if (!(dtype in GRID)) fail(`${where(n)}: zero points of type ${dtype} are not supported (int8, uint8, int32)`);
  if (xType !== null && z !== undefined && z.dtype !== xType) fail(`${where(n)}: the zero point is ${z.dtype} but the data is ${xType}`);
  const zeroPoint = z === undefined ? new Array<number>(scale.length).fill(0) : (z.data as number[]);
  if (zeroPoint.length !== scale.length) fail(`${where(n)}: ${scale.length} scale(s) but ${zeroPoint.length} zero point(s)`);
  const [lo, hi] = GRID[dtype];
  if (zeroPoint.some((v) => v < lo || v > hi)) fail(`${where(n)}: zero points must lie in [${lo}, ${hi}] for ${dtype}`);
  if (s.dims.length > 1) fail(`${where(n)}: the scale must be a scalar or 1-D, got [${s.dims}]`);
  if (scale.length === 1 && s.dims.length === 0) return { scale, zeroPoint, axis: null, dtype };
  if (dims === null) {
    if (scale.length !== 1) fail(`${where(n)}: per-channel scales on a computed value are not supported (one scale per tensor)`);
    return { scale, zeroPoint, axis: null, dtype };
  }
  const raw = attrInt(n, 'axis', 1);
  const axis = raw < 0 ? raw + dims.length : raw;
  if (axis < 0 || axis >= dims.length) fail(`${where(n)}: axis ${raw} is out of range for rank ${dims.length}`);
  if (scale.length !== dims[axis] && scale.length !== 1) fail(`${where(n)}: ${scale.length} scales for axis ${raw} of [${dims}] (${dims[axis]} channels)`);
  return { scale, zeroPoint, axis: scale.length === 1 ? null : axis, dtype };
}

/** (q − zp) · scale for every element of c, per channel along the node's axis. */
function dequantize(g: OnnxGraph, n: OnnxNode, c: OnnxConst): Float32Array {
  if (c.dtype !== 'int8' && c.dtype !== 'uint8' && c.dtype !== 'int32') fail(`${where(n)}: the data must be int8, uint8 or int32, got ${c.dtype}`);
  const a = affine(g, n, c.dims, c.dtype);
  const q = c.data as number[];
  const inner = a.axis === null ? 1 : c.dims.slice(a.axis + 1).reduce((x, d) => x * d, 1);
  const channels = a.scale.length;
  return Float32Array.from(q, (v, i) => {
    const ch = a.axis === null ? 0 : Math.floor(i / inner) % channels;
    return (v - a.zeroPoint[ch]) * a.scale[ch];
  });
}

/** Replaces every DequantizeLinear of a constant by the f32 constant it computes (in place). */
export function foldDequantizedConstants(g: OnnxGraph): void {
  g.nodes = g.nodes.filter((n) => {
    if (n.opType !== 'DequantizeLinear' || n.domain !== '' || !g.constants.has(n.inputs[0] ?? '') || (n.outputs[0] ?? '') === '') return true;
    const c = g.constants.get(n.inputs[0])!;
    g.constants.set(n.outputs[0], { name: n.outputs[0], dims: c.dims, dtype: 'float32', data: dequantize(g, n, c) });
    return false;
  });
}

let expanded = 0;
function constantName(g: OnnxGraph, base: string, dims: number[], data: Float32Array): string {
  let name = `${base}/lepton_dequantized_${expanded++}`;
  while (g.constants.has(name)) name = `${base}/lepton_dequantized_${expanded++}`;
  g.constants.set(name, { name, dims, dtype: 'float32', data });
  return name;
}

/**
 * QOperator nodes as the QDQ form they compute: QLinearConv → Conv with its weights and int32 bias
 * (at scale x_scale · w_scale[c]) dequantized, then a QuantizeLinear to y's grid; QLinearMatMul →
 * MatMul with the constant right side dequantized, then the QuantizeLinear. The value they read is
 * already the f32 reading of its grid (a QuantizeLinear made it), so nothing else changes.
 */
export function expandQLinear(g: OnnxGraph): void {
  const out: OnnxNode[] = [];
  for (const n of g.nodes) {
    const conv = n.opType === 'QLinearConv';
    if (n.domain !== '' || (!conv && n.opType !== 'QLinearMatMul')) { out.push(n); continue; }
    const [x, xs, , w, ws, wz, ys, yz, bias] = n.inputs;
    const wq = g.constants.get(w ?? '');
    if (wq === undefined) fail(`${where(n)}: the weights (input 3) must be a constant`);
    // The weights through a DequantizeLinear of their scale and zero point (per output channel: axis 0 for Conv, 1 for MatMul's [K, N]).
    const wNode: OnnxNode = { name: n.name, opType: n.opType, domain: '', inputs: [w, ws, wz ?? ''], outputs: [], attrs: new Map([['axis', conv ? 0 : 1]]) };
    if (wq.dims.length !== (conv ? 4 : 2)) fail(`${where(n)}: the weights must be of rank ${conv ? 4 : 2}, got [${wq.dims}]`);
    const wf = constantName(g, n.name, wq.dims, dequantize(g, wNode, wq));
    const inputs = [x, wf];
    if (conv && (bias ?? '') !== '') {
      const b = g.constants.get(bias);
      if (b === undefined || b.dtype !== 'int32') fail(`${where(n)}: the bias (input 8) must be an int32 constant`);
      const sx = affine(g, { ...n, inputs: [x, xs, ''] }, null, null).scale[0];
      const sw = affine(g, wNode, wq.dims, wq.dtype);
      const perChannel = sw.scale.length;
      if (b.data.length !== wq.dims[0]) fail(`${where(n)}: the bias has ${b.data.length} values for ${wq.dims[0]} output channels`);
      inputs.push(constantName(g, n.name, [b.data.length], Float32Array.from(b.data as number[], (v, c) => v * sx * sw.scale[perChannel === 1 ? 0 : c])));
    }
    const f32 = `${n.outputs[0]}/lepton_f32`;
    const attrs = new Map(n.attrs);
    out.push({ name: n.name, opType: conv ? 'Conv' : 'MatMul', domain: '', inputs, outputs: [f32], attrs });
    out.push({ name: `${n.name}/quantize`, opType: 'QuantizeLinear', domain: '', inputs: [f32, ys, yz ?? ''], outputs: [n.outputs[0]], attrs: new Map() });
  }
  g.nodes = out;
}

/** The f32 range a per-tensor QuantizeLinear's grid covers. */
function gridRange(g: OnnxGraph, n: OnnxNode): [number, number] {
  const a = affine(g, n, null, null);
  if (a.dtype === 'int32') fail(`${where(n)}: int32 activations are not supported (int8, uint8)`);
  const [lo, hi] = GRID[a.dtype];
  return [(lo - a.zeroPoint[0]) * a.scale[0], (hi - a.zeroPoint[0]) * a.scale[0]];
}

const checked = (f: () => void): string | null => {
  try { f(); return null; } catch (e) { return (e as Error).message.replace(/^fromOnnx: /, ''); }
};

export const qdqOps: Record<string, OpHandler> = {
  // x → its grid: in f32 a clamp to the grid's range (ORT saturates there; rounding is left out),
  // none when a Clip inside that range made x (as toOnnx writes); the range is kept on the value.
  QuantizeLinear: {
    check: (n, g) => checked(() => gridRange(g, n)),
    build: (n, b) => {
      const grid = gridRange(b.graph, n);
      const dropped = n.attrs.get('lepton.clip') as number[] | undefined;
      const made = b.graph.nodes.find((p) => p.outputs[0] === n.inputs[0]);
      const bounds = dropped ?? (made?.opType === 'Clip' ? clipBounds(made, b.graph) : null);
      // A Clip before the QuantizeLinear narrows the range (toOnnx's Clip holds Lepton's 7-bit half of the uint8 grid).
      const r: [number, number] = Array.isArray(bounds) ? [Math.max(grid[0], bounds[0]), Math.min(grid[1], bounds[1])] : grid;
      if (!(r[0] < r[1])) fail(`${where(n)}: the Clip before it leaves an empty range of its grid [${grid}]`);
      const tol = 1e-6 * Math.max(Math.abs(grid[0]), Math.abs(grid[1]));
      if (dropped !== undefined || n.attrs.has('lepton.saturates') || (Array.isArray(bounds) && bounds[0] >= grid[0] - tol && bounds[1] <= grid[1] + tol)) {
        b.set(n.outputs[0], b.tensor(n, 0));
      } else {
        elementwise(b, n, (name) => new OnnxOp({ name, op: 'clip', attrs: { min: grid[0], max: grid[1] } }));
      }
      const y = b.tensor({ ...n, inputs: [n.outputs[0]] }, 0);
      y.range = y.range === undefined ? r : [Math.max(y.range[0], r[0]), Math.min(y.range[1], r[1])];
    },
  },
  // On a computed value (constants were folded before): the integer value's f32 reading, the same value.
  DequantizeLinear: {
    check: (n, g) => checked(() => affine(g, n, null, null)),
    build: (n, b) => {
      const x = b.tensor(n, 0);
      if (x.range === undefined) fail(`${where(n)}: reads a computed value no QuantizeLinear made (only Q → DQ pairs and constant weights are supported)`);
      b.set(n.outputs[0], x);
    },
  },
  // Rewritten as Conv / MatMul + QuantizeLinear before import (expandQLinear); listed here as supported.
  QLinearConv: { build: (n) => fail(`${where(n)}: internal: not expanded`) },
  QLinearMatMul: { build: (n) => fail(`${where(n)}: internal: not expanded`) },
};

/**
 * Rewrites for the int8 import ({quantized: true}), after fold.ts: no QuantizeLinear clamps (the
 * int8 model's quantize saturates at the recorded range); a Clip whose only reader is a
 * QuantizeLinear goes (its bounds kept as the QuantizeLinear's 'lepton.clip'): quantizing to the
 * recorded range saturates there anyway, and the Conv or Dense before it then writes int8
 * directly. A Softmax (last axis) reading only a Gemm's output becomes the Dense's activation,
 * the float output step the int8 plan runs after its last int8 matrix product.
 */
export function prepareQuantized(g: OnnxGraph): void {
  const reads = new Map<string, number>();
  for (const n of g.nodes) for (const v of new Set(n.inputs)) reads.set(v, (reads.get(v) ?? 0) + 1);
  for (const o of g.outputs) reads.set(o.name, (reads.get(o.name) ?? 0) + 1);
  const producer = new Map(g.nodes.map((n) => [n.outputs[0], n]));
  const removed = new Set<OnnxNode>();
  for (const n of g.nodes) {
    if (n.opType === 'QuantizeLinear' && n.domain === '') n.attrs.set('lepton.saturates', 1);
    const p = producer.get(n.inputs[0] ?? '');
    if (p === undefined || p.domain !== '' || n.domain !== '' || reads.get(n.inputs[0]) !== 1) continue;
    if (n.opType === 'QuantizeLinear' && p.opType === 'Clip') {
      const bounds = clipBounds(p, g);
      if (typeof bounds === 'string') continue;
      n.attrs.set('lepton.clip', bounds);
      n.inputs[0] = p.inputs[0];
      removed.add(p);
    } else if (n.opType === 'Softmax' && p.opType === 'Gemm' && !p.attrs.has('lepton.activation') && [-1, 1].includes(attrInt(n, 'axis', g.opset >= 13 ? -1 : 1))) {
      const c = g.constants.get(p.inputs[2] ?? '');
      if (c !== undefined && c.dims.length >= 2 && c.dims[0] !== 1) continue;
      p.attrs.set('lepton.activation', 'softmax');
      p.outputs[0] = n.outputs[0];
      producer.set(p.outputs[0], p);
      removed.add(n);
    }
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
}
