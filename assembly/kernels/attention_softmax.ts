// The masked, numerically stable softmax of attention scores (Keras MultiHeadAttention's
// masked softmax, fused with the 1/sqrt(keyDim)-style scale).
//
//   B batch, H heads, Q query steps, K key steps. scores, out: [B, H, Q, K] f32 row-major.
//   mask: [B, MQ, K] int32 0/1 (a 'bool' tensor), MQ = Q (one row per query) or 1 (the same
//   keys for every query, [B, 1, K]); broadcast over the heads. 0: no mask.
//   causal != 0: query i sees keys j <= i only (Keras's lower-triangular causal mask, also when
//   Q != K).
//
//   attention_softmax_f32(out, scores, mask, batch, heads, q, k, maskRows, causal, scale)
//     per row (b, h, i), over the visible keys j (mask[b, i or 0, j] != 0, and j <= i if causal):
//       out[j] = exp(scale·(s[j] - m)) / Σ_visible exp(scale·(s[j] - m)),  m = max_visible s,
//     out[j] = 0 for the hidden keys. A row with no visible key (or whose visible scores are all
//     -Inf) is all zeros, not NaN (Keras would give a uniform row: its mask adds -1e9); a NaN or
//     +Inf visible score makes the row NaN, as softmax_f32. scale must be > 0 (then the max of
//     scale·s is scale·max s). Returns 0.
//
// The backward pass needs only the output (hidden keys have out = 0, so their gradient is 0):
// autograd/attention_softmax_grad.ts.
//
// Loop shape: each row is contiguous: 3 passes of f32x4 along the visible prefix (a causal row
// i stops at key i; the rest of the row is zero-filled): masked max, exp + store + sum (f32 lanes
// folded into f64 every SUM_VECS vectors), scale. Hidden lanes are replaced by -Inf before the
// max and and-ed to 0 after the exp. Tails by lane loads/stores: nothing is read past a row of
// scores or mask, nothing written past a row of out.
//
// Memory contract: out may alias scores exactly. Reads nothing past scores and mask.
import { hmax4, hpmax4, hsum4, loadTail, storeTail } from "../simd";
import { expNonPos4 } from "../approx";
import { SUM_VECS } from "./layernorm";

// @ts-ignore: decorator
@inline function laneKeep(count: usize): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(<i32>count));
}

/** The visible lanes of 4 keys: mask != 0 (all lanes without a mask). */
// @ts-ignore: decorator
@inline function visible(mask: usize, full: bool, count: usize): v128 {
  if (mask == 0) return i32x4.splat(-1);
  return i32x4.ne(full ? v128.load(mask) : loadTail(mask, count), i32x4.splat(0));
}

/** The max of a and b: f32x4.pmax when `fast` (a NaN may be dropped), else f32x4.max. */
// @ts-ignore: decorator
@inline function max4(fast: bool, a: v128, b: v128): v128 {
  return fast ? f32x4.pmax(a, b) : f32x4.max(a, b);
}

/**
 * Masked row max of `bytes`/4 scores (-Inf when nothing is visible). `fast`: through f32x4.pmax
 * (one instruction; f32x4.max is about eight on x64), which may drop a NaN score; that changes
 * nothing downstream (the NaN's exp makes the row's total NaN, so every output is NaN either
 * way) unless every visible score is NaN, where the fast max says -Inf: the caller then asks
 * again with fast = false.
 */
// @ts-ignore: decorator
@inline function maskedMax(s: usize, mask: usize, bytes: usize, fast: bool): f32 {
  const ninf = f32x4.splat(-Infinity);
  let m0 = ninf, m1 = ninf;
  let j: usize = 0;
  for (; j + 32 <= bytes; j += 32) {
    m0 = max4(fast, m0, v128.bitselect(v128.load(s + j), ninf, visible(mask == 0 ? <usize>0 : mask + j, true, 4)));
    m1 = max4(fast, m1, v128.bitselect(v128.load(s + j, 16), ninf, visible(mask == 0 ? <usize>0 : mask + j + 16, true, 4)));
  }
  if (j + 16 <= bytes) {
    m0 = max4(fast, m0, v128.bitselect(v128.load(s + j), ninf, visible(mask == 0 ? <usize>0 : mask + j, true, 4)));
    j += 16;
  }
  if (j < bytes) {
    const count = (bytes - j) >> 2;
    const keep = v128.and(visible(mask == 0 ? <usize>0 : mask + j, false, count), laneKeep(count));
    m1 = max4(fast, m1, v128.bitselect(loadTail(s + j, count), ninf, keep));
  }
  return fast ? hpmax4(f32x4.pmax(m0, m1)) : hmax4(f32x4.max(m0, m1));
}

/** out = exp(scale·(s - m)) on visible keys, 0 on hidden ones; returns Σ out in f64. */
// @ts-ignore: decorator
@inline function maskedExp(out: usize, s: usize, mask: usize, bytes: usize, m: f32, scale: f32): f64 {
  const vm = f32x4.splat(m), vs = f32x4.splat(scale), zero = f32x4.splat(0);
  let total: f64 = 0;
  let acc = zero;
  let j: usize = 0, inBlock: usize = 0;
  for (; j + 16 <= bytes; j += 16) {
    const e = v128.and(expNonPos4(f32x4.mul(f32x4.sub(v128.load(s + j), vm), vs)),
      visible(mask == 0 ? <usize>0 : mask + j, true, 4));
    v128.store(out + j, e);
    acc = f32x4.add(acc, e);
    if (++inBlock == SUM_VECS) {
      total += <f64>hsum4(acc);
      acc = zero; inBlock = 0;
    }
  }
  if (j < bytes) {
    const count = (bytes - j) >> 2;
    const keep = v128.and(visible(mask == 0 ? <usize>0 : mask + j, false, count), laneKeep(count));
    const e = v128.and(expNonPos4(f32x4.mul(f32x4.sub(loadTail(s + j, count), vm), vs)), keep);
    storeTail(out + j, e, count);
    acc = f32x4.add(acc, e);
  }
  return total + <f64>hsum4(acc);
}

/** out[j] *= r for `bytes`/4 floats. */
// @ts-ignore: decorator
@inline function scaleRow(out: usize, bytes: usize, r: f32): void {
  const vr = f32x4.splat(r);
  let j: usize = 0;
  for (; j + 16 <= bytes; j += 16) v128.store(out + j, f32x4.mul(v128.load(out + j), vr));
  if (j < bytes) {
    const count = (bytes - j) >> 2;
    storeTail(out + j, f32x4.mul(loadTail(out + j, count), vr), count);
  }
}

export function attention_softmax_f32(out: usize, scores: usize, mask: usize, batch: i32, heads: i32, q: i32,
    k: i32, maskRows: i32, causal: i32, scale: f32): i32 {
  const rowBytes = <usize>k << 2;
  for (let b = 0; b < batch; b++) {
    const maskPlane = mask == 0 ? <usize>0 : mask + <usize>b * <usize>maskRows * rowBytes;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < q; i++) {
        const maskRow = mask == 0 ? <usize>0 : maskPlane + (maskRows == 1 ? <usize>0 : <usize>i * rowBytes);
        const bytes = causal != 0 ? min(rowBytes, <usize>(i + 1) << 2) : rowBytes;
        let m = maskedMax(scores, maskRow, bytes, true);
        if (m == -Infinity) m = maskedMax(scores, maskRow, bytes, false); // all NaN, or nothing visible
        let filled: usize = 0;
        if (m != -Infinity) {
          const total = maskedExp(out, scores, maskRow, bytes, m, scale);
          scaleRow(out, bytes, <f32>(1 / total));
          filled = bytes;
        }
        if (filled < rowBytes) memory.fill(out + filled, 0, rowBytes - filled);
        scores += rowBytes; out += rowBytes;
      }
    }
  }
  return 0;
}
