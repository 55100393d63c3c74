// The int8 output stage shared by the int8 GEMM, convolution and depthwise kernels: one i32x4 of
// accumulators (4 output channels) becomes 4 int8 values (requantization) or 4 floats (dequantize).
//
// Parameter block (built by js-bindings/quantize/params.ts; NP = N rounded up to 8, all arrays
// padded with zeros to NP so the vector loads of a channel tail stay inside the block):
//
//   ┌──────────────────────── header, 32 bytes ─────────────────────────┐
//   │ mode i32 │ 0 i32 │ zy i32 │ qmin i32 │ qmax i32 │ fmin f32 │ fmax f32 │ sx f32 │
//   ├──────────────────────────────────────────────────────────────────┤
//   │ bias   i32[NP]   int32 bias (qs8 out: round(b / (sx·sw[c])); f32 out: 0)  │
//   │ scale  f32[NP]   qs8 out: requantization scale sx·sw[c] / sy             │
//   │        f32[NP]   f32 out: weight scale sw[c] (multiplied by sx in-kernel) │
//   │ fbias  f32[NP]   f32 out: float bias                                      │
//   └──────────────────────────────────────────────────────────────────┘
//
//   mode 0 (qs8 out): y = zy + nearest_even(clamp(f32(acc)·scale[c], qmin − zy, qmax − zy))
//     in float32 (XNNPACK's fp32 "magic" requantization: one convert, multiply, clamp and add
//     per 4 outputs, where an exact 64-bit fixed-point product takes three times as many on
//     x64). f32(acc) is exact for |acc| < 2^24 and correctly rounded beyond; every step is an
//     IEEE single operation (no fused multiply-add), so both builds give the same bytes.
//     relu is fused as qmin = zy, relu6 as qmax = zy + round(6 / sy).
//   mode 1 (f32 out): y = clamp(f32(acc)·(sx·sw[c]) + fbias[c], fmin, fmax), no fused multiply-add
//     so that both builds round the same way.
//
// Sources: XNNPACK src/qs8-requantization/ (fp32 magic) and its qs8 wasmsimd micro-kernels' fp32 output stage.

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
  lo: v128; hi: v128; magic: v128; magicZ: v128;
}

/** 1.5·2^23: adding it to |y| <= 2^22 leaves round-half-even(y) in the low mantissa bits. */
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12582912.0;
// @ts-ignore: decorator
@inline const MAGIC_BITS: i32 = 0x4B400000;

/** Reads the header of a qs8-out parameter block into r (a caller-owned scratch struct). */
// @ts-ignore: decorator
@inline export function requantSetup(r: Requant, params: usize): void {
  const zy = load<i32>(params, 8);
  r.lo = f32x4.splat(<f32>(load<i32>(params, 12) - zy));
  r.hi = f32x4.splat(<f32>(load<i32>(params, 16) - zy));
  r.magic = f32x4.splat(MAGIC);
  r.magicZ = i32x4.splat(MAGIC_BITS - zy);
}

/** Requantizes acc (4 channels, float32 scales m) to i32 lanes holding int8 values. */
// @ts-ignore: decorator
@inline export function requantWith(acc: v128, m: v128, lo: v128, hi: v128, magic: v128, magicZ: v128): v128 {
  // f32(acc)·scale, clamped to [qmin − zy, qmax − zy] (integers: clamping before the rounding
  // is clamping after it); + 1.5·2^23 rounds half to even into the low bits, − (bits − zy) adds zy.
  const y = f32x4.min(f32x4.max(f32x4.mul(f32x4.convert_i32x4_s(acc), m), lo), hi);
  return i32x4.sub(f32x4.add(y, magic), magicZ);
}

/** Requantizes acc (channels c..c+3) to i32 lanes holding int8 values. */
// @ts-ignore: decorator
@inline export function requant4(acc: v128, params: usize, stride: usize, c: usize): v128 {
  const zy = load<i32>(params, 8);
  return requantWith(acc, v128.load(params + PARAMS_HEADER + stride + (c << 2)),
    f32x4.splat(<f32>(load<i32>(params, 12) - zy)), f32x4.splat(<f32>(load<i32>(params, 16) - zy)),
    f32x4.splat(MAGIC), i32x4.splat(MAGIC_BITS - zy));
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
  const qa = requantWith(a, ma, r.lo, r.hi, r.magic, r.magicZ);
  const qb = requantWith(b, mb, r.lo, r.hi, r.magic, r.magicZ);
  const h = i16x8.narrow_i32x4_s(qa, qb);
  storeBytes8(out, i8x16.narrow_i16x8_s(h, h), count);
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
