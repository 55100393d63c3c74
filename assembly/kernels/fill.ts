// Tensor creation kernels: constant fill, seeded uniform and normal random numbers, and a copy.
//
//   out: n elements; seed: any u32. Random values come from a counter-based generator
//   (a 32-bit integer hash of seed and index, as in "Parallel random numbers: as easy as 1, 2, 3",
//   Salmon et al. 2011, here with the lowbias32 hash): element i depends only on (seed, i), so
//   the results are identical in both builds and any runtime.

// @ts-ignore: decorator
@inline function hash32(x: u32): u32 {
  // lowbias32 (Chris Wellons): good avalanche for counters.
  x ^= x >> 16; x *= 0x7feb352d;
  x ^= x >> 15; x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

/** A float in (0, 1) from the 24 high bits of the hash of (seed, i); never 0 (log-safe). */
// @ts-ignore: decorator
@inline function unit(seed: u32, i: u32): f64 {
  return (<f64>(hash32(i ^ hash32(seed)) >> 8) + 0.5) * (1.0 / 16777216.0);
}

/** out[i] = value, for a 32-bit pattern (an f32's or an i32's bits). */
export function fill_32(out: usize, n: i32, bits: u32): i32 {
  const v = i32x4.splat(bits);
  let p = out;
  const end = out + (<usize>n << 2);
  for (; p + 16 <= end; p += 16) v128.store(p, v);
  for (; p < end; p += 4) store<u32>(p, bits);
  return 0;
}

/** out[i] uniform in [lo, hi). */
export function random_uniform_f32(out: usize, n: i32, seed: u32, lo: f32, hi: f32): i32 {
  const range = <f64>hi - <f64>lo;
  for (let i = 0; i < n; i++) {
    let v = <f32>(<f64>lo + range * unit(seed, <u32>i));
    if (v >= hi) v = lo; // rounding to f32 may reach hi
    store<f32>(out + (<usize>i << 2), v);
  }
  return 0;
}

/** out[i] normal(mean, stddev), Box-Muller over pairs of counters; truncated: |z| <= 2 redrawn. */
export function random_normal_f32(out: usize, n: i32, seed: u32, mean: f32, stddev: f32,
    truncated: bool): i32 {
  for (let i = 0; i < n; i++) {
    let z: f64 = 0;
    for (let attempt: u32 = 0; ; attempt++) {
      const c = (<u32>i << 1) + attempt * 0x9E3779B9;
      const u1 = unit(seed, c), u2 = unit(seed ^ 0x5bd1e995, c);
      z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      if (!truncated || Math.abs(z) <= 2) break;
    }
    store<f32>(out + (<usize>i << 2), <f32>(<f64>mean + <f64>stddev * z));
  }
  return 0;
}

/** out = x, n bytes (memory.copy; out may overlap x). */
export function copy_bytes(out: usize, x: usize, bytes: usize): i32 {
  memory.copy(out, x, bytes);
  return 0;
}
