// The fused per-step kernels of the recurrent cells (forward), one batch row at a time, and the
// activations they use. Formulas and gate orders are tfjs-layers 4.22's (recurrent.js):
//
//   SimpleRNN  h = act(x·W + b + hin·U)
//   LSTM       [i f c o] = [rec act rec rec](x·W + b + hin·U)   (gate blocks of U columns)
//              c' = f∘c + i∘c̃,  h' = o∘act(c')
//   GRU        [z r] = rec(x·W_zr + b_zr + hin·U_zr),  rh = r∘hin
//              h̃ = act(x·W_h + b_h + rh·U_h),  h' = z∘hin + (1 − z)∘h̃      (reset before, as tfjs)
//   GRU, reset after (Keras's reset_after = true, ONNX's linear_before_reset = 1, PyTorch's GRU):
//              bias [2, 3U] = [b (input) ; b' (recurrent)], [z r] as above with b_zr + b'_zr,
//              h̃ = act(x·W_h + b_h + r∘(hin·U_h + b'_h)),  h' as above
//
// hin is the state fed to the recurrent GEMM: h times the recurrent-dropout mask when there is
// one (Keras applies it to h_tm1 only; the GRU's z-blend uses the dropped h too, as tfjs does).
// A masked step (live = false) keeps h and c and outputs the kept h (Keras's rnn()).
//
// Saved row per (batch, time), W floats, what the backward pass needs:
//   SimpleRNN [h | hin]                    W = 2U
//   LSTM      [i f c̃ o | hin | c_prev | act(c')]   W = 7U
//   GRU       [z r h̃ | hin | rh]             W = 5U
//   GRU after [z r h̃ | hin | hin·U_h + b'_h] W = 5U
// Rows are processed 4 units per vector; a last 1-3 units go through loadTail/storeTail, so
// nothing outside a row is read or written.
import { loadTail, madd4, storeTail } from "../simd";
import { sigmoid4, tanh4 } from "../approx";
import { ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH } from "./activation";

/** Keras's hardSigmoid, clip(0.2·x + 0.5, 0, 1): an RNN-only code beside activation.ts's. */
// @ts-ignore: decorator
@inline export const ACT_HARD_SIGMOID: i32 = 8;

// @ts-ignore: decorator
@inline export const CELL_SIMPLE: i32 = 0;
// @ts-ignore: decorator
@inline export const CELL_LSTM: i32 = 1;
// @ts-ignore: decorator
@inline export const CELL_GRU: i32 = 2;
/** The GRU with the reset gate applied after the recurrent product (see the header). */
// @ts-ignore: decorator
@inline export const CELL_GRU_AFTER: i32 = 3;

/** Either GRU form: the same gates, saved row and state update; only r's place differs. */
// @ts-ignore: decorator
@inline export function isGru(cell: i32): bool {
  return cell == CELL_GRU || cell == CELL_GRU_AFTER;
}

/** Gate blocks per cell (columns of the kernels = gates·units). */
// @ts-ignore: decorator
@inline export function cellGates(cell: i32): i32 {
  return cell == CELL_LSTM ? 4 : isGru(cell) ? 3 : 1;
}

/** Saved floats per (batch, time) row, in units. */
// @ts-ignore: decorator
@inline export function cellSavedUnits(cell: i32): i32 {
  return cell == CELL_LSTM ? 7 : isGru(cell) ? 5 : 2;
}

/** Where hin sits in a saved row, in units. */
// @ts-ignore: decorator
@inline export function cellHinUnits(cell: i32): i32 {
  return cell == CELL_LSTM ? 4 : isGru(cell) ? 3 : 1;
}

/** Whether act is one of the codes the cells accept. */
export function isRnnActivation(act: i32): bool {
  return act == ACT_LINEAR || act == ACT_RELU || act == ACT_SIGMOID || act == ACT_TANH ||
    act == ACT_HARD_SIGMOID;
}

/** act(x) per lane. */
// @ts-ignore: decorator
@inline export function act4(x: v128, act: i32): v128 {
  if (act == ACT_TANH) return tanh4(x);
  if (act == ACT_HARD_SIGMOID) {
    const y = madd4(x, f32x4.splat(0.2), f32x4.splat(0.5));
    return f32x4.pmin(f32x4.pmax(y, f32x4.splat(0)), f32x4.splat(1));
  }
  if (act == ACT_SIGMOID) return sigmoid4(x);
  if (act == ACT_RELU) return f32x4.pmax(x, f32x4.splat(0));
  return x;
}

/** act'(x) per lane, from y = act(x) (every accepted activation's derivative is a function of y). */
// @ts-ignore: decorator
@inline export function dact4(y: v128, act: i32): v128 {
  const one = f32x4.splat(1);
  if (act == ACT_TANH) return f32x4.sub(one, f32x4.mul(y, y));
  if (act == ACT_HARD_SIGMOID) {
    // 0.2 inside (0, 1); the clipped ends have no slope.
    const inside = v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, one));
    return v128.and(inside, f32x4.splat(0.2));
  }
  if (act == ACT_SIGMOID) return f32x4.mul(y, f32x4.sub(one, y));
  if (act == ACT_RELU) return v128.and(f32x4.gt(y, f32x4.splat(0)), one);
  return one;
}

/** 4 floats at p, or the first `tail` (1-3) of them. */
// @ts-ignore: decorator
@inline export function ld(p: usize, tail: usize): v128 {
  return tail ? loadTail(p, tail) : v128.load(p);
}

/** Stores 4 floats at p, or the first `tail` (1-3) lanes. */
// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, tail: usize): void {
  if (tail) storeTail(p, v, tail);
  else v128.store(p, v);
}

/** Lanes to handle at unit offset j of a row of `units`: 0 means a full vector. */
// @ts-ignore: decorator
@inline export function tailAt(j: i32, units: i32): usize {
  return units - j >= 4 ? 0 : <usize>(units - j);
}

/**
 * One row of a SimpleRNN or LSTM step, or the second half of a GRU step. pre: the row's
 * pre-activations (x·W + b + hin·U) [G·U]; saved: its saved row; h, c: the running state rows
 * (updated when live); y: the output row (the new h, or the kept one when masked).
 */
export function cell_step_row(cell: i32, pre: usize, saved: usize, h: usize, c: usize, y: usize,
    live: bool, units: i32, act: i32, recAct: i32): void {
  const ub = <usize>units << 2;
  for (let j = 0; j < units; j += 4) {
    const tail = tailAt(j, units);
    const o = <usize>j << 2;
    let hn: v128;
    if (cell == CELL_LSTM) {
      const gi = act4(ld(pre + o, tail), recAct), gf = act4(ld(pre + ub + o, tail), recAct);
      const gc = act4(ld(pre + 2 * ub + o, tail), act), go = act4(ld(pre + 3 * ub + o, tail), recAct);
      const cp = ld(c + o, tail);
      const cn = f32x4.add(f32x4.mul(gf, cp), f32x4.mul(gi, gc));
      const tc = act4(cn, act);
      hn = f32x4.mul(go, tc);
      st(saved + o, gi, tail); st(saved + ub + o, gf, tail);
      st(saved + 2 * ub + o, gc, tail); st(saved + 3 * ub + o, go, tail);
      st(saved + 5 * ub + o, cp, tail); st(saved + 6 * ub + o, tc, tail);
      if (live) st(c + o, cn, tail);
    } else if (isGru(cell)) {
      // z and r were stored by gru_gates_row; pre's h block now holds x·W_h + b_h + rh·U_h
      // (reset after: x·W_h + b_h + r∘(hin·U_h + b'_h)).
      const z = ld(saved + o, tail), hin = ld(saved + 3 * ub + o, tail);
      const hh = act4(ld(pre + 2 * ub + o, tail), act);
      hn = f32x4.add(f32x4.mul(z, hin), f32x4.mul(f32x4.sub(f32x4.splat(1), z), hh));
      st(saved + 2 * ub + o, hh, tail);
    } else {
      hn = act4(ld(pre + o, tail), act);
      st(saved + o, hn, tail);
    }
    if (live) {
      st(h + o, hn, tail);
      st(y + o, hn, tail);
    } else {
      st(y + o, ld(h + o, tail), tail);
    }
  }
}

/**
 * The first half of a GRU step for one row: z, r from pre's [z r] blocks; then reset before:
 * rh = r∘hin into saved's slot 4 (the A operand of the h̃ GEMM that follows); reset after:
 * slot 4 already holds this step's hin·U_h, which gets b'_h (recBias, or 0 for none) and stays
 * there for the backward pass, and pre's h block gets r∘(hin·U_h + b'_h).
 */
export function gru_gates_row(pre: usize, saved: usize, recBias: usize, units: i32, recAct: i32,
    resetAfter: bool): void {
  const ub = <usize>units << 2;
  for (let j = 0; j < units; j += 4) {
    const tail = tailAt(j, units);
    const o = <usize>j << 2;
    const z = act4(ld(pre + o, tail), recAct), r = act4(ld(pre + ub + o, tail), recAct);
    st(saved + o, z, tail);
    st(saved + ub + o, r, tail);
    if (resetAfter) {
      let rec = ld(saved + 4 * ub + o, tail);
      if (recBias != 0) rec = f32x4.add(rec, ld(recBias + o, tail));
      st(saved + 4 * ub + o, rec, tail);
      st(pre + 2 * ub + o, madd4(r, rec, ld(pre + 2 * ub + o, tail)), tail);
    } else {
      st(saved + 4 * ub + o, f32x4.mul(r, ld(saved + 3 * ub + o, tail)), tail);
    }
  }
}

/** hin row = h (rmask 0) or h∘rmask. */
export function hin_row(hin: usize, h: usize, rmask: usize, units: i32): void {
  if (rmask == 0) {
    memory.copy(hin, h, <usize>units << 2);
    return;
  }
  for (let j = 0; j < units; j += 4) {
    const tail = tailAt(j, units);
    const o = <usize>j << 2;
    st(hin + o, f32x4.mul(ld(h + o, tail), ld(rmask + o, tail)), tail);
  }
}
