// npm run bench: Lepton (SIMD128 and relaxed-SIMD builds) against TensorFlow.js's wasm backend,
// single-threaded. Each Lepton build runs in its own child process (a process loads one build),
// and inside that process every shape is timed against tfjs in interleaved rounds
// (bench/rounds.ts). Prints one table: shape, ms, GFLOP/s and the Lepton/tfjs speed ratio.
//   node --experimental-wasm-relaxed-simd --import tsx bench/harness.ts [--quick] [--only gemm|conv|dw|cnn|convgrad|train|tiles|sparse|int8|embedding|lstm|attention|onnx]
// int8: the int8 GEMM against ONNX Runtime Web's MatMulInteger, and the int8 MNIST CNN against
// Lepton's f32 model at batch 1 (bench/int8.ts).
// convgrad: the conv backward kernels against the forward conv of the same shape (both Lepton,
// same process, interleaved), and the input gradient against tfjs-wasm's Conv2DBackpropInput.
// train: one training step (batch 64, Adam) of the MLP and of the seed CNN against tfjs-wasm
// (bench/train.ts, bench/tfjs_train.ts); samples/s = batch / step time.
// tiles: every micro-kernel tile of each build against the machine's ceiling, measured in the same
// rounds (bench/tiles.ts), the tiles ready() chose, and the core and full entries' start-up times
// (bench/startup.mjs, a fresh process per entry and build).
// embedding: training steps of Embedding(10,000 x 64) + GlobalAveragePooling1D + Dense against tfjs-wasm
// with a JavaScript UnsortedSegmentSum registered (bench/embedding.ts); steps/s = 1000 / ms.
// sparse: the sparse-weight GEMM against the dense one on pruned weights, and the crossover (bench/sparse.ts).
// lstm: an LSTM training step (batch 32, 64 steps, 64 features, 128 units, Dense, Adam) against tfjs-wasm (bench/lstm.ts).
// attention: multiHeadAttention forward + backward against Lepton's GEMM, GFLOP/s (bench/attention.ts).
// onnx: a MobileNet-v2 ONNX graph imported by fromOnnx against onnxruntime-web on the same bytes (bench/onnx_import.ts).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import type { TileReport } from './tiles.js';
import { CNN_BATCHES, CNN_FLOPS_PER_SAMPLE, CONV_GRAD_SHAPES, TRAIN_BATCH, CONV_SHAPES, convFlops, DW_SHAPES, dwFlops, GEMM_SIZES,
  SMALL_M_GEMMS } from './shapes.js';

interface Row {
  build: string; name: string; flops: number; leptonMs: number; tfjsMs: number; ratio: number; rounds: number[];
  /** What the second engine is, when not tfjs-wasm (convgrad: 'Lepton forward conv'). */
  ref?: string;
  /** The second engine's FLOPs per call, when they differ from the first's (attention). */
  refFlops?: number;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

async function child(): Promise<void> {
  const { setUp, gemmPair, convPair, depthwisePair, cnnPair, convGradSet, leptonBuild, agree } = await import('./engines.js');
  const { compare } = await import('./rounds.js');
  await setUp();
  agree(65);
  const rows: Row[] = [];
  const rounds = quick ? 3 : 5;
  const run = (name: string, flops: number, pair: { lepton: () => void; tfjs: () => void; dispose: () => void },
      ref?: string) => {
    const c = compare(pair.lepton, pair.tfjs, rounds);
    pair.dispose();
    rows.push({ build: leptonBuild(), name, flops, leptonMs: c.secondsA * 1e3, tfjsMs: c.secondsB * 1e3,
      ratio: c.ratio, rounds: c.rounds, ref });
    process.stderr.write('.');
  };
  const want = (what: string) => only === undefined || only === what;
  if (want('gemm')) {
    for (const n of GEMM_SIZES) run(`gemm ${n}x${n}x${n}`, 2 * n ** 3, gemmPair(n));
    for (const [m, k, n] of SMALL_M_GEMMS) run(`gemm ${m}x${n}x${k} (MxNxK)`, 2 * m * n * k, gemmPair(n, m, k));
  }
  if (want('conv')) {
    for (const s of CONV_SHAPES) {
      run(`conv ${s.kernel}x${s.kernel} [${s.input}]→${s.filters}`, convFlops(s), convPair(s));
    }
  }
  if (want('dw')) {
    for (const s of DW_SHAPES) run(`depthwise 3x3 s${s.stride} [${s.input}]`, dwFlops(s), depthwisePair(s));
  }
  if (want('convgrad')) {
    const none = () => {};
    for (const s of CONV_GRAD_SHAPES) {
      const g = convGradSet(s);
      const shape = `conv 3x3 [${s.input}]→${s.filters}`;
      const fwd = 'Lepton forward conv';
      run(`${shape}: input gradient`, convFlops(s), { lepton: g.input, tfjs: g.forward, dispose: none }, fwd);
      run(`${shape}: filter + bias gradient`, convFlops(s), { lepton: g.filter, tfjs: g.forward, dispose: none }, fwd);
      run(`${shape}: input gradient, read back`, convFlops(s), { lepton: g.inputRead, tfjs: g.tfjsInput, dispose: g.dispose });
    }
  }
  if (want('cnn')) {
    for (const b of CNN_BATCHES) run(`MNIST CNN forward, batch ${b}`, b * CNN_FLOPS_PER_SAMPLE, cnnPair(b));
  }
  if (want('train')) {
    const { trainRows } = await import('./train.js');
    for (const r of await trainRows(TRAIN_BATCH)) run(r.name, r.flops, r.make());
  }
  if (want('embedding')) {
    const { embeddingRow } = await import('./embedding.js');
    const r = await embeddingRow();
    run(r.name, r.flops, r.make());
  }
  if (want('lstm')) {
    const { lstmRows } = await import('./lstm.js');
    for (const r of await lstmRows()) run(r.name, r.flops, r.make());
  }
  if (want('sparse')) {
    const { sparseCases } = await import('./sparse.js');
    for (const c of sparseCases()) run(c.name, c.flops, c.make(), 'Lepton dense GEMM');
  }
  if (want('int8')) {
    const { int8Rows } = await import('./int8.js');
    for (const r of await int8Rows(rounds)) rows.push({ build: leptonBuild(), ...r });
  }
  if (want('attention')) {
    const { attentionRow } = await import('./attention.js');
    rows.push(attentionRow(rounds, leptonBuild()));
  }
  if (want('onnx')) {
    const { onnxRows } = await import('./onnx_import.js');
    for (const r of await onnxRows(rounds)) rows.push({ build: leptonBuild(), ...r });
  }
  let tiles: TileReport | undefined;
  if (want('tiles')) {
    const { tileReport } = await import('./tiles.js');
    tiles = await tileReport(quick ? 3 : 5);
  }
  process.stdout.write(JSON.stringify({ rows, tiles }));
}

/** The CPU as `lscpu` names it: model name, and the family where /proc/cpuinfo tells it. */
function cpuModel(): string {
  const model = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  try {
    const family = /^cpu family\s*:\s*(\d+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    return family ? `${model}, CPU family ${family}` : model;
  } catch {
    return model;
  }
}

function table(rows: Row[]): string {
  const lines = [
    '| shape | build | Lepton ms | tfjs-wasm ms | Lepton GFLOP/s | tfjs GFLOP/s | Lepton/tfjs speed (median of rounds) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const gf = (ms: number) => (r.flops / ms / 1e6).toFixed(1);
    lines.push(`| ${r.name} | ${r.build} | ${r.leptonMs.toFixed(3)} | ${r.tfjsMs.toFixed(3)} | ${gf(r.leptonMs)} | ` +
      `${gf(r.tfjsMs)} | **${r.ratio.toFixed(2)}** (${r.rounds.map((x) => x.toFixed(2)).join(' ')}) |`);
  }
  return lines.join('\n');
}

/** Rows timed against another Lepton kernel (the forward conv): GFLOP/s of both and their ratio. */
function refTable(rows: Row[]): string {
  const lines = [
    `| kernel | build | ms | GFLOP/s | ${rows[0].ref} ms | its GFLOP/s | speed ratio (median of rounds) |`,
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const gf = (ms: number, flops = r.flops) => (flops / ms / 1e6).toFixed(1);
    lines.push(`| ${r.name} | ${r.build} | ${r.leptonMs.toFixed(3)} | ${gf(r.leptonMs)} | ${r.tfjsMs.toFixed(3)} | ` +
      `${gf(r.tfjsMs, r.refFlops)} | **${r.ratio.toFixed(2)}** (${r.rounds.map((x) => x.toFixed(2)).join(' ')}) |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  const tileReports: TileReport[] = [];
  const startups: string[] = [];
  for (const build of ['simd', 'relaxed']) {
    const flags = build === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
    for (const entry of only === undefined || only === 'tiles' ? ['core', 'full'] : []) {
      // Start-up in fresh processes (the median of 5): import, then ready() with its calibration.
      const runs = Array.from({ length: 5 }, () => JSON.parse(execFileSync(process.execPath,
        [...flags, fileURLToPath(new URL('./startup.mjs', import.meta.url)), entry]).toString()));
      const mid = (key: string) => runs.map((r) => r[key] as number).sort((a, b) => a - b)[2];
      startups.push(`${entry} entry (${entry === 'core' ? 'dist/core.js' : 'dist/index.js'}), ${build}: ` +
        `import ${mid('importMs').toFixed(1)} ms, ready() ${mid('readyMs').toFixed(1)} ms ` +
        `(of which calibration ${mid('calibrationMs').toFixed(1)} ms), then ${mid('passes')} later passes of ` +
        `${mid('passesMs').toFixed(1)} ms in all, the last ${mid('settledMs').toFixed(0)} ms after ready(); tiles ` +
        `(ready() → final) in the 5 runs: ` +
        runs.map((r) => `${r.readyTiles.gemm} / ${r.readyTiles.conv} → ${r.tiles.gemm} / ${r.tiles.conv}`).join(', '));
    }
    process.stderr.write(`${build}: `);
    const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', self, '--child', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }).toString();
    process.stderr.write('\n');
    const result = JSON.parse(out) as { rows: Row[]; tiles?: TileReport };
    rows.push(...result.rows);
    if (result.tiles) tileReports.push(result.tiles);
  }
  rows.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || a.build.localeCompare(b.build));
  console.log(`Lepton vs TensorFlow.js wasm (tfjs-backend-wasm, XNNPACK), one thread, Node ${process.version}, ` +
    `${cpuModel()}; ratio > 1: Lepton is faster.\n`);
  const vsTfjs = rows.filter((r) => !r.ref), vsForward = rows.filter((r) => r.ref && r.ref !== 'Lepton dense GEMM');
  if (vsTfjs.length > 0) console.log(table(vsTfjs));
  for (const ref of new Set(vsForward.map((r) => r.ref))) {
    if (ref?.startsWith('Lepton GEMM')) {
      console.log(`\nAgainst ${ref} in the same rounds (bench/attention.ts counts the FLOPs); ratio = attention GFLOP/s / GEMM GFLOP/s.\n`);
    } else if (ref === 'Lepton forward conv') {
      console.log(`\nBackward kernels against the forward convolution of the same shape (same FLOP count, ` +
        `2·N·OH·OW·KH·KW·CI·CO; kernel calls on arena buffers, nothing read back); ratio = backward / forward speed.\n`);
    } else {
      console.log(`\nAgainst ${ref} (GFLOP/s are GOP/s for int8); ratio > 1: Lepton${ref?.includes('f32') ? '' : ' int8'} is faster.\n`);
    }
    console.log(refTable(vsForward.filter((r) => r.ref === ref)));
  }
  if (rows.some((r) => r.ref === 'Lepton dense GEMM')) {
    const { crossoverLines } = await import('./sparse.js');
    console.log(`\nSparse-weight GEMM (CSC) against the dense GEMM on the same pruned weights, bias + relu fused ` +
      `(GFLOP/s counted as dense, 2·M·N·K); ratio = sparse / dense speed.\n`);
    console.log(refTable(rows.filter((r) => r.ref === 'Lepton dense GEMM')));
    console.log(`\nCrossover per build and shape:\n\n` +
      crossoverLines(rows).map((l) => `- ${l}`).join('\n'));
  }
  if (tileReports.length > 0) {
    const { tileTables } = await import('./tiles.js');
    console.log(`\nMicro-kernel tiles, GFLOP/s (fraction of the ceiling measured in the same rounds, median of rounds):\n`);
    for (const r of tileReports) console.log(tileTables(r, cpuModel()) + '\n');
  }
  if (startups.length > 0) console.log(`Start-up of the core and full entries, Node ${process.version}, ${cpuModel()}:\n\n` +
    startups.map((s) => `- ${s}`).join('\n'));
}

if (args.includes('--child')) await child();
else await main();
