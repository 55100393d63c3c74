// Plain scalar references for the convolution backward kernels (f64 accumulation), and f64
// forwards for the finite-difference checks. One tap enumeration serves them all: for every
// output pixel o = (b, oy, ox) and filter tap (ky, kx) whose input pixel i = (b, iy, ix) lies
// inside the image (iy = oy·SH − PT + ky·DH, ix = ox·SW − PL + kx·DW), the forward adds
// x[i, ci]·f[tap, ci, co] into out[o, co], so
//   dx[i, ci]         += dy[o, co] · f[tap, ci, co]
//   df[tap, ci, co]   += x[i, ci]  · dy[o, co]
//   dbias[co]         += dy[o, co]           (once per output pixel)
// Depthwise: output channel j = c·M + q reads input channel c, filter [KH, KW, C, M] flat as
// [KH, KW, C·M].
import type { ConvGeometry } from './conv_ref.js';

/** Calls visit(oBase, iBase, tap) for every valid (output pixel, tap) pair; bases are pixel indices. */
function forEachTap(g: ConvGeometry, visit: (o: number, i: number, tap: number) => void): void {
  const { n, h, w, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW } = g;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const o = (b * outH + oy) * outW + ox;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * strideH - padTop + ky * dilationH;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * strideW - padLeft + kx * dilationW;
            if (ix < 0 || ix >= w) continue;
            visit(o, (b * h + iy) * w + ix, ky * kw + kx);
          }
        }
      }
    }
  }
}

/** Σ over output pixels of dy [rows, c]: the bias gradient (also of dense layers). */
export function bias_grad_ref(dy: ArrayLike<number>, rows: number, c: number): Float32Array {
  const s = new Float64Array(c);
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) s[j] += dy[r * c + j];
  return Float32Array.from(s);
}

/** conv2d forward in f64 (no bias): x [n,h,w,cin], f [kh,kw,cin,cout] → [n,outH,outW,cout]. */
export function conv2d_f64(x: ArrayLike<number>, f: ArrayLike<number>, g: ConvGeometry, cout: number): Float64Array {
  const cin = g.cin;
  const out = new Float64Array(g.n * g.outH * g.outW * cout);
  forEachTap(g, (o, i, tap) => {
    for (let ci = 0; ci < cin; ci++) {
      const xv = x[i * cin + ci], fRow = (tap * cin + ci) * cout;
      for (let co = 0; co < cout; co++) out[o * cout + co] += xv * f[fRow + co];
    }
  });
  return out;
}

/** dx [n,h,w,cin] of conv2d from dy [n,outH,outW,cout] and f. */
export function conv2d_grad_input_ref(dy: ArrayLike<number>, f: ArrayLike<number>, g: ConvGeometry,
    cout: number): Float32Array {
  const cin = g.cin;
  const dx = new Float64Array(g.n * g.h * g.w * cin);
  forEachTap(g, (o, i, tap) => {
    for (let ci = 0; ci < cin; ci++) {
      let s = 0;
      const fRow = (tap * cin + ci) * cout;
      for (let co = 0; co < cout; co++) s += dy[o * cout + co] * f[fRow + co];
      dx[i * cin + ci] += s;
    }
  });
  return Float32Array.from(dx);
}

/** df [kh,kw,cin,cout] and dbias [cout] of conv2d from dy and x. */
export function conv2d_grad_filter_ref(dy: ArrayLike<number>, x: ArrayLike<number>, g: ConvGeometry,
    cout: number): { df: Float32Array; dbias: Float32Array } {
  const cin = g.cin;
  const df = new Float64Array(g.kh * g.kw * cin * cout);
  forEachTap(g, (o, i, tap) => {
    for (let ci = 0; ci < cin; ci++) {
      const xv = x[i * cin + ci], fRow = (tap * cin + ci) * cout;
      for (let co = 0; co < cout; co++) df[fRow + co] += xv * dy[o * cout + co];
    }
  });
  return { df: Float32Array.from(df), dbias: bias_grad_ref(dy, g.n * g.outH * g.outW, cout) };
}

/** Depthwise forward in f64 (no bias): x [n,h,w,c], f [kh,kw,c,mult] → [n,outH,outW,c·mult]. */
export function depthwise_conv2d_f64(x: ArrayLike<number>, f: ArrayLike<number>, g: ConvGeometry,
    mult: number): Float64Array {
  const c = g.cin, co = c * mult;
  const out = new Float64Array(g.n * g.outH * g.outW * co);
  forEachTap(g, (o, i, tap) => {
    for (let j = 0; j < co; j++) out[o * co + j] += x[i * c + Math.floor(j / mult)] * f[tap * co + j];
  });
  return out;
}

/** dx [n,h,w,c] of the depthwise convolution. */
export function depthwise_conv2d_grad_input_ref(dy: ArrayLike<number>, f: ArrayLike<number>, g: ConvGeometry,
    mult: number): Float32Array {
  const c = g.cin, co = c * mult;
  const dx = new Float64Array(g.n * g.h * g.w * c);
  forEachTap(g, (o, i, tap) => {
    for (let j = 0; j < co; j++) dx[i * c + Math.floor(j / mult)] += dy[o * co + j] * f[tap * co + j];
  });
  return Float32Array.from(dx);
}

/** df [kh,kw,c,mult] and dbias [c·mult] of the depthwise convolution. */
export function depthwise_conv2d_grad_filter_ref(dy: ArrayLike<number>, x: ArrayLike<number>, g: ConvGeometry,
    mult: number): { df: Float32Array; dbias: Float32Array } {
  const c = g.cin, co = c * mult;
  const df = new Float64Array(g.kh * g.kw * co);
  forEachTap(g, (o, i, tap) => {
    for (let j = 0; j < co; j++) df[tap * co + j] += x[i * c + Math.floor(j / mult)] * dy[o * co + j];
  });
  return { df: Float32Array.from(df), dbias: bias_grad_ref(dy, g.n * g.outH * g.outW, co) };
}
