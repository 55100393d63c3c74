// one_hot_f32: int32 class indices → rows of f32 with onValue at the index and offValue elsewhere
// (TF.js tf.oneHot, float32 output).
//
//   N  number of indices (any leading shape, flattened);  D  depth (classes)
//   indices [N] int32, each in [0, D)
//   out     [N, D] f32, row-major: out[i, j] = j == indices[i] ? onValue : offValue
//
// An index outside [0, D) is an error, not a row of offValue as in TF.js: a label that does not
// fit the class count is a bug in the data or the model, and a silent all-off row would train
// towards "no class" without a trace. Every index is checked before anything is written; the
// first bad one returns STATUS_BAD_INDEX with its position and value at err[0], err[1] (when err
// is not 0), exactly as gather_x32 does (assembly/kernels/layout.ts).
//
// Memory contract: out 4-byte aligned; writes exactly out's N·D floats (the off fill stops at the
// end, the on values are single stores); reads exactly the N indices; out must not overlap
// indices. onValue/offValue are stored bit for bit (as f32 parameters).
// Status: 0 ok (also for N <= 0 or D <= 0: nothing written), -2 bad index.

import { fill_32 } from "./fill";
import { checkIndices } from "./layout";
import { STATUS_OK } from "./gemm";

export function one_hot_f32(out: usize, indices: usize, err: usize, n: i32, depth: i32,
    onValue: f32, offValue: f32): i32 {
  if (n <= 0 || depth <= 0) return STATUS_OK;
  const bad = checkIndices(indices, <usize>n, depth, err);
  if (bad != STATUS_OK) return bad;
  // Two passes: one streaming v128 fill of the whole block, then one store per row. Rows are
  // short (D is a class count), so a per-row fill would spend its time in tails.
  const rowBytes = <usize>depth << 2;
  fill_32(out, n * depth, reinterpret<u32>(offValue));
  let row = out;
  for (let i: usize = 0; i < <usize>n; i++, row += rowBytes) {
    store<f32>(row + (<usize>load<i32>(indices + (i << 2)) << 2), onValue);
  }
  return STATUS_OK;
}
