// Batch normalization, inference form, over the last axis (NHWC channels):
//
//   y[r, c] = (x[r, c] - mean[c]) · scale[c] / sqrt(variance[c] + epsilon) + offset[c]
//
//   R  rows (outer: product of every dim but the last), C  channels (the last dim)
//   x, out  [R, C] f32 row-major;  mean, variance, offset, scale  [C] f32
//   offset = 0 means 0 for every channel, scale = 0 means 1 (TF.js's optional arguments).
//
// Folded once per call into a per-channel multiplier and adder (f64 arithmetic, as TFLite and
// XNNPACK fold batch norm into a preceding conv):
//   mul[c] = scale[c] / sqrt(variance[c] + epsilon),  add[c] = offset[c] - mean[c] · mul[c]
//   y = x · mul + add  (madd4: one relaxed_madd in the relaxed build)
// x is one flat run of R·C floats, so mul/add are laid out G times over (G = 4 / gcd(C, 4)
// rows, a span of S = G·C floats, a multiple of 4): the main loop runs whole vectors with no
// per-row tail whatever C is, and only the final partial span has a tail.
//
// Memory contract: scratch 2·S floats from the arena (released before returning; -1 when it
// cannot be had). Reads up to 12 bytes past x's end (arena padding); writes exactly R·C floats.
// out may alias x (element-wise).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { STATUS_OK, STATUS_OOM } from "./gemm";
import { madd4, storeTail } from "../simd";

export function batchnorm_f32(out: usize, x: usize, mean: usize, variance: usize, offset: usize,
    scale: usize, outer: i32, c: i32, epsilon: f32): i32 {
  if (outer <= 0 || c <= 0) return STATUS_OK;
  const rowsPerSpan = 4 >> min(ctz<i32>(c), 2);
  const cBytes = <usize>c << 2;
  const spanBytes = <usize>rowsPerSpan * cBytes;
  const mark = arena_mark();
  const mul = arena_alloc_scoped(spanBytes << 1);
  if (mul == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const add = mul + spanBytes;

  for (let ch: usize = 0; ch < cBytes; ch += 4) {
    const s = scale != 0 ? <f64>load<f32>(scale + ch) : 1.0;
    const k = s / Math.sqrt(<f64>load<f32>(variance + ch) + <f64>epsilon);
    const o = offset != 0 ? <f64>load<f32>(offset + ch) : 0.0;
    store<f32>(mul + ch, <f32>k);
    store<f32>(add + ch, <f32>(o - <f64>load<f32>(mean + ch) * k));
  }
  for (let r = 1; r < rowsPerSpan; r++) {
    memory.copy(mul + <usize>r * cBytes, mul, cBytes);
    memory.copy(add + <usize>r * cBytes, add, cBytes);
  }

  let left = <usize>outer * cBytes;
  let px = x, po = out;
  while (left != 0) {
    const bytes = min(left, spanBytes);
    let pm = mul, pa = add, rest = bytes;
    for (; rest >= 32; rest -= 32, px += 32, po += 32, pm += 32, pa += 32) {
      const v0 = madd4(v128.load(px), v128.load(pm), v128.load(pa));
      const v1 = madd4(v128.load(px, 16), v128.load(pm, 16), v128.load(pa, 16));
      v128.store(po, v0);
      v128.store(po, v1, 16);
    }
    if (rest >= 16) {
      v128.store(po, madd4(v128.load(px), v128.load(pm), v128.load(pa)));
      rest -= 16; px += 16; po += 16; pm += 16; pa += 16;
    }
    if (rest != 0) {
      // Only the last, partial span: the lanes past x's end are read but never stored.
      storeTail(po, madd4(v128.load(px), v128.load(pm), v128.load(pa)), rest >> 2);
      px += rest; po += rest;
    }
    left -= bytes;
  }
  arena_release(mark);
  return STATUS_OK;
}
