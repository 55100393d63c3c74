// fromOnnx against onnxruntime-web for the shape and layout ops (Transpose, Concat, Split, Slice,
// Pad, Squeeze, Unsqueeze, Gather, Reduce*, Flatten with any axis), PRelu, LogSoftmax, HardSwish,
// grouped Conv, Gemm with a per-row C and MatMul of two computed tensors: every attribute form,
// the opsets where arguments moved from attributes to inputs, awkward sizes, and both layouts a
// value can be held in (NHWC after a convolution, ONNX's own on a graph input).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { GraphBuilder, INT32, INT64, agree, assertClose, randoms, runLepton, runOrt, type Attr } from '../helpers/onnx.js';
import { fromOnnx, OnnxOp } from '../../js-bindings/onnx/index.js';

before(async () => { await lp.ready(); });

const X = [2, 3, 5, 7];
/** 'h' is [N, 7, 5, 7] both ways. */
const H = [2, 7, 5, 7];

/**
 * x [N, 3, 5, 7] → a 1x1 Conv to 7 channels (so the value is held NHWC), or x [N, 7, 5, 7] as it
 * is (ONNX's layout) → the nodes `body` adds, reading 'h' and writing the outputs.
 */
function graph(nhwc: boolean, body: (g: GraphBuilder) => void, outputs = ['y']): GraphBuilder {
  const g = new GraphBuilder().input('x', ['N', ...(nhwc ? X : H).slice(1)]);
  for (const o of outputs) g.output(o);
  if (nhwc) g.node('Conv', ['x', g.init('w', [7, 3, 1, 1]), g.init('b', [7])], ['h']);
  else g.node('Identity', ['x'], ['h']);
  body(g);
  return g;
}

/** Checks the graph both ways (value held NHWC and in ONNX's layout) against onnxruntime-web. */
async function both(body: (g: GraphBuilder) => void, opts: { opset?: number; outputs?: string[]; batches?: number[] } = {}): Promise<void> {
  for (const nhwc of [true, false]) {
    const m = await agree(graph(nhwc, body, opts.outputs), nhwc ? X : H, { opset: opts.opset, batches: opts.batches });
    m.dispose();
  }
}

const one = (op: string, attrs: Record<string, Attr> = {}, extra: (g: GraphBuilder) => string[] = () => []) =>
  (g: GraphBuilder) => { g.node(op, ['h', ...extra(g)], ['y'], attrs); };

describe('fromOnnx: Transpose', () => {
  for (const perm of [[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 3, 2], [0, 2, 1, 3], [0, 3, 2, 1], [0, 1, 2, 3]]) {
    it(`perm [${perm}]`, async () => { await both(one('Transpose', { perm })); });
  }
  it('NCHW → NHWC → a Conv after a transpose back, with no Permute left between the convolutions', async () => {
    const g = graph(true, (b) => {
      b.node('Transpose', ['h'], ['t'], { perm: [0, 2, 3, 1] });
      b.node('Relu', ['t'], ['r']);
      b.node('Transpose', ['r'], ['u'], { perm: [0, 3, 1, 2] });
      b.node('Conv', ['u', b.init('w2', [3, 7, 3, 3])], ['y'], { pads: [1, 1, 1, 1] });
    });
    const m = await agree(g, X);
    // One Permute in (NCHW → NHWC) and one out; none between the convolutions.
    const classes = m.layers.map((l) => l.className);
    const between = classes.slice(classes.indexOf('Conv2D'), classes.lastIndexOf('Conv2D'));
    assert.ok(!between.includes('Permute'), classes.join());
    m.dispose();
  });
  it('rank 3, and the default (reversing) perm, which moves the batch (onnx_import_gaps.test.ts has more)', async () => {
    for (const perm of [[0, 2, 1], undefined]) {
      const g = new GraphBuilder().input('x', ['N', 3, 17]).output('y');
      g.node('Transpose', ['x'], ['y'], perm ? { perm } : {});
      (await agree(g, [2, 3, 17])).dispose();
    }
  });
});

describe('fromOnnx: Concat and Split', () => {
  for (const axis of [1, 2, 3, -1, -3]) {
    it(`Concat of three values on axis ${axis}`, async () => {
      await both((g) => {
        g.node('Relu', ['h'], ['r']);
        g.node('Sigmoid', ['h'], ['s']);
        g.node('Concat', ['h', 'r', 's'], ['y'], { axis });
      });
    });
  }
  it('Concat of rank-2 values', async () => {
    const g = new GraphBuilder().input('x', ['N', 17]).output('y');
    g.node('Gemm', ['x', g.init('w', [17, 3])], ['a']);
    g.node('Concat', ['x', 'a'], ['y'], { axis: 1 });
    (await agree(g, [2, 17])).dispose();
  });
  const splits: [string, number, Record<string, Attr>, number[] | null, number][] = [
    // name, opset, attrs, split input, outputs
    ['equal parts of channels', 13, { axis: 1 }, null, 7],
    ['split attribute (opset 11)', 11, { axis: 1, split: [2, 4, 1] }, null, 3],
    ['split input (opset 13), on H', 13, { axis: 2 }, [1, 3, 1], 3],
    ['split input on W, negative axis', 17, { axis: -1 }, [3, 4], 2],
    ['num_outputs, uneven (opset 18)', 18, { axis: 3, num_outputs: 3 }, null, 3],
  ];
  for (const [name, opset, attrs, split, n] of splits) {
    it(`Split: ${name}`, async () => {
      const outputs = Array.from({ length: n }, (_, i) => `y${i}`);
      await both((g) => { g.node('Split', ['h', ...(split ? [g.ints('split', split)] : [])], outputs, attrs); }, { opset, outputs });
    });
  }
});

describe('fromOnnx: Slice', () => {
  const BIG = 2 ** 40;
  const cases: [string, number[], number[], number[] | null, number[] | null][] = [
    // starts, ends, axes, steps
    ['channels 1..3', [1], [3], [1], null],
    ['H and W with negative starts', [-3, 1], [BIG, -1], [2, 3], null],
    ['step 2 on W', [0], [BIG], [3], [2]],
    ['step -1 (reversed) on channels', [-1], [-BIG], [1], [-1]],
    ['step -2 on H, step 3 on W, no axes', [0, 4, 0, 0], [BIG, -BIG, BIG, 7], null, [1, -2, 1, 3]],
    ['whole batch (PyTorch style)', [0, 2], [2 ** 62, 5], [0, 2], null],
  ];
  for (const [name, starts, ends, axes, steps] of cases) {
    it(name, async () => {
      await both((g) => {
        const ins = ['h', g.ints('s', starts), g.ints('e', ends), axes ? g.ints('a', axes) : '', steps ? g.ints('t', steps) : ''];
        while (ins[ins.length - 1] === '') ins.pop();
        g.node('Slice', ins, ['y']);
      });
    });
  }
  it('opset 9 attributes', async () => {
    await both(one('Slice', { starts: [1, 0], ends: [3, -2], axes: [1, 3] }), { opset: 9 });
  });
});

describe('fromOnnx: Pad', () => {
  for (const mode of ['constant', 'reflect', 'edge']) {
    it(`${mode}: H and W, uneven; channels; negative (crop)`, async () => {
      for (const pads of [[0, 0, 1, 2, 0, 0, 3, 1], [0, 2, 0, 0, 0, 1, 0, 0], [0, 0, -1, 2, 0, 0, 1, -2]]) {
        await both((g) => { g.node('Pad', ['h', g.ints('p', pads), ...(mode === 'constant' ? [g.init('v', [], [0.5])] : [])], ['y'], { mode }); });
      }
    });
  }
  it('opset 9 attributes (pads, value)', async () => {
    await both(one('Pad', { pads: [0, 0, 1, 1, 0, 0, 2, 0], value: -1.5 }), { opset: 9 });
    await both(one('Pad', { pads: [0, 0, 2, 1, 0, 0, 1, 3], mode: 'reflect' }), { opset: 9 });
  });
  it('opset 18 axes input, and wrap (opset 19)', async () => {
    await both((g) => { g.node('Pad', ['h', g.ints('p', [1, 2, 3, 1]), '', g.ints('a', [-1, 2])], ['y'], { mode: 'edge' }); }, { opset: 18 });
    await both((g) => { g.node('Pad', ['h', g.ints('p', [0, 0, 1, 2, 0, 0, 2, 1])], ['y'], { mode: 'wrap' }); }, { opset: 19 });
  });
});

describe('fromOnnx: Squeeze, Unsqueeze, Flatten', () => {
  it('Squeeze after a global pool (axes attribute at 11, input at 13, none given)', async () => {
    const pooled = (g: GraphBuilder, ins: (g: GraphBuilder) => string[], attrs: Record<string, Attr>) => {
      g.node('GlobalAveragePool', ['h'], ['p']);
      g.node('Squeeze', ['p', ...ins(g)], ['y'], attrs);
    };
    await both((g) => pooled(g, () => [], { axes: [2, 3] }), { opset: 11 });
    await both((g) => pooled(g, (b) => [b.ints('a', [-1, 2])], {}), { opset: 13 });
    await both((g) => pooled(g, () => [], {}), { opset: 13 });
    await both((g) => pooled(g, (b) => [b.ints('a', [3])], {}), { opset: 13 });
  });
  it('Squeeze of the channel axis', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y');
    g.node('Conv', ['x', g.init('w', [1, 3, 3, 3])], ['c'], { pads: [1, 1, 1, 1] });
    g.node('Squeeze', ['c', g.ints('a', [1])], ['y']);
    (await agree(g, X)).dispose();
  });
  it('Unsqueeze (attribute at 11, input at 13; several and negative axes)', async () => {
    await both(one('Unsqueeze', { axes: [2] }), { opset: 11 });
    await both(one('Unsqueeze', {}, (g) => [g.ints('a', [1, -1])]), { opset: 13 });
    const g = new GraphBuilder().input('x', ['N', 17]).output('y');
    g.node('Unsqueeze', ['x', g.ints('a', [1, 3])], ['u']);
    g.node('Relu', ['u'], ['y']);
    (await agree(g, [3, 17])).dispose();
  });
  for (const axis of [2, 3, 4, -1, -3]) {
    it(`Flatten axis ${axis} (the batch folded into the rows)`, async () => { await both(one('Flatten', { axis })); });
  }
  it('Flatten axis 0 on a static batch', async () => {
    const g = new GraphBuilder().input('x', [2, 3, 5, 7]).output('y');
    g.node('Conv', ['x', g.init('w', [7, 3, 1, 1])], ['h']);
    g.node('Flatten', ['h'], ['y'], { axis: 0 });
    (await agree(g, X)).dispose();
  });
});

describe('fromOnnx: Gather with constant indices', () => {
  const cases: [string, number, number[], number[]][] = [
    // axis, indices dims, values
    ['channels, repeated and negative', 1, [4], [6, 0, -1, 2]],
    ['one row of H (rank drops)', 2, [], [3]],
    ['W, 2-D indices', 3, [2, 3], [0, 6, 1, 5, 2, -3]],
  ];
  for (const [name, axis, dims, values] of cases) {
    it(name, async () => {
      await both((g) => {
        g.node('Gather', ['h', g.ints('i', values, dims)], ['y'], { axis });
      });
    });
  }
});

describe('fromOnnx: ReduceMean, ReduceSum, ReduceMax', () => {
  for (const op of ['ReduceMean', 'ReduceSum', 'ReduceMax']) {
    it(`${op}: spatial and channel axes, keepdims 1 and 0, attribute and input forms`, async () => {
      const inputFrom = op === 'ReduceSum' ? 13 : 18;
      for (const [axes, keepdims] of [[[2, 3], 1], [[2, 3], 0], [[1], 0], [[-1], 1], [[1, 3], 0], [[2], 0]] as [number[], number][]) {
        await both(one(op, { axes, keepdims }), { opset: inputFrom - 1 });
        await both(one(op, { keepdims }, (g) => [g.ints('a', axes)]), { opset: inputFrom });
      }
      await both(one(op, { noop_with_empty_axes: 1 }), { opset: inputFrom });
    });
  }
});

describe('fromOnnx: PRelu, LogSoftmax, HardSwish', () => {
  it('PRelu with a per-channel slope, one slope, on rank 2', async () => {
    await both(one('PRelu', {}, (g) => [g.init('s', [7, 1, 1], undefined, -0.5, 0.5)]));
    await both(one('PRelu', {}, (g) => [g.init('s', [1], [0.25])]));
    const g = new GraphBuilder().input('x', ['N', 17]).output('y');
    g.node('PRelu', ['x', g.init('s', [17])], ['y']);
    (await agree(g, [3, 17])).dispose();
  });
  it('LogSoftmax over channels, over W (opset 13 default), rank 2 at opset 11', async () => {
    await both(one('LogSoftmax', { axis: 1 }));
    await both(one('LogSoftmax', {}));
    const g = new GraphBuilder().input('x', ['N', 17]).output('y');
    g.node('LogSoftmax', ['x'], ['y'], { axis: 1 });
    (await agree(g, [3, 17], { opset: 11 })).dispose();
  });
  it('HardSwish', async () => { await both(one('HardSwish'), { opset: 14 }); });
});

describe('fromOnnx: grouped Conv, Gemm per-row C, MatMul of two tensors', () => {
  const convs: [string, number[], number[], Record<string, Attr>][] = [
    ['group 2', [2, 4, 7, 7], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] }],
    ['group 3, stride 2, 1x1', [1, 9, 17, 5], [3, 3, 1, 1], { group: 3, strides: [2, 2] }],
    ['group 2, asymmetric pads, dilation', [2, 6, 9, 9], [4, 3, 3, 3], { group: 2, pads: [0, 1, 2, 1], dilations: [2, 2] }],
  ];
  for (const [name, x, w, attrs] of convs) {
    it(name, async () => {
      for (const bias of [true, false]) {
        const g = new GraphBuilder().input('x', ['N', ...x.slice(1)]).output('y');
        g.node('Conv', ['x', g.init('w', w), ...(bias ? [g.init('b', [w[0]])] : [])], ['c'], attrs);
        g.node('Relu', ['c'], ['y']);
        (await agree(g, x)).dispose();
      }
    });
  }
  it('Gemm with C [M, N] and [M, 1] (a static batch of 3), beta 0.5, transB', async () => {
    for (const cDims of [[3, 7], [3, 1]]) {
      const g = new GraphBuilder().input('x', [3, 17]).output('y');
      g.node('Gemm', ['x', g.init('w', [7, 17]), g.init('c', cDims)], ['y'], { transB: 1, beta: 0.5 });
      (await agree(g, [3, 17])).dispose();
    }
  });
  it('MatMul of two computed tensors: rank 3 (x · xᵀ) and rank 4 after convolutions', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 17]).output('y');
    g.node('Transpose', ['x'], ['t'], { perm: [0, 2, 1] });
    g.node('MatMul', ['x', 't'], ['y']);
    (await agree(g, [2, 3, 17], { batches: [2, 1] })).dispose();
    await both((b) => {
      b.node('Transpose', ['h'], ['t'], { perm: [0, 1, 3, 2] });
      b.node('MatMul', ['h', 't'], ['m']);
      b.node('Relu', ['m'], ['y']);
    });
  });
});

describe('fromOnnx: Resize', () => {
  const cases: [string, Record<string, Attr>][] = [
    ['nearest, half_pixel, round_prefer_floor (defaults)', {}],
    ['nearest, asymmetric, floor (PyTorch)', { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }],
    ['nearest, align_corners, round_prefer_ceil', { coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' }],
    ['nearest, tf_half_pixel_for_nn, ceil', { coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'ceil' }],
    ['linear, half_pixel', { mode: 'linear' }],
    ['linear, pytorch_half_pixel', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }],
    ['linear, align_corners', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }],
    ['linear, asymmetric', { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }],
  ];
  for (const [name, attrs] of cases) {
    it(`${name}: scales 2 and 1.5 up, 0.5 down; sizes`, async () => {
      for (const scales of [[1, 1, 2, 2], [1, 1, 1.5, 0.6], [1, 1, 0.5, 3]]) {
        await both((g) => { g.node('Resize', ['h', '', g.init('sc', [4], scales)], ['y'], attrs); }, { opset: 13 });
      }
      await both((g) => { g.node('Resize', ['h', '', '', g.ints('sz', [3, 17])], ['y'], { ...attrs, axes: [2, -1] }); }, { opset: 18 });
    });
  }
  it('opset 10 (scales only) and opset 11 (roi input), nearest and linear', async () => {
    await both((g) => { g.node('Resize', ['h', g.init('sc', [4], [1, 1, 2, 3])], ['y']); }, { opset: 10 });
    await both((g) => { g.node('Resize', ['h', g.init('sc', [4], [1, 1, 2, 2])], ['y'], { mode: 'linear' }); }, { opset: 10 });
    await both((g) => { g.node('Resize', ['h', g.init('roi', [0], []), g.init('sc', [4], [1, 1, 3, 2])], ['y'], { mode: 'linear' }); }, { opset: 11 });
  });
});

describe('fromOnnx: LSTM and GRU', () => {
  const T = 7, I = 5, Hd = 3;
  /**
   * x → op → the outputs wanted ('' skips one). Layout 1 (batch first) is imported as it is; its
   * reference (onnxruntime runs layout 0 only) is the same op in layout 0 between Transposes.
   */
  function rnn(op: 'LSTM' | 'GRU', dir: string, layout: number, outs: string[], bias: boolean, reference = false,
      extra: Record<string, Attr> = {}): GraphBuilder {
    const gates = op === 'LSTM' ? 4 : 3, dirs = dir === 'bidirectional' ? 2 : 1;
    const g = new GraphBuilder().input('x', layout === 1 ? ['N', T, I] : [T, 1, I]);
    for (const o of outs) if (o !== '') g.output(o);
    const ins = ['x', g.init('W', [dirs, gates * Hd, I]), g.init('R', [dirs, gates * Hd, Hd]), ...(bias ? [g.init('B', [dirs, 2 * gates * Hd])] : [])];
    const attrs = { hidden_size: Hd, direction: dir, ...extra };
    if (!reference) {
      g.node(op, ins, outs, { ...attrs, ...(layout === 1 ? { layout: 1 } : {}) });
      return g;
    }
    g.node('Transpose', ['x'], ['xt'], { perm: [1, 0, 2] });
    g.node(op, ['xt', ...ins.slice(1)], outs.map((o) => (o === '' ? '' : `${o}_t`)), attrs);
    outs.forEach((o, i) => { if (o !== '') g.node('Transpose', [`${o}_t`], [o], { perm: i === 0 ? [2, 0, 1, 3] : [1, 0, 2] }); });
    return g;
  }
  // The GRU also with linear_before_reset 1 (PyTorch's form, Keras's reset_after).
  const variants: ['LSTM' | 'GRU', Record<string, Attr>][] = [['LSTM', {}], ['GRU', {}], ['GRU', { linear_before_reset: 1 }]];
  for (const [op, extra] of variants) {
    const what = `${op}${extra.linear_before_reset ? ' linear_before_reset 1' : ''}`;
    for (const dir of ['forward', 'reverse', 'bidirectional']) {
      it(`${what} ${dir}: layout 0 with batch 1 and layout 1 (Y, Y_h${op === 'LSTM' ? ', Y_c' : ''}), without B, Y alone, states alone`, async () => {
        const states = op === 'LSTM' ? ['Y_h', 'Y_c'] : ['Y_h'];
        (await agree(rnn(op, dir, 0, ['Y', ...states], true, false, extra), [T, 1, I], { opset: 13 })).dispose();
        for (const [outs, bias] of [[['Y', ...states], true], [['Y'], false], [['', 'Y_h'], true]] as [string[], boolean][]) {
          const ref = rnn(op, dir, 1, outs, bias, true, extra), g = rnn(op, dir, 1, outs, bias, false, extra);
          const m = fromOnnx(g.encode(14, 7));
          const data = randoms(3 * T * I, 5, -2, 2);
          const want = await runOrt(ref.encode(14, 7), { x: { data, dims: [3, T, I] } });
          const got = runLepton(m, { data, dims: [3, T, I] });
          m.dispose();
          g.outputs.forEach((o, i) => assertClose(got[i], want[o.name!], `${what} ${dir} ${o.name}`));
        }
      });
    }
  }
  // PyTorch's exporter writes an LSTM / GRU called without states with constant zero initial
  // states (and sometimes a full-length sequence_lens): the same as none.
  for (const op of ['LSTM', 'GRU'] as const) {
    it(`${op} with zero initial states and a full-length sequence_lens, as PyTorch exports it: agrees with onnxruntime`, async () => {
      for (const dir of ['forward', 'bidirectional']) {
        const gates = op === 'LSTM' ? 4 : 3, dirs = dir === 'bidirectional' ? 2 : 1;
        const g = new GraphBuilder().input('x', [T, 1, I]).output('Y').output('Y_h');
        const zeros = (name: string) => g.init(name, [dirs, 1, Hd], new Float32Array(dirs * Hd));
        g.node(op, ['x', g.init('W', [dirs, gates * Hd, I]), g.init('R', [dirs, gates * Hd, Hd]), g.init('B', [dirs, 2 * gates * Hd]),
          g.ints('lens', [T], [1], INT32), zeros('h0'), ...(op === 'LSTM' ? [zeros('c0')] : [])], ['Y', 'Y_h'],
          { hidden_size: Hd, direction: dir, ...(op === 'GRU' ? { linear_before_reset: 1 } : {}) });
        (await agree(g, [T, 1, I], { opset: 14 })).dispose();
      }
    });
  }

  // Computed initial states (a decoder step's state inputs): layout 0 at batch 1 against
  // onnxruntime directly; layout 1 at batch 3 against the same op in layout 0 between Transposes
  // (onnxruntime runs no layout-1 LSTM), states transposed the same way.
  for (const op of ['LSTM', 'GRU'] as const) {
    it(`${op} with computed initial states, forward and bidirectional, layouts 0 and 1: agrees with onnxruntime`, async () => {
      const gates = op === 'LSTM' ? 4 : 3, stateNames = op === 'LSTM' ? ['h0', 'c0'] : ['h0'];
      for (const dir of ['forward', 'bidirectional']) {
        const dirs = dir === 'bidirectional' ? 2 : 1;
        for (const [layout, batch] of [[0, 1], [1, 3]]) {
          const make = (reference: boolean) => {
            const g = new GraphBuilder().input('x', layout === 1 ? [batch, T, I] : [T, batch, I]);
            for (const n of stateNames) g.input(n, layout === 1 ? [batch, dirs, Hd] : [dirs, batch, Hd]);
            g.output('Y').output('Y_h');
            const w = [g.init('W', [dirs, gates * Hd, I]), g.init('R', [dirs, gates * Hd, Hd]), g.init('B', [dirs, 2 * gates * Hd])];
            const attrs = { hidden_size: Hd, direction: dir, ...(op === 'GRU' ? { linear_before_reset: 1 } : {}) };
            if (!reference) {
              g.node(op, ['x', ...w, '', ...stateNames], ['Y', 'Y_h'], { ...attrs, ...(layout === 1 ? { layout: 1 } : {}) });
              return g;
            }
            g.node('Transpose', ['x'], ['xt'], { perm: [1, 0, 2] });
            for (const n of stateNames) g.node('Transpose', [n], [`${n}t`], { perm: [1, 0, 2] });
            g.node(op, ['xt', ...w, '', ...stateNames.map((n) => `${n}t`)], ['Yt', 'Y_ht'], attrs);
            g.node('Transpose', ['Yt'], ['Y'], { perm: [2, 0, 1, 3] });
            g.node('Transpose', ['Y_ht'], ['Y_h'], { perm: [1, 0, 2] });
            return g;
          };
          const xDims = layout === 1 ? [batch, T, I] : [T, batch, I], sDims = layout === 1 ? [batch, dirs, Hd] : [dirs, batch, Hd];
          const x = randoms(batch * T * I, 21, -2, 2), states = stateNames.map((_, i) => randoms(batch * dirs * Hd, 31 + i, -1, 1));
          const want = await runOrt((layout === 1 ? make(true) : make(false)).encode(14, 7),
            { x: { data: x, dims: xDims }, ...Object.fromEntries(stateNames.map((n, i) => [n, { data: states[i], dims: sDims }])) });
          const m = fromOnnx(make(false).encode(14, 7));
          const ins = [lp.tensor(x, xDims), ...states.map((st) => lp.tensor(st, sDims))];
          const ys = m.predict(ins) as lp.Tensor[];
          ['Y', 'Y_h'].forEach((o, i) => assertClose(ys[i].dataSync() as Float32Array, want[o], `${op} ${dir} layout ${layout} ${o}`));
          lp.dispose([...ins, ...ys]);
          m.dispose();
        }
      }
    });
  }

  it('refused: peepholes, clip, GRU linear_before_reset 2, other activations, nonzero constant initial states, short sequence_lens', async () => {
    const cases: [string, (g: GraphBuilder) => void, RegExp][] = [
      ['peepholes', (g) => g.node('LSTM', ['x', g.init('W', [1, 12, I]), g.init('R', [1, 12, Hd]), '', '', '', '', g.init('P', [1, 9])], ['Y'], { hidden_size: Hd }), /P \(peepholes\)/],
      ['clip', (g) => g.node('LSTM', ['x', g.init('W', [1, 12, I]), g.init('R', [1, 12, Hd])], ['Y'], { hidden_size: Hd, clip: 3 }), /clip/],
      ['reset', (g) => g.node('GRU', ['x', g.init('W', [1, 9, I]), g.init('R', [1, 9, Hd])], ['Y'], { hidden_size: Hd, linear_before_reset: 2 }), /linear_before_reset 2 is not 0 or 1/],
      ['activations', (g) => g.node('GRU', ['x', g.init('W', [1, 9, I]), g.init('R', [1, 9, Hd])], ['Y'], { hidden_size: Hd, activations: 'Relu' as never }), /activations/],
      ['initial_h', (g) => g.node('GRU', ['x', g.init('W', [1, 9, I]), g.init('R', [1, 9, Hd]), '', '', g.init('h0', [1, 1, Hd])], ['Y'], { hidden_size: Hd }),
        /initial_h \(input 5\) is supported as constant zeros or as a computed tensor, not as a nonzero constant/],
      ['initial_c alone', (g) => g.node('LSTM', ['x', g.init('W', [1, 12, I]), g.init('R', [1, 12, Hd]), '', '', '', 'x'], ['Y'], { hidden_size: Hd }),
        /give both initial_h and initial_c as computed tensors/],
      ['initial_h rank', (g) => g.node('GRU', ['x', g.init('W', [1, 9, I]), g.init('R', [1, 9, Hd]), '', '', 'x'], ['Y'], { hidden_size: Hd }),
        /initial_h \[7,1,5\] must be \[1,1,3\]/],
      ['initial_h shape', (g) => g.node('LSTM', ['x', g.init('W', [1, 12, I]), g.init('R', [1, 12, Hd]), '', '', g.init('h0', [1, 2, Hd], new Float32Array(2 * Hd))], ['Y'], { hidden_size: Hd }),
        /initial_h \[1,2,3\] must be \[1,1,3\]/],
      ['sequence_lens', (g) => g.node('LSTM', ['x', g.init('W', [1, 12, I]), g.init('R', [1, 12, Hd]), '', g.ints('lens', [T - 1], [1], INT32)], ['Y'], { hidden_size: Hd }),
        /sequence_lens \[6\] is supported only at the full length 7/],
    ];
    for (const [, add, pattern] of cases) {
      const g = new GraphBuilder().input('x', [T, 1, I]).output('Y');
      add(g);
      assert.throws(() => fromOnnx(g.encode(14)), pattern);
    }
  });
});

describe('fromOnnx: ConvTranspose', () => {
  const cases: [string, number[], number[], Record<string, Attr>][] = [
    // x [N, C, H, W], W [C_in, C_out, kh, kw]
    ['3x3 stride 1', [2, 3, 5, 7], [3, 4, 3, 3], {}],
    ['2x2 stride 2 (upsampling)', [2, 3, 5, 7], [3, 7, 2, 2], { strides: [2, 2] }],
    ['3x3 stride 2 pads 1 output_padding 1', [1, 4, 7, 5], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }],
    ['4x4 stride 2 pads 1 (DCGAN)', [2, 3, 3, 3], [3, 2, 4, 4], { strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['asymmetric pads and strides, dilation 2', [1, 2, 7, 9], [2, 3, 3, 3], { strides: [3, 1], pads: [0, 2, 1, 0], dilations: [2, 2] }],
    ['pads larger than the kernel extent (crop)', [1, 2, 9, 9], [2, 1, 3, 1], { pads: [3, 0, 2, 0] }],
  ];
  for (const [name, x, w, attrs] of cases) {
    it(name, async () => {
      for (const bias of [true, false]) {
        const g = new GraphBuilder().input('x', ['N', ...x.slice(1)]).output('y');
        g.node('ConvTranspose', ['x', g.init('w', w), ...(bias ? [g.init('b', [w[1]])] : [])], ['y'], attrs);
        (await agree(g, x)).dispose();
      }
    });
  }
});

describe('fromOnnx: the new layers in a model', () => {
  it('a U-Net-style block (Conv, MaxPool, Resize, Concat with the skip, Pad, Slice, grouped Conv, ConvTranspose) keeps NHWC: no Permute between convolutions', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 8, 8]).output('y');
    g.node('Conv', ['x', g.init('w1', [4, 3, 3, 3])], ['c1'], { pads: [1, 1, 1, 1] });
    g.node('MaxPool', ['c1'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] });
    g.node('Conv', ['p', g.init('w2', [4, 4, 3, 3])], ['c2'], { pads: [1, 1, 1, 1] });
    g.node('Resize', ['c2', '', g.init('sc', [4], [1, 1, 2, 2])], ['up']);
    g.node('Concat', ['c1', 'up'], ['cat'], { axis: 1 });
    g.node('Pad', ['cat', g.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])], ['pd'], { mode: 'edge' });
    g.node('Slice', ['pd', g.ints('s', [1, 1]), g.ints('e', [-1, -1]), g.ints('a', [2, 3])], ['sl']);
    g.node('Conv', ['sl', g.init('w3', [6, 4, 3, 3])], ['c3'], { pads: [1, 1, 1, 1], group: 2 });
    g.node('ConvTranspose', ['c3', g.init('w4', [6, 2, 2, 2])], ['c4'], { strides: [2, 2] });
    g.node('ReduceMean', ['c4', g.ints('ra', [1])], ['y'], { keepdims: 1 });
    const m = await agree(g, [2, 3, 8, 8], { opset: 18 });
    const classes = m.layers.map((l) => l.className);
    const convs = classes.flatMap((c, i) => (c === 'Conv2D' ? [i] : []));
    const between = classes.slice(convs[0], convs[convs.length - 1]);
    assert.ok(!between.includes('Permute'), classes.join());
    m.dispose();
  });

  it('save and load (same predictions), and fit (the loss falls) through Slice, Pad, Resize, ConvTranspose, Concat, Reduce, LSTM', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 6, 6]).output('y');
    g.node('Conv', ['x', g.init('w', [4, 3, 3, 3]), g.init('b', [4])], ['c'], { pads: [1, 1, 1, 1] });
    g.node('Slice', ['c', g.ints('s', [1]), g.ints('e', [6]), g.ints('a', [3]), g.ints('t', [2])], ['sl']);
    g.node('Pad', ['sl', g.ints('p', [0, 0, 1, 1, 0, 0, 1, 1])], ['pd'], { mode: 'reflect' });
    g.node('Resize', ['pd', '', g.init('sc', [4], [1, 1, 1, 2])], ['rs'], { mode: 'linear' });
    g.node('ConvTranspose', ['rs', g.init('wt', [4, 2, 2, 2])], ['ct'], { strides: [2, 2] });
    g.node('Concat', ['ct', 'ct'], ['cc'], { axis: 1 });
    g.node('ReduceMean', ['cc', g.ints('ra', [2])], ['rm'], { keepdims: 0 });
    g.node('Transpose', ['rm'], ['seq'], { perm: [0, 2, 1] });
    g.node('LSTM', ['seq', g.init('W', [1, 8, 4]), g.init('R', [1, 8, 2])], ['', 'h'], { hidden_size: 2, layout: 1 });
    g.node('Flatten', ['h'], ['y']);
    const m = fromOnnx(g.encode(18, 8)); // (onnxruntime runs no layout-1 LSTM; each op is compared above)
    const x = lp.randomNormal([8, 3, 6, 6], 0, 1, 'float32', 7);
    const before = runLepton(m, { data: x.dataSync() as Float32Array, dims: [8, 3, 6, 6] });
    const loaded = lp.io.load(lp.io.save(m));
    const again = runLepton(loaded, { data: x.dataSync() as Float32Array, dims: [8, 3, 6, 6] });
    assert.deepEqual(Array.from(again[0]), Array.from(before[0]), 'save/load round trip');
    loaded.dispose();
    m.compile({ optimizer: lp.train.adam(0.01), loss: 'meanSquaredError' });
    const y = lp.fill([8, 2], 0.5);
    const h = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
    assert.ok(h.history.loss[4] < h.history.loss[0], `loss ${h.history.loss}`);
    lp.dispose([x, y]);
    m.dispose();
  });
});

describe('fromOnnx: Gather from a constant table (embedding lookups)', () => {
  it('int64 ids [N, T] → Embedding, then the rows used (ReduceMean over time, Gemm); int32 ids; ids fed as numbers', async () => {
    for (const elemType of [INT64, INT32]) {
      const g = new GraphBuilder().output('y');
      g.inputs.push(GraphBuilder.valueInfo('ids', ['N', 7], elemType));
      g.node('Gather', [g.init('table', [17, 5]), 'ids'], ['e']);
      g.node('ReduceMean', ['e', g.ints('ax', [1])], ['m'], { keepdims: 0 });
      g.node('Gemm', ['m', g.init('w', [5, 3])], ['y']);
      const bytes = g.encode(18, 8);
      const m = fromOnnx(bytes);
      const data = Float32Array.from({ length: 3 * 7 }, (_, i) => (i * 5) % 17);
      const want = await runOrt(bytes, { ids: { data, dims: [3, 7], dtype: elemType === INT64 ? 'int64' : 'int32' } });
      assertClose(runLepton(m, { data, dims: [3, 7] })[0], want.y, 'embedding');
      m.dispose();
    }
  });
  it('refused: an integer input read by anything but a Gather from a constant table; a table axis other than 0', () => {
    const g = new GraphBuilder().output('y');
    g.inputs.push(GraphBuilder.valueInfo('ids', ['N', 7], INT64));
    g.node('Relu', ['ids'], ['y']);
    assert.throws(() => fromOnnx(g.encode()), /fromOnnx: graph input "ids" is integer.*"Relu_0" \(Relu\) reads it/);
    const h = new GraphBuilder().output('y');
    h.inputs.push(GraphBuilder.valueInfo('ids', ['N', 7], INT64));
    h.node('Gather', [h.init('table', [17, 5]), 'ids'], ['y'], { axis: 1 });
    assert.throws(() => fromOnnx(h.encode()), /axis 1 of a constant table is not supported/);
  });
});

describe('OnnxOp shape ops: attributes from a file are checked against the input', () => {
  it('missing attributes, rows out of range, ranges outside the input, two -1s, bad strides and axes', () => {
    const x = lp.input({ shape: [3, 4] });
    assert.throws(() => new OnnxOp({ op: 'take', attrs: { axis: 1 } }), /OnnxOp: op 'take' needs attrs.indices/);
    const bad: [string, Record<string, number | number[]>, RegExp][] = [
      ['take', { axis: 1, indices: [0, 3] }, /take on \[null,3,4\]: axis must be a non-batch axis/],
      ['take', { axis: 0, indices: [0] }, /take/],
      ['lerp', { axis: 2, i0: [0, 1], i1: [1], f: [0.5, 0.5] }, /lerp/],
      ['slice', { begin: [0, 1, 0], size: [-1, 3, 2] }, /slice on \[null,3,4\]: begin and size must be 3 ranges/],
      ['reshape', { shape: [-1, -1] }, /at most one -1/],
      ['zeroInsert', { strides: [2, 2] }, /rank-4/],
      ['reduceMean', { axes: [0], keepdims: 1 }, /non-batch axes/],
    ];
    for (const [op, attrs, pattern] of bad) assert.throws(() => new OnnxOp({ op, attrs }).apply(x), pattern);
  });
});
