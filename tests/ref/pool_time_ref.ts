// Scalar references (f64 accumulators) for the masked global poolings over time
// (assembly/kernels/pool_time.ts) and their gradients (assembly/autograd/pool_time_grad.ts).
//   x [B, T, C], mask [B, T] (nonzero = real step) or null (all real), out [B, C].

function real(mask: ArrayLike<number> | null, b: number, t: number, s: number): boolean {
  return mask === null || mask[b * t + s] !== 0;
}

/** Mean over real steps; 0 for rows with none. */
export function global_avgpool_time_ref(x: ArrayLike<number>, mask: ArrayLike<number> | null, B: number, T: number,
    C: number): Float64Array {
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let s = 0; s < T; s++) if (real(mask, b, T, s)) count++;
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let s = 0; s < T; s++) if (real(mask, b, T, s)) sum += x[(b * T + s) * C + c];
      out[b * C + c] = count === 0 ? 0 : sum / count;
    }
  }
  return out;
}

/** Max over real steps and its first step (a NaN wins and stays); rows with none: 0 and -1. */
export function global_maxpool_time_ref(x: ArrayLike<number>, mask: ArrayLike<number> | null, B: number, T: number,
    C: number): { out: Float64Array; argmax: Int32Array } {
  const out = new Float64Array(B * C), argmax = new Int32Array(B * C).fill(-1);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let best = 0, at = -1;
      for (let s = 0; s < T; s++) {
        if (!real(mask, b, T, s)) continue;
        const v = x[(b * T + s) * C + c];
        if (at < 0 || (!Number.isNaN(best) && (v > best || Number.isNaN(v)))) {
          best = v;
          at = s;
        }
      }
      out[b * C + c] = at < 0 ? 0 : best;
      argmax[b * C + c] = at;
    }
  }
  return { out, argmax };
}

/** dx = dy / #real on real steps, 0 elsewhere. */
export function global_avgpool_time_grad_ref(dy: ArrayLike<number>, mask: ArrayLike<number> | null, B: number, T: number,
    C: number): Float64Array {
  const dx = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let s = 0; s < T; s++) if (real(mask, b, T, s)) count++;
    for (let s = 0; s < T; s++) {
      if (!real(mask, b, T, s)) continue;
      for (let c = 0; c < C; c++) dx[(b * T + s) * C + c] = dy[b * C + c] / count;
    }
  }
  return dx;
}

/** dx[b, argmax[b, c], c] = dy[b, c], 0 elsewhere. */
export function global_maxpool_time_grad_ref(dy: ArrayLike<number>, argmax: ArrayLike<number>, B: number, T: number,
    C: number): Float64Array {
  const dx = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const s = argmax[b * C + c];
      if (s >= 0) dx[(b * T + s) * C + c] = dy[b * C + c];
    }
  }
  return dx;
}
