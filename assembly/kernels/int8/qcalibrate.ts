// What ready() needs to choose the relaxed build's int8 dot form (qgemm.ts, dotGroup): a check
// that the fused form gives the split form's integers on this engine, and a block to time each on.
//   check: 9 rows (two 4-row tiles and a 1-row tile), 24 channels (three panels), K = 67 (a
//     padded group), activations over all of [0, 127], weights over [-127, 127], the f32 output
//     mode with scale 1 and no bias, so an output is its accumulator exactly (|acc| < 2^24).
//   timing block: 32 rows x 64 channels x K = 256 (the size of a conv layer's im2col chunk in a
//     small CNN), requantized to int8 as in inference.
// Both allocate from the arena (status -1 when it cannot hold them) and free it again.
import { arena_alloc, arena_free } from "../../arena";
import { gemm_qs8_qc8w, int8_dot_in_use, pack_qc8w, qgemm_packed_bytes, set_int8_dot } from "./qgemm";
import { PARAMS_HEADER, paramsStride } from "./requant";

/** Fills n bytes with a deterministic pseudo-random sequence in [lo, lo + span). */
function fillRandom(p: usize, n: i32, seed: u32, lo: i32, span: u32): void {
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = s * 1103515245 + 12345;
    store<i8>(p + <usize>i, <i8>(lo + <i32>((s >>> 16) % span)));
  }
}

/** A parameter block (requant.ts) for n channels: f32 output with scale 1 (the accumulators), or
 *  int8 output with a multiplier that keeps K = 256 sums in range. */
function writeParams(p: usize, n: i32, f32Out: bool): void {
  const stride = paramsStride(n);
  memory.fill(p, 0, PARAMS_HEADER + 3 * stride);
  store<i32>(p, f32Out ? 1 : 0);
  if (f32Out) {
    store<f32>(p, -Infinity, 20); store<f32>(p, Infinity, 24); store<f32>(p, 1, 28);
    for (let c = 0; c < n; c++) store<f32>(p + PARAMS_HEADER + stride + (<usize>c << 2), 1);
  } else {
    store<i32>(p, 40, 4); store<i32>(p, 64, 8); store<i32>(p, 0, 12); store<i32>(p, 127, 16);
    for (let c = 0; c < n; c++) store<i32>(p + PARAMS_HEADER + stride + (<usize>c << 2), 1 << 20);
  }
}

// The problem being run (module globals: nothing managed is allocated).
let pBase: usize = 0, pA: usize = 0, pPacked: usize = 0, pParams: usize = 0, pOut0: usize = 0, pOut1: usize = 0;
let pM = 0, pN = 0, pK = 0;

/** Lays out an M×N×K problem in one arena block: activations, weights (packed), params, two
 *  outputs. False when the arena cannot hold it. */
function setupProblem(m: i32, n: i32, k: i32, f32Out: bool): bool {
  pM = m; pN = n; pK = k;
  const aBytes = <usize>(m * k + 16), wBytes = <usize>(k * n);
  const packedBytes = qgemm_packed_bytes(k, n), parBytes = PARAMS_HEADER + 3 * paramsStride(n);
  const oBytes = <usize>(m * n) << 2;
  pBase = arena_alloc(aBytes + wBytes + packedBytes + parBytes + 2 * oBytes + 64);
  if (pBase == 0) return false;
  pA = pBase;
  const w = pA + aBytes;
  pPacked = (w + wBytes + 15) & ~15;
  pParams = (pPacked + packedBytes + 15) & ~15;
  pOut0 = (pParams + parBytes + 15) & ~15;
  pOut1 = pOut0 + oBytes;
  fillRandom(pA, m * k + 16, 17, 0, 128);
  fillRandom(w, k * n, 29, -127, 255);
  pack_qc8w(pPacked, w, k, n);
  writeParams(pParams, n, f32Out);
  return true;
}

function runProblem(out: usize): i32 {
  return gemm_qs8_qc8w(out, pA, pK, pPacked, pM, pN, pK, 3, pParams);
}

/**
 * 1 when the fused int8 dot gives the split form's results here, 0 when it does not or the build
 * has no fused form (SIMD128), -1 when the arena cannot hold the check. Leaves the form in use.
 */
export function int8_dot_check(): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  int8_calibration_teardown();
  if (!setupProblem(9, 24, 67, true)) return -1;
  const before = int8_dot_in_use();
  set_int8_dot(0);
  let ok = runProblem(pOut0) == 0;
  set_int8_dot(1);
  ok = ok && runProblem(pOut1) == 0;
  set_int8_dot(before);
  for (let i = 0; ok && i < pM * pN; i++) ok = load<u32>(pOut0 + (<usize>i << 2)) == load<u32>(pOut1 + (<usize>i << 2));
  arena_free(pBase);
  pBase = 0;
  return ok ? 1 : 0;
}

/** Runs the timing block `reps` times with int8 dot form `fused` (0 or 1); the block is laid
 *  out on the first call and kept until int8_calibration_teardown. Status as gemm_qs8_qc8w, -1
 *  when the arena cannot hold the block, -2 for a form the build lacks. Leaves the form in use. */
export function calibrate_int8(fused: i32, reps: i32): i32 {
  const before = int8_dot_in_use();
  if (set_int8_dot(fused) != 0) return -2;
  if (pBase == 0 && !setupProblem(32, 64, 256, false)) { set_int8_dot(before); return -1; }
  let status = 0;
  for (let r = 0; status == 0 && r < reps; r++) status = runProblem(pOut0);
  set_int8_dot(before);
  return status;
}

/** Frees the timing block of calibrate_int8. */
export function int8_calibration_teardown(): void {
  if (pBase != 0) arena_free(pBase);
  pBase = 0;
}
