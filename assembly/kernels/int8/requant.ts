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
//   mode 0 (qs8 out): y = clamp(zy + clamp((acc·m[c] + 2^(shift-1)) >> shift, ±2^24), qmin, qmax)
//     acc·m[c] is exact in i64 (|acc| < 2^31, 0 <= m < 2^31), the rounding is half-up; with
//     31 <= shift <= 62 (a real multiplier below 1) the shifted value fits in i32.
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

/**
 * The requantization constants of a parameter block, splatted once per tile (the loads cannot
 * be hoisted by V8 across the stores to out, which may alias as far as it knows).
 */
@unmanaged export class Requant {
  rnd: v128; bias: v128; zy: v128; qmin: v128; qmax: v128; shift: i32;
}

/** Reads the header of a qs8-out parameter block into r (a caller-owned scratch struct). */
// @ts-ignore: decorator
@inline export function requantSetup(r: Requant, params: usize): void {
  const shift = load<i32>(params, 4);
  r.shift = shift;
  r.rnd = i64x2.splat((<i64>1 << <i64>(shift - 1)) + (<i64>1 << 62));
  r.bias = i32x4.splat(<i32>(<i64>1 << <i64>(62 - shift)));
  r.zy = i32x4.splat(load<i32>(params, 8));
  r.qmin = i32x4.splat(load<i32>(params, 12));
  r.qmax = i32x4.splat(load<i32>(params, 16));
}

/** Requantizes acc (4 channels, multipliers m) to i32 lanes holding int8 values. */
// @ts-ignore: decorator
@inline export function requantWith(acc: v128, m: v128, rnd: v128, shift: i32, bias: v128, zy: v128, qmin: v128,
    qmax: v128): v128 {
  // x64 has no 64-bit arithmetic right shift before AVX-512 (V8 emulates i64x2.shr_s slowly), so
  // the product is biased by 2^62 to be non-negative and shifted logically; the bias comes out
  // as 2^(62 − shift) in the low 32 bits, subtracted modulo 2^32 (exact: |result| < 2^31 since
  // shift >= 31, which params.ts guarantees).
  const lo = i64x2.shr_u(i64x2.add(i64x2.extmul_low_i32x4_s(acc, m), rnd), shift);
  const hi = i64x2.shr_u(i64x2.add(i64x2.extmul_high_i32x4_s(acc, m), rnd), shift);
  let q = i32x4.sub(v128.shuffle<i32>(lo, hi, 0, 2, 4, 6), bias);
  // ±2^24 first, so that adding the zero point cannot wrap
  q = i32x4.min_s(i32x4.max_s(q, i32x4.splat(-(1 << 24))), i32x4.splat(1 << 24));
  return i32x4.min_s(i32x4.max_s(i32x4.add(q, zy), qmin), qmax);
}

/** Requantizes acc (channels c..c+3) to i32 lanes holding int8 values. */
// @ts-ignore: decorator
@inline export function requant4(acc: v128, params: usize, stride: usize, c: usize): v128 {
  const shift = load<i32>(params, 4);
  return requantWith(acc, v128.load(params + PARAMS_HEADER + stride + (c << 2)),
    i64x2.splat((<i64>1 << <i64>(shift - 1)) + (<i64>1 << 62)), shift, i32x4.splat(<i32>(<i64>1 << <i64>(62 - shift))),
    i32x4.splat(load<i32>(params, 8)), i32x4.splat(load<i32>(params, 12)), i32x4.splat(load<i32>(params, 16)));
}

/** Stores the low `count` (1..8) bytes of v at out. */
// @ts-ignore: decorator
@inline export function storeBytes8(out: usize, v: v128, count: i32): void {
  if (count == 8) { v128.store_lane<i64>(out, v, 0); return; }
  if (count & 4) { v128.store_lane<i32>(out, v, 0); v = i64x2.shr_u(v, 32); out += 4; }
  if (count & 2) { v128.store_lane<i16>(out, v, 0); v = i64x2.shr_u(v, 16); out += 2; }
  if (count & 1) v128.store_lane<i8>(out, v, 0);
}

/** Requantizes 8 channels of one row (accumulators a, b; multipliers ma, mb) and stores `count`. */
// @ts-ignore: decorator
@inline export function requantRow8(out: usize, a: v128, b: v128, ma: v128, mb: v128, r: Requant, count: i32): void {
  const qa = requantWith(a, ma, r.rnd, r.shift, r.bias, r.zy, r.qmin, r.qmax);
  const qb = requantWith(b, mb, r.rnd, r.shift, r.bias, r.zy, r.qmin, r.qmax);
  const h = i16x8.narrow_i32x4_s(qa, qb);
  storeBytes8(out, i8x16.narrow_i16x8_s(h, h), count);
}

/** Scratch for the requantization constants (static: the kernels allocate nothing managed). */
export const REQUANT = memory.data(offsetof<Requant>(), 16);

/** The output stage of one row of 8 channels (c..c+7, `nc` of them valid) to o0: int8 or f32 by
 *  f32Out (the parameter block's mode). */
// @ts-ignore: decorator
@inline export function outputRow8(o0: usize, acc0x0123: v128, acc0x4567: v128, params: usize, stride: usize,
    c: usize, nc: i32, f32Out: bool): void {
  if (!f32Out) {
    const r = changetype<Requant>(REQUANT);
    requantSetup(r, params);
    requantRow8(o0, acc0x0123, acc0x4567, v128.load(params + PARAMS_HEADER + stride + (c << 2)),
      v128.load(params + PARAMS_HEADER + stride + (c << 2), 16), r, nc);
    return;
  }
  storeOutput4(o0, acc0x0123, params, stride, c, min(nc, 4), true);
  if (nc > 4) storeOutput4(o0 + 16, acc0x4567, params, stride, c + 4, nc - 4, true);
}

/** Dequantizes acc (channels c..c+3) with the fused bias and clamp of mode 1. */
// @ts-ignore: decorator
@inline export function dequant4(acc: v128, params: usize, stride: usize, c: usize): v128 {
  const sx = f32x4.splat(load<f32>(params, 28));
  const sw = v128.load(params + PARAMS_HEADER + stride + (c << 2));
  const fb = v128.load(params + PARAMS_HEADER + (stride << 1) + (c << 2));
  const y = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.mul(sx, sw)), fb);
  // pmax / pmin (one instruction each on x64): the f32 GEMM's clamp (simd.ts clamp4), same values
  return f32x4.pmin(f32x4.pmax(y, f32x4.splat(load<f32>(params, 20))), f32x4.splat(load<f32>(params, 24)));
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
