// Whole-sequence forward of a recurrent layer (SimpleRNN, LSTM, GRU reset before or after;
// formulas in rnn_cells.ts).
//
//   B batch, T time steps, F input features, U units, G gates (1, 4, 3), W saved floats per row
//   x [B,T,F], w [F,G·U], bias [G·U] or 0, u [U,G·U]  (tfjs-layers' kernel/recurrentKernel/bias)
//   (the reset-after GRU, cell 3: bias [2, G·U] or 0, Keras's input row then recurrent row)
//   h0, c0 [B,U] or 0 (zeros); mask [B,T] int32 (nonzero = real step) or 0; rmask [B,U] or 0
//   out [B,T+S,U]: rows 0..T-1 the output of each processed step (in processing order: time
//     reversed when goBackwards, as tfjs's rnn()), then for the LSTM (S = 1) the final c.
//     The final h is row T-1 (a masked step outputs the kept h, so the last output is the state).
//   saved [B,T,W]: per (batch, input time) what rnn_grad_f32 needs (rnn_cells.ts lists it).
//
// Work: the input projection of all steps as one GEMM, xw = x·w + bias ([B·T, F] x [F, G·U]);
// then per step, the recurrent GEMM adds hin·u into that step's rows of xw in place (rows T·G·U
// apart, rnn_gemm.ts; u is packed once for the whole sequence) and one fused kernel per row
// applies the gates and updates the state (the GRU needs its r gate before its second GEMM:
// gates, GEMM on r∘hin, then the state update; reset after, the h̃ GEMM hin·U_h comes first, into
// the saved row, and the gates kernel folds r∘(hin·U_h + b'_h) into xw's h block).
//
// Returns 0, -1 (out of memory for the scoped scratch) or -2 (an unknown activation code).
// out and saved may not alias the inputs.
import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_f32, STATUS_OK, STATUS_OOM } from "./gemm";
import { ACT_LINEAR } from "./activation";
import { gemmPanels, packedAScratchBytes, packedPanelsBytes, packPanels } from "./rnn_gemm";
import { CELL_GRU, CELL_GRU_AFTER, CELL_LSTM, cellGates, cellHinUnits, cellSavedUnits, cell_step_row,
  gru_gates_row, hin_row, isGru, isRnnActivation } from "./rnn_cells";

// @ts-ignore: decorator
@inline export const STATUS_BAD_ARG: i32 = -2;

/** Whether step (b, t) is a real step. */
// @ts-ignore: decorator
@inline export function isLive(mask: usize, b: i32, t: i32, time: i32): bool {
  return mask == 0 || load<i32>(mask + ((<usize>b * <usize>time + <usize>t) << 2)) != 0;
}

export function rnn_forward_f32(cell: i32, out: usize, saved: usize, x: usize, w: usize,
    bias: usize, u: usize, h0: usize, c0: usize, mask: usize, rmask: usize, batch: i32, time: i32,
    inDim: i32, units: i32, goBackwards: i32, act: i32, recAct: i32): i32 {
  if (!isRnnActivation(act) || !isRnnActivation(recAct) || cell < 0 || cell > CELL_GRU_AFTER) return STATUS_BAD_ARG;
  if (batch <= 0 || time <= 0 || units <= 0) return STATUS_OK;
  const G = cellGates(cell), W = cellSavedUnits(cell) * units, hinOff = cellHinUnits(cell) * units;
  const GU = G * units;
  const S = cell == CELL_LSTM ? 1 : 0;
  const gru = isGru(cell), after = cell == CELL_GRU_AFTER;
  const ub = <usize>units << 2;
  const stateBytes = <usize>batch * ub;
  const mark = arena_mark();
  const xw = arena_alloc_scoped(<usize>batch * <usize>time * <usize>GU << 2);
  const hCur = arena_alloc_scoped(stateBytes);
  const cCur = arena_alloc_scoped(stateBytes);
  // GRU: u's [z r] columns and its h columns are two operands (the second GEMM waits for r).
  const nFirst = gru ? 2 * units : GU;
  const panels = arena_alloc_scoped(packedPanelsBytes(nFirst, units));
  const panelsH = gru ? arena_alloc_scoped(packedPanelsBytes(units, units)) : 1;
  const aScratch = arena_alloc_scoped(packedAScratchBytes(batch, units));
  // Reset after: z and r only ever see b + b', so the input GEMM takes [b_zr + b'_zr, b_h]; b'_h
  // waits for r (gru_gates_row).
  const xBias = after && bias != 0 ? arena_alloc_scoped(<usize>GU << 2) : bias;
  const recBiasH: usize = after && bias != 0 ? bias + (<usize>(GU + 2 * units) << 2) : 0;
  if (xw == 0 || hCur == 0 || cCur == 0 || panels == 0 || panelsH == 0 || aScratch == 0 ||
      (bias != 0 && xBias == 0)) {
    arena_release(mark);
    return STATUS_OOM;
  }
  if (xBias != bias) {
    for (let i = 0; i < GU; i++) {
      const o = <usize>i << 2;
      store<f32>(xBias + o, load<f32>(bias + o) + (i < 2 * units ? load<f32>(bias + (<usize>GU << 2) + o) : 0));
    }
  }
  const status = gemm_f32(xw, x, w, xBias, batch * time, GU, inDim, 0, 0, ACT_LINEAR, 0);
  if (status != STATUS_OK) {
    arena_release(mark);
    return status;
  }
  packPanels(panels, u, nFirst, units, <usize>GU, 1);
  if (gru) packPanels(panelsH, u + (<usize>(2 * units) << 2), units, units, <usize>GU, 1);
  if (h0 != 0) memory.copy(hCur, h0, stateBytes);
  else memory.fill(hCur, 0, stateBytes);
  if (c0 != 0) memory.copy(cCur, c0, stateBytes);
  else memory.fill(cCur, 0, stateBytes);

  const xwStep: usize = <usize>GU << 2;                // one time step of a batch row of xw
  const xwRows: usize = <usize>time * <usize>GU;      // xw's row stride (floats) between batches
  const savedStep: usize = <usize>W << 2;
  const savedRows: usize = <usize>time * <usize>W;
  const outRowBytes: usize = <usize>(time + S) * ub;  // out's stride between batches
  for (let s = 0; s < time; s++) {
    const t = goBackwards ? time - 1 - s : s;
    const xwT = xw + <usize>t * xwStep;
    const savedT = saved + <usize>t * savedStep;
    for (let b = 0; b < batch; b++) {
      hin_row(savedT + (<usize>b * savedRows << 2) + (<usize>hinOff << 2), hCur + <usize>b * ub,
        rmask != 0 ? rmask + <usize>b * ub : 0, units);
    }
    gemmPanels(xwT, <i32>xwRows, savedT + (<usize>hinOff << 2), savedRows, 1, panels, aScratch,
      batch, nFirst, units, true);
    if (after) {
      // hin·U_h into the saved rows' slot 4 (next to hin, slot 3, its A operand).
      gemmPanels(savedT + (<usize>(4 * units) << 2), <i32>savedRows, savedT + (<usize>hinOff << 2),
        savedRows, 1, panelsH, aScratch, batch, units, units, false);
    }
    if (gru) {
      for (let b = 0; b < batch; b++) {
        gru_gates_row(xwT + (<usize>b * xwRows << 2), savedT + (<usize>b * savedRows << 2), recBiasH,
          units, recAct, after);
      }
    }
    if (cell == CELL_GRU) {
      gemmPanels(xwT + (<usize>(2 * units) << 2), <i32>xwRows, savedT + (<usize>(4 * units) << 2),
        savedRows, 1, panelsH, aScratch, batch, units, units, true);
    }
    for (let b = 0; b < batch; b++) {
      cell_step_row(cell, xwT + (<usize>b * xwRows << 2), savedT + (<usize>b * savedRows << 2),
        hCur + <usize>b * ub, cCur + <usize>b * ub, out + <usize>b * outRowBytes + <usize>s * ub,
        isLive(mask, b, t, time), units, act, recAct);
    }
  }
  if (S == 1) {
    for (let b = 0; b < batch; b++) {
      memory.copy(out + <usize>b * outRowBytes + <usize>time * ub, cCur + <usize>b * ub, ub);
    }
  }
  arena_release(mark);
  return STATUS_OK;
}
