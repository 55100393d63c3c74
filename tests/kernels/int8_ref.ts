// Plain scalar references for the int8 kernels (assembly/kernels/int8/), exact integer
// arithmetic mirroring the requantization (BigInt for the 64-bit product) and Math.fround for
// every f32 operation the kernels do, so results must match byte for byte.
import type { Qs8Output, F32Output } from '../../js-bindings/quantize/params.js';

const f = Math.fround;

/** Round half to even (f32x4.nearest / f32.nearest). */
export function nearestEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** i32.trunc_sat of an already integral value. */
const sat32 = (v: number): number => (Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, v)));

export function quantize_ref(x: Float32Array, invScale: number, zp: number, qmin: number, qmax: number): Int8Array {
  const inv = f(invScale);
  return Int8Array.from(x, (v) => Math.min(qmax, Math.max(qmin, Math.max(-512, Math.min(512, sat32(nearestEven(f(v * inv))))) + zp)));
}

export function dequantize_ref(q: Int8Array, scale: number, zp: number): Float32Array {
  return Float32Array.from(q, (v) => f((v - zp) * f(scale)));
}

export function quantize_weights_ref(w: Float32Array, k: number, n: number): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(k * n), scale = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    let amax = 0;
    for (let i = 0; i < k; i++) amax = Math.max(amax, Math.abs(w[i * n + c]));
    if (!(amax > 0)) { scale[c] = 1; continue; }
    scale[c] = f(amax / 127);
    const inv = f(127 / amax);
    for (let i = 0; i < k; i++) q[i * n + c] = Math.min(127, Math.max(-127, nearestEven(f(w[i * n + c] * inv))));
  }
  return { q, scale };
}

/** The output stage for accumulator acc (bias included) of channel c. */
export function epilogue_ref(acc: number, c: number, p: Qs8Output | F32Output): number {
  if ('mult' in p) {
    const s = BigInt(p.shift);
    let v = Number((BigInt(acc) * BigInt(p.mult[c]) + (1n << (s - 1n))) >> s);
    v = Math.max(-(2 ** 24), Math.min(2 ** 24, v));
    return Math.min(p.qmax, Math.max(p.qmin, v + p.zy));
  }
  const y = f(f(f(acc) * f(f(p.sx) * f(p.sw[c]))) + f(p.fbias[c]));
  return Math.min(f(p.fmax), Math.max(f(p.fmin), y));
}

/** out[m, n] = epilogue(bias[n] + Σ_k (a[m, k] − zx)·w[k, n]); a rows aStride apart. */
export function gemm_qs8_ref(a: Int8Array, aStride: number, w: Int8Array, m: number, n: number, k: number,
    zx: number, p: Qs8Output | F32Output): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < n; c++) {
      let acc = 'mult' in p ? p.bias[c] : 0;
      for (let t = 0; t < k; t++) acc += (a[i * aStride + t] - zx) * w[t * n + c];
      out.push(epilogue_ref(acc, c, p));
    }
  }
  return out;
}

export interface QConvGeometry {
  n: number; h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number;
  dh: number; dw: number; pt: number; pl: number; oh: number; ow: number;
}

/** Convolution (depthwise when mult > 0: filter [kh, kw, c, mult]) with padding reading zx. */
export function conv_qs8_ref(x: Int8Array, filt: Int8Array, g: QConvGeometry, co: number, zx: number,
    p: Qs8Output | F32Output, mult = 0): number[] {
  const out: number[] = [];
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    for (let o = 0; o < co; o++) {
      let acc = 'mult' in p ? p.bias[o] : 0;
      for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
        const iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
        const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
        const at = (ci: number) => (inside ? x[((b * g.h + iy) * g.w + ix) * g.c + ci] : zx);
        if (mult > 0) {
          acc += (at(Math.floor(o / mult)) - zx) * filt[(ky * g.kw + kx) * co + o];
        } else {
          for (let ci = 0; ci < g.c; ci++) acc += (at(ci) - zx) * filt[((ky * g.kw + kx) * g.c + ci) * co + o];
        }
      }
      out.push(epilogue_ref(acc, o, p));
    }
  }
  return out;
}

/** Max / average pooling on the integers (padding taps skipped; avg rounds half to even in f32). */
export function pool_qs8_ref(x: Int8Array, g: QConvGeometry, isMax: boolean): Int8Array {
  const out = new Int8Array(g.n * g.oh * g.ow * g.c);
  let o = 0;
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    for (let ci = 0; ci < g.c; ci++) {
      let m = -128, s = 0, count = 0;
      for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
        const iy = oy * g.sh - g.pt + ky, ix = ox * g.sw - g.pl + kx;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
        const v = x[((b * g.h + iy) * g.w + ix) * g.c + ci];
        m = Math.max(m, v); s += v; count++;
      }
      out[o++] = isMax ? m : nearestEven(f(s / count));
    }
  }
  return out;
}
