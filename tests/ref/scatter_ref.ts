// Plain scalar reference of gather_grad_f32 (assembly/autograd/scatter.ts), in f64: the adjoint
// of gather_x32 over [batch, outer, n, inner] with indices [batch, m].

export function gather_grad_ref(dy: ArrayLike<number>, indices: Int32Array, batch: number, outer: number,
    n: number, m: number, inner: number): Float64Array {
  const dx = new Float64Array(batch * outer * n * inner);
  let p = 0;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const row = ((b * outer + o) * n + indices[b * m + j]) * inner;
        for (let d = 0; d < inner; d++) dx[row + d] += dy[p++];
      }
    }
  }
  return dx;
}

/** The forward gather in f64 (for finite differences). */
export function gather_f64(x: ArrayLike<number>, indices: Int32Array, batch: number, outer: number, n: number,
    m: number, inner: number): Float64Array {
  const out = new Float64Array(batch * outer * m * inner);
  let p = 0;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const row = ((b * outer + o) * n + indices[b * m + j]) * inner;
        for (let d = 0; d < inner; d++) out[p++] = x[row + d];
      }
    }
  }
  return out;
}
