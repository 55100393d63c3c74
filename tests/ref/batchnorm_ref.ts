// Scalar batch-norm reference (inference form, last axis), in f64 as TF.js writes it:
// y = (x - mean) * scale / sqrt(variance + epsilon) + offset.
export function batchnorm_f32_ref(x: Float32Array, mean: Float32Array, variance: Float32Array,
    offset: Float32Array | null, scale: Float32Array | null, c: number, epsilon: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    const s = scale ? scale[ch] : 1;
    const o = offset ? offset[ch] : 0;
    out[i] = (x[i] - mean[ch]) * s / Math.sqrt(variance[ch] + Math.fround(epsilon)) + o;
  }
  return out;
}
