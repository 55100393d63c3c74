// int8 GEMM: out[M, N] = epilogue(Σ_k (a[m, k] − zx) · w[k, n]) with int32 accumulation.
//
//   M rows of activations (qs8 stored as int8 bytes, values in [0, 127]: 7-bit, see below),
//   K reduction, N output channels. a: M rows of K bytes, `aStride` bytes apart. w: int8 weights
//   [K, N] (qc8w: symmetric per output channel, in [-127, 127]) packed by pack_qc8w. out: qs8
//   bytes [M, N] or f32 [M, N] (the parameter block's mode, requant.ts).
//
// Why activations are 7-bit (FBGEMM's reduce_range): the relaxed build uses the relaxed int8 dot
// (i32x4.relaxed_dot_i8x16_i7x16_add_s or its split form, dotGroup below), which V8 lowers on x86
// to pmaddubsw (the i7 operand read
// as UNSIGNED, pair sums saturated to i16) and on Arm to sdot (signed). With the i7 operand (the
// activations) in [0, 127] both readings agree, and a pair sum is at most 2·127·127 = 32258 <
// 2^15, so nothing saturates: the dot is exact on every CPU. The SIMD128 build computes the same
// integers through i32x4.dot_i16x8_s on operands widened to i16 beforehand (the weights when they
// are packed, the activations a chunk of rows at a time into arena scratch), so its inner loop is
// loads, dots and adds only: widening or splatting in the loop ran on the shuffle ports that the
// dots need too, and held the SIMD128 build to about 60% of the relaxed build's rate (Zen 5).
// Integer sums do not depend on order, so both builds give identical accumulators, hence
// identical bytes after requantization.
// Zero point: Σ (a − zx)·w = Σ a·w − zx·Σ_k w[k, n]; the column sums are stored in the panel.
//
// Packed weights, one panel per 8 output channels (N padded to 8 with zero weights), K padded to
// KP = K rounded up to 4 with zero weights (so the over-read of a row's last group counts 0):
//
//   relaxed build: ┌ wsum i32 × 8 ┬ group 0: 16 B (channels 0-3) │ 16 B (channels 4-7) ┬ group 1 ... ┐
//     a 16-byte block holds, per channel j, its 4 weights k0..k3 (bytes 4j..4j+3);
//     panel bytes = 32 + 8·KP.
//   SIMD128 build: ┌ wsum i32 × 8 ┬ pair 0: 16 B (channels 0-3) │ 16 B (channels 4-7) ┬ pair 1 ... ┐
//     per k-pair (k0, k0 + 1), i16 lanes 2j and 2j + 1 of a block hold w[k0, j] and w[k0 + 1, j]
//     (dot_i16x8_s then sums a channel's pair in its i32 lane); panel bytes = 32 + 16·KP.
//   Each build packs for its own loop (packing runs in the same build).
//
// Memory: the relaxed build reads up to 3 bytes past a's last row (times a zero weight); the
// SIMD128 build needs up to max(64 KB, 4 rows × 2·KP bytes) of arena scratch for the widened rows
// (status -1 when short). out must not alias a.
// Sources: XNNPACK qs8-gemm c4 wasmsdot / wasmusdot and c2 wasmsimd-dot16x2 micro-kernels.

import { arena_alloc_scoped, arena_mark, arena_release } from "../../arena";
import { paramsStride, bias4, storeOutput4, requantSetup, requantRow8, outputRow8, Requant, REQUANT, PARAMS_HEADER } from "./requant";

// @ts-ignore: decorator
@inline const MR: i32 = 4;
// @ts-ignore: decorator
@inline const NR: i32 = 8;
/** Weight bytes per N-block: the panels a block of rows streams through stay in L2. */
// @ts-ignore: decorator
@inline const NBLOCK_BYTES: usize = 96 * 1024;

/**
 * Largest K: 65536 products of at most 127·127 plus an int32 bias within ±2^30 stay inside the
 * int32 accumulator (and the requantization's |result| < 2^31).
 */
// @ts-ignore: decorator
@inline export const MAX_K: i32 = 65536;

/** Packed weight bytes per k (8 channels): 8 in the relaxed build, 16 (i16) in SIMD128. */
// @ts-ignore: decorator
@inline const PANEL_SHIFT: usize = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
/** SIMD128: activation rows widened to i16 per chunk, at most this many bytes of them (64 rows of
 *  K = 512; a chunk of at least MR rows whatever K). */
// @ts-ignore: decorator
@inline const WIDE_CHUNK_BYTES: usize = 64 * 1024;

/** Bytes of one packed panel (8 output channels). */
// @ts-ignore: decorator
@inline function panelBytesOf(kp: i32): usize {
  return 32 + (<usize>kp << PANEL_SHIFT);
}

/** Bytes of the packed form of a K×N weight matrix. */
export function qgemm_packed_bytes(k: i32, n: i32): usize {
  return <usize>((n + NR - 1) / NR) * panelBytesOf((k + 3) & ~3);
}

/**
 * Packs w (int8 [K, N], row-major) into panels (layout above) with the column sums. Status 0,
 * or -2 for sizes below 1.
 */
export function pack_qc8w(packed: usize, w: usize, k: i32, n: i32): i32 {
  if (k < 1 || n < 1) return -2;
  const kp = (k + 3) & ~3;
  let p = packed;
  for (let n0 = 0; n0 < n; n0 += NR) {
    for (let j = 0; j < NR; j++) {
      let sum = 0;
      if (n0 + j < n) for (let kk = 0; kk < k; kk++) sum += <i32>load<i8>(w + <usize>kk * <usize>n + <usize>(n0 + j));
      store<i32>(p + (<usize>j << 2), sum);
    }
    p += 32;
    for (let k0 = 0; k0 < kp; k0 += 4) {
      for (let j = 0; j < NR; j++) {
        for (let t = 0; t < 4; t++) {
          const kk = k0 + t, col = n0 + j;
          const v: i8 = kk < k && col < n ? load<i8>(w + <usize>kk * <usize>n + <usize>col) : 0;
          const jj = j & 3;
          if (ASC_FEATURE_RELAXED_SIMD) {
            // j's block (16 B per 4 channels), then the byte within it
            store<i8>(p + (<usize>(j >> 2) << 4) + <usize>((jj << 2) + t), v);
          } else {
            // k-pair t >> 1 (32 B each), j's block, then the i16 lane 2·jj + (t & 1)
            store<i16>(p + (<usize>(t >> 1) << 5) + (<usize>(j >> 2) << 4) + (<usize>((jj << 1) + (t & 1)) << 1), <i16>v);
          }
        }
      }
      p += ASC_FEATURE_RELAXED_SIMD ? 32 : 64;
    }
  }
  return 0;
}

// The relaxed build's two forms of a group's dot, one compiled tile each (the generic parameter D
// of the tiles: u8 = fused, u32 = split; resolved at compile time, no branch in the loop).
//   fused: i32x4.relaxed_dot_i8x16_i7x16_add_s, one vpdpbusd on AVX-VNNI CPUs in engines that
//     emit it (Deno 2.9's V8 15: 2-3x the split form's rate on Zen 5). Node 20's V8 (11.3)
//     emulates it, slower than the split form, and miscompiles it on x64 when several
//     accumulators are live (rows of a 4x8 tile came out wrong, tested).
//   split: the i16 dot (pair sums ≤ 2·127·127, never saturated) + pairwise widening + add, the
//     three instructions x64 needs without VNNI (pmaddubsw, pmaddwd, paddd).
// Both give the same integers; ready() checks the fused form against the split one on this
// engine and times both (js-bindings/calibrate.ts, set_int8_dot), so it runs only where it is
// right and faster.
// @ts-ignore: decorator
@inline function dotGroup<D>(acc: v128, w: v128, a: v128): v128 {
  if (sizeof<D>() == 1) return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, a, acc);
  return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, a)));
}

/** The relaxed build's int8 dot in use: 1 fused, 0 split (set_int8_dot). */
let fusedDot: bool = false;

/** Selects the relaxed build's int8 dot form: 1 fused, 0 split. Status 0, or -2 for a form this
 *  build does not have (the SIMD128 build has one form, 0). */
export function set_int8_dot(fused: i32): i32 {
  if (fused != 0 && (fused != 1 || !ASC_FEATURE_RELAXED_SIMD)) return -2;
  fusedDot = fused == 1;
  return 0;
}

/** The int8 dot form in use (1 fused, 0 split). */
export function int8_dot_in_use(): i32 {
  return fusedDot ? 1 : 0;
}

/** SIMD128: a k-pair of 4 channels against a row's widened activation pair, splat over the 4
 *  lanes straight from memory (no shuffle). */
// @ts-ignore: decorator
@inline export function dotPair(acc: v128, w: v128, a: usize): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(w, v128.load32_splat(a)));
}

/** SIMD128: rows [0, m) of a (K bytes used, `aStride` apart) widened to i16 rows of KP lanes
 *  (`kp·2` bytes apart) at `wide`, the K padding zeroed. */
function widenRows(wide: usize, a: usize, aStride: usize, m: i32, k: i32, kp: i32): void {
  for (let r = 0; r < m; r++) {
    const src = a + <usize>r * aStride, dst = wide + (<usize>(r * kp) << 1);
    let i = 0;
    for (; i + 8 <= k; i += 8) v128.store(dst + (<usize>i << 1), i16x8.extend_low_i8x16_s(v128.load64_zero(src + <usize>i)));
    for (; i < k; i++) store<i16>(dst + (<usize>i << 1), <i16>load<i8>(src + <usize>i));
    for (; i < kp; i++) store<i16>(dst + (<usize>i << 1), 0);
  }
}

/**
 * One MR×NR tile: rows a0..a3 (clamped by the caller for m < 4), one panel, `nc` (1..8) valid
 * channels starting at channel c of the parameter block. With `pool`, the 4 rows are the pixels
 * of one 2x2 max-pooling window: their maximum goes through the output stage once, to o0.
 */
function ukernel_4x8<D>(o0: usize, o1: usize, o2: usize, o3: usize, a0: usize, a1: usize, a2: usize,
    a3: usize, panel: usize, kp: i32, zx: i32, params: usize, stride: usize, c: usize, nc: i32,
    f32Out: bool, pool: bool): void {
  // acc = bias − zx·wsum, the zero-point correction folded in before the K loop
  const nzx = i32x4.splat(-zx);
  const init0 = i32x4.add(bias4(params, c), i32x4.mul(nzx, v128.load(panel)));
  const init1 = i32x4.add(bias4(params, c + 4), i32x4.mul(nzx, v128.load(panel, 16)));
  let acc0x0123 = init0, acc0x4567 = init1, acc1x0123 = init0, acc1x4567 = init1;
  let acc2x0123 = init0, acc2x4567 = init1, acc3x0123 = init0, acc3x4567 = init1;
  let w = panel + 32;
  const end = w + (<usize>kp << PANEL_SHIFT);
  if (ASC_FEATURE_RELAXED_SIMD) {
    for (let off: usize = 0; w < end; w += 32, off += 4) {
      const vb0123 = v128.load(w), vb4567 = v128.load(w, 16);
      const va0 = v128.load32_splat(a0 + off), va1 = v128.load32_splat(a1 + off);
      const va2 = v128.load32_splat(a2 + off), va3 = v128.load32_splat(a3 + off);
      acc0x0123 = dotGroup<D>(acc0x0123, vb0123, va0); acc0x4567 = dotGroup<D>(acc0x4567, vb4567, va0);
      acc1x0123 = dotGroup<D>(acc1x0123, vb0123, va1); acc1x4567 = dotGroup<D>(acc1x4567, vb4567, va1);
      acc2x0123 = dotGroup<D>(acc2x0123, vb0123, va2); acc2x4567 = dotGroup<D>(acc2x4567, vb4567, va2);
      acc3x0123 = dotGroup<D>(acc3x0123, vb0123, va3); acc3x4567 = dotGroup<D>(acc3x4567, vb4567, va3);
    }
  } else {
    // a0..a3 are widened rows: a k-pair is 4 bytes of each and 32 bytes of the panel. One pair a
    // step: two (unrolled) made V8 hoist 8 splats and spill accumulators.
    for (let off: usize = 0; w < end; w += 32, off += 4) {
      const vb0123 = v128.load(w), vb4567 = v128.load(w, 16);
      acc0x0123 = dotPair(acc0x0123, vb0123, a0 + off); acc0x4567 = dotPair(acc0x4567, vb4567, a0 + off);
      acc1x0123 = dotPair(acc1x0123, vb0123, a1 + off); acc1x4567 = dotPair(acc1x4567, vb4567, a1 + off);
      acc2x0123 = dotPair(acc2x0123, vb0123, a2 + off); acc2x4567 = dotPair(acc2x4567, vb4567, a2 + off);
      acc3x0123 = dotPair(acc3x0123, vb0123, a3 + off); acc3x4567 = dotPair(acc3x4567, vb4567, a3 + off);
    }
  }
  if (pool) {
    // the output stage is non-decreasing in the accumulator (its multipliers are positive), so
    // the max of the requantized values is the requantized max: one output stage, not four
    acc0x0123 = i32x4.max_s(i32x4.max_s(acc0x0123, acc1x0123), i32x4.max_s(acc2x0123, acc3x0123));
    acc0x4567 = i32x4.max_s(i32x4.max_s(acc0x4567, acc1x4567), i32x4.max_s(acc2x4567, acc3x4567));
    outputRow8(o0, acc0x0123, acc0x4567, params, stride, c, nc, f32Out);
    return;
  }
  if (!f32Out) {
    const r = changetype<Requant>(REQUANT);
    requantSetup(r, params);
    const m0 = v128.load(params + PARAMS_HEADER + stride + (c << 2));
    const m1 = v128.load(params + PARAMS_HEADER + stride + (c << 2), 16);
    // rows 3..0: clamped rows alias lower ones, whose own store comes last
    requantRow8(o3, acc3x0123, acc3x4567, m0, m1, r, nc);
    requantRow8(o2, acc2x0123, acc2x4567, m0, m1, r, nc);
    requantRow8(o1, acc1x0123, acc1x4567, m0, m1, r, nc);
    requantRow8(o0, acc0x0123, acc0x4567, m0, m1, r, nc);
    return;
  }
  const n0 = min(nc, 4), n1 = nc - 4;
  storeOutput4(o3, acc3x0123, params, stride, c, n0, true);
  storeOutput4(o2, acc2x0123, params, stride, c, n0, true);
  storeOutput4(o1, acc1x0123, params, stride, c, n0, true);
  storeOutput4(o0, acc0x0123, params, stride, c, n0, true);
  if (n1 > 0) {
    storeOutput4(o3 + 16, acc3x4567, params, stride, c + 4, n1, true);
    storeOutput4(o2 + 16, acc2x4567, params, stride, c + 4, n1, true);
    storeOutput4(o1 + 16, acc1x4567, params, stride, c + 4, n1, true);
    storeOutput4(o0 + 16, acc0x4567, params, stride, c + 4, n1, true);
  }
}

/** One row, one panel: the tile for a single leftover row (batch-1 dense layers), so M = 1 does
 *  not compute four copies of its row. Same integers as ukernel_4x8. */
function ukernel_1x8<D>(o0: usize, a0: usize, panel: usize, kp: i32, zx: i32, params: usize, stride: usize,
    c: usize, nc: i32, f32Out: bool): void {
  const nzx = i32x4.splat(-zx);
  let acc0x0123 = i32x4.add(bias4(params, c), i32x4.mul(nzx, v128.load(panel)));
  let acc0x4567 = i32x4.add(bias4(params, c + 4), i32x4.mul(nzx, v128.load(panel, 16)));
  let w = panel + 32;
  const end = w + (<usize>kp << PANEL_SHIFT);
  if (ASC_FEATURE_RELAXED_SIMD) {
    for (let a = a0; w < end; w += 32, a += 4) {
      const va0 = v128.load32_splat(a);
      acc0x0123 = dotGroup<D>(acc0x0123, v128.load(w), va0); acc0x4567 = dotGroup<D>(acc0x4567, v128.load(w, 16), va0);
    }
  } else {
    for (let a = a0; w < end; w += 32, a += 4) {
      acc0x0123 = dotPair(acc0x0123, v128.load(w), a);
      acc0x4567 = dotPair(acc0x4567, v128.load(w, 16), a);
    }
  }
  outputRow8(o0, acc0x0123, acc0x4567, params, stride, c, nc, f32Out);
}

/** Rows [0, m) of the GEMM on raw pointers (a: the rows each tile reads, `aStride` bytes apart).
 *  With `pool` (m a multiple of 4), each 4 rows are one 2x2 max-pooling window and write one
 *  output row. */
function qgemmRows<D>(out: usize, a: usize, aStride: usize, packed: usize, m: i32, n: i32, kp: i32,
    zx: i32, params: usize, f32Out: bool, pool: bool): void {
  const esz: usize = f32Out ? 4 : 1;
  const panelBytes = panelBytesOf(kp);
  const panels = (n + NR - 1) / NR;
  const blockPanels = max(1, <i32>(NBLOCK_BYTES / panelBytes));
  const outRow = <usize>n * esz;
  const stride = paramsStride(n);
  for (let pb = 0; pb < panels; pb += blockPanels) {
    const pe = min(panels, pb + blockPanels);
    for (let m0 = 0; m0 < m; m0 += MR) {
      // rows past M repeat the last row (its results are written twice, to the same place)
      const r1 = min(m0 + 1, m - 1), r2 = min(m0 + 2, m - 1), r3 = min(m0 + 3, m - 1);
      const a0 = a + <usize>m0 * aStride, a1 = a + <usize>r1 * aStride;
      const a2 = a + <usize>r2 * aStride, a3 = a + <usize>r3 * aStride;
      const o0 = out + <usize>(pool ? m0 >> 2 : m0) * outRow, o1 = out + <usize>r1 * outRow;
      const o2 = out + <usize>r2 * outRow, o3 = out + <usize>r3 * outRow;
      if (m0 == m - 1) {
        for (let p = pb; p < pe; p++) {
          const c = <usize>(p * NR);
          ukernel_1x8<D>(o0 + c * esz, a0, packed + <usize>p * panelBytes, kp, zx, params, stride, c, min(NR, n - <i32>c), f32Out);
        }
        continue;
      }
      for (let p = pb; p < pe; p++) {
        const c = <usize>(p * NR);
        ukernel_4x8<D>(o0 + c * esz, o1 + c * esz, o2 + c * esz, o3 + c * esz, a0, a1, a2, a3,
          packed + <usize>p * panelBytes, kp, zx, params, stride, c, min(NR, n - <i32>c), f32Out, pool);
      }
    }
  }
}

/**
 * The GEMM on raw pointers, no checks (conv2d_nhwc_qs8_qc8w calls it per im2col chunk; `pool` as
 * in qgemmRows, relaxed build only). Status 0, or -1 when the SIMD128 build's scratch for widened
 * rows is short.
 */
export function qgemmRun(out: usize, a: usize, aStride: usize, packed: usize, m: i32, n: i32, k: i32,
    zx: i32, params: usize, pool: bool = false): i32 {
  const f32Out = load<i32>(params) != 0;
  const kp = (k + 3) & ~3;
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (fusedDot) qgemmRows<u8>(out, a, aStride, packed, m, n, kp, zx, params, f32Out, pool);
    else qgemmRows<u32>(out, a, aStride, packed, m, n, kp, zx, params, f32Out, pool);
    return 0;
  }
  const wideRow = <usize>kp << 1;
  const chunk = min(m, max(MR, <i32>(WIDE_CHUNK_BYTES / wideRow) & ~(MR - 1)));
  const mark = arena_mark();
  const wide = arena_alloc_scoped(<usize>chunk * wideRow);
  if (wide == 0) { arena_release(mark); return -1; }
  const outRow = <usize>n * (f32Out ? 4 : 1);
  for (let m0 = 0; m0 < m; m0 += chunk) {
    const rows = min(chunk, m - m0);
    widenRows(wide, a + <usize>m0 * aStride, aStride, rows, k, kp);
    qgemmRows<u32>(out + <usize>m0 * outRow, wide, wideRow, packed, rows, n, kp, zx, params, f32Out, false);
  }
  arena_release(mark);
  return 0;
}

/** SIMD128 only: the GEMM on activation rows already widened to i16 (KP lanes a row, K padding
 *  zeroed), as the int8 conv's im2col writes them; `pool` as in qgemmRows. */
export function qgemmRunWide(out: usize, wide: usize, packed: usize, m: i32, n: i32, k: i32, zx: i32,
    params: usize, pool: bool): void {
  const kp = (k + 3) & ~3;
  qgemmRows<u32>(out, wide, <usize>kp << 1, packed, m, n, kp, zx, params, load<i32>(params) != 0, pool);
}

/**
 * out[M, N] = epilogue(a[M, K] · w[K, N]) with a's zero point zx (in [0, 127]) and the
 * parameter block `params` (requant.ts). Status 0, -1 when scratch is short (SIMD128 build), or
 * -2 for sizes below 1, K > MAX_K or aStride < K.
 */
export function gemm_qs8_qc8w(out: usize, a: usize, aStride: i32, packed: usize, m: i32, n: i32,
    k: i32, zx: i32, params: usize): i32 {
  if (m < 1 || n < 1 || k < 1 || k > MAX_K || aStride < k) return -2;
  return qgemmRun(out, a, <usize>aStride, packed, m, n, k, zx, params);
}
