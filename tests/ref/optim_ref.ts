// Plain scalar references of the optimizer updates (assembly/autograd/optim.ts): TensorFlow.js's
// formulas in its operation order, each operation rounded to f32 as tfjs's cpu backend stores
// every intermediate tensor in a Float32Array. State arrays are updated in place.

const f = Math.fround;

export function sgd_ref(w: Float32Array, g: Float32Array, lr: number): void {
  const c = f(-f(lr));
  for (let i = 0; i < w.length; i++) w[i] = f(f(c * g[i]) + w[i]);
}

export function momentum_ref(w: Float32Array, acc: Float32Array, g: Float32Array, lr: number, momentum: number,
    nesterov: boolean): void {
  const c = f(-f(lr)), m = f(momentum);
  for (let i = 0; i < w.length; i++) {
    acc[i] = f(f(m * acc[i]) + g[i]);
    const dir = nesterov ? f(g[i] + f(acc[i] * m)) : acc[i];
    w[i] = f(f(c * dir) + w[i]);
  }
}

export interface AdamArgs { lr: number; beta1: number; beta2: number; epsilon: number; oneMinusBeta1Pow: number;
  oneMinusBeta2Pow: number; weightDecay: number }

export function adam_ref(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, a: AdamArgs): void {
  const lr = f(a.lr), b1 = f(a.beta1), b2 = f(a.beta2), eps = f(a.epsilon), wd = f(a.weightDecay);
  const omb1 = f(1 - b1), omb2 = f(1 - b2), ob1 = f(a.oneMinusBeta1Pow), ob2 = f(a.oneMinusBeta2Pow);
  for (let i = 0; i < w.length; i++) {
    if (wd !== 0) w[i] = f(w[i] - f(f(w[i] * wd) * lr));
    m[i] = f(f(m[i] * b1) + f(g[i] * omb1));
    v[i] = f(f(v[i] * b2) + f(f(g[i] * g[i]) * omb2));
    const upd = f(f(m[i] / ob1) / f(f(Math.sqrt(f(v[i] / ob2))) + eps));
    w[i] = f(f(upd * f(-lr)) + w[i]);
  }
}

export function rmsprop_ref(w: Float32Array, ms: Float32Array, mom: Float32Array, mg: Float32Array | null,
    g: Float32Array, lr: number, decay: number, momentum: number, epsilon: number): void {
  const d = f(decay), omd = f(1 - d), mo = f(momentum), l = f(lr), eps = f(epsilon);
  for (let i = 0; i < w.length; i++) {
    ms[i] = f(f(ms[i] * d) + f(f(g[i] * g[i]) * omd));
    let denom: number;
    if (mg) {
      mg[i] = f(f(mg[i] * d) + f(g[i] * omd));
      denom = f(Math.sqrt(f(f(ms[i] - f(mg[i] * mg[i])) + eps)));
    } else {
      denom = f(Math.sqrt(f(ms[i] + eps)));
    }
    mom[i] = f(f(mom[i] * mo) + f(f(g[i] * l) / denom));
    w[i] = f(w[i] - mom[i]);
  }
}

export function adagrad_ref(w: Float32Array, acc: Float32Array, g: Float32Array, lr: number, epsilon: number): void {
  const c = f(-f(lr)), eps = f(epsilon);
  for (let i = 0; i < w.length; i++) {
    acc[i] = f(acc[i] + f(g[i] * g[i]));
    w[i] = f(f(f(g[i] / f(Math.sqrt(f(acc[i] + eps)))) * c) + w[i]);
  }
}

/** Σ x² in f64. */
export function sum_squares_ref(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
