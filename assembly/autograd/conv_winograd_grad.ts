// f32 3x3 stride-1 convolution backward by Winograd's F(2x2, 3x3), NHWC: the adjoints of
// kernels/conv_winograd.ts. Per 2x2 output tile (ty, tx) and 4x4 input patch d at
// (2ty − PT, 2tx − PL) the forward computes Y = Aᵀ [Σ_ci U ⊙ V] A with U = G g Gᵀ, V = Bᵀ d B;
// its derivatives, with dM = A dY Aᵀ (the tile's 2x2 gradient spread over the 16 positions ξ):
//
//   input:   dd  += B [Σ_co U ⊙ dM] Bᵀ      — P_ξ[T, CI] = dM_ξ[T, CO] · U_ξᵀ[CO, CI], then the
//                                              4x4 patches are added into dx (they overlap by 2)
//   filter:  dg   = Gᵀ [Σ_tiles V ⊙ dM] G   — dU_ξ[CI, CO] += V_ξᵀ[CI, T] · dM_ξ[T, CO]
//   bias:    dbias = Σ_tiles dM_11           (dM at ξ = 5 is the sum of the tile's 4 gradients)
//
//   A = | 1  0 |   B = |  1  0  0  0 |   Gᵀ = | 1  1/2  1/2  0 |
//       | 1  1 |       |  0  1 -1  1 |        | 0  1/2 -1/2  0 |
//       | 1 -1 |       | -1  1  1  0 |        | 0  1/2  1/2  1 |
//       | 0 -1 |       |  0  0  0 -1 |
//
// Both take the forward's tiles (⌈OH/2⌉·⌈OW/2⌉ per image; gradients of output pixels past
// OH/OW are 0, patch pixels outside the image are dropped), so their GEMMs are the forward's
// size: 16·T·CI·CO multiply-adds instead of 36·T·CI·CO for the direct sums. The input gradient
// transposes the filter to [3, 3, CO, CI] and reuses the forward's filter transform and
// conv_gemm_panels (dM rows read in place). The filter gradient writes V transposed (rows
// [CI][tile]: the forward's input transform storing lanes) and dM into 8-column pack_b panels,
// and accumulates the 16 products dU_ξ over blocks of TBF tiles with conv_gemm_panels reading
// the V rows in place (measured on this GEMM: 52 GFLOP/s against 41 for gemm_ukernel_4x8 on
// packed panels in the SIMD128 build, 50 for both in the relaxed one; 2x16 packed: 42).
//
// Special values (the forward's caveat): a NaN or ±Inf reaches everything its tile's transforms
// mix, a superset of what the direct sums give (one NaN in dy makes the tile's whole 4x4 dx
// patch NaN, not only its 3x3 window; Inf − Inf inside a transform gives NaN).
//
//   B batch, H×W input, CI/CO channels, OH×OW output, PT/PL top/left pads.
//   x/dx [B, H, W, CI], f/df [3, 3, CI, CO], dy [B, OH, OW, CO], dbias [CO] or 0.
// Memory: reads up to 12 bytes past x, dy and f (channel tails); overwrites dx / df / dbias.
// Scratch from the arena; -1 (STATUS_OOM) before anything is written (the callers then take
// their direct paths).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { packedBBytes, STATUS_OK, STATUS_OOM } from "../kernels/gemm";
import { conv_gemm_panels } from "../kernels/conv";
import { transformFilter, transformInputT, winogradInput } from "../kernels/conv_winograd";
import { filterTransposed } from "./conv_taps";
import { loadTail, storeTail } from "../simd";

/** Tiles per block of the input gradient (dM and P of a block stay in L2 with U). */
// @ts-ignore: decorator
@inline const TB: i32 = 32;
/** Tiles per block of the filter gradient: the k extent of its GEMMs. */
// @ts-ignore: decorator
@inline const TBF: i32 = 60;

/** Whether the backward kernels take this path (the forward's rule: 3x3, stride 1, 8+ channels). */
// @ts-ignore: decorator
@inline export function useWinogradGrad(kh: i32, kw: i32, strideH: i32, strideW: i32, dilationH: i32,
    dilationW: i32, cin: i32, cout: i32): bool {
  return kh == 3 && kw == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 &&
    cin >= 8 && cout >= 8;
}

// The input gradient's indirection buffer (dM rows, 4 per panel) and one segment per ξ; the
// filter gradient's one segment.
const mRows = memory.data(TB * 4, 16);
const mSegs = memory.data(16 * 8, 16);
const gSeg = memory.data(8, 16);

// Geometry of the call (plain globals: one call at a time).
let gDy: usize = 0;
let gOh: i32 = 0;
let gOw: i32 = 0;
let gCout: i32 = 0;
let gTilesY: i32 = 0;
let gTilesX: i32 = 0;

// @ts-ignore: decorator
@inline function half(v: v128): v128 {
  return f32x4.mul(v, f32x4.splat(0.5));
}

/** (a, a+b, a−b, −b): A applied to a pair. */
// @ts-ignore: decorator
@inline function storeSpread(dst: usize, mBytes: usize, xi0: i32, a: v128, b: v128): void {
  const p = dst + <usize>xi0 * mBytes;
  v128.store(p, a);
  v128.store(p + mBytes, f32x4.add(a, b));
  v128.store(p + 2 * mBytes, f32x4.sub(a, b));
  v128.store(p + 3 * mBytes, f32x4.neg(b));
}

/**
 * dM_ξ = A dy Aᵀ for tiles t0 .. t0+count-1: channels c..c+3 of tile q at m + ξ·mBytes + q·tStride
 * + (c/8)·panelStride + 16·((c/4) & 1). Rows [tile][CO] are tStride = 4·CO, panelStride = 32
 * (tails write up to 12 bytes of junk into the next row or the slack); pack_b panels are
 * m + 32 (past the head), tStride = 32, panelStride = 32·(count + 1). With dbias, adds each
 * tile's dM_11 (the sum of its gradients) into it.
 */
function transformGrad(m: usize, mBytes: usize, t0: i32, count: i32, tStride: usize,
    panelStride: usize, dbias: usize): void {
  const perImage = gTilesY * gTilesX;
  const pix = <usize>gCout << 2;
  const zero = f32x4.splat(0);
  let b = t0 / perImage;
  const rem = t0 - b * perImage;
  let ty = rem / gTilesX;
  let tx = rem - ty * gTilesX;
  let dst = m;
  for (let q = 0; q < count; q++) {
    const oy = 2 * ty, ox = 2 * tx;
    const p00 = gDy + (<usize>(b * gOh + oy) * <usize>gOw + <usize>ox) * pix;
    const right = ox + 1 < gOw, down = oy + 1 < gOh;
    const p01 = p00 + pix, p10 = p00 + <usize>gOw * pix, p11 = p10 + pix;
    for (let c = 0; c < gCout; c += 4) {
      const o = <usize>c << 2;
      const y00 = v128.load(p00 + o);
      const y01 = right ? v128.load(p01 + o) : zero;
      const y10 = down ? v128.load(p10 + o) : zero;
      const y11 = right && down ? v128.load(p11 + o) : zero;
      // Columns, then rows: u_i = A y_i per row i of (A dy), then each row spread by A.
      const u0a = y00, u0b = y01;
      const u1a = f32x4.add(y00, y10), u1b = f32x4.add(y01, y11);
      const u2a = f32x4.sub(y00, y10), u2b = f32x4.sub(y01, y11);
      const d = dst + <usize>(c >> 3) * panelStride + (<usize>(c & 4) << 2);
      storeSpread(d, mBytes, 0, u0a, u0b);
      storeSpread(d, mBytes, 4, u1a, u1b);
      storeSpread(d, mBytes, 8, u2a, u2b);
      storeSpread(d, mBytes, 12, f32x4.neg(y10), f32x4.neg(y11));
      if (dbias != 0) {
        const s = f32x4.add(u1a, u1b), bp = dbias + o;
        if (gCout - c >= 4) v128.store(bp, f32x4.add(v128.load(bp), s));
        else storeTail(bp, f32x4.add(loadTail(bp, <usize>(gCout - c)), s), <usize>(gCout - c));
      }
    }
    dst += tStride;
    if (++tx == gTilesX) { tx = 0; if (++ty == gTilesY) { ty = 0; b++; } }
  }
}

/** Sets the geometry of dy for transformGrad. */
function setGeometry(dy: usize, outH: i32, outW: i32, cout: i32): void {
  gDy = dy; gOh = outH; gOw = outW; gCout = cout;
  gTilesY = (outH + 1) >> 1; gTilesX = (outW + 1) >> 1;
}

// ---- input gradient --------------------------------------------------------------------------

/** dx[iy, ix, c..c+3] += v if the pixel is inside the image (lanes: the channels left, up to 4). */
// @ts-ignore: decorator
@inline function addPixel(p: usize, v: v128, lanes: usize): void {
  if (lanes >= 4) v128.store(p, f32x4.add(v128.load(p), v));
  else storeTail(p, f32x4.add(loadTail(p, lanes), v), lanes);
}

/** Row i of B r Bᵀ's second step: (r0, r1 − r2 + r3, r1 + r2 − r0, −r3) added at p, p+pix, ... */
// @ts-ignore: decorator
@inline function addPatchRow(p: usize, pix: usize, lanes: usize, colOk: i32, r0: v128, r1: v128,
    r2: v128, r3: v128): void {
  if (colOk & 1) addPixel(p, r0, lanes);
  if (colOk & 2) addPixel(p + pix, f32x4.add(f32x4.sub(r1, r2), r3), lanes);
  if (colOk & 4) addPixel(p + 2 * pix, f32x4.sub(f32x4.add(r1, r2), r0), lanes);
  if (colOk & 8) addPixel(p + 3 * pix, f32x4.neg(r3), lanes);
}

/**
 * dx patches += B P Bᵀ for tiles t0 .. t0+count-1 (P_ξ rows [tile][CI] at p + ξ·pBytes).
 * Uses winogradInput's geometry through its arguments: dx [B, H, W, CI], pads.
 */
function transformBack(dx: usize, p: usize, pBytes: usize, t0: i32, count: i32, h: i32, w: i32,
    cin: i32, padTop: i32, padLeft: i32): void {
  const perImage = gTilesY * gTilesX;
  const pix = <usize>cin << 2;
  const rowBytes = <usize>w * pix;
  let b = t0 / perImage;
  const rem = t0 - b * perImage;
  let ty = rem / gTilesX;
  let tx = rem - ty * gTilesX;
  let src = p;
  for (let q = 0; q < count; q++) {
    const iy0 = 2 * ty - padTop, ix0 = 2 * tx - padLeft;
    // Bit j of colOk: column ix0 + j inside; rows likewise.
    let colOk = 0, rowOk = 0;
    for (let j = 0; j < 4; j++) {
      if (<u32>(ix0 + j) < <u32>w) colOk |= 1 << j;
      if (<u32>(iy0 + j) < <u32>h) rowOk |= 1 << j;
    }
    // Address of pixel (iy0, ix0), which may lie outside; only inside pixels are touched.
    const base = dx + <usize>b * <usize>h * rowBytes + <usize>(iy0 * w + ix0) * pix;
    for (let c = 0; c < cin; c += 4) {
      const o = <usize>c << 2;
      const lanes = <usize>min(4, cin - c);
      const s = src + o;
      // B along i for every column j: rows (P0j, P1j − P2j + P3j, P1j + P2j − P0j, −P3j), each
      // then transformed along j by addPatchRow.
      const p00 = v128.load(s), p01 = v128.load(s + pBytes), p02 = v128.load(s + 2 * pBytes), p03 = v128.load(s + 3 * pBytes);
      const p10 = v128.load(s + 4 * pBytes), p11 = v128.load(s + 5 * pBytes), p12 = v128.load(s + 6 * pBytes), p13 = v128.load(s + 7 * pBytes);
      const p20 = v128.load(s + 8 * pBytes), p21 = v128.load(s + 9 * pBytes), p22 = v128.load(s + 10 * pBytes), p23 = v128.load(s + 11 * pBytes);
      const p30 = v128.load(s + 12 * pBytes), p31 = v128.load(s + 13 * pBytes), p32 = v128.load(s + 14 * pBytes), p33 = v128.load(s + 15 * pBytes);
      const d = base + o;
      if (rowOk & 1) addPatchRow(d, pix, lanes, colOk, p00, p01, p02, p03);
      if (rowOk & 2) {
        addPatchRow(d + rowBytes, pix, lanes, colOk, f32x4.add(f32x4.sub(p10, p20), p30),
          f32x4.add(f32x4.sub(p11, p21), p31), f32x4.add(f32x4.sub(p12, p22), p32),
          f32x4.add(f32x4.sub(p13, p23), p33));
      }
      if (rowOk & 4) {
        addPatchRow(d + 2 * rowBytes, pix, lanes, colOk, f32x4.sub(f32x4.add(p10, p20), p00),
          f32x4.sub(f32x4.add(p11, p21), p01), f32x4.sub(f32x4.add(p12, p22), p02),
          f32x4.sub(f32x4.add(p13, p23), p03));
      }
      if (rowOk & 8) {
        addPatchRow(d + 3 * rowBytes, pix, lanes, colOk, f32x4.neg(p30), f32x4.neg(p31),
          f32x4.neg(p32), f32x4.neg(p33));
      }
    }
    src += pix;
    if (++tx == gTilesX) { tx = 0; if (++ty == gTilesY) { ty = 0; b++; } }
  }
}

export function conv2d_winograd_grad_input_f32(dx: usize, dy: usize, filter: usize, n: i32,
    h: i32, w: i32, cin: i32, cout: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): i32 {
  setGeometry(dy, outH, outW, cout);
  const tiles = n * gTilesY * gTilesX;
  const mark = arena_mark();
  const fBytes = <usize>9 * <usize>cin * <usize>cout << 2;
  const uBytes = packedBBytes(8, cin, cout);
  const mBytes = (<usize>TB * <usize>cout << 2) + 64;
  const pBytes = (<usize>TB * <usize>cin << 2) + 64;
  const ft = arena_alloc_scoped(fBytes + 16);
  const u = arena_alloc_scoped(16 * uBytes);
  const m = arena_alloc_scoped(16 * mBytes);
  const p = arena_alloc_scoped(16 * pBytes);
  if (ft == 0 || u == 0 || m == 0 || p == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  // ft[tap, co, ci] = f[tap, ci, co]; its transform is U_ξᵀ in pack_b panels of 8 ci.
  filterTransposed(ft, filter, 9, cin, cout, false);
  transformFilter(u, uBytes, ft, cout, cin);
  for (let xi = 0; xi < 16; xi++) {
    store<u32>(mSegs + (<usize>xi << 3), <u32>(<usize>xi * mBytes));
    store<i32>(mSegs + (<usize>xi << 3), cout, 4);
  }
  memory.fill(dx, 0, <usize>n * <usize>h * <usize>w * (<usize>cin << 2));
  for (let t0 = 0; t0 < tiles; t0 += TB) {
    const count = min(TB, tiles - t0);
    transformGrad(m, mBytes, t0, count, <usize>cout << 2, 32, 0);
    const panels = (count + 3) >> 2;
    for (let r = 0; r < panels * 4; r++) {
      store<u32>(mRows + (<usize>r << 2), <u32>(m + (r < count ? <usize>r * (<usize>cout << 2) : 0)));
    }
    for (let xi = 0; xi < 16; xi++) {
      conv_gemm_panels(p + <usize>xi * pBytes, cin, mRows, panels, mSegs + (<usize>xi << 3), 1,
        u + <usize>xi * uBytes, cout, false, false, 0, 0);
    }
    transformBack(dx, p, pBytes, t0, count, h, w, cin, padTop, padLeft);
  }
  arena_release(mark);
  return STATUS_OK;
}

// ---- filter gradient -------------------------------------------------------------------------

/** dg = Gᵀ dU G for every (ci, co): 16 dU_ξ [CI, CO] at du + ξ·duBytes into df [3, 3, CI, CO]. */
function transformFilterGrad(df: usize, du: usize, duBytes: usize, cin: i32, cout: i32): void {
  const tapBytes = <usize>cin * <usize>cout << 2;
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co += 4) {
      const off = (<usize>ci * <usize>cout + <usize>co) << 2;
      const lanes = <usize>min(4, cout - co);
      const s = du + off;
      // Gᵀ along i for each column j: (u0 + (u1+u2)/2, (u1−u2)/2, (u1+u2)/2 + u3).
      let s00: v128, s01: v128, s02: v128, s03: v128, s10: v128, s11: v128, s12: v128, s13: v128;
      let s20: v128, s21: v128, s22: v128, s23: v128;
      {
        const u0 = v128.load(s), u1 = v128.load(s + 4 * duBytes), u2 = v128.load(s + 8 * duBytes), u3 = v128.load(s + 12 * duBytes);
        const h = half(f32x4.add(u1, u2));
        s00 = f32x4.add(u0, h); s10 = half(f32x4.sub(u1, u2)); s20 = f32x4.add(h, u3);
      }
      {
        const u0 = v128.load(s + duBytes), u1 = v128.load(s + 5 * duBytes), u2 = v128.load(s + 9 * duBytes), u3 = v128.load(s + 13 * duBytes);
        const h = half(f32x4.add(u1, u2));
        s01 = f32x4.add(u0, h); s11 = half(f32x4.sub(u1, u2)); s21 = f32x4.add(h, u3);
      }
      {
        const u0 = v128.load(s + 2 * duBytes), u1 = v128.load(s + 6 * duBytes), u2 = v128.load(s + 10 * duBytes), u3 = v128.load(s + 14 * duBytes);
        const h = half(f32x4.add(u1, u2));
        s02 = f32x4.add(u0, h); s12 = half(f32x4.sub(u1, u2)); s22 = f32x4.add(h, u3);
      }
      {
        const u0 = v128.load(s + 3 * duBytes), u1 = v128.load(s + 7 * duBytes), u2 = v128.load(s + 11 * duBytes), u3 = v128.load(s + 15 * duBytes);
        const h = half(f32x4.add(u1, u2));
        s03 = f32x4.add(u0, h); s13 = half(f32x4.sub(u1, u2)); s23 = f32x4.add(h, u3);
      }
      const d = df + off;
      storeFilterRow(d, tapBytes, 0, lanes, s00, s01, s02, s03);
      storeFilterRow(d, tapBytes, 3, lanes, s10, s11, s12, s13);
      storeFilterRow(d, tapBytes, 6, lanes, s20, s21, s22, s23);
    }
  }
}

/** Taps tap0 .. tap0+2 of one filter row: G along j, (s0 + (s1+s2)/2, (s1−s2)/2, (s1+s2)/2 + s3). */
// @ts-ignore: decorator
@inline function storeFilterRow(d: usize, tapBytes: usize, tap0: i32, lanes: usize, s0: v128,
    s1: v128, s2: v128, s3: v128): void {
  const h = half(f32x4.add(s1, s2));
  const p = d + <usize>tap0 * tapBytes;
  storeLanes(p, f32x4.add(s0, h), lanes);
  storeLanes(p + tapBytes, half(f32x4.sub(s1, s2)), lanes);
  storeLanes(p + 2 * tapBytes, f32x4.add(h, s3), lanes);
}

// @ts-ignore: decorator
@inline function storeLanes(p: usize, v: v128, lanes: usize): void {
  if (lanes >= 4) v128.store(p, v);
  else storeTail(p, v, lanes);
}

export function conv2d_winograd_grad_filter_f32(df: usize, dbias: usize, dy: usize, x: usize,
    n: i32, h: i32, w: i32, cin: i32, cout: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32): i32 {
  setGeometry(dy, outH, outW, cout);
  const tiles = n * gTilesY * gTilesX;
  const ciPad = (cin + 3) & ~3, coPanels = (cout + 7) >> 3;
  // 64 bytes more than the rows between the blocks of V (and of dM): the 16 blocks are written
  // together, and page-multiple strides would put them in the same L1 sets.
  const rowBytes = <usize>TBF << 2;
  const vBytes = <usize>ciPad * rowBytes + 64;                   // V_ξᵀ rows [CI][tile]
  const mBytes = (<usize>coPanels * (<usize>(TBF + 1) << 5)) + 64; // pack_b panels of 8 co
  const duBytes = (<usize>ciPad * <usize>cout << 2) + 16;
  const mark = arena_mark();
  const v = arena_alloc_scoped(16 * vBytes);
  const m = arena_alloc_scoped(16 * mBytes);
  const du = arena_alloc_scoped(16 * duBytes);
  const rows = arena_alloc_scoped(<usize>ciPad << 2);
  if (v == 0 || m == 0 || du == 0 || rows == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  memory.fill(du, 0, 16 * duBytes);
  if (dbias != 0) memory.fill(dbias, 0, <usize>cout << 2);
  // dU_ξ = V_ξᵀ · dM_ξ reads the rows of V_0 in place; segment ξ shifts them to V_ξ.
  for (let r = 0; r < ciPad; r++) store<u32>(rows + (<usize>r << 2), <u32>(v + <usize>r * rowBytes));
  winogradInput(x, h, w, cin, padTop, padLeft, gTilesY, gTilesX);
  for (let t0 = 0; t0 < tiles; t0 += TBF) {
    const count = min(TBF, tiles - t0);
    transformInputT(v, vBytes, t0, count, rowBytes);
    // pack_b panels sized for this block's k extent, as conv_gemm_panels walks them.
    transformGrad(m + 32, mBytes, t0, count, 32, <usize>(count + 1) << 5, dbias);
    for (let xi = 0; xi < 16; xi++) {
      store<u32>(gSeg, <u32>(<usize>xi * vBytes));
      store<i32>(gSeg, count, 4);
      conv_gemm_panels(du + <usize>xi * duBytes, cout, rows, ciPad >> 2, gSeg, 1,
        m + <usize>xi * mBytes, count, true, false, 0, 0);
    }
  }
  transformFilterGrad(df, du, duBytes, cin, cout);
  arena_release(mark);
  return STATUS_OK;
}
