// The micro-kernel tiles in use: one GEMM tile (gemm_f32 and the GEMMs of the backward kernels)
// and one conv tile (the implicit-GEMM convolution, its Winograd GEMMs and their gradients).
// Each build carries several (gemm_ukernel.ts, conv_ukernel.ts, from scripts/gen-ukernels.mjs);
// which runs fastest depends on the CPU, so ready() times them (calibrate.ts) and sets the
// winners here. Any choice gives the same results: every tile of one arithmetic sums each output
// element in the same order.
import { gemm_tile_mr, gemm_tile_nr, GEMM_TILE_COUNT } from "./gemm_ukernel";
import { CONV_TILE_COUNT } from "./conv_ukernel";

/** The GEMM tile id in use (below GEMM_TILE_COUNT); 0 is the build's default. */
export let gemmTile: i32 = 0;
/** The conv tile id in use (below CONV_TILE_COUNT). */
export let convTile: i32 = 0;

/** Selects the tiles; returns 0, or -2 (nothing changed) when an id is out of range. */
export function set_tiles(gemm: i32, conv: i32): i32 {
  if (<u32>gemm >= <u32>GEMM_TILE_COUNT || <u32>conv >= <u32>CONV_TILE_COUNT) return -2;
  gemmTile = gemm;
  convTile = conv;
  return 0;
}

export function gemm_tile_count(): i32 {
  return GEMM_TILE_COUNT;
}

export function conv_tile_count(): i32 {
  return CONV_TILE_COUNT;
}

export function gemm_tile_in_use(): i32 {
  return gemmTile;
}

export function conv_tile_in_use(): i32 {
  return convTile;
}

/** MR of the GEMM tile in use. */
// @ts-ignore: decorator
@inline export function gemmMr(): i32 {
  return gemm_tile_mr(gemmTile);
}

/** NR of the GEMM tile in use. */
// @ts-ignore: decorator
@inline export function gemmNr(): i32 {
  return gemm_tile_nr(gemmTile);
}
