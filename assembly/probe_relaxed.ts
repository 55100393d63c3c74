// A module with one relaxed-SIMD instruction: engine.ts embeds its bytes and asks
// WebAssembly.validate whether this runtime accepts relaxed SIMD before picking a build.
export function probe(x: f32): f32 {
  const v = f32x4.splat(x);
  return f32x4.extract_lane(f32x4.relaxed_madd(v, v, v), 0);
}
