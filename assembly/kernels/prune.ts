// Magnitude pruning (TF Model Optimization Toolkit semantics): the k-th smallest |w| as the
// threshold (nth_element), masks of 1.0/0.0 floats, the 2:4 pattern, masks applied in place,
// and zero counting for the sparsity report.
// Letters: n weights; for 2:4, W is [K, N] (every layout's last axis is the output unit, so a
// Conv2D kernel [kh, kw, cin, cout] is K = kh·kw·cin rows of N = cout).
//
// Memory contract: each kernel reads and writes exactly its n (or K·N) floats; mask may alias
// nothing; apply_mask_f32 updates w in place. kth_smallest_f32 reorders its buffer (a scratch
// copy of |w|, made by abs_f32).

import { loadTail, storeTail } from "../simd";
import { STATUS_OK } from "./gemm";

// @ts-ignore: decorator
@inline function swap(p: usize, q: usize): void {
  const t = load<f32>(p);
  store<f32>(p, load<f32>(q));
  store<f32>(q, t);
}

/**
 * The value that would sit at index kth (0-based) if buf[0..n) were sorted ascending; reorders
 * buf (Hoare's selection with a median-of-3 pivot, linear on average). NaN-free input expected.
 */
export function kth_smallest_f32(buf: usize, n: i32, kth: i32): f32 {
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    const pl = buf + (<usize>lo << 2), pm = buf + (<usize>mid << 2), ph = buf + (<usize>hi << 2);
    // median of three into the middle: lo <= mid <= hi
    if (load<f32>(pm) < load<f32>(pl)) swap(pm, pl);
    if (load<f32>(ph) < load<f32>(pl)) swap(ph, pl);
    if (load<f32>(ph) < load<f32>(pm)) swap(ph, pm);
    const pivot = load<f32>(pm);
    let i = lo, j = hi;
    while (i <= j) {
      while (load<f32>(buf + (<usize>i << 2)) < pivot) i++;
      while (load<f32>(buf + (<usize>j << 2)) > pivot) j--;
      if (i <= j) {
        swap(buf + (<usize>i << 2), buf + (<usize>j << 2));
        i++;
        j--;
      }
    }
    // [lo, j] <= pivot <= [i, hi]; between them (j < t < i) everything equals pivot.
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return pivot;
  }
  return load<f32>(buf + (<usize>kth << 2));
}

/** mask[i] = |w[i]| > threshold ? 1 : 0. */
export function magnitude_mask_f32(mask: usize, w: usize, n: i32, threshold: f32): i32 {
  const t = f32x4.splat(threshold), one = f32x4.splat(1);
  let bytes = <usize>n << 2;
  for (; bytes >= 16; bytes -= 16, w += 16, mask += 16) {
    v128.store(mask, v128.and(f32x4.gt(f32x4.abs(v128.load(w)), t), one));
  }
  if (bytes) storeTail(mask, v128.and(f32x4.gt(f32x4.abs(loadTail(w, bytes >> 2)), t), one), bytes >> 2);
  return STATUS_OK;
}

/**
 * w[i] = mask[i] != 0 ? w[i] : +0, in place: kept weights keep their bits, pruned ones become +0
 * (not the -0 a multiply would leave on negative weights, which model files could not store as zeros).
 */
export function apply_mask_f32(w: usize, mask: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let bytes = <usize>n << 2;
  for (; bytes >= 16; bytes -= 16, w += 16, mask += 16) v128.store(w, v128.and(v128.load(w), f32x4.ne(v128.load(mask), zero)));
  if (bytes) storeTail(w, v128.and(loadTail(w, bytes >> 2), f32x4.ne(loadTail(mask, bytes >> 2), zero)), bytes >> 2);
  return STATUS_OK;
}

/**
 * 2:4 semi-structured masks: in every group of 4 consecutive rows of W [K, N] (along K, the
 * inputs), per column, keep the 2 largest |w| (ties: the earlier row); a last group of 3 rows
 * keeps 2, of 1 or 2 rows keeps all. Not a hot path (runs when the masks are updated).
 */
export function mask_2of4_f32(mask: usize, w: usize, k: i32, n: i32): i32 {
  const rowBytes = <usize>n << 2;
  for (let g = 0; g < k; g += 4) {
    const rows = min(4, k - g);
    for (let j = 0; j < n; j++) {
      const base = <usize>g * rowBytes + (<usize>j << 2);
      for (let a = 0; a < rows; a++) {
        const va = abs(load<f32>(w + base + <usize>a * rowBytes));
        let rank = 0; // how many in the group beat row a
        for (let b = 0; b < rows; b++) {
          const vb = abs(load<f32>(w + base + <usize>b * rowBytes));
          if (vb > va || (vb == va && b < a)) rank++;
        }
        store<f32>(mask + base + <usize>a * rowBytes, rank < 2 ? 1 : 0);
      }
    }
  }
  return STATUS_OK;
}

/** How many of the n floats at x are zero (±0). */
export function count_zeros_f32(x: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let acc = i32x4.splat(0);
  let bytes = <usize>n << 2;
  for (; bytes >= 16; bytes -= 16, x += 16) acc = i32x4.sub(acc, f32x4.eq(v128.load(x), zero));
  let count = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) +
    i32x4.extract_lane(acc, 3);
  for (; bytes > 0; bytes -= 4, x += 4) if (load<f32>(x) == 0) count++;
  return count;
}
