// The int8 output stage shared by the int8 GEMM, convolution and depthwise kernels: one i32x4 of
// accumulators (4 output channels) becomes 4 int8 values (requantization) or 4 floats (dequantize).
//
// Parameter block (built by js-bindings/quantize/params.ts; NP = N rounded up to 8, all arrays
// padded with zeros to NP so the vector loads of a channel tail stay inside the block):
//
//   ┌──────────────────────── header, 32 bytes ─────────────────────────┐
//   │ mode i32 │ shift i32 │ zy i32 │ qmin i32 │ qmax i32 │ fmin f32 │ fmax f32 │ sx f32 │
//   ├──────────────────────────────────────────────────────────────────┤
//   │ bias   i32[NP]   int32 bias (qs8 out: round(b / (sx·sw[c])); f32 out: 0)  │
//   │ mult   i32[NP]   qs8 out: fixed-point multiplier m[c]                    │
//   │        f32[NP]   f32 out: weight scale sw[c] (multiplied by sx in-kernel) │
//   │ fbias  f32[NP]   f32 out: float bias                                      │
//   └──────────────────────────────────────────────────────────────────┘
//
//   mode 0 (qs8 out): y = clamp(zy + ((acc·m[c] + 2^(shift-1)) >> shift), qmin, qmax)
//     acc·m[c] is exact in i64 (|acc| < 2^31, 0 <= m < 2^31), the rounding is half-up, and the
//     result is clamped to ±2^15 before it is narrowed to i32 (exact, as qmin/qmax lie inside).
//     One shift per layer, not per channel: wasm SIMD has no per-lane variable shift; JS picks
//     the largest shift that keeps every m[c] < 2^31, so the channel with the largest real
//     multiplier keeps 31 bits and one 2^10 times smaller still keeps 21.
//     relu is fused as qmin = zy, relu6 as qmax = zy + round(6 / sy).
//   mode 1 (f32 out): y = clamp(f32(acc)·(sx·sw[c]) + fbias[c], fmin, fmax), no fused multiply-add
//     so that both builds round the same way.
//
// Sources: gemmlowp / TFLite fixed-point requantization; XNNPACK src/qs8-requantization/ (rndnu).

// @ts-ignore: decorator
@inline export const PARAMS_HEADER: usize = 32;
// @ts-ignore: decorator
@inline export const MODE_QS8: i32 = 0;

/** Bytes of each per-channel array of a parameter block for n channels. */
// @ts-ignore: decorator
@inline export function paramsStride(n: i32): usize {
  return <usize>((n + 7) & ~7) << 2;
}

/** Requantizes acc (channels c..c+3) to i32 lanes holding int8 values. */
// @ts-ignore: decorator
@inline export function requant4(acc: v128, params: usize, stride: usize, c: usize): v128 {
  const shift = load<i32>(params, 4);
  const m = v128.load(params + PARAMS_HEADER + stride + (c << 2));
  const rnd = i64x2.splat(<i64>1 << <i64>(shift - 1));
  let lo = i64x2.shr_s(i64x2.add(i64x2.extmul_low_i32x4_s(acc, m), rnd), shift);
  let hi = i64x2.shr_s(i64x2.add(i64x2.extmul_high_i32x4_s(acc, m), rnd), shift);
  const big = i64x2.splat(32767), small = i64x2.splat(-32768);
  lo = v128.bitselect(big, lo, i64x2.gt_s(lo, big));
  lo = v128.bitselect(small, lo, i64x2.lt_s(lo, small));
  hi = v128.bitselect(big, hi, i64x2.gt_s(hi, big));
  hi = v128.bitselect(small, hi, i64x2.lt_s(hi, small));
  let q = v128.shuffle<i32>(lo, hi, 0, 2, 4, 6);
  q = i32x4.add(q, i32x4.splat(load<i32>(params, 8)));
  q = i32x4.max_s(q, i32x4.splat(load<i32>(params, 12)));
  return i32x4.min_s(q, i32x4.splat(load<i32>(params, 16)));
}

/** Dequantizes acc (channels c..c+3) with the fused bias and clamp of mode 1. */
// @ts-ignore: decorator
@inline export function dequant4(acc: v128, params: usize, stride: usize, c: usize): v128 {
  const sx = f32x4.splat(load<f32>(params, 28));
  const sw = v128.load(params + PARAMS_HEADER + stride + (c << 2));
  const fb = v128.load(params + PARAMS_HEADER + (stride << 1) + (c << 2));
  const y = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.mul(sx, sw)), fb);
  return f32x4.min(f32x4.max(y, f32x4.splat(load<f32>(params, 20))), f32x4.splat(load<f32>(params, 24)));
}

/** The int32 bias of channels c..c+3. */
// @ts-ignore: decorator
@inline export function bias4(params: usize, c: usize): v128 {
  return v128.load(params + PARAMS_HEADER + (c << 2));
}

/**
 * Writes `count` (1..4) results of acc for channels c..c+3 to out (int8 bytes in mode 0, floats
 * in mode 1); out points at channel c.
 */
// @ts-ignore: decorator
@inline export function storeOutput4(out: usize, acc: v128, params: usize, stride: usize, c: usize,
    count: i32, f32Out: bool): void {
  if (f32Out) {
    const y = dequant4(acc, params, stride, c);
    if (count == 4) v128.store(out, y);
    else if (count == 3) { v128.store_lane<i64>(out, y, 0); v128.store_lane<f32>(out, y, 2, 8); }
    else if (count == 2) v128.store_lane<i64>(out, y, 0);
    else v128.store_lane<f32>(out, y, 0);
  } else {
    const q = requant4(acc, params, stride, c);
    const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q, q), q);
    if (count == 4) v128.store_lane<i32>(out, b, 0);
    else if (count == 3) { v128.store_lane<i16>(out, b, 0); v128.store_lane<i8>(out, b, 2, 2); }
    else if (count == 2) v128.store_lane<i16>(out, b, 0);
    else v128.store_lane<i8>(out, b, 0);
  }
}
