// Checks of a model file's JSON header, which is untrusted: every field's type and range, every
// tensor's size against its shape and dtype (overflow-safe), offsets inside the data region,
// 16-aligned and not overlapping. Nothing is allocated or read from the data before this passes.
import { DTYPE_BYTES, ZERO_POINT_RANGE, type Encoding, type FileDType, type FileHeader, type Quantization, type TensorEntry } from './types.js';
import { sparseLength } from './sparse.js';
import { HUFFMAN_TABLE_BYTES } from './huffman.js';
import { sparse24Dims, sparse24LengthFits } from './sparse24.js';
import { gapChannels, gapLengthFits } from './gap_huffman.js';
import { decodeBase64F32 } from './base64.js';

export const LIMITS = {
  /** Tensors in one file. */
  tensors: 100_000,
  /** Dimensions of one tensor. */
  rank: 8,
  /** Characters of a tensor name. */
  name: 512,
  /** Nesting of arrays and objects in the header. */
  depth: 64,
  /** Elements of one tensor (also bounded by the bytes the file really has). */
  elements: 2 ** 40,
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

/** The deepest nesting of [ and { in JSON text (strings skipped): checked before JSON.parse. */
export function jsonDepth(text: string): number {
  let depth = 0, deepest = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5C) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5B || c === 0x7B) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5D || c === 0x7D) depth--;
  }
  return deepest;
}

function checkQuantization(fail: (m: string) => never, q: unknown, dtype: FileDType, shape: number[]): Quantization {
  if (!isObject(q)) fail('quantization must be an object {scale, zeroPoint, axis?}');
  const range = ZERO_POINT_RANGE[dtype];
  if (range === undefined) fail(`quantization needs an integer dtype, got ${dtype}`);
  const { scale, zeroPoint, axis } = q;
  if (axis !== undefined && !isInt(axis, 0, shape.length - 1)) fail(`quantization axis must be an integer in [0, ${shape.length - 1}], got ${JSON.stringify(axis)}`);
  const count = axis === undefined ? 1 : shape[axis as number];
  // Per-channel scales may come as base64 float32 bytes (the writer's form), or as a list of numbers.
  const scales = typeof scale === 'string' ? decodeBase64F32(scale, count) : scale;
  if (typeof scales === 'string') fail(`quantization scales: ${scales}`);
  if (!Array.isArray(scales) || scales.length !== count) {
    fail(`quantization needs ${count} scale(s), got ${Array.isArray(scales) ? scales.length : typeof scale}`);
  }
  // Zero points left out are all 0.
  const zeros = zeroPoint === undefined ? new Array<number>(count).fill(0) : zeroPoint;
  if (!Array.isArray(zeros) || zeros.length !== count) {
    fail(`quantization needs ${count} zero point(s), got ${Array.isArray(zeros) ? zeros.length : typeof zeros}`);
  }
  if (!(scales as unknown[]).every((s) => typeof s === 'number' && s > 0 && Number.isFinite(Math.fround(s)) && Math.fround(s) > 0)) {
    fail('quantization scales must be numbers > 0 within float32 range');
  }
  if (!(zeros as unknown[]).every((z) => isInt(z, range![0], range![1]))) fail(`quantization zero points must be integers in [${range}]`);
  return { scale: (scales as number[]).map((v) => Math.fround(v)), zeroPoint: [...zeros as number[]], ...(axis === undefined ? {} : { axis: axis as number }) };
}

/** Elements of a shape, or -1 when it exceeds LIMITS.elements (checked dimension by dimension). */
export function elementCount(shape: number[]): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > LIMITS.elements) return -1;
  }
  return n;
}

function checkEntry(op: string, raw: unknown, index: number, dataStart: number, dataEnd: number): TensorEntry {
  const what = isObject(raw) && typeof raw.name === 'string' ? `tensor '${raw.name.slice(0, 80)}'` : `tensor ${index}`;
  const fail = (m: string): never => { throw new Error(`${op}: ${what}: ${m}`); };
  if (!isObject(raw)) fail('must be an object');
  const e = raw as Record<string, unknown>;
  if (typeof e.name !== 'string' || e.name.length === 0 || e.name.length > LIMITS.name) fail(`name must be a string of 1 to ${LIMITS.name} characters`);
  if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, e.dtype)) {
    fail(`unknown dtype ${JSON.stringify(e.dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  const dtype = e.dtype as FileDType;
  if (!Array.isArray(e.shape) || e.shape.length > LIMITS.rank || !e.shape.every((d) => isInt(d, 0, 2 ** 31 - 1))) {
    fail(`shape must be a list of at most ${LIMITS.rank} integers in [0, 2^31), got ${JSON.stringify(e.shape)?.slice(0, 80)}`);
  }
  const shape = [...e.shape as number[]];
  const encoding = e.encoding ?? 'dense';
  if (!['dense', 'sparse', 'huffman', 'sparse24', 'gapHuffman'].includes(encoding as string)) {
    fail(`encoding must be 'dense', 'sparse', 'huffman', 'sparse24' or 'gapHuffman', got ${JSON.stringify(e.encoding)?.slice(0, 40)}`);
  }
  if (!isInt(e.offset, 0, Number.MAX_SAFE_INTEGER) || !isInt(e.length, 0, Number.MAX_SAFE_INTEGER)) fail('offset and length must be non-negative integers');
  const offset = e.offset as number, length = e.length as number;
  const n = elementCount(shape);
  if (n < 0) fail(`shape [${shape}] has more than 2^40 elements`);
  const esize = DTYPE_BYTES[dtype];
  let nnz: number | undefined;
  if (encoding === 'dense') {
    if (length !== n * esize) fail(`shape [${shape}] of ${dtype} needs ${n * esize} bytes, the table says ${length}`);
  } else if (encoding === 'huffman') {
    // Every element costs at least one bit: more than 8 per stored byte cannot be in the block.
    if (esize !== 1) fail(`the huffman encoding is for one-byte dtypes, not ${dtype}`);
    if (length < HUFFMAN_TABLE_BYTES || n > (length - HUFFMAN_TABLE_BYTES) * 8) {
      fail(`huffman shape [${shape}] cannot be held in ${length} bytes`);
    }
  } else if (encoding === 'gapHuffman') {
    const channels = gapChannels(shape);
    if (dtype !== 'int8') fail(`the gapHuffman encoding is for int8, not ${dtype}`);
    if (channels === null) fail(`gapHuffman needs a shape with a last axis of at least 1, got [${shape}]`);
    if (!gapLengthFits(n, channels!, length)) fail(`gapHuffman shape [${shape}] cannot be held in ${length} bytes`);
  } else if (encoding === 'sparse24') {
    const dims = sparse24Dims(shape);
    if (esize !== 1) fail(`the sparse24 encoding is for one-byte dtypes, not ${dtype}`);
    if (dims === null) fail(`sparse24 needs a shape [..., K, N] with K a multiple of 4, got [${shape}]`);
    if (!sparse24LengthFits(dims![0], dims![1], length)) fail(`sparse24 shape [${shape}] cannot be held in ${length} bytes`);
  } else {
    if (!isInt(e.nnz, 0, n)) fail(`nnz must be an integer in [0, ${n}], got ${JSON.stringify(e.nnz)}`);
    nnz = e.nnz as number;
    const want = sparseLength(n, nnz, esize);
    if (length !== want) fail(`sparse shape [${shape}] with ${nnz} nonzeros needs ${want} bytes, the table says ${length}`);
  }
  if (offset % 16 !== 0) fail(`offset ${offset} is not 16-byte aligned`);
  if (offset < dataStart) fail(`offset ${offset} points into the header (data starts at ${dataStart})`);
  if (offset + length > dataEnd) {
    fail(`truncated file: needs bytes ${offset}..${offset + length} but the data ends at ${dataEnd}`);
  }
  const quantization = e.quantization === undefined ? undefined : checkQuantization(fail, e.quantization, dtype, shape);
  return { name: e.name as string, dtype, shape, offset, length, encoding: encoding as Encoding, ...(nnz === undefined ? {} : { nnz }),
    ...(quantization === undefined ? {} : { quantization }) };
}

/** The checked header; dataStart..dataEnd is where tensor bytes may lie. */
export function checkHeader(op: string, json: unknown, dataStart: number, dataEnd: number): FileHeader {
  if (!isObject(json)) throw new Error(`${op}: the header must be a JSON object`);
  if (typeof json.kind !== 'string' || json.kind.length === 0 || json.kind.length > 64) {
    throw new Error(`${op}: the header's kind must be a short string, got ${JSON.stringify(json.kind)?.slice(0, 80)}`);
  }
  if (!Array.isArray(json.tensors)) throw new Error(`${op}: the header's tensors must be a list`);
  if (json.tensors.length > LIMITS.tensors) throw new Error(`${op}: ${json.tensors.length} tensors is more than the limit ${LIMITS.tensors}`);
  const tensors = json.tensors.map((t, i) => checkEntry(op, t, i, dataStart, dataEnd));
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`${op}: tensor '${t.name}' appears twice in the table`);
    names.add(t.name);
  }
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1], t = byOffset[i];
    if (t.offset < prev.offset + prev.length) {
      throw new Error(`${op}: tensor '${t.name}' (bytes ${t.offset}..${t.offset + t.length}) overlaps '${prev.name}' ` +
        `(bytes ${prev.offset}..${prev.offset + prev.length})`);
    }
  }
  return { kind: json.kind, config: json.config, tensors, ...(json.tokenizer === undefined ? {} : { tokenizer: json.tokenizer }) };
}
