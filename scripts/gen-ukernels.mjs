// Generates the f32 micro-kernels of both builds from one description of their tiles:
//   assembly/kernels/ukernels/*.ts    one file per tile (a GEMM tile with its block loop, a conv tile)
//   assembly/kernels/gemm_ukernel.ts  the GEMM tiles' table and dispatcher
//   assembly/kernels/conv_ukernel.ts  the conv tiles' table and dispatcher
//   js-bindings/tiles.generated.ts    the tile names per build (ready({tiles}), backendInfo())
//     node scripts/gen-ukernels.mjs            writes the three files
//     node scripts/gen-ukernels.mjs --check    fails when a committed file differs (npm run build)
//
// Which tile is fastest depends on the CPU and on the engine's register allocator, so each build
// carries several and ready() times them on this machine (js-bindings/calibrate.ts). Every
// tile accumulates each output element in the same order (bias, then k = 0, 1, 2, ... within a
// KC slice, then the next slice starting from C), so every tile of one arithmetic gives
// bit-identical results.
//
// A tile is MRxNR:broadcast[:muladd].
// - broadcast 'splat': one load32_splat per row of A and k. 'shuffle': one v128.load per 4 rows
//   of A (a last group of 1 or 2 rows loads only those), lanes broadcast by shuffles.
// - ':muladd' (relaxed build only): f32x4.mul then f32x4.add, exactly the SIMD128 build's
//   arithmetic, for CPUs where relaxed_madd does not pay (it is then bit-identical to SIMD128).
//   Without it a tile uses madd4: relaxed_madd in the relaxed build, mul+add in SIMD128.
//
// What decides speed (V8, x64; bench/README.md has the measurements per CPU):
// - V8 schedules every load of the loop body above the arithmetic (loads sit on the effect chain,
//   the pure ops sink to their uses), so everything loaded in one k step is live at once: MR
//   broadcasts + NR/4 B vectors + MR·NR/4 accumulators must fit the 16 xmm registers of x64 or
//   the loop spills (12-accumulator tiles: 27-29 GFLOP/s kernel-only on Zen 5, against 52-56).
//   ARM64 has 32 vector registers: 6x8 is there for it (XNNPACK's wasmsimd choice for ARM; 3x16
//   and 4x16 were measured here too and dropped from the builds: each tile ready() times delays
//   the optimized code of all of them).
// - A shuffle is pure, so V8 places each broadcast next to its uses and one temp register serves
//   all rows: 5x8:shuffle keeps 10 accumulators without spilling; with relaxed_madd (latency-
//   bound chains) it is the fastest tile on Zen 3 and Zen 5.
// - Without FMA the issue slots, not the chains, are the limit, and shuffles take ports the
//   mul/add need: 2x16:splat (4 B loads + 2 splats per 8 mul+add pairs) leads there.
// - Nothing but the loop's pointers may be live across the loop: the clamp bounds are read after
//   it (from clampBounds), not passed as f32 parameters, which V8 keeps in xmm registers through
//   the loop (two registers fewer: 2x16 fell from 52 to 43 GFLOP/s on Zen 5).
// - The B pointer is the loop counter: one compare per k step. V8 folds constant offsets into
//   v128.load but not into load32_splat (a leaq per row).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const GEMM_TILES = {
  // Index 0 is the default before calibration (and under ready({tiles: 'default'})).
  simd: ['2x16:splat', '4x8:splat', '5x8:shuffle', '6x8:splat'],
  relaxed: ['5x8:shuffle', '2x16:splat', '6x8:splat', '2x16:splat:muladd', '4x8:splat', '4x8:splat:muladd'],
};
// Tiles kept for the conv edges (below) that ready() does not time: every candidate timed makes
// the engine's optimizing compiler take longer before any of them runs optimized code (V8: a few
// ms per tile, published together), and these lose to 2x16 in each arithmetic on x64.
const GEMM_UNTIMED = { simd: [], relaxed: ['4x8:splat', '4x8:splat:muladd'] };
// The conv tiles read A in place through 4 row pointers per panel (conv.ts's indirection
// buffer) and B from the 8-column panels the Winograd paths write too, so all are 4x8; each
// has a GEMM tile of the same shape and arithmetic for the panels conv.ts gathers at the
// image's edges.
const CONV_TILES = {
  simd: ['4x8:splat'],
  relaxed: ['4x8:splat', '4x8:splat:muladd'],
};

const HEX = '0123456789ABCDEF';

function parseTile(spec) {
  const m = /^(\d+)x(\d+):(splat|shuffle)(:muladd)?$/.exec(spec);
  if (!m) throw new Error(`tile "${spec}": expected MRxNR:splat|shuffle[:muladd]`);
  const tile = { spec, mr: Number(m[1]), nr: Number(m[2]), bcast: m[3], muladd: m[4] !== undefined };
  if (tile.nr % 4 !== 0 || tile.nr > 16 || tile.mr < 1 || tile.mr > 8) {
    throw new Error(`tile "${spec}": NR must be 4, 8, 12 or 16 and MR 1..8`);
  }
  return tile;
}

const fnName = (kind, t) => `${kind}_ukernel_${t.mr}x${t.nr}_${t.bcast}${t.muladd ? '_muladd' : ''}`;
const madd = (t) => (t.muladd ? 'muladd4' : 'madd4');

function emitter() {
  const lines = [];
  const p = (s = '') => lines.push(s);
  return { lines, p };
}

/** The loop body of one k step for rows/cols, A at `aRef(row)` (splat) or packed (shuffle). */
function emitKStep(p, t, indent, aLoad) {
  const rows = [...Array(t.mr).keys()];
  const cols = [...Array(t.nr / 4).keys()];
  p(indent + cols.map((v) => `const vb${v} = v128.load(b, ${16 * v});`).join(' '));
  if (t.bcast === 'shuffle') {
    for (let g = 0; g < t.mr; g += 4) {
      const n = t.mr - g;
      const load = n === 1 ? 'v128.load32_splat' : n === 2 ? 'v128.load64_zero' : 'v128.load';
      p(`${indent}const va${g}_${Math.min(g + 3, t.mr - 1)} = ${load}(a, ${g * 4});`);
    }
  }
  for (const r of rows) {
    const g = r - (r % 4);
    const group = `va${g}_${Math.min(g + 3, t.mr - 1)}`;
    if (t.bcast === 'splat') p(`${indent}const va${r} = v128.load32_splat(${aLoad(r)});`);
    else if (t.mr - g === 1) p(`${indent}const va${r} = ${group};`);
    else p(`${indent}const va${r} = v128.shuffle<f32>(${group}, ${group}, ${r % 4}, ${r % 4}, ${r % 4}, ${r % 4});`);
    for (const v of cols) p(`${indent}acc${r}x${v} = ${madd(t)}(va${r}, vb${v}, acc${r}x${v});`);
  }
}

function emitGemmTile(p, t) {
  const rows = [...Array(t.mr).keys()];
  const cols = [...Array(t.nr / 4).keys()];
  const name = fnName('gemm', t);
  p(`/** C[${t.mr} x ${t.nr}] (+)= A panel[${t.mr} x kc] · B panel[kc x ${t.nr}]${t.muladd ? ', mul then add' : ''}. */`);
  p('// @ts-ignore: decorator');
  p(`@inline function ${name}(kc: i32, a: usize, b: usize, c: usize, cStride: usize, accumulate: bool): void {`);
  p('  // The start: C (accumulate) or the bias head of the B panel, the same for every row.');
  p('  const init = accumulate ? c : b;');
  p('  const initStride = accumulate ? cStride : 0;');
  for (const r of rows) p(`  let ${cols.map((v) => `acc${r}x${v} = v128.load(init + ${r} * initStride, ${16 * v})`).join(', ')};`);
  p(`  b += ${t.nr * 4};`);
  p(`  const bEnd = b + <usize>kc * ${t.nr * 4};`);
  p('  while (b < bEnd) {');
  emitKStep(p, t, '    ', (r) => `a, ${r * 4}`);
  p(`    a += ${t.mr * 4}; b += ${t.nr * 4};`);
  p('  }');
  for (const r of rows) p('  ' + cols.map((v) => `v128.store(c + ${r} * cStride, acc${r}x${v}, ${16 * v});`).join(' '));
  p('}');
  p();
  p(`/** gemm_packed_block with ${name} inlined (the tile as a call of its own runs up to 17 % slower). */`);
  p(`export function ${name.replace('ukernel', 'block')}(c: usize, ldc: i32, aPacked: usize, bPacked: usize, mc: i32,`);
  p('    n: i32, kc: i32, accumulate: bool, clamp: bool): void {');
  p('  const cStride = <usize>ldc << 2;');
  p(`  const aPanelBytes = <usize>kc * ${t.mr * 4};`);
  p(`  const bPanelBytes = <usize>(kc + 1) * ${t.nr * 4};`);
  p(`  const edgeStride: usize = ${t.nr * 4};`);
  p('  let bp = bPacked;');
  p(`  for (let j0 = 0; j0 < n; j0 += ${t.nr}) {`);
  p(`    const cols = min(${t.nr}, n - j0);`);
  p('    let ap = aPacked;');
  p('    let cRow = c + (<usize>j0 << 2);');
  p(`    for (let i0 = 0; i0 < mc; i0 += ${t.mr}) {`);
  p(`      const rows = min(${t.mr}, mc - i0);`);
  p(`      const edge = rows < ${t.mr} || cols < ${t.nr};`);
  p('      let target = cRow, stride = cStride;');
  p('      if (edge) {');
  p('        if (accumulate) copyTile(edgeTile, edgeStride, cRow, cStride, rows, cols);');
  p('        target = edgeTile;');
  p('        stride = edgeStride;');
  p('      }');
  p(`      ${name}(kc, ap, bp, target, stride, accumulate);`);
  p(`      if (clamp) clampTile(target, stride, ${t.mr}, ${t.nr / 4});`);
  p('      if (edge) copyTile(cRow, cStride, edgeTile, edgeStride, rows, cols);');
  p('      ap += aPanelBytes;');
  p(`      cRow += cStride * ${t.mr};`);
  p('    }');
  p('    bp += bPanelBytes;');
  p('  }');
  p('}');
  p();
}

/**
 * The conv tile: for each of `rowPanels` panels of MR rows (rows: MR u32 pointers each, a
 * panel with a 0 first pointer skipped) and each of `panels` NR-column B panels, C (+)= A · B
 * with A row r's k-th float the k-th of the segment runs at its pointer. One copy of the loops
 * per (accumulate, clamp): flags tested per tile cost 5-15 % on small K (K = 9 .. 27).
 * The k loop is not unrolled: with MR more live pointers than the packed kernel, unrolling
 * makes V8 spill accumulators (-10 % on 3x3x32 -> 64).
 */
function emitConvTile(p, t) {
  const rows = [...Array(t.mr).keys()];
  const cols = [...Array(t.nr / 4).keys()];
  if (t.bcast !== 'splat') throw new Error(`conv tile ${t.spec}: A rows are read in place, splat only`);
  p(`/** ${t.mr} pixels x ${t.nr} channels per tile${t.muladd ? ', mul then add' : ''}. */`);
  p(`export function ${fnName('conv', t)}(rowPanels: i32, rows: usize, panels: i32, segs: usize, nseg: i32,`);
  p('    bPanels: usize, kc: i32, c: usize, cStride: usize, accumulate: bool, clamp: bool): void {');
  p(`  const bPanelBytes = <usize>((kc + 1) * ${t.nr * 4}); // one B panel: bias head + kc rows`);
  const variant = (acc, cl) => {
    const q = (s) => p('    ' + s);
    // The bounds stay in registers through the loops (as in the clamping copies only): reading
    // them per tile costs the short-K convolutions (K = 9) a few %.
    if (cl) q('const lo = f32x4.splat(load<f32>(clampBounds)); const hi = f32x4.splat(load<f32>(clampBounds, 4));');
    q('for (let q = 0; q < rowPanels; q++) {');
    for (const r of rows) q(`  const p${r} = <usize>load<u32>(rows, ${4 * r});`);
    q(`  rows += ${4 * t.mr};`);
    q('  if (p0 != 0) {');
    q('    let b = bPanels;');
    q('    let cp = c;');
    q('    const bEnd = bPanels + <usize>panels * bPanelBytes;');
    q('    while (b < bEnd) {');
    for (const r of rows) q(`      let ${cols.map((v) => `acc${r}x${v}: v128`).join(', ')};`);
    if (acc) {
      for (const r of rows) q('      ' + cols.map((v) => `acc${r}x${v} = v128.load(cp + ${r} * cStride, ${16 * v});`).join(' '));
    } else {
      q('      ' + cols.map((v) => `acc0x${v} = v128.load(b, ${16 * v});`).join(' '));
      for (const r of rows.slice(1)) q('      ' + cols.map((v) => `acc${r}x${v} = acc0x${v};`).join(' '));
    }
    q(`      b += ${t.nr * 4};`);
    q('      for (let s = 0; s < nseg; s++) {');
    q('        const seg = segs + (<usize>s << 3);');
    q('        const off = <usize>load<u32>(seg);');
    for (const r of rows) q(`        let a${r} = p${r} + off;`);
    q('        for (let k = load<i32>(seg, 4); k > 0; k--) {');
    emitKStep(p, t, '            ', (r) => `a${r}`);
    q(`          ${rows.map((r) => `a${r} += 4;`).join(' ')} b += ${t.nr * 4};`);
    q('        }');
    q('      }');
    if (cl) {
      for (const r of rows) q('      ' + cols.map((v) => `acc${r}x${v} = clamp4(acc${r}x${v}, lo, hi);`).join(' '));
    }
    for (const r of rows) q('      ' + cols.map((v) => `v128.store(cp + ${r} * cStride, acc${r}x${v}, ${16 * v});`).join(' '));
    q(`      cp += ${t.nr * 4};`);
    q('    }');
    q('  }');
    q(`  c += ${t.mr} * cStride;`);
    q('}');
  };
  p('  if (accumulate && clamp) {');
  variant(true, true);
  p('  } else if (accumulate) {');
  variant(true, false);
  p('  } else if (clamp) {');
  variant(false, true);
  p('  } else {');
  variant(false, false);
  p('  }');
  p('}');
  p();
}

/** Every distinct tile function of a kind over both builds, and per build the list of them. */
function tileSet(lists) {
  const tiles = { simd: lists.simd.map(parseTile), relaxed: lists.relaxed.map(parseTile) };
  for (const t of tiles.simd) if (t.muladd) throw new Error(`${t.spec}: ':muladd' is for the relaxed build`);
  const distinct = [];
  for (const t of [...tiles.simd, ...tiles.relaxed]) {
    if (!distinct.some((u) => u.spec === t.spec)) distinct.push(t);
  }
  return { tiles, distinct };
}

/** switch (tile) { case i: <call for list[i]>; return; } per build, list[0] as the default. */
function emitDispatch(p, tiles, call) {
  const body = (list) => {
    p('    switch (tile) {');
    list.slice(1).forEach((t, i) => p(`      case ${i + 1}: ${call(t)}; return;`));
    p(`      default: ${call(list[0])};`);
    p('    }');
  };
  p('  if (ASC_FEATURE_RELAXED_SIMD) {');
  body(tiles.relaxed);
  p('  } else {');
  body(tiles.simd);
  p('  }');
}

function emitShapeTable(p, name, doc, tiles, field) {
  p(`/** ${doc} */`);
  p(`export function ${name}(tile: i32): i32 {`);
  const table = (list) => `[${list.map((t) => t[field]).join(', ')}]`;
  p(`  // relaxed ${table(tiles.relaxed)}, SIMD128 ${table(tiles.simd)}`);
  const lookup = (list, indent) => {
    list.forEach((t, i) => { if (i > 0) p(`${indent}if (tile == ${i}) return ${t[field]};`); });
    p(`${indent}return ${list[0][field]};`);
  };
  p('  if (ASC_FEATURE_RELAXED_SIMD) {');
  lookup(tiles.relaxed, '    ');
  p('  }');
  lookup(tiles.simd, '  ');
  p('}');
  p();
}

const HEADER = '// GENERATED by scripts/gen-ukernels.mjs — do not edit; change the generator and rerun it.';

/** The file of one tile, in assembly/kernels/ukernels/ (imported by gemm_ukernel.ts / conv_ukernel.ts). */
const tileFile = (kind, t) => `${fnName(kind, t).replace('_ukernel', '')}`;

/** One tile's own file: the tile (and for GEMM its block loop), as emit(p, t) writes it. */
function tileSource(kind, t, imports, emit) {
  const { p, lines } = emitter();
  p(HEADER);
  p(`// The ${t.spec} ${kind === 'gemm' ? 'GEMM' : 'conv'} tile; the layouts are described in ../${kind}_ukernel.ts.`);
  for (const line of imports) p(line);
  p();
  emit(p, t);
  while (lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n') + '\n';
}

function gemmFile() {
  const { p, lines } = emitter();
  const { tiles, distinct } = tileSet(GEMM_TILES);
  p(HEADER);
  p('//');
  p('// The f32 GEMM micro-kernels: C[MR x NR] (+)= Apacked[MR x kc] · Bpanel[kc x NR], then an');
  p('// optional clamp. Tiles per build (index = tile id; the reasons are in the generator):');
  p(`//   SIMD128: ${tiles.simd.map((t) => t.spec).join(', ')}`);
  p(`//   relaxed: ${tiles.relaxed.map((t) => t.spec).join(', ')}`);
  p('//');
  p('//   A panel (pack_a):  k-major, MR floats per k         a[k*MR + r]');
  p('//   B panel (pack_b):  NR bias floats, then NR per k    b[NR + k*NR + j]');
  p('//   C: MR rows of NR floats, row r at c + r*cStride (bytes); fully written (callers route');
  p('//      edge tiles through a scratch tile).');
  p('// accumulate = false: start from the panel bias; true: start from C (later k blocks).');
  p('// clamp = true: clamp4 (pmax/pmin, NaN kept) the finished tile to clampBounds [lo, hi].');
  for (const t of distinct) {
    const block = fnName('gemm', t).replace('ukernel', 'block');
    p(`import { ${block} } from "./ukernels/${tileFile('gemm', t)}";`);
  }
  p();

  p('/** Number of GEMM tiles in this build. */');
  p('// @ts-ignore: decorator');
  p(`@inline export const GEMM_TILE_COUNT: i32 = ASC_FEATURE_RELAXED_SIMD ? ${tiles.relaxed.length} : ${tiles.simd.length};`);
  const most = Math.max(...distinct.map((t) => t.mr * t.nr));
  if (most > 64) throw new Error(`a GEMM tile of ${most} floats: tile_util.ts's edgeTile holds 64`);
  emitShapeTable(p, 'gemm_tile_mr', 'Rows (MR) of GEMM tile `tile`.', tiles, 'mr');
  emitShapeTable(p, 'gemm_tile_nr', 'Columns (NR) of GEMM tile `tile`.', tiles, 'nr');
  p('/**');
  p(' * C[mc, n] (+)= Apacked[mc, kc] · Bpacked[kc, n] with GEMM tile `tile` (an id below');
  p(' * GEMM_TILE_COUNT): A in MR-row panels, B in NR-column panels, C row stride ldc floats.');
  p(' */');
  p('export function gemm_block(tile: i32, c: usize, ldc: i32, aPacked: usize, bPacked: usize, mc: i32,');
  p('    n: i32, kc: i32, accumulate: bool, clamp: bool): void {');
  emitDispatch(p, tiles, (t) => `${fnName('gemm', t).replace('ukernel', 'block')}(c, ldc, aPacked, bPacked, mc, n, kc, accumulate, clamp)`);
  p('}');
  return lines.join('\n') + '\n';
}

function convFile() {
  const { p, lines } = emitter();
  const { tiles, distinct } = tileSet(CONV_TILES);
  const gemm = tileSet(GEMM_TILES).tiles;
  for (const t of [...tiles.simd, ...tiles.relaxed]) {
    if (t.mr !== 4 || t.nr !== 8) throw new Error(`conv tile ${t.spec}: conv.ts and the Winograd paths take 4x8 tiles`);
  }
  p(HEADER);
  p('//');
  p('// The implicit-GEMM ("indirect") conv micro-kernels: for each of `rowPanels` panels of MR rows');
  p('// and each of `panels` NR-column B panels, C[MR x NR] (+)= A[MR x kc] · Bpanel[kc x NR], then');
  p('// an optional clamp. The GEMM tile with A read in place through MR row pointers per panel (an');
  p('// indirection buffer of output-pixel window origins) and a segment table instead of a packed');
  p('// panel. Tiles per build (index = tile id):');
  p(`//   SIMD128: ${tiles.simd.map((t) => t.spec).join(', ')}`);
  p(`//   relaxed: ${tiles.relaxed.map((t) => t.spec).join(', ')}`);
  p('//');
  p('//   rows: MR u32 row pointers per row panel; a panel whose first pointer is 0 is skipped (the');
  p('//     caller computes it another way).');
  p('//   A row r, element k: the k-th float of the runs listed in segs, read at row pointer + off:');
  p('//     segs holds nseg (byte offset u32, length i32) pairs; the lengths sum to kc.');
  p('//   B panels (pack_b): NR bias floats, then NR per k (kc of them), panels back to back.');
  p('//   C: row panel q, row r, panel j at c + (MR·q + r)*cStride + 4·NR·j (bytes); fully written.');
  p('// accumulate = false: start from the panel bias; true: start from C (later k slices).');
  p('// clamp = true: clamp4 to clampBounds [lo, hi] before the store (fused relu/relu6).');
  for (const t of distinct) p(`import { ${fnName('conv', t)} } from "./ukernels/${tileFile('conv', t)}";`);
  p();
  p('/** Number of conv tiles in this build. */');
  p('// @ts-ignore: decorator');
  p(`@inline export const CONV_TILE_COUNT: i32 = ASC_FEATURE_RELAXED_SIMD ? ${tiles.relaxed.length} : ${tiles.simd.length};`);
  p();
  const edge = (build) => tiles[build].map((t) => {
    const i = gemm[build].findIndex((g) => g.mr === t.mr && g.nr === t.nr && g.bcast === 'splat' && g.muladd === t.muladd);
    if (i < 0) throw new Error(`conv tile ${t.spec} (${build}): no GEMM tile of its shape and arithmetic for the edges`);
    return { edge: i };
  });
  emitShapeTable(p, 'conv_edge_gemm_tile', 'The GEMM tile of conv tile `tile`\'s shape and arithmetic (gathered edge panels).',
    { simd: edge('simd'), relaxed: edge('relaxed') }, 'edge');
  p('/** Runs conv tile `tile` (an id below CONV_TILE_COUNT). */');
  p('export function conv_ukernel(tile: i32, rowPanels: i32, rows: usize, panels: i32, segs: usize,');
  p('    nseg: i32, b: usize, kc: i32, c: usize, cStride: usize, accumulate: bool, clamp: bool): void {');
  emitDispatch(p, tiles, (t) => `${fnName('conv', t)}(rowPanels, rows, panels, segs, nseg, b, kc, c, cStride, accumulate, clamp)`);
  p('}');
  return lines.join('\n') + '\n';
}

function namesFile() {
  const list = (xs) => `[${xs.map((s) => `'${s}'`).join(', ')}]`;
  return [
    HEADER,
    '// The micro-kernel tiles of each build, index = the tile id the wasm kernels take.',
    `export const GEMM_TILES = { simd: ${list(GEMM_TILES.simd)}, relaxed: ${list(GEMM_TILES.relaxed)} } as const;`,
    `export const CONV_TILES = { simd: ${list(CONV_TILES.simd)}, relaxed: ${list(CONV_TILES.relaxed)} } as const;`,
    '/** GEMM tiles ready() does not time (they serve the conv edges). */',
    `export const GEMM_UNTIMED = { simd: ${list(GEMM_UNTIMED.simd)}, relaxed: ${list(GEMM_UNTIMED.relaxed)} } as const;`,
    '',
  ].join('\n');
}

const root = new URL('..', import.meta.url).pathname;
const TILE_DIR = 'assembly/kernels/ukernels/';
const outputs = {
  'assembly/kernels/gemm_ukernel.ts': gemmFile(),
  'assembly/kernels/conv_ukernel.ts': convFile(),
  'js-bindings/tiles.generated.ts': namesFile(),
};
for (const t of tileSet(GEMM_TILES).distinct) {
  outputs[`${TILE_DIR}${tileFile('gemm', t)}.ts`] = tileSource('gemm', t,
    [`import { ${madd(t)} } from "../../simd";`, 'import { clampTile, copyTile, edgeTile } from "../tile_util";'], emitGemmTile);
}
for (const t of tileSet(CONV_TILES).distinct) {
  outputs[`${TILE_DIR}${tileFile('conv', t)}.ts`] = tileSource('conv', t,
    [`import { clamp4, ${madd(t)} } from "../../simd";`, 'import { clampBounds } from "../tile_util";'], emitConvTile);
}
const check = process.argv.includes('--check');
mkdirSync(root + TILE_DIR, { recursive: true });
// A tile dropped from the lists leaves no file behind.
const stale = readdirSync(root + TILE_DIR).map((f) => TILE_DIR + f).filter((f) => !(f in outputs));
if (check && stale.length > 0) {
  console.error(`${stale.join(', ')}: not generated by scripts/gen-ukernels.mjs any more: run node scripts/gen-ukernels.mjs`);
  process.exit(1);
}
for (const f of stale) rmSync(root + f);
for (const [path, text] of Object.entries(outputs)) {
  if (!check) writeFileSync(root + path, text);
  else if (!existsSync(root + path) || readFileSync(root + path, 'utf8') !== text) {
    console.error(`${path} differs from scripts/gen-ukernels.mjs: run node scripts/gen-ukernels.mjs`);
    process.exit(1);
  }
}
