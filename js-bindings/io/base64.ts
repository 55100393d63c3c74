// Float32 lists as base64 of their little-endian bytes, for per-channel quantization scales in a
// model file's JSON header: exact, and 5.3 characters a value where the shortest decimal takes
// about 12. Plain code (no atob/btoa, no Buffer): the same in every runtime. The decoder takes
// untrusted text and checks its length against the count it expects before allocating.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64F32(values: readonly number[]): string {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let k = 0; k < 4; k++) out += k < chars ? ALPHABET[(n >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

/** The `count` float32 values of base64 text, or a message saying what is wrong with it. */
export function decodeBase64F32(text: string, count: number): number[] | string {
  const bytes = 4 * count;
  const want = 4 * Math.ceil(bytes / 3);
  if (text.length !== want) return `base64 of ${count} float32 values has ${want} characters, got ${text.length}`;
  const pads = (3 - (bytes % 3)) % 3; // '=' only where the last group has no bytes
  const out = new Uint8Array(want / 4 * 3);
  for (let i = 0, o = 0; i < text.length; i += 4, o += 3) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      const pad = i + 4 === text.length && k >= 4 - pads;
      if (pad !== (c === 0x3D)) return pad ? `expected '=' padding at character ${i + k}` : `not base64 at character ${i + k}`;
      const v = c < 128 ? VALUE[c] : -1;
      if (v < 0 && !pad) return `not base64 at character ${i + k}`;
      n = (n << 6) | (pad ? 0 : v);
    }
    out[o] = n >> 16; out[o + 1] = (n >> 8) & 255; out[o + 2] = n & 255;
  }
  return Array.from(new Float32Array(out.buffer, 0, count));
}
