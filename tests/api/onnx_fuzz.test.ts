// fromOnnx against >= 10,000 mutated ONNX files, generated with a seeded RNG from four small
// valid graphs that use most supported ops (Resize, ConvTranspose and a GRU among them): byte
// flips and overwrites, truncations, inserted and deleted bytes, and surgery on the decoded
// protobuf re-encoded (huge, negative and zero dims in initializers and graph shapes, element counts that do not match the data, wrong data and element
// types, attributes of the wrong type or out of range, large integer arguments, cycles, unknown and
// renamed inputs, swapped op types, dropped and duplicated nodes, opsets and IR versions out of
// range). Every file must either import (a harmless mutation, counted) or throw a plain Error
// starting with 'fromOnnx:', never an engine-internal one; memory in use must come back to where it
// was, and the arena's peak must not pass a small multiple of the file size.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as lp from '../../js-bindings/index.js';
import { engine } from '../../js-bindings/engine.js';
import { fromOnnx } from '../../js-bindings/onnx/index.js';
import { GraphBuilder, agree } from '../helpers/onnx.js';
import { rng } from '../helpers/rng.js';

const { onnx } = onnxProto;
type Rand = () => number;
type Model = ReturnType<typeof onnx.ModelProto.decode>;

const FILES = 10_400;
/** Arena growth allowed during one import: a small multiple of the file, plus slack for bookkeeping. */
const PEAK_FACTOR = 4, PEAK_SLACK = 64 * 1024;
/** Messages that would mean an engine-internal failure leaked out instead of a checked one. */
const INTERNAL = /Cannot read prop|is not a function|is not iterable|call stack|Invalid array length|Invalid typed array|out of memory|is not defined|undefined|NaN/;

before(async () => { await lp.ready(); });

const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];

/** Small valid graphs over most supported ops (each under a few KB). */
function bases(): Uint8Array[] {
  const cnn = new GraphBuilder().input('x', ['N', 3, 9, 9]).output('y');
  cnn.node('Conv', ['x', cnn.init('w', [6, 3, 3, 3]), cnn.init('b', [6])], ['c'], { pads: [1, 1, 1, 1] });
  cnn.node('BatchNormalization', ['c', cnn.init('s', [6]), cnn.init('bb', [6]), cnn.init('m', [6]), cnn.init('v', [6], undefined, 0.5, 1.5)], ['n']);
  cnn.node('Relu', ['n'], ['r']);
  cnn.node('Conv', ['r', cnn.init('wg', [4, 3, 3, 3])], ['g'], { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] });
  cnn.node('Pad', ['g', cnn.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])], ['p'], { mode: 'reflect' });
  cnn.node('MaxPool', ['p'], ['q'], { kernel_shape: [2, 2], strides: [2, 2] });
  cnn.node('Transpose', ['q'], ['t'], { perm: [0, 2, 3, 1] });
  cnn.node('Flatten', ['t'], ['f']);
  cnn.node('Gemm', ['f', cnn.init('fc', [5, 36]), cnn.init('fcb', [5])], ['l'], { transB: 1 });
  cnn.node('LogSoftmax', ['l'], ['y'], { axis: 1 });

  const shapes = new GraphBuilder().input('x', ['N', 4, 5, 7]).output('a').output('y');
  shapes.node('Split', ['x', shapes.ints('split', [1, 3])], ['s0', 's1'], { axis: 1 });
  shapes.node('Slice', ['s1', shapes.ints('st', [0, -1]), shapes.ints('en', [2, -8]), shapes.ints('ax', [1, 3]), shapes.ints('sp', [1, -2])], ['sl']);
  shapes.node('ReduceMean', ['sl', shapes.ints('rax', [2])], ['rm'], { keepdims: 0 });
  shapes.node('Unsqueeze', ['rm', shapes.ints('uax', [2])], ['u']);
  shapes.node('Gather', ['u', shapes.ints('idx', [1, 0, 1])], ['ga'], { axis: 1 });
  shapes.node('Concat', ['ga', 'ga'], ['a'], { axis: 3 });
  shapes.node('GlobalAveragePool', ['s0'], ['gp']);
  shapes.node('Squeeze', ['gp', shapes.ints('sax', [2, 3])], ['sq']);
  shapes.node('PRelu', ['sq', shapes.init('slope', [1])], ['pr']);
  shapes.node('HardSwish', ['pr'], ['y']);

  const old = new GraphBuilder().input('x', ['N', 17]).output('y');
  old.node('Gemm', ['x', old.init('w', [17, 7]), old.init('c', [7])], ['a'], { alpha: 0.5 });
  old.node('Clip', ['a'], ['cl'], { min: -1, max: 6 });
  old.node('Unsqueeze', ['cl'], ['u'], { axes: [1] });
  old.node('Pad', ['u'], ['p'], { pads: [0, 0, 1, 0, 0, 2], value: 0.5 });
  old.node('ReduceSum', ['p'], ['rs'], { axes: [1], keepdims: 0 });
  old.node('MatMul', ['rs', old.init('w2', [10, 3])], ['mm']);
  old.node('Softmax', ['mm'], ['y'], { axis: 1 });
  const up = new GraphBuilder().input('x', ['N', 2, 4, 4]).output('y').output('h');
  up.node('Resize', ['x', '', up.init('sc', [4], [1, 1, 2, 1.5])], ['r'], { mode: 'linear', coordinate_transformation_mode: 'align_corners' });
  up.node('ConvTranspose', ['r', up.init('wt', [2, 3, 3, 3]), up.init('bt', [3])], ['ct'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 0] });
  up.node('ReduceMax', ['ct', up.ints('ax', [2])], ['rm'], { keepdims: 0 });
  up.node('Transpose', ['rm'], ['seq'], { perm: [0, 2, 1] });
  up.node('GRU', ['seq', up.init('W', [2, 6, 3]), up.init('R', [2, 6, 2]), up.init('B', [2, 12])], ['y', 'h'], { hidden_size: 2, direction: 'bidirectional', layout: 1 });

  // What moves the batch or needs the newer paths: a time-major LSTM, transA, cubic, grouped ConvTranspose with output_shape.
  const gaps = new GraphBuilder().input('x', [5, 3, 4]).output('y').output('z');
  gaps.node('LSTM', ['x', gaps.init('W', [1, 8, 4]), gaps.init('R', [1, 8, 2]), gaps.init('B', [1, 16])], ['seq', 'h'], { hidden_size: 2 });
  gaps.node('Transpose', ['seq'], ['st'], { perm: [2, 1, 0, 3] });
  gaps.node('Transpose', ['h'], ['ht'], { perm: [1, 0, 2] });
  gaps.node('Flatten', ['ht'], ['h2']);
  gaps.node('Gemm', ['h2', gaps.init('gw', [3, 4]), gaps.init('gc', [4])], ['y'], { transA: 1, alpha: 0.5 });
  gaps.node('Resize', ['st', '', gaps.init('sc', [4], [1, 1, 2, 1.5])], ['rz'], { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1 });
  gaps.node('ConvTranspose', ['rz', gaps.init('wt', [1, 2, 3, 3])], ['z'], { group: 1, strides: [2, 2], output_shape: [20, 6], auto_pad: 'SAME_UPPER' });

  // Plain copies: a Node Buffer's slice() is a view, and the byte mutations must not write into a base.
  return [cnn.encode(17), shapes.encode(18), old.encode(10, 5), up.encode(18), gaps.encode(18)].map((b) => Uint8Array.from(b));
}

const HUGE = [0, -1, 1, 2, 3, 7, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 53 - 1, -(2 ** 40)];

/** Structured mutations of the decoded model (re-encoded after). */
const SURGERY: Record<string, (m: Model, r: Rand) => void> = {
  initializerDims: (m, r) => {
    const t = pick(r, m.graph!.initializer!);
    if (r() < 0.5 && t.dims!.length > 0) t.dims![Math.floor(r() * t.dims!.length)] = pick(r, HUGE);
    else if (r() < 0.5) t.dims!.push(pick(r, HUGE)); else t.dims = [];
  },
  initializerType: (m, r) => {
    const t = pick(r, m.graph!.initializer!);
    t.dataType = pick(r, [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 16, 17, 99]);
    if (r() < 0.3) { t.floatData = [1, 2, 3]; t.rawData = new Uint8Array(); }
  },
  initializerData: (m, r) => {
    const t = pick(r, m.graph!.initializer!);
    const raw = t.rawData!;
    t.rawData = pick(r, [raw.subarray(0, Math.floor(r() * raw.length)), new Uint8Array(raw.length + 8), new Uint8Array()]);
    if (r() < 0.3) t.dataLocation = 1;
    if (r() < 0.2) t.segment = { begin: 0, end: 1 };
  },
  intArgument: (m, r) => {
    // An int64 argument (pads, axes, indices, starts ...) set to a huge or odd value.
    const ints = m.graph!.initializer!.filter((t) => t.dataType === 7);
    if (ints.length === 0) return;
    const t = pick(r, ints);
    if ((t.rawData?.length ?? 1) % 8 !== 0) return; // already cut by another mutation
    const v = new BigInt64Array(Uint8Array.from(t.rawData!).buffer); // a copy: rawData may be a view into a pool
    if (v.length > 0) v[Math.floor(r() * v.length)] = BigInt(pick(r, [...HUGE, -(2 ** 62), 2 ** 62, -3, -5, 100]));
    t.rawData = new Uint8Array(v.buffer);
  },
  graphShape: (m, r) => {
    const v = pick(r, [...m.graph!.input!, ...m.graph!.output!]);
    const dims = v.type?.tensorType?.shape?.dim;
    if (!dims || dims.length === 0) return;
    const d = dims[Math.floor(r() * dims.length)];
    if (r() < 0.2) { d.dimValue = 0; d.dimParam = 'batch'; } else { d.dimParam = ''; d.dimValue = pick(r, HUGE); }
    if (r() < 0.2) dims.push({ dimValue: pick(r, HUGE) });
    if (r() < 0.1) dims.splice(0, dims.length);
  },
  elemType: (m, r) => {
    const v = pick(r, [...m.graph!.input!, ...m.graph!.output!]);
    if (v.type?.tensorType) v.type.tensorType.elemType = pick(r, [0, 2, 6, 7, 10, 11, 99]);
    else v.type = {};
  },
  attribute: (m, r) => {
    const nodes = m.graph!.node!.filter((n) => (n.attribute ?? []).length > 0);
    if (nodes.length === 0) return;
    const a = pick(r, pick(r, nodes).attribute!);
    const kind = Math.floor(r() * 7);
    if (kind === 0) { a.type = 1; a.f = pick(r, [NaN, Infinity, -1, 0, 1e30]); }
    else if (kind === 1) { a.type = 2; a.i = pick(r, HUGE); }
    else if (kind === 2) { a.type = 7; a.ints = Array.from({ length: Math.floor(r() * 9) }, () => pick(r, HUGE)); }
    else if (kind === 3) { a.type = 3; a.s = new TextEncoder().encode(pick(r, ['', 'SAME_UPPER', 'mirror', 'linear', 'é\u0000'])); }
    else if (kind === 4) { a.type = 6; a.floats = [1.5, NaN]; }
    else if (kind === 5) { a.type = 4; a.t = null; }
    else a.name = pick(r, ['', 'axis', 'perm', 'group', 'lepton.activation', 'x'.repeat(300)]);
  },
  addAttribute: (m, r) => {
    const n = pick(r, m.graph!.node!);
    const name = pick(r, ['axis', 'axes', 'perm', 'group', 'transA', 'keepdims', 'mode', 'split', 'num_outputs', 'allowzero', 'noop_with_empty_axes',
      'auto_pad', 'count_include_pad', 'ceil_mode', 'storage_order', 'training_mode', 'kernel_shape', 'dilations', 'strides', 'pads',
      'transB', 'layout', 'output_shape', 'output_padding', 'exclude_outside', 'cubic_coeff_a']);
    const value = pick(r, [...HUGE, [1, 2], [0, 3, 1, 2], [-1], 'VALID', 'edge']);
    n.attribute = [...(n.attribute ?? []).filter((a) => a.name !== name),
      typeof value === 'string' ? { name, type: 3, s: new TextEncoder().encode(value) }
        : Array.isArray(value) ? { name, type: 7, ints: value } : { name, type: 2, i: value }];
  },
  cycle: (m, r) => {
    const nodes = m.graph!.node!;
    const i = Math.floor(r() * nodes.length), j = Math.floor(r() * nodes.length);
    if (nodes[i].input!.length > 0 && nodes[j].output!.length > 0) nodes[i].input![0] = nodes[j].output![0];
  },
  unknownInput: (m, r) => {
    const n = pick(r, m.graph!.node!);
    if (n.input!.length > 0) n.input![Math.floor(r() * n.input!.length)] = pick(r, ['nope', '', 'x', 'y', n.output![0]]);
    else n.input!.push('nope');
  },
  opType: (m, r) => {
    pick(r, m.graph!.node!).opType = pick(r, ['Conv', 'Gemm', 'MatMul', 'Add', 'Mul', 'Transpose', 'Concat', 'Split', 'Slice', 'Pad', 'Squeeze',
      'Unsqueeze', 'Gather', 'ReduceMean', 'ReduceMax', 'Flatten', 'Reshape', 'Softmax', 'PRelu', 'BatchNormalization', 'MaxPool', 'AveragePool',
      'GlobalAveragePool', 'Constant', 'Identity', 'Resize', 'LSTM', '', 'Loop']);
  },
  nodes: (m, r) => {
    const nodes = m.graph!.node!;
    const i = Math.floor(r() * nodes.length);
    if (r() < 0.4) nodes.splice(i, 1);
    else if (r() < 0.5) nodes.push(onnx.NodeProto.create({ ...nodes[i], name: 'dup' }));
    else nodes.reverse();
    if (r() < 0.2) m.graph!.initializer!.splice(Math.floor(r() * m.graph!.initializer!.length), 1);
  },
  versions: (m, r) => {
    if (r() < 0.5) m.opsetImport![0].version = pick(r, [0, 1, 6, 7, 9, 11, 13, 18, 21, 22, 1000, -1]);
    else m.irVersion = pick(r, [0, 1, 2, 3, 11, 2 ** 40]);
    if (r() < 0.2) m.opsetImport![0].domain = 'com.example';
  },
};

/** Byte-level mutations of the encoded file. */
const BYTES: Record<string, (f: Uint8Array, r: Rand) => Uint8Array> = {
  flip: (f, r) => { const o = f.slice(); for (let i = 1 + Math.floor(r() * 4); i > 0; i--) o[Math.floor(r() * o.length)] ^= 1 << Math.floor(r() * 8); return o; },
  overwrite: (f, r) => { const o = f.slice(); for (let i = 1 + Math.floor(r() * 4); i > 0; i--) o[Math.floor(r() * o.length)] = pick(r, [0, 0x7f, 0x80, 0xff, Math.floor(r() * 256)]); return o; },
  truncate: (f, r) => f.slice(0, Math.floor(r() * f.length)),
  splice: (f, r) => {
    const at = Math.floor(r() * f.length), len = 1 + Math.floor(r() * 16);
    return r() < 0.5 ? Uint8Array.from([...f.subarray(0, at), ...f.subarray(at + len)])
      : Uint8Array.from([...f.subarray(0, at), ...Array.from({ length: len }, () => Math.floor(r() * 256)), ...f.subarray(at)]);
  },
};

function mutate(base: Uint8Array, kind: string, r: Rand): Uint8Array {
  if (Object.hasOwn(BYTES, kind)) return BYTES[kind](base, r);
  const m = onnx.ModelProto.decode(base);
  SURGERY[kind](m, r);
  if (r() < 0.15) SURGERY[pick(r, Object.keys(SURGERY))](m, r); // sometimes two at once
  return Uint8Array.from(onnx.ModelProto.encode(m).finish());
}

describe('fromOnnx fuzz', () => {
  it(`${FILES} mutated files: a clear fromOnnx Error or a harmless import; no leak; bounded peak`, { timeout: 300_000 }, () => {
    const files = bases();
    for (const f of files) fromOnnx(f).dispose(); // the bases themselves import
    const r = rng(20261201);
    const kinds = [...Object.keys(SURGERY), ...Object.keys(BYTES)];
    const tally: Record<string, { harmless: number; failed: number }> = Object.fromEntries(kinds.map((n) => [n, { harmless: 0, failed: 0 }]));
    const seen = new Set<string>();
    let maxPeakRatio = 0;
    for (let i = 0; i < FILES; i++) {
      const kind = kinds[i % kinds.length];
      const file = mutate(files[Math.floor(i / kinds.length) % files.length], kind, r);
      const before = lp.memory();
      engine.k.arena_reset_peak();
      let model: lp.LayersModel | null = null;
      try {
        model = fromOnnx(file);
        tally[kind].harmless++;
      } catch (e) {
        assert.ok(e instanceof Error && e.constructor === Error, `${kind} #${i}: not a plain Error: ${String(e)}`);
        assert.ok(e.message.startsWith('fromOnnx:'), `${kind} #${i}: ${e.message}`);
        assert.doesNotMatch(e.message, INTERNAL, `${kind} #${i}`);
        seen.add(e.message.replace(/^fromOnnx: /, '').replace(/"[^"]*"/g, '…').replace(/\d+/g, 'N').slice(0, 80));
        tally[kind].failed++;
      }
      const grew = lp.memory().peakBytes - before.numBytes;
      maxPeakRatio = Math.max(maxPeakRatio, grew / Math.max(file.length, 1));
      assert.ok(grew <= PEAK_FACTOR * file.length + PEAK_SLACK, `${kind} #${i}: the peak grew by ${grew} bytes for a ${file.length}-byte file`);
      model?.dispose();
      const after = lp.memory();
      assert.equal(after.numTensors, before.numTensors, `${kind} #${i}: tensors leaked`);
      assert.equal(after.numBytes, before.numBytes, `${kind} #${i}: bytes leaked`);
    }
    if (process.env.ONNX_FUZZ_DUMP) console.log([...seen].sort().join('\n'));
    console.log(`onnx fuzz: ${FILES} files; per mutation ${JSON.stringify(tally)}; ${seen.size} kinds of message; ` +
      `peak growth at most ${maxPeakRatio.toFixed(2)} x the file`);
    for (const k of kinds) assert.ok(tally[k].failed > 0, `${k} never failed`);
    const messages = [...seen].join('\n');
    for (const want of [/not a valid ONNX protobuf/, /cycle/, /no node, input or initializer gives/, /raw_data has/, /data type .* is not supported/,
      /opset N is not supported/, /cannot be imported/, /element type/]) {
      assert.match(messages, want);
    }
  });

  it('the engine still imports, predicts like onnxruntime-web and trains afterwards', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 9, 9]).output('y');
    g.node('Conv', ['x', g.init('w', [4, 3, 3, 3]), g.init('b', [4])], ['c'], { pads: [1, 1, 1, 1], group: 1 });
    g.node('ReduceMean', ['c'], ['y'], { axes: [2, 3], keepdims: 0 });
    const m = await agree(g, [2, 3, 9, 9]);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = lp.randomNormal([4, 3, 9, 9], 0, 1, 'float32', 3), y = lp.zeros([4, 4]);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    assert.ok(h.history.loss.every(Number.isFinite));
    lp.dispose([x, y]);
    m.dispose();
  });
});
