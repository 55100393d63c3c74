// Id lists → tensors: padSequences (Keras's pad_sequences) pads or cuts each list to one length;
// sequencesToTensor stacks lists that already have one length and refuses ragged ones. Both
// check every value before allocating (a tensor is made only from a complete, valid batch).
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

export interface PadSequencesOptions {
  /** Length of every row (default: the longest sequence). */
  maxLen?: number;
  /** Where padding goes: 'pre' (default, as Keras) or 'post'. */
  padding?: 'pre' | 'post';
  /** Which end of a longer sequence is cut off: 'pre' (default, as Keras) or 'post'. */
  truncating?: 'pre' | 'post';
  /** Padding value (default 0, the padding id). */
  value?: number;
  /** 'int32' (default, ids for an Embedding) or 'float32'. */
  dtype?: 'int32' | 'float32';
}

/** seqs as a list of numeric lists whose values fit dtype. */
function checkSequences(op: string, seqs: unknown, dtype: 'int32' | 'float32'): ArrayLike<number>[] {
  if (!Array.isArray(seqs)) throw new Error(`${op}: sequences must be an array of number lists, got ${seqs === null ? 'null' : typeof seqs}`);
  if (seqs.length === 0) throw new Error(`${op}: sequences is empty`);
  seqs.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof (s as ArrayLike<number>).length !== 'number') {
      throw new Error(`${op}: sequences[${i}] is not a list of numbers`);
    }
    checkValues(op, s as ArrayLike<number>, dtype, `sequences[${i}]`);
  });
  return seqs as ArrayLike<number>[];
}

function checkValues(op: string, s: ArrayLike<number>, dtype: 'int32' | 'float32', where: string): void {
  for (let j = 0; j < s.length; j++) {
    const v = s[j];
    const ok = dtype === 'int32' ? Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 : typeof v === 'number' && Number.isFinite(v);
    if (!ok) throw new Error(`${op}: ${where}[${j}] is ${String(v)}, not ${dtype === 'int32' ? 'an int32' : 'a finite number'}`);
  }
}

function checkDtype(op: string, dtype: unknown): 'int32' | 'float32' {
  if (dtype !== 'int32' && dtype !== 'float32') throw new Error(`${op}: dtype must be 'int32' or 'float32', got ${String(dtype)}`);
  return dtype;
}

/** A [sequences.length, maxLen] tensor: each list padded or truncated to maxLen (Keras pad_sequences). */
export function padSequences(sequences: ArrayLike<number>[], opts: PadSequencesOptions = {}): Tensor {
  const op = 'padSequences';
  if (opts === null || typeof opts !== 'object') throw new Error(`${op}: options must be an object`);
  const dtype = checkDtype(op, opts.dtype ?? 'int32');
  const { padding = 'pre', truncating = 'pre', value = 0 } = opts;
  if (padding !== 'pre' && padding !== 'post') throw new Error(`${op}: padding must be 'pre' or 'post', got ${String(padding)}`);
  if (truncating !== 'pre' && truncating !== 'post') throw new Error(`${op}: truncating must be 'pre' or 'post', got ${String(truncating)}`);
  checkValues(op, [value], dtype, 'value');
  const seqs = checkSequences(op, sequences, dtype);
  const maxLen = opts.maxLen ?? Math.max(...seqs.map((s) => s.length));
  if (!Number.isSafeInteger(maxLen) || maxLen < 1) {
    throw new Error(`${op}: maxLen must be a positive integer, got ${String(opts.maxLen ?? `${maxLen} (every sequence is empty)`)}`);
  }
  const out = dtype === 'int32' ? new Int32Array(seqs.length * maxLen) : new Float32Array(seqs.length * maxLen);
  out.fill(value);
  seqs.forEach((s, i) => {
    const n = Math.min(s.length, maxLen);
    const from = truncating === 'pre' ? s.length - n : 0;       // keep the last n ('pre') or the first n
    const to = i * maxLen + (padding === 'pre' ? maxLen - n : 0);
    for (let j = 0; j < n; j++) out[to + j] = s[from + j];
  });
  return tensor(out, [seqs.length, maxLen], dtype);
}

/** A [sequences.length, length] tensor from lists of one length; ragged lists are an Error (use padSequences). */
export function sequencesToTensor(sequences: ArrayLike<number>[], dtype: 'int32' | 'float32' = 'int32'): Tensor {
  const op = 'sequencesToTensor';
  const d = checkDtype(op, dtype);
  const seqs = checkSequences(op, sequences, d);
  const length = seqs[0].length;
  const ragged = seqs.findIndex((s) => s.length !== length);
  if (ragged >= 0) {
    throw new Error(`${op}: sequences have unequal lengths (sequences[0] has ${length}, sequences[${ragged}] has ` +
      `${seqs[ragged].length}); pad them with padSequences`);
  }
  if (length === 0) throw new Error(`${op}: the sequences are empty`);
  const out = d === 'int32' ? new Int32Array(seqs.length * length) : new Float32Array(seqs.length * length);
  seqs.forEach((s, i) => out.set(s, i * length));
  return tensor(out, [seqs.length, length], d);
}
