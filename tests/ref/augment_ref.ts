// Plain scalar reference of affine_warp_nhwc_f32 (assembly/kernels/augment.ts). Sample positions
// are computed with the kernel's f32 operations (Math.fround after each mul and add), so both
// agree on every tap and every nearest pixel; the bilinear blend is in f64 (the kernel's is f32).

const f = Math.fround;

/** x [n, h, w, c], params [n, 6]; interpolation 0 bilinear, 1 nearest. */
export function affine_warp_ref(x: Float32Array, params: Float32Array, n: number, h: number, w: number,
    c: number, interpolation: number, fill: number): Float32Array {
  const out = new Float32Array(n * h * w * c);
  const lerp = (a: number, b: number, t: number): number => (t === 0 ? a : a * (1 - t) + b * t);
  for (let b = 0; b < n; b++) {
    const m = Array.from(params.subarray(6 * b, 6 * b + 6));
    const image = b * h * w * c;
    const tap = (y: number, xx: number, ch: number): number =>
      (y >= 0 && y < h && xx >= 0 && xx < w ? x[image + (y * w + xx) * c + ch] : fill);
    for (let oy = 0; oy < h; oy++) {
      const rowX = f(f(m[1] * oy) + m[2]), rowY = f(f(m[4] * oy) + m[5]);
      for (let ox = 0; ox < w; ox++) {
        const sx = f(f(m[0] * ox) + rowX), sy = f(f(m[3] * ox) + rowY);
        const o = image + (oy * w + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          if (interpolation === 1) {
            const tx = f(sx + 0.5), ty = f(sy + 0.5);
            out[o + ch] = tx >= 0 && tx < w && ty >= 0 && ty < h ? tap(Math.floor(ty), Math.floor(tx), ch) : fill;
          } else if (!(sx > -1 && sx < w && sy > -1 && sy < h)) {
            out[o + ch] = fill;
          } else {
            const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
            const top = lerp(tap(y0, x0, ch), tap(y0, x0 + 1, ch), fx);
            const bottom = lerp(tap(y0 + 1, x0, ch), tap(y0 + 1, x0 + 1, ch), fx);
            out[o + ch] = lerp(top, bottom, fy);
          }
        }
      }
    }
  }
  return out;
}
