// Layout kernels over 32-bit elements (x32: f32 and i32 alike, only bits move): transpose, a
// rank-N strided copy that serves slice, concat, stack and pad (and, with stride 0, broadcast),
// and gather (at the end of the file).
//
//   R      rank of the (already simplified) index space, 1 <= R <= MAX_RANK
//   d[i]   extent of dim i;  os[i], is[i]  element strides of out and x along dim i
//   out[Σ c_i·os_i] = x[Σ c_i·is_i]   for every index c with 0 <= c_i < d_i
//
//   desc (i32, in the arena, written by js-bindings):
//     copy_strided_x32: [d0 .. dR-1, os0 .. osR-1, is0 .. isR-1]
//     transpose_x32:    [d0 .. dR-1, is0 .. isR-1]   (out contiguous: d is out's shape and
//                                                     is[i] = x's stride of dim perm[i])
//
// js-bindings merges dims that stay adjacent in both stride lists and drops size-1 dims first,
// so "transpose [N,H,W,C] → [N,C,H,W]" arrives here as d = [N, C, HW], is = [HWC, 1, C].
//
// One core (copyNd) picks its inner loop per call, then walks the remaining dims with an
// odometer that bumps the two pointers:
//   RUN     a dim with unit stride in both x and out: contiguous runs (v128 moves; memory.copy
//           when long). Identity, slice, concat, pad, "inner dim kept" transposes.
//   TILE    dim a with unit stride in x and dim b with unit stride in out: a 2-D transpose in
//           4x4 i32x4.shuffle blocks, TILE x TILE cache tiles (XNNPACK x32-transposec).
//   SCALAR  neither (e.g. broadcast along the last dim): one element at a time along the last dim.
//
// Memory contract: 4-byte alignment suffices. Reads x's addressed elements, and up to 12 bytes
// past the end of a run (inside the arena's 16-byte padding). Writes exactly out's addressed
// elements. out must not overlap x. Zero-extent dims: nothing happens.
// Status: 0 ok, -2 (STATUS_BAD_RANK) rank outside [1, MAX_RANK].

import { STATUS_OK } from "./gemm";
import { storeTail } from "../simd";

// @ts-ignore: decorator
@inline export const MAX_RANK: i32 = 8;
// @ts-ignore: decorator
@inline export const STATUS_BAD_RANK: i32 = -2;
// Cache tile of the 2-D transpose, in elements: 32 x 32 x 4 bytes = 4 KiB read + 4 KiB written.
// @ts-ignore: decorator
@inline const TILE: i32 = 32;
// Runs at least this long go to memory.copy (a host memmove); shorter ones stay in v128 moves.
// @ts-ignore: decorator
@inline const LONG_RUN: usize = 256;

// Odometer over the outer dims, one 16-byte entry per dim:
//   ┌ count: i32 ┬ extent: i32 ┬ outStep: u32 (bytes) ┬ inStep: u32 (bytes) ┐
const walk = memory.data(MAX_RANK * 16, 16);
// transpose_x32's contiguous out strides (elements).
const denseStrides = memory.data(MAX_RANK * 4, 16);

/** out[0 .. bytes) = x[0 .. bytes), bytes a multiple of 4. May read up to 12 bytes past x's run. */
// @ts-ignore: decorator
@inline function copyRun(out: usize, x: usize, bytes: usize): void {
  if (bytes >= LONG_RUN) {
    memory.copy(out, x, bytes);
    return;
  }
  for (; bytes >= 32; bytes -= 32, x += 32, out += 32) {
    v128.store(out, v128.load(x));
    v128.store(out, v128.load(x, 16), 16);
  }
  if (bytes >= 16) {
    v128.store(out, v128.load(x));
    bytes -= 16; x += 16; out += 16;
  }
  if (bytes != 0) storeTail(out, v128.load(x), bytes >> 2);
}

/**
 * A 2-D transpose: out[ca·oa + cb] = x[cb·ib + ca] for ca < na, cb < nb (oa, ib in bytes; both
 * other strides are one element). 4x4 blocks in registers; scalar moves for the edges.
 */
function transposeBlock(out: usize, x: usize, na: i32, nb: i32, oa: usize, ib: usize): void {
  let cb = 0;
  for (; cb + 4 <= nb; cb += 4) {
    let px = x + (<usize>cb * ib);           // x rows cb..cb+3, walking along a
    let po = out + (<usize>cb << 2);         // out rows ca..ca+3, 4 elements along b
    let ca = 0;
    for (; ca + 4 <= na; ca += 4, px += 16, po += oa << 2) {
      const r0 = v128.load(px), r1 = v128.load(px + ib);
      const r2 = v128.load(px + 2 * ib), r3 = v128.load(px + 3 * ib);
      const t01lo = i32x4.shuffle(r0, r1, 0, 4, 1, 5);  // x0a0 x1a0 x0a1 x1a1
      const t01hi = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t23lo = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t23hi = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      v128.store(po, i64x2.shuffle(t01lo, t23lo, 0, 2));
      v128.store(po + oa, i64x2.shuffle(t01lo, t23lo, 1, 3));
      v128.store(po + 2 * oa, i64x2.shuffle(t01hi, t23hi, 0, 2));
      v128.store(po + 3 * oa, i64x2.shuffle(t01hi, t23hi, 1, 3));
    }
    for (; ca < na; ca++, px += 4, po += oa) {
      store<u32>(po, load<u32>(px));
      store<u32>(po, load<u32>(px + ib), 4);
      store<u32>(po, load<u32>(px + 2 * ib), 8);
      store<u32>(po, load<u32>(px + 3 * ib), 12);
    }
  }
  for (; cb < nb; cb++) {
    let px = x + <usize>cb * ib;
    let po = out + (<usize>cb << 2);
    for (let ca = 0; ca < na; ca++, px += 4, po += oa) store<u32>(po, load<u32>(px));
  }
}

/** transposeBlock over TILE x TILE tiles so both the strided reads and writes stay in L1. */
function transposeTiled(out: usize, x: usize, na: i32, nb: i32, oa: usize, ib: usize): void {
  for (let b0 = 0; b0 < nb; b0 += TILE) {
    const bn = min(TILE, nb - b0);
    for (let a0 = 0; a0 < na; a0 += TILE) {
      transposeBlock(out + <usize>a0 * oa + (<usize>b0 << 2), x + <usize>b0 * ib + (<usize>a0 << 2),
        min(TILE, na - a0), bn, oa, ib);
    }
  }
}

// @ts-ignore: decorator
@inline const KIND_RUN: i32 = 0;
// @ts-ignore: decorator
@inline const KIND_TILE: i32 = 1;
// @ts-ignore: decorator
@inline const KIND_SCALAR: i32 = 2;

/** The shared core: dims/os/is point at `rank` i32 each (element strides). */
function copyNd(out: usize, x: usize, rank: i32, dims: usize, os: usize, is: usize): i32 {
  if (rank < 1 || rank > MAX_RANK) return STATUS_BAD_RANK;
  for (let i = 0; i < rank; i++) if (load<i32>(dims + (<usize>i << 2)) <= 0) return STATUS_OK;

  // Inner dim(s): the last dim with unit stride in both (RUN); else the last with unit stride
  // in x (a) and the last with unit stride in out (b) (TILE); else the last dim (SCALAR).
  let a = -1, b = -1, run = -1;
  for (let i = rank - 1; i >= 0; i--) {
    const unitIn = load<i32>(is + (<usize>i << 2)) == 1;
    const unitOut = load<i32>(os + (<usize>i << 2)) == 1;
    if (run < 0 && unitIn && unitOut) run = i;
    if (a < 0 && unitIn) a = i;
    if (b < 0 && unitOut) b = i;
  }
  let kind = KIND_TILE;
  if (run >= 0) {
    kind = KIND_RUN; a = run; b = run;
  } else if (a < 0 || b < 0) {
    kind = KIND_SCALAR; a = rank - 1; b = a;
  }

  // The odometer's dims: all but the inner one(s), outermost first.
  let nWalk = 0;
  for (let i = 0; i < rank; i++) {
    if (i == a || i == b) continue;
    const e = walk + (<usize>nWalk << 4);
    const o = <usize>i << 2;
    store<i32>(e, 0);
    store<i32>(e, load<i32>(dims + o), 4);
    store<u32>(e, <u32>load<i32>(os + o) << 2, 8);
    store<u32>(e, <u32>load<i32>(is + o) << 2, 12);
    nWalk++;
  }

  const na = load<i32>(dims + (<usize>a << 2));
  const nb = load<i32>(dims + (<usize>b << 2));
  const runBytes = <usize>na << 2;
  const oa = <usize>load<i32>(os + (<usize>a << 2)) << 2;  // TILE: out bytes between rows ca
  const ia = <usize>load<i32>(is + (<usize>a << 2)) << 2;  // SCALAR: x bytes per element
  const ib = <usize>load<i32>(is + (<usize>b << 2)) << 2;  // TILE: x bytes between rows cb
  let po = out, pi = x;
  while (true) {
    if (kind == KIND_RUN) {
      copyRun(po, pi, runBytes);
    } else if (kind == KIND_TILE) {
      transposeTiled(po, pi, na, nb, oa, ib);
    } else {
      let q = po, p = pi;
      for (let c = 0; c < na; c++, q += oa, p += ia) store<u32>(q, load<u32>(p));
    }
    // Advance the odometer: bump the innermost walked dim, carry outwards.
    let i = nWalk - 1;
    for (; i >= 0; i--) {
      const e = walk + (<usize>i << 4);
      const count = load<i32>(e) + 1;
      const extent = load<i32>(e, 4);
      const outStep = <usize>load<u32>(e, 8), inStep = <usize>load<u32>(e, 12);
      if (count < extent) {
        store<i32>(e, count);
        po += outStep;
        pi += inStep;
        break;
      }
      store<i32>(e, 0);
      po -= outStep * <usize>(extent - 1);
      pi -= inStep * <usize>(extent - 1);
    }
    if (i < 0) break;
  }
  return STATUS_OK;
}

/** out[Σ c_i·os_i] = x[Σ c_i·is_i] over the index space desc = [d, os, is] (rank i32 each). */
export function copy_strided_x32(out: usize, x: usize, rank: i32, desc: usize): i32 {
  if (rank < 1 || rank > MAX_RANK) return STATUS_BAD_RANK;
  const r = <usize>rank << 2;
  return copyNd(out, x, rank, desc, desc + r, desc + 2 * r);
}

/**
 * out (contiguous, shape d) = x with dims permuted: desc = [d, is], is[i] the x stride of the
 * dim that becomes out's dim i.
 */
export function transpose_x32(out: usize, x: usize, rank: i32, desc: usize): i32 {
  if (rank < 1 || rank > MAX_RANK) return STATUS_BAD_RANK;
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    store<i32>(denseStrides + (<usize>i << 2), stride);
    stride *= load<i32>(desc + (<usize>i << 2));
  }
  return copyNd(out, x, rank, desc, denseStrides, desc + (<usize>rank << 2));
}

// ---- gather: rows of x picked by int32 indices along one axis, with optional leading batch
// dims shared by x and the indices (TF.js batchDims). f32 and i32 alike.
//
//   B  batch (product of the batchDims leading dims, shared by x and indices)
//   O  outer (product of x's dims between the batch dims and the axis)
//   N  x's extent along the axis;  M  indices per batch item;  D  inner (product of x's dims
//      after the axis, the row length: the embedding width in an embedding lookup)
//
//   x       [B, O, N, D]  row-major
//   indices [B, M]        int32, each in [0, N)
//   out     [B, O, M, D]  out[b, o, j, :] = x[b, o, indices[b, j], :]
//
// Every index is checked before anything is written: an index outside [0, N) returns
// STATUS_BAD_INDEX with its flat position in indices and its value at err[0], err[1] (when err
// is not 0), so js-bindings can throw a clear Error. Memory contract: reads each picked row and
// up to 12 bytes past it (arena padding), writes exactly out's B·O·M·D elements; out must not
// overlap x or indices.

// @ts-ignore: decorator
@inline export const STATUS_BAD_INDEX: i32 = -2;

/**
 * STATUS_OK when every one of count int32 at p is in [0, n); otherwise STATUS_BAD_INDEX, with the
 * first bad one's position and value written to err[0], err[1] (err may be 0). Shared by every
 * kernel that takes indices (gather, its gradient, one_hot, sparse cross-entropy).
 */
export function checkIndices(p: usize, count: usize, n: i32, err: usize): i32 {
  const bad = firstBadIndex(p, count, n);
  if (bad < 0) return 0;
  if (err != 0) {
    store<i32>(err, <i32>bad);
    store<i32>(err, load<i32>(p + (<usize>bad << 2)), 4);
  }
  return STATUS_BAD_INDEX;
}

/** Position of the first index outside [0, n) among count int32 at p, or -1. */
function firstBadIndex(p: usize, count: usize, n: i32): isize {
  // Unsigned compare: a negative index is a huge u32, so one test catches both ends.
  const limit = i32x4.splat(n);
  let i: usize = 0;
  for (; i + 4 <= count; i += 4) {
    if (v128.any_true(i32x4.ge_u(v128.load(p + (i << 2)), limit))) break;
  }
  for (; i < count; i++) {
    if (<u32>load<i32>(p + (i << 2)) >= <u32>n) return <isize>i;
  }
  return -1;
}

export function gather_x32(out: usize, x: usize, indices: usize, err: usize,
    batch: i32, outer: i32, n: i32, m: i32, inner: i32): i32 {
  if (batch <= 0 || m <= 0) return STATUS_OK;
  const bad = checkIndices(indices, <usize>batch * <usize>m, n, err);
  if (bad != STATUS_OK) return bad;
  if (outer <= 0 || inner <= 0) return STATUS_OK;
  const rowBytes = <usize>inner << 2;
  const sliceBytes = <usize>n * rowBytes;  // one [N, D] slab of x
  const mBytes = <usize>m << 2;
  let po = out, px = x, pIdx = indices;
  for (let b = 0; b < batch; b++, pIdx += mBytes) {
    for (let o = 0; o < outer; o++, px += sliceBytes) {
      if (inner == 1) {
        // Gather along the last axis: one element per index, no run to copy.
        for (let j: usize = 0; j < <usize>m; j++, po += 4) {
          store<u32>(po, load<u32>(px + (<usize>load<i32>(pIdx + (j << 2)) << 2)));
        }
      } else {
        for (let j: usize = 0; j < <usize>m; j++, po += rowBytes) {
          copyRun(po, px + <usize>load<i32>(pIdx + (j << 2)) * rowBytes, rowBytes);
        }
      }
    }
  }
  return STATUS_OK;
}
