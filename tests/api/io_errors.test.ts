// Every class of bad model file the issue names gives a specific `io.load: ...` Error, leaks
// nothing, and leaves the engine working: bad magic, version, header length, truncation,
// checksum, UTF-8, JSON, nesting, the tensor table (dtypes, shapes, sizes, offsets, overlaps,
// sparse masks, quantization), the topology (classes, configs, references, cycles) and weights.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError } from '../helpers/api.js';
import { mlp, residual, withHeader, rechecksum, parseFile, type ParsedFile } from '../helpers/io_models.js';

let base: Uint8Array; // an MLP: kernels dense, zero biases stored sparse
let graph: Uint8Array; // a functional model
let trained: Uint8Array; // an MLP with its optimizer state

before(async () => {
  await lp.ready();
  const m = mlp();
  base = lp.io.save(m);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  await m.trainOnBatch(lp.randomNormal([4, 6], 0, 1, 'float32', 1), lp.oneHot(lp.tensor(Int32Array.of(0, 1, 2, 0), [4], 'int32'), 3));
  trained = lp.io.save(m, { includeOptimizer: true });
  m.dispose();
  const g = residual();
  graph = lp.io.save(g);
  g.dispose();
});

const bad = (file: Uint8Array | ArrayBuffer, pattern: RegExp) => expectError(() => lp.io.load(file), 'io.load', pattern);
const edit = (file: Uint8Array, f: (j: ParsedFile['json']) => void) => withHeader(file, f);
const u32 = (file: Uint8Array, at: number, v: number) => {
  const out = file.slice();
  new DataView(out.buffer).setUint32(at, v, true);
  return out;
};
type Json = ParsedFile['json'];
const layersOf = (j: Json) => j.config.modelTopology.config.layers as Record<string, any>[];

describe('io.load: the container', () => {
  it('bad magic, too short, not bytes', () => {
    bad(new Uint8Array(0), /not a Lepton model file \(bad magic\) \(only 0 bytes\)/);
    bad(new TextEncoder().encode('{"kind":"layers","tensors":[]}'), /not a Lepton model file \(bad magic\)/);
    const flipped = base.slice();
    flipped[3] ^= 1;
    bad(flipped, /bad magic/);
    expectError(() => lp.io.load('model.bin' as never), 'io.load', /expects the file's bytes as a Uint8Array or ArrayBuffer, got string/);
    expectError(() => lp.io.inspect(new Uint8Array(30)), 'io.inspect', /bad magic/);
  });
  it('wrong version, header length past the file or the limit', () => {
    bad(u32(base, 8, 2), /unsupported format version 2 \(this reader knows 1\)/);
    bad(u32(base, 12, 0xFFFFFFF0), /header length 4294967280 is more than the limit/);
    bad(u32(base, 12, base.length), /truncated file: the header needs bytes 16\.\.\d+ but the file has \d+/);
  });
  it('truncation anywhere', () => {
    bad(base.subarray(0, 40), /truncated file: the header needs/);
    bad(base.subarray(0, base.length - 100), /truncated file: needs bytes \d+\.\.\d+ but the data ends at \d+/);
    bad(base.buffer.slice(0, base.length - 1) as ArrayBuffer, /truncated file|checksum/);
  });
  it('checksum', () => {
    const flipped = base.slice();
    flipped[flipped.length - 50] ^= 0x10;
    bad(flipped, /checksum mismatch \(file corrupted\)/);
  });
  it('UTF-8, JSON, nesting', () => {
    const { dataStart } = parseFile(base);
    const pad = (s: string) => s.padEnd(dataStart - 16, ' ');
    bad(withHeader(base, pad('{"kind": "layers", "tensors": [')), /the header is not valid JSON/);
    const notUtf8 = base.slice();
    notUtf8[17] = 0xFF;
    bad(rechecksum(notUtf8), /the header is not valid UTF-8/);
    bad(edit(base, (j) => { j.config.deep = JSON.parse('['.repeat(100) + ']'.repeat(100)); }), /nests deeper than 64 levels/);
    bad(withHeader(base, pad('[1, 2]')), /the header must be a JSON object/);
    bad(edit(base, (j) => { j.kind = 'int4-magic'; }), /unknown model kind 'int4-magic' \(known: layers/);
    bad(edit(base, (j) => { (j as any).tensors = { a: 1 }; }), /the header's tensors must be a list/);
    bad(edit(base, (j) => { j.tensors = Array.from({ length: 100_001 }, () => ({})); }), /100001 tensors is more than the limit 100000/);
  });
});

describe('io.load: the tensor table', () => {
  const t0 = (f: (t: Record<string, any>, j: Json) => void) => edit(base, (j) => f(j.tensors[0], j));
  it('dtypes', () => {
    bad(t0((t) => { t.dtype = 'float64'; }), /tensor '.*kernel': unknown dtype "float64" \(known: float32, float16, int8, uint8, int32\)/);
    bad(t0((t) => { t.dtype = 'int8'; }), /needs \d+ bytes, the table says \d+/);
    bad(t0((t) => { t.dtype = 'int32'; }), /weight 0 '.*' is float32 \[6,16\] in the rebuilt model but int32 \[6,16\] in the file/);
  });
  it('shapes and sizes (huge, negative, fractional, rank)', () => {
    bad(t0((t) => { t.shape = [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1]; }), /has more than 2\^40 elements/);
    bad(t0((t) => { t.shape = [-6, -16]; }), /shape must be a list of at most 8 integers/);
    bad(t0((t) => { t.shape = [6.5, 16]; }), /shape must be a list/);
    bad(t0((t) => { t.shape = [1, 1, 1, 1, 1, 1, 1, 1, 96]; }), /shape must be a list of at most 8/);
    bad(t0((t) => { t.shape = [16, 6]; }), /weight 0 .* \[6,16\] in the rebuilt model but float32 \[16,6\] in the file/);
    bad(t0((t) => { t.length = 1e300; }), /offset and length must be non-negative integers/);
    bad(t0((t) => { t.length += 4; }), /needs 384 bytes, the table says 388/);
    bad(t0((t) => { t.encoding = 'zip'; }), /encoding must be 'dense', 'sparse', 'huffman', 'sparse24' or 'gapHuffman'/);
    bad(t0((t) => { t.encoding = 'huffman'; }), /the huffman encoding is for one-byte dtypes, not float32/);
    bad(t0((t, j) => { t.name = j.tensors[1].name; }), /tensor '.*' appears twice in the table/);
    bad(t0((t) => { t.name = 7; }), /tensor 0: name must be a string/);
  });
  it('offsets (unaligned, into the header, past the end, overlapping)', () => {
    bad(t0((t) => { t.offset += 4; }), /offset \d+ is not 16-byte aligned/);
    bad(t0((t) => { t.offset = 16; }), /offset 16 points into the header/);
    bad(t0((t) => { t.offset = 2 ** 40; }), /truncated file: needs bytes 10995116\d+\.\.\d+ but the data ends at \d+/);
    bad(t0((t, j) => { t.offset = j.tensors[1].offset; }), /overlaps/);
    bad(t0((t) => { t.offset = -16; }), /offset and length must be non-negative integers/);
  });
  it('sparse blocks (nnz, mask)', () => {
    const sparseIndex = (j: Json) => j.tensors.findIndex((t) => t.encoding === 'sparse');
    bad(edit(base, (j) => { const t = j.tensors[sparseIndex(j)] as Record<string, any>; t.nnz = t.shape[0] + 1; }), /nnz must be an integer in \[0, 16\]/);
    bad(edit(base, (j) => { const t = j.tensors[sparseIndex(j)] as Record<string, any>; t.nnz = 1; t.length += 4; }), /bad sparse block: mask has 0 nonzero elements but nnz is 1/);
    // A mask bit past the last element (bias of 3: mask byte 0b1000).
    const j0 = parseFile(base).json;
    const last = j0.tensors.find((t) => t.encoding === 'sparse' && (t.shape as number[])[0] === 3)!;
    const file = base.slice();
    file[last.offset as number] = 0b1000;
    bad(rechecksum(file), /mask has bits set past the last element/);
  });
  it('quantization parameters', () => {
    const q = (quantization: unknown, dtype = 'int8') => t0((t) => { t.dtype = dtype; t.shape = dtype === 'int8' ? [6, 64] : [6, 16]; t.quantization = quantization; });
    bad(q({ scale: [0.1], zeroPoint: [0] }, 'float32'), /quantization needs an integer dtype, got float32/);
    bad(q({ scale: [-0.1], zeroPoint: [0] }), /scales must be numbers > 0 within float32 range/);
    bad(q({ scale: [1e300], zeroPoint: [0] }), /scales must be numbers > 0 within float32 range/);
    bad(q({ scale: [1e-300], zeroPoint: [0] }), /scales must be numbers > 0 within float32 range/);
    bad(q({ scale: [0.1, 0.2], zeroPoint: [0, 0] }), /needs 1 scale\(s\), got 2/);
    bad(q({ scale: [1, 1, 1, 1, 1, 1], zeroPoint: [0, 0, 0, 0, 0, 300], axis: 0 }), /zero points must be integers in \[-128,127\]/);
    bad(q({ scale: [1], zeroPoint: [0], axis: 2 }), /quantization axis must be an integer in \[0, 1\]/);
    bad(q('scale=1'), /quantization must be an object/);
    // A valid one gets past the container: the layers kind then refuses int8 weights.
    bad(q({ scale: [1, 2, 3, 4, 5, 6], zeroPoint: [0, 1, 2, 3, 4, 5], axis: 0 }), /weight '.*' must be float32, float16 or int32, got int8/);
  });
});

describe('io.load: the topology and the weights', () => {
  const topo = (file: Uint8Array, f: (layers: Record<string, any>[], j: Json) => void) => edit(file, (j) => f(layersOf(j), j));
  it('unknown classes, bad configs (named by layer), config types', () => {
    bad(topo(base, (l) => { l[1].className = 'Dense3'; }), /topology: layer 'dense.*' has unknown className 'Dense3' \(known: Dense, .*io\.registerLayer\)/);
    bad(topo(base, (l) => { l[1].config.units = -3; }), /io\.load: layer 'dense.*' \(Dense\): Dense: 'units' must be a positive integer, got -3/);
    bad(topo(base, (l) => { l[1].config.units = '16'; }), /layer 'dense.*' \(Dense\): config\.units must be a number, got "16"/);
    bad(topo(base, (l) => { l[1].config.activation = 'sparkle'; }), /\(Dense\): Dense: unknown activation 'sparkle'/);
    bad(topo(base, (l) => { l[1].config.activation = 5; }), /config\.activation must be a string/);
    bad(topo(base, (l) => { l[0].config.batchInputShape = [null, -6]; }), /InputLayer\): InputLayer: batchInputShape must be a list of positive integers/);
    bad(topo(base, (l) => { l[0].config.dtype = 'complex64'; }), /config\.dtype must be one of float32, int32, bool/);
    bad(topo(base, (l) => { l[2].name = l[1].name; }), /topology: layer '.*' appears twice/);
    bad(topo(base, (l) => { l[1].config = [1]; }), /config must be an object/);
    bad(edit(base, (j) => { j.config.modelTopology.className = 'Graph'; }), /topology: expected \{className: 'Sequential' \| 'Model', config\}/);
    bad(topo(base, (l) => { l.reverse(); }), /a Sequential model starts with its InputLayer/);
    bad(topo(base, (l) => { l.push({ ...l[0], name: 'second_input' }); }), /a Sequential model has one InputLayer, first; 'second_input' is another/);
  });
  it('references and cycles in a functional graph', () => {
    bad(topo(graph, (l) => { l[2].inboundNodes[0].inputs[0][0] = 'ghost'; }), /refers to node 0 of 'ghost', which does not exist/);
    bad(topo(graph, (l) => { l[2].inboundNodes[0].inputs[0][1] = 5; }), /refers to node 5 of/);
    bad(topo(graph, (l) => { l[1].inboundNodes[0].inputs[0] = [l[3].name, 0]; }), /cycle in the topology: layer '.*' is on or behind a cycle/);
    bad(topo(graph, (l) => { l[1].inboundNodes[0].inputs[0] = [l[1].name, 0]; }), /cycle in the topology/);
    bad(topo(graph, (l) => { l[1].inboundNodes = []; }), /layer '.*' is never applied/);
    bad(topo(graph, (l) => { l[1].inboundNodes[0].inputs = [[l[0].name, 0], [l[0].name, 0]]; }), /node 0 must have one input, or a list/);
    bad(topo(graph, (l) => { l[1].inboundNodes[0].inputs = 'x'; }), /must be a list of at most 1024 \[layerName, nodeIndex\] pairs/);
    bad(edit(graph, (j) => { j.config.modelTopology.config.outputLayers = [['nowhere', 0]]; }), /outputLayers refers to node 0 of 'nowhere'/);
    bad(topo(graph, (l) => { l[0].inboundNodes = [{ inputs: [[l[1].name, 0]] }]; }), /input layer '.*' cannot have inbound nodes/);
    // Shapes that do not fit: the layer that refuses is named.
    bad(topo(graph, (l) => { l.find((x) => x.className === 'Concatenate')!.inboundNodes[0].inputs[1] = [l.find((x) => x.className === 'Add')!.name, 0]; }),
      /layer 'concatenate.*' \(Concatenate\): .*shapes .* differ/);
  });
  it('weights: missing, counts, shapes, budget', () => {
    bad(edit(base, (j) => { j.config.weights[2] = 'nope'; }), /weight 2 \("nope"\) is not in the tensor table/);
    bad(edit(base, (j) => { j.config.weights.push(j.config.weights[0]); }), /the topology builds 6 weights but the file has 7/);
    bad(edit(base, (j) => { j.config.weights.pop(); }), /\(Dense\): weight 'bias' \[3\] needs 12 bytes, more than the 0 left/);
    bad(edit(base, (j) => { delete j.config.weights; }), /a layers model needs \{modelTopology, weights\}/);
    bad(topo(base, (l) => { l[3].config.units = 2; }), /weight \d '.*' is float32 \[16,2\] in the rebuilt model but float32 \[16,3\]/);
    // A config asking for far more than the file holds fails before allocating it.
    bad(topo(base, (l) => { l[1].config.units = 1e8; }), /needs 2400000000 bytes, more than the \d+ left/);
    bad(topo(base, (l) => { l[0].config.batchInputShape = [null, 2 ** 30]; }), /weight 'kernel' \[1073741824,16\] needs \d+ bytes, more than/);
  });
  it('training state', () => {
    const tr = (f: (t: Record<string, any>) => void) => edit(trained, (j) => f(j.config.training));
    bad(tr((t) => { t.optimizer.className = 'Lion'; }), /training config: unknown optimizer "Lion"/);
    bad(tr((t) => { t.optimizer.config.learningRate = -1; }), /training config: Adam: learningRate must be a non-negative/);
    bad(tr((t) => { t.optimizer.config.beta1 = '0.9'; }), /the optimizer config must hold finite numbers and booleans/);
    bad(tr((t) => { t.loss = ['hinge-ish']; }), /training config: compile: unknown loss 'hinge-ish'/);
    bad(tr((t) => { t.optimizer.step.iterations = -1; }), /iterations must be a non-negative integer/);
    bad(tr((t) => { delete t.optimizer.step.accBeta1; }), /must give iterations, accBeta1, accBeta2 as finite numbers/);
    bad(tr((t) => { t.state[0][1] = 99; }), /bad state entry/);
    bad(tr((t) => { t.state[0][1] = (t.state[0][1] + 1) % 6; }), /state '.*' must be a float32 tensor/);
    bad(tr((t) => { t.state[0][2] = 5; }), /training config: Adam\.setWeights: .* does not match/);
  });
  it('the engine still works after every failure', async () => {
    const m = lp.io.load(trained);
    const x = lp.randomNormal([4, 6], 0, 1, 'float32', 2);
    const y = lp.oneHot(lp.tensor(Int32Array.of(0, 1, 2, 0), [4], 'int32'), 3);
    const loss = await m.trainOnBatch(x, y);
    assert.ok(Number.isFinite(loss as number));
    const p = m.predict(x) as lp.Tensor;
    assert.ok(p.dataSync().every(Number.isFinite));
    lp.dispose([x, y, p]);
    m.dispose();
  });
});
