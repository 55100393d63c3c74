// The shapes of what a model file holds: dtypes of stored tensors, their quantization
// parameters, the tensor table of the header, and the tensors a model kind saves and loads.

/** Element types a file can hold (raw little-endian bytes; the container never converts). */
export type FileDType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32';

export const DTYPE_BYTES: Readonly<Record<FileDType, number>> = { float32: 4, float16: 2, int8: 1, uint8: 1, int32: 4 };

/** Integer range of the zero points of each integer dtype. */
export const ZERO_POINT_RANGE: Readonly<Partial<Record<FileDType, [number, number]>>> = {
  int8: [-128, 127], uint8: [0, 255], int32: [-2147483648, 2147483647],
};

/**
 * Affine quantization: real = scale · (q − zeroPoint), one pair per tensor or per index of `axis`.
 * Scales are float32 values: a file stores a single scale as the shortest decimal that reads back
 * to the same float32 and per-channel scales as the base64 of their little-endian float32 bytes
 * (5.3 characters a scale, not 12); zero points that are all 0 are left out. io.load returns
 * both as number lists, scales as float32 values.
 */
export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  axis?: number;
}

/** A tensor as a model kind hands it to io.save and gets it back from io.load (dense bytes). */
export interface SavedTensor {
  name: string;
  dtype: FileDType;
  shape: number[];
  bytes: Uint8Array;
  quantization?: Quantization;
}

/**
 * 'sparse': a bitmask of the nonzero elements (bit i of byte i>>3), then the nonzero elements packed.
 * 'huffman' (one-byte dtypes): a canonical Huffman code of the bytes (huffman.ts).
 * 'sparse24' (one-byte dtypes, 2:4 sparsity along the second-to-last axes): the kept pair of each
 * group of 4 and the kept bytes Huffman-coded (sparse24.ts).
 * 'gapHuffman' (int8): each channel's pruning gap removed, then Huffman-coded (gap_huffman.ts).
 */
export type Encoding = 'dense' | 'sparse' | 'huffman' | 'sparse24' | 'gapHuffman';

/** One row of the header's tensor table. */
export interface TensorEntry {
  name: string;
  dtype: FileDType;
  shape: number[];
  /** Byte offset from the start of the file (16-aligned, in the data region). */
  offset: number;
  /** Stored bytes (for 'sparse': mask plus packed values). */
  length: number;
  encoding: Encoding;
  /** Nonzero elements ('sparse' only). */
  nnz?: number;
  quantization?: Quantization;
}

/** The JSON header: which model kind, its config, the tensor table, and the tokenizer if one was saved. */
export interface FileHeader {
  kind: string;
  config: unknown;
  tensors: TensorEntry[];
  /** A Tokenizer's toJSON() (unchecked here: Tokenizer.fromJSON checks it). */
  tokenizer?: unknown;
}
