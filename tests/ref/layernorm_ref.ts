// Plain scalar references for assembly/kernels/layernorm.ts and assembly/autograd/layernorm_grad.ts,
// in f64: layer normalization over the last axis of [rows, n] (biased variance, as tf.moments),
// and its gradients written out term by term.

export interface LayerNormRef { y: Float64Array; mean: Float64Array; rstd: Float64Array }

/** y = (x - mean)·rstd·gamma + beta per row; gamma/beta null: ones/zeros. */
export function layernorm_ref(x: ArrayLike<number>, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null,
    rows: number, n: number, epsilon: number): LayerNormRef {
  const y = new Float64Array(rows * n), mean = new Float64Array(rows), rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[r * n + j];
    const m = s / n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[r * n + j] - m) ** 2;
    const rs = 1 / Math.sqrt(v / n + epsilon);
    mean[r] = m;
    rstd[r] = rs;
    for (let j = 0; j < n; j++) y[r * n + j] = (x[r * n + j] - m) * rs * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
  }
  return { y, mean, rstd };
}

/** dx, dgamma, dbeta of Σ dy·y (the closed form the kernel implements). */
export function layernorm_grad_ref(dy: ArrayLike<number>, x: ArrayLike<number>, gamma: ArrayLike<number> | null,
    rows: number, n: number, epsilon: number): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const { mean, rstd } = layernorm_ref(x, gamma, null, rows, n, epsilon);
  const dx = new Float64Array(rows * n), dgamma = new Float64Array(n), dbeta = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    let sg = 0, sgx = 0;
    for (let j = 0; j < n; j++) {
      const xh = (x[r * n + j] - mean[r]) * rstd[r];
      const g = dy[r * n + j] * (gamma ? gamma[j] : 1);
      sg += g;
      sgx += g * xh;
      dgamma[j] += dy[r * n + j] * xh;
      dbeta[j] += dy[r * n + j];
    }
    for (let j = 0; j < n; j++) {
      const xh = (x[r * n + j] - mean[r]) * rstd[r];
      const g = dy[r * n + j] * (gamma ? gamma[j] : 1);
      dx[r * n + j] = rstd[r] * (g - sg / n - xh * sgx / n);
    }
  }
  return { dx, dgamma, dbeta };
}
