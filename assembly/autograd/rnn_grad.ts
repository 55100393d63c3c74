// Backpropagation through time for rnn_forward_f32 (kernels/rnn.ts), the whole sequence at once.
//
//   dy [B,T+S,U]: the gradient of rnn_forward_f32's out (outputs, then the LSTM's final c)
//   saved [B,T,W], x, w, u, mask, rmask: as given to / written by the forward pass
//   dx [B,T,F], dw [F,G·U], du [U,G·U], db [G·U], dh0 [B,U], dc0 [B,U] (LSTM): the gradients;
//   each may be 0 (not wanted). They are OVERWRITTEN, not accumulated: the tape hands this
//   kernel fresh tensors, and overwriting spares a zero fill of each.
//
// Loop, in reverse processing order: per row one fused gate-gradient kernel (autograd/
// rnn_cells_grad.ts) writes dG for the step; one GEMM, dhin = dG_t·uᵀ (uᵀ packed once), carries
// the gradient to the previous state (the GRU: dG_h̃·u_h̃ᵀ first, its r block, then dG_zr·u_zrᵀ;
// reset after: the r block first, which gives dRh = r∘dG_h̃, the gradient of hin·U_h + b'_h,
// then dRh·u_h̃ᵀ and dG_zr·u_zrᵀ).
// After the loop the weight gradients are single large GEMMs over all steps:
//   dw = xᵀ·dG,  du = hinᵀ·dG (GRU: [hin | rh]ᵀ against dG's [zr | h̃] blocks; reset after:
//   hinᵀ against [dG_zr | dRh]),  dx = dG·wᵀ,  db = column sums of dG (reset after, db [2, G·U]:
//   row 0 that, row 1 the column sums of [dG_zr | dRh]).
// Returns 0, -1 (out of memory) or -2 (an unknown activation code).
import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { STATUS_OK, STATUS_OOM } from "../kernels/gemm";
import { gemmPanels, gemmStrided, packedAScratchBytes, packedPanelsBytes, packPanels } from "../kernels/rnn_gemm";
import { CELL_GRU, CELL_GRU_AFTER, CELL_LSTM, cellGates, cellHinUnits, cellSavedUnits, isGru,
  isRnnActivation } from "../kernels/rnn_cells";
import { isLive, STATUS_BAD_ARG } from "../kernels/rnn";
import { cell_grad_row, gru_grad_r_row, initial_state_grad_row } from "./rnn_cells_grad";
import { bias_grad_f32 } from "./bias_grad";

export function rnn_grad_f32(cell: i32, dx: usize, dw: usize, du: usize, db: usize, dh0: usize,
    dc0: usize, dy: usize, saved: usize, x: usize, w: usize, u: usize, mask: usize, rmask: usize,
    batch: i32, time: i32, inDim: i32, units: i32, goBackwards: i32, act: i32, recAct: i32): i32 {
  if (!isRnnActivation(act) || !isRnnActivation(recAct) || cell < 0 || cell > CELL_GRU_AFTER) return STATUS_BAD_ARG;
  if (batch <= 0 || time <= 0 || units <= 0) return STATUS_OK;
  const G = cellGates(cell), W = cellSavedUnits(cell) * units, hinOff = cellHinUnits(cell) * units;
  const GU = G * units;
  const S = cell == CELL_LSTM ? 1 : 0;
  const gru = isGru(cell), after = cell == CELL_GRU_AFTER;
  const ub = <usize>units << 2;
  const stateBytes = <usize>batch * ub;
  const rows = batch * time;
  const mark = arena_mark();
  const dG = arena_alloc_scoped(<usize>rows * <usize>GU << 2);
  const carry = arena_alloc_scoped(stateBytes);
  const dhin = arena_alloc_scoped(stateBytes);
  const dc = arena_alloc_scoped(stateBytes);
  const drh = arena_alloc_scoped(stateBytes);
  // uᵀ as GEMM operands: element (gate column j, unit i) of op(B) is u[i·GU + j]. The GRU's two
  // blocks ([z r] and h̃) are separate operands.
  const kFirst = gru ? 2 * units : GU;
  const panels = arena_alloc_scoped(packedPanelsBytes(units, kFirst));
  const panelsH = gru ? arena_alloc_scoped(packedPanelsBytes(units, units)) : 1;
  const aScratch = arena_alloc_scoped(packedAScratchBytes(batch, GU));
  // Reset after: dRh [B,T,U] for every step, the A/B operand of du_h and db'_h after the loop.
  const dRh = after ? arena_alloc_scoped(<usize>rows * ub) : 1;
  if (dG == 0 || carry == 0 || dhin == 0 || dc == 0 || drh == 0 || panels == 0 || panelsH == 0 ||
      aScratch == 0 || dRh == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  packPanels(panels, u, units, kFirst, 1, <usize>GU);
  if (gru) packPanels(panelsH, u + (<usize>(2 * units) << 2), units, units, 1, <usize>GU);
  memory.fill(carry, 0, stateBytes);
  memory.fill(dhin, 0, stateBytes);
  const dyRowBytes: usize = <usize>(time + S) * ub;
  if (S == 1) {
    for (let b = 0; b < batch; b++) memory.copy(dc + <usize>b * ub, dy + <usize>b * dyRowBytes + <usize>time * ub, ub);
  }
  const dgStep: usize = <usize>GU << 2;
  const dgRows: usize = <usize>time * <usize>GU;
  const savedStep: usize = <usize>W << 2;
  const savedRows: usize = <usize>time * <usize>W;
  for (let s = time - 1; s >= 0; s--) {
    const t = goBackwards ? time - 1 - s : s;
    const dgT = dG + <usize>t * dgStep;
    const savedT = saved + <usize>t * savedStep;
    for (let b = 0; b < batch; b++) {
      cell_grad_row(cell, dgT + (<usize>b * dgRows << 2), savedT + (<usize>b * savedRows << 2),
        carry + <usize>b * ub, dhin + <usize>b * ub, rmask != 0 ? rmask + <usize>b * ub : 0,
        dy + <usize>b * dyRowBytes + <usize>s * ub, dc + <usize>b * ub, isLive(mask, b, t, time),
        units, act, recAct);
    }
    if (after) {
      const dRhT = dRh + <usize>t * ub, dRhRows: usize = <usize>time * <usize>units;
      for (let b = 0; b < batch; b++) {
        const dgB = dgT + (<usize>b * dgRows << 2), savedB = savedT + (<usize>b * savedRows << 2);
        gru_grad_r_row(dgB, savedB, dgB + 2 * ub, savedB + 4 * ub, dRhT + (<usize>b * dRhRows << 2),
          units, recAct, false);
      }
      gemmPanels(dhin, units, dRhT, dRhRows, 1, panelsH, aScratch, batch, units, units, true);
      gemmPanels(dhin, units, dgT, dgRows, 1, panels, aScratch, batch, units, kFirst, true);
    } else if (cell == CELL_GRU) {
      gemmPanels(drh, units, dgT + (<usize>(2 * units) << 2), dgRows, 1, panelsH, aScratch, batch,
        units, units, false);
      for (let b = 0; b < batch; b++) {
        const savedB = savedT + (<usize>b * savedRows << 2);
        gru_grad_r_row(dgT + (<usize>b * dgRows << 2), savedB, drh + <usize>b * ub, savedB + 3 * ub,
          dhin + <usize>b * ub, units, recAct, true);
      }
      gemmPanels(dhin, units, dgT, dgRows, 1, panels, aScratch, batch, units, kFirst, true);
    } else {
      gemmPanels(dhin, units, dgT, dgRows, 1, panels, aScratch, batch, units, GU, false);
    }
  }
  if (dh0 != 0) {
    for (let b = 0; b < batch; b++) {
      initial_state_grad_row(dh0 + <usize>b * ub, carry + <usize>b * ub, dhin + <usize>b * ub,
        rmask != 0 ? rmask + <usize>b * ub : 0, units);
    }
  }
  if (dc0 != 0 && S == 1) memory.copy(dc0, dc, stateBytes);
  let ok = true;
  // dw = xᵀ·dG: op(A)[F, B·T] is x read down its columns.
  if (dw != 0) ok = ok && gemmStrided(dw, GU, x, 1, <usize>inDim, dG, <usize>GU, 1, inDim, GU, rows, false);
  if (du != 0) {
    if (gru) {
      ok = ok && gemmStrided(du, GU, saved + (<usize>hinOff << 2), 1, <usize>W, dG, <usize>GU, 1,
        units, 2 * units, rows, false);
      // du_h = rhᵀ·dG_h̃, or reset after hinᵀ·dRh.
      const aOff: i32 = after ? hinOff : 4 * units;
      const aH = saved + (<usize>aOff << 2);
      const bH = after ? dRh : dG + (<usize>(2 * units) << 2);
      ok = ok && gemmStrided(du + (<usize>(2 * units) << 2), GU, aH, 1, <usize>W, bH,
        <usize>(after ? units : GU), 1, units, units, rows, false);
    } else {
      ok = ok && gemmStrided(du, GU, saved + (<usize>hinOff << 2), 1, <usize>W, dG, <usize>GU, 1,
        units, GU, rows, false);
    }
  }
  // dx = dG·wᵀ: element (gate column k, feature f) of op(B) is w[f·GU + k].
  if (dx != 0) ok = ok && gemmStrided(dx, inDim, dG, <usize>GU, 1, w, 1, <usize>GU, rows, inDim, GU, false);
  if (db != 0) {
    bias_grad_f32(db, dG, rows, GU);
    if (after) {
      memory.copy(db + (<usize>GU << 2), db, <usize>(2 * units) << 2);   // b'_zr adds where b_zr does
      bias_grad_f32(db + (<usize>(GU + 2 * units) << 2), dRh, rows, units);
    }
  }
  arena_release(mark);
  return ok ? STATUS_OK : STATUS_OOM;
}
