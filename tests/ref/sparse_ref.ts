// Scalar references for the pruning kernels and the sparse-weight GEMM (f64 accumulators).

/** CSC form of dense W [K, N]: colStart[N+1], rowIdx[nnz], values[nnz]. */
export function csc_ref(w: Float32Array, k: number, n: number): { colStart: Int32Array; rowIdx: Int32Array; values: Float32Array } {
  const colStart = new Int32Array(n + 1);
  const rows: number[] = [], vals: number[] = [];
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < k; r++) if (w[r * n + j] !== 0) { rows.push(r); vals.push(w[r * n + j]); }
    colStart[j + 1] = rows.length;
  }
  return { colStart, rowIdx: Int32Array.from(rows), values: Float32Array.from(vals) };
}

/** act(X[M,K] · W[K,N] + bias) with act 0 (linear) or 1 (relu), dense W. */
export function gemm_sparse_f32_ref(x: Float32Array, w: Float32Array, bias: Float32Array | null, m: number, n: number, k: number,
    relu: boolean): Float32Array {
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = bias ? bias[j] : 0;
    for (let t = 0; t < k; t++) s += x[i * k + t] * w[t * n + j];
    y[i * n + j] = relu ? Math.max(s, 0) : s;
  }
  return y;
}

/** The k-th smallest value (0-based). */
export function kth_smallest_ref(values: Float32Array, kth: number): number {
  return Float32Array.from(values).sort()[kth];
}

/** 2:4 masks along K of W [K, N] (mask_2of4_f32's rule: ties keep the earlier row). */
export function mask_2of4_ref(w: Float32Array, k: number, n: number): Float32Array {
  const mask = new Float32Array(k * n);
  for (let g = 0; g < k; g += 4) for (let j = 0; j < n; j++) {
    const rows = Math.min(4, k - g);
    const order = Array.from({ length: rows }, (_, a) => a)
      .sort((a, b) => Math.abs(w[(g + b) * n + j]) - Math.abs(w[(g + a) * n + j]) || a - b);
    for (const a of order.slice(0, 2)) mask[(g + a) * n + j] = 1;
  }
  return mask;
}
