// fromOnnx against onnxruntime-web for what the importer used to refuse: Gemm with transA (every
// transB, alpha, beta and C form of opsets 7 to 21), grouped and depthwise ConvTranspose, Resize
// 'cubic' (cubic_coeff_a, exclude_outside, the coordinate transformation modes), and Transposes
// that move the batch axis (a time-major LSTM / GRU at batch 3, a static first axis above
// predict's batch size of 32; a symbolic batch given by freeDimensions). Random inputs, awkward
// sizes, within 1e-4.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { GraphBuilder, agree, assertClose, randoms, runLepton, runOrt, type Attr } from '../helpers/onnx.js';
import { fromOnnx } from '../../js-bindings/onnx/index.js';

before(async () => { await lp.ready(); });

/** The IR version that came with the opset (as agree() picks it). */
const irOf = (opset: number) => (opset >= 21 ? 10 : opset >= 15 ? 8 : opset >= 13 ? 7 : opset >= 11 ? 6 : opset >= 9 ? 4 : 3);

describe('fromOnnx: Gemm with transA', () => {
  // [K, M, N]: awkward sizes; K = 33 makes A's first axis (the model's) longer than predict's batch of 32.
  const sizes = [[17, 3, 7], [1, 1, 1], [33, 5, 65]];
  /** C's dims for M rows and N columns ('' none): every unidirectional broadcast. */
  const cForms = (m: number, n: number): (number[] | null)[] => [null, [], [1], [n], [1, n], [m, 1], [m, n]];
  for (const opset of [7, 11, 13, 21]) {
    it(`opset ${opset}: transA and transB 0 / 1, alpha, beta, C of every broadcast form`, async () => {
      for (const [k, m, n] of sizes) {
        for (const transA of [0, 1]) for (const transB of [0, 1]) for (const [alpha, beta] of [[1, 1], [0.7, -0.3]]) {
          for (const c of cForms(m, n)) {
            if (c === null && opset < 11) continue; // C is optional from opset 11
            // Without transA and with a C broadcast over the rows, the batch stays dynamic.
            const dynamic = transA === 0 && (c === null || c.length < 2 || c[0] === 1);
            const a = transA ? [k, m] : [m, k];
            const g = new GraphBuilder().input('a', dynamic ? ['N', k] : a).output('y');
            const attrs: Record<string, Attr> = { ...(transA ? { transA } : {}), ...(transB ? { transB } : {}), ...(alpha !== 1 ? { alpha, beta } : {}) };
            g.node('Gemm', ['a', g.init('b', transB ? [n, k] : [k, n]), ...(c ? [g.init('c', c)] : [])], ['y'], attrs);
            const what = `transA ${transA} transB ${transB} alpha ${alpha} C [${c}] K ${k} M ${m} N ${n}`;
            await agree(g, a, { opset }).then((model) => model.dispose(), (e: Error) => assert.fail(`${what}: ${e.message}`));
          }
        }
      }
    });
  }
  it('a computed B (transA, transB, alpha), a computed C of every broadcast form (beta), with a constant B or a computed one', async () => {
    const [m, k, n] = [3, 5, 7];
    for (const opset of [9, 13, 21]) {
      for (const transA of [0, 1]) for (const transB of [0, 1]) for (const [alpha, beta] of [[1, 1], [0.7, -0.3], [1, 0]]) {
        const attrs: Record<string, Attr> = { ...(transA ? { transA } : {}), ...(transB ? { transB } : {}), ...(alpha !== 1 || beta !== 1 ? { alpha, beta } : {}) };
        const what = `opset ${opset} transA ${transA} transB ${transB} alpha ${alpha} beta ${beta}`;
        // A [M, K] (or [K, M]), B computed [K, M] from A (C absent from opset 11, else a constant).
        const g = new GraphBuilder().input('a', transA ? [k, m] : [m, k]).output('y');
        g.node('Tanh', ['a'], ['t']);
        if (transA) g.node('Identity', ['t'], ['bm']);
        else g.node('Transpose', ['t'], ['bm'], { perm: [1, 0] });
        if (transB) g.node('Transpose', ['bm'], ['bt'], { perm: [1, 0] });
        g.node('Gemm', ['a', transB ? 'bt' : 'bm', ...(opset >= 11 ? [] : [g.init('c', [m])])], ['y'], attrs);
        await agree(g, transA ? [k, m] : [m, k], { opset }).then((model) => model.dispose(), (e: Error) => assert.fail(`${what}: ${e.message}`));
        // A constant B and a computed C: [M, N], [M, 1] (a static batch), and [1, N] (all of A flattened, times a matrix).
        for (const cDims of [[m, n], [m, 1], [1, n]]) {
          const h = new GraphBuilder().input('a', transA ? [k, m] : [m, k]).output('y');
          const aRows = transA ? 'at' : 'a';
          if (transA) h.node('Transpose', ['a'], ['at'], { perm: [1, 0] });
          if (cDims[0] === 1) {
            h.node('Flatten', ['a'], ['af'], { axis: 0 });
            h.node('MatMul', ['af', h.init('wc', [m * k, n])], ['c']);
          } else {
            h.node('MatMul', [aRows, h.init('wc', [k, cDims[1]])], ['cm']);
            h.node('Sigmoid', ['cm'], ['c']);
          }
          h.node('Gemm', ['a', h.init('b', transB ? [n, k] : [k, n]), 'c'], ['g'], attrs);
          h.node('Relu', ['g'], ['y']);
          const model = await agree(h, transA ? [k, m] : [m, k], { opset: Math.max(opset, 13) }).catch((e: Error) => assert.fail(`${what} C [${cDims}]: ${e.message}`));
          model.dispose();
        }
      }
    }
  });
  it('a constant A and a computed B (transA, transB, alpha, beta, C), static and dynamic first axes', async () => {
    const [m, k, n] = [3, 5, 7];
    for (const transA of [0, 1]) for (const transB of [0, 1]) for (const [alpha, beta, c] of [[1, 1, null], [0.7, -0.3, [m, 1]], [1, 0.5, [n]], [1, 2, [m, n]]] as [number, number, number[] | null][]) {
      const g = new GraphBuilder().input('x', transB ? ['N', k] : [k, n]).output('y');
      const attrs: Record<string, Attr> = { ...(transA ? { transA } : {}), ...(transB ? { transB } : {}), alpha, beta };
      g.node('Gemm', [g.init('a', transA ? [k, m] : [m, k]), 'x', ...(c && (!transB || c[c.length - 1] === 1) ? [g.init('c', c)] : [])], ['y'], attrs);
      const model = await agree(g, transB ? [n, k] : [k, n], { batches: transB ? [n, 2] : [k] })
        .catch((e: Error) => assert.fail(`transA ${transA} transB ${transB} alpha ${alpha} C [${c}]: ${e.message}`));
      model.dispose();
    }
    const both = new GraphBuilder().input('x', ['N', 5]).output('y');
    both.node('Gemm', [both.init('a', [3, 5]), both.init('b', [5, 2])], ['c'], {}, 'consts');
    both.node('Add', ['x', 'c'], ['y']);
    assert.throws(() => fromOnnx(both.encode()), /"consts" \(Gemm\): A \(input 0\) must be computed, or a float32 constant matrix with B computed/);
  });
  it('transA with a Relu fused, a BatchNormalization folded, and a Gemm after', async () => {
    const g = new GraphBuilder().input('a', [17, 3]).output('y');
    g.node('Gemm', ['a', g.init('b', [17, 7]), g.init('c', [7])], ['g'], { transA: 1, alpha: 0.5 });
    g.node('BatchNormalization', ['g', g.init('s', [7]), g.init('o', [7]), g.init('mu', [7]), g.init('v', [7], undefined, 0.5, 2)], ['bn']);
    g.node('Relu', ['bn'], ['r']);
    g.node('Gemm', ['r', g.init('b2', [5, 3])], ['y'], { transA: 1, transB: 1 });
    const m = await agree(g, [17, 3]);
    assert.ok(!m.layers.some((l) => l.name.includes('BatchNormalization')), 'the BatchNormalization is folded into the Gemm');
    m.dispose();
  });
});

describe('fromOnnx: grouped and depthwise ConvTranspose', () => {
  const cases: [string, number[], number[], Record<string, Attr>][] = [
    // x [N, C, H, W], W [C_in, C_out / group, kh, kw]
    ['group 2, 3x3', [2, 4, 5, 7], [4, 3, 3, 3], { group: 2 }],
    ['group 3 (2 in, 1 out each), 2x2 stride 2', [1, 6, 5, 3], [6, 1, 2, 2], { group: 3, strides: [2, 2] }],
    ['depthwise, 3x3 stride 2 pads 1 output_padding 1', [2, 3, 7, 5], [3, 1, 3, 3], { group: 3, strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }],
    ['depthwise multiplier 2, dilation 2', [1, 5, 4, 6], [5, 2, 3, 3], { group: 5, dilations: [2, 2] }],
    ['depthwise 17 channels, 4x4 stride 2 pads 1 (DCGAN)', [1, 17, 3, 3], [17, 1, 4, 4], { group: 17, strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['group 2, asymmetric pads and strides, dilation 2', [1, 4, 7, 9], [4, 2, 3, 3], { group: 2, strides: [3, 1], pads: [0, 2, 1, 0], dilations: [2, 2] }],
    ['group 2, pads larger than the kernel extent (crop)', [1, 4, 9, 9], [4, 1, 3, 1], { group: 2, pads: [3, 0, 2, 0] }],
  ];
  for (const [name, x, w, attrs] of cases) {
    it(name, async () => {
      const outs = w[1] * (attrs.group as number);
      for (const bias of [true, false]) {
        for (const relu of [false, true]) {
          const g = new GraphBuilder().input('x', ['N', ...x.slice(1)]).output('y');
          g.node('ConvTranspose', ['x', g.init('w', w), ...(bias ? [g.init('b', [outs])] : [])], [relu ? 'c' : 'y'], attrs);
          if (relu) g.node('Relu', ['c'], ['y']);
          (await agree(g, x, { batches: [x[0], 3] })).dispose();
        }
      }
    });
  }
  const shaped: [string, number[], number[], Record<string, Attr>][] = [
    ['auto_pad SAME_UPPER, stride 2, 3x3', [1, 3, 5, 7], [3, 2, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }],
    ['auto_pad SAME_LOWER, stride 2, 4x4, group 3', [1, 3, 5, 4], [3, 2, 4, 4], { auto_pad: 'SAME_LOWER', strides: [2, 2], group: 3 }],
    ['auto_pad SAME_UPPER, strides 3 / 1, dilation 2', [2, 2, 4, 5], [2, 3, 3, 2], { auto_pad: 'SAME_UPPER', strides: [3, 1], dilations: [2, 2] }],
    ['auto_pad SAME_UPPER, stride 3 above the 2x2 kernel (the output stays at what the input reaches)', [1, 2, 4, 5], [2, 3, 2, 2], { auto_pad: 'SAME_UPPER', strides: [3, 3] }],
    ['auto_pad VALID, stride 2, group 2', [1, 4, 5, 3], [4, 2, 3, 3], { auto_pad: 'VALID', strides: [2, 2], group: 2 }],
    ['output_shape [10, 14] (no auto_pad), stride 2', [1, 3, 5, 7], [3, 2, 3, 3], { output_shape: [10, 14], strides: [2, 2] }],
    ['output_shape [11, 13], SAME_UPPER, stride 2', [1, 3, 5, 7], [3, 2, 3, 3], { output_shape: [11, 13], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
    ['output_shape [9, 15], group 2, output_padding 1', [1, 4, 5, 7], [4, 2, 3, 3], { output_shape: [9, 15], strides: [2, 2], group: 2, output_padding: [1, 1] }],
  ];
  for (const [name, x, w, attrs] of shaped) {
    it(name, async () => {
      const g = new GraphBuilder().input('x', ['N', ...x.slice(1)]).output('y');
      g.node('ConvTranspose', ['x', g.init('w', w), g.init('b', [w[1] * ((attrs.group as number | undefined) ?? 1)])], ['y'], attrs);
      (await agree(g, x, { batches: [x[0], 2] })).dispose();
    });
  }
  it('a depthwise ConvTranspose runs as one DepthwiseConv2D; a bias of the wrong size is refused', async () => {
    const g = new GraphBuilder().input('x', ['N', 3, 5, 5]).output('y');
    g.node('ConvTranspose', ['x', g.init('w', [3, 2, 3, 3]), g.init('b', [6])], ['y'], { group: 3 });
    const m = await agree(g, [2, 3, 5, 5]);
    assert.deepEqual(m.layers.filter((l) => l.className.includes('Conv')).map((l) => l.className), ['DepthwiseConv2D']);
    m.dispose();
    const bad = new GraphBuilder().input('x', ['N', 4, 5, 5]).output('y');
    bad.node('ConvTranspose', ['x', bad.init('w', [4, 3, 3, 3]), bad.init('b', [3])], ['y'], { group: 2 }, 'ct');
    assert.throws(() => fromOnnx(bad.encode()), /"ct" \(ConvTranspose\): the bias \(input 2\) must be a float32 constant of 6 values/);
    const big = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y');
    big.node('ConvTranspose', ['x', big.init('w', [3, 2, 3, 3])], ['y'], { output_shape: [12, 17], strides: [2, 2] }, 'ct_big');
    assert.throws(() => fromOnnx(big.encode()), /"ct_big" \(ConvTranspose\): output_shape \[12,17\] is larger than the input \[5,7\] gives \(at most \[11,15\]\)/);
    const odd = new GraphBuilder().input('x', ['N', 4, 5, 5]).output('y');
    odd.node('ConvTranspose', ['x', odd.init('w', [4, 3, 3, 3])], ['y'], { group: 3 }, 'ct3');
    assert.throws(() => fromOnnx(odd.encode()), /"ct3" \(ConvTranspose\): group 3 does not divide the 4 input channels/);
  });
});

describe('fromOnnx: Resize cubic', () => {
  const X = [2, 3, 5, 7];
  /** x → (a 1x1 Conv, so the value is held NHWC, or nothing) → Resize → y. */
  function resize(nhwc: boolean, inputs: (g: GraphBuilder) => string[], attrs: Record<string, Attr>): GraphBuilder {
    const g = new GraphBuilder().input('x', ['N', ...X.slice(1)]).output('y');
    if (nhwc) g.node('Conv', ['x', g.init('w', [3, 3, 1, 1])], ['h']);
    else g.node('Identity', ['x'], ['h']);
    g.node('Resize', ['h', ...inputs(g)], ['y'], { mode: 'cubic', ...attrs });
    return g;
  }
  const transforms = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
  for (const ct of transforms) {
    it(`${ct}: cubic_coeff_a -0.75 and -0.5, exclude_outside 0 and 1; scales 2, 1.5 / 0.6, 0.5 / 3; sizes`, async () => {
      for (const [a, exclude] of [[-0.75, 0], [-0.5, 1], [-0.75, 1]]) {
        const attrs = { coordinate_transformation_mode: ct, ...(a !== -0.75 ? { cubic_coeff_a: a } : {}), ...(exclude ? { exclude_outside: 1 } : {}) };
        for (const nhwc of [true, false]) {
          for (const scales of [[1, 1, 2, 2], [1, 1, 1.5, 0.6], [1, 1, 0.5, 3]]) {
            (await agree(resize(nhwc, (g) => ['', g.init('sc', [4], scales)], attrs), X, { opset: 13, batches: [2, 1] })).dispose();
          }
          (await agree(resize(nhwc, (g) => ['', '', g.ints('sz', [1, 17])], { ...attrs, axes: [2, -1] }), X, { opset: 18 })).dispose();
        }
      }
    });
  }
  it('opset 11 (roi input); refused before opset 11 (cubic is not a mode of opset 10)', async () => {
    (await agree(resize(true, (g) => [g.init('roi', [0], []), g.init('sc', [4], [1, 1, 3, 2])], {}), X, { opset: 11 })).dispose();
    const g = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y');
    g.node('Resize', ['x', g.init('sc', [4], [1, 1, 2, 2])], ['y'], { mode: 'cubic' }, 'up');
    assert.throws(() => fromOnnx(g.encode(10, 5)), /"up" \(Resize\): mode cubic needs opset 11/);
  });
});

describe('fromOnnx: the new paths in a model', () => {
  it('save and load (same predictions), and fit (the loss falls) through Resize cubic, a grouped and a depthwise ConvTranspose, Gemm with a computed C', async () => {
    const g = new GraphBuilder().input('x', ['N', 4, 5, 5]).output('y');
    g.node('Resize', ['x', '', g.init('sc', [4], [1, 1, 1.5, 1.5])], ['rs'], { mode: 'cubic', exclude_outside: 1 });
    g.node('ConvTranspose', ['rs', g.init('w1', [4, 2, 3, 3])], ['c1'], { group: 2, strides: [2, 2], auto_pad: 'SAME_UPPER' });
    g.node('ConvTranspose', ['c1', g.init('w2', [4, 1, 2, 2]), g.init('b2', [4])], ['c2'], { group: 4, output_shape: [14, 14] });
    g.node('GlobalAveragePool', ['c2'], ['p']);
    g.node('Flatten', ['p'], ['f']);
    g.node('Gemm', ['f', g.init('wc', [3, 4])], ['f2'], { transB: 1 });
    g.node('Gemm', ['f', g.init('wg', [4, 3]), 'f2'], ['y'], { beta: 0.5 });
    const m = await agree(g, [2, 4, 5, 5]);
    const x = lp.randomNormal([8, 4, 5, 5], 0, 1, 'float32', 7);
    const before = runLepton(m, { data: x.dataSync() as Float32Array, dims: [8, 4, 5, 5] });
    const loaded = lp.io.load(lp.io.save(m));
    const again = runLepton(loaded, { data: x.dataSync() as Float32Array, dims: [8, 4, 5, 5] });
    assert.deepEqual(Array.from(again[0]), Array.from(before[0]), 'save/load round trip');
    loaded.dispose();
    m.compile({ optimizer: lp.train.adam(0.01), loss: 'meanSquaredError' });
    const y = lp.fill([8, 3], 0.5);
    const h = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
    assert.ok(h.history.loss[4] < h.history.loss[0], `loss ${h.history.loss}`);
    lp.dispose([x, y]);
    m.dispose();
  });
});

describe('fromOnnx: Transposes that move the batch', () => {
  it('rank 3 and rank 4 (held NHWC or not), then an op on the moved value, and moved back', async () => {
    for (const perm of [[1, 0, 2], [2, 1, 0], [1, 2, 0]]) {
      const g = new GraphBuilder().input('x', ['N', 3, 17]).output('y');
      g.node('Transpose', ['x'], ['t'], { perm });
      g.node('Relu', ['t'], ['y']);
      (await agree(g, [2, 3, 17], { batches: [2, 1, 5] })).dispose();
    }
    for (const conv of [true, false]) {
      for (const perm of [[1, 0, 2, 3], [3, 2, 1, 0], [2, 3, 0, 1]]) {
        const g = new GraphBuilder().input('x', ['N', 3, 5, 7]).output('y').output('z');
        if (conv) g.node('Conv', ['x', g.init('w', [4, 3, 1, 1])], ['h']);
        else g.node('Identity', ['x'], ['h']);
        g.node('Transpose', ['h'], ['y'], { perm });
        // And back: the batch first again, a Conv after it.
        const back = perm.map((_, i) => perm.indexOf(i));
        g.node('Transpose', ['y'], ['u'], { perm: back });
        g.node('Conv', ['u', g.init('w2', [2, conv ? 4 : 3, 3, 3])], ['z'], { pads: [1, 1, 1, 1] });
        (await agree(g, [2, 3, 5, 7], { batches: [2, 3] })).dispose();
      }
    }
  });

  const T = 7, I = 5, Hd = 3;
  /** x [T, B, I] → LSTM / GRU in layout 0 (the default) → the outputs wanted ('' skips one). */
  function rnn(op: 'LSTM' | 'GRU', dir: string, outs: string[], t: number, batch: number): GraphBuilder {
    const gates = op === 'LSTM' ? 4 : 3, dirs = dir === 'bidirectional' ? 2 : 1;
    const g = new GraphBuilder().input('x', [t, batch, I]);
    for (const o of outs) if (o !== '') g.output(o);
    g.node(op, ['x', g.init('W', [dirs, gates * Hd, I]), g.init('R', [dirs, gates * Hd, Hd]), g.init('B', [dirs, 2 * gates * Hd])], outs,
      { hidden_size: Hd, direction: dir });
    return g;
  }
  async function compare(g: GraphBuilder, dims: number[], what: string): Promise<void> {
    const bytes = g.encode(14, 7);
    const m = fromOnnx(bytes);
    try {
      const data = randoms(dims.reduce((a, d) => a * d, 1), dims[1] * 31 + dims[0], -2, 2);
      const want = await runOrt(bytes, { x: { data, dims } });
      const got = runLepton(m, { data, dims });
      g.outputs.forEach((o, i) => assertClose(got[i], want[o.name!], `${what} ${o.name}`));
    } finally {
      m.dispose();
    }
  }
  for (const op of ['LSTM', 'GRU'] as const) {
    for (const dir of ['forward', 'reverse', 'bidirectional']) {
      it(`${op} ${dir}, layout 0 at batch 3 (and 2, 1), T 7 and 40 (above predict's batch size): Y and the states`, async () => {
        const states = op === 'LSTM' ? ['Y_h', 'Y_c'] : ['Y_h'];
        for (const outs of [['Y', ...states], ['', ...states], ['Y']]) {
          for (const b of [3, 2, 1]) await compare(rnn(op, dir, outs, T, b), [T, b, I], `${op} ${dir} batch ${b}`);
        }
        await compare(rnn(op, dir, ['Y', ...states], 40, 3), [40, 3, I], `${op} ${dir} T 40`);
      });
    }
  }
  it('a symbolic batch in a time-major input (PyTorch\'s export): refused with the way out, imported with freeDimensions', async () => {
    const g = new GraphBuilder().input('x', ['seq', 'batch', I]).output('Y').output('Y_h');
    g.node('LSTM', ['x', g.init('W', [2, 4 * Hd, I]), g.init('R', [2, 4 * Hd, Hd]), g.init('B', [2, 8 * Hd])], ['Y', 'Y_h'], { hidden_size: Hd, direction: 'bidirectional' });
    const bytes = g.encode(14, 7);
    assert.throws(() => fromOnnx(bytes), /graph input "x": dim 1 is symbolic \("batch"\); .*freeDimensions: \{ "batch": n \}/);
    assert.throws(() => fromOnnx(bytes, { freeDimensions: { batch: 0 } }), /freeDimensions must map dimension names to positive integers/);
    for (const [seq, batch] of [[T, 3], [40, 2]]) {
      const m = fromOnnx(bytes, { freeDimensions: { seq, batch } });
      const data = randoms(seq * batch * I, seq + batch, -2, 2);
      const want = await runOrt(bytes, { x: { data, dims: [seq, batch, I] } });
      const got = runLepton(m, { data, dims: [seq, batch, I] });
      m.dispose();
      g.outputs.forEach((o, i) => assertClose(got[i], want[o.name!], `freeDimensions seq ${seq} batch ${batch}: ${o.name}`));
    }
  });
  it('a time-major LSTM model saves, loads and predicts the same', async () => {
    const m = fromOnnx(rnn('LSTM', 'bidirectional', ['Y', 'Y_h'], T, 3).encode(14, 7));
    const x = lp.tensor(randoms(T * 3 * I, 3, -2, 2), [T, 3, I]);
    const before = (m.predict(x) as lp.Tensor[]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
    const loaded = lp.io.load(lp.io.save(m));
    const after = (loaded.predict(x) as lp.Tensor[]).map((t) => Float32Array.from(t.dataSync() as Float32Array));
    before.forEach((b, i) => assertClose(after[i], b, `output ${i} after save / load`, 0));
    x.dispose();
    m.dispose();
    loaded.dispose();
  });
});
