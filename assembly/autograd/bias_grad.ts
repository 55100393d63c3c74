// The bias gradient of a dense or convolution layer: column sums of the upstream gradient.
//
//   dbias[j] = Σ_r dy[r, j]        dy [R, C] row-major, dbias [C]
//   R = batch for dense layers, batch·OH·OW for convolutions (NHWC rows of C channels).
//
// It is sum_f32 over the middle axis of [1, R, C] (reduce.ts): strips of 16 columns down the
// rows, f32 accumulators folded into f64 every 32 rows, so the error does not grow with R.
// Overwrites dbias (R = 0 gives zeros). Reads up to 12 bytes past dy's end; writes exactly C
// floats. Always returns 0.

import { sum_f32 } from "../kernels/reduce";

export function bias_grad_f32(dbias: usize, dy: usize, rows: i32, c: i32): i32 {
  if (c <= 0) return 0;
  return sum_f32(dbias, dy, 1, max(rows, 0), c);
}
