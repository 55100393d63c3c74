// The broadcast walk shared by the binary kernels: elementwise.ts (add, mul, ...), compare.ts
// (equal, less, ...) and autograd/binary_grad.ts (the partials of mul, div, pow, ...).
//
//   R: rank of the (broadcast) output, 1 ≤ R ≤ BINARY_MAX_RANK; D[R]: its shape (shape ptr, i32).
//   SA[R], SB[R]: element strides of a and b in that index space (aStrides, bStrides, i32 ≥ 0),
//   0 along the dimensions an input is broadcast over. Outputs are dense row-major over D.
//   Element (i0..iR-1) of a is at a + 4·Σ i_d·SA[d]; likewise b.
//
// A kernel walks the output one row (the innermost dim, D[R-1] elements) at a time:
//
//   const rows = beginRows(a, b, rank, shape);     // rowA = a, rowB = b, odometer at 0
//   for (let r = 0; r < rows; r++) {
//     ...one row from rowA / rowB, of the kind rowKind(n, SA[R-1], SB[R-1]) ...
//     nextRow(rank, shape, aStrides, bStrides);    // rowA, rowB to the next row
//   }
//
// The odometer's counters live in a static block and the row pointers in two globals: kernels
// never run concurrently in one instance. js-bindings/ops/binary.ts (broadcastPlan) merges
// neighbouring dimensions first, so the common cases arrive as rank 1 or 2 with unit or zero
// innermost strides (see elementwise.ts).

// @ts-ignore: decorator
@inline export const BINARY_MAX_RANK: i32 = 8;
// @ts-ignore: decorator
@inline export const STATUS_BAD_RANK: i32 = -2;

// Row kinds, from the innermost strides.
/** a and b both advance one element per output element (or the row has one element). */
// @ts-ignore: decorator
@inline export const ROW_VV: i32 = 0;
/** a advances, b is one element for the whole row. */
// @ts-ignore: decorator
@inline export const ROW_VS: i32 = 1;
/** a is one element for the whole row, b advances. */
// @ts-ignore: decorator
@inline export const ROW_SV: i32 = 2;
/** Any other strides: one element at a time. */
// @ts-ignore: decorator
@inline export const ROW_STRIDED: i32 = 3;

const counters = memory.data(BINARY_MAX_RANK << 2, 16);

/** The current row's first element of a and of b (byte addresses); nextRow moves them. */
export let rowA: usize = 0;
export let rowB: usize = 0;

/** Whether rank is one the walk accepts. */
// @ts-ignore: decorator
@inline export function rankOk(rank: i32): bool {
  return rank >= 1 && rank <= BINARY_MAX_RANK;
}

/** Starts a walk over a valid rank: zeroes the odometer, points rowA/rowB at a and b, and returns
 *  the number of rows (the product of the outer dims; 0 when any dim, the innermost too, is ≤ 0). */
export function beginRows(a: usize, b: usize, rank: i32, shape: usize): i32 {
  rowA = a;
  rowB = b;
  if (load<i32>(shape + (<usize>(rank - 1) << 2)) <= 0) return 0;
  let rows: i32 = 1;
  for (let d = 0; d < rank - 1; d++) {
    const size = load<i32>(shape + (<usize>d << 2));
    if (size <= 0) return 0;
    rows *= size;
    store<i32>(counters + (<usize>d << 2), 0);
  }
  return rows;
}

/** The row kind (ROW_*) for a row of n elements with innermost element strides ia and ib. */
// @ts-ignore: decorator
@inline export function rowKind(n: i32, ia: u32, ib: u32): i32 {
  return n == 1 || (ia == 1 && ib == 1) ? ROW_VV
    : ia == 1 && ib == 0 ? ROW_VS
    : ia == 0 && ib == 1 ? ROW_SV
    : ROW_STRIDED;
}

/** Moves rowA and rowB to the next row: the odometer over the outer dims, innermost first. */
export function nextRow(rank: i32, shape: usize, aStrides: usize, bStrides: usize): void {
  for (let d = rank - 2; d >= 0; d--) {
    const off = <usize>d << 2;
    const da = <usize>load<u32>(aStrides + off) << 2, db = <usize>load<u32>(bStrides + off) << 2;
    const c = load<i32>(counters + off) + 1;
    const size = load<i32>(shape + off);
    if (c < size) {
      store<i32>(counters + off, c);
      rowA += da;
      rowB += db;
      return;
    }
    store<i32>(counters + off, 0);
    rowA -= da * <usize>(size - 1);
    rowB -= db * <usize>(size - 1);
  }
}
