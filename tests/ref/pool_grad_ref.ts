// Plain scalar references for the pooling backward kernels, and f64 forwards for the
// finite-difference checks (TensorFlow.js semantics, as the forward kernels):
//   max: each window's gradient goes to its FIRST maximum in row-major tap order (a strict '>'
//        scan from -Inf over the valid taps, as tfjs-backend-cpu's maxPoolPositions: padding
//        taps never win, NaN never wins, a window of -Inf/NaN passes nothing); windows add up.
//   avg: each valid tap of a window gets dy / (number of valid taps).
//   global avg: dx[b, y, x, c] = dy[b, c] / (H·W).
import type { ConvGeometry } from './conv_ref.js';

/** Calls visit(o, taps) for every output pixel with the input pixel indices of its valid taps (row-major). */
function forEachWindow(g: ConvGeometry, visit: (o: number, taps: number[]) => void): void {
  const { n, h, w, kh, kw, strideH, strideW, padTop, padLeft, outH, outW } = g;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const taps: number[] = [];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * strideW - padLeft + kx;
            if (ix >= 0 && ix < w) taps.push((b * h + iy) * w + ix);
          }
        }
        visit((b * outH + oy) * outW + ox, taps);
      }
    }
  }
}

export function maxpool2d_grad_ref(dy: ArrayLike<number>, x: ArrayLike<number>, g: ConvGeometry): Float32Array {
  const c = g.cin;
  const dx = new Float64Array(g.n * g.h * g.w * c);
  forEachWindow(g, (o, taps) => {
    for (let ch = 0; ch < c; ch++) {
      let best = -Infinity, at = -1;
      for (const i of taps) if (x[i * c + ch] > best) { best = x[i * c + ch]; at = i; }
      if (at >= 0) dx[at * c + ch] += dy[o * c + ch];
    }
  });
  return Float32Array.from(dx);
}

export function avgpool2d_grad_ref(dy: ArrayLike<number>, g: ConvGeometry): Float32Array {
  const c = g.cin;
  const dx = new Float64Array(g.n * g.h * g.w * c);
  forEachWindow(g, (o, taps) => {
    for (const i of taps) for (let ch = 0; ch < c; ch++) dx[i * c + ch] += dy[o * c + ch] / taps.length;
  });
  return Float32Array.from(dx);
}

export function global_avgpool2d_grad_ref(dy: ArrayLike<number>, n: number, h: number, w: number, c: number): Float32Array {
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) dx[(b * h * w + p) * c + ch] = dy[b * c + ch] / (h * w);
  }
  return dx;
}

/** Max / avg pooling forward in f64 (for finite differences; no NaN handling needed there). */
export function pool2d_f64(x: ArrayLike<number>, g: ConvGeometry, isMax: boolean): Float64Array {
  const c = g.cin;
  const out = new Float64Array(g.n * g.outH * g.outW * c);
  forEachWindow(g, (o, taps) => {
    for (let ch = 0; ch < c; ch++) {
      let acc = isMax ? -Infinity : 0;
      for (const i of taps) acc = isMax ? Math.max(acc, x[i * c + ch]) : acc + x[i * c + ch];
      out[o * c + ch] = isMax ? acc : acc / taps.length;
    }
  });
  return out;
}

/** Global average pooling forward in f64: [n,h,w,c] → [n,c]. */
export function global_avgpool2d_f64(x: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  const out = new Float64Array(n * c);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) out[b * c + ch] += x[(b * h * w + p) * c + ch] / (h * w);
  }
  return out;
}
