// lp.io: model files. save(model) → bytes, load(bytes) → model, inspect(bytes) → the header,
// loadFromUrl(url) through fetch; file helpers for Node/Deno/Bun are in ../node.ts. One binary
// format for every model kind (container.ts); kinds.ts says which code saves and loads which model.
// A text model's Tokenizer travels in the same file: save(model, {tokenizer}) stores it in the
// header, load(bytes, {withTokenizer: true}) returns {model, tokenizer}, loadTokenizer(bytes) only it
// (the Tokenizer class comes with the full entry; tokenizer_codec.ts). This is the core entry's
// lp.io; the full entry's (full.ts) adds the TensorFlow.js layers format.
import { readContainer, writeContainer, FORMAT_VERSION } from './container.js';
import { kindFor, kindNamed, kindNames, registerModelKind, type ModelKind, type SaveOptions } from './kinds.js';
import { layersKind } from './layers_kind.js';
import type { LayersModel } from '../models/model.js';
import { DTYPE_BYTES, type FileDType, type TensorEntry } from './types.js';
import type { Tokenizer } from '../data/text.js';
import { tokenizerClass } from './tokenizer_codec.js';
import type { Container } from './container.js';
import { readBodyLimited } from './read_body.js';

export { registerModelKind, type ModelKind, type SaveOptions } from './kinds.js';
export { registerLayer, type LayerFactory } from './registry.js';
export { FORMAT_VERSION, MAGIC } from './container.js';
export type { FileDType, Quantization, SavedTensor, TensorEntry, Encoding } from './types.js';

registerModelKind('layers', layersKind);

/** The model file's bytes. */
export function save(model: unknown, opts: SaveOptions = {}): Uint8Array {
  if (opts === null || typeof opts !== 'object') throw new Error('io.save: options must be an object');
  const found = kindFor(model);
  if (found === undefined) {
    throw new Error(`io.save: cannot save ${model === null ? 'null' : typeof model === 'object' ? model.constructor?.name ?? 'object' : typeof model} ` +
      `(known model kinds: ${kindNames().join(', ')})`);
  }
  const [kind, impl] = found;
  const { config, tensors } = impl.save(model, opts);
  const names = new Set<string>();
  for (const t of tensors) {
    if (!(t.bytes instanceof Uint8Array) || !Object.hasOwn(DTYPE_BYTES, t.dtype) || !Array.isArray(t.shape)) {
      throw new Error(`io.save: the ${kind} kind gave a malformed tensor '${String(t.name)}'`);
    }
    if (names.has(t.name)) throw new Error(`io.save: two tensors are named '${t.name}'`);
    names.add(t.name);
  }
  if (opts.tokenizer !== undefined && !(opts.tokenizer instanceof tokenizerClass('io.save'))) {
    throw new Error('io.save: tokenizer must be an lp.data.Tokenizer');
  }
  return writeContainer('io.save', kind, config, tensors, opts, opts.tokenizer === undefined ? {} : { tokenizer: opts.tokenizer.toJSON() });
}

export interface LoadOptions {
  /** Return {model, tokenizer} (tokenizer null when the file has none) instead of the model alone. */
  withTokenizer?: boolean;
}

/** The file's tokenizer (checked as untrusted input before any model is built), or null. */
function fileTokenizer(op: string, c: Container): Tokenizer | null {
  if (c.header.tokenizer === undefined) return null;
  const cls = tokenizerClass(op);
  try {
    return cls.fromJSON(c.header.tokenizer);
  } catch (e) {
    throw new Error(`${op}: the file's tokenizer is malformed: ${(e as Error).message}`);
  }
}

/** The model in a file (bytes from save; M: the model's type, a LayersModel unless another kind was saved); throws `io.load: ...` for anything wrong with the file. */
export function load<M = LayersModel>(bytes: Uint8Array | ArrayBuffer, opts?: { withTokenizer?: false }): M;
/** The model and the tokenizer saved with it (null if none was). */
export function load<M = LayersModel>(bytes: Uint8Array | ArrayBuffer, opts: { withTokenizer: true }): { model: M; tokenizer: Tokenizer | null };
export function load<M = LayersModel>(bytes: Uint8Array | ArrayBuffer, opts: LoadOptions = {}): M | { model: M; tokenizer: Tokenizer | null } {
  if (opts === null || typeof opts !== 'object') throw new Error('io.load: options must be an object');
  const c = readContainer('io.load', bytes);
  const tokenizer = fileTokenizer('io.load', c);
  const model = loadModel<M>(c);
  return opts.withTokenizer === true ? { model, tokenizer } : model;
}

/** Only the tokenizer saved in a model file (null if none was); builds no model. */
export function loadTokenizer(bytes: Uint8Array | ArrayBuffer): Tokenizer | null {
  return fileTokenizer('io.loadTokenizer', readContainer('io.loadTokenizer', bytes));
}

function loadModel<M>(c: Container): M {
  const impl = kindNamed(c.header.kind);
  if (impl === undefined) {
    throw new Error(`io.load: unknown model kind '${c.header.kind}' (known: ${kindNames().join(', ')}; register it with io.registerModelKind)`);
  }
  const tensors = c.header.tensors.map((e) => c.read(e));
  try {
    return impl.load(c.header.config, tensors) as M;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.startsWith('io.load')) throw e;
    throw new Error(`io.load: ${c.header.kind} model: ${message}`);
  }
}

export interface FileInfo {
  formatVersion: number;
  kind: string;
  fileBytes: number;
  headerBytes: number;
  config: unknown;
  tensors: TensorEntry[];
  /** The tokenizer's JSON as stored (unchecked; loadTokenizer checks it), if the file has one. */
  tokenizer?: unknown;
  /** Stored bytes per dtype (sparse tensors count their mask and packed values). */
  bytesByDtype: Partial<Record<FileDType, number>>;
}

/** The checked header of a file, without building the model (sizes, tensor table, config). */
export function inspect(bytes: Uint8Array | ArrayBuffer): FileInfo {
  const c = readContainer('io.inspect', bytes);
  const bytesByDtype: Partial<Record<FileDType, number>> = {};
  for (const t of c.header.tensors) bytesByDtype[t.dtype] = (bytesByDtype[t.dtype] ?? 0) + t.length;
  return { formatVersion: FORMAT_VERSION, kind: c.header.kind, fileBytes: c.fileBytes, headerBytes: c.headerBytes,
    config: c.header.config, tensors: c.header.tensors, bytesByDtype, ...(c.header.tokenizer === undefined ? {} : { tokenizer: c.header.tokenizer }) };
}

export interface LoadFromUrlOptions {
  /** Largest file accepted, in bytes (default 512 MiB). */
  maxBytes?: number;
}

/** Fetches a model file (global fetch) and loads it; refuses bodies over maxBytes before reading them whole. */
export async function loadFromUrl<M = LayersModel>(url: string | URL, init?: RequestInit, opts: LoadFromUrlOptions = {}): Promise<M> {
  const max = opts.maxBytes ?? 512 * 1024 * 1024;
  if (!Number.isSafeInteger(max) || max <= 0) throw new Error(`io.loadFromUrl: maxBytes must be a positive integer, got ${String(opts.maxBytes)}`);
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`io.loadFromUrl: ${String(url)}: HTTP ${response.status} ${response.statusText}`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > max) throw new Error(`io.loadFromUrl: ${String(url)} is ${declared} bytes, more than maxBytes ${max}`);
  const bytes = await readBodyLimited(response, max, () => new Error(`io.loadFromUrl: ${String(url)} is more than maxBytes ${max}`));
  return load<M>(bytes);
}
