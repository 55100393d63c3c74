// The fused per-step gradient kernels of the recurrent cells, one batch row at a time (the
// backward of kernels/rnn_cells.ts; driven by rnn_grad.ts in reverse processing order).
//
// Per row, the gradient reaching this step's new h is dh = carry + m∘dhin + dy, where dy is the
// output's gradient, dhin the gradient of the NEXT processed step's hin (its recurrent GEMM,
// dG·uᵀ, and for the GRU its direct uses of hin), m the recurrent-dropout mask (1 without), and
// carry what passed unchanged through masked steps. A masked step keeps the state, so its dh
// (and the LSTM's dc) pass on as they are, and its gate gradients dG are 0 (so the GEMMs that
// follow add nothing for it).
//
// dG, the gradient of the pre-activations [G·U], is written to the row's slot of the caller's
// [B,T,G·U] buffer; the weight gradients are GEMMs over that buffer after the loop.
import { dact4, isGru, ld, st, tailAt, CELL_LSTM } from "../kernels/rnn_cells";

/**
 * One row of a step's gradient. saved: the row's saved values; dg: its dG row; carry, dhin, dc:
 * the running rows (updated); rm: the recurrent-dropout mask row or 0; dy: the output's gradient
 * row. GRU: writes the z and h̃ blocks of dG and dhin = dh∘z; gru_grad_r_row finishes the row.
 */
export function cell_grad_row(cell: i32, dg: usize, saved: usize, carry: usize, dhin: usize,
    rm: usize, dy: usize, dc: usize, live: bool, units: i32, act: i32, recAct: i32): void {
  const ub = <usize>units << 2;
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  for (let j = 0; j < units; j += 4) {
    const tail = tailAt(j, units);
    const o = <usize>j << 2;
    const back = rm != 0 ? f32x4.mul(ld(dhin + o, tail), ld(rm + o, tail)) : ld(dhin + o, tail);
    const dh = f32x4.add(f32x4.add(ld(carry + o, tail), back), ld(dy + o, tail));
    if (!live) {
      st(carry + o, dh, tail);
      st(dg + o, zero, tail);
      if (cell == CELL_LSTM) {
        st(dg + ub + o, zero, tail); st(dg + 2 * ub + o, zero, tail); st(dg + 3 * ub + o, zero, tail);
      } else if (isGru(cell)) {
        st(dg + ub + o, zero, tail); st(dg + 2 * ub + o, zero, tail);
        st(dhin + o, zero, tail);
      }
      continue;
    }
    st(carry + o, zero, tail);
    if (cell == CELL_LSTM) {
      const gi = ld(saved + o, tail), gf = ld(saved + ub + o, tail);
      const gc = ld(saved + 2 * ub + o, tail), go = ld(saved + 3 * ub + o, tail);
      const cp = ld(saved + 5 * ub + o, tail), tc = ld(saved + 6 * ub + o, tail);
      const dcn = f32x4.add(ld(dc + o, tail), f32x4.mul(f32x4.mul(dh, go), dact4(tc, act)));
      st(dg + o, f32x4.mul(f32x4.mul(dcn, gc), dact4(gi, recAct)), tail);
      st(dg + ub + o, f32x4.mul(f32x4.mul(dcn, cp), dact4(gf, recAct)), tail);
      st(dg + 2 * ub + o, f32x4.mul(f32x4.mul(dcn, gi), dact4(gc, act)), tail);
      st(dg + 3 * ub + o, f32x4.mul(f32x4.mul(dh, tc), dact4(go, recAct)), tail);
      st(dc + o, f32x4.mul(dcn, gf), tail);
    } else if (isGru(cell)) {
      const z = ld(saved + o, tail), hh = ld(saved + 2 * ub + o, tail), hin = ld(saved + 3 * ub + o, tail);
      st(dg + o, f32x4.mul(f32x4.mul(dh, f32x4.sub(hin, hh)), dact4(z, recAct)), tail);
      st(dg + 2 * ub + o, f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), dact4(hh, act)), tail);
      st(dhin + o, f32x4.mul(dh, z), tail);
    } else {
      st(dg + o, f32x4.mul(dh, dact4(ld(saved + o, tail), act)), tail);
    }
  }
}

/**
 * The GRU row's r block, both forms: dr = d∘s∘rec'(r) and rd (+)= r∘d, where
 *   reset before: d = drh = dG_h̃·U_hᵀ, s = hin, rd = dhin (accumulate);
 *   reset after:  d = dG_h̃, s = hin·U_h + b'_h (saved slot 4), rd = the gradient of that
 *                 recurrent term (overwritten; dhin gets it through U_hᵀ, du_h and db'_h too).
 */
export function gru_grad_r_row(dg: usize, saved: usize, d: usize, s: usize, rd: usize, units: i32,
    recAct: i32, accumulate: bool): void {
  const ub = <usize>units << 2;
  for (let j = 0; j < units; j += 4) {
    const tail = tailAt(j, units);
    const o = <usize>j << 2;
    const r = ld(saved + ub + o, tail), dv = ld(d + o, tail);
    st(dg + ub + o, f32x4.mul(f32x4.mul(dv, ld(s + o, tail)), dact4(r, recAct)), tail);
    const v = f32x4.mul(r, dv);
    st(rd + o, accumulate ? f32x4.add(ld(rd + o, tail), v) : v, tail);
  }
}

/** dh0 row = carry + m∘dhin: the gradient of the initial state. */
export function initial_state_grad_row(dh0: usize, carry: usize, dhin: usize, rm: usize, units: i32): void {
  for (let j = 0; j < units; j += 4) {
    const tail = tailAt(j, units);
    const o = <usize>j << 2;
    const back = rm != 0 ? f32x4.mul(ld(dhin + o, tail), ld(rm + o, tail)) : ld(dhin + o, tail);
    st(dh0 + o, f32x4.add(ld(carry + o, tail), back), tail);
  }
}
