// f32 2-D convolution, NHWC, as an implicit GEMM over an indirection buffer (no im2col matrix).
//
//   out[b, oy, ox, co] = act(bias[co] + Σ_{ky,kx,ci} x[b, iy, ix, ci] · f[ky, kx, ci, co])
//   iy = oy·SH − PT + ky·DH,  ix = ox·SW − PL + kx·DW   (taps outside the image read 0)
//
//   B batch, H×W input, CI in-channels, KH×KW filter, CO out-channels, OH×OW output,
//   SH/SW strides, DH/DW dilations, PT/PL the top/left pads (bottom/right follow from OH/OW).
//   x [B, H, W, CI], f [KH, KW, CI, CO], bias [CO] or 0, out [B, OH, OW, CO]; row-major.
//
// As a GEMM: out is C[M = B·OH·OW, N = CO] and f is already B[K = KH·KW·CI, N] row-major,
// packed once per call with pack_b (bias in the panel heads; K > KC is cut into KC slices that
// all stay resident, as gemm_f32 does). Row m of A (im2col) is the window of output pixel m; it
// is never copied: for each MC block of pixels an indirection buffer holds every pixel's window
// origin in x, and the conv tile (conv_ukernel.ts: a GEMM tile reading A in place) walks
// the window as "segments", runs of k whose input offsets are contiguous — in NHWC with DW = 1 a
// filter row of KW·CI floats is one run. Padding: when the zero-padded image is small (4 MB)
// it is copied, one image at a time, and every window is interior; otherwise panels of 4 pixels
// whose windows leave the image (and the panel cut by M) are gathered tap by tap into pack_a's
// layout, zeros for padding taps, and go through gemm_packed_block. Special cases: 1x1
// stride-1 unpadded convolutions are gemm_f32 on x; 3x3 stride-1 ones with 8+ channels in and
// out take the Winograd path (conv_winograd.ts), falling back here if its scratch is short.
// Source: XNNPACK's f32 igemm and its indirection buffer.
//
// Memory: x, f, bias 4-byte aligned; reads up to 12 bytes past x's end (arena padding); out
// must not alias x or f; never writes past out + 4·M·CO. Scratch from the arena (-1 on OOM).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_f32, gemm_packed_block, pack_b, packedABytes, packedBBytes, GEMM_KC,
  STATUS_OK, STATUS_OOM } from "./gemm";
import { conv_edge_gemm_tile, conv_ukernel } from "./conv_ukernel";
import { copyTile, setClampBounds } from "./tile_util";
import { convTile } from "./tiles";
import { conv2d_winograd_f32 } from "./conv_winograd";
import { activate, clampLo, clampHi, isClampActivation } from "./activation";
import { storeTranspose4x4 } from "../simd";

/**
 * Fills table with (input byte offset, length) runs covering k in [k0, k1); returns the count.
 * The offset of k = (ky·KW + kx)·CI + ci from a window origin is (ky·DH·W + kx·DW)·CI + ci.
 */
function buildSegments(table: usize, k0: i32, k1: i32, cin: i32, kw: i32, w: i32, dh: i32,
    dw: i32): i32 {
  let count = 0;
  let tap = k0 / cin;
  let ci = k0 - tap * cin;
  let ky = tap / kw;
  let kx = tap - ky * kw;
  let k = k0;
  let prevEnd: u32 = 0xFFFF_FFFF;
  while (k < k1) {
    const len = min(cin - ci, k1 - k);
    const off = <u32>((ky * dh * w + kx * dw) * cin + ci) << 2;
    if (count > 0 && off == prevEnd) {
      const slot = table + (<usize>(count - 1) << 3);
      store<u32>(slot, load<u32>(slot, 4) + <u32>len, 4);
    } else {
      const slot = table + (<usize>count << 3);
      store<u32>(slot, off);
      store<u32>(slot, <u32>len, 4);
      count++;
    }
    prevEnd = off + (<u32>len << 2);
    k += len;
    ci = 0;
    if (++kx == kw) { kx = 0; ky++; }
  }
  return count;
}

/**
 * Interleaves len floats from each of 4 rows into k-major MR=4 panel order at dst. Whole 4x4
 * transposes: reads up to 12 bytes past each row's run and writes up to 48 bytes past
 * dst + 16·len (the caller's next writes, or the scratch slack, absorb them).
 */
// @ts-ignore: decorator
@inline function copy4(dst: usize, s0: usize, s1: usize, s2: usize, s3: usize, len: i32): void {
  for (let i = 0; i < len; i += 4) {
    storeTranspose4x4(dst, 16, v128.load(s0), v128.load(s1), v128.load(s2), v128.load(s3));
    dst += 64;
    s0 += 16; s1 += 16; s2 += 16; s3 += 16;
  }
}

// Every conv tile (conv_ukernel.ts), copy4's transposes and the gathered edge panels (through
// the GEMM tile of the conv tile's arithmetic): 4 pixels x 8 channels.
// @ts-ignore: decorator
@inline export const CONV_MR: i32 = 4;
// @ts-ignore: decorator
@inline export const CONV_NR: i32 = 8;

// KC as gemm_f32's; MC pixels per micro-kernel call (64, 32 and 256 measured the same).
// @ts-ignore: decorator
@inline const CONV_KC: i32 = GEMM_KC;
// @ts-ignore: decorator
@inline const CONV_MC: i32 = 64;

// 3x3 stride-1 convolutions with at least this many channels in and out take the Winograd path
// (measured: from 8 on it beats the direct path, 1.25x at 8 -> 32, 1.5-2x from 16 on).
// @ts-ignore: decorator
@inline const WINOGRAD_MIN_CHANNELS: i32 = 8;

// A padded copy of one image (making every window interior) is made up to this size.
// @ts-ignore: decorator
@inline const PAD_COPY_MAX_BYTES: usize = 4 << 20;

// Geometry shared by the gather routines of one call (plain globals: one call at a time).
let gX: usize = 0;
let gH: i32 = 0;
let gW: i32 = 0;
let gCin: i32 = 0;
let gKh: i32 = 0;
let gKw: i32 = 0;
let gSh: i32 = 0;
let gSw: i32 = 0;
let gDh: i32 = 0;
let gDw: i32 = 0;
let gPt: i32 = 0;
let gPl: i32 = 0;
let gOh: i32 = 0;
let gOw: i32 = 0;

// Per-row state of the panel being gathered: window origin (iy0, ix0), batch base pointer.
const rowIy = memory.data(16, 16);
const rowIx = memory.data(16, 16);
const rowBase = memory.data(16, 16);

/** A panel with padding taps or missing rows: tap by tap, zeros where a tap is outside. */
function gatherEdgePanel(dst: usize, k0: i32, k1: i32, rowBytes: usize, pixBytes: usize): void {
  let tap = k0 / gCin;
  let ci = k0 - tap * gCin;
  let ky = tap / gKw;
  let kx = tap - ky * gKw;
  let k = k0;
  while (k < k1) {
    const len = min(gCin - ci, k1 - k);
    const s0 = tapSource(0, ky, kx, ci, rowBytes, pixBytes);
    const s1 = tapSource(1, ky, kx, ci, rowBytes, pixBytes);
    const s2 = tapSource(2, ky, kx, ci, rowBytes, pixBytes);
    const s3 = tapSource(3, ky, kx, ci, rowBytes, pixBytes);
    if (s0 != 0 && s1 != 0 && s2 != 0 && s3 != 0) {
      copy4(dst, s0, s1, s2, s3, len);
    } else {
      let d = dst;
      for (let i = 0; i < len; i++) {
        const off = <usize>i << 2;
        store<f32>(d, s0 != 0 ? load<f32>(s0 + off) : 0);
        store<f32>(d, s1 != 0 ? load<f32>(s1 + off) : 0, 4);
        store<f32>(d, s2 != 0 ? load<f32>(s2 + off) : 0, 8);
        store<f32>(d, s3 != 0 ? load<f32>(s3 + off) : 0, 12);
        d += 16;
      }
    }
    dst += <usize>len << 4;
    k += len;
    ci = 0;
    if (++kx == gKw) { kx = 0; ky++; }
  }
}

/** Address of x[b, iy, ix, ci] for row r's tap (ky, kx), or 0 when the tap is padding. */
// @ts-ignore: decorator
@inline function tapSource(r: i32, ky: i32, kx: i32, ci: i32, rowBytes: usize, pixBytes: usize): usize {
  const slot = <usize>r << 2;
  const iy = load<i32>(rowIy + slot) + ky * gDh;
  const ix = load<i32>(rowIx + slot) + kx * gDw;
  if (<u32>iy >= <u32>gH || <u32>ix >= <u32>gW) return 0;
  return <usize>load<u32>(rowBase + slot) + <usize>iy * rowBytes + <usize>ix * pixBytes +
    (<usize>ci << 2);
}

// Output-pixel cursor (b, oy, ox) of the edge-panel path.
let cB: i32 = 0;
let cOy: i32 = 0;
let cOx: i32 = 0;

/** Loads the cursor's pixel into the rowIy/rowIx/rowBase slot r (past M: all taps padding). */
function setRow(r: i32, valid: bool, imageBytes: usize): void {
  const slot = <usize>r << 2;
  store<i32>(rowIy + slot, valid ? cOy * gSh - gPt : -0x4000_0000);
  store<i32>(rowIx + slot, cOx * gSw - gPl);
  store<u32>(rowBase + slot, <u32>(gX + <usize>cB * imageBytes));
  if (++cOx == gOw) { cOx = 0; if (++cOy == gOh) { cOy = 0; cB++; } }
}

/**
 * Fills the indirection buffer for output pixels i0 .. i0+mc-1: 4 window origins per panel of 4
 * pixels, or a 0 first entry when a window of the panel leaves the image (or the panel is cut
 * by M). Returns the number of such edge panels.
 */
function fillRows(rows: usize, i0: i32, mc: i32): i32 {
  const pixBytes = <usize>gCin << 2;
  const rowBytes = <usize>gW * pixBytes;
  const imageBytes = <usize>gH * rowBytes;
  const yMax = gH - (gKh - 1) * gDh; // a window is inside when 0 <= iy0 < yMax, 0 <= ix0 < xMax
  const xMax = gW - (gKw - 1) * gDw;
  const ohw = gOh * gOw;
  let b = i0 / ohw;
  const rem = i0 - b * ohw;
  let oy = rem / gOw;
  let ox = rem - oy * gOw;
  let image = gX + <usize>b * imageBytes;
  let iy0 = oy * gSh - gPt;
  let rowOk = iy0 >= 0 && iy0 < yMax;
  let line = image + <usize>iy0 * rowBytes;
  let edges = 0;
  for (let r0 = 0; r0 < mc; r0 += CONV_MR) {
    let inside = r0 + CONV_MR <= mc;
    for (let r = 0; r < CONV_MR; r++) {
      const ix0 = ox * gSw - gPl;
      inside = inside && rowOk && ix0 >= 0 && ix0 < xMax;
      store<u32>(rows + (<usize>r << 2), <u32>(line + <usize>ix0 * pixBytes));
      if (++ox == gOw) {
        ox = 0;
        if (++oy == gOh) { oy = 0; b++; image += imageBytes; }
        iy0 = oy * gSh - gPt;
        rowOk = iy0 >= 0 && iy0 < yMax;
        line = image + <usize>iy0 * rowBytes;
      }
    }
    if (!inside) { store<u32>(rows, 0); edges++; }
    rows += CONV_MR << 2;
  }
  return edges;
}

/**
 * One KC slice of C rows i0 .. i0+mc-1 (rows: the block's indirection buffer, `edges` panels of
 * it marked): the interior panels through conv_gemm_panels, then the edge panels gathered.
 */
function convBlock(c: usize, cout: i32, i0: i32, mc: i32, k0: i32, k1: i32, segs: usize,
    nseg: i32, bSlice: usize, aPanel: usize, rows: usize, edges: i32, accumulate: bool,
    clamp: bool, lo: f32, hi: f32): void {
  const kc = k1 - k0;
  const panels = (mc + CONV_MR - 1) / CONV_MR;
  conv_gemm_panels(c, cout, rows, panels, segs, nseg, bSlice, kc, accumulate, clamp, lo, hi);
  if (edges == 0) return;
  const pixBytes = <usize>gCin << 2;
  const rowBytes = <usize>gW * pixBytes;
  const imageBytes = <usize>gH * rowBytes;
  const cStride = <usize>cout << 2;
  const ohw = gOh * gOw;
  cB = i0 / ohw;
  const rem = i0 - cB * ohw;
  cOy = rem / gOw;
  cOx = rem - cOy * gOw;
  for (let r0 = 0; r0 < mc; r0 += CONV_MR) {
    const n = min(CONV_MR, mc - r0);
    if (load<u32>(rows) == 0) {
      for (let r = 0; r < CONV_MR; r++) setRow(r, r < n, imageBytes);
      gatherEdgePanel(aPanel, k0, k1, rowBytes, pixBytes);
      gemm_packed_block(conv_edge_gemm_tile(convTile), c, cout, aPanel, bSlice, n, cout, kc,
        accumulate, clamp, lo, hi);
    } else {
      for (let r = 0; r < CONV_MR; r++) setRow(r, true, imageBytes); // just advance the cursor
    }
    rows += CONV_MR << 2;
    c += cStride * CONV_MR;
  }
}

/**
 * C (+)= A · B for `panels` panels of 4 rows of C (row stride CO) whose A rows are read in place
 * through the indirection buffer `rows` (panels with a 0 first pointer are left alone) and the
 * segments; B in 8-column pack_b panels. Full panels in one call of the conv tile in use
 * (tiles.ts: convTile), the column tail panel by panel through a scratch tile.
 */
export function conv_gemm_panels(c: usize, cout: i32, rows: usize, panels: i32, segs: usize,
    nseg: i32, b: usize, kc: i32, accumulate: bool, clamp: bool, lo: f32, hi: f32): void {
  const tile = convTile;
  setClampBounds(lo, hi);
  const cStride = <usize>cout << 2;
  const fullPanels = cout >> 3;
  const tailCols = cout & 7;
  if (fullPanels > 0) {
    conv_ukernel(tile, panels, rows, fullPanels, segs, nseg, b, kc, c, cStride, accumulate, clamp);
  }
  if (tailCols == 0) return;
  const cTail = c + (<usize>(fullPanels << 3) << 2);
  const bTail = b + <usize>fullPanels * (<usize>(CONV_NR + kc * CONV_NR) << 2);
  const tileStride = <usize>CONV_NR << 2;
  for (let q = 0; q < panels; q++) {
    const rq = rows + (<usize>q << 4);
    if (load<u32>(rq) != 0) {
      const cq = cTail + <usize>(q * CONV_MR) * cStride;
      if (accumulate) copyTile(tailTile, tileStride, cq, cStride, CONV_MR, tailCols);
      conv_ukernel(tile, 1, rq, 1, segs, nseg, bTail, kc, tailTile, tileStride, accumulate, clamp);
      copyTile(cq, cStride, tailTile, tileStride, CONV_MR, tailCols);
    }
  }
}

// The column tail of conv_gemm_panels.
const tailTile = memory.data(CONV_MR * CONV_NR * 4, 16);

/** xPad[y][x] = img[y − PT, x − PL] (NHWC rows of CI floats), 0 outside img: [ph, pw, CI]. */
function padImage(xPad: usize, img: usize, h: i32, w: i32, cin: i32, padTop: i32, padLeft: i32,
    ph: i32, pw: i32): void {
  const pix = <usize>cin << 2;
  memory.fill(xPad, 0, <usize>ph * <usize>pw * pix);
  const rows = min(h, ph - padTop), cols = min(w, pw - padLeft);
  if (cols <= 0) return;
  for (let y = 0; y < rows; y++) {
    memory.copy(xPad + (<usize>(y + padTop) * <usize>pw + <usize>padLeft) * pix,
      img + <usize>y * <usize>w * pix, <usize>cols * pix);
  }
}

/** The exported convolution. Returns STATUS_OK, or STATUS_OOM when scratch cannot be had. */
export function conv2d_nhwc_f32(out: usize, x: usize, filter: usize, bias: usize, n: i32, h: i32,
    w: i32, cin: i32, kh: i32, kw: i32, cout: i32, strideH: i32, strideW: i32, dilationH: i32,
    dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, act: i32, alpha: f32): i32 {
  const m = n * outH * outW;
  if (m <= 0 || cout <= 0) return STATUS_OK;
  const k = kh * kw * cin;
  if (k == 0 || (kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 &&
      padLeft == 0 && outH == h && outW == w)) {
    // Pixels are the rows of A already (or the reduction is empty): a plain GEMM.
    return gemm_f32(out, x, filter, bias, m, cout, k, 0, 0, act, alpha);
  }
  if (kh == 3 && kw == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 &&
      cin >= WINOGRAD_MIN_CHANNELS && cout >= WINOGRAD_MIN_CHANNELS) {
    const status = conv2d_winograd_f32(out, x, filter, bias, n, h, w, cin, cout, padTop, padLeft,
      outH, outW, act, alpha);
    // Out of scratch for the 16 transformed filters (16/9 of the filter): the implicit GEMM
    // needs less, so try it before giving up.
    if (status != STATUS_OOM) return status;
  }
  const slices = (k + CONV_KC - 1) / CONV_KC;
  const kcMax = min(k, CONV_KC);
  // Windows that leave the image make edge panels, gathered tap by tap: slow when CI is small.
  // If the padded image is small, copying it with its zeros makes every window interior.
  const ph = (outH - 1) * strideH + (kh - 1) * dilationH + 1;
  const pw = (outW - 1) * strideW + (kw - 1) * dilationW + 1;
  const padBytes = <usize>ph * <usize>pw * (<usize>cin << 2);
  const padCopy = (padTop > 0 || padLeft > 0 || ph - padTop > h || pw - padLeft > w) &&
    padBytes <= PAD_COPY_MAX_BYTES;
  const mark = arena_mark();
  const bSliceBytes = packedBBytes(CONV_NR, cout, kcMax);
  const segStride = <usize>(kh * kw + 1) << 3;
  const bPacked = arena_alloc_scoped(bSliceBytes * <usize>slices);
  // 64 bytes of slack absorb copy4's overshoot past the panel.
  const aPanel = arena_alloc_scoped(packedABytes(CONV_MR, CONV_MR, kcMax) + 64);
  const segs = arena_alloc_scoped(segStride * <usize>slices);
  const counts = arena_alloc_scoped(<usize>slices << 2);
  const rows = arena_alloc_scoped(<usize>((CONV_MC + CONV_MR - 1) / CONV_MR) << 4);
  const xPad = padCopy ? arena_alloc_scoped(padBytes) : 1;
  if (bPacked == 0 || aPanel == 0 || segs == 0 || counts == 0 || rows == 0 || xPad == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const rowW = padCopy ? pw : w; // the row length the window offsets are measured in
  for (let s = 0; s < slices; s++) {
    const k0 = s * CONV_KC, k1 = min(k, k0 + CONV_KC);
    pack_b(CONV_NR, bPacked + <usize>s * bSliceBytes, filter, s == 0 ? bias : 0, cout, k1 - k0, k0,
      <usize>cout, 1);
    store<i32>(counts + (<usize>s << 2),
      buildSegments(segs + <usize>s * segStride, k0, k1, cin, kw, rowW, dilationH, dilationW));
  }
  gX = x; gH = h; gW = w; gCin = cin; gKh = kh; gKw = kw; gSh = strideH; gSw = strideW;
  gDh = dilationH; gDw = dilationW; gPt = padTop; gPl = padLeft; gOh = outH; gOw = outW;
  const clamp = isClampActivation(act);
  const lo = clampLo(act), hi = clampHi(act);
  const cv = padCopy ? 1 : n; // images per pass: one at a time through the padded copy
  const passM = cv * outH * outW;
  const imageBytes = <usize>h * <usize>w * (<usize>cin << 2);
  for (let b = 0; b < n; b += cv) {
    if (padCopy) {
      padImage(xPad, x + <usize>b * imageBytes, h, w, cin, padTop, padLeft, ph, pw);
      gX = xPad; gH = ph; gW = pw; gPt = 0; gPl = 0;
    }
    const outPass = out + <usize>b * <usize>outH * <usize>outW * (<usize>cout << 2);
    for (let i0 = 0; i0 < passM; i0 += CONV_MC) {
      const mc = min(CONV_MC, passM - i0);
      const cBlock = outPass + (<usize>i0 * <usize>cout << 2);
      const edges = fillRows(rows, i0, mc);
      for (let s = 0; s < slices; s++) {
        const k0 = s * CONV_KC, k1 = min(k, k0 + CONV_KC);
        convBlock(cBlock, cout, i0, mc, k0, k1, segs + <usize>s * segStride,
          load<i32>(counts + (<usize>s << 2)), bPacked + <usize>s * bSliceBytes, aPanel, rows,
          edges, s > 0, clamp && s == slices - 1, lo, hi);
      }
      activate(cBlock, mc * cout, act, alpha);
    }
  }
  arena_release(mark);
  return STATUS_OK;
}

