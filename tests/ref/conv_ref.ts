// Plain scalar references for conv2d_nhwc_f32 and depthwise_conv2d_nhwc_f32 (f64 accumulation,
// direct 7-loop form), and the TensorFlow.js output-size / padding rules they are called with.
import { activation_ref } from './activation_ref.js';

export interface ConvGeometry {
  n: number; h: number; w: number; cin: number; kh: number; kw: number;
  strideH: number; strideW: number; dilationH: number; dilationW: number;
  padTop: number; padLeft: number; outH: number; outW: number;
}

/** Output size and top/left pads as TensorFlow.js's conv_util computes them ('same' puts the odd pad at the bottom/right). */
export function convGeometry(n: number, h: number, w: number, cin: number, kh: number, kw: number,
    strides: [number, number], dilations: [number, number], pad: 'same' | 'valid' | number): ConvGeometry {
  const [strideH, strideW] = strides, [dilationH, dilationW] = dilations;
  const effH = kh + (kh - 1) * (dilationH - 1), effW = kw + (kw - 1) * (dilationW - 1);
  let outH: number, outW: number, padTop = 0, padLeft = 0;
  if (pad === 'same') {
    outH = Math.ceil(h / strideH);
    outW = Math.ceil(w / strideW);
    padTop = Math.floor(Math.max(0, (outH - 1) * strideH + effH - h) / 2);
    padLeft = Math.floor(Math.max(0, (outW - 1) * strideW + effW - w) / 2);
  } else if (pad === 'valid') {
    outH = Math.ceil((h - effH + 1) / strideH);
    outW = Math.ceil((w - effW + 1) / strideW);
  } else {
    padTop = padLeft = pad;
    outH = Math.trunc((h - effH + 2 * pad) / strideH + 1);
    outW = Math.trunc((w - effW + 2 * pad) / strideW + 1);
  }
  return { n, h, w, cin, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW };
}

/** x [n,h,w,cin], f [kh,kw,cin,cout] → [n,outH,outW,cout]. */
export function conv2d_nhwc_ref(x: Float32Array, f: Float32Array, bias: Float32Array | null,
    g: ConvGeometry, cout: number, act = 0, alpha = 0): Float32Array {
  const { n, h, w, cin, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const out = new Float32Array(n * outH * outW * cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let co = 0; co < cout; co++) {
          let s = bias ? bias[co] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * strideH - padTop + ky * dilationH;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * strideW - padLeft + kx * dilationW;
              if (ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cin; ci++) {
                s += x[((b * h + iy) * w + ix) * cin + ci] * f[((ky * kw + kx) * cin + ci) * cout + co];
              }
            }
          }
          out[((b * outH + oy) * outW + ox) * cout + co] = activation_ref(act, s, alpha);
        }
      }
    }
  }
  return out;
}

/** x [n,h,w,c], f [kh,kw,c,mult] → [n,outH,outW,c·mult]. */
export function depthwise_conv2d_nhwc_ref(x: Float32Array, f: Float32Array, bias: Float32Array | null,
    g: ConvGeometry, mult: number, act = 0, alpha = 0): Float32Array {
  const { n, h, w, cin: c, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  const co = c * mult;
  const out = new Float32Array(n * outH * outW * co);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ci = 0; ci < c; ci++) {
          for (let m = 0; m < mult; m++) {
            const oc = ci * mult + m;
            let s = bias ? bias[oc] : 0;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * strideH - padTop + ky * dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * strideW - padLeft + kx * dilationW;
                if (ix < 0 || ix >= w) continue;
                s += x[((b * h + iy) * w + ix) * c + ci] * f[(ky * kw + kx) * co + oc];
              }
            }
            out[((b * outH + oy) * outW + ox) * co + oc] = activation_ref(act, s, alpha);
          }
        }
      }
    }
  }
  return out;
}
