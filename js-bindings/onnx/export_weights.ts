// Lepton's weight layouts → ONNX's, for float32 and int8 weights alike.
import type { Variable } from '../variable.js';

/** A weight's values (a copy). */
export const values = (v: Variable): Float32Array => Float32Array.from(v.dataSync() as Float32Array);

/** Rows of a [h*w*c, n] matrix reordered from NHWC's (h, w, c) flatten order to NCHW's (c, h, w). */
export function rowsHwcToChw<T extends Float32Array | Int8Array>(m: T, [h, w, c]: number[], n: number): T {
  const out = new (m.constructor as new (len: number) => T)(m.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    const from = ((y * w + x) * c + ch) * n, to = ((ch * h + y) * w + x) * n;
    out.set(m.subarray(from, from + n), to);
  }
  return out;
}

/** HWIO (Lepton's conv kernel [kh, kw, cin, cout]) → OIHW (ONNX's). */
export function hwioToOihw<T extends Float32Array | Int8Array>(k: T, [kh, kw, ci, co]: readonly number[]): T {
  const out = new (k.constructor as new (len: number) => T)(k.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    out[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o];
  }
  return out;
}

/** Depthwise [kh, kw, c, m] → ONNX's [c*m, 1, kh, kw] (output channel c*m + j, Lepton's order). */
export function hwcmToDepthwise<T extends Float32Array | Int8Array>(k: T, [kh, kw, c, m]: readonly number[]): T {
  const out = new (k.constructor as new (len: number) => T)(k.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let ch = 0; ch < c; ch++) for (let j = 0; j < m; j++) {
    out[((ch * m + j) * kh + y) * kw + x] = k[((y * kw + x) * c + ch) * m + j];
  }
  return out;
}
