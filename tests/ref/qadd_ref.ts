// Scalar reference of add_qs8 (assembly/kernels/int8/qadd.ts), element by element in plain
// JavaScript integers (exact: every intermediate stays below 2^31).
export interface AddParams { za: number; zb: number; zy: number; ma: number; mb: number; shift: number; qmin: number; qmax: number }

export function add_qs8_ref(a: Int8Array, b: Int8Array, p: AddParams): Int8Array {
  const out = new Int8Array(a.length);
  const rnd = 2 ** (p.shift - 1);
  for (let i = 0; i < a.length; i++) {
    const acc = (a[i] - p.za) * p.ma + (b[i] - p.zb) * p.mb + rnd;
    const y = Math.floor(acc / 2 ** p.shift) + p.zy;
    out[i] = Math.min(p.qmax, Math.max(p.qmin, y));
  }
  return out;
}
