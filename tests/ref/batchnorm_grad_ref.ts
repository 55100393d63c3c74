// Plain scalar references for assembly/autograd/batchnorm_grad.ts, in f64: training-mode batch
// normalization over the last axis of [rows, c] (biased batch variance, as tfjs-layers' moments),
// its backward pass from saved mean and invStd, and the moving-average update.

export interface BatchnormTrain { out: Float64Array; mean: Float64Array; variance: Float64Array; invStd: Float64Array }

/** Two-pass statistics in f64. out is normalized with the f32-rounded mean, as the kernel's
 *  contract says (the mean it returns is the one it uses). */
export function batchnorm_train_ref(x: ArrayLike<number>, gamma: ArrayLike<number> | null,
    beta: ArrayLike<number> | null, rows: number, c: number, epsilon: number): BatchnormTrain {
  const mean = new Float64Array(c), variance = new Float64Array(c), invStd = new Float64Array(c);
  const out = new Float64Array(rows * c);
  const eps = Math.fround(epsilon);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * c + ch];
    mean[ch] = s / rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (x[r * c + ch] - mean[ch]) ** 2;
    variance[ch] = v / rows;
    invStd[ch] = 1 / Math.sqrt(variance[ch] + eps);
    const m32 = Math.fround(mean[ch]);
    for (let r = 0; r < rows; r++) {
      out[r * c + ch] = (x[r * c + ch] - m32) * invStd[ch] * (gamma ? gamma[ch] : 1) + (beta ? beta[ch] : 0);
    }
  }
  return { out, mean, variance, invStd };
}

/** The normalized output only, with the exact (f64) batch mean: the forward for finite differences. */
export function batchnorm_forward_f64(x: ArrayLike<number>, gamma: ArrayLike<number> | null,
    beta: ArrayLike<number> | null, rows: number, c: number, epsilon: number): Float64Array {
  const out = new Float64Array(rows * c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * c + ch];
    const m = s / rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (x[r * c + ch] - m) ** 2;
    const k = 1 / Math.sqrt(v / rows + Math.fround(epsilon));
    for (let r = 0; r < rows; r++) out[r * c + ch] = (x[r * c + ch] - m) * k * (gamma ? gamma[ch] : 1) + (beta ? beta[ch] : 0);
  }
  return out;
}

export interface BatchnormGrad { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array }

/** dbeta = Σ dy, dgamma = invStd·Σ dy·(x - mean), dx = γ·invStd·(dy - dbeta/R - (x - mean)·invStd²·Σ dy·(x - mean)/R). */
export function batchnorm_grad_ref(dy: ArrayLike<number>, x: ArrayLike<number>, mean: ArrayLike<number>,
    invStd: ArrayLike<number>, gamma: ArrayLike<number> | null, rows: number, c: number): BatchnormGrad {
  const dx = new Float64Array(rows * c), dgamma = new Float64Array(c), dbeta = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let sdy = 0, sdyx = 0;
    for (let r = 0; r < rows; r++) {
      sdy += dy[r * c + ch];
      sdyx += dy[r * c + ch] * (x[r * c + ch] - mean[ch]);
    }
    const s = invStd[ch], g = gamma ? gamma[ch] : 1;
    dbeta[ch] = sdy;
    dgamma[ch] = s * sdyx;
    for (let r = 0; r < rows; r++) {
      const i = r * c + ch;
      dx[i] = g * s * (dy[i] - sdy / rows - (x[i] - mean[ch]) * s * s * sdyx / rows);
    }
  }
  return { dx, dgamma, dbeta };
}

/** running - (running - value)·(1 - momentum), each step rounded to f32 (tfjs-layers' order). */
export function moving_average_ref(running: Float32Array, value: Float32Array, momentum: number): Float32Array {
  const f32 = Math.fround, decay = f32(1 - f32(momentum));
  return Float32Array.from(running, (r, i) => f32(r - f32(f32(r - value[i]) * decay)));
}
