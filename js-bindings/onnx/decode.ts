// ONNX bytes → a checked OnnxGraph. Files are untrusted input: every failure is a `fromOnnx: ...`
// Error, and every count and size is checked before anything is made from it — an initializer's
// dims against the data it carries (raw_data or the typed field) before its array is allocated,
// so nothing is allocated that the file's own bytes do not justify. Graph structure is checked
// too: opset 7 to 21 of the default domain, every node input a known value, no cycles (nodes are
// put in topological order), no value produced twice, graph inputs with static dims except a
// symbolic (or 0) batch dimension.
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import type { SymbolicShape } from '../layers/layer.js';
import { type AttrValue, type OnnxConst, type OnnxGraph, type OnnxNode, type OnnxValueInfo } from './graph.js';

const { onnx } = onnxProto;

/** What a file may hold; past these it is refused before the parts are walked. */
export const ONNX_LIMITS = {
  nodes: 100_000, initializers: 100_000, graphValues: 10_000, attributes: 256, rank: 8,
  /** Elements in one constant (1 GiB of float32). */
  constantElements: 1 << 28,
  /** Elements in one sample of a graph input. */
  inputElements: 2 ** 31,
  opsetMin: 7, opsetMax: 21, irMin: 3, irMax: 10,
};

const FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7;
const TYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16' };
const typeName = (t: number) => TYPE_NAMES[t] ?? `type ${t}`;

export function fail(message: string): never {
  throw new Error(`fromOnnx: ${message}`);
}

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);

interface LongLike { toNumber(): number; toString(): string }

/** A protobuf integer (number or Long) as a safe JS integer. */
function int(v: number | LongLike | null | undefined, what: string): number {
  const n = v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) fail(`${what} is not a safe integer (${String(v)})`);
  return n;
}

function checkCount(n: number, limit: number, what: string): void {
  if (n > limit) fail(`${what}: ${n} is more than the limit of ${limit}`);
}

/** An initializer or tensor attribute, its size checked against its data before the array is made. */
export function decodeTensor(t: P.ITensorProto, what: string): OnnxConst {
  const name = t.name ?? '';
  const where = `${what} ${quote(name)}`;
  if (t.dataLocation === 1) fail(`${where}: external data is not supported (save the model with its weights inside)`);
  if (t.segment) fail(`${where}: segmented tensors are not supported`);
  const type = t.dataType ?? 0;
  if (![FLOAT, INT32, INT64, INT8, UINT8].includes(type)) fail(`${where}: data type ${typeName(type)} is not supported (float32, int64, int32, int8, uint8)`);
  const dimList = t.dims ?? [];
  checkCount(dimList.length, ONNX_LIMITS.rank, `${where}: rank`);
  const dims = dimList.map((d, i) => {
    const v = int(d, `${where} dim ${i}`);
    if (v < 0) fail(`${where}: dim ${i} is negative (${v})`);
    return v;
  });
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (count > ONNX_LIMITS.constantElements) fail(`${where}: [${dims}] is more than ${ONNX_LIMITS.constantElements} elements`);
  }
  const width = type === INT64 ? 8 : type === INT8 || type === UINT8 ? 1 : 4;
  const raw = t.rawData;
  // int8 / uint8 values outside raw_data are held in int32_data, one per entry.
  const typed = type === FLOAT ? t.floatData : type === INT64 ? t.int64Data : t.int32Data;
  const small = type === INT8 ? 'int8' : type === UINT8 ? 'uint8' : null;
  if (raw && raw.length > 0) {
    if (raw.length !== count * width) {
      fail(`${where}: dims [${dims}] need ${count * width} bytes of ${typeName(type)}, raw_data has ${raw.length}`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (type === FLOAT) {
      // raw_data is little-endian: on a little-endian machine (all that run WebAssembly in practice) an aligned copy is the array.
      const data = LITTLE_ENDIAN ? new Float32Array(copyBytes(raw).buffer) : Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
      return { name, dims, dtype: 'float32', data };
    }
    if (type === INT32) return { name, dims, dtype: 'int32', data: Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true)) };
    if (small !== null) return { name, dims, dtype: small, data: Array.from({ length: count }, (_, i) => (small === 'int8' ? view.getInt8(i) : view.getUint8(i))) };
    return { name, dims, dtype: 'int64', data: Array.from({ length: count }, (_, i) => Number(view.getBigInt64(8 * i, true))) };
  }
  const n = typed?.length ?? 0;
  if (n !== count) fail(`${where}: dims [${dims}] need ${count} values of ${typeName(type)}, the tensor holds ${n}`);
  if (type === FLOAT) return { name, dims, dtype: 'float32', data: Float32Array.from(typed as number[]) };
  if (small !== null) {
    const [lo, hi] = small === 'int8' ? [-128, 127] : [0, 255];
    const vals = (typed as number[]).map(Number);
    if (vals.some((v) => !Number.isInteger(v) || v < lo || v > hi)) fail(`${where}: ${small} values must be integers in [${lo}, ${hi}]`);
    return { name, dims, dtype: small, data: vals };
  }
  return { name, dims, dtype: type === INT32 ? 'int32' : 'int64',
    data: (typed as (number | LongLike)[]).map((v) => (typeof v === 'number' ? v : Number(v.toString()))) };
}

const utf8 = new TextDecoder();
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes in a fresh, aligned buffer (protobufjs may hand out a Node Buffer view, whose slice() is no copy). */
function copyBytes(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.byteLength);
  out.set(raw);
  return out;
}

/** An attribute's value by its type (or, for old files with type 0, by the field that is set). */
function decodeAttr(a: P.IAttributeProto, where: string): AttrValue | undefined {
  const at = `${where} attribute ${quote(a.name ?? '')}`;
  const type = a.type || (a.t ? 4 : a.ints?.length ? 7 : a.floats?.length ? 6 : a.strings?.length ? 8 : a.s?.length ? 3 : a.f ? 1 : 2);
  switch (type) {
    case 1: return a.f ?? 0;
    case 2: return int(a.i, at);
    case 3: return utf8.decode(a.s ?? new Uint8Array());
    case 4: if (!a.t) fail(`${at}: tensor attribute without a tensor`); return decodeTensor(a.t, at);
    case 6: return [...(a.floats ?? [])];
    case 7: checkCount(a.ints?.length ?? 0, 1 << 16, `${at}: ints`); return (a.ints ?? []).map((v, i) => int(v, `${at}[${i}]`));
    case 8: return (a.strings ?? []).map((s) => utf8.decode(s));
    default: return undefined; // graphs, sparse tensors, type protos: no supported op reads them
  }
}

function valueInfo(v: P.IValueInfoProto, role: 'input' | 'output', free: Record<string, number>): OnnxValueInfo {
  const name = v.name ?? '';
  if (name === '') fail(`a graph ${role} has no name`);
  const tt = v.type?.tensorType;
  if (!tt) fail(`graph ${role} ${quote(name)} is not a tensor`);
  const integer = role === 'input' && (tt.elemType === INT64 || tt.elemType === INT32);
  if (tt.elemType !== FLOAT && !integer && !(role === 'output' && !tt.elemType)) {
    fail(`graph ${role} ${quote(name)} has element type ${typeName(tt.elemType ?? 0)}; only float32 (and int64 / int32 ids for a Gather) is supported`);
  }
  if (!tt.shape) {
    if (role === 'input') fail(`graph input ${quote(name)} has no shape`);
    return { name, shape: [] };
  }
  const dims = tt.shape.dim ?? [];
  checkCount(dims.length, ONNX_LIMITS.rank, `graph ${role} ${quote(name)}: rank`);
  const shape: SymbolicShape = dims.map((d, i) => {
    const n = d.dimParam ? (Object.hasOwn(free, d.dimParam) ? free[d.dimParam] : 0) : int(d.dimValue, `graph ${role} ${quote(name)} dim ${i}`);
    if (n < 0) fail(`graph ${role} ${quote(name)}: dim ${i} is negative (${n})`);
    return n > 0 ? n : null;
  });
  if (role === 'input') {
    if (shape.length < 2) fail(`graph input ${quote(name)} has rank ${shape.length}; inputs need a batch dimension and at least one more`);
    const bad = shape.findIndex((d, i) => i > 0 && d === null);
    if (bad > 0) {
      const param = dims[bad].dimParam ?? '';
      fail(`graph input ${quote(name)}: dim ${bad} is symbolic${param ? ` (${quote(param)})` : ''}; only the first (batch) dimension may be` +
        (param ? ` (give its size: fromOnnx(bytes, { freeDimensions: { ${quote(param)}: n } }))` : ''));
    }
    const sample = shape.slice(1).reduce<number>((a, d) => a * d!, 1);
    if (sample > ONNX_LIMITS.inputElements) fail(`graph input ${quote(name)}: [${shape.slice(1)}] is more than ${ONNX_LIMITS.inputElements} elements a sample`);
  }
  return integer ? { name, shape, integer } : { name, shape };
}

/** Decodes and checks a model; throws `fromOnnx: ...` Errors. */
/**
 * @param freeDimensions sizes for symbolic dimensions of the graph's inputs and outputs, by name
 *   (onnxruntime's freeDimensionOverrides): a time-major input [T, 'batch', I] needs its batch fixed
 */
export function decodeOnnx(bytes: Uint8Array | ArrayBuffer, freeDimensions: Record<string, number> = {}): OnnxGraph {
  if (typeof freeDimensions !== 'object' || freeDimensions === null || Object.values(freeDimensions).some((d) => !Number.isInteger(d) || d < 1 || d > 2 ** 31 - 1)) {
    fail(`freeDimensions must map dimension names to positive integers, got ${JSON.stringify(freeDimensions)?.slice(0, 80)}`);
  }
  const u8 = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
    : fail(`expects the model's bytes (a Uint8Array or ArrayBuffer), got ${Object.prototype.toString.call(bytes)}`);
  if (u8.length === 0) fail('the input is empty, not an ONNX model');
  let model: P.IModelProto;
  try {
    model = onnx.ModelProto.decode(u8);
  } catch (e) {
    fail(`the bytes are not a valid ONNX protobuf (truncated or not ONNX): ${(e as Error).message}`);
  }
  const ir = int(model.irVersion, 'ir_version');
  if (ir < ONNX_LIMITS.irMin || ir > ONNX_LIMITS.irMax) {
    fail(`ir_version ${ir} is not supported (${ONNX_LIMITS.irMin} to ${ONNX_LIMITS.irMax})${ir === 0 ? ': the bytes are probably not an ONNX model' : ''}`);
  }
  const opsets = model.opsetImport ?? [];
  const main = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!main) fail('the model imports no opset of the default (ai.onnx) domain');
  const opset = int(main.version, 'opset version');
  if (opset < ONNX_LIMITS.opsetMin || opset > ONNX_LIMITS.opsetMax) {
    fail(`opset ${opset} is not supported (${ONNX_LIMITS.opsetMin} to ${ONNX_LIMITS.opsetMax})`);
  }
  const g = model.graph;
  if (!g) fail('the model has no graph');
  checkCount(g.node?.length ?? 0, ONNX_LIMITS.nodes, 'nodes');
  checkCount(g.initializer?.length ?? 0, ONNX_LIMITS.initializers, 'initializers');
  checkCount((g.input?.length ?? 0) + (g.output?.length ?? 0), ONNX_LIMITS.graphValues, 'graph inputs and outputs');
  if ((g.sparseInitializer?.length ?? 0) > 0) fail('sparse initializers are not supported');

  const constants = new Map<string, OnnxConst>();
  for (const t of g.initializer ?? []) {
    const c = decodeTensor(t, 'initializer');
    if (c.name === '') fail('an initializer has no name');
    if (constants.has(c.name)) fail(`initializer ${quote(c.name)} is given twice`);
    constants.set(c.name, c);
  }
  // Old files list initializers among the inputs too: those are constants, not model inputs.
  const inputs = (g.input ?? []).filter((v) => !constants.has(v.name ?? '')).map((v) => valueInfo(v, 'input', freeDimensions));
  if (inputs.length === 0) fail('the graph has no inputs (other than initializers)');
  const outputs = (g.output ?? []).map((v) => valueInfo(v, 'output', freeDimensions));
  if (outputs.length === 0) fail('the graph has no outputs');

  const produced = new Set<string>([...constants.keys()]);
  for (const v of inputs) {
    if (produced.has(v.name)) fail(`graph input ${quote(v.name)} is given twice`);
    produced.add(v.name);
  }
  const nodes = (g.node ?? []).map((n, index): OnnxNode => {
    const opType = n.opType ?? '';
    const name = n.name || `${opType || 'node'}_${index}`;
    const where = `node ${quote(name)} (${opType || 'no op_type'})`;
    if (opType === '') fail(`${where} has no op_type`);
    checkCount(n.attribute?.length ?? 0, ONNX_LIMITS.attributes, `${where}: attributes`);
    const attrs = new Map<string, AttrValue>();
    for (const a of n.attribute ?? []) {
      // 'lepton.*' names are the importer's own annotations (fold.ts): a file cannot set them.
      if ((a.name ?? '').startsWith('lepton.')) continue;
      const v = decodeAttr(a, where);
      if (v !== undefined) attrs.set(a.name ?? '', v);
    }
    const outs = n.output ?? [];
    for (const o of outs) {
      if (o === '') continue;
      if (produced.has(o)) fail(`${where}: value ${quote(o)} is produced twice`);
      produced.add(o);
    }
    return { name, opType, domain: n.domain === 'ai.onnx' ? '' : n.domain ?? '', inputs: [...(n.input ?? [])], outputs: [...outs], attrs };
  });
  for (const n of nodes) {
    const unknown = n.inputs.find((i) => i !== '' && !produced.has(i));
    if (unknown !== undefined) fail(`node ${quote(n.name)} (${n.opType}) reads ${quote(unknown)}, which no node, input or initializer gives`);
  }
  for (const o of outputs) if (!produced.has(o.name)) fail(`graph output ${quote(o.name)} is not computed by the graph`);
  return { opset, inputs, outputs, constants, nodes: topologicalOrder(nodes, new Set([...constants.keys(), ...inputs.map((v) => v.name)])) };
}

/** Kahn's order of the nodes (files should already be sorted, but need not be); a cycle is an Error. */
function topologicalOrder(nodes: OnnxNode[], available: Set<string>): OnnxNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => { if (o !== '') producer.set(o, i); }));
  const waiting = nodes.map((n) => new Set(n.inputs.filter((i) => i !== '' && !available.has(i))).size);
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => new Set(n.inputs).forEach((v) => {
    if (v === '' || !producer.has(v)) return;
    let list = consumers.get(v);
    if (list === undefined) consumers.set(v, list = []);
    list.push(i);
  }));
  const ready = nodes.map((_, i) => i).filter((i) => waiting[i] === 0);
  const order: OnnxNode[] = [];
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head];
    order.push(nodes[i]);
    for (const o of nodes[i].outputs) {
      for (const c of consumers.get(o) ?? []) if (--waiting[c] === 0) ready.push(c);
    }
  }
  if (order.length < nodes.length) {
    const stuck = nodes.filter((_, i) => waiting[i] > 0).slice(0, 5).map((n) => `${quote(n.name)} (${n.opType})`);
    fail(`the graph has a cycle through nodes ${stuck.join(', ')}`);
  }
  return order;
}

