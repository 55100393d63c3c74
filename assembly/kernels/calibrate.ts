// The blocks ready() times the tiles on (js-bindings/calibrate.ts): the inner loops of gemm_f32
// and of the implicit-GEMM convolution on data the size they run on in practice, so the tile
// that wins here wins in the whole kernels.
//   GEMM: one packed A block of 60 rows (whole panels of every MR: 2, 4, 5, 6) and KC = 256
//     columns (60 KB, from L2 as in gemm_f32) against 96 packed B columns (6 or 12 panels, each
//     16 or 8 KB, held in L1 while the A block streams past).
//   conv: 64 output pixels (16 panels of 4) of a 3x3 convolution with 16 input channels (3
//     segments of 48 floats, kc = 144) and 64 output channels (8 panels).
// The data are small powers of two, so no sum overflows or turns subnormal.
import { arena_alloc, arena_free } from "../arena";
import { gemm_packed_block, packedBBytes, STATUS_OK, STATUS_OOM } from "./gemm";
import { conv_ukernel } from "./conv_ukernel";

// @ts-ignore: decorator
@inline const G_MC: i32 = 60;
// @ts-ignore: decorator
@inline const G_N: i32 = 96;
// @ts-ignore: decorator
@inline const G_KC: i32 = 256;
// @ts-ignore: decorator
@inline const C_PIXELS: i32 = 64;
// @ts-ignore: decorator
@inline const C_CIN: i32 = 16;
// @ts-ignore: decorator
@inline const C_W: i32 = 68; // input row: 64 windows + 2 + slack
// @ts-ignore: decorator
@inline const C_COUT: i32 = 64;
// @ts-ignore: decorator
@inline const C_KC: i32 = 9 * C_CIN;

let scratch: usize = 0;
let gA: usize = 0, gB: usize = 0, gC: usize = 0;
let cX: usize = 0, cB: usize = 0, cC: usize = 0, cRows: usize = 0, cSegs: usize = 0;

function fillF32(p: usize, count: i32, value: f32): void {
  const v = f32x4.splat(value);
  for (let i = 0; i < count; i += 4) v128.store(p + (<usize>i << 2), v);
}

/** Allocates and fills the calibration data; STATUS_OOM when the arena cannot hold them. */
export function calibration_setup(): i32 {
  if (scratch != 0) return STATUS_OK;
  const aBytes = <usize>(G_MC * G_KC) << 2;
  const bBytes = packedBBytes(8, G_N, G_KC); // the same for every NR dividing 96
  const cBytes = <usize>(G_MC * G_N) << 2;
  const xBytes = <usize>(3 * C_W * C_CIN + 16) << 2;
  const wBytes = packedBBytes(8, C_COUT, C_KC);
  const yBytes = <usize>(C_PIXELS * C_COUT) << 2;
  const rowsBytes = <usize>C_PIXELS << 2;
  const segsBytes: usize = 3 * 8;
  const total = aBytes + bBytes + cBytes + xBytes + wBytes + yBytes + rowsBytes + segsBytes;
  scratch = arena_alloc(total);
  if (scratch == 0) return STATUS_OOM;
  gA = scratch; gB = gA + aBytes; gC = gB + bBytes;
  cX = gC + cBytes; cB = cX + xBytes; cC = cB + wBytes; cRows = cC + yBytes;
  cSegs = cRows + rowsBytes;
  fillF32(gA, G_MC * G_KC, 0.0625);
  fillF32(gB, <i32>(bBytes >> 2), 0.125);
  fillF32(cX, <i32>(xBytes >> 2), 0.0625);
  fillF32(cB, <i32>(wBytes >> 2), 0.125);
  for (let p = 0; p < C_PIXELS; p++) {
    store<u32>(cRows + (<usize>p << 2), <u32>(cX + (<usize>(p * C_CIN) << 2)));
  }
  for (let ky = 0; ky < 3; ky++) {
    store<u32>(cSegs + (<usize>ky << 3), <u32>(ky * C_W * C_CIN) << 2);
    store<i32>(cSegs + (<usize>ky << 3), 3 * C_CIN, 4);
  }
  return STATUS_OK;
}

export function calibration_teardown(): void {
  if (scratch != 0) arena_free(scratch);
  scratch = 0;
}

/**
 * Runs GEMM tile `tile` reps times over the calibration block (2·60·96·256 flops each); reps = 0
 * runs it once on a 1 x 1 x 1 corner instead (the engine compiles the tile, nothing is timed).
 */
export function calibrate_gemm(tile: i32, reps: i32): void {
  if (reps == 0) gemm_packed_block(tile, gC, G_N, gA, gB, 1, 1, 1, false, false, 0, 0);
  for (let r = 0; r < reps; r++) {
    gemm_packed_block(tile, gC, G_N, gA, gB, G_MC, G_N, G_KC, false, false, 0, 0);
  }
}

/** Runs conv tile `tile` reps times over its block (2·64·64·144 flops each); 0: one tiny call. */
export function calibrate_conv(tile: i32, reps: i32): void {
  if (reps == 0) conv_ukernel(tile, 1, cRows, 1, cSegs, 1, cB, 1, cC, <usize>C_COUT << 2, false, false);
  for (let r = 0; r < reps; r++) {
    conv_ukernel(tile, C_PIXELS / 4, cRows, C_COUT / 8, cSegs, 3, cB, C_KC, cC,
      <usize>C_COUT << 2, false, false);
  }
}
