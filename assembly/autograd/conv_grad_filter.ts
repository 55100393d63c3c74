// f32 2-D convolution backward with respect to the filter (and the bias), NHWC.
//
//   df[ky, kx, ci, co] = Σ_{b,oy,ox} x[b, iy, ix, ci] · dy[b, oy, ox, co]     (0 outside the image)
//   dbias[co]          = Σ_{b,oy,ox} dy[b, oy, ox, co]
//   iy = oy·SH − PT + ky·DH,  ix = ox·SW − PL + kx·DW
//
//   B batch, H×W input, CI/CO channels, KH×KW filter, OH×OW output, SH/SW strides, DH/DW
//   dilations, PT/PL top/left pads (bottom/right follow from OH/OW). x [B, H, W, CI],
//   dy [B, OH, OW, CO], df [KH, KW, CI, CO], dbias [CO] or 0; row-major.
//
// As a GEMM: df is C[K = KH·KW·CI, CO] = col(x)ᵀ[K, P] · dy[P, CO] over the P = B·OH·OW output
// pixels, a reduction over the long dimension. Neither operand is packed: a tile of MR rows of
// C (any k, each with its byte offset from the window origin) by NR columns walks the pixels
// of a slice of output rows, broadcasting x[origin + offset_r] (load32_splat) against the
// pixel's row of dy (NR/4 vector loads), with the MR·NR sums in registers for the whole slice,
// then adds them into df. Row 0 of the first tile can be the bias: a broadcast 1.0 there sums
// dy itself (exact: 1·d + acc), so dbias costs one tile row instead of a pass over dy.
// Slices of about FG_SLICE pixels keep the NR-column strip of dy in L1 while every row tile
// walks it. Windows that leave the image read a zero-padded copy of the slice's input rows (the
// "band"); otherwise x is read in place.
// Special cases: 1x1 stride-1 unpadded convolutions are gemm_f32(xᵀ · dy); 3x3 stride-1 ones
// with 8+ channels in and out take Winograd (conv_winograd_grad.ts), falling back here when its
// scratch is short.
//
// Special values: windows that leave the image multiply dy by the band's zeros, so a NaN or Inf
// in dy at such a pixel also reaches the taps over the padding (0·NaN), which a direct sum over
// the valid taps skips (so does Winograd's zero-padded patch).
//
// Overwrites df and dbias. Memory: reads up to 12 bytes past dy (column tails); scratch
// from the arena (-1, STATUS_OOM, before anything is written).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_f32, STATUS_OK, STATUS_OOM } from "../kernels/gemm";
import { bias_grad_f32 } from "./bias_grad";
import { conv2d_winograd_grad_filter_f32, useWinogradGrad } from "./conv_winograd_grad";
import { loadTail, madd4, storeTail } from "../simd";

/** The tile: 2x16 (8 accumulators, 4 dy loads and 2 broadcasts per pixel) in both builds. */
// @ts-ignore: decorator
@inline const FG_MR: i32 = 2;
// @ts-ignore: decorator
@inline const FG_NR: i32 = 16;
/** Output pixels per slice (whole output rows, at least one). */
// @ts-ignore: decorator
@inline const FG_SLICE: i32 = 256;

// The tile's sums, FG_MR rows of FG_NR floats.
const tileSums = memory.data(FG_MR * FG_NR * 4, 16);

/**
 * tileSums[r][j] = Σ over the slice's pixels of A_r · dy[p, j], j < nr, where A_r is
 * x[xp + offs[r]] (or 1.0 for row 0 when `bias`). `rows` output rows of `cols` pixels: x pixels
 * xStep bytes apart, rows xRowStep apart; dy rows dStep apart, contiguous across output rows.
 */
// @ts-ignore: decorator
@inline function fgTile(nr: i32, bias: bool, offs: usize, x0: usize, xRowStep: usize, xStep: usize,
    dp: usize, dStep: usize, rows: i32, cols: i32): void {
  const o0 = <usize>load<u32>(offs), o1 = <usize>load<u32>(offs, 4);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let acc0x0 = zero, acc0x1 = zero, acc0x2 = zero, acc0x3 = zero;
  let acc1x0 = zero, acc1x1 = zero, acc1x2 = zero, acc1x3 = zero;
  const rowDyBytes = <usize>cols * dStep;
  for (let r = 0; r < rows; r++, x0 += xRowStep) {
    let xp = x0;
    const dEnd = dp + rowDyBytes;
    while (dp < dEnd) {
      const b0 = v128.load(dp);
      const b1 = nr >= 8 ? v128.load(dp, 16) : zero;
      const b2 = nr >= 16 ? v128.load(dp, 32) : zero;
      const b3 = nr >= 16 ? v128.load(dp, 48) : zero;
      const a0 = bias ? one : v128.load32_splat(xp + o0);
      const a1 = v128.load32_splat(xp + o1);
      acc0x0 = madd4(a0, b0, acc0x0);
      if (nr >= 8) acc0x1 = madd4(a0, b1, acc0x1);
      if (nr >= 16) { acc0x2 = madd4(a0, b2, acc0x2); acc0x3 = madd4(a0, b3, acc0x3); }
      acc1x0 = madd4(a1, b0, acc1x0);
      if (nr >= 8) acc1x1 = madd4(a1, b1, acc1x1);
      if (nr >= 16) { acc1x2 = madd4(a1, b2, acc1x2); acc1x3 = madd4(a1, b3, acc1x3); }
      xp += xStep;
      dp += dStep;
    }
  }
  const t = tileSums;
  v128.store(t, acc0x0); v128.store(t, acc0x1, 16); v128.store(t, acc0x2, 32); v128.store(t, acc0x3, 48);
  v128.store(t, acc1x0, 64); v128.store(t, acc1x1, 80); v128.store(t, acc1x2, 96); v128.store(t, acc1x3, 112);
}

/** dst[0..cols) += tileSums row r. */
// @ts-ignore: decorator
@inline function addTileRow(dst: usize, r: i32, cols: i32): void {
  const src = tileSums + (<usize>(r * FG_NR) << 2);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const off = <usize>j << 2;
    v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
  }
  if (j < cols) {
    const off = <usize>j << 2, lanes = <usize>(cols - j);
    storeTail(dst + off, f32x4.add(loadTail(dst + off, lanes), v128.load(src + off)), lanes);
  }
}

/** One band: input rows iy0 .. iy0+rows-1 of the image, columns −PL .. −PL+pw-1, 0 outside. */
function copyBand(dst: usize, img: usize, iy0: i32, rows: i32, h: i32, w: i32, cin: i32,
    padLeft: i32, pw: i32): void {
  const pix = <usize>cin << 2;
  const rowBytes = <usize>pw * pix;
  memory.fill(dst, 0, <usize>rows * rowBytes);
  const c0 = max(0, padLeft), c1 = min(pw, w + padLeft); // band columns inside the image
  if (c1 <= c0) return;
  for (let r = 0; r < rows; r++) {
    const iy = iy0 + r;
    if (iy < 0 || iy >= h) continue;
    memory.copy(dst + <usize>r * rowBytes + <usize>c0 * pix,
      img + (<usize>iy * <usize>w + <usize>(c0 - padLeft)) * pix, <usize>(c1 - c0) * pix);
  }
}

export function conv2d_grad_filter_nhwc_f32(dfilter: usize, dbias: usize, dy: usize, x: usize,
    n: i32, h: i32, w: i32, cin: i32, kh: i32, kw: i32, cout: i32, strideH: i32, strideW: i32,
    dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  if (cout <= 0) return STATUS_OK;
  const k = max(kh, 0) * max(kw, 0) * max(cin, 0);
  const m = n > 0 && outH > 0 && outW > 0 ? n * outH * outW : 0;
  if (k == 0 || m == 0) {
    memory.fill(dfilter, 0, <usize>k * <usize>cout << 2);
    if (dbias != 0) bias_grad_f32(dbias, dy, m, cout);
    return STATUS_OK;
  }
  if (kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 &&
      outH == h && outW == w) {
    // Pixels are the rows of x already: df[CI, CO] = xᵀ · dy.
    const status = gemm_f32(dfilter, x, dy, 0, cin, cout, m, 1, 0, 0, 0);
    if (status == STATUS_OK && dbias != 0) bias_grad_f32(dbias, dy, m, cout);
    return status;
  }
  if (useWinogradGrad(kh, kw, strideH, strideW, dilationH, dilationW, cin, cout)) {
    const status = conv2d_winograd_grad_filter_f32(dfilter, dbias, dy, x, n, h, w, cin, cout,
      padTop, padLeft, outH, outW);
    if (status != STATUS_OOM) return status;
  }
  const effH = (kh - 1) * dilationH + 1, effW = (kw - 1) * dilationW + 1;
  const sliceRows = min(outH, max(1, FG_SLICE / outW));
  // A band copy is needed when some window leaves the image.
  const useBand = padTop > 0 || padLeft > 0 || (outH - 1) * strideH - padTop + effH > h ||
    (outW - 1) * strideW - padLeft + effW > w;
  const pw = useBand ? (outW - 1) * strideW + effW : w; // row width of what the tiles read
  const bandRows = (sliceRows - 1) * strideH + effH;
  const rowsK = k + (dbias != 0 ? 1 : 0); // the bias is row 0 when asked for
  const tiles = (rowsK + FG_MR - 1) / FG_MR;
  const mark = arena_mark();
  const offs = arena_alloc_scoped(<usize>(tiles * FG_MR) << 2);
  const band = useBand ? arena_alloc_scoped(<usize>bandRows * <usize>pw * (<usize>cin << 2)) : 1;
  if (offs == 0 || band == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  // Offsets of the rows from a window origin; the bias row and the padding rows read offset 0.
  for (let r = 0; r < tiles * FG_MR; r++) {
    const kk = r - (rowsK - k);
    let off = 0;
    if (kk >= 0 && kk < k) {
      const tap = kk / cin, ci = kk - tap * cin;
      const ky = tap / kw, kx = tap - ky * kw;
      off = ((ky * dilationH * pw + kx * dilationW) * cin + ci) << 2;
    }
    store<u32>(offs + (<usize>r << 2), <u32>off);
  }
  memory.fill(dfilter, 0, <usize>k * <usize>cout << 2);
  if (dbias != 0) memory.fill(dbias, 0, <usize>cout << 2);
  const pix = <usize>cin << 2;
  const xStep = <usize>strideW * pix, xRowStep = <usize>strideH * <usize>pw * pix;
  const dStep = <usize>cout << 2;
  const imageBytes = <usize>h * <usize>w * pix;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * imageBytes;
    for (let oy0 = 0; oy0 < outH; oy0 += sliceRows) {
      const rows = min(sliceRows, outH - oy0);
      let x0 = img + <usize>(oy0 * strideH) * <usize>w * pix;
      if (useBand) {
        copyBand(band, img, oy0 * strideH - padTop, (rows - 1) * strideH + effH, h, w, cin, padLeft, pw);
        x0 = band;
      }
      const d0 = dy + (<usize>(b * outH + oy0) * <usize>outW) * dStep;
      for (let co0 = 0; co0 < cout; ) {
        // 16 columns, or 8, or 4: the vector loads of the last pixel's row may run at most 12
        // bytes past dy's end.
        const left = cout - co0;
        const nr = left >= 13 ? 16 : left >= 5 ? 8 : 4;
        const cols = min(nr, left);
        const dp = d0 + (<usize>co0 << 2);
        for (let t = 0; t < tiles; t++) {
          const o = offs + (<usize>(t * FG_MR) << 2);
          const withBias = t == 0 && dbias != 0;
          if (nr == 16) {
            if (withBias) fgTile(16, true, o, x0, xRowStep, xStep, dp, dStep, rows, outW);
            else fgTile(16, false, o, x0, xRowStep, xStep, dp, dStep, rows, outW);
          } else if (nr == 8) {
            if (withBias) fgTile(8, true, o, x0, xRowStep, xStep, dp, dStep, rows, outW);
            else fgTile(8, false, o, x0, xRowStep, xStep, dp, dStep, rows, outW);
          } else {
            if (withBias) fgTile(4, true, o, x0, xRowStep, xStep, dp, dStep, rows, outW);
            else fgTile(4, false, o, x0, xRowStep, xStep, dp, dStep, rows, outW);
          }
          for (let r = 0; r < FG_MR; r++) {
            const kk = t * FG_MR + r - (rowsK - k);
            if (kk >= k) break;
            const dst = kk < 0 ? dbias : dfilter + ((<usize>kk * <usize>cout + <usize>co0) << 2);
            addTileRow(dst + (kk < 0 ? <usize>co0 << 2 : 0), r, cols);
          }
        }
        co0 += cols;
      }
    }
  }
  arena_release(mark);
  return STATUS_OK;
}
