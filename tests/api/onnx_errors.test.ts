// fromOnnx on bad input: every failure a clear `fromOnnx:` Error, nothing leaked (memory() flat)
// — unsupported ops (all listed, with node names, before anything is allocated), truncated and
// garbage bytes, initializers whose data does not match their dims, unknown inputs, cycles,
// versions and shapes out of range, and a graph that fails half-way through the build.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as lp from '../../js-bindings/index.js';
import { fromOnnx } from '../../js-bindings/onnx/index.js';
import { expectError } from '../helpers/api.js';
import { GraphBuilder, randoms } from '../helpers/onnx.js';

const { onnx } = onnxProto;

before(async () => { await lp.ready(); });

const refused = (bytes: unknown, pattern?: RegExp) => expectError(() => fromOnnx(bytes as Uint8Array), 'fromOnnx:', pattern);

/** A small valid conv → relu → gemm graph. */
function valid(): GraphBuilder {
  const g = new GraphBuilder().input('x', ['N', 3, 7, 7]).output('y');
  g.node('Conv', ['x', g.init('w', [4, 3, 3, 3]), g.init('b', [4])], ['c'], {}, 'conv');
  g.node('Relu', ['c'], ['r'], {}, 'relu');
  g.node('Flatten', ['r'], ['f'], {}, 'flat');
  g.node('Gemm', ['f', g.init('w2', [100, 5])], ['y'], {}, 'fc');
  return g;
}

describe('fromOnnx: refusals', () => {
  it('the valid graph imports (the baseline for the mutations below)', () => {
    const m = fromOnnx(valid().encode());
    m.dispose();
  });

  it('lists every unsupported op with its node name, in one Error, before allocating', () => {
    const g = valid();
    g.node('Resize', ['r'], ['up'], {}, 'upsample_1');
    g.node('Gather', ['up', 'r'], ['ga'], {}, 'pick');
    g.nodes.push(onnx.NodeProto.create({ opType: 'FusedThing', domain: 'com.example', input: ['r'], output: ['ex'], name: 'custom_7' }));
    g.node('Pad', ['c', g.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])], ['padded'], { mode: 'mirror' }, 'bad_pad');
    g.node('Gemm', ['f', g.ints('w3', [100, 5])], ['t'], {}, 'gemm_ab');
    let message = '';
    expectError(() => {
      try { fromOnnx(g.encode()); } catch (e) { message = (e as Error).message; throw e; }
    }, 'fromOnnx:', /5 node\(s\) that cannot be imported/);
    for (const part of ['"upsample_1" (Resize)', '"pick" (Gather): the indices', '"custom_7" (com.example::FusedThing)', '"bad_pad" (Pad): mode "mirror"',
      '"gemm_ab" (Gemm): B (input 1)']) {
      assert.ok(message.includes(part), `${part} in: ${message}`);
    }
    assert.ok(!message.includes('"conv"'), 'supported nodes are not listed');
  });

  it('truncated bytes, at every length', () => {
    const bytes = valid().encode();
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 97))) refused(bytes.subarray(0, n));
    refused(bytes.subarray(0, bytes.length - 1));
  });

  it('garbage bytes, text, and wrong argument types', () => {
    for (const [len, seed] of [[1, 1], [7, 2], [64, 3], [1000, 4], [65536, 5]]) {
      refused(Uint8Array.from(randoms(len, seed, 0, 256), (v) => Math.floor(v)));
    }
    refused(new TextEncoder().encode('{"format": "layers-model", "modelTopology": {}}'));
    refused(new Uint8Array(100).fill(0xff));
    refused(new Uint8Array(0), /empty/);
    refused('model.onnx', /Uint8Array/);
    refused(null, /Uint8Array/);
    refused(new Float32Array(4), /Uint8Array/);
  });

  it('initializers whose data does not match their dims (checked before allocating)', () => {
    const withInit = (t: ReturnType<typeof onnx.TensorProto.create>) => {
      const g = valid();
      g.inits[0] = t;
      return g.encode();
    };
    const raw = (n: number) => new Uint8Array(4 * n);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [4, 3, 3, 3], rawData: raw(100) })), /need 432 bytes.*raw_data has 400/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [4, 3, 3, 3], floatData: [1, 2, 3] })), /need 108 values.*holds 3/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [4, 3, 3, 3] })), /holds 0/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [1e6, 1e6, 1e6], rawData: raw(4) })), /more than .* elements/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [65536, 65536], rawData: raw(4) })), /more than .* elements/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [-4, 3], rawData: raw(4) })), /negative/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 5, dims: [4], rawData: new Uint8Array(8) })), /int16 is not supported/);
    // int8 / uint8 decode (quantized weights, qdq.ts); as a Conv's weights without a DequantizeLinear they are refused there.
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 3, dims: [4], rawData: new Uint8Array(3) })), /need 4 bytes of int8, raw_data has 3/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 2, dims: [2], int32Data: [7, 300] })), /uint8 values must be integers in \[0, 255\]/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 11, dims: [4], doubleData: [1, 2, 3, 4] })), /float64 is not supported/);
    refused(withInit(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [4], dataLocation: 1 })), /external data/);
  });

  it('unknown input names, values produced twice, and cycles', () => {
    const g = valid();
    g.node('Relu', ['nope'], ['z'], {}, 'reads_nothing');
    refused(g.encode(), /"reads_nothing" \(Relu\) reads "nope"/);
    const d = valid();
    d.node('Relu', ['c'], ['r'], {}, 'again');
    refused(d.encode(), /"r" is produced twice/);
    const c = new GraphBuilder().input('x', ['N', 4]).output('y');
    c.node('Add', ['x', 'b'], ['a'], {}, 'first');
    c.node('Relu', ['a'], ['b'], {}, 'second');
    c.node('Relu', ['a'], ['y'], {}, 'out');
    refused(c.encode(), /cycle through nodes "first" \(Add\), "second" \(Relu\)/);
    const self = new GraphBuilder().input('x', ['N', 4]).output('y');
    self.node('Add', ['x', 'y'], ['y'], {}, 'loop');
    refused(self.encode(), /cycle/);
  });

  it('versions, domains, graph inputs and outputs out of range', () => {
    refused(valid().encode(6), /opset 6 is not supported/);
    refused(valid().encode(22), /opset 22 is not supported/);
    refused(valid().encode(17, 0), /ir_version 0/);
    const noDefault = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: 'com.example', version: 1 }],
      graph: { name: 'g', input: [GraphBuilder.valueInfo('x', [1, 4])], output: [GraphBuilder.valueInfo('x')] } })).finish();
    refused(noDefault, /no opset of the default/);
    const symbolic = valid();
    symbolic.inputs[0] = GraphBuilder.valueInfo('x', ['N', 3, 'h', 7]);
    refused(symbolic.encode(), /dim 2 is symbolic/);
    const huge = valid();
    huge.inputs[0] = GraphBuilder.valueInfo('x', ['N', 3, 1 << 20, 1 << 20]);
    refused(huge.encode(), /more than 2147483648 elements a sample/);
    const ints = valid();
    ints.inputs[0] = GraphBuilder.valueInfo('x', ['N', 3, 7, 7], 7);
    refused(ints.encode(), /graph input "x" is integer; integer inputs may only be the indices of a Gather.*"conv" \(Conv\) reads it/);
    const bools = valid();
    bools.inputs[0] = GraphBuilder.valueInfo('x', ['N', 3, 7, 7], 9);
    refused(bools.encode(), /element type bool/);
    const rank1 = valid();
    rank1.inputs[0] = GraphBuilder.valueInfo('x', ['N']);
    refused(rank1.encode(), /rank 1/);
    const missing = valid().output('not_there');
    refused(missing.encode(), /"not_there" is not computed/);
    const wrongShape = valid();
    wrongShape.outputs[0] = GraphBuilder.valueInfo('y', ['N', 6]);
    refused(wrongShape.encode(), /declared \[N,6\] but computes \[N,5\]/);
    const noGraph = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }] })).finish();
    refused(noGraph, /no graph/);
  });

  it('a graph that fails half-way through the build frees what it built', () => {
    const g = valid();
    g.inits[2] = onnx.TensorProto.create({ name: 'w2', dataType: 1, dims: [99, 5], rawData: new Uint8Array(4 * 99 * 5) });
    refused(g.encode(), /"fc" \(Gemm\).*does not match the weights' 99 rows/);
    const pads = new GraphBuilder().input('x', ['N', 3, 7, 7]).output('y');
    pads.node('Conv', ['x', pads.init('w', [4, 3, 3, 3])], ['c'], {}, 'conv');
    pads.node('AveragePool', ['c'], ['y'], { kernel_shape: [3, 3], pads: [0, 1, 1, 0] }, 'avg');
    refused(pads.encode(), /"avg" \(AveragePool\).*count_include_pad 0/);
  });

  it('500 mutated files: each imports or ends in a fromOnnx: Error, nothing leaked', () => {
    const g = valid();
    g.node('MaxPool', ['c'], ['p'], { kernel_shape: [2, 2], pads: [0, 0, 1, 1] }, 'pool');
    g.node('Reshape', ['p', g.ints('shape', [0, -1])], ['q'], {}, 'reshape');
    g.output('q');
    const bytes = g.encode();
    const rand = randoms(500 * 8, 99, 0, 1);
    let imported = 0;
    for (let i = 0; i < 500; i++) {
      const m = Uint8Array.from(bytes);
      for (let j = 0; j < 1 + (i % 4); j++) m[Math.floor(rand[i * 8 + j] * m.length)] = Math.floor(rand[i * 8 + 4 + j] * 256);
      const before = lp.memory();
      try {
        fromOnnx(m).dispose();
        imported++;
      } catch (e) {
        assert.ok(e instanceof Error && e.message.startsWith('fromOnnx:'), `mutation ${i}: ${String(e)}`);
      }
      assert.equal(lp.memory().numTensors, before.numTensors, `mutation ${i} leaked`);
    }
    assert.ok(imported < 500, 'some mutations are refused');
  });
});
