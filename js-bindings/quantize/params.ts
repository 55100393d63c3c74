// Quantization parameters as the int8 kernels read them: the affine range of an activation
// tensor, the fixed-point requantization multipliers, and the parameter block of
// assembly/kernels/int8/requant.ts. Pure arithmetic on per-channel metadata (no tensor data).

/** qs8 activations are 7-bit, [0, 127] (assembly/kernels/int8/qgemm.ts says why). */
export const QMIN = 0;
export const QMAX = 127;

export interface QParams { scale: number; zeroPoint: number }

/**
 * Scale and zero point that map [min, max] (widened to contain 0, so that 0 and the padding are
 * exact) onto [qmin, qmax] (the int8 model's [0, 127] by default; quantization-aware training's
 * FakeQuant layers use the same rule). A constant-zero range gets scale 1.
 */
export function affineParams(min: number, max: number, qmin = QMIN, qmax = QMAX): QParams {
  const lo = Math.min(0, min), hi = Math.max(0, max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`quantize: range [${min}, ${max}] is not finite`);
  if (hi - lo === 0) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / (qmax - qmin));
  const zeroPoint = Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale)));
  return { scale, zeroPoint };
}

/**
 * Per-channel fixed-point multipliers m[c] and one shift with m[c] / 2^shift ≈ real[c] (all in
 * [0, 1)): the largest shift <= 62 that keeps every m[c] < 2^31, at least 31 (the kernels rely
 * on it). A multiplier of 1 or more throws: the planner then keeps that layer's output in f32.
 */
export function fixedPoint(real: ArrayLike<number>): { mult: Int32Array; shift: number } {
  let big = 0;
  for (let i = 0; i < real.length; i++) {
    if (!(real[i] >= 0) || !Number.isFinite(real[i])) throw new Error(`quantize: bad requantization scale ${real[i]}`);
    big = Math.max(big, real[i]);
  }
  let shift = 62;
  while (shift > 31 && Math.round(big * 2 ** shift) > 2 ** 31 - 1) shift--;
  if (Math.round(big * 2 ** shift) > 2 ** 31 - 1) throw new Error(`quantize: requantization scale ${big} is not below 1`);
  const mult = new Int32Array(real.length);
  for (let i = 0; i < real.length; i++) mult[i] = Math.round(real[i] * 2 ** shift);
  return { mult, shift };
}

export const PARAMS_HEADER = 32;

/** Channels rounded up to 8 (the GEMM's panel width). */
export const paddedChannels = (n: number): number => (n + 7) & ~7;

/** Bytes of a parameter block for n channels. */
export const paramsBytes = (n: number): number => PARAMS_HEADER + 12 * paddedChannels(n);

export interface Qs8Output { bias: Int32Array; mult: Int32Array; shift: number; zy: number; qmin: number; qmax: number }
export interface F32Output { sx: number; sw: Float32Array; fbias: Float32Array; fmin: number; fmax: number }

/** The parameter block (requant.ts) for int8 output (mode 0) or float output (mode 1). */
export function paramsBlock(n: number, out: Qs8Output | F32Output): Uint8Array {
  const np = paddedChannels(n);
  const buf = new ArrayBuffer(paramsBytes(n));
  const i32 = new Int32Array(buf), f32 = new Float32Array(buf);
  const h = PARAMS_HEADER / 4;
  if ('mult' in out) {
    i32.set([0, out.shift, out.zy, out.qmin, out.qmax]);
    i32.set(out.bias.subarray(0, n), h);
    i32.set(out.mult.subarray(0, n), h + np);
  } else {
    i32[0] = 1;
    f32.set([out.fmin, out.fmax, out.sx], 5);
    f32.set(out.sw.subarray(0, n), h + np);
    f32.set(out.fbias.subarray(0, n), h + 2 * np);
  }
  return new Uint8Array(buf);
}

/** Sets sx (the input scale) in an f32-output block (dynamic mode changes it per batch). */
export function setParamsInputScale(block: Uint8Array, sx: number): void {
  new Float32Array(block.buffer, block.byteOffset, 8)[7] = sx;
}

/** The int8 add's largest multiplier (assembly/kernels/int8/qadd.ts): 2·127·2^22 < 2^31. */
export const ADD_MULT_LIMIT = 2 ** 22;

/**
 * Fixed-point multipliers of a requantized add (qadd.ts): ma / 2^shift ≈ ra, mb / 2^shift ≈ rb,
 * the largest shift <= 31 with both below 2^22. Throws when a ratio is 2^21 or more (an output
 * range millions of times narrower than an input's): the planner then adds in f32.
 */
export function addMultipliers(ra: number, rb: number): { ma: number; mb: number; shift: number } {
  for (const r of [ra, rb]) if (!(r >= 0) || !Number.isFinite(r)) throw new Error(`quantize: bad add scale ratio ${r}`);
  const big = Math.max(ra, rb);
  let shift = 31;
  while (shift > 1 && Math.round(big * 2 ** shift) >= ADD_MULT_LIMIT) shift--;
  const ma = Math.round(ra * 2 ** shift), mb = Math.round(rb * 2 ** shift);
  if (Math.max(ma, mb) >= ADD_MULT_LIMIT) throw new Error(`quantize: add scale ratio ${big} is too large for int8`);
  return { ma, mb, shift };
}
