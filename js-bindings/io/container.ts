// The model file container: one binary with a JSON header and 16-byte aligned tensor blocks.
//
//   offset 0        8          12          16                16+H      align16
//   ┌───────────────┬──────────┬───────────┬──────────────────┬─────────┬──────────────────────┬─────────┐
//   │ magic (8)     │ version  │ header    │ header: UTF-8    │ zero    │ tensor blocks, each  │ CRC-32  │
//   │ 89 L E P T O N│ u32 LE   │ length H  │ JSON (kind,      │ padding │ at a 16-aligned      │ u32 LE  │
//   │ 1A            │ (1)      │ u32 LE    │ config, tensors) │         │ offset from byte 0   │ of all  │
//   └───────────────┴──────────┴───────────┴──────────────────┴─────────┴──────────────────────┴─────────┘
//
// The header holds the model kind, its config, optionally a tokenizer (data/tokenizer_json.ts,
// checked by io.load), and the tensor table. The table gives each tensor's name, dtype, shape,
// absolute offset, stored length, encoding (dense, sparse (sparse.ts), huffman (huffman.ts),
// sparse24 (sparse24.ts) or gapHuffman (gap_huffman.ts)) and quantization parameters, which the container
// checks and passes through without interpreting them. The reader checks magic, version and
// header length, parses and checks the header (schema.ts) against the file's length, then the
// checksum, before a single tensor byte is copied.
import { crc32 } from './crc32.js';
import { checkHeader, jsonDepth, LIMITS } from './schema.js';
import { countNonzero, decodeSparse, encodeSparse, sparseLength } from './sparse.js';
import { decodeHuffman, encodeHuffman } from './huffman.js';
import { decodeSparse24, encodeSparse24, sparse24Dims } from './sparse24.js';
import { decodeGapHuffman, encodeGapHuffman, gapChannels } from './gap_huffman.js';
import { encodeBase64F32 } from './base64.js';
import { DTYPE_BYTES, type Encoding, type FileHeader, type Quantization, type SavedTensor, type TensorEntry } from './types.js';

export const MAGIC = Uint8Array.of(0x89, 0x4C, 0x45, 0x50, 0x54, 0x4F, 0x4E, 0x1A);
export const FORMAT_VERSION = 1;
/** Magic, version and header length. */
const PREAMBLE = 16;
const CHECKSUM = 4;
/** Longest JSON header accepted. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

const align16 = (n: number) => Math.ceil(n / 16) * 16;

export interface WriteOptions {
  /** Store a tensor sparse when that is smaller (default true). */
  sparse?: boolean;
  /** Store a one-byte tensor (int8 weights) Huffman-coded when that is smaller (default true). */
  huffman?: boolean;
}

/**
 * The shortest decimal that reads back as the same float32 as v: quantization scales are float32
 * (types.ts), and per-channel scales are most of a quantized model's header.
 */
export function shortestF32(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return Number(f.toPrecision(9));
}

/**
 * Quantization parameters as the header stores them: a single scale as a short decimal, several as
 * base64 float32 bytes (per-channel scales were most of a quantized model's header), zero points
 * left out when all are 0.
 */
function compactQuantization(q: Quantization): Record<string, unknown> {
  return { scale: q.scale.length === 1 ? [shortestF32(q.scale[0])] : encodeBase64F32(q.scale),
    ...(q.zeroPoint.every((z) => z === 0) ? {} : { zeroPoint: q.zeroPoint }), ...(q.axis === undefined ? {} : { axis: q.axis }) };
}

/** The file bytes for a model kind's config and tensors; `extras` are more header fields (the tokenizer). */
export function writeContainer(op: string, kind: string, config: unknown, tensors: SavedTensor[], opts: WriteOptions = {},
  extras: Record<string, unknown> = {}): Uint8Array {
  const useSparse = opts.sparse ?? true;
  const useHuffman = opts.huffman ?? true;
  const entries: TensorEntry[] = [];
  const blocks: { bytes: Uint8Array; encoding: Encoding; esize: number; n: number }[] = [];
  for (const t of tensors) {
    const esize = DTYPE_BYTES[t.dtype];
    if (esize === undefined) throw new Error(`${op}: tensor '${t.name}' has unknown dtype ${String(t.dtype)}`);
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (t.bytes.length !== n * esize) {
      throw new Error(`${op}: tensor '${t.name}' [${t.shape}] ${t.dtype} needs ${n * esize} bytes, got ${t.bytes.length}`);
    }
    // The smallest of the encodings that apply: dense, sparse (zero-heavy), huffman (one-byte dtypes).
    const nnz = useSparse ? countNonzero(t.bytes, esize, n) : n;
    const huffman = useHuffman && esize === 1 ? encodeHuffman(t.bytes) : null;
    const dims = useSparse && huffman !== null ? sparse24Dims(t.shape) : null;
    const semi = dims !== null ? encodeSparse24(t.bytes, dims[0], dims[1]) : null;
    const channels = huffman !== null && t.dtype === 'int8' ? gapChannels(t.shape) : null;
    const gapped = channels !== null ? encodeGapHuffman(t.bytes, channels) : null;
    const sizes: [Encoding, number][] = [['dense', n * esize], ['sparse', useSparse ? sparseLength(n, nnz, esize) : Infinity],
      ['huffman', huffman?.length ?? Infinity], ['sparse24', semi?.length ?? Infinity], ['gapHuffman', gapped?.length ?? Infinity]];
    const [encoding, length] = sizes.reduce((best, c) => (c[1] < best[1] ? c : best));
    entries.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], offset: 0, length, encoding,
      ...(encoding === 'sparse' ? { nnz } : {}), ...(t.quantization ? { quantization: compactQuantization(t.quantization) as unknown as Quantization } : {}) });
    const stored = { huffman, sparse24: semi, gapHuffman: gapped } as Partial<Record<Encoding, Uint8Array | null>>;
    blocks.push({ bytes: stored[encoding] ?? t.bytes, encoding, esize, n });
  }
  // Offsets depend on the header's length, which depends on the offsets' digits: lay out for a
  // guessed length and retry with the length that came out until it fits (the length only
  // grows, so this ends, in two or three rounds).
  let header = new Uint8Array(0);
  let dataStart = 0;
  for (let guess = 0; ; guess = header.length) {
    dataStart = align16(PREAMBLE + guess);
    let at = dataStart;
    for (const e of entries) { e.offset = at; at = align16(at + e.length); }
    header = new TextEncoder().encode(JSON.stringify({ kind, config, ...extras, tensors: entries }));
    if (PREAMBLE + header.length <= dataStart) break;
  }
  const last = entries.length === 0 ? dataStart : entries[entries.length - 1].offset + entries[entries.length - 1].length;
  const total = align16(last) + CHECKSUM;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, FORMAT_VERSION, true);
  // The header is padded with spaces up to the data (JSON ignores them), so H = dataStart - 16.
  out.fill(0x20, PREAMBLE, dataStart);
  out.set(header, PREAMBLE);
  view.setUint32(12, dataStart - PREAMBLE, true);
  entries.forEach((e, i) => {
    const b = blocks[i];
    if (b.encoding === 'sparse') encodeSparse(b.bytes, b.esize, b.n, out.subarray(e.offset, e.offset + e.length));
    else out.set(b.bytes, e.offset);
  });
  view.setUint32(total - CHECKSUM, crc32(out, 0, total - CHECKSUM), true);
  return out;
}

export interface Container {
  header: FileHeader;
  fileBytes: number;
  headerBytes: number;
  /** The dense bytes of one table entry (a fresh, aligned copy). */
  read(entry: TensorEntry): SavedTensor;
}

/** Parses and checks a file; throws `${op}: ...` naming the first thing wrong. */
export function readContainer(op: string, input: Uint8Array | ArrayBuffer): Container {
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer)) {
    throw new Error(`${op}: expects the file's bytes as a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
  }
  // A plain Uint8Array view even for Node's Buffer, whose slice() shares memory instead of copying.
  const bytes = input instanceof Uint8Array ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
  const len = bytes.length;
  if (len < PREAMBLE + CHECKSUM || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${op}: not a Lepton model file (bad magic)${len < PREAMBLE + CHECKSUM ? ` (only ${len} bytes)` : ''}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw new Error(`${op}: unsupported format version ${version} (this reader knows ${FORMAT_VERSION})`);
  const headerLength = view.getUint32(12, true);
  if (headerLength > MAX_HEADER_BYTES) throw new Error(`${op}: header length ${headerLength} is more than the limit ${MAX_HEADER_BYTES}`);
  if (PREAMBLE + headerLength > len - CHECKSUM) {
    throw new Error(`${op}: truncated file: the header needs bytes ${PREAMBLE}..${PREAMBLE + headerLength} but the file has ${len}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerLength));
  } catch {
    throw new Error(`${op}: the header is not valid UTF-8`);
  }
  if (jsonDepth(text) > LIMITS.depth) throw new Error(`${op}: the header nests deeper than ${LIMITS.depth} levels`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${op}: the header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = align16(PREAMBLE + headerLength);
  const dataEnd = len - CHECKSUM;
  const header = checkHeader(op, json, dataStart, dataEnd);
  const stored = view.getUint32(len - CHECKSUM, true);
  if (crc32(bytes, 0, len - CHECKSUM) !== stored) throw new Error(`${op}: checksum mismatch (file corrupted)`);
  return {
    header, fileBytes: len, headerBytes: headerLength,
    read(e) {
      const src = bytes.subarray(e.offset, e.offset + e.length);
      const n = e.shape.reduce((a, d) => a * d, 1);
      let dense: Uint8Array;
      if (e.encoding === 'dense') dense = src.slice();
      else {
        const dims = sparse24Dims(e.shape);
        const r = e.encoding === 'sparse' ? decodeSparse(src, DTYPE_BYTES[e.dtype], n, e.nnz!)
          : e.encoding === 'sparse24' ? decodeSparse24(src, dims![0], dims![1])
          : e.encoding === 'gapHuffman' ? decodeGapHuffman(src, n, gapChannels(e.shape)!) : decodeHuffman(src, n);
        if (typeof r === 'string') throw new Error(`${op}: tensor '${e.name}': bad ${e.encoding} block: ${r}`);
        dense = r;
      }
      return { name: e.name, dtype: e.dtype, shape: [...e.shape], bytes: dense,
        ...(e.quantization ? { quantization: e.quantization } : {}) };
    },
  };
}
