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
// dx is zeroed, then each window adds its share into its taps, 4 channels at a time; when the
// windows cannot overlap (SH >= KH and SW >= KW) the adds are plain stores. The max scan keeps
// the best value and its tap index per lane (compare + bitselect) and the scatter masks dy with
// index == tap. Memory: reads up to 12 bytes past dy and x (channel tails); overwrites dx, never
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

// @ts-ignore: decorator
@inline function poolGrad(isMax: bool, dx: usize, dy: usize, x: usize, n: i32, h: i32, w: i32,
    c: i32, kh: i32, kw: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32,
    outW: i32): i32 {
  if (n <= 0 || h <= 0 || w <= 0 || c <= 0) return STATUS_OK;
  const pixBytes = <usize>c << 2;
  const rowBytes = <usize>w * pixBytes;
  const imageBytes = <usize>h * rowBytes;
  memory.fill(dx, 0, <usize>n * imageBytes);
  if (outH <= 0 || outW <= 0) return STATUS_OK;
  const overlap = strideH < kh || strideW < kw;
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
        for (let c0 = 0; c0 < c; c0 += 4) {
          const lanes = min(4, c - c0);
          const off = first + (<usize>c0 << 2);
          let gv = v128.load(g + (<usize>c0 << 2));
          if (isMax) {
            let best = minusInf, pos = none;
            let t = 0;
            for (let ky = 0; ky < rows; ky++) {
              let xp = x + off + <usize>ky * rowBytes;
              for (let kx = 0; kx < cols; kx++, t++, xp += pixBytes) {
                const v = v128.load(xp);
                const wins = f32x4.gt(v, best);
                best = v128.bitselect(v, best, wins);
                pos = v128.bitselect(i32x4.splat(t), pos, wins);
              }
            }
            t = 0;
            for (let ky = 0; ky < rows; ky++) {
              let p = dx + off + <usize>ky * rowBytes;
              for (let kx = 0; kx < cols; kx++, t++, p += pixBytes) {
                put(p, v128.and(gv, i32x4.eq(pos, i32x4.splat(t))), lanes, overlap);
              }
            }
          } else {
            gv = f32x4.div(gv, scale);
            for (let ky = 0; ky < rows; ky++) {
              let p = dx + off + <usize>ky * rowBytes;
              for (let kx = 0; kx < cols; kx++, p += pixBytes) put(p, gv, lanes, overlap);
            }
          }
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
