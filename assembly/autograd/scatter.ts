// The gradient of gather (an embedding lookup's backward pass): dy's rows added back at the
// rows their indices picked.
//
//   gather_grad_f32(dx, dy, indices, err, batch, outer, n, m, inner) → status
//     B batch, O outer, N x's extent along the axis, M indices per batch item, D inner: the
//     geometry of gather_x32 (../kernels/layout.ts):
//       indices [B, M] int32 in [0, N);  dy [B, O, M, D];  dx [B, O, N, D]
//       dx = 0, then dx[b, o, indices[b, j], :] += dy[b, o, j, :] for every b, o, j
//     dx is OVERWRITTEN; repeated indices add up, in order of j (so the sums are deterministic).
//   Status: 0 ok, -2 (STATUS_BAD_INDEX) for an index outside [0, N), with its flat position in
//   indices and its value at err[0], err[1] (err may be 0), as gather_x32; checked before
//   anything is written (dx is not zeroed then).
//
// Memory contract: dx must not overlap dy or indices. Reads nothing past a dy or dx row (row
// tails use lane loads: rows of D floats need not start 16-byte aligned); writes exactly dx's
// B·O·N·D floats. Row adds run 2 vectors per trip, then one, then a lane tail; D = 1 (gather
// along the last axis) adds one float per index.
import { STATUS_OK } from "../kernels/gemm";
import { checkIndices } from "../kernels/layout";
import { loadTail, storeTail } from "../simd";

/** dst[0 .. bytes) += src[0 .. bytes), bytes a multiple of 4. */
// @ts-ignore: decorator
@inline function addRow(dst: usize, src: usize, bytes: usize): void {
  for (; bytes >= 32; bytes -= 32, dst += 32, src += 32) {
    const s0 = v128.load(src), s1 = v128.load(src, 16);
    v128.store(dst, f32x4.add(v128.load(dst), s0));
    v128.store(dst, f32x4.add(v128.load(dst, 16), s1), 16);
  }
  if (bytes >= 16) {
    v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
    dst += 16; src += 16; bytes -= 16;
  }
  if (bytes != 0) {
    const count = bytes >> 2;
    storeTail(dst, f32x4.add(loadTail(dst, count), loadTail(src, count)), count);
  }
}

export function gather_grad_f32(dx: usize, dy: usize, indices: usize, err: usize, batch: i32,
    outer: i32, n: i32, m: i32, inner: i32): i32 {
  if (batch <= 0) return STATUS_OK;
  if (m > 0) {
    const bad = checkIndices(indices, <usize>batch * <usize>m, n, err);
    if (bad != STATUS_OK) return bad;
  }
  if (outer <= 0 || n <= 0 || inner <= 0) return STATUS_OK;
  const rowBytes = <usize>inner << 2;
  const sliceBytes = <usize>n * rowBytes; // one [N, D] slab of dx
  memory.fill(dx, 0, <usize>batch * <usize>outer * sliceBytes);
  if (m <= 0) return STATUS_OK;
  const mBytes = <usize>m << 2;
  let pd = dy, px = dx, pIdx = indices;
  for (let b = 0; b < batch; b++, pIdx += mBytes) {
    for (let o = 0; o < outer; o++, px += sliceBytes) {
      if (inner == 1) {
        for (let j: usize = 0; j < <usize>m; j++, pd += 4) {
          const p = px + (<usize>load<i32>(pIdx + (j << 2)) << 2);
          store<f32>(p, load<f32>(p) + load<f32>(pd));
        }
      } else {
        for (let j: usize = 0; j < <usize>m; j++, pd += rowBytes) {
          addRow(px + <usize>load<i32>(pIdx + (j << 2)) * rowBytes, pd, rowBytes);
        }
      }
    }
  }
  return STATUS_OK;
}
