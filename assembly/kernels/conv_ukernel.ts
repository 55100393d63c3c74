import { madd4 } from "../simd";

export function conv_ukernel_4x8(panels: i32, segs: usize, nseg: i32, p0: usize, p1: usize,
    p2: usize, p3: usize, b: usize, c: usize, cStride: usize, accumulate: bool, clamp: bool,
    lo: f32, hi: f32): void {
  for (let j = 0; j < panels; j++) {
    const c0 = c, c1 = c + cStride, c2 = c + 2 * cStride, c3 = c + 3 * cStride;
    let acc0x0123: v128, acc0x4567: v128;
    let acc1x0123: v128, acc1x4567: v128;
    let acc2x0123: v128, acc2x4567: v128;
    let acc3x0123: v128, acc3x4567: v128;
    if (accumulate) {
      acc0x0123 = v128.load(c0); acc0x4567 = v128.load(c0, 16);
      acc1x0123 = v128.load(c1); acc1x4567 = v128.load(c1, 16);
      acc2x0123 = v128.load(c2); acc2x4567 = v128.load(c2, 16);
      acc3x0123 = v128.load(c3); acc3x4567 = v128.load(c3, 16);
    } else {
      acc0x0123 = v128.load(b); acc0x4567 = v128.load(b, 16);
      acc1x0123 = acc0x0123; acc1x4567 = acc0x4567;
      acc2x0123 = acc0x0123; acc2x4567 = acc0x4567;
      acc3x0123 = acc0x0123; acc3x4567 = acc0x4567;
    }
    b += 32;
    for (let s = 0; s < nseg; s++) {
      const seg = segs + (<usize>s << 3);
      const off = <usize>load<u32>(seg);
      let k = load<i32>(seg, 4);
      let a0 = p0 + off;
      let a1 = p1 + off;
      let a2 = p2 + off;
      let a3 = p3 + off;
      for (; k > 0; k--) {
        const vb0123_0 = v128.load(b, 0); const vb4567_0 = v128.load(b, 16);
        const va0_0 = v128.load32_splat(a0, 0);
        acc0x0123 = madd4(va0_0, vb0123_0, acc0x0123);
        acc0x4567 = madd4(va0_0, vb4567_0, acc0x4567);
        const va1_0 = v128.load32_splat(a1, 0);
        acc1x0123 = madd4(va1_0, vb0123_0, acc1x0123);
        acc1x4567 = madd4(va1_0, vb4567_0, acc1x4567);
        const va2_0 = v128.load32_splat(a2, 0);
        acc2x0123 = madd4(va2_0, vb0123_0, acc2x0123);
        acc2x4567 = madd4(va2_0, vb4567_0, acc2x4567);
        const va3_0 = v128.load32_splat(a3, 0);
        acc3x0123 = madd4(va3_0, vb0123_0, acc3x0123);
        acc3x4567 = madd4(va3_0, vb4567_0, acc3x4567);
        a0 += 4; a1 += 4; a2 += 4; a3 += 4; b += 32;
      }
    }
    if (clamp) {
      const vlo = f32x4.splat(lo); const vhi = f32x4.splat(hi);
      acc0x0123 = f32x4.min(f32x4.max(acc0x0123, vlo), vhi);
      acc0x4567 = f32x4.min(f32x4.max(acc0x4567, vlo), vhi);
      acc1x0123 = f32x4.min(f32x4.max(acc1x0123, vlo), vhi);
      acc1x4567 = f32x4.min(f32x4.max(acc1x4567, vlo), vhi);
      acc2x0123 = f32x4.min(f32x4.max(acc2x0123, vlo), vhi);
      acc2x4567 = f32x4.min(f32x4.max(acc2x4567, vlo), vhi);
      acc3x0123 = f32x4.min(f32x4.max(acc3x0123, vlo), vhi);
      acc3x4567 = f32x4.min(f32x4.max(acc3x4567, vlo), vhi);
    }
    v128.store(c0, acc0x0123); v128.store(c0, acc0x4567, 16);
    v128.store(c1, acc1x0123); v128.store(c1, acc1x4567, 16);
    v128.store(c2, acc2x0123); v128.store(c2, acc2x4567, 16);
    v128.store(c3, acc3x0123); v128.store(c3, acc3x4567, 16);
    c += 32;
  }
}
