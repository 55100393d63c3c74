// fromOnnx against onnxruntime-web (wasm, one thread): small ONNX graphs built here with
// onnx-proto, run in both, outputs compared (f32, 1e-4 of the output's scale) for every
// supported op and attribute combination, with awkward sizes (1, 3, 7, 17), a dynamic batch and a
// MobileNet-v2-style block. Also: the NCHW → NHWC rewrite leaves no transpose between
// convolutions, and an imported model fits, saves and loads, and quantizes like any other.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { GraphBuilder, agree, randoms, runLepton } from '../helpers/onnx.js';
import { fromOnnx } from '../../js-bindings/onnx/index.js';
import type { Attr } from '../helpers/onnx.js';

before(async () => { await lp.ready(); });

/** x [N, c, h, w] → one node → y, with the node's extra inputs as initializers. */
function single(op: string, x: number[], extra: [string, number[]][], attrs: Record<string, Attr> = {}, outDims?: (number | string)[]) {
  const g = new GraphBuilder().input('x', ['N', ...x.slice(1)]).output('y', outDims);
  const names = extra.map(([n, d]) => g.init(n, d));
  g.node(op, ['x', ...names], ['y'], attrs);
  return g;
}

async function check(g: GraphBuilder, x: number[], opts: { opset?: number; batches?: number[] } = {}): Promise<lp.LayersModel> {
  const m = await agree(g, x, opts);
  m.dispose();
  return m;
}

const classesOf = (m: lp.LayersModel) => m.layers.map((l) => l.className);

describe('fromOnnx: opsets', () => {
  for (const opset of [7, 9, 11, 13, 17, 21]) {
    it(`a Conv, BatchNormalization, Clip, MaxPool, Flatten, Gemm, Softmax graph at opset ${opset}`, async () => {
      const g = new GraphBuilder().input('x', ['N', 3, 7, 7]).output('y');
      g.node('Conv', ['x', g.init('w', [7, 3, 3, 3]), g.init('b', [7])], ['c'], { pads: [1, 1, 1, 1] });
      g.node('BatchNormalization', ['c', g.init('s', [7]), g.init('bb', [7]), g.init('m', [7]), g.init('v', [7], undefined, 0.5, 1.5)], ['n']);
      if (opset < 11) g.node('Clip', ['n'], ['r'], { min: 0, max: 6 });
      else g.node('Clip', ['n', g.init('lo', [], [0]), g.init('hi', [], [6])], ['r']);
      g.node('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] });
      g.node('Flatten', ['p'], ['f']);
      g.node('Gemm', ['f', g.init('fc', [63, 5]), g.init('fcb', [5])], ['l']);
      g.node('Softmax', ['l'], ['y'], { axis: 1 });
      await check(g, [2, 3, 7, 7], { opset });
    });
  }
});

describe('fromOnnx: Conv', () => {
  const cases: [string, number[], number[], Record<string, Attr>, boolean][] = [
    // name, x [N, C, H, W], W [O, I, kh, kw], attrs, bias
    ['1x1, 1 channel', [2, 1, 7, 7], [3, 1, 1, 1], {}, true],
    ['3x3 pads 1 (same)', [2, 3, 7, 7], [7, 3, 3, 3], { pads: [1, 1, 1, 1] }, true],
    ['3x3 valid, no bias', [1, 7, 17, 17], [17, 7, 3, 3], {}, false],
    ['3x3 stride 2 pads 1', [2, 3, 17, 17], [7, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }, true],
    ['asymmetric pads', [2, 3, 7, 9], [3, 3, 3, 3], { pads: [0, 1, 2, 1] }, true],
    ['rectangular kernel, strides', [1, 3, 17, 7], [7, 3, 3, 1], { strides: [2, 1], pads: [1, 0, 1, 0] }, true],
    ['dilations 2', [2, 3, 17, 17], [7, 3, 3, 3], { dilations: [2, 2], pads: [2, 2, 2, 2] }, true],
    ['auto_pad SAME_UPPER stride 2', [2, 3, 7, 7], [7, 3, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }, true],
    ['auto_pad SAME_LOWER 2x2', [2, 3, 7, 7], [7, 3, 2, 2], { auto_pad: 'SAME_LOWER' }, true],
    ['auto_pad VALID', [2, 3, 7, 7], [7, 3, 3, 3], { auto_pad: 'VALID', kernel_shape: [3, 3] }, true],
    ['depthwise 3 channels', [2, 3, 7, 7], [3, 1, 3, 3], { group: 3, pads: [1, 1, 1, 1] }, true],
    ['depthwise 17 channels stride 2', [1, 17, 9, 9], [17, 1, 3, 3], { group: 17, strides: [2, 2], pads: [1, 1, 1, 1] }, false],
    ['depthwise multiplier 2', [2, 7, 7, 7], [14, 1, 3, 3], { group: 7 }, true],
  ];
  for (const [name, x, w, attrs, bias] of cases) {
    it(name, async () => {
      const extra: [string, number[]][] = [['w', w], ...(bias ? [['b', [w[0]]] as [string, number[]]] : [])];
      await check(single('Conv', x, extra, attrs), x);
    });
  }
});

describe('fromOnnx: Gemm and MatMul', () => {
  const cases: [string, number[], Record<string, Attr>, number[] | null][] = [
    ['plain with C [N]', [17, 7], {}, [7]],
    ['transB with C [1, N]', [7, 17], { transB: 1 }, [1, 7]],
    ['alpha, beta, scalar C', [3, 1], { alpha: 0.5, beta: 2 }, [1]],
    ['no C', [3, 7], {}, null],
  ];
  for (const [name, w, attrs, c] of cases) {
    it(name, async () => {
      const k = attrs.transB ? w[1] : w[0];
      await check(single('Gemm', [3, k], [['w', w], ...(c ? [['c', c] as [string, number[]]] : [])], attrs), [3, k]);
    });
  }
  it('MatMul with a constant right side, rank 2 and rank 3 inputs', async () => {
    await check(single('MatMul', [2, 17], [['w', [17, 3]]]), [2, 17]);
    await check(single('MatMul', [2, 3, 7], [['w', [7, 5]]]), [2, 3, 7]);
  });
});

describe('fromOnnx: element-wise', () => {
  /** x → Conv 1x1 (so the value is NHWC) → op; and the op straight on a rank-2 input. */
  function afterConv(op: string, attrs: Record<string, Attr>, extra: [string, number[]][] = [], constFirst = false) {
    const g = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y');
    g.node('Conv', ['x', g.init('w', [7, 3, 1, 1]), g.init('b', [7])], ['h']);
    const names = extra.map(([n, d]) => g.init(n, d));
    g.node(op, constFirst ? [...names, 'h'] : ['h', ...names], ['y'], attrs);
    return g;
  }
  const unary: [string, Record<string, Attr>][] = [
    ['Relu', {}], ['Sigmoid', {}], ['Tanh', {}], ['Softplus', {}], ['Softsign', {}], ['LeakyRelu', {}], ['LeakyRelu', { alpha: 0.2 }],
    ['Elu', {}], ['Elu', { alpha: 0.5 }], ['Selu', {}], ['Selu', { alpha: 1.5, gamma: 0.7 }], ['HardSigmoid', {}],
    ['HardSigmoid', { alpha: 0.2, beta: 0.5 }], ['Identity', {}], ['Dropout', {}],
  ];
  for (const [op, attrs] of unary) {
    it(`${op} ${JSON.stringify(attrs)} on NHWC and rank-2 values`, async () => {
      await check(afterConv(op, attrs), [2, 3, 5, 7]);
      await check(single(op, [2, 17], [], attrs), [2, 17]);
    });
  }
  for (const [lo, hi] of [[0, 6], [0, null], [-1, 1], [null, 0.5]] as (number | null)[][]) {
    it(`Clip [${lo}, ${hi}] (opset 13 inputs, and opset 10 attributes)`, async () => {
      const g = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y');
      const ins = ['x', lo === null ? '' : g.init('lo', [], [lo]), hi === null ? '' : g.init('hi', [], [hi])];
      g.node('Clip', ins, ['y']);
      await check(g, [2, 3, 5, 7]);
      await check(single('Clip', [2, 17], [], { ...(lo === null ? {} : { min: lo }), ...(hi === null ? {} : { max: hi }) }), [2, 17], { opset: 10 });
    });
  }
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    it(`${op}: tensor-constant, broadcasting [C,1,1], [1,C,1,1], [W], scalar, constant first`, async () => {
      for (const [dims, first] of [[[7, 1, 1], false], [[1, 7, 1, 1], false], [[7], false], [[], false], [[7, 5, 7], true], [[1], true]] as [number[], boolean][]) {
        await check(afterConv(op, {}, [['c', dims]], first), [2, 3, 5, 7]);
      }
      await check(single(op, [2, 17], [['c', [17]]]), [2, 17]);
    });
    it(`${op}: tensor-tensor, same shape (NHWC and rank 2) and broadcasting [N,C,1,1]`, async () => {
      const g = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y');
      g.node('Conv', ['x', g.init('w1', [7, 3, 3, 3]), g.init('b1', [7])], ['a'], { pads: [1, 1, 1, 1] });
      g.node('Conv', ['x', g.init('w2', [7, 3, 1, 1]), g.init('b2', [7], undefined, 0.5, 1.5)], ['b']);
      g.node(op, ['a', 'b'], ['y']);
      await check(g, [2, 3, 5, 7]);
      const h = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y');
      h.node('Conv', ['x', h.init('w', [7, 3, 1, 1]), h.init('b', [7], undefined, 0.5, 1.5)], ['a']);
      h.node('GlobalAveragePool', ['a'], ['p']);
      h.node(op, ['a', 'p'], ['y']);
      await check(h, [2, 3, 5, 7]);
      const r = new GraphBuilder().input('x', ['N', 17]).output('y');
      r.node('Gemm', ['x', r.init('w', [17, 7]), r.init('c', [7], undefined, 0.5, 1.5)], ['a']);
      r.node('Gemm', ['x', r.init('w2', [17, 7]), r.init('c2', [7], undefined, 0.5, 1.5)], ['b']);
      r.node(op, ['a', 'b'], ['y']);
      await check(r, [2, 17]);
    });
  }
  it('Softmax over channels (NHWC), over W, on rank 2, and opset 11 rank 2', async () => {
    await check(afterConv('Softmax', { axis: 1 }), [2, 3, 5, 7]);
    await check(afterConv('Softmax', {}), [2, 3, 5, 7]);
    await check(afterConv('Softmax', { axis: 2 }), [2, 3, 5, 7]);
    await check(single('Softmax', [2, 17], [], { axis: 1 }), [2, 17]);
    await check(single('Softmax', [3, 7], []), [3, 7], { opset: 11 });
  });
});

describe('fromOnnx: pooling, batch normalization, shapes', () => {
  const pools: [string, Record<string, Attr>][] = [
    ['MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }],
    ['MaxPool', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }],
    ['MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 1, 1, 0] }],
    ['MaxPool', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
    ['AveragePool', { kernel_shape: [2, 2], strides: [2, 2] }],
    ['AveragePool', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }],
    ['AveragePool', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }],
    ['AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 1, 2, 1], count_include_pad: 1 }],
    ['AveragePool', { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
    ['GlobalAveragePool', {}], ['GlobalMaxPool', {}],
  ];
  for (const [op, attrs] of pools) {
    it(`${op} ${JSON.stringify(attrs)}`, async () => {
      await check(single(op, [2, 3, 7, 9], [], attrs), [2, 3, 7, 9]);
      await check(single(op, [1, 1, 17, 17], [], attrs), [1, 1, 17, 17]);
      await check(single(op, [3, 17, 7, 3], [], attrs), [3, 17, 7, 3]);
    });
  }
  it('BatchNormalization folded into Conv and Gemm, and standalone (after an Add, and on rank 2)', async () => {
    const bn = (g: GraphBuilder, c: number, x: string, y: string) => g.node('BatchNormalization',
      [x, g.init(`${y}_s`, [c]), g.init(`${y}_b`, [c]), g.init(`${y}_m`, [c]), g.init(`${y}_v`, [c], undefined, 0.5, 2)], [y], { epsilon: 1e-3 });
    const g = new GraphBuilder().input('x', ['N', 3, 7, 7]).output('y');
    g.node('Conv', ['x', g.init('w', [7, 3, 3, 3]), g.init('b', [7])], ['c'], { pads: [1, 1, 1, 1] });
    bn(g, 7, 'c', 'y');
    let m = await agree(g, [2, 3, 7, 7]);
    assert.deepEqual(classesOf(m).filter((c) => c === 'BatchNormalization'), [], 'folded into the conv');
    m.dispose();
    const h = new GraphBuilder().input('x', ['N', 3, 7, 7]).output('y');
    h.node('Add', ['x', h.init('k', [3, 1, 1])], ['a']);
    bn(h, 3, 'a', 'y');
    m = await agree(h, [2, 3, 7, 7]);
    assert.ok(classesOf(m).includes('BatchNormalization'));
    m.dispose();
    const r = new GraphBuilder().input('x', ['N', 17]).output('y');
    r.node('Gemm', ['x', r.init('w', [7, 17]), r.init('c', [7])], ['d'], { transB: 1, beta: 0.5 });
    bn(r, 7, 'd', 'y');
    await check(r, [3, 17]);
    const s = new GraphBuilder().input('x', ['N', 7]).output('y');
    bn(s, 7, 'x', 'y');
    await check(s, [3, 7]);
  });
  it('an Add of a per-channel constant after Conv and MatMul becomes their bias; then Relu fuses', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 7, 7]).output('y');
    g.node('Conv', ['x', g.init('w', [7, 3, 3, 3])], ['c'], { pads: [1, 1, 1, 1] });
    g.node('Add', [g.init('k', [1, 7, 1, 1]), 'c'], ['a']);
    g.node('Conv', ['a', g.init('w1', [5, 7, 1, 1]), g.init('b1', [5])], ['c1']);
    g.node('Add', ['c1', g.init('k1', [], [0.25])], ['a1']);
    g.node('Relu', ['a1'], ['r']);
    g.node('Flatten', ['r'], ['f']);
    g.node('MatMul', ['f', g.init('m', [245, 17])], ['mm']);
    g.node('Add', ['mm', g.init('mb', [17])], ['s']);
    g.node('Relu', ['s'], ['y']);
    const m = await agree(g, [2, 3, 7, 7]);
    assert.deepEqual(classesOf(m).filter((c) => c !== 'InputLayer' && c !== 'Permute'), ['Conv2D', 'Conv2D', 'Flatten', 'Dense']);
    m.dispose();
    const r3 = new GraphBuilder().input('x', ['N', 3, 7]).output('y');
    r3.node('MatMul', ['x', r3.init('m', [7, 5])], ['mm']);
    r3.node('Add', ['mm', r3.init('mb', [1, 5])], ['y']);
    await check(r3, [2, 3, 7]);
  });
  it('Flatten then Gemm folds the layout into the weights (no Permute after the input)', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 7, 5]).output('y');
    g.node('Conv', ['x', g.init('w', [7, 3, 3, 3]), g.init('b', [7])], ['c'], { pads: [1, 1, 1, 1] });
    g.node('Relu', ['c'], ['r']);
    g.node('Flatten', ['r'], ['f']);
    g.node('Gemm', ['f', g.init('w2', [17, 245]), g.init('c2', [17])], ['y'], { transB: 1 });
    const m = await agree(g, [2, 3, 7, 5]);
    assert.equal(classesOf(m).filter((c) => c === 'Permute').length, 1, classesOf(m).join(', '));
    m.dispose();
  });
  it('Flatten and Reshape to outputs come back in ONNX order; Reshape [0, -1], [0, C, H*W], Constant shapes', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 7, 5]).output('f').output('r').output('q');
    g.node('Conv', ['x', g.init('w', [7, 3, 3, 3]), g.init('b', [7])], ['c'], { pads: [1, 1, 1, 1] });
    g.node('Flatten', ['c'], ['f']);
    g.node('Reshape', ['c', g.ints('s1', [0, -1])], ['r0']);
    g.node('Relu', ['r0'], ['r']);
    g.nodes.push(...new GraphBuilder().node('Constant', [], ['s2'], {}).nodes);
    g.nodes[g.nodes.length - 1].attribute = [{ name: 'value_ints', type: 7, ints: [0, 7, 35] }];
    g.node('Reshape', ['c', 's2'], ['q']);
    await check(g, [2, 3, 7, 5]);
  });
  it('a dynamic batch: batches of 1, 3 and 7 through one imported model', async () => {
    const g = new GraphBuilder().input('x', ['batch', 3, 7, 7]).output('y');
    g.node('Conv', ['x', g.init('w', [7, 3, 3, 3]), g.init('b', [7])], ['c'], { strides: [2, 2] });
    g.node('MaxPool', ['c'], ['p'], { kernel_shape: [3, 3] });
    g.node('Flatten', ['p'], ['f']);
    g.node('Gemm', ['f', g.init('w2', [7, 3])], ['y']);
    await check(g, [1, 3, 7, 7], { batches: [1, 3, 7] });
  });
});

/** A MobileNet-v2-style network: stem, one inverted residual block, head. */
export function mobileNetBlock(size = 17, c = 7): GraphBuilder {
  const g = new GraphBuilder().input('x', ['N', 3, size, size]).output('y', ['N', 10]);
  let id = 0;
  const convBn = (x: string, out: number, inC: number, k: number, attrs: Record<string, Attr>, relu6: boolean): string => {
    const n = id++;
    const group = (attrs.group as number | undefined) ?? 1;
    g.node('Conv', [x, g.init(`w${n}`, [out, inC / group, k, k], undefined, -0.5, 0.5)], [`c${n}`], attrs);
    g.node('BatchNormalization', [`c${n}`, g.init(`g${n}`, [out], undefined, 0.5, 1.5), g.init(`b${n}`, [out], undefined, -0.2, 0.2),
      g.init(`m${n}`, [out], undefined, -0.2, 0.2), g.init(`v${n}`, [out], undefined, 0.5, 1.5)], [`bn${n}`]);
    if (!relu6) return `bn${n}`;
    g.node('Clip', [`bn${n}`, g.init(`lo${n}`, [], [0]), g.init(`hi${n}`, [], [6])], [`r${n}`]);
    return `r${n}`;
  };
  const stem = convBn('x', c, 3, 3, { strides: [2, 2], pads: [1, 1, 1, 1] }, true);
  const expand = convBn(stem, 6 * c, c, 1, {}, true);
  const dw = convBn(expand, 6 * c, 6 * c, 3, { group: 6 * c, pads: [1, 1, 1, 1] }, true);
  const project = convBn(dw, c, 6 * c, 1, {}, false);
  g.node('Add', [stem, project], ['res']);
  g.node('GlobalAveragePool', ['res'], ['gap']);
  g.node('Flatten', ['gap'], ['flat']);
  g.node('Gemm', ['flat', g.init('fc', [10, c]), g.init('fcb', [10])], ['y'], { transB: 1 });
  return g;
}

describe('fromOnnx: a MobileNet-v2-style block, and the imported model as a Lepton model', () => {
  it('matches onnxruntime; one Permute (the input), none between convolutions', async () => {
    const m = await agree(mobileNetBlock(), [2, 3, 17, 17], { batches: [1, 2] });
    const permutes = m.graphNodes.filter((n) => n.layer.className === 'Permute');
    assert.equal(permutes.length, 1);
    assert.equal(permutes[0].inputs[0].node?.layer.className, 'InputLayer');
    assert.deepEqual(classesOf(m).filter((c) => c === 'BatchNormalization' || c === 'Activation'), [], 'BN and ReLU6 fused into the convs');
    m.dispose();
  });
  it('fits (the loss falls), saves and loads (same predictions), quantizes to int8', async () => {
    const bytes = mobileNetBlock(9, 3).encode();
    const m = fromOnnx(bytes);
    const x = lp.tensor(randoms(8 * 3 * 9 * 9, 5), [8, 3, 9, 9]);
    const y = lp.tensor(randoms(8 * 10, 6), [8, 10]);
    try {
      const before = runLepton(m, { data: x.dataSync() as Float32Array, dims: [8, 3, 9, 9] });
      const saved = lp.io.save(m);
      const loaded = lp.io.load(saved);
      const again = runLepton(loaded, { data: x.dataSync() as Float32Array, dims: [8, 3, 9, 9] });
      assert.deepEqual(Array.from(again[0]), Array.from(before[0]), 'save/load round trip');
      loaded.dispose();

      const q = lp.quantize(m, { mode: 'int8', calibrationData: x });
      const qy = q.predict(x) as lp.Tensor;
      assert.deepEqual(qy.shape, [8, 10]);
      qy.dispose();
      q.dispose();

      m.compile({ optimizer: lp.train.sgd(0.05), loss: 'meanSquaredError' });
      const h = await m.fit(x, y, { epochs: 8, batchSize: 8, verbose: 0 });
      const losses = h.history.loss as number[];
      assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
      const mem = lp.memory();
      await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
      assert.equal(lp.memory().numTensors, mem.numTensors, 'training keeps memory flat');
      assert.equal(lp.memory().numBytes, mem.numBytes, 'training keeps memory flat');
    } finally {
      x.dispose();
      y.dispose();
      m.dispose();
    }
  });
  it('OnnxOp layers (constants, attributes) save and load, in f32 and int8 files; the model prunes', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 9, 9]).output('y');
    g.node('Conv', ['x', g.init('w', [7, 3, 3, 3]), g.init('b', [7])], ['c'], { pads: [1, 1, 1, 1] });
    g.node('Add', ['c', g.init('k', [7, 1, 1])], ['a']);
    g.node('LeakyRelu', ['a'], ['l']);
    g.node('MaxPool', ['l'], ['p'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0] });
    g.node('Conv', ['p', g.init('w2', [5, 7, 1, 1])], ['c2']);
    g.node('Softmax', ['c2'], ['y'], { axis: 2 });
    const m = await agree(g, [2, 3, 9, 9]);
    const x = lp.tensor(randoms(4 * 3 * 9 * 9, 21), [4, 3, 9, 9]);
    try {
      assert.ok(classesOf(m).filter((c) => c === 'OnnxOp').length >= 3, classesOf(m).join(', '));
      const predict = (model: { predict(x: lp.Tensor): lp.Tensor | lp.Tensor[] }) => {
        const y = model.predict(x) as lp.Tensor;
        const v = Array.from(y.dataSync());
        y.dispose();
        return v;
      };
      const loaded = lp.io.load(lp.io.save(m));
      assert.deepEqual(predict(loaded), predict(m));
      loaded.dispose();
      const q = lp.quantize(m, { mode: 'int8', calibrationData: x });
      const qBack = lp.io.load<lp.QuantizedModel>(lp.io.save(q));
      assert.deepEqual(predict(qBack), predict(q));
      q.dispose();
      qBack.dispose();
      const y = lp.tensor(randoms(4 * 5 * 4 * 4, 22, 0, 0.4), [4, 5, 4, 4]);
      m.compile({ optimizer: lp.train.sgd(0.01), loss: 'meanSquaredError' });
      const pruning = lp.prune(m, { schedule: { type: 'constantSparsity', targetSparsity: 0.5, beginStep: 0, frequency: 1 } });
      await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [pruning.callback()] });
      lp.stripPruning(m);
      y.dispose();
      const kernel = (m.layers.find((l) => l.className === 'Conv2D')!.getWeights()[0]);
      const zeros = Array.from(kernel.dataSync()).filter((v) => v === 0).length;
      kernel.dispose();
      assert.ok(zeros >= 0.45 * kernel.size, `${zeros} of ${kernel.size} pruned`);
    } finally {
      x.dispose();
      m.dispose();
    }
  });
});
