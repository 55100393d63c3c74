// The 'sparse24' encoding of a stored tensor of one-byte elements with 2:4 semi-structured
// sparsity (lp.prune's pattern '2:4', then int8): viewed as [K, N] (N the last axis, K the rest,
// K a multiple of 4), every group of 4 consecutive rows of a column holds at most 2 nonzeros.
// Such a tensor is stored as which 2 of each group's 4 places are kept (one of 6 pairs, log2 6 =
// 2.6 bits a group, where a bitmask spends 4) and the kept bytes Huffman-coded:
//
//   ┌──────────────────────────────────────────┬────────────────────────────────────────────┐
//   │ pairs: ceil(G/3) bytes, three groups a    │ the 2·G kept bytes, group by group (rows    │
//   │ byte in base 6 (p0 + 6·p1 + 36·p2 ≤ 215), │ 4g..4g+3 of column j, g-major then j),      │
//   │ G = K/4·N groups in the values' order     │ as a huffman block (huffman.ts)             │
//   └──────────────────────────────────────────┴────────────────────────────────────────────┘
//
// Pair p of a group keeps places PAIRS[p]; a group with fewer than 2 nonzeros keeps its first
// zero places too (their stored bytes are 0). The decoder checks every pair code and the unused
// digits of the last byte, and allocates only what the checked shape holds.
import { decodeHuffman, encodeHuffman, HUFFMAN_TABLE_BYTES } from './huffman.js';

const PAIRS: readonly [number, number][] = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
const pairCode = (a: number, b: number) => PAIRS.findIndex(([x, y]) => x === a && y === b);

/** [K, N] of a shape when its groups of 4 along K can be encoded, else null. */
export function sparse24Dims(shape: readonly number[]): [number, number] | null {
  if (shape.length < 2) return null;
  const n = shape[shape.length - 1];
  const k = shape.slice(0, -1).reduce((a, d) => a * d, 1);
  return k % 4 === 0 && k > 0 && n > 0 ? [k, n] : null;
}

/** Bytes of the pair codes for a [K, N] tensor. */
export function sparse24PairBytes(k: number, n: number): number {
  return Math.ceil(((k / 4) * n) / 3);
}

/** The encoded block, or null when some group has more than 2 nonzeros. */
export function encodeSparse24(bytes: Uint8Array, k: number, n: number): Uint8Array | null {
  const groups = (k / 4) * n;
  const pairs = new Uint8Array(sparse24PairBytes(k, n));
  const kept = new Uint8Array(2 * groups);
  let gi = 0;
  for (let g = 0; g < k; g += 4) {
    for (let j = 0; j < n; j++, gi++) {
      const places: number[] = [];
      for (let r = 0; r < 4; r++) if (bytes[(g + r) * n + j] !== 0) places.push(r);
      if (places.length > 2) return null;
      for (let r = 0; places.length < 2; r++) if (!places.includes(r)) places.push(r);
      places.sort((a, b) => a - b);
      pairs[(gi / 3) | 0] += pairCode(places[0], places[1]) * 6 ** (gi % 3);
      kept[2 * gi] = bytes[(g + places[0]) * n + j];
      kept[2 * gi + 1] = bytes[(g + places[1]) * n + j];
    }
  }
  const values = encodeHuffman(kept);
  const out = new Uint8Array(pairs.length + values.length);
  out.set(pairs);
  out.set(values, pairs.length);
  return out;
}

/** Whether `length` stored bytes can hold a [K, N] tensor in this encoding (the schema's check). */
export function sparse24LengthFits(k: number, n: number, length: number): boolean {
  const codes = length - sparse24PairBytes(k, n) - HUFFMAN_TABLE_BYTES;
  return codes >= 0 && (k / 4) * n * 2 <= codes * 8;
}

/** The K·N decoded bytes, or a message saying what is wrong with the block. */
export function decodeSparse24(src: Uint8Array, k: number, n: number): Uint8Array | string {
  const groups = (k / 4) * n;
  const pairBytes = sparse24PairBytes(k, n);
  if (src.length < pairBytes) return `block of ${src.length} bytes is shorter than its ${pairBytes} bytes of pairs`;
  const kept = decodeHuffman(src.subarray(pairBytes), 2 * groups);
  if (typeof kept === 'string') return `kept values: ${kept}`;
  for (let b = 0; b < pairBytes; b++) {
    const used = Math.min(3, groups - 3 * b);
    if (src[b] >= 6 ** used) return `pair byte ${b} is ${src[b]}, more than ${used} base-6 digits hold`;
  }
  const out = new Uint8Array(k * n);
  let gi = 0;
  for (let g = 0; g < k; g += 4) {
    for (let j = 0; j < n; j++, gi++) {
      const [a, b] = PAIRS[((src[(gi / 3) | 0] / 6 ** (gi % 3)) | 0) % 6];
      out[(g + a) * n + j] = kept[2 * gi];
      out[(g + b) * n + j] = kept[2 * gi + 1];
    }
  }
  return out;
}
