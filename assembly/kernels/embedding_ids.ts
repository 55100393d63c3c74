// Token ids for an embedding lookup (Keras's Embedding takes int32 ids, or float32 ones that it
// casts). Both kernels check every id before anything is written, so js-bindings can throw an
// Error naming the bad id, its position and the vocabulary size.
//
//   embedding_ids_check_i32(ids, err, n, vocab) → status
//     ids int32 [n]: STATUS_OK when each is in [0, vocab)
//   embedding_ids_f32(out, x, err, n, vocab) → status
//     x float32 [n] → out int32 [n], out[i] = x[i], when each x[i] is a whole number in
//     [0, vocab) (NaN, ±Inf, 2.5 and -1 are refused: a silent truncation would look up a
//     different token than the one meant)
//   Status STATUS_BAD_INDEX (-2): err[0] = flat position of the first bad id, err[1] = its value
//   (int32, or the float's bits for embedding_ids_f32); err may be 0. Nothing written then.
//
// Memory contract: 4-byte alignment suffices; reads exactly n elements (lane loads for the
// tail); writes exactly out's n int32; out must not overlap x.

import { STATUS_OK } from "./gemm";
import { checkIndices, STATUS_BAD_INDEX } from "./layout";

export function embedding_ids_check_i32(ids: usize, err: usize, n: i32, vocab: i32): i32 {
  if (n <= 0) return STATUS_OK;
  return checkIndices(ids, <usize>n, vocab, err);
}

/** Lanes of v that are whole numbers in [0, limit) (NaN fails every compare). */
// @ts-ignore: decorator
@inline function goodIds(v: v128, limit: v128): v128 {
  return v128.and(v128.and(f32x4.ge(v, f32x4.splat(0)), f32x4.lt(v, limit)), f32x4.eq(f32x4.trunc(v), v));
}

export function embedding_ids_f32(out: usize, x: usize, err: usize, n: i32, vocab: i32): i32 {
  if (n <= 0) return STATUS_OK;
  const limit = f32x4.splat(<f32>vocab);
  const count = <usize>n;
  let i: usize = 0;
  for (; i + 4 <= count; i += 4) {
    if (!i32x4.all_true(goodIds(v128.load(x + (i << 2)), limit))) break;
  }
  for (; i < count; i++) {
    const v = load<f32>(x + (i << 2));
    if (!(v >= 0 && v < <f32>vocab && Mathf.trunc(v) == v)) {
      if (err != 0) {
        store<i32>(err, <i32>i);
        store<f32>(err, v, 4);
      }
      return STATUS_BAD_INDEX;
    }
  }
  i = 0;
  for (; i + 4 <= count; i += 4) v128.store(out + (i << 2), i32x4.trunc_sat_f32x4_s(v128.load(x + (i << 2))));
  for (; i < count; i++) store<i32>(out + (i << 2), <i32>load<f32>(x + (i << 2)));
  return STATUS_OK;
}
