// The 'gapHuffman' encoding of a stored int8 tensor whose channels were magnitude-pruned and then
// quantized per channel (lp.prune + lp.quantize): in each channel (index along the last axis, the
// output channel of conv and dense kernels) every kept weight has a magnitude at or above that
// channel's threshold t, so the magnitudes 1..t-1 never occur. Removing that gap (|v| → |v| - g,
// g = t - 1, sign kept) puts all channels' kept values on one scale, and one Huffman code over
// the result spends about 0.13 bits a weight less than over the raw bytes on the demo's 50%-pruned
// dense kernel (4.50 against 4.63 bits).
//
//   ┌─────────────────────────────────────┬───────────────────────────────────────────────┐
//   │ gaps: N bytes, g of channel j (0..127)│ the shifted bytes as a huffman block         │
//   │                                       │ (huffman.ts), in the tensor's order           │
//   └─────────────────────────────────────┴───────────────────────────────────────────────┘
//
// Zeros stay zeros. The decoder checks that every restored value fits int8 (a shifted value whose
// magnitude plus its gap exceeds 127, or 128 for negatives, is an error), and allocates only what
// the checked shape holds.
import { decodeHuffman, encodeHuffman, HUFFMAN_TABLE_BYTES } from './huffman.js';

/** Channels (the last axis) of a shape, or null when the shape has no channel axis. */
export function gapChannels(shape: readonly number[]): number | null {
  return shape.length >= 1 && shape[shape.length - 1] > 0 ? shape[shape.length - 1] : null;
}

/** Whether `length` stored bytes can hold `count` elements in `channels` channels (the schema's check). */
export function gapLengthFits(count: number, channels: number, length: number): boolean {
  const codes = length - channels - HUFFMAN_TABLE_BYTES;
  return codes >= 0 && count <= codes * 8;
}

/** The encoded block of int8 `bytes` with `channels` channels along the last axis. */
export function encodeGapHuffman(bytes: Uint8Array, channels: number): Uint8Array {
  const v = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const gaps = new Uint8Array(channels).fill(255);
  for (let i = 0; i < v.length; i++) {
    const m = Math.abs(v[i]);
    const c = i % channels;
    if (m !== 0 && m - 1 < gaps[c]) gaps[c] = m - 1;
  }
  for (let c = 0; c < channels; c++) if (gaps[c] === 255) gaps[c] = 0; // a channel of zeros
  const shifted = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i], g = gaps[i % channels];
    shifted[i] = (x > 0 ? x - g : x < 0 ? x + g : 0) & 0xff;
  }
  const codes = encodeHuffman(shifted);
  const out = new Uint8Array(channels + codes.length);
  out.set(gaps);
  out.set(codes, channels);
  return out;
}

/** The decoded bytes of `count` int8 elements in `channels` channels, or what is wrong with the block. */
export function decodeGapHuffman(src: Uint8Array, count: number, channels: number): Uint8Array | string {
  if (src.length < channels) return `block of ${src.length} bytes is shorter than its ${channels} gap bytes`;
  for (let c = 0; c < channels; c++) if (src[c] > 127) return `channel ${c} has gap ${src[c]}, more than 127`;
  const shifted = decodeHuffman(src.subarray(channels), count);
  if (typeof shifted === 'string') return shifted;
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const s = (shifted[i] << 24) >> 24, g = src[i % channels];
    const x = s > 0 ? s + g : s < 0 ? s - g : 0;
    if (x > 127 || x < -128) return `element ${i} restores to ${x}, outside int8`;
    out[i] = x;
  }
  return new Uint8Array(out.buffer);
}
