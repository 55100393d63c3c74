// The machine's per-core WebAssembly SIMD ceiling, as ../shared/tools/ceiling/ceiling.mjs measures
// it but built here so the bench needs nothing outside the repository: register-only loops of 10
// or 12 independent f32x4 accumulator chains with f32x4.mul + f32x4.add ('muladd') or
// f32x4.relaxed_madd ('relaxed'). The module is encoded by hand (a few dozen bytes).
//   const probe = ceilingProbe('muladd', 12); probe.gflops(2e5)
// And the int8 dots' ceilings (GOP/s, 2 per multiply-add), which shared/tools/ceiling has not:
// 'i16dot' c += i32x4.dot_i16x8_s(c, k) (8 multiply-adds a step: the SIMD128 int8 GEMM's dot) and
// 'i8dot' c += extadd_pairwise(i16x8.relaxed_dot_i8x16_i7x16_s(k, c)) (16 a step: the relaxed
// build's split dot, pmaddubsw + pmaddwd + paddd on x64 without VNNI). Each step reads its chain,
// so no dot is loop-invariant.

export type ProbeKind = 'muladd' | 'relaxed' | 'i16dot' | 'i8dot';

/** Operations (2 per multiply-add) one chain step of a probe counts. */
const OPS_PER_STEP: Record<ProbeKind, number> = { muladd: 8, relaxed: 8, i16dot: 16, i8dot: 32 };

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n !== 0) b |= 0x80; out.push(b); } while (n !== 0);
  return out;
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/**
 * (func (param $iters i32) (param $x f32) (result f32)): `chains` chains c = c·k + splat(x), k a
 * v128.const, iters steps each; the loop of ../shared/tools/ceiling's probes, so the figures match
 * that tool's (the issues and shared/FIGURES.md quote it).
 */
function probeModule(kind: ProbeKind, chains: number): Uint8Array<ArrayBuffer> {
  const SIMD = 0xfd;
  const get = (i: number) => [0x20, ...uleb(i)], set = (i: number) => [0x21, ...uleb(i)];
  const splat = [SIMD, ...uleb(0x13)], add = [SIMD, ...uleb(0xe4)], mul = [SIMD, ...uleb(0xe6)];
  const madd = [SIMD, ...uleb(0x105)];
  const i32add = [SIMD, ...uleb(0xae)], dot16 = [SIMD, ...uleb(0xba)], dot8 = [SIMD, ...uleb(0x112)], extadd = [SIMD, ...uleb(0x7e)];
  const k = [SIMD, ...uleb(0x0c), ...Array(4).fill([0x77, 0xbe, 0x7f, 0x3f]).flat()]; // 0.999 in each lane
  // Locals: 0 iters, 1 x (params); 2 a, 3.. the chains (v128); then the counter (i32).
  const A = 2, C = (i: number) => 3 + i, I = 3 + chains;
  const body: number[] = [2, ...uleb(chains + 1), 0x7b, 1, 0x7f];
  body.push(...get(1), ...splat, ...set(A));
  for (let i = 0; i < chains; i++) body.push(...get(1), ...splat, ...set(C(i)));
  body.push(0x03, 0x40, ...get(0), ...get(I), 0x4a, 0x04, 0x40); // loop; if (iters > i)
  for (let i = 0; i < chains; i++) {
    if (kind === 'relaxed') body.push(...get(C(i)), ...k, ...get(A), ...madd, ...set(C(i)));
    else if (kind === 'i16dot') body.push(...get(C(i)), ...get(C(i)), ...k, ...dot16, ...i32add, ...set(C(i)));
    else if (kind === 'i8dot') body.push(...get(C(i)), ...k, ...get(C(i)), ...dot8, ...extadd, ...i32add, ...set(C(i)));
    else body.push(...get(C(i)), ...k, ...mul, ...get(A), ...add, ...set(C(i)));
  }
  body.push(...get(I), 0x41, 1, 0x6a, ...set(I), 0x0c, 1, 0x0b, 0x0b); // i++; br loop; end if; end loop
  body.push(...get(C(0)));
  for (let i = 1; i < chains; i++) body.push(...get(C(i)), ...add);
  body.push(SIMD, ...uleb(0x1f), 0, 0x0b); // f32x4.extract_lane 0; end
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, 0x7f, 0x7d, 1, 0x7d]),
    ...section(3, [1, 0]),
    ...section(7, [1, 3, ...Array.from('run', (c) => c.charCodeAt(0)), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return new Uint8Array(bytes);
}

export interface CeilingProbe { kind: ProbeKind; chains: number; gflops(iters?: number): number }

/** A probe, or null when this runtime does not validate it (relaxed SIMD off). */
export function ceilingProbe(kind: ProbeKind, chains: number): CeilingProbe | null {
  const bytes = probeModule(kind, chains);
  if (!WebAssembly.validate(bytes)) return null;
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.run as (n: number, x: number) => number;
  run(1000, 1);
  return {
    kind, chains,
    gflops(iters = 2e5) {
      const t = performance.now();
      run(iters, 1);
      return (iters * chains * OPS_PER_STEP[kind]) / ((performance.now() - t) / 1e3) / 1e9;
    },
  };
}

/** The best of the 10- and 12-chain probes of a kind over `ms` milliseconds, GFLOP/s (GOP/s). */
export function ceiling(kind: ProbeKind, ms = 40): number {
  let best = 0;
  for (const chains of kind === 'i8dot' || kind === 'i16dot' ? [12, 14] : [10, 12]) {
    const probe = ceilingProbe(kind, chains);
    if (probe === null) return NaN;
    const t0 = performance.now();
    while (performance.now() - t0 < ms / 2) best = Math.max(best, probe.gflops());
  }
  return best;
}
