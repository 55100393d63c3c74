// f32 2-D pooling backward, NHWC: the gradients of pool.ts's kernels, TensorFlow.js semantics.
//
//   max:    dx[b, iy, ix, c] = Σ over the windows whose FIRST maximum is (iy, ix) of dy[b, oy, ox, c]
//   avg:    dx[b, iy, ix, c] = Σ over the windows holding (iy, ix) of dy[b, oy, ox, c] / count(oy, ox)
//   global: dx[b, y, x, c]   = dy[b, c] / (H·W)
//   Windows as in the forward: iy = oy·SH − PT + ky, ix = ox·SW − PL + kx; only taps inside the
//   image count. "First maximum": a strict '>' scan from -Inf over the valid taps in row-major
//   order (tfjs-backend-cpu's maxPoolPositions), so padding taps and NaN never win and a window
//   of -Inf/NaN passes no gradient; count(oy, ox) is the number of valid taps (the forward's
//   divisor; tfjs-backend-cpu's AvgPoolGrad divides by KH·KW instead, which differs only for
//   windows that overhang the image).
//
//   B batch, H×W input, C channels, KH×KW window, SH/SW strides, PT/PL top/left pads, OH×OW
//   output. dy [B, OH, OW, C] (global: [B, C]), x [B, H, W, C] (the forward's input, max only),
//   dx [B, H, W, C]; row-major.
//
// dx is zeroed, then each window adds its share into its taps, 16 channels at a time (then 4,
// then a tail); when the windows cannot overlap (SH >= KH and SW >= KW) the adds are plain
// stores and only the pixels no window covers are zeroed (none when they tile the image). The
// max scan keeps the best value and its tap index per lane (compare + bitselect) and the
// scatter masks dy with index == tap. Memory: reads up to 12 bytes past dy and x (channel tails); overwrites dx, never
// writing past its end; dx must not alias dy or x. Always returns 0 (no scratch).

import { firstTap, endTap } from "../kernels/conv_depthwise";
import { loadTail, storeTail } from "../simd";
import { STATUS_OK } from "../kernels/gemm";

/** p[0..lanes) (+)= v: an add, or a plain store when no other window writes there. */
// @ts-ignore: decorator
@inline function put(p: usize, v: v128, lanes: i32, add: bool): void {
  if (lanes == 4) {
    v128.store(p, add ? f32x4.add(v128.load(p), v) : v);
  } else {
    storeTail(p, add ? f32x4.add(loadTail(p, <usize>lanes), v) : v, <usize>lanes);
  }
}

/** Zeroes `count` pixels of pixBytes at p. */
// @ts-ignore: decorator
@inline function zero(p: usize, count: i32, pixBytes: usize): void {
  if (count > 0) memory.fill(p, 0, <usize>count * pixBytes);
}

/**
 * Non-overlapping windows write every pixel they cover; this zeroes the others (rows and
 * columns between or after the windows): none at all when the windows tile the image.
 */
function zeroUncovered(dx: usize, n: i32, h: i32, w: i32, pixBytes: usize, kh: i32, kw: i32,
    strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  const rowBytes = <usize>w * pixBytes;
  for (let b = 0; b < n; b++) {
    const img = dx + <usize>b * <usize>h * rowBytes;
    let iy = 0;
    for (let oy = 0; oy <= outH; oy++) {
      // Rows [r0, r1) are window row oy's; past the last one, the rest of the image.
      const r0 = oy < outH ? clampRow(oy * strideH - padTop, h) : h;
      const r1 = oy < outH ? clampRow(oy * strideH - padTop + kh, h) : h;
      if (r0 > iy) zero(img + <usize>iy * rowBytes, r0 - iy, rowBytes);
      for (let r = max(r0, iy); r < r1; r++) {
        const row = img + <usize>r * rowBytes;
        let ix = 0;
        for (let ox = 0; ox <= outW; ox++) {
          const c0 = ox < outW ? clampRow(ox * strideW - padLeft, w) : w;
          const c1 = ox < outW ? clampRow(ox * strideW - padLeft + kw, w) : w;
          if (c0 > ix) zero(row + <usize>ix * pixBytes, c0 - ix, pixBytes);
          ix = max(ix, c1);
        }
      }
      iy = max(iy, r1);
    }
  }
}

// @ts-ignore: decorator
@inline function clampRow(v: i32, size: i32): i32 {
  return min(max(v, 0), size);
}

// @ts-ignore: decorator
@inline function poolGrad(isMax: bool, dx: usize, dy: usize, x: usize, n: i32, h: i32, w: i32,
    c: i32, kh: i32, kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32): i32 {
  if (n <= 0 || h <= 0 || w <= 0 || c <= 0) return STATUS_OK;
  const pixBytes = <usize>c << 2;
  const rowBytes = <usize>w * pixBytes;
  const imageBytes = <usize>h * rowBytes;
  const overlap = strideH < kh || strideW < kw;
  if (outH <= 0 || outW <= 0 || overlap) memory.fill(dx, 0, <usize>n * imageBytes);
  else zeroUncovered(dx, n, h, w, pixBytes, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
  if (outH <= 0 || outW <= 0) return STATUS_OK;
  const minusInf = f32x4.splat(-Infinity);
  const none = i32x4.splat(-1);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const image = <usize>b * imageBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const kyLo = firstTap(iy0, 1), kyHi = endTap(iy0, 1, h, kh);
      for (let ox = 0; ox < outW; ox++, g += pixBytes) {
        const ix0 = ox * strideW - padLeft;
        const kxLo = firstTap(ix0, 1), kxHi = endTap(ix0, 1, w, kw);
        const rows = kyHi - kyLo, cols = kxHi - kxLo;
        if (rows <= 0 || cols <= 0) continue;
        // Byte offset (in x and dx) of the first valid tap.
        const first = image + <usize>(iy0 + kyLo) * rowBytes + <usize>(ix0 + kxLo) * pixBytes;
        const scale = f32x4.splat(<f32>(rows * cols));
        for (let c0 = 0; c0 < c; ) {
          // 16 channels (4 vectors) at a time, then 4, then the 1-3 left.
          const wide = c - c0 >= 16;
          const lanes = min(4, c - c0);
          const off = first + (<usize>c0 << 2);
          const gp = g + (<usize>c0 << 2);
          let g0 = v128.load(gp), g1 = g0, g2 = g0, g3 = g0;
          if (wide) { g1 = v128.load(gp, 16); g2 = v128.load(gp, 32); g3 = v128.load(gp, 48); }
          if (isMax) {
            let b0 = minusInf, b1 = minusInf, b2 = minusInf, b3 = minusInf;
            let p0 = none, p1 = none, p2 = none, p3 = none;
            let t = 0;
            for (let ky = 0; ky < rows; ky++) {
              let xp = x + off + <usize>ky * rowBytes;
              for (let kx = 0; kx < cols; kx++, t++, xp += pixBytes) {
                const tv = i32x4.splat(t);
                let wins = f32x4.gt(v128.load(xp), b0);
                b0 = v128.bitselect(v128.load(xp), b0, wins); p0 = v128.bitselect(tv, p0, wins);
                if (wide) {
                  wins = f32x4.gt(v128.load(xp, 16), b1);
                  b1 = v128.bitselect(v128.load(xp, 16), b1, wins); p1 = v128.bitselect(tv, p1, wins);
                  wins = f32x4.gt(v128.load(xp, 32), b2);
                  b2 = v128.bitselect(v128.load(xp, 32), b2, wins); p2 = v128.bitselect(tv, p2, wins);
                  wins = f32x4.gt(v128.load(xp, 48), b3);
                  b3 = v128.bitselect(v128.load(xp, 48), b3, wins); p3 = v128.bitselect(tv, p3, wins);
                }
              }
            }
            t = 0;
            for (let ky = 0; ky < rows; ky++) {
              let p = dx + off + <usize>ky * rowBytes;
              for (let kx = 0; kx < cols; kx++, t++, p += pixBytes) {
                const tv = i32x4.splat(t);
                put(p, v128.and(g0, i32x4.eq(p0, tv)), lanes, overlap);
                if (wide) {
                  put(p + 16, v128.and(g1, i32x4.eq(p1, tv)), 4, overlap);
                  put(p + 32, v128.and(g2, i32x4.eq(p2, tv)), 4, overlap);
                  put(p + 48, v128.and(g3, i32x4.eq(p3, tv)), 4, overlap);
                }
              }
            }
          } else {
            g0 = f32x4.div(g0, scale);
            if (wide) { g1 = f32x4.div(g1, scale); g2 = f32x4.div(g2, scale); g3 = f32x4.div(g3, scale); }
            for (let ky = 0; ky < rows; ky++) {
              let p = dx + off + <usize>ky * rowBytes;
              for (let kx = 0; kx < cols; kx++, p += pixBytes) {
                put(p, g0, lanes, overlap);
                if (wide) { put(p + 16, g1, 4, overlap); put(p + 32, g2, 4, overlap); put(p + 48, g3, 4, overlap); }
              }
            }
          }
          c0 += wide ? 16 : lanes;
        }
      }
    }
  }
  return STATUS_OK;
}

export function maxpool2d_grad_nhwc_f32(dx: usize, dy: usize, x: usize, n: i32, h: i32, w: i32,
    c: i32, kh: i32, kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32): i32 {
  return poolGrad(true, dx, dy, x, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
}

export function avgpool2d_grad_nhwc_f32(dx: usize, dy: usize, n: i32, h: i32, w: i32, c: i32,
    kh: i32, kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32): i32 {
  return poolGrad(false, dx, dy, 0, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
}

/**
 * dx[b, p, c] = dy[b, c] / (H·W): the first pixel of each image is computed, then copied over
 * the others in doubling runs (log2(H·W) memory.copy calls per image).
 */
export function global_avgpool2d_grad_nhwc_f32(dx: usize, dy: usize, n: i32, h: i32, w: i32,
    c: i32): i32 {
  const hw = h * w;
  if (n <= 0 || hw <= 0 || c <= 0) return STATUS_OK;
  const pixBytes = <usize>c << 2;
  const imageBytes = <usize>hw * pixBytes;
  const scale = f32x4.splat(<f32>hw);
  for (let b = 0; b < n; b++) {
    const img = dx + <usize>b * imageBytes;
    const g = dy + <usize>b * pixBytes;
    for (let c0 = 0; c0 < c; c0 += 4) {
      const off = <usize>c0 << 2;
      put(img + off, f32x4.div(v128.load(g + off), scale), min(4, c - c0), false);
    }
    for (let done = pixBytes; done < imageBytes; done <<= 1) {
      memory.copy(img + done, img, min(done, imageBytes - done));
    }
  }
  return STATUS_OK;
}
