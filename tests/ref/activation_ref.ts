// Scalar references of the fused activations (codes as in assembly/kernels/activation.ts).
export const ACT = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, elu: 4, sigmoid: 5, tanh: 6, gelu: 7 } as const;

export function activation_ref(act: number, x: number, alpha: number): number {
  switch (act) {
    case ACT.relu: return Number.isNaN(x) ? x : Math.max(x, 0);
    case ACT.relu6: return Number.isNaN(x) ? x : Math.min(Math.max(x, 0), 6);
    case ACT.leakyrelu: return x < 0 ? alpha * x : x;
    case ACT.elu: return x < 0 ? alpha * (Math.exp(x) - 1) : x;
    case ACT.sigmoid: return 1 / (1 + Math.exp(-x));
    case ACT.tanh: return Math.tanh(x);
    case ACT.gelu: return 0.5 * x * (1 + erf(x / Math.SQRT2));
    default: return x;
  }
}

/** erf to ~1e-7 (Abramowitz-Stegun 7.1.26 is too coarse for a reference: use a series/continued fraction). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  if (ax < 2.5) {
    // Maclaurin series, converges fast enough here in f64.
    let term = x, sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x * x / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return sum * 2 / Math.sqrt(Math.PI);
  }
  // erfc continued fraction for large |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}
