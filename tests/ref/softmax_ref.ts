// Plain scalar softmax / log-softmax reference over the N axis of [outer, N, inner], in f64.
// The same arithmetic as the kernel (subtract the max), so special values come out the same way:
// NaN anywhere or +Inf in a row → NaN row; all -Inf → NaN row; -Inf entries → 0 / -Inf.

export function softmax_f32_ref(x: ArrayLike<number>, outer: number, n: number, inner: number,
    log = false): Float32Array {
  const out = new Float32Array(outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number) => (o * n + r) * inner + i;
      let m = -Infinity;
      for (let r = 0; r < n; r++) m = Number.isNaN(x[at(r)]) || Number.isNaN(m) ? NaN : Math.max(m, x[at(r)]);
      let s = 0;
      for (let r = 0; r < n; r++) s += Math.exp(x[at(r)] - m);
      const lse = Math.log(s);
      for (let r = 0; r < n; r++) {
        out[at(r)] = log ? x[at(r)] - m - lse : Math.exp(x[at(r)] - m) / s;
      }
    }
  }
  return out;
}
