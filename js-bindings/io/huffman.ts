// The 'huffman' encoding of a stored tensor of one-byte elements (int8 / uint8 weights): a
// canonical Huffman code over the 256 byte values. Quantized weights cluster near zero and a
// pruned tensor is half zeros, so this stores them in fewer bits than a byte each: a zero of a
// 50%-pruned tensor costs about one bit (no separate mask), a kept weight its value's entropy.
//
//   ┌──────────────────────────────────────┬────────────────────────────────────────┐
//   │ code lengths: 128 bytes, two 4-bit   │ the codes of the n elements, MSB-first, │
//   │ lengths (0..15) a byte, value 2i in  │ zero bits pad the last byte             │
//   │ the low nibble, 2i+1 in the high one │                                        │
//   └──────────────────────────────────────┴────────────────────────────────────────┘
//
// Canonical codes (DEFLATE's rule): shorter codes first, then by byte value. The decoder is given
// untrusted bytes: it checks that the lengths form a complete prefix code (a single used value
// has length 1), that n elements fit the stream (every code is at least one bit, so n <= 8 x the
// stream's bytes; checked before allocating), that no code runs past the end, and that only the
// padding is left after the n-th element.

/** The code-length table at the start of a block. */
export const HUFFMAN_TABLE_BYTES = 128;
const LENGTHS_BYTES = HUFFMAN_TABLE_BYTES;
const MAX_BITS = 15;

/** Code lengths (≤ MAX_BITS) for the byte counts: Huffman's, rebuilt on halved counts while too long. */
function codeLengths(counts: Float64Array): Uint8Array {
  let c = Array.from(counts);
  for (;;) {
    const lengths = huffmanLengths(c);
    if (lengths.every((l) => l <= MAX_BITS)) return lengths;
    c = c.map((v) => (v === 0 ? 0 : Math.max(1, Math.floor(v / 2))));
  }
}

function huffmanLengths(counts: number[]): Uint8Array {
  const lengths = new Uint8Array(256);
  // Nodes: leaves 0..255, internal nodes after; a simple O(k^2) merge is plenty for 256 symbols.
  const weight: number[] = [], parent: number[] = [];
  const live: number[] = [];
  counts.forEach((v, s) => { weight[s] = v; parent[s] = -1; if (v > 0) live.push(s); });
  if (live.length === 1) { lengths[live[0]] = 1; return lengths; }
  let next = 256;
  while (live.length > 1) {
    live.sort((a, b) => weight[a] - weight[b] || a - b);
    const [a, b] = live.splice(0, 2);
    weight[next] = weight[a] + weight[b];
    parent[next] = -1;
    parent[a] = parent[b] = next;
    live.push(next++);
  }
  for (let s = 0; s < 256; s++) {
    if (counts[s] === 0) continue;
    let d = 0;
    for (let p = s; parent[p] !== -1; p = parent[p]) d++;
    lengths[s] = d;
  }
  return lengths;
}

/** Canonical codes for the lengths (DEFLATE's construction). */
function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const blCount = new Uint32Array(MAX_BITS + 1);
  for (const l of lengths) if (l > 0) blCount[l]++;
  const nextCode = new Uint32Array(MAX_BITS + 2);
  let code = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    code = (code + blCount[bits - 1]) << 1;
    nextCode[bits] = code;
  }
  const codes = new Uint32Array(256);
  for (let s = 0; s < 256; s++) if (lengths[s] > 0) codes[s] = nextCode[lengths[s]]++;
  return codes;
}

/** The encoded block of `bytes` (always decodable; the caller keeps it only when smaller). */
export function encodeHuffman(bytes: Uint8Array): Uint8Array {
  const counts = new Float64Array(256);
  for (const b of bytes) counts[b]++;
  // An empty tensor still gets a valid (one-value) table.
  const lengths = codeLengths(bytes.length === 0 ? Float64Array.of(1, ...new Float64Array(255)) : counts);
  const codes = canonicalCodes(lengths);
  let bits = 0;
  for (let s = 0; s < 256; s++) bits += counts[s] * lengths[s];
  const out = new Uint8Array(LENGTHS_BYTES + Math.ceil(bits / 8));
  for (let s = 0; s < 256; s += 2) out[s >> 1] = lengths[s] | (lengths[s + 1] << 4);
  let acc = 0, held = 0, at = LENGTHS_BYTES;
  for (const b of bytes) {
    acc = (acc << lengths[b]) | codes[b];
    held += lengths[b];
    while (held >= 8) {
      held -= 8;
      out[at++] = (acc >>> held) & 0xff;
    }
    acc &= (1 << held) - 1;
  }
  if (held > 0) out[at] = (acc << (8 - held)) & 0xff;
  return out;
}

/** Bytes of the encoded block (what encodeHuffman would return), without building it. */
export function huffmanLength(bytes: Uint8Array): number {
  const counts = new Float64Array(256);
  for (const b of bytes) counts[b]++;
  if (bytes.length === 0) return LENGTHS_BYTES;
  const lengths = codeLengths(counts);
  let bits = 0;
  for (let s = 0; s < 256; s++) bits += counts[s] * lengths[s];
  return LENGTHS_BYTES + Math.ceil(bits / 8);
}

/** The n decoded bytes, or a message saying what is wrong with the block. */
export function decodeHuffman(src: Uint8Array, n: number): Uint8Array | string {
  if (src.length < LENGTHS_BYTES) return `block of ${src.length} bytes is shorter than its ${LENGTHS_BYTES}-byte code table`;
  const streamBytes = src.length - LENGTHS_BYTES;
  if (n > streamBytes * 8) return `${n} elements cannot fit in ${streamBytes} bytes of codes`;
  const lengths = new Uint8Array(256);
  let kraft = 0, used = 0, maxLen = 0;
  for (let s = 0; s < 256; s++) {
    const l = (src[s >> 1] >> ((s & 1) * 4)) & 0xf;
    lengths[s] = l;
    if (l > 0) { kraft += 2 ** (MAX_BITS - l); used++; maxLen = Math.max(maxLen, l); }
  }
  const complete = used === 1 ? kraft === 2 ** (MAX_BITS - 1) : kraft === 2 ** MAX_BITS;
  if (used === 0 || !complete) return 'code lengths do not form a complete prefix code';
  // Lookup table over maxLen bits: (symbol << 4) | length, for every code's prefix extensions.
  const codes = canonicalCodes(lengths);
  const table = new Uint16Array(1 << maxLen);
  for (let s = 0; s < 256; s++) {
    const l = lengths[s];
    if (l === 0) continue;
    const first = codes[s] << (maxLen - l);
    table.fill((s << 4) | l, first, first + (1 << (maxLen - l)));
  }
  const out = new Uint8Array(n);
  const totalBits = streamBytes * 8;
  let pos = 0; // bits consumed
  for (let i = 0; i < n; i++) {
    // Peek maxLen bits at pos (zeros past the end; a code that needs them is caught below).
    let peek = 0;
    const byte = pos >>> 3;
    for (let k = 0; k < 3; k++) peek = (peek << 8) | (LENGTHS_BYTES + byte + k < src.length ? src[LENGTHS_BYTES + byte + k] : 0);
    const entry = table[(peek >>> (24 - (pos & 7) - maxLen)) & ((1 << maxLen) - 1)];
    if (entry === 0) return `invalid code at bit ${pos}`; // only an incomplete (one-value) code leaves holes
    const l = entry & 0xf;
    pos += l;
    if (pos > totalBits) return `the codes run past the end of the block at element ${i}`;
    out[i] = entry >> 4;
  }
  if (Math.ceil(pos / 8) !== streamBytes) return `${streamBytes - Math.ceil(pos / 8)} bytes left after the last element`;
  if ((pos & 7) !== 0 && (src[src.length - 1] & ((1 << (8 - (pos & 7))) - 1)) !== 0) return 'nonzero padding bits';
  return out;
}
