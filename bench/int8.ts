// int8 side-by-side (npm run bench -- --only int8):
//   1. int8 GEMM N×N×N, N = 256 / 512 / 1024: Lepton's gemm_qs8_qc8w (7-bit activations, packed
//      per-channel weights, requantized int8 output) against ONNX Runtime Web's MatMulInteger
//      (uint8 × int8 → int32, one thread), same process, interleaved rounds (A B B A ...); ORT's
//      run is async, so each turn times a loop of awaited runs. GOP/s = 2·N³ / time.
//   2. The MNIST CNN at batch 1: Lepton's int8 QuantizedModel against Lepton's own f32 model,
//   3. and against ONNX Runtime Web's statically quantized int8 CNN (bench/ort_cnn.ts), same weights.
// Before timing, Lepton's int8 GEMM is checked against ORT's int32 product (requantized here with
// the same parameters): a fast wrong kernel is no result.
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import * as lp from '../js-bindings/index.js';
import { engine } from '../js-bindings/engine.js';
import { fixedPoint, paramsBlock } from '../js-bindings/quantize/params.js';
import { compare } from './rounds.js';
import { ceiling } from './ceiling.js';
import { mnistCnn } from '../examples/models/mnist_cnn.js';
import { cnnInt8Onnx, cnnWeightsOf, ortSession, type CnnRanges } from './ort_cnn.js';
/** The sizes for the int8 GEMM target. */
const INT8_GEMM_SIZES = [256, 512, 1024];

const { onnx } = onnxProto;

export interface Int8Row { name: string; flops: number; leptonMs: number; tfjsMs: number; ratio: number; rounds: number[]; ref: string }

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Seconds per call: a loop of `iters` calls (awaited when async). */
async function timeLoop(fn: () => unknown, iters: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await fn();
  return (performance.now() - t0) / 1e3 / iters;
}

/** Interleaved rounds with async turns; ratio = time(B) / time(A) per round, median. */
export async function compareAsync(a: () => unknown, b: () => unknown, rounds: number): Promise<Omit<Int8Row, 'name' | 'flops' | 'ref'>> {
  await a(); await b();
  const one = await timeLoop(a, 3), two = await timeLoop(b, 3);
  const itersA = Math.max(3, Math.ceil(0.1 / one)), itersB = Math.max(3, Math.ceil(0.1 / two));
  const ta: number[] = [], tb: number[] = [], ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0;
    const t1 = order ? await timeLoop(a, itersA) : await timeLoop(b, itersB);
    const t2 = order ? await timeLoop(b, itersB) : await timeLoop(a, itersA);
    const t3 = order ? await timeLoop(b, itersB) : await timeLoop(a, itersA);
    const t4 = order ? await timeLoop(a, itersA) : await timeLoop(b, itersB);
    const sa = order ? (t1 + t4) / 2 : (t2 + t3) / 2, sb = order ? (t2 + t3) / 2 : (t1 + t4) / 2;
    ta.push(sa); tb.push(sb); ratios.push(sb / sa);
  }
  return { leptonMs: median(ta) * 1e3, tfjsMs: median(tb) * 1e3, ratio: median(ratios), rounds: ratios };
}

async function ortMatMulInteger(n: number): Promise<ort.InferenceSession> {
  ort.env.wasm.numThreads = 1;
  const dims = { dim: [{ dimValue: n }, { dimValue: n }] };
  const m = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g',
    node: [{ opType: 'MatMulInteger', input: ['a', 'b'], output: ['y'] }],
    input: [{ name: 'a', type: { tensorType: { elemType: 2, shape: dims } } }, { name: 'b', type: { tensorType: { elemType: 3, shape: dims } } }],
    output: [{ name: 'y', type: { tensorType: { elemType: 6, shape: dims } } }] } });
  return ort.InferenceSession.create(onnx.ModelProto.encode(m).finish(), { executionProviders: ['wasm'] });
}

async function gemmRow(n: number, rounds: number): Promise<Int8Row> {
  const k = engine.k;
  let seed = n;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const a = Uint8Array.from({ length: n * n }, () => Math.floor(rand() * 128));
  const w = Int8Array.from({ length: n * n }, () => Math.floor(rand() * 255) - 127);
  const real = new Float64Array(n).fill(1 / (127 * 64 * Math.sqrt(n)));
  const { mult, shift } = fixedPoint(real);
  const params = paramsBlock(n, { bias: new Int32Array(n), mult, shift, zy: 64, qmin: 0, qmax: 127 });
  const alloc = (bytes: Uint8Array | number) => {
    const len = typeof bytes === 'number' ? bytes : bytes.length;
    const p = k.arena_alloc(len);
    if (p === 0) throw new Error('bench: out of memory');
    if (typeof bytes !== 'number') new Uint8Array(k.memory.buffer, p, len).set(bytes);
    return p;
  };
  const pa = alloc(a), pw = alloc(new Uint8Array(w.buffer)), pp = alloc(params), po = alloc(n * n);
  const packed = alloc(Number(k.qgemm_packed_bytes(n, n)));
  k.pack_qc8w(packed, pw, n, n);
  const zx = 0;
  const lepton = () => k.gemm_qs8_qc8w(po, pa, n, packed, n, n, n, zx, pp);
  const session = await ortMatMulInteger(n);
  const feeds = { a: new ort.Tensor('uint8', a, [n, n]), b: new ort.Tensor('int8', w, [n, n]) };
  // agreement: ORT's int32 products, requantized as Lepton does, must equal Lepton's bytes
  lepton();
  const y = (await session.run(feeds)).y.data as Int32Array;
  const mine = new Int8Array(k.memory.buffer, po, n * n);
  for (let i = 0; i < n * n; i += 97) {
    const s = BigInt(shift);
    const q = Math.min(127, Math.max(0, 64 + Number((BigInt(y[i]) * BigInt(mult[i % n]) + (1n << (s - 1n))) >> s)));
    if (q !== mine[i]) throw new Error(`bench: Lepton's int8 GEMM and ORT's MatMulInteger disagree at ${i}: ${mine[i]} vs ${q}`);
  }
  const c = await compareAsync(lepton, () => session.run(feeds), rounds);
  await session.release();
  for (const p of [pa, pw, pp, po, packed]) k.arena_free(p);
  // this build's int8 dot at its register-only ceiling (bench/ceiling.ts), measured right after:
  // the split relaxed dot or SIMD128's i16 dot (the fused one has no probe: its speed is the engine's)
  const dot = lp.backendInfo().tiles.int8;
  const kind = dot === 'split' ? 'i8dot' : dot === 'i16' ? 'i16dot' : null;
  const gops = 2 * n ** 3 / (c.leptonMs / 1e3) / 1e9;
  const ceil = kind === null ? NaN : Math.max(ceiling(kind), ceiling(kind));
  const of = kind === null ? '' : ` (${Math.round(100 * gops / ceil)}% of the ${kind} ceiling, ${ceil.toFixed(0)} GOP/s)`;
  return { name: `int8 GEMM ${n}x${n}x${n} vs ORT Web MatMulInteger${of}`, flops: 2 * n ** 3, ref: 'ORT Web MatMulInteger / Lepton f32 CNN', ...c };
}

/** The MNIST CNN (shared/FIGURES.md) with seeded kernels. */
const cnnModel = (seed: number): lp.LayersModel => mnistCnn({ kernelSeed: (i) => seed + i });

function cnnRow(rounds: number): Int8Row {
  const model = cnnModel(30);
  const cal = lp.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 3);
  const x = lp.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 4);
  const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
  const int8 = () => { const y = q.predict(x); y.dataSync(); y.dispose(); };
  const f32 = () => { const y = model.predict(x) as lp.Tensor; y.dataSync(); y.dispose(); };
  const c = compare(int8, f32, rounds);
  q.dispose(); cal.dispose(); x.dispose(); model.dispose();
  const flops = 2 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 288 + 1600 * 128 + 128 * 10);
  return { name: 'MNIST CNN batch 1: int8 QuantizedModel vs Lepton f32 model', flops, leptonMs: c.secondsA * 1e3,
    tfjsMs: c.secondsB * 1e3, ratio: c.ratio, rounds: c.rounds, ref: 'ORT Web MatMulInteger / Lepton f32 CNN' };
}

/** The MNIST CNN's per-tensor activation ranges on x (input, the ReLU outputs, the logits), from Lepton's f32 layers. */
function cnnRanges(model: lp.LayersModel, x: lp.Tensor): CnnRanges {
  return lp.tidy(() => {
    const range = (t: lp.Tensor): [number, number] => [lp.min(t).dataSync()[0], lp.max(t).dataSync()[0]];
    const [c1, p1, c2, p2, flat, d1, d2] = model.layers;
    const a1 = c1.apply(x), a2 = c2.apply(p1.apply(a1)), h = d1.apply(flat.apply(p2.apply(a2)));
    return { input: [0, 1], conv1: range(a1), conv2: range(a2), dense1: range(h), logits: range(d2.call(h, { logits: true })) };
  });
}

/**
 * The MNIST CNN at batch 1 in int8: Lepton's QuantizedModel against ONNX Runtime Web running the same
 * weights statically quantized (QLinearConv graph of bench/ort_cnn.ts, ranges from the same calibration
 * batch). Before timing, both must agree on the class of at least 15 of 16 digits.
 */
async function ortCnnRow(rounds: number): Promise<Int8Row> {
  const model = cnnModel(40);
  const cal = lp.randomUniform([64, 28, 28, 1], 0, 1, 'float32', 5);
  const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
  const session = await ortSession(cnnInt8Onnx(cnnWeightsOf(model), cnnRanges(model, cal)));
  const x16 = lp.slice(cal, [0], [16]);
  const mine = q.predict(x16), theirs = await session.run(x16.dataSync() as Float32Array, 16);
  const argmax = (p: ArrayLike<number>, i: number) => { let m = 0; for (let j = 1; j < 10; j++) if (p[i * 10 + j] > p[i * 10 + m]) m = j; return m; };
  const a = mine.dataSync();
  let agree = 0;
  for (let i = 0; i < 16; i++) if (argmax(a, i) === argmax(theirs, i)) agree++;
  if (agree < 15) throw new Error(`bench: Lepton int8 and ORT int8 agree on only ${agree} of 16 digits`);
  const x = lp.slice(cal, [0], [1]);
  const x1 = x.dataSync() as Float32Array;
  const int8 = () => { const y = q.predict(x); y.dataSync(); y.dispose(); };
  const c = await compareAsync(int8, () => session.run(x1, 1), rounds);
  lp.dispose([mine, x16, x, cal]);
  q.dispose();
  model.dispose();
  const flops = 2 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 288 + 1600 * 128 + 128 * 10);
  return { name: 'MNIST CNN batch 1: int8 vs ORT Web int8 (QLinearConv)', flops, ref: 'ORT Web MatMulInteger / Lepton f32 CNN', ...c };
}

export async function int8Rows(rounds: number): Promise<Int8Row[]> {
  const rows: Int8Row[] = [];
  for (const n of INT8_GEMM_SIZES) rows.push(await gemmRow(n, rounds));
  rows.push(cnnRow(rounds));
  rows.push(await ortCnnRow(rounds));
  return rows;
}
