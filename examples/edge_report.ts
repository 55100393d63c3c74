// The demo's edge-deployment report (issue 11): from the trained MNIST CNN, the variants a user
// would ship to a phone or an edge worker, each saved as a model file and measured the same way:
//
//   f32                 the trained model
//   float16             weights stored as f16, computed in f32
//   int8                post-training quantization, calibrated on 512 training digits
//   int8, QAT           quantization-aware fine-tuning (1 epoch), then int8
//   pruned 50% / 75%    magnitude pruning during 2 epochs of fine-tuning (polynomial decay),
//                       stripped; then each also quantized to int8; and 50% as 2:4
//                       semi-structured sparsity (2 of every 4 inputs of a unit kept)
//   student (1/4)       a CNN with a quarter of the parameters, distilled from the f32 model
//
// Columns: file size (and its share of the f32 file), test accuracy on the 2,000 test digits,
// batch-1 latency (median of single-sample predicts, result read back), batch-256 throughput,
// and peak linear memory of a fresh process that loads the file and predicts one sample
// (examples/peak_memory.ts; it includes ready()'s tile calibration, about 0.25 MB).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lp from '../js-bindings/node.js';
import { mnistCnn } from './models/mnist_cnn.js';

export interface ReportData { xTrain: lp.Tensor; yTrain: lp.Tensor; xTest: lp.Tensor; yTest: lp.Tensor }

type Predictor = { predict(x: lp.Tensor, args?: { batchSize?: number }): lp.Tensor | lp.Tensor[]; dispose(): void };

interface Row { name: string; bytes: number; accuracy: number; latencyMs: number; throughput: number; peakBytes: number }

function accuracy(m: Predictor, x: lp.Tensor, y: lp.Tensor): number {
  return lp.tidy(() => {
    const p = m.predict(x, { batchSize: 256 }) as lp.Tensor;
    return lp.mean(lp.cast(lp.equal(lp.argMax(p, 1), lp.argMax(y, 1)), 'float32')).dataSync()[0];
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median ms of one predict on `x`, read back (warm-up first). */
function timePredict(m: Predictor, x: lp.Tensor, reps: number): number {
  const once = () => { const y = m.predict(x, { batchSize: x.shape[0] }) as lp.Tensor; y.dataSync(); y.dispose(); };
  for (let i = 0; i < Math.min(20, reps); i++) once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    once();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** peakBytes of a fresh process that loads `file` and predicts one sample. */
function peakOf(file: string): number {
  const out = execFileSync(process.execPath, [...process.execArgv, new URL('./peak_memory.ts', import.meta.url).pathname, file],
    { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!).peakBytes;
}

/** A trainable copy of a LayersModel (through its model file). */
function copyOf(model: lp.LayersModel): lp.LayersModel {
  return lp.io.load(lp.io.save(model));
}

/** Fine-tunes a copy of `model` while pruning it to `sparsity` (or 2:4), then strips the pruning. */
async function pruned(model: lp.LayersModel, d: ReportData, sparsity: number, pattern: 'unstructured' | '2:4'): Promise<lp.LayersModel> {
  const m = copyOf(model);
  m.compile({ optimizer: lp.train.adam(0.0005), loss: 'categoricalCrossentropy' });
  const steps = Math.ceil(d.xTrain.shape[0] / 64);
  const controller = lp.prune(m, { pattern, schedule: { type: 'polynomialDecay', initialSparsity: 0, finalSparsity: sparsity,
    beginStep: 0, endStep: Math.round(steps * 1.5), frequency: 25 } });
  await m.fit(d.xTrain, d.yTrain, { epochs: 2, batchSize: 64, shuffle: true, verbose: 0, callbacks: [controller.callback()] });
  lp.stripPruning(m);
  return m;
}

/** The student: the same shape of network with a quarter of the parameters. */
function student(seed: number): lp.LayersModel {
  return mnistCnn({ filters: [16, 32], units: 64, kernelSeed: (i) => seed * 100 + 50 + i });
}

export async function edgeReport(model: lp.LayersModel, d: ReportData, seed: number,
    log: (line: string) => void = console.log): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-report-'));
  const xCal = lp.slice(d.xTrain, [0], [512]);
  const x1 = lp.slice(d.xTest, [0], [1]);
  const x256 = lp.slice(d.xTest, [0], [256]);
  const rows: Row[] = [];
  const measure = (name: string, m: Predictor) => {
    const bytes = lp.io.save(m);
    const file = join(dir, `${rows.length}.lepton`);
    writeFileSync(file, bytes);
    const row: Row = { name, bytes: bytes.length, accuracy: accuracy(m, d.xTest, d.yTest), latencyMs: timePredict(m, x1, 300),
      throughput: 256 / (timePredict(m, x256, 7) / 1000), peakBytes: peakOf(file) };
    rows.push(row);
    log(`  ${name}: ${(row.accuracy * 100).toFixed(2)}%`);
  };
  try {
    log('\nEdge deployment: building and measuring the variants ...');
    measure('f32', model);
    const f16 = lp.quantize(model, { mode: 'float16' });
    measure('float16', f16);
    f16.dispose();
    const q8 = lp.quantize(model, { mode: 'int8', calibrationData: xCal });
    measure('int8', q8);
    q8.dispose();

    const qat = lp.quantizeAware(copyOf(model));
    qat.compile({ optimizer: lp.train.adam(0.0002), loss: 'categoricalCrossentropy' });
    await qat.fit(d.xTrain, d.yTrain, { epochs: 1, batchSize: 64, shuffle: true, verbose: 0 });
    const qatInt8 = lp.quantize(qat, { mode: 'int8', calibrationData: xCal });
    measure('int8, QAT (1 epoch)', qatInt8);
    qatInt8.dispose();
    qat.dispose();

    for (const [sparsity, pattern] of [[0.5, 'unstructured'], [0.5, '2:4'], [0.75, 'unstructured']] as const) {
      const p = await pruned(model, d, sparsity, pattern);
      const name = pattern === '2:4' ? 'pruned 2:4 (50%)' : `pruned ${sparsity * 100}%`;
      lp.pruning.sparsify(p);
      measure(name, p);
      const pq = lp.quantize(p, { mode: 'int8', calibrationData: xCal });
      measure(`${name} + int8`, pq);
      pq.dispose();
      p.dispose();
    }

    const s = student(seed);
    s.compile({ optimizer: lp.train.adam(0.002), loss: 'categoricalCrossentropy' });
    await lp.distill({ teacher: model, student: s, x: d.xTrain, y: d.yTrain, temperature: 4, alpha: 0.1, epochs: 6, batchSize: 64, seed });
    measure(`student (${((100 * s.countParams()) / model.countParams()).toFixed(0)}% params), distilled`, s);
    const sq = lp.quantize(s, { mode: 'int8', calibrationData: xCal });
    measure('student + int8', sq);
    sq.dispose();
    s.dispose();
  } finally {
    lp.dispose([xCal, x1, x256]);
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows, log);
  return rows;
}

function printTable(rows: Row[], log: (line: string) => void): void {
  const f32 = rows[0];
  const header = ['variant', 'file', 'of f32', 'accuracy', 'batch-1 ms', 'batch-256 /s', 'peak memory'];
  const cells = rows.map((r) => [r.name, `${(r.bytes / 1024).toFixed(0)} KiB`, `${((100 * r.bytes) / f32.bytes).toFixed(1)}%`,
    `${(r.accuracy * 100).toFixed(2)}%`, r.latencyMs.toFixed(3), Math.round(r.throughput).toLocaleString('en-US'),
    `${(r.peakBytes / 1024).toFixed(0)} KiB`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `  ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')}`;
  log('');
  log(line(header));
  log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const c of cells) log(line(c));
}
