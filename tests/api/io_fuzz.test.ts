// io.load against >= 10,000 mutated and truncated model files, generated with a seeded RNG from
// a few small valid ones: byte flips, truncations, preamble numbers, numbers in the header
// replaced by huge / negative / fractional / non-number values, JSON text surgery, wrong dtypes
// and offsets, topology surgery (cycles, unknown classes and references, dropped and duplicated
// layers, bad config values). Most mutations are re-checksummed so that the checks past the
// checksum are reached. Every file must either load (a harmless mutation, counted) or throw a
// plain Error starting with 'io.load', never an engine-internal one; memory in use must come
// back to where it was, and the arena's peak must not pass a small multiple of the file size.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { engine } from '../../js-bindings/engine.js';
import { rng } from '../helpers/rng.js';
import { mlp, residual, separable, withHeader, rechecksum, parseFile, type ParsedFile } from '../helpers/io_models.js';

type Json = ParsedFile['json'];
type Rand = () => number;

const FILES = 10_800;
/** Arena growth allowed during one load: a small multiple of the file, plus slack for bookkeeping. */
const PEAK_FACTOR = 8, PEAK_SLACK = 64 * 1024;
/** Messages that would mean an engine-internal failure leaked out instead of a checked one. */
const INTERNAL = /Cannot read prop|is not a function|is not iterable|call stack|Invalid array length|Invalid typed array|out of memory|is not defined/;

const POOL: unknown[] = [0, -1, 1, 3, 16, 0.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, 1e-300, null, true, '', 'x',
  '7', [], [1, 2], [[1]], {}, { a: 1 }, 'float64', 'sparse', 'Dense', 'relu'];
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];

/** Every [parent, key] in the JSON tree (the root excluded). */
function slots(root: unknown): [Record<string | number, unknown>, string | number][] {
  const out: [Record<string | number, unknown>, string | number][] = [];
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      out.push([v as Record<string | number, unknown>, k]);
      stack.push((v as Record<string | number, unknown>)[k]);
    }
  }
  return out;
}

const layersOf = (j: Json): Record<string, any>[] | undefined => j.config?.modelTopology?.config?.layers;

/** A quantized model's config (steps, shapes, scales): one value replaced or removed. */
function configSurgery(j: Json, r: Rand): void {
  const [p, k] = pick(r, slots(j.config));
  if (r() < 0.2) { if (Array.isArray(p)) p.splice(k as number, 1); else delete p[k]; } else p[k] = structuredClone(pick(r, POOL));
}

/** Each mutator returns a new file (most re-checksummed). */
const MUTATORS: Record<string, (f: Uint8Array, r: Rand) => Uint8Array> = {
  flipRaw: (f, r) => { // 1-4 distinct bits (two flips of one bit would give the file back)
    const o = f.slice(), bits = new Set<number>();
    for (let i = 1 + Math.floor(r() * 4); bits.size < i;) bits.add(Math.floor(r() * o.length * 8));
    for (const b of bits) o[b >> 3] ^= 1 << (b & 7);
    return o;
  },
  flipChecksummed: (f, r) => { const o = f.slice(); for (let i = 1 + Math.floor(r() * 4); i > 0; i--) o[Math.floor(r() * (o.length - 4))] ^= 1 << Math.floor(r() * 8); return rechecksum(o); },
  truncate: (f, r) => f.slice(0, Math.floor(r() * f.length)),
  truncateChecksummed: (f, r) => { const n = 20 + Math.floor(r() * (f.length - 20)); return rechecksum(f.slice(0, n)); },
  preamble: (f, r) => {
    const o = f.slice();
    new DataView(o.buffer).setUint32(pick(r, [8, 12]), pick(r, [0, 1, 2, 15, 17, 0x7FFFFFFF, 0xFFFFFFFF, o.length, o.length - 20, Math.floor(r() * o.length)]), true);
    return rechecksum(o);
  },
  headerNumber: (f, r) => withHeader(f, (j) => {
    const nums = slots(j).filter(([p, k]) => typeof p[k] === 'number');
    const [p, k] = pick(r, nums);
    p[k] = pick(r, [0, -1, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 16, 2 ** 40, 2 ** 53, -(2 ** 53), 1e308, 0.5, (p[k] as number) + 16,
      (p[k] as number) - 16, (p[k] as number) + 1, (p[k] as number) * 2, null, '16']);
  }),
  jsonText: (f, r) => {
    const { dataStart } = parseFile(f);
    const text = new TextDecoder().decode(f.subarray(16, dataStart)).trimEnd();
    const at = Math.floor(r() * text.length), len = 1 + Math.floor(r() * 8);
    const ops = [
      () => text.slice(0, at) + text.slice(at + len),
      () => text.slice(0, at) + pick(r, ['{', '}', '[', ']', ',', ':', '"', '0', '-', '.', 'e', 'n', '\\', '\u00e9']) + text.slice(at),
      () => text.slice(0, at) + text.slice(at, at + len) + text.slice(at),
      () => text.slice(0, at),
    ];
    return withHeader(f, pick(r, ops)().padEnd(dataStart - 16, ' '));
  },
  dtype: (f, r) => withHeader(f, (j) => { pick(r, j.tensors).dtype = pick(r, ['float32', 'float16', 'int8', 'uint8', 'int32', 'float64', 'bool', '', 7, null]); }),
  offset: (f, r) => withHeader(f, (j) => {
    const t = pick(r, j.tensors), u = pick(r, j.tensors);
    const ops = [() => { t.offset = u.offset; }, () => { [t.offset, u.offset] = [u.offset, t.offset]; }, () => { t.offset = (t.offset as number) + 16; },
      () => { t.offset = (t.offset as number) - 16; }, () => { t.offset = 0; }, () => { t.offset = 2 ** 40; }, () => { t.length = u.length; },
      () => { t.encoding = pick(r, ['dense', 'sparse', 'huffman', 'sparse24', 'gapHuffman'].filter((e) => e !== t.encoding)); }, () => { t.nnz = pick(r, [0, 1, 5, 1e9, -1]); }];
    pick(r, ops)();
  }),
  topology: (f, r) => withHeader(f, (j) => {
    const layers = layersOf(j);
    if (layers === undefined) return configSurgery(j, r); // a quantized model: its steps instead
    const a = pick(r, layers), b = pick(r, layers);
    const ops = [
      () => { if (a.inboundNodes?.[0]) a.inboundNodes[0].inputs[0] = [b.name, 0]; }, // often a cycle
      () => { a.className = pick(r, ['Dense3', 'Conv3D', 'Layer', '__proto__', 'constructor', b.className]); },
      () => { if (a.inboundNodes?.[0]) a.inboundNodes[0].inputs[0] = [pick(r, ['ghost', '', b.name]), pick(r, [0, 1, 7, -1])]; },
      () => { layers.splice(layers.indexOf(a), 1); },
      () => { layers.push(structuredClone(a)); },
      () => { [a.config, b.config] = [b.config, a.config]; },
      () => { a.inboundNodes = pick(r, [[], [{ inputs: [] }], [{ inputs: [[a.name, 0]] }], 'x', null]); },
      () => { j.config.modelTopology.config.outputLayers = [[a.name, pick(r, [0, 1])]]; },
      () => { j.config.modelTopology.className = pick(r, ['Model', 'Sequential', 'Graph']); },
    ];
    pick(r, ops)();
  }),
  layerConfig: (f, r) => withHeader(f, (j) => {
    if (layersOf(j) === undefined) return configSurgery(j, r);
    const a = pick(r, layersOf(j)!);
    const keys = Object.keys(a.config ?? {});
    const key = r() < 0.8 && keys.length > 0 ? pick(r, keys) : pick(r, ['units', 'filters', 'kernelSize', 'strides', 'padding', 'rate', 'axis', 'targetShape', 'poolSize']);
    if (r() < 0.15) delete a.config[key];
    else a.config[key] = pick(r, [...POOL, [1e6, 1e6], [0, 0], [-1], [3, 3, 3], 1e6, 2 ** 20, 'same', 'valid']);
  }),
  anyNode: (f, r) => withHeader(f, (j) => {
    const [p, k] = pick(r, slots(j));
    if (r() < 0.2) { if (Array.isArray(p)) p.splice(k as number, 1); else delete p[k]; } else p[k] = structuredClone(pick(r, POOL));
  }),
  training: (f, r) => withHeader(f, (j) => {
    const t = j.config?.training;
    if (t === undefined) { j.config.training = pick(r, POOL); return; }
    const [p, k] = pick(r, slots(t));
    p[k] = structuredClone(pick(r, POOL));
  }),
};

let bases: Uint8Array[] = [];

before(async () => {
  await lp.ready();
  const small = mlp(4, 8, 3);
  const x = lp.randomNormal([4, 4], 0, 1, 'float32', 1);
  const y = lp.oneHot(lp.tensor(Int32Array.of(0, 1, 2, 0), [4], 'int32'), 3);
  small.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await small.trainOnBatch(x, y);
  const g = residual(4, 2), s = separable(6, 2);
  // Quantized kinds too: an int8 CNN (Huffman-coded int8 weights, requantization parameters) and a float16 MLP.
  const cnn = lp.sequential([
    lp.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1], kernelInitializer: lp.initializers.glorotUniform({ seed: 4 }) }),
    lp.layers.maxPooling2d({ poolSize: 2 }),
    lp.layers.flatten(),
    lp.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: 5 }) }),
  ]);
  const xc = lp.randomUniform([8, 6, 6, 1], 0, 1, 'float32', 6);
  const int8 = lp.quantize(cnn, { mode: 'int8', calibrationData: xc }), half = lp.quantize(small, { mode: 'float16' });
  // And a wider CNN pruned 2:4 before int8 (its dense kernel [512, 8] is stored 'sparse24'), and
  // one pruned 50% unstructured (stored 'gapHuffman').
  const prunedInt8 = (pattern: 'unstructured' | '2:4') => {
    const wide = lp.sequential([
      lp.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 1], kernelInitializer: lp.initializers.glorotUniform({ seed: 7 }) }),
      lp.layers.maxPooling2d({ poolSize: 2 }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 8, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: 8 }) }),
    ]);
    if (pattern === 'unstructured') {
      // Trained kernels' columns differ in size, so one magnitude threshold cuts each at its own int8 level.
      const dense = wide.layers[3];
      const k = lp.mul(lp.randomNormal([512, 8], 0, 1, 'float32', 10), lp.tensor([1, 1.5, 2, 3, 1.2, 4, 2.5, 1.8]));
      const b = lp.zeros([8]);
      dense.setWeights([k, b]);
      lp.dispose([k, b]);
    }
    const pruning = lp.prune(wide, { schedule: { type: 'constantSparsity', targetSparsity: 0.5, beginStep: 0 }, pattern });
    pruning.updateMasks();
    lp.stripPruning(wide);
    const xw = lp.randomUniform([8, 10, 10, 1], 0, 1, 'float32', 9);
    const q = lp.quantize(wide, { mode: 'int8', calibrationData: xw });
    xw.dispose();
    wide.dispose();
    return q;
  };
  const int8of24 = prunedInt8('2:4'), int8pruned = prunedInt8('unstructured');
  // And an int8 model with layers left in f32 (a residual Add, a BatchNormalization after it): their
  // class, config and weights are in the file, rebuilt through the layer registry.
  const xin = lp.input({ shape: [6, 6, 1] });
  const a = lp.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(xin) as lp.SymbolicTensor;
  const b = lp.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(xin) as lp.SymbolicTensor;
  const bn = lp.layers.batchNormalization().apply(lp.layers.add().apply([a, b]) as lp.SymbolicTensor) as lp.SymbolicTensor;
  const residual8 = lp.model({ inputs: xin, outputs: lp.layers.dense({ units: 3, activation: 'softmax' }).apply(lp.layers.flatten().apply(bn) as lp.SymbolicTensor) as lp.SymbolicTensor });
  const warn = console.warn;
  console.warn = () => {};
  const withF32 = lp.quantize(residual8, { mode: 'int8', calibrationData: xc });
  console.warn = warn;
  assert.ok(withF32.steps.some((st) => st.op === 'layer'), 'f32 layers in the corpus');
  bases = [lp.io.save(small), lp.io.save(small, { includeOptimizer: true }), lp.io.save(g), lp.io.save(s), lp.io.save(int8), lp.io.save(half),
    lp.io.save(int8of24), lp.io.save(withF32), lp.io.save(int8pruned)];
  withF32.dispose();
  residual8.dispose();
  assert.ok(lp.io.inspect(bases[6]).tensors.some((t) => t.encoding === 'sparse24'), 'a sparse24 tensor in the corpus');
  assert.ok(lp.io.inspect(bases[8]).tensors.some((t) => t.encoding === 'gapHuffman'), 'a gapHuffman tensor in the corpus');
  for (const m of [small, g, s, cnn, int8, half, int8of24, int8pruned]) m.dispose();
  lp.dispose([x, y, xc]);
});

describe('io.load fuzz', () => {
  it(`${FILES} mutated files: a clear io.load Error or a harmless load; no leak; bounded peak`, { timeout: 300_000 }, async () => {
    assert.ok(bases.every((b) => b.length < 16 * 1024), `small bases: ${bases.map((b) => b.length)}`);
    const r = rng(20261130);
    const names = Object.keys(MUTATORS);
    const tally: Record<string, { harmless: number; failed: number }> = Object.fromEntries(names.map((n) => [n, { harmless: 0, failed: 0 }]));
    const seen = new Set<string>();
    let maxPeakRatio = 0;
    for (let i = 0; i < FILES; i++) {
      const name = names[i % names.length];
      const file = MUTATORS[name](bases[Math.floor(i / names.length) % bases.length], r);
      const before = lp.memory();
      engine.k.arena_reset_peak();
      let model: { dispose(): void } | null = null;
      try {
        model = lp.io.load<{ dispose(): void }>(file);
        tally[name].harmless++;
      } catch (e) {
        assert.ok(e instanceof Error && e.constructor === Error, `${name} #${i}: not a plain Error: ${String(e)}`);
        assert.ok(e.message.startsWith('io.load'), `${name} #${i}: ${e.message}`);
        assert.doesNotMatch(e.message, INTERNAL, `${name} #${i}`);
        seen.add(e.message.replace(/^io\.load: /, '').replace(/'[^']*'|"[^"]*"/g, '…').replace(/\d+/g, 'N').slice(0, 100));
        tally[name].failed++;
      }
      const grew = lp.memory().peakBytes - before.numBytes;
      maxPeakRatio = Math.max(maxPeakRatio, grew / Math.max(file.length, 1));
      assert.ok(grew <= PEAK_FACTOR * file.length + PEAK_SLACK, `${name} #${i}: the peak grew by ${grew} bytes for a ${file.length}-byte file`);
      model?.dispose();
      const after = lp.memory();
      assert.equal(after.numTensors, before.numTensors, `${name} #${i}: tensors leaked`);
      assert.equal(after.numBytes, before.numBytes, `${name} #${i}: bytes leaked`);
    }
    if (process.env.IO_FUZZ_DUMP) console.log([...seen].sort().join("\n"));
    console.log(`io fuzz: ${FILES} files; per mutator ${JSON.stringify(tally)}; ${seen.size} kinds of message; ` +
      `peak growth at most ${maxPeakRatio.toFixed(2)} x the file`);
    // Every mutator reached its target: re-checksummed ones mostly fail past the checksum.
    for (const n of names) assert.ok(tally[n].failed > 0, `${n} never failed`);
    assert.equal(tally.flipRaw.harmless + tally.truncate.harmless, 0, 'an unchecksummed change or a truncation always fails');
    const messages = [...seen].join('\n');
    for (const want of [/checksum mismatch/, /truncated file/, /not valid JSON/, /cycle in the topology/, /unknown className/, /unknown dtype/,
      /overlaps/, /bad magic|unsupported format version/, /weight/, /corrupted quantized model/, /bad huffman block|huffman shape/, /bad gapHuffman block|gapHuffman shape|gapHuffman is for/, /bad sparseN block|sparseN shape|sparseN needs/ /* digits read N */]) {
      assert.match(messages, want);
    }
  });

  it('the engine still trains and predicts afterwards', async () => {
    const m = lp.io.load(bases[1]);
    const x = lp.randomNormal([8, 4], 0, 1, 'float32', 3);
    const y = lp.oneHot(lp.tensor(Int32Array.from({ length: 8 }, (_, i) => i % 3), [8], 'int32'), 3);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    assert.ok(h.history.loss.every(Number.isFinite));
    const p = m.predict(x) as lp.Tensor;
    assert.ok(p.dataSync().every((v) => v >= 0 && v <= 1));
    lp.dispose([x, y, p]);
    m.dispose();
  });
});
