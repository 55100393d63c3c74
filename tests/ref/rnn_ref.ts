// Plain f64 scalar reference of rnn_forward_f32 (assembly/kernels/rnn.ts): tfjs-layers' rnn()
// loop and its SimpleRNN / LSTM / GRU cells written out per element, and Keras's reset_after GRU
// cell ('gruAfter', bias [2, 3U]), for the kernel tests and the finite-difference tests of
// rnn_grad_f32.

export type CellName = 'simple' | 'lstm' | 'gru' | 'gruAfter';
export const CELL_CODE: Record<CellName, number> = { simple: 0, lstm: 1, gru: 2, gruAfter: 3 };
export const GATES: Record<CellName, number> = { simple: 1, lstm: 4, gru: 3, gruAfter: 3 };
export const SAVED_UNITS: Record<CellName, number> = { simple: 2, lstm: 7, gru: 5, gruAfter: 5 };
/** Rows of the bias: Keras's reset_after GRU has an input and a recurrent bias, [2, 3U]. */
export const BIAS_ROWS: Record<CellName, number> = { simple: 1, lstm: 1, gru: 1, gruAfter: 2 };
/** Activation codes as the kernels take them (activation.ts, plus hardSigmoid = 8). */
export const ACT_CODE = { linear: 0, relu: 1, sigmoid: 5, tanh: 6, hardSigmoid: 8 } as const;
export type ActName = keyof typeof ACT_CODE;

export interface RnnCase {
  cell: CellName; batch: number; time: number; inDim: number; units: number;
  x: ArrayLike<number>; w: ArrayLike<number>; bias: ArrayLike<number> | null; u: ArrayLike<number>;
  h0: ArrayLike<number> | null; c0: ArrayLike<number> | null;
  mask: Int32Array | null; rmask: ArrayLike<number> | null;
  goBackwards: boolean; act: ActName; recAct: ActName;
}

export function actRef(name: ActName, x: number): number {
  switch (name) {
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'hardSigmoid': return Math.min(1, Math.max(0, 0.2 * x + 0.5));
    case 'relu': return Math.max(0, x);
    default: return x;
  }
}

/** out [B, T+S, U]: the outputs in processing order, then (LSTM) the final c. */
export function rnn_forward_ref(c: RnnCase): Float64Array {
  const { batch: B, time: T, inDim: F, units: U } = c;
  const G = GATES[c.cell], GU = G * U, S = c.cell === 'lstm' ? 1 : 0;
  const out = new Float64Array(B * (T + S) * U);
  for (let b = 0; b < B; b++) {
    const h = Array.from({ length: U }, (_, j) => (c.h0 ? c.h0[b * U + j] : 0));
    const cs = Array.from({ length: U }, (_, j) => (c.c0 ? c.c0[b * U + j] : 0));
    for (let s = 0; s < T; s++) {
      const t = c.goBackwards ? T - 1 - s : s;
      const hin = h.map((v, j) => (c.rmask ? v * c.rmask[b * U + j] : v));
      // xw = x·W + b
      const xw = new Float64Array(GU);
      for (let g = 0; g < GU; g++) {
        let acc = c.bias ? c.bias[g] : 0;   // the input bias (row 0 of the reset-after GRU's)
        for (let f = 0; f < F; f++) acc += c.x[(b * T + t) * F + f] * c.w[f * GU + g];
        xw[g] = acc;
      }
      const rec = (a: ArrayLike<number>, col0: number, n: number) => {
        const r = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let i = 0; i < U; i++) acc += a[i] * c.u[i * GU + col0 + j];
          r[j] = acc;
        }
        return r;
      };
      let hn: number[];
      let cn = cs;
      if (c.cell === 'simple') {
        const r = rec(hin, 0, U);
        hn = h.map((_, j) => actRef(c.act, xw[j] + r[j]));
      } else if (c.cell === 'lstm') {
        const r = rec(hin, 0, GU);
        const gate = (k: number, j: number, a: ActName) => actRef(a, xw[k * U + j] + r[k * U + j]);
        cn = cs.map((cp, j) => gate(1, j, c.recAct) * cp + gate(0, j, c.recAct) * gate(2, j, c.act));
        hn = cn.map((v, j) => gate(3, j, c.recAct) * actRef(c.act, v));
      } else if (c.cell === 'gruAfter') {
        // Keras's reset_after: r scales the recurrent term, recurrent bias included.
        const r = rec(hin, 0, GU);
        const rb = (j: number) => (c.bias ? c.bias[GU + j] : 0);
        const z = h.map((_, j) => actRef(c.recAct, xw[j] + r[j] + rb(j)));
        const rr = h.map((_, j) => actRef(c.recAct, xw[U + j] + r[U + j] + rb(U + j)));
        hn = h.map((_, j) => {
          const hh = actRef(c.act, xw[2 * U + j] + rr[j] * (r[2 * U + j] + rb(2 * U + j)));
          return z[j] * hin[j] + (1 - z[j]) * hh;
        });
      } else {
        const r = rec(hin, 0, 2 * U);
        const z = h.map((_, j) => actRef(c.recAct, xw[j] + r[j]));
        const rr = h.map((_, j) => actRef(c.recAct, xw[U + j] + r[U + j]));
        const rh = rec(hin.map((v, j) => v * rr[j]), 2 * U, U);
        hn = h.map((_, j) => {
          const hh = actRef(c.act, xw[2 * U + j] + rh[j]);
          return z[j] * hin[j] + (1 - z[j]) * hh;
        });
      }
      const live = !c.mask || c.mask[b * T + t] !== 0;
      if (live) {
        for (let j = 0; j < U; j++) { h[j] = hn[j]; cs[j] = cn[j]; }
      }
      for (let j = 0; j < U; j++) out[(b * (T + S) + s) * U + j] = h[j];
    }
    if (S) for (let j = 0; j < U; j++) out[(b * (T + S) + T) * U + j] = cs[j];
  }
  return out;
}
