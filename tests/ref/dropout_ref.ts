// Plain JS reference of dropout_f32 (assembly/autograd/dropout.ts): the counter-based keep mask,
// u_i = (lowbias32(i ^ lowbias32(seed)) >> 8)·2^-24, in integer arithmetic (Math.imul), so the
// mask is defined independently of the kernel and its vector width.

/** Chris Wellons' lowbias32 on a u32. */
export function lowbias32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** u_i in [0, 1) for counter i (a multiple of 2^-24). */
export function dropoutUniform(seed: number, i: number): number {
  return (lowbias32((i ^ lowbias32(seed >>> 0)) >>> 0) >>> 8) / 16777216;
}

/** mask[i] = u_i >= rate ? 1/(1 - rate) : 0 (f32), out = x·mask (f32). */
export function dropout_ref(x: Float32Array, rate: number, seed: number): { out: Float32Array; mask: Float32Array } {
  const r = Math.fround(rate), scale = Math.fround(1 / (1 - r));
  const mask = Float32Array.from(x, (_, i) => (dropoutUniform(seed, i) >= r ? scale : 0));
  return { mask, out: Float32Array.from(x, (v, i) => v * mask[i]) };
}
