// --only tiles: every micro-kernel tile of the build this process loaded, against the machine's
// ceiling measured in the same interleaved rounds (bench/ceiling.ts). Per GEMM tile: kernel-only
// GFLOP/s (the calibration block of assembly/kernels/calibrate.ts, what ready() times) and whole
// gemm_f32 GFLOP/s at N = 256, 512, 1024 (packing and edges included; arena buffers, nothing read
// back). Per conv tile: kernel-only and whole conv2d_nhwc_f32 on the bench's conv shapes. And the
// tiles ready()'s calibration chose, with their whole-kernel speed against the best candidate's.
import * as lp from '../js-bindings/index.js';
import { engine } from '../js-bindings/engine.js';
import { tileNames } from '../js-bindings/tile_names.js';
import { ceiling } from './ceiling.js';
import { CONV_SHAPES, convFlops, type ConvShape } from './shapes.js';

export const TILE_GEMM_SIZES = [256, 512, 1024];

export interface TileReport {
  build: string;
  chosen: { gemm: string; conv: string };
  calibrationMs: number;
  /** Median over rounds of each ceiling, GFLOP/s (relaxed: null in the SIMD128 build's process). */
  ceilings: { muladd: number; relaxed: number | null };
  /** The ceiling of this build's arithmetic the fractions are taken against. */
  ceilingKind: 'muladd' | 'relaxed';
  /** Per tile and measurement ('kernel', 'gemm 256', ..., 'conv ...'): median GFLOP/s and median fraction of the ceiling. */
  rows: { kind: 'gemm' | 'conv'; tile: string; what: string; gflops: number; fraction: number }[];
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** Best GFLOP/s of fn over about `ms` milliseconds (at least two calls). */
function best(fn: () => void, flops: number, ms: number): number {
  let fastest = Infinity;
  const t0 = performance.now();
  for (let calls = 0; calls < 2 || performance.now() - t0 < ms; calls++) {
    const t = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - t);
  }
  return flops / fastest / 1e6;
}

export async function tileReport(rounds: number): Promise<TileReport> {
  await lp.tilesSettled(); // the choice the report names: after the calibration's later passes
  const info = lp.backendInfo();
  const k = engine.k;
  const names = tileNames(info.build);
  const check = (status: number) => { if (status !== 0) throw new Error(`bench: kernel status ${status}`); };
  if (k.calibration_setup() !== 0) throw new Error('bench: no memory for the calibration blocks');
  const gemmBuffers = TILE_GEMM_SIZES.map((n) => [lp.randomUniform([n, n], -1, 1, 'float32', 1),
    lp.randomUniform([n, n], -1, 1, 'float32', 2), lp.zeros([n, n])]);
  const convBuffers = CONV_SHAPES.map((s: ConvShape) => {
    const [n, h, w, cin] = s.input, oh = h - s.kernel + 1, ow = w - s.kernel + 1;
    return { s, oh, ow, x: lp.randomUniform(s.input, -1, 1, 'float32', 3),
      f: lp.randomUniform([s.kernel, s.kernel, cin, s.filters], -1, 1, 'float32', 4), y: lp.zeros([n, oh, ow, s.filters]) };
  });
  interface Item { kind: 'gemm' | 'conv'; tile: string; what: string; run: () => number }
  const items: Item[] = [];
  names.gemm.forEach((tile, id) => {
    const select = () => check(k.set_tiles(id, 0));
    items.push({ kind: 'gemm', tile, what: 'kernel', run: () => { select(); return best(() => k.calibrate_gemm(id, 4), 4 * 2 * 60 * 96 * 256, 25); } });
    TILE_GEMM_SIZES.forEach((n, i) => {
      const [a, b, c] = gemmBuffers[i];
      items.push({ kind: 'gemm', tile, what: `gemm ${n}`, run: () => {
        select();
        return best(() => check(k.gemm_f32(c.ptr, a.ptr, b.ptr, 0, n, n, n, 0, 0, 0, 0)), 2 * n ** 3, n >= 1024 ? 120 : 40);
      } });
    });
  });
  names.conv.forEach((tile, id) => {
    const select = () => check(k.set_tiles(0, id));
    items.push({ kind: 'conv', tile, what: 'kernel', run: () => { select(); return best(() => k.calibrate_conv(id, 8), 8 * 2 * 64 * 64 * 144, 25); } });
    for (const { s, oh, ow, x, f, y } of convBuffers) {
      const [n, h, w, cin] = s.input;
      items.push({ kind: 'conv', tile, what: `conv ${s.kernel}x${s.kernel} [${s.input}]→${s.filters}`, run: () => {
        select();
        return best(() => check(k.conv2d_nhwc_f32(y.ptr, x.ptr, f.ptr, 0, n, h, w, cin, s.kernel, s.kernel, s.filters,
          1, 1, 1, 1, 0, 0, oh, ow, 0, 0)), convFlops(s), 40);
      } });
    }
  });
  const ceilingKind = info.build === 'relaxed' ? 'relaxed' : 'muladd';
  const ceilings = { muladd: [] as number[], relaxed: [] as number[] };
  const gflops = items.map(() => [] as number[]), fractions = items.map(() => [] as number[]);
  try {
    for (let r = 0; r < rounds; r++) {
      // Ceiling, then the items (their order rotating), then the ceiling again: each item is
      // taken against the mean of the two ceilings of its own round.
      const before = ceiling(ceilingKind);
      const got = items.map(() => 0);
      for (let i = 0; i < items.length; i++) {
        const j = (i + r * 7) % items.length;
        got[j] = items[j].run();
      }
      const after = ceiling(ceilingKind);
      const roundCeiling = (before + after) / 2;
      ceilings[ceilingKind].push(roundCeiling);
      if (ceilingKind === 'relaxed') ceilings.muladd.push(ceiling('muladd'));
      got.forEach((g, i) => { gflops[i].push(g); fractions[i].push(g / roundCeiling); });
      process.stderr.write('.');
    }
  } finally {
    check(k.set_tiles(names.gemm.indexOf(info.tiles.gemm), names.conv.indexOf(info.tiles.conv)));
    k.calibration_teardown();
    for (const t of gemmBuffers.flat()) t.dispose();
    for (const c of convBuffers) { c.x.dispose(); c.f.dispose(); c.y.dispose(); }
  }
  return {
    build: info.build, chosen: info.tiles, calibrationMs: info.calibration.ms,
    ceilings: { muladd: median(ceilings.muladd), relaxed: ceilings.relaxed.length ? median(ceilings.relaxed) : null },
    ceilingKind,
    rows: items.map((it, i) => ({ kind: it.kind, tile: it.tile, what: it.what, gflops: median(gflops[i]), fraction: median(fractions[i]) })),
  };
}

/** Markdown for one build's report: the GEMM table, the conv table, the choice. */
export function tileTables(r: TileReport, cpu: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const cell = (row: { gflops: number; fraction: number } | undefined) => row ? `${row.gflops.toFixed(1)} (${pct(row.fraction)})` : '–';
  const find = (kind: string, tile: string, what: string) => r.rows.find((x) => x.kind === kind && x.tile === tile && x.what === what);
  const out: string[] = [];
  const ceil = r.ceilingKind === 'relaxed' ? r.ceilings.relaxed ?? NaN : r.ceilings.muladd;
  out.push(`**${r.build} build**, ${cpu}: ceiling ${r.ceilings.muladd.toFixed(1)} GFLOP/s mul+add` +
    (r.ceilings.relaxed === null ? '' : `, ${r.ceilings.relaxed.toFixed(1)} relaxed_madd`) +
    ` (fractions below: of the ${r.ceilingKind === 'relaxed' ? 'relaxed_madd' : 'mul+add'} ceiling, ${ceil.toFixed(1)}). ` +
    `Calibration (${r.calibrationMs.toFixed(1)} ms) chose **${r.chosen.gemm}** for GEMM and **${r.chosen.conv}** for conv.\n`);
  const gemmTiles = [...new Set(r.rows.filter((x) => x.kind === 'gemm').map((x) => x.tile))];
  const whats = ['kernel', ...TILE_GEMM_SIZES.map((n) => `gemm ${n}`)];
  out.push(`| GEMM tile | kernel-only | ${TILE_GEMM_SIZES.map((n) => `whole GEMM N=${n}`).join(' | ')} |`);
  out.push(`|---|${whats.map(() => '---:').join('|')}|`);
  for (const tile of gemmTiles) {
    const mark = tile === r.chosen.gemm ? ' (chosen)' : '';
    out.push(`| ${tile}${mark} | ${whats.map((w) => cell(find('gemm', tile, w))).join(' | ')} |`);
  }
  // The pick against the best candidate, per whole-GEMM size.
  const pick = TILE_GEMM_SIZES.map((n) => {
    const rows = r.rows.filter((x) => x.kind === 'gemm' && x.what === `gemm ${n}`);
    const bestRow = rows.reduce((a, b) => (b.gflops > a.gflops ? b : a));
    const chosen = rows.find((x) => x.tile === r.chosen.gemm)!;
    return `N=${n}: ${(chosen.gflops / bestRow.gflops).toFixed(3)} of the best (${bestRow.tile})`;
  });
  out.push(`\nChosen GEMM tile against the best candidate: ${pick.join('; ')}.\n`);
  const convTiles = [...new Set(r.rows.filter((x) => x.kind === 'conv').map((x) => x.tile))];
  const convWhats = [...new Set(r.rows.filter((x) => x.kind === 'conv').map((x) => x.what))];
  out.push(`| conv tile | ${convWhats.join(' | ')} |`);
  out.push(`|---|${convWhats.map(() => '---:').join('|')}|`);
  for (const tile of convTiles) {
    const mark = tile === r.chosen.conv ? ' (chosen)' : '';
    out.push(`| ${tile}${mark} | ${convWhats.map((w) => cell(find('conv', tile, w))).join(' | ')} |`);
  }
  return out.join('\n');
}
