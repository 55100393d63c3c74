// IEEE 754 binary16 conversions for float16 model files (weights stored as f16, computed in f32).
// Not on a hot path: they run once per weight when a model is saved or loaded. Rounding is to
// nearest, ties to even, with subnormals, infinities and NaN (quiet, payload kept in the top bits).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to v. */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = (x >>> 23) & 0xff;
  let m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m !== 0 ? 0x200 | (m >>> 13) : 0);
  const exp = e - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    m |= 0x800000; // the implicit bit, then shift into the subnormal's units of 2^-24
    const shift = 14 - exp;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) !== 0)) half++;
    return sign | half;
  }
  let half = (exp << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) !== 0)) half++; // a carry into the exponent is right (up to Inf)
  return sign | half;
}

/** The f32 value of binary16 bits h (exact: every f16 is an f32). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) {
    if (m === 0) return sign * Infinity;
    u32[0] = ((h & 0x8000) << 16) | 0x7f800000 | (m << 13);
    return f32[0];
  }
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** Every value of a Float32Array as binary16 bits. */
export function encodeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  return out;
}

/** binary16 bits back to f32. */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromFloat16Bits(bits[i]);
  return out;
}

/** LayersModels whose float32 weights are stored as float16 in model files (quantize mode 'float16'). */
const float16Models = new WeakSet<object>();

export function markFloat16(model: object): void {
  float16Models.add(model);
}

export function isFloat16(model: object): boolean {
  return float16Models.has(model);
}
