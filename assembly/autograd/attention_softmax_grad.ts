// Backward pass of the masked attention softmax (../kernels/attention_softmax.ts).
//
//   R rows (B·H·Q), K keys; dx, dy, y: [R, K] f32; y the forward output.
//
//   attention_softmax_grad_f32(dx, dy, y, rows, k, scale)
//     dx = scale·y·(dy - Σ_K dy·y)   (softmax's rule, times the scale fused into the forward).
//     Hidden keys and fully hidden rows have y = 0, so their dx is 0: the mask is not needed.
//     dx is OVERWRITTEN (as softmax_grad_f32). Returns 0.
//
// Loop shape: each row contiguous; pass 1 the dot Σ dy·y (f32 lanes folded into f64 every
// SUM_VECS vectors), pass 2 dx; tails by lane loads/stores (nothing read or written past a row).
//
// Memory contract: dx may alias dy or y exactly (the dot is complete before dx is written).
import { hsum4, loadTail, madd4, storeTail } from "../simd";
import { SUM_VECS } from "../kernels/layernorm";

export function attention_softmax_grad_f32(dx: usize, dy: usize, y: usize, rows: i32, k: i32, scale: f32): i32 {
  const bytes = <usize>k << 2;
  const whole = bytes & ~(<usize>15);
  const tail = (bytes - whole) >> 2;
  const zero = f32x4.splat(0);
  const vscale = f32x4.splat(scale);
  for (let r = 0; r < rows; r++) {
    let total: f64 = 0;
    let acc = zero;
    let j: usize = 0, inBlock: usize = 0;
    for (; j < whole; j += 16) {
      acc = madd4(v128.load(dy + j), v128.load(y + j), acc);
      if (++inBlock == SUM_VECS) {
        total += <f64>hsum4(acc);
        acc = zero; inBlock = 0;
      }
    }
    if (tail != 0) acc = madd4(loadTail(dy + j, tail), loadTail(y + j, tail), acc);
    total += <f64>hsum4(acc);
    const vdot = f32x4.splat(<f32>total);
    for (j = 0; j < whole; j += 16) {
      const v = f32x4.mul(f32x4.mul(v128.load(y + j), vscale), f32x4.sub(v128.load(dy + j), vdot));
      v128.store(dx + j, v);
    }
    if (tail != 0) {
      const v = f32x4.mul(f32x4.mul(loadTail(y + j, tail), vscale), f32x4.sub(loadTail(dy + j, tail), vdot));
      storeTail(dx + j, v, tail);
    }
    dx += bytes; dy += bytes; y += bytes;
  }
  return 0;
}
