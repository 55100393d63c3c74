// Plain scalar reference of one_hot_f32 (assembly/kernels/one_hot.ts).

/** out[i·depth + j] = j == indices[i] ? on : off, or {position, value} of the first bad index. */
export function one_hot_ref(indices: Int32Array, depth: number, on: number, off: number):
    { out: Float32Array } | { position: number; value: number } {
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0 || indices[i] >= depth) return { position: i, value: indices[i] };
  }
  const out = new Float32Array(indices.length * depth).fill(off);
  for (let i = 0; i < indices.length; i++) out[i * depth + indices[i]] = on;
  return { out };
}
