// Plain scalar GEMM reference with f64 accumulation: C = act(op(A) op(B) + bias).
import { activation_ref } from './activation_ref.js';

export function gemm_f32_ref(a: Float32Array, b: Float32Array, bias: Float32Array | null,
    m: number, n: number, k: number, transA: boolean, transB: boolean, act = 0, alpha = 0): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) {
        s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      }
      c[i * n + j] = activation_ref(act, s, alpha);
    }
  }
  return c;
}
