// Plain scalar references for assembly/autograd/softmax_grad.ts, in f64: softmax and
// log-softmax forward over the N axis of [outer, N, inner] (for finite differences), their
// gradients from a saved y, and the softmax cross entropies (dense and sparse labels), all with
// the row max subtracted.

/** softmax (or log-softmax) over the N axis of [outer, n, inner], in f64. */
export function softmax_f64(x: ArrayLike<number>, outer: number, n: number, inner: number, log: boolean): Float64Array {
  const out = new Float64Array(outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number) => (o * n + r) * inner + i;
      let m = -Infinity;
      for (let r = 0; r < n; r++) m = Math.max(m, x[at(r)]);
      let s = 0;
      for (let r = 0; r < n; r++) s += Math.exp(x[at(r)] - m);
      for (let r = 0; r < n; r++) out[at(r)] = log ? x[at(r)] - m - Math.log(s) : Math.exp(x[at(r)] - m) / s;
    }
  }
  return out;
}

/** softmax: dx = y·(dy - Σ dy·y);  log-softmax: dx = dy - e^y·Σ dy (sums over the N axis). */
export function softmax_grad_ref(dy: ArrayLike<number>, y: ArrayLike<number>, outer: number, n: number,
    inner: number, log: boolean): Float64Array {
  const dx = new Float64Array(outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number) => (o * n + r) * inner + i;
      let s = 0;
      for (let r = 0; r < n; r++) s += log ? dy[at(r)] : dy[at(r)] * y[at(r)];
      for (let r = 0; r < n; r++) {
        dx[at(r)] = log ? dy[at(r)] - Math.exp(y[at(r)]) * s : y[at(r)] * (dy[at(r)] - s);
      }
    }
  }
  return dx;
}

export interface CrossEntropy { loss: Float64Array; dlogits: Float64Array }

/**
 * Per row: loss = ΣL·lse - Σ L·(l - m), dlogits = gradScale·(softmax·ΣL - L); labels either
 * probabilities [rows, classes] (Float32Array) or class indices [rows] (Int32Array: one-hot).
 */
export function softmax_cross_entropy_ref(logits: ArrayLike<number>, labels: Float32Array | Int32Array,
    rows: number, classes: number, gradScale: number): CrossEntropy {
  const loss = new Float64Array(rows), dlogits = new Float64Array(rows * classes);
  const sparse = labels instanceof Int32Array;
  const g = Math.fround(gradScale);
  for (let r = 0; r < rows; r++) {
    const l = (c: number) => logits[r * classes + c];
    const L = (c: number) => (sparse ? (labels[r] === c ? 1 : 0) : labels[r * classes + c]);
    if (classes === 0) { loss[r] = 0; continue; }
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Number.isNaN(l(c)) || Number.isNaN(m) ? NaN : Math.max(m, l(c));
    let s = 0, sl = 0, sld = 0;
    for (let c = 0; c < classes; c++) {
      s += Math.exp(l(c) - m);
      if (sparse) continue;
      sl += L(c);
      sld += L(c) * (l(c) - m);
    }
    const lse = Math.log(s);
    if (sparse) {
      sl = 1;
      sld = l(labels[r]) - m;
    }
    loss[r] = sl * lse - sld;
    for (let c = 0; c < classes; c++) dlogits[r * classes + c] = g * (Math.exp(l(c) - m) / s * sl - L(c));
  }
  return { loss, dlogits };
}
