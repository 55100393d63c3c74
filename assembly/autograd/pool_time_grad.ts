// Backward passes of the masked global poolings over time (../kernels/pool_time.ts).
//
//   B batch, T time steps, C channels;  dy [B, C];  dx [B, T, C] (OVERWRITTEN, as the other
//   pooling gradients: dx is a fresh block the gradient rule hands back)
//
//   global_avgpool_time_grad_f32(dx, dy, mask, B, T, C):
//     dx[b, t, c] = dy[b, c] / #real(b) on real steps, 0 on masked ones (and in rows with no
//     real step, where the forward output was the constant 0)
//   global_maxpool_time_grad_f32(dx, dy, argmax, B, T, C):
//     dx = 0, then dx[b, argmax[b, c], c] = dy[b, c] where argmax[b, c] >= 0 (the forward's
//     saved winners; -1 marks a row with no real step)
//
// mask as in the forward pass (int32 [B, T], nonzero = real; 0 pointer = all real). Memory
// contract: 4-byte alignment suffices; reads nothing past dy's rows; writes exactly dx's B·T·C
// floats; dx must not overlap dy, mask or argmax.

import { STATUS_OK } from "../kernels/gemm";
import { countReal, isReal, rowDivide } from "../kernels/pool_time";

export function global_avgpool_time_grad_f32(dx: usize, dy: usize, mask: usize, b: i32, t: i32, c: i32): i32 {
  if (b <= 0 || t <= 0 || c <= 0) return STATUS_OK;
  const rowBytes = <usize>c << 2;
  const maskRowBytes = <usize>t << 2;
  for (let i = 0; i < b; i++) {
    const g = dy + <usize>i * rowBytes;
    const xb = dx + <usize>i * <usize>t * rowBytes;
    const mb: usize = mask == 0 ? 0 : mask + <usize>i * maskRowBytes;
    const count = countReal(mb, t);
    for (let s = 0; s < t; s++) {
      const row = xb + <usize>s * rowBytes;
      if (count > 0 && isReal(mb, s)) rowDivide(row, g, c, <f32>count);
      else memory.fill(row, 0, rowBytes);
    }
  }
  return STATUS_OK;
}

export function global_maxpool_time_grad_f32(dx: usize, dy: usize, argmax: usize, b: i32, t: i32, c: i32): i32 {
  if (b <= 0 || t <= 0 || c <= 0) return STATUS_OK;
  const rowBytes = <usize>c << 2;
  memory.fill(dx, 0, <usize>b * <usize>t * rowBytes);
  for (let i = 0; i < b; i++) {
    const xb = dx + <usize>i * <usize>t * rowBytes;
    const g = dy + <usize>i * rowBytes, a = argmax + <usize>i * rowBytes;
    for (let j = 0; j < c; j++) {
      const off = <usize>j << 2;
      const s = load<i32>(a + off);
      // A winner outside [0, T) cannot come from the forward pass; skip it rather than write astray.
      if (<u32>s < <u32>t) store<f32>(xb + <usize>s * rowBytes + off, load<f32>(g + off));
    }
  }
  return STATUS_OK;
}
