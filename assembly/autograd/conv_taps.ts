// Which (dy pixel, filter tap) pairs reach an input pixel: the gather side of the gathered input
// gradients (conv_grad_input.ts's dot products, conv_depthwise_grad.ts); and the filter as the
// input gradients read it, [taps, CO, CI] (filterTransposed).
//
//   dx pixel (iy, ix) receives dy pixel (oy, ox) through tap (ky, kx) when
//   iy + PT − ky·DH = oy·SH and ix + PL − kx·DW = ox·SW, with 0 <= oy < OH, 0 <= ox < OW.
//
// The column part is tabulated once per call (cols[ix·KW + kx] = ox, or -1), the row part once
// per dx row (rows: u32 pairs (dy row address, ky)), so that listing one pixel's taps
// (taps: u32 pairs (dy pixel address, filter tap address)) costs no division.

import { storeTranspose4x4 } from "../simd";

/** cols[ix·KW + kx] = ox, or -1 when tap kx of dx column ix reaches no dy column. */
export function columnTaps(cols: usize, w: i32, kw: i32, strideW: i32, dilationW: i32, padLeft: i32,
    outW: i32): void {
  for (let ix = 0; ix < w; ix++) {
    for (let kx = 0; kx < kw; kx++) {
      const tx = ix + padLeft - kx * dilationW;
      const ok = tx >= 0 && tx % strideW == 0 && tx / strideW < outW;
      store<i32>(cols + (<usize>(ix * kw + kx) << 2), ok ? tx / strideW : -1);
    }
  }
}

/** The (dy row address, ky) pairs of dx row iy into rows; returns how many. */
export function rowTaps(rows: usize, iy: i32, kh: i32, strideH: i32, dilationH: i32, padTop: i32,
    outH: i32, dyImage: usize, dyRowBytes: usize): i32 {
  let count = 0;
  for (let ky = 0; ky < kh; ky++) {
    const ty = iy + padTop - ky * dilationH;
    if (ty < 0 || ty % strideH != 0 || ty / strideH >= outH) continue;
    const slot = rows + (<usize>count << 3);
    store<u32>(slot, <u32>(dyImage + <usize>(ty / strideH) * dyRowBytes));
    store<i32>(slot, ky, 4);
    count++;
  }
  return count;
}

/**
 * The (dy pixel, filter tap) address pairs of dx pixel (row of `rows`, column ix) into taps;
 * returns how many. dyPix: bytes per dy pixel; tapBytes: bytes per (ky, kx) slice of the filter.
 */
export function pixelTaps(taps: usize, rows: usize, nky: i32, cols: usize, ix: i32, kw: i32,
    dyPix: usize, filter: usize, tapBytes: usize): i32 {
  let count = 0;
  const colRow = cols + (<usize>(ix * kw) << 2);
  for (let r = 0; r < nky; r++) {
    const slot = rows + (<usize>r << 3);
    const dyRow = <usize>load<u32>(slot);
    const fRow = filter + <usize>(load<i32>(slot, 4) * kw) * tapBytes;
    for (let kx = 0; kx < kw; kx++) {
      const ox = load<i32>(colRow + (<usize>kx << 2));
      if (ox < 0) continue;
      const t = taps + (<usize>count << 3);
      store<u32>(t, <u32>(dyRow + <usize>ox * dyPix));
      store<u32>(t, <u32>(fRow + <usize>kx * tapBytes), 4);
      count++;
    }
  }
  return count;
}

/**
 * dst[t, co, ci] = f[t', ci, co] for `taps` slices of [CI, CO], t' = t or, with `rotate`, taps−1−t
 * (the 180° rotation of a KH x KW filter). 4x4 blocks through storeTranspose4x4, tails one by
 * one. Reads exactly f; dst must not overlap it.
 */
export function filterTransposed(dst: usize, f: usize, taps: i32, cin: i32, cout: i32, rotate: bool): void {
  const sliceBytes = <usize>cin * <usize>cout << 2;
  const inRow = <usize>cout << 2, outRow = <usize>cin << 2;
  const ci4 = cin & ~3, co4 = cout & ~3;
  for (let t = 0; t < taps; t++) {
    const src = f + <usize>(rotate ? taps - 1 - t : t) * sliceBytes, out = dst + <usize>t * sliceBytes;
    for (let ci = 0; ci < ci4; ci += 4) {
      const s = src + <usize>ci * inRow;
      for (let co = 0; co < co4; co += 4) {
        const p = s + (<usize>co << 2);
        storeTranspose4x4(out + <usize>co * outRow + (<usize>ci << 2), outRow, v128.load(p),
          v128.load(p + inRow), v128.load(p + 2 * inRow), v128.load(p + 3 * inRow));
      }
    }
    for (let ci = 0; ci < cin; ci++) {
      for (let co = ci < ci4 ? co4 : 0; co < cout; co++) {
        store<f32>(out + <usize>co * outRow + (<usize>ci << 2), load<f32>(src + <usize>ci * inRow + (<usize>co << 2)));
      }
    }
  }
}
