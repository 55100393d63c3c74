// affine_warp_nhwc_f32: one affine resampling per image (random flips, rotations, shifts and
// zooms for data augmentation, composed into one map by js-bindings/data/augment.ts).
//
//   N batch, H×W image, C channels. x, out [N, H, W, C] f32 NHWC, row-major.
//   params [N, 6] f32: for image b, [m00, m01, b0, m10, m11, b1] maps an output pixel (ox, oy)
//   to the input position it samples (pixel centres at integer coordinates, x right, y down):
//
//     sx = m00·ox + (m01·oy + b0)        sy = m10·ox + (m11·oy + b1)        (f32, not fused)
//
//   interpolation 0 (bilinear): the four pixels around (sx, sy) with weights from the fractions
//     fx = sx − ⌊sx⌋, fy = sy − ⌊sy⌋, blended as lerp(lerp(v00, v01, fx), lerp(v10, v11, fx), fy)
//     with lerp(a, b, f) = f == 0 ? a : a·(1 − f) + b·f. A tap outside the image reads
//     fillValue; a point with sx <= −1, sx >= W, sy <= −1 or sy >= H (no tap inside) is fillValue.
//     The f == 0 rule means a tap of weight 0 is never mixed in: integer positions (identity,
//     quarter turns, integer shifts) reproduce the input bit for bit, even next to a NaN fill.
//   interpolation 1 (nearest): the pixel ⌊sx + 0.5⌋, ⌊sy + 0.5⌋ (round half up, the sums in
//     f32), or fillValue when that pixel lies outside the image.
//
// Arithmetic is plain f32 mul and add in both builds (no relaxed_madd), so both builds give the
// same bits and a scalar f32 emulation predicts every sample position exactly.
//
// Vectorization: C == 1 (MNIST) runs 4 output pixels per step (positions, weights and blends in
// f32x4, the 16 taps loaded lane by lane: wasm SIMD has no gather); C >= 2 runs one pixel at a
// time with the channels in f32x4 groups (the last group over-reads and stores only its lanes).
//
// Memory contract: x and out 4-byte aligned; out must not overlap x; writes exactly out's
// N·H·W·C floats; reads x's pixels and up to 12 bytes past a pixel's channels (the arena's
// padding at x's end). Status: 0 ok (nothing written when a size is <= 0), -2 an interpolation
// code other than 0 or 1. Source: the sampling of TensorFlow's ImageProjectiveTransformV3 with
// fill_mode 'constant' (tf.image.transform, Keras RandomRotation/RandomZoom/RandomTranslation).

import { storeTail } from "../simd";
import { STATUS_OK } from "./gemm";

// @ts-ignore: decorator
@inline export const INTERP_BILINEAR: i32 = 0;
// @ts-ignore: decorator
@inline export const INTERP_NEAREST: i32 = 1;
// @ts-ignore: decorator
@inline export const STATUS_BAD_INTERPOLATION: i32 = -2;

/** lerp(a, b, f) per lane: a where f == 0 (b never mixed in), else a·(1 − f) + b·f. */
// @ts-ignore: decorator
@inline function lerp4(a: v128, b: v128, f: v128): v128 {
  const mixed = f32x4.add(f32x4.mul(a, f32x4.sub(f32x4.splat(1), f)), f32x4.mul(b, f));
  return v128.bitselect(a, mixed, f32x4.eq(f, f32x4.splat(0)));
}

/** The floats at base + 4·off[i] for the four lanes of off. */
// @ts-ignore: decorator
@inline function gather4(base: usize, off: v128): v128 {
  let v = v128.load32_zero(base + (<usize>i32x4.extract_lane(off, 0) << 2));
  v = v128.load32_lane(base + (<usize>i32x4.extract_lane(off, 1) << 2), v, 1);
  v = v128.load32_lane(base + (<usize>i32x4.extract_lane(off, 2) << 2), v, 2);
  return v128.load32_lane(base + (<usize>i32x4.extract_lane(off, 3) << 2), v, 3);
}

/** i clamped to [0, hi] per lane. */
// @ts-ignore: decorator
@inline function clampIndex(i: v128, hi: v128): v128 {
  return i32x4.min_s(i32x4.max_s(i, i32x4.splat(0)), hi);
}

/** Four C == 1 bilinear samples at (sx, sy) of the H×W image xi. */
// @ts-ignore: decorator
@inline function bilinear4(xi: usize, sx: v128, sy: v128, h: i32, w: i32, fill: v128): v128 {
  const inside = v128.and(
    v128.and(f32x4.gt(sx, f32x4.splat(-1)), f32x4.lt(sx, f32x4.splat(<f32>w))),
    v128.and(f32x4.gt(sy, f32x4.splat(-1)), f32x4.lt(sy, f32x4.splat(<f32>h))));
  if (!v128.any_true(inside)) return fill;
  const flx = f32x4.floor(sx), fly = f32x4.floor(sy);
  const fx = f32x4.sub(sx, flx), fy = f32x4.sub(sy, fly);
  // Lanes outside may hold huge floors: trunc_sat saturates, the clamps keep every address in
  // the image and the final select drops those lanes.
  const x0 = i32x4.trunc_sat_f32x4_s(flx), y0 = i32x4.trunc_sat_f32x4_s(fly);
  const one = i32x4.splat(1), wv = i32x4.splat(w), hv = i32x4.splat(h);
  const x1 = i32x4.add(x0, one), y1 = i32x4.add(y0, one);
  const okx0 = i32x4.ge_s(x0, i32x4.splat(0)), okx1 = i32x4.lt_s(x1, wv);
  const oky0 = i32x4.ge_s(y0, i32x4.splat(0)), oky1 = i32x4.lt_s(y1, hv);
  const wm1 = i32x4.sub(wv, one), hm1 = i32x4.sub(hv, one);
  const cx0 = clampIndex(x0, wm1), cx1 = clampIndex(x1, wm1);
  const row0 = i32x4.mul(clampIndex(y0, hm1), wv), row1 = i32x4.mul(clampIndex(y1, hm1), wv);
  const v00 = v128.bitselect(gather4(xi, i32x4.add(row0, cx0)), fill, v128.and(oky0, okx0));
  const v01 = v128.bitselect(gather4(xi, i32x4.add(row0, cx1)), fill, v128.and(oky0, okx1));
  const v10 = v128.bitselect(gather4(xi, i32x4.add(row1, cx0)), fill, v128.and(oky1, okx0));
  const v11 = v128.bitselect(gather4(xi, i32x4.add(row1, cx1)), fill, v128.and(oky1, okx1));
  const r = lerp4(lerp4(v00, v01, fx), lerp4(v10, v11, fx), fy);
  return v128.bitselect(r, fill, inside);
}

/** Four C == 1 nearest samples at (sx, sy) of the H×W image xi. */
// @ts-ignore: decorator
@inline function nearest4(xi: usize, sx: v128, sy: v128, h: i32, w: i32, fill: v128): v128 {
  const tx = f32x4.add(sx, f32x4.splat(0.5)), ty = f32x4.add(sy, f32x4.splat(0.5));
  const inside = v128.and(
    v128.and(f32x4.ge(tx, f32x4.splat(0)), f32x4.lt(tx, f32x4.splat(<f32>w))),
    v128.and(f32x4.ge(ty, f32x4.splat(0)), f32x4.lt(ty, f32x4.splat(<f32>h))));
  if (!v128.any_true(inside)) return fill;
  // Inside lanes have tx, ty >= 0, where truncation is the floor.
  const wv = i32x4.splat(w), one = i32x4.splat(1);
  const ix = clampIndex(i32x4.trunc_sat_f32x4_s(tx), i32x4.sub(wv, one));
  const iy = clampIndex(i32x4.trunc_sat_f32x4_s(ty), i32x4.sub(i32x4.splat(h), one));
  return v128.bitselect(gather4(xi, i32x4.add(i32x4.mul(iy, wv), ix)), fill, inside);
}

/** out[0 .. c) = fill. */
// @ts-ignore: decorator
@inline function fillPixel(po: usize, c: i32, fill: v128): void {
  let c0 = 0;
  for (; c0 + 4 <= c; c0 += 4) v128.store(po + (<usize>c0 << 2), fill);
  if (c0 < c) storeTail(po + (<usize>c0 << 2), fill, <usize>(c - c0));
}

/** One output pixel of c channels, bilinear, at (sx, sy) of the image xi (same math as bilinear4). */
function bilinearPixel(po: usize, xi: usize, sx: f32, sy: f32, h: i32, w: i32, c: i32, fill: v128): void {
  if (!(sx > -1 && sx < <f32>w && sy > -1 && sy < <f32>h)) {
    fillPixel(po, c, fill);
    return;
  }
  const flx = Mathf.floor(sx), fly = Mathf.floor(sy);
  const fx = f32x4.splat(sx - flx), fy = f32x4.splat(sy - fly);
  const x0 = <i32>flx, y0 = <i32>fly;  // in [-1, w - 1] and [-1, h - 1] here
  const ok00 = x0 >= 0 && y0 >= 0, ok01 = x0 + 1 < w && y0 >= 0;
  const ok10 = x0 >= 0 && y0 + 1 < h, ok11 = x0 + 1 < w && y0 + 1 < h;
  const pixBytes = <usize>c << 2;
  // Tap addresses; one that is not ok is never dereferenced.
  const p00 = xi + (<usize>y0 * <usize>w + <usize>x0) * pixBytes;
  const p01 = p00 + pixBytes, p10 = p00 + <usize>w * pixBytes, p11 = p10 + pixBytes;
  for (let c0 = 0; c0 < c; c0 += 4) {
    const off = <usize>c0 << 2;
    const v00 = ok00 ? v128.load(p00 + off) : fill;
    const v01 = ok01 ? v128.load(p01 + off) : fill;
    const v10 = ok10 ? v128.load(p10 + off) : fill;
    const v11 = ok11 ? v128.load(p11 + off) : fill;
    const r = lerp4(lerp4(v00, v01, fx), lerp4(v10, v11, fx), fy);
    if (c - c0 >= 4) v128.store(po + off, r);
    else storeTail(po + off, r, <usize>(c - c0));
  }
}

/** One output pixel of c channels, nearest, at (sx, sy) of the image xi (same math as nearest4). */
function nearestPixel(po: usize, xi: usize, sx: f32, sy: f32, h: i32, w: i32, c: i32, fill: v128): void {
  const tx = sx + <f32>0.5, ty = sy + <f32>0.5;
  if (!(tx >= 0 && tx < <f32>w && ty >= 0 && ty < <f32>h)) {
    fillPixel(po, c, fill);
    return;
  }
  const pixBytes = <usize>c << 2;
  const p = xi + (<usize><i32>ty * <usize>w + <usize><i32>tx) * pixBytes;
  let c0 = 0;
  for (; c0 + 4 <= c; c0 += 4) v128.store(po + (<usize>c0 << 2), v128.load(p + (<usize>c0 << 2)));
  if (c0 < c) storeTail(po + (<usize>c0 << 2), v128.load(p + (<usize>c0 << 2)), <usize>(c - c0));
}

export function affine_warp_nhwc_f32(out: usize, x: usize, params: usize, n: i32, h: i32, w: i32,
    c: i32, interpolation: i32, fillValue: f32): i32 {
  if (interpolation != INTERP_BILINEAR && interpolation != INTERP_NEAREST) return STATUS_BAD_INTERPOLATION;
  if (n <= 0 || h <= 0 || w <= 0 || c <= 0) return STATUS_OK;
  const nearest = interpolation == INTERP_NEAREST;
  const fill = f32x4.splat(fillValue);
  const pixBytes = <usize>c << 2;
  const imageBytes = <usize>h * <usize>w * pixBytes;
  const lanes = i32x4(0, 1, 2, 3);
  let po = out;
  for (let b = 0; b < n; b++) {
    const m = params + <usize>b * 24;
    const m00 = load<f32>(m), m01 = load<f32>(m, 4), b0 = load<f32>(m, 8);
    const m10 = load<f32>(m, 12), m11 = load<f32>(m, 16), b1 = load<f32>(m, 20);
    const xi = x + <usize>b * imageBytes;
    for (let oy = 0; oy < h; oy++) {
      const rowX = m01 * <f32>oy + b0, rowY = m11 * <f32>oy + b1;
      let ox = 0;
      if (c == 1) {
        const m00v = f32x4.splat(m00), m10v = f32x4.splat(m10);
        const rowXv = f32x4.splat(rowX), rowYv = f32x4.splat(rowY);
        for (; ox + 4 <= w; ox += 4, po += 16) {
          const oxv = f32x4.convert_i32x4_s(i32x4.add(i32x4.splat(ox), lanes));
          const sx = f32x4.add(f32x4.mul(m00v, oxv), rowXv);
          const sy = f32x4.add(f32x4.mul(m10v, oxv), rowYv);
          v128.store(po, nearest ? nearest4(xi, sx, sy, h, w, fill) : bilinear4(xi, sx, sy, h, w, fill));
        }
      }
      for (; ox < w; ox++, po += pixBytes) {
        const sx = m00 * <f32>ox + rowX, sy = m10 * <f32>ox + rowY;
        if (nearest) nearestPixel(po, xi, sx, sy, h, w, c, fill);
        else bilinearPixel(po, xi, sx, sy, h, w, c, fill);
      }
    }
  }
  return STATUS_OK;
}
