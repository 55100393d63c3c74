// What the generated micro-kernels share (gemm_ukernel.ts, conv_ukernel.ts): the clamp bounds of
// the fused relu/relu6, the scratch tile that edge tiles run in, and tile copies.
import { clamp4 } from "../simd";

/** [lo, hi] of the fused clamp (relu, relu6), set by the caller before a clamping call. */
export const clampBounds = memory.data(8, 8);

/** Sets clampBounds. */
// @ts-ignore: decorator
@inline export function setClampBounds(lo: f32, hi: f32): void {
  store<f32>(clampBounds, lo);
  store<f32>(clampBounds, hi, 4);
}

/** Edge tiles (rows < MR or columns < NR) run here, then are copied out: 64 floats, the most any
 * tile has (the generator checks). */
export const edgeTile = memory.data(64 * 4, 16);

/** Copies rows x cols floats between two row-strided tiles (strides in bytes). */
export function copyTile(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32,
    cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src, bytes);
    dst += dstStride;
    src += srcStride;
  }
}

/**
 * Clamps a finished rows x (4·vectors) tile in place to clampBounds. In memory rather than in
 * the micro-kernel's registers: a clamp there keeps the accumulators' epilogue in the loop's
 * register allocation and costs the splat tiles up to 17 % (Zen 5, measured).
 */
export function clampTile(c: usize, cStride: usize, rows: i32, vectors: i32): void {
  const lo = f32x4.splat(load<f32>(clampBounds)), hi = f32x4.splat(load<f32>(clampBounds, 4));
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++) {
      const p = c + (<usize>v << 4);
      v128.store(p, clamp4(v128.load(p), lo, hi));
    }
    c += cStride;
  }
}
