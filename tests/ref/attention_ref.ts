// Plain scalar references for attention, in f64: the masked softmax of
// assembly/kernels/attention_softmax.ts and its gradient, the strided batched GEMM of
// assembly/kernels/gemm_batched.ts, and Keras's MultiHeadAttention forward written as its
// einsums by loops (for the layer tests).

export interface SoftmaxMask {
  /** [B, maskRows, K] 0/1, or null. */
  mask: ArrayLike<number> | null;
  maskRows: number;
  causal: boolean;
}

/** out[b,h,i,:] = softmax over visible keys of scale·scores; hidden keys and empty rows give 0. */
export function attention_softmax_ref(scores: ArrayLike<number>, b: number, h: number, q: number, k: number,
    m: SoftmaxMask, scale: number): Float64Array {
  const out = new Float64Array(b * h * q * k);
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      for (let i = 0; i < q; i++) {
        const row = ((bi * h + hi) * q + i) * k;
        const vis = (j: number) => (!m.causal || j <= i) &&
          (m.mask === null || m.mask[(bi * m.maskRows + (m.maskRows === 1 ? 0 : i)) * k + j] !== 0);
        let mx = -Infinity;
        for (let j = 0; j < k; j++) if (vis(j)) mx = Math.max(mx, scale * scores[row + j]);
        if (mx === -Infinity) continue;
        let s = 0;
        for (let j = 0; j < k; j++) if (vis(j)) s += Math.exp(scale * scores[row + j] - mx);
        for (let j = 0; j < k; j++) out[row + j] = vis(j) ? Math.exp(scale * scores[row + j] - mx) / s : 0;
      }
    }
  }
  return out;
}

/** dx = scale·y·(dy - Σ dy·y) per row of k. */
export function attention_softmax_grad_ref(dy: ArrayLike<number>, y: ArrayLike<number>, rows: number, k: number,
    scale: number): Float64Array {
  const dx = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += dy[r * k + j] * y[r * k + j];
    for (let j = 0; j < k; j++) dx[r * k + j] = scale * y[r * k + j] * (dy[r * k + j] - s);
  }
  return dx;
}

export interface BatchedStrides {
  aBatch: number; aHead: number; aRow: number; aCol: number;
  bBatch: number; bHead: number; bRow: number; bCol: number;
  cBatch: number; cHead: number; ldc: number;
}

/** C_bh (+)= A_bh·B_bh through element strides (gemm_batched_f32's contract); c is updated in place. */
export function gemm_batched_ref(c: Float64Array | Float32Array, a: ArrayLike<number>, bm: ArrayLike<number>,
    batch: number, heads: number, m: number, n: number, k: number, s: BatchedStrides, accumulate: boolean): void {
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) {
            acc += a[b * s.aBatch + h * s.aHead + i * s.aRow + p * s.aCol] *
              bm[b * s.bBatch + h * s.bHead + p * s.bRow + j * s.bCol];
          }
          const at = b * s.cBatch + h * s.cHead + i * s.ldc + j;
          c[at] = accumulate ? c[at] + acc : acc;
        }
      }
    }
  }
}

export interface MhaWeights {
  /** [dq, H, Dk], [H, Dk] (bias may be null) ... as Keras's EinsumDense layers. */
  wq: ArrayLike<number>; bq: ArrayLike<number> | null;
  wk: ArrayLike<number>; bk: ArrayLike<number> | null;
  wv: ArrayLike<number>; bv: ArrayLike<number> | null;
  wo: ArrayLike<number>; bo: ArrayLike<number> | null;
}

/**
 * Keras MultiHeadAttention: Q = query·Wq + bq ([B,T,H,Dk]), K, V alike from key and value;
 * scores = einsum('aecd,abcd->acbe', K, Q/sqrt(Dk)); P = masked softmax (mask [B,T,S] 0/1 or
 * null, fully masked rows 0); ctx = einsum('acbe,aecd->abcd', P, V); out = ctx·Wo + bo.
 */
export function mha_ref(query: ArrayLike<number>, value: ArrayLike<number>, key: ArrayLike<number>, w: MhaWeights,
    dims: { b: number; t: number; s: number; dq: number; dv: number; dk: number; h: number; keyDim: number;
      valueDim: number; dOut: number }, mask: ArrayLike<number> | null, causal: boolean): { out: Float64Array; scores: Float64Array } {
  const { b, t, s, dq, dv, dk, h, keyDim, valueDim, dOut } = dims;
  const project = (x: ArrayLike<number>, steps: number, din: number, wt: ArrayLike<number>, bias: ArrayLike<number> | null,
      width: number) => {
    const y = new Float64Array(b * steps * h * width);
    for (let r = 0; r < b * steps; r++) {
      for (let o = 0; o < h * width; o++) {
        let acc = bias ? bias[o] : 0;
        for (let c = 0; c < din; c++) acc += x[r * din + c] * wt[c * h * width + o];
        y[r * h * width + o] = acc;
      }
    }
    return y;
  };
  const q = project(query, t, dq, w.wq, w.bq, keyDim);
  const kk = project(key, s, dk, w.wk, w.bk, keyDim);
  const v = project(value, s, dv, w.wv, w.bv, valueDim);
  const raw = new Float64Array(b * h * t * s);
  for (let bi = 0; bi < b; bi++) for (let hi = 0; hi < h; hi++) for (let i = 0; i < t; i++) for (let j = 0; j < s; j++) {
    let acc = 0;
    for (let d = 0; d < keyDim; d++) acc += q[((bi * t + i) * h + hi) * keyDim + d] * kk[((bi * s + j) * h + hi) * keyDim + d];
    raw[((bi * h + hi) * t + i) * s + j] = acc;
  }
  const scores = attention_softmax_ref(raw, b, h, t, s, { mask, maskRows: t, causal }, 1 / Math.sqrt(keyDim));
  const ctx = new Float64Array(b * t * h * valueDim);
  for (let bi = 0; bi < b; bi++) for (let i = 0; i < t; i++) for (let hi = 0; hi < h; hi++) for (let e = 0; e < valueDim; e++) {
    let acc = 0;
    for (let j = 0; j < s; j++) acc += scores[((bi * h + hi) * t + i) * s + j] * v[((bi * s + j) * h + hi) * valueDim + e];
    ctx[((bi * t + i) * h + hi) * valueDim + e] = acc;
  }
  const out = new Float64Array(b * t * dOut);
  for (let r = 0; r < b * t; r++) {
    for (let o = 0; o < dOut; o++) {
      let acc = w.bo ? w.bo[o] : 0;
      for (let c = 0; c < h * valueDim; c++) acc += ctx[r * h * valueDim + c] * w.wo[c * dOut + o];
      out[r * dOut + o] = acc;
    }
  }
  return { out, scores };
}
