// Gradients of softmax and log-softmax, and the fused softmax cross-entropy losses (forward and
// backward in one call).
//
//   softmax_grad_f32(dx, dy, y, outer, n, inner):      dx = y·(dy - Σ_n dy·y)
//   log_softmax_grad_f32(dx, dy, y, outer, n, inner):  dx = dy - e^y·Σ_n dy
//     dx, dy, y: [O, N, I] f32 row-major, the softmax axis N (geometry of ../kernels/softmax.ts:
//     O = product of the dims before the axis, I = product of those after it). y is the
//     forward output (softmax, resp. log-softmax). dx is OVERWRITTEN. Returns 0.
//     (TF.js's rules: sub(dy, Σ dy·y)·y, and dy - Σ dy·exp(y).)
//
//   softmax_cross_entropy_f32(loss, dlogits, logits, labels, rows, classes, gradScale)
//     logits, labels, dlogits: [R, C] (C = classes, the last axis); loss: [R]. Per row r:
//       loss[r]     = -Σ_c labels·log_softmax(logits)       = ΣL·lse - Σ_c labels·(logits - m)
//       dlogits[r]  = gradScale·(softmax(logits)·ΣL - labels)
//     with m the row max and lse = log Σ_c e^(logits - m) (numerically stable for any logits).
//     loss or dlogits may be 0 (not computed). Both OVERWRITTEN. Returns 0.
//
//   sparse_softmax_cross_entropy_f32(loss, dlogits, logits, labels, err, rows, classes, gradScale)
//     The same with an int32 class per row (labels: [R]): loss[r] = lse - (logits[r, y] - m),
//     dlogits = gradScale·(softmax - onehot(y)). Every label is checked first: one outside
//     [0, C) returns -2 (STATUS_BAD_LABEL) with its row and value at err[0], err[1] (err may be
//     0), as gather_x32 does, and nothing else is written.
//
// Sums: f32 lanes take at most SUM_ROWS terms, then fold into f64 (softmax.ts's scheme), so a
// row of any length keeps its accuracy; the loss combines its parts in f64. Exponentials: exp4
// for e^y (log-softmax outputs are ≤ 0, but any y works), expNonPos4 for e^(logits - m) ≤ 1.
//
// Special values: a NaN or +Inf logit makes its row's loss and dlogits NaN (as softmax_f32); a
// -Inf logit with label 0 gives 0·(-Inf) = NaN in the dense loss, as TF.js's formula does.
//
// Loop shapes: I == 1 (the last axis, and the cross entropies): contiguous rows, 2 vectors per
// trip, then one, then a lane tail. I > 1: strips of 4 columns walk the N rows (independent
// lanes), the last strip with lane loads and stores.
//
// Memory contract: dx may alias dy or y exactly (the sums are complete before dx is written);
// dlogits may alias logits exactly, not labels. Reads nothing past dy, y, labels; logits is read
// up to 12 bytes past its end (rowPMax, masked; arena padding). Writes exactly the outputs.
import { hsum4, loadTail, madd4, storeTail } from "../simd";
import { exp4, expNonPos4 } from "../approx";
import { laneMask, rowPMax, rowSum } from "../kernels/reduce";
import { checkIndices } from "../kernels/layout";

/** Terms per f32 lane before the fold into f64. */
// @ts-ignore: decorator
@inline const SUM_ROWS: i32 = 32;

// @ts-ignore: decorator
@inline export const STATUS_BAD_LABEL: i32 = -2;

/** count (1..4) lanes: a whole vector when full (a compile-time constant), else lane loads. */
// @ts-ignore: decorator
@inline function ld(p: usize, full: bool, count: usize): v128 {
  return full ? v128.load(p) : loadTail(p, count);
}
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, full: bool, count: usize): void {
  if (full) v128.store(p, v);
  else storeTail(p, v, count);
}

/** One dx vector from dy = g and y = v; s = the row's Σ dy·y (softmax) or Σ dy (log-softmax). */
// @ts-ignore: decorator
@inline function dxOf(log: bool, g: v128, v: v128, s: v128): v128 {
  return log ? f32x4.sub(g, f32x4.mul(exp4(v), s)) : f32x4.mul(v, f32x4.sub(g, s));
}

// ---- softmax_grad / log_softmax_grad, I == 1: contiguous rows --------------------------------

/** Σ dy·y over `bytes`/4 contiguous floats, in f64. */
function rowDot(dy: usize, y: usize, bytes: usize): f64 {
  const zero = f32x4.splat(0);
  let total: f64 = 0;
  while (bytes >= 32) {
    const end = dy + (min(bytes, <usize>SUM_ROWS * 32) & ~(<usize>31));
    bytes -= end - dy;
    let a0 = zero, a1 = zero;
    do {
      a0 = madd4(v128.load(dy), v128.load(y), a0);
      a1 = madd4(v128.load(dy, 16), v128.load(y, 16), a1);
      dy += 32; y += 32;
    } while (dy < end);
    total += <f64>hsum4(f32x4.add(a0, a1));
  }
  let a = zero;
  if (bytes >= 16) {
    a = f32x4.mul(v128.load(dy), v128.load(y));
    dy += 16; y += 16; bytes -= 16;
  }
  if (bytes != 0) a = madd4(loadTail(dy, bytes >> 2), loadTail(y, bytes >> 2), a); // zero-filled lanes
  return total + <f64>hsum4(a);
}

/** dx = dxOf(dy, y, s) over `bytes`/4 contiguous floats. */
// @ts-ignore: decorator
@inline function rowGrad(log: bool, dx: usize, dy: usize, y: usize, bytes: usize, s: f32): void {
  const vs = f32x4.splat(s);
  for (; bytes >= 32; bytes -= 32, dx += 32, dy += 32, y += 32) {
    const g0 = v128.load(dy), g1 = v128.load(dy, 16), v0 = v128.load(y), v1 = v128.load(y, 16);
    v128.store(dx, dxOf(log, g0, v0, vs));
    v128.store(dx, dxOf(log, g1, v1, vs), 16);
  }
  if (bytes >= 16) {
    v128.store(dx, dxOf(log, v128.load(dy), v128.load(y), vs));
    dx += 16; dy += 16; y += 16; bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    storeTail(dx, dxOf(log, loadTail(dy, count), loadTail(y, count), vs), count);
  }
}

// ---- I > 1: strips of 4 columns --------------------------------------------------------------

/** One 4-column strip of one [N, I] plane (count columns; full: count == 4, a constant). */
// @ts-ignore: decorator
@inline function strip(log: bool, full: bool, dx: usize, dy: usize, y: usize, n: i32, stride: usize,
    count: usize): void {
  const zero = f32x4.splat(0);
  let t0 = zero, t1 = zero; // f64x2 totals of lanes 0,1 and 2,3
  let pg = dy, pv = y;
  for (let r = 0; r < n; ) {
    const span = min(n - r, SUM_ROWS);
    r += span;
    let a = zero;
    for (let i = 0; i < span; i++, pg += stride, pv += stride) {
      a = log ? f32x4.add(a, ld(pg, full, count)) : madd4(ld(pg, full, count), ld(pv, full, count), a);
    }
    t0 = f64x2.add(t0, f64x2.promote_low_f32x4(a));
    t1 = f64x2.add(t1, f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 2, 3)));
  }
  const s = i32x4.shuffle(f32x4.demote_f64x2_zero(t0), f32x4.demote_f64x2_zero(t1), 0, 1, 4, 5);
  for (let r = 0; r < n; r++, dx += stride, dy += stride, y += stride) {
    st(dx, dxOf(log, ld(dy, full, count), ld(y, full, count), s), full, count);
  }
}

// @ts-ignore: decorator
@inline function softmaxGrad(log: bool, dx: usize, dy: usize, y: usize, outer: i32, n: i32,
    inner: i32): i32 {
  if (outer <= 0 || n <= 0 || inner <= 0) return 0;
  const rowBytes = <usize>n << 2;
  if (inner == 1) {
    for (let o = 0; o < outer; o++, dx += rowBytes, dy += rowBytes, y += rowBytes) {
      const s = log ? rowSum(dy, rowBytes) : rowDot(dy, y, rowBytes);
      rowGrad(log, dx, dy, y, rowBytes, <f32>s);
    }
    return 0;
  }
  const stride = <usize>inner << 2;
  const plane = stride * <usize>n;
  const fullBytes = stride & ~(<usize>15);
  for (let o = 0; o < outer; o++, dx += plane, dy += plane, y += plane) {
    for (let c: usize = 0; c < fullBytes; c += 16) strip(log, true, dx + c, dy + c, y + c, n, stride, 4);
    if (fullBytes < stride) {
      strip(log, false, dx + fullBytes, dy + fullBytes, y + fullBytes, n, stride, (stride - fullBytes) >> 2);
    }
  }
  return 0;
}

/** dx = y·(dy - Σ_n dy·y) over the N axis of [O, N, I]. */
export function softmax_grad_f32(dx: usize, dy: usize, y: usize, outer: i32, n: i32, inner: i32): i32 {
  return softmaxGrad(false, dx, dy, y, outer, n, inner);
}

/** dx = dy - e^y·Σ_n dy over the N axis of [O, N, I] (y = log-softmax output). */
export function log_softmax_grad_f32(dx: usize, dy: usize, y: usize, outer: i32, n: i32, inner: i32): i32 {
  return softmaxGrad(true, dx, dy, y, outer, n, inner);
}

// ---- cross entropy ----------------------------------------------------------------------------

// The dense row pass's other two sums (f64), beside its return value.
let sumLabels: f64 = 0;
let sumLabelsShifted: f64 = 0;

/** Σ e^(l - m) over a row of `bytes`/4 logits (f64); stores each e to out when keep. dense: also
 *  sumLabels = Σ labels and sumLabelsShifted = Σ labels·(l - m). (keep, dense: constants.) */
// @ts-ignore: decorator
@inline function ceRow(keep: bool, dense: bool, out: usize, x: usize, lab: usize, bytes: usize,
    m: f32): f64 {
  const vm = f32x4.splat(m);
  const zero = f32x4.splat(0);
  let tE: f64 = 0, tL: f64 = 0, tLD: f64 = 0;
  while (bytes >= 32) {
    const end = x + (min(bytes, <usize>SUM_ROWS * 32) & ~(<usize>31));
    bytes -= end - x;
    let e0 = zero, e1 = zero, l0 = zero, l1 = zero, d0 = zero, d1 = zero;
    do {
      const s0 = f32x4.sub(v128.load(x), vm), s1 = f32x4.sub(v128.load(x, 16), vm);
      const x0 = expNonPos4(s0), x1 = expNonPos4(s1);
      if (keep) { v128.store(out, x0); v128.store(out, x1, 16); }
      e0 = f32x4.add(e0, x0);
      e1 = f32x4.add(e1, x1);
      if (dense) {
        const L0 = v128.load(lab), L1 = v128.load(lab, 16);
        l0 = f32x4.add(l0, L0);
        l1 = f32x4.add(l1, L1);
        d0 = madd4(L0, s0, d0);
        d1 = madd4(L1, s1, d1);
        lab += 32;
      }
      x += 32; out += 32;
    } while (x < end);
    tE += <f64>hsum4(f32x4.add(e0, e1));
    if (dense) {
      tL += <f64>hsum4(f32x4.add(l0, l1));
      tLD += <f64>hsum4(f32x4.add(d0, d1));
    }
  }
  while (bytes != 0) { // one vector, then a masked tail
    const count = min(bytes, 16) >> 2;
    const mask = laneMask(count);
    const s = f32x4.sub(count == 4 ? v128.load(x) : loadTail(x, count), vm);
    const e = expNonPos4(s);
    if (keep) st(out, e, count == 4, count);
    tE += <f64>hsum4(v128.and(e, mask));
    if (dense) {
      const L = count == 4 ? v128.load(lab) : loadTail(lab, count);
      tL += <f64>hsum4(L);
      tLD += <f64>hsum4(v128.and(f32x4.mul(L, s), mask)); // 0·(-m) lanes masked: m may be Inf
      lab += 16;
    }
    x += 16; out += 16;
    bytes -= count << 2;
  }
  sumLabels = tL;
  sumLabelsShifted = tLD;
  return tE;
}

/** dl = e·c1 - labels·c2 for one vector (dense), or e·c1 (sparse). */
// @ts-ignore: decorator
@inline function dlOf(dense: bool, e: v128, L: v128, v1: v128, v2: v128): v128 {
  return dense ? madd4(e, v1, f32x4.mul(L, v2)) : f32x4.mul(e, v1);
}

/** dl = e·c1 - labels·c2 over a row, e read from dl itself (dense: labels; sparse: no labels). */
// @ts-ignore: decorator
@inline function ceGradRow(dense: bool, dl: usize, lab: usize, bytes: usize, c1: f32, c2: f32): void {
  const v1 = f32x4.splat(c1), v2 = f32x4.splat(-c2), zero = f32x4.splat(0);
  for (; bytes >= 32; bytes -= 32, dl += 32, lab += 32) {
    const e0 = v128.load(dl), e1 = v128.load(dl, 16);
    const L0 = dense ? v128.load(lab) : zero, L1 = dense ? v128.load(lab, 16) : zero;
    v128.store(dl, dlOf(dense, e0, L0, v1, v2));
    v128.store(dl, dlOf(dense, e1, L1, v1, v2), 16);
  }
  if (bytes >= 16) {
    v128.store(dl, dlOf(dense, v128.load(dl), dense ? v128.load(lab) : zero, v1, v2));
    dl += 16; lab += 16; bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    storeTail(dl, dlOf(dense, loadTail(dl, count), dense ? loadTail(lab, count) : zero, v1, v2), count);
  }
}

// @ts-ignore: decorator
@inline function crossEntropy(dense: bool, loss: usize, dlogits: usize, logits: usize, labels: usize,
    rows: i32, classes: i32, gradScale: f32): void {
  const rowBytes = <usize>classes << 2;
  const keep = dlogits != 0;
  for (let r = 0; r < rows; r++, logits += rowBytes, dlogits += rowBytes) {
    if (classes <= 0) { // an empty sum: loss 0, no gradient
      if (loss != 0) store<f32>(loss + (<usize>r << 2), 0);
      continue;
    }
    const m = rowPMax(logits, classes);
    const label = dense ? 0 : load<i32>(labels + (<usize>r << 2));
    const picked = dense ? 0 : <f64>load<f32>(logits + (<usize>label << 2)) - <f64>m; // before dl overwrites it
    const sum = keep ? ceRow(true, dense, dlogits, logits, labels, rowBytes, m)
      : ceRow(false, dense, dlogits, logits, labels, rowBytes, m);
    const lse = Math.log(sum);
    if (loss != 0) {
      store<f32>(loss + (<usize>r << 2), <f32>(dense ? sumLabels * lse - sumLabelsShifted : lse - picked));
    }
    if (keep) {
      const scale = <f64>gradScale / sum;
      ceGradRow(dense, dlogits, labels, rowBytes, <f32>(dense ? scale * sumLabels : scale), gradScale);
      if (!dense) {
        const p = dlogits + (<usize>label << 2);
        store<f32>(p, load<f32>(p) - gradScale);
      }
    }
    if (dense) labels += rowBytes;
  }
}

/** Softmax cross entropy against probability labels, loss and gradient per row (header). */
export function softmax_cross_entropy_f32(loss: usize, dlogits: usize, logits: usize, labels: usize,
    rows: i32, classes: i32, gradScale: f32): i32 {
  crossEntropy(true, loss, dlogits, logits, labels, rows, classes, gradScale);
  return 0;
}

/** Softmax cross entropy against int32 class labels; -2 and err for a label outside [0, C). */
export function sparse_softmax_cross_entropy_f32(loss: usize, dlogits: usize, logits: usize,
    labels: usize, err: usize, rows: i32, classes: i32, gradScale: f32): i32 {
  if (rows <= 0) return 0;
  if (checkIndices(labels, <usize>rows, max(classes, 0), err) != 0) return STATUS_BAD_LABEL;
  crossEntropy(false, loss, dlogits, logits, labels, rows, classes, gradScale);
  return 0;
}
