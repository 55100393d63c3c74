// Generates assembly/kernels/gemm_ukernel.ts: the f32 GEMM micro-kernels, one per tile, and the
// dispatcher gemm.ts calls. The generator exists so tiles can be re-tuned in one place with
// systematic register names (acc<row>x0123, acc<row>x4567, ... as XNNPACK names them).
//   node scripts/gen-gemm-ukernel.mjs [SIMD_TILE] [RELAXED_TILE] > assembly/kernels/gemm_ukernel.ts
// A tile is MRxNR:broadcast, broadcast 'splat' (one load32_splat per row of A) or 'shuffle' (one
// v128.load per 4 rows of A, lanes broadcast by shuffles); NR is 8 or 16. Defaults: 2x16:splat
// for the SIMD128 build, 5x8:shuffle for the relaxed one. 4x8:splat is always generated: conv.ts's
// edge panels use it.
// CI (npm run build) regenerates with the defaults and fails when the committed file differs.
//
// Why these tiles, measured on V8 (Node 20) on this Zen machine (bench/README.md has the table):
// - V8 schedules every load of the loop body above the FMAs (loads are pinned on the effect
//   chain, the pure FMAs sink to their uses), so everything loaded in one k step is live at
//   once: MR broadcasts + NR/4 B vectors + MR·NR/4 accumulators must fit 15 xmm registers.
//   With load32_splat, 5x8 and 6x8 spill (5x8 relaxed: 15 GFLOP/s kernel-only).
// - A shuffle is pure, so V8 places each broadcast next to its two FMAs and one temp register
//   serves all rows: 5x8:shuffle needs 10 accumulators + 2 B + 2 A + 1 temp = 15, no spill.
// - relaxed_madd (vfmadd231ps) is latency-bound here: a bare loop of 8 independent chains runs
//   at 27 GFLOP/s, 10 chains at 36. Kernel-only, 4x8 (8 chains) reaches 29.8 and 5x8:shuffle
//   (10 chains) 33, ~90 % of its bound. 6x8:shuffle (17 registers) spills: 18. 3x12:shuffle
//   (9 chains): 29.8.
// - Without FMA (SIMD128: mul then add) the chains are not the limit but issue slots are, and
//   the shuffles take ports the mul/add need: 4x8:splat 22.6 kernel-only, 5x8:shuffle 21.5,
//   4x8:shuffle 17.4. 2x16:splat issues 4 B loads + 2 splats (1 leaq) per 8 mul+add pairs
//   where 4x8 issues 2 + 4 (3 leaq): +3-7 % on the whole GEMM; on the relaxed build it is 7 %
//   behind 5x8.
// - The B pointer is the loop counter: one compare per k step.
// - V8 folds constant offsets into v128.load but not into load32_splat (a leaq per row).
const [simdTile, relaxedTile] = [process.argv[2] ?? '2x16:splat', process.argv[3] ?? '5x8:shuffle'];

function parseTile(spec) {
  const m = /^(\d+)x(\d+):(splat|shuffle)$/.exec(spec);
  if (!m) throw new Error(`tile "${spec}": expected MRxNR:splat or MRxNR:shuffle`);
  const tile = { mr: Number(m[1]), nr: Number(m[2]), bcast: m[3] };
  if (tile.nr !== 8 && tile.nr !== 16) throw new Error(`tile "${spec}": NR must be 8 or 16`);
  return tile;
}

const simd = parseTile(simdTile);
const relaxed = parseTile(relaxedTile);
const tiles = [];
for (const t of [parseTile('4x8:splat'), simd, relaxed]) {
  const same = tiles.find((u) => u.mr === t.mr && u.nr === t.nr);
  if (!same) tiles.push(t);
  else if (same.bcast !== t.bcast) throw new Error(`two broadcast styles for ${t.mr}x${t.nr} (4x8 is splat)`);
}
const TILE_MAX = Math.max(...tiles.map((t) => t.mr * t.nr));

const HEX = '0123456789ABCDEF';
const L = [];
const p = (s = '') => L.push(s);
const tileName = (t) => `gemm_ukernel_${t.mr}x${t.nr}`;

function emitTile({ mr: MR, nr: NR, bcast }) {
  const rows = [...Array(MR).keys()];
  const cols = [...Array(NR / 4).keys()].map((v) => ({ v, name: 'x' + HEX.slice(4 * v, 4 * v + 4) }));
  p(`/** C[${MR} x ${NR}] (+)= A panel[${MR} x kc] · B panel[kc x ${NR}]; A lanes broadcast by ${bcast}. */`);
  p(`export function ${tileName({ mr: MR, nr: NR })}(kc: i32, a: usize, b: usize, c: usize, cStride: usize,`);
  p('    accumulate: bool, clamp: bool, lo: f32, hi: f32): void {');
  for (const r of rows) p(`  const c${r} = c + ${r} * cStride;`);
  for (const r of rows) p(`  let ${cols.map((c) => `acc${r}${c.name}: v128`).join(', ')};`);
  p('  if (accumulate) {');
  for (const r of rows) p('    ' + cols.map((c) => `acc${r}${c.name} = v128.load(c${r}, ${16 * c.v});`).join(' '));
  p('  } else {');
  p('    ' + cols.map((c) => `acc0${c.name} = v128.load(b, ${16 * c.v});`).join(' '));
  for (const r of rows.slice(1)) p('    ' + cols.map((c) => `acc${r}${c.name} = acc0${c.name};`).join(' '));
  p('  }');
  p(`  b += ${NR * 4};`);
  p(`  const bEnd = b + <usize>kc * ${NR * 4};`);
  p('  while (b < bEnd) {');
  p('    ' + cols.map((c) => `const vb${c.name.slice(1)} = v128.load(b, ${16 * c.v});`).join(' '));
  if (bcast === 'shuffle') {
    // Groups of 4 rows in one v128; a last group of 1 or 2 rows loads only what it needs.
    for (let g = 0; g < MR; g += 4) {
      const n = MR - g;
      const load = n === 1 ? 'v128.load32_splat' : n === 2 ? 'v128.load64_zero' : 'v128.load';
      p(`    const va${g}_${Math.min(g + 3, MR - 1)} = ${load}(a, ${g * 4});`);
    }
  }
  for (const r of rows) {
    const g = r - (r % 4);
    const group = `va${g}_${Math.min(g + 3, MR - 1)}`;
    if (bcast === 'splat') p(`    const va${r} = v128.load32_splat(a, ${r * 4});`);
    else if (MR - g === 1) p(`    const va${r} = ${group};`);
    else p(`    const va${r} = v128.shuffle<f32>(${group}, ${group}, ${r % 4}, ${r % 4}, ${r % 4}, ${r % 4});`);
    for (const c of cols) p(`    acc${r}${c.name} = madd4(va${r}, vb${c.name.slice(1)}, acc${r}${c.name});`);
  }
  p(`    a += ${MR * 4}; b += ${NR * 4};`);
  p('  }');
  p('  if (clamp) {');
  p('    const vlo = f32x4.splat(lo); const vhi = f32x4.splat(hi);');
  for (const r of rows) for (const c of cols) p(`    acc${r}${c.name} = clamp4(acc${r}${c.name}, vlo, vhi);`);
  p('  }');
  for (const r of rows) p('  ' + cols.map((c) => `v128.store(c${r}, acc${r}${c.name}, ${16 * c.v});`).join(' '));
  p('}');
  p();
}

p('// GENERATED by scripts/gen-gemm-ukernel.mjs — do not edit; change the generator and rerun it.');
p('//');
p('// The f32 GEMM micro-kernels: C[MR x NR] (+)= Apacked[MR x kc] · Bpanel[kc x NR], then an');
p('// optional clamp. The reasons for each tile are in the generator.');
p('//');
p('//   A panel (pack_a):  k-major, MR floats per k         a[k*MR + r]');
p('//   B panel (pack_b):  NR bias floats, then NR per k    b[NR + k*NR + j]');
p('//   C: MR rows of 8 floats, row r at c + r*cStride (bytes); fully written (callers route');
p('//      edge tiles through a scratch tile).');
p('// accumulate = false: start from the panel bias; true: start from C (later k blocks).');
p('// clamp = true: clamp4 (pmax/pmin, NaN kept) with lo/hi before the store (fused relu/relu6).');
p('import { clamp4, madd4 } from "../simd";');
p();
p(`/** gemm_f32's tile: ${simd.mr}x${simd.nr} in the SIMD128 build, ${relaxed.mr}x${relaxed.nr} in the relaxed build. */`);
p('// @ts-ignore: decorator');
p(`@inline export const GEMM_MR: i32 = ASC_FEATURE_RELAXED_SIMD ? ${relaxed.mr} : ${simd.mr};`);
p('// @ts-ignore: decorator');
p(`@inline export const GEMM_NR: i32 = ASC_FEATURE_RELAXED_SIMD ? ${relaxed.nr} : ${simd.nr};`);
p('/** The most floats any tile has (scratch tiles are sized for it). */');
p('// @ts-ignore: decorator');
p(`@inline export const GEMM_TILE_MAX: i32 = ${TILE_MAX};`);
p();
for (const t of tiles) emitTile(t);
p(`/** The mr x nr tile: ${tiles.map((t) => `${t.mr}x${t.nr}`).join(', ')}. */`);
p('export function gemm_ukernel(mr: i32, nr: i32, kc: i32, a: usize, b: usize, c: usize,');
p('    cStride: usize, accumulate: bool, clamp: bool, lo: f32, hi: f32): void {');
const [last, ...others] = [...tiles].reverse();
for (const t of others.reverse()) {
  p(`  if (mr == ${t.mr} && nr == ${t.nr}) {`);
  p(`    ${tileName(t)}(kc, a, b, c, cStride, accumulate, clamp, lo, hi);`);
  p('    return;');
  p('  }');
}
p(`  ${tileName(last)}(kc, a, b, c, cStride, accumulate, clamp, lo, hi);`);
p('}');
console.log(L.join('\n'));
