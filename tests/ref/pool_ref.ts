// Plain scalar references for the NHWC pooling kernels (f64 sums). Padding taps are ignored;
// avg divides by the number of valid taps (TensorFlow.js); max propagates NaN.
import type { ConvGeometry } from './conv_ref.js';

function pool(x: Float32Array, g: ConvGeometry, isMax: boolean): Float32Array {
  const { n, h, w, cin: c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW } = g;
  const out = new Float32Array(n * outH * outW * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = isMax ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * strideH - padTop + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * strideW - padLeft + kx;
              if (ix < 0 || ix >= w) continue;
              const v = x[((b * h + iy) * w + ix) * c + ch];
              acc = isMax ? (Number.isNaN(v) || Number.isNaN(acc) ? NaN : Math.max(acc, v)) : acc + v;
              count++;
            }
          }
          out[((b * outH + oy) * outW + ox) * c + ch] = isMax ? acc : acc / count;
        }
      }
    }
  }
  return out;
}

export function maxpool2d_nhwc_ref(x: Float32Array, g: ConvGeometry): Float32Array {
  return pool(x, g, true);
}

export function avgpool2d_nhwc_ref(x: Float32Array, g: ConvGeometry): Float32Array {
  return pool(x, g, false);
}

/** [n,h,w,c] → [n,c]. */
export function global_avgpool2d_nhwc_ref(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(n * c);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += x[(b * h * w + p) * c + ch];
      out[b * c + ch] = s / (h * w);
    }
  }
  return out;
}
