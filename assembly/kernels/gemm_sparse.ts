// Sparse-weight GEMM for pruned dense layers: Y[M,N] = act(X[M,K] · W[K,N] + bias[N]) with W
// stored compressed by columns (CSC, one list per output unit n), X and Y dense row-major.
// Letters: M rows of X (batch), K inputs, N outputs (units), nnz nonzeros of W.
//
//   colStart  i32[N+1]   nonzeros of column n are colStart[n] .. colStart[n+1]-1
//   rowIdx    i32[nnz]   their k (row of W), increasing within a column
//   values    f32[nnz]   their values
//
// Model: XNNPACK's f32-spmm (sparse weights × dense activations, SIMD over the batch dimension):
// 8 (then 4) rows of X are first packed K-major into a panel, panel[k][r] = X[m0+r][k], so that
// one nonzero W[k][n] costs one broadcast and one (two) f32x4 multiply-adds over the panel row k.
// Rows left over (M mod 4, and batch-1 inference) run per row: 4 nonzeros at a time gather
// their X values into one vector (load32_lane), multiplied by 4 consecutive values.
//
// Memory contract: reads exactly X, W's three arrays and bias (bias 0: none); writes exactly Y's
// M·N floats; Y may not alias X. Scratch: one 8·K float panel from the scoped arena (-1 if none).
// Zero columns (sparsity 1) give bias. relu/relu6 are a clamp before the store; the other
// activations run as a post-pass (activation.ts).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { activate, clampHi, clampLo, isClampActivation } from "./activation";
import { STATUS_OK, STATUS_OOM } from "./gemm";
// clamp4: the dense GEMM's fused relu / relu6 clamp (pmax / pmin, one instruction each on x64),
// so both give the same values; lo = -inf, hi = +inf leaves the value as is
import { clamp4, hsum4, madd4 } from "../simd";

/** Stores the 4 lanes of v down a column of Y: Y[r][n] for 4 rows, rowBytes apart. */
// @ts-ignore: decorator
@inline function storeColumn4(p: usize, v: v128, rowBytes: usize): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  store<f32>(p + rowBytes, f32x4.extract_lane(v, 1));
  store<f32>(p + 2 * rowBytes, f32x4.extract_lane(v, 2));
  store<f32>(p + 3 * rowBytes, f32x4.extract_lane(v, 3));
}

/** panel[k][r] = X[m0 + r][k] for r < rows, k < K (panel rows are rows·4 bytes). */
function packPanel(panel: usize, x: usize, rows: i32, k: i32): void {
  const kBytes = <usize>k << 2;
  const stride = <usize>rows << 2;
  for (let r = 0; r < rows; r++) {
    const src = x + <usize>r * kBytes;
    let dst = panel + (<usize>r << 2);
    for (let t: usize = 0; t < kBytes; t += 4, dst += stride) store<f32>(dst, load<f32>(src + t));
  }
}

/**
 * Y rows m0 .. m0+4·vectors-1 (vectors = 1 or 2, a constant after inlining) from a packed panel.
 * Two vectors give two independent multiply-add chains per nonzero.
 */
// @ts-ignore: decorator
@inline function panelRows(y: usize, panel: usize, colStart: usize, rowIdx: usize, values: usize, bias: usize,
    n: i32, vectors: i32, lo: v128, hi: v128): void {
  const rowBytes = <usize>n << 2;
  const shift: u32 = vectors == 2 ? 5 : 4; // panel row bytes: 32 or 16
  let start = load<i32>(colStart);
  for (let j = 0; j < n; j++) {
    const end = load<i32>(colStart + ((<usize>j + 1) << 2));
    const b = bias != 0 ? v128.load_splat<f32>(bias + (<usize>j << 2)) : f32x4.splat(0);
    let acc0 = b, acc1 = b;
    for (let p = start; p < end; p++) {
      const w = v128.load_splat<f32>(values + (<usize>p << 2));
      const row = panel + (<usize>load<i32>(rowIdx + (<usize>p << 2)) << shift);
      acc0 = madd4(v128.load(row), w, acc0);
      if (vectors == 2) acc1 = madd4(v128.load(row, 16), w, acc1);
    }
    const out = y + (<usize>j << 2);
    storeColumn4(out, clamp4(acc0, lo, hi), rowBytes);
    if (vectors == 2) storeColumn4(out + 4 * rowBytes, clamp4(acc1, lo, hi), rowBytes);
    start = end;
  }
}

/** One row of Y from one row of X: gathers 4 X values per 4 nonzeros, then a scalar tail. */
function gatherRow(y: usize, x: usize, colStart: usize, rowIdx: usize, values: usize, bias: usize, n: i32,
    lo: f32, hi: f32): void {
  let start = load<i32>(colStart);
  for (let j = 0; j < n; j++) {
    const end = load<i32>(colStart + ((<usize>j + 1) << 2));
    let acc = f32x4.splat(0);
    let p = start;
    for (; p + 4 <= end; p += 4) {
      const idx = rowIdx + (<usize>p << 2);
      let xv = v128.load32_zero(x + (<usize>load<i32>(idx) << 2));
      xv = v128.load32_lane(x + (<usize>load<i32>(idx, 4) << 2), xv, 1);
      xv = v128.load32_lane(x + (<usize>load<i32>(idx, 8) << 2), xv, 2);
      xv = v128.load32_lane(x + (<usize>load<i32>(idx, 12) << 2), xv, 3);
      acc = madd4(xv, v128.load(values + (<usize>p << 2)), acc);
    }
    let s = hsum4(acc);
    for (; p < end; p++) {
      s += load<f32>(x + (<usize>load<i32>(rowIdx + (<usize>p << 2)) << 2)) * load<f32>(values + (<usize>p << 2));
    }
    if (bias != 0) s += load<f32>(bias + (<usize>j << 2));
    store<f32>(y + (<usize>j << 2), min(max(s, lo), hi));
    start = end;
  }
}

/** Y = act(X · W + bias), W in CSC (header). Returns STATUS_OK, or STATUS_OOM without panel scratch. */
export function gemm_sparse_f32(y: usize, x: usize, colStart: usize, rowIdx: usize, values: usize, bias: usize,
    m: i32, n: i32, k: i32, act: i32, alpha: f32): i32 {
  if (m <= 0 || n <= 0) return STATUS_OK;
  const clamp = isClampActivation(act);
  const lo = clamp ? clampLo(act) : -Infinity, hi = clamp ? clampHi(act) : Infinity;
  const lo4 = f32x4.splat(lo), hi4 = f32x4.splat(hi);
  const xRow = <usize>k << 2, yRow = <usize>n << 2;
  let m0 = 0;
  if (m >= 4) {
    const mark = arena_mark();
    const panel = arena_alloc_scoped(max<usize>(<usize>k << 5, 16));
    if (panel == 0) {
      arena_release(mark);
      return STATUS_OOM;
    }
    for (; m0 + 8 <= m; m0 += 8) {
      packPanel(panel, x + <usize>m0 * xRow, 8, k);
      panelRows(y + <usize>m0 * yRow, panel, colStart, rowIdx, values, bias, n, 2, lo4, hi4);
    }
    for (; m0 + 4 <= m; m0 += 4) {
      packPanel(panel, x + <usize>m0 * xRow, 4, k);
      panelRows(y + <usize>m0 * yRow, panel, colStart, rowIdx, values, bias, n, 1, lo4, hi4);
    }
    arena_release(mark);
  }
  for (; m0 < m; m0++) gatherRow(y + <usize>m0 * yRow, x + <usize>m0 * xRow, colStart, rowIdx, values, bias, n, lo, hi);
  if (!clamp) activate(y, m * n, act, alpha);
  return STATUS_OK;
}

/** colStart[0..N] for dense W [K, N] (column n's nonzero count prefix-summed); returns nnz. */
export function csc_count_f32(colStart: usize, w: usize, k: i32, n: i32): i32 {
  const rowBytes = <usize>n << 2;
  let nnz = 0;
  store<i32>(colStart, 0);
  for (let j = 0; j < n; j++) {
    let p = w + (<usize>j << 2);
    for (let r = 0; r < k; r++, p += rowBytes) if (load<f32>(p) != 0) nnz++;
    store<i32>(colStart + ((<usize>j + 1) << 2), nnz);
  }
  return nnz;
}

/** Fills rowIdx and values of W's CSC form (colStart from csc_count_f32). */
export function csc_pack_f32(rowIdx: usize, values: usize, colStart: usize, w: usize, k: i32, n: i32): i32 {
  const rowBytes = <usize>n << 2;
  for (let j = 0; j < n; j++) {
    let q = <usize>load<i32>(colStart + (<usize>j << 2)) << 2;
    let p = w + (<usize>j << 2);
    for (let r = 0; r < k; r++, p += rowBytes) {
      const v = load<f32>(p);
      if (v != 0) {
        store<i32>(rowIdx + q, r);
        store<f32>(values + q, v);
        q += 4;
      }
    }
  }
  return STATUS_OK;
}
