// Importing ONNX's quantized QDQ form: QuantizeLinear / DequantizeLinear (int8 and uint8, per
// tensor and per channel, int32 biases). Weights behind a DequantizeLinear import exactly
// dequantized; activation Q → DQ pairs are the identity in the f32 model and their grids become
// the int8 model's calibration ranges (fromOnnx(bytes, {quantized: true})). Compared with
// onnxruntime-web (wasm, one thread) on the same bytes.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as lp from '../../js-bindings/index.js';
import * as node from '../../js-bindings/node.js';
import { fromOnnx, SUPPORTED_OPS, toOnnx } from '../../js-bindings/onnx/index.js';
import { expectError, noLeak } from '../helpers/api.js';
import { mnistCnn } from '../helpers/cnn.js';
import { assertClose, GraphBuilder, randoms, runOrt } from '../helpers/onnx.js';
import { cnnInt8Onnx, cnnWeightsOf, type CnnRanges } from '../../bench/ort_cnn.js';

const { onnx } = onnxProto;

before(async () => { await lp.ready(); });
const INT8 = 3, UINT8 = 2, INT32 = 6;

/** An integer initializer (int8 / uint8 in raw_data, int32 in raw_data). */
function ints(g: GraphBuilder, name: string, type: number, dims: number[], values: number[]): string {
  const raw = type === INT32 ? new Uint8Array(Int32Array.from(values).buffer) : type === INT8 ? new Uint8Array(Int8Array.from(values).buffer) : Uint8Array.from(values);
  g.inits.push(onnx.TensorProto.create({ name, dataType: type, dims, rawData: raw }));
  return name;
}

const argmax = (v: Float32Array, i: number, k: number) => { const r = Array.from(v.subarray(i * k, i * k + k)); return r.indexOf(Math.max(...r)); };

function predict(model: { predict(x: lp.Tensor): lp.Tensor | lp.Tensor[] }, data: Float32Array, dims: number[]): Float32Array {
  const x = lp.tensor(data, dims);
  const y = model.predict(x) as lp.Tensor;
  const out = Float32Array.from(y.dataSync() as Float32Array);
  lp.dispose([x, y]);
  return out;
}

/** A small conv net in hand-written QDQ form: uint8 input grid, int8 per-channel conv weights, int32 bias, uint8 per-tensor gemm weights. */
function handQdq(opts: { convAxis?: number; wScale?: number[] } = {}): GraphBuilder {
  const g = new GraphBuilder().input('x', ['N', 2, 6, 6]).output('y', ['N', 5]);
  const q = (x: string, s: number, zp: number, out: string) => {
    g.node('QuantizeLinear', [x, g.init(`${out}_s`, [], [s]), ints(g, `${out}_zp`, UINT8, [], [zp])], [`${out}_q`]);
    g.node('DequantizeLinear', [`${out}_q`, `${out}_s`, `${out}_zp`], [out]);
  };
  q('x', 4 / 255, 128, 'xq');
  const wq = Array.from(randoms(4 * 2 * 9, 3, -127, 127), Math.round);
  const ws = opts.wScale ?? [0.004, 0.006, 0.005, 0.003];
  g.node('DequantizeLinear', [ints(g, 'w_q', INT8, [4, 2, 3, 3], wq), g.init('w_s', [ws.length], ws), ints(g, 'w_zp', INT8, [ws.length], ws.map(() => 0))], ['w'],
    { axis: opts.convAxis ?? 0 });
  const bs = ws.map((s) => s * 4 / 255);
  g.node('DequantizeLinear', [ints(g, 'b_q', INT32, [4], [100, -50, 0, 25]), g.init('b_s', [4], bs), ints(g, 'b_zp', INT32, [4], [0, 0, 0, 0])], ['b'], { axis: 0 });
  g.node('Conv', ['xq', 'w', 'b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  g.node('Relu', ['c'], ['r']);
  q('r', 0.01, 0, 'rq');
  g.node('Flatten', ['rq'], ['f']);
  const gw = Array.from(randoms(144 * 5, 9, 0, 255), Math.round);
  g.node('DequantizeLinear', [ints(g, 'g_q', UINT8, [144, 5], gw), g.init('g_s', [], [0.002]), ints(g, 'g_zp', UINT8, [], [127])], ['gw']);
  g.node('MatMul', ['f', 'gw'], ['y']);
  return g;
}

describe('fromOnnx: quantized (QDQ) graphs', () => {
  it('lists QuantizeLinear, DequantizeLinear, QLinearConv and QLinearMatMul as supported', () => {
    for (const op of ['QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul']) assert.ok(SUPPORTED_OPS.includes(op), op);
  });

  it('a hand-written QDQ net (int8 per-channel, uint8 per-tensor, int32 bias) imports in f32 and matches onnxruntime within the grid', async () => {
    const bytes = handQdq().encode();
    const model = fromOnnx(bytes);
    const dims = [8, 2, 6, 6];
    const x = randoms(8 * 72, 5, -2, 2);
    const want = (await runOrt(bytes, { x: { data: x, dims } })).y;
    const got = predict(model, x, dims);
    // ORT rounds x and the conv output to their grids; the f32 import does not: differences are
    // bounded by half a grid step of each, carried through the layers (a loose bound).
    const step = 0.5 * (4 / 255) * 18 * 0.006 * 1.3 + 0.5 * 0.01;
    const gMax = 128 * 0.002;
    assertClose(got, want, 'QDQ net f32', (step * 144 * gMax) / Math.max(1, ...Array.from(want, Math.abs)));
    noLeak(() => { fromOnnx(bytes).dispose(); });
    model.dispose();
  });

  it('a QDQ graph from toOnnx(lp.quantize(cnn)) and the QOperator CNN of bench/ort_cnn.ts import: f32 close to onnxruntime, int8 gives its classes on 200 MNIST digits', async () => {
    const mnist = node.loadMnist();
    const cnn = mnistCnn({ seed: 3 });
    const n = 2048;
    const xs = lp.slice(mnist.xTrain, [0], [n]);
    const ys = lp.tidy(() => lp.oneHot(lp.slice(mnist.yTrain, [0], [n]), 10));
    cnn.compile({ optimizer: lp.train.adam(0.002), loss: 'categoricalCrossentropy' });
    await cnn.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
    const cal = lp.slice(mnist.xTrain, [n], [128]);
    const q = lp.quantize(cnn, { mode: 'int8', calibrationData: cal });
    const bytes = toOnnx(q);
    const digits = 200;
    const xt = lp.slice(mnist.xTest, [0], [digits]);
    const data = Float32Array.from(xt.dataSync() as Float32Array), dims = [...xt.shape];
    const ort = Object.values(await runOrt(bytes, { [(onnx.ModelProto.decode(bytes).graph!.input![0].name)!]: { data, dims } }))[0];

    const f32 = fromOnnx(bytes);
    const got = predict(f32, data, dims);
    let maxAbs = 0, sameF32 = 0;
    for (let i = 0; i < got.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got[i] - ort[i]));
    for (let i = 0; i < digits; i++) if (argmax(got, i, 10) === argmax(ort, i, 10)) sameF32++;

    const int8 = fromOnnx(bytes, { quantized: true });
    assert.equal(int8.mode, 'int8');
    const got8 = predict(int8, data, dims);
    let same8 = 0, maxAbs8 = 0;
    for (let i = 0; i < digits; i++) if (argmax(got8, i, 10) === argmax(ort, i, 10)) same8++;
    for (let i = 0; i < got8.length; i++) maxAbs8 = Math.max(maxAbs8, Math.abs(got8[i] - ort[i]));
    console.log(`  QDQ MNIST CNN: f32 import vs ORT max |softmax diff| ${maxAbs.toExponential(2)}, classes ${sameF32}/${digits}; ` +
      `int8 import vs ORT max ${maxAbs8.toExponential(2)}, classes ${same8}/${digits}; fallbacks: ${int8.fallbacks.length ? int8.fallbacks.join('; ') : 'none'}`);
    assert.ok(maxAbs < 0.02, `f32 import within the int8 resolution of ORT (max |diff| ${maxAbs})`);
    assert.ok(sameF32 / digits >= 0.98, `f32 classes agree on ${sameF32}/${digits}`);
    assert.ok(same8 / digits >= 0.98, `int8 classes agree on ${same8}/${digits}`);
    noLeak(() => { fromOnnx(bytes, { quantized: true }).dispose(); });
    f32.dispose(); int8.dispose(); q.dispose();

    // The same network in ONNX Runtime's QOperator form (bench/ort_cnn.ts: QLinearConv with the
    // ReLU in the output range, uint8 MaxPool, dense layers as 1x1 QLinearConv).
    const ranges: CnnRanges = lp.tidy(() => {
      const range = (t: lp.Tensor): [number, number] => [lp.min(t).dataSync()[0], lp.max(t).dataSync()[0]];
      const [c1, p1, c2, p2, flat, d1, d2] = cnn.layers;
      const a1 = c1.apply(cal) as lp.Tensor, a2 = c2.apply(p1.apply(a1)) as lp.Tensor, h = d1.apply(flat.apply(p2.apply(a2))) as lp.Tensor;
      return { input: [0, 1], conv1: range(a1), conv2: range(a2), dense1: range(h), logits: range((d2 as unknown as { call(x: lp.Tensor, k: object): lp.Tensor }).call(h, { logits: true })) };
    });
    const qop = cnnInt8Onnx(cnnWeightsOf(cnn), ranges);
    const nchw = [digits, 1, 28, 28];
    const ortQ = (await runOrt(qop, { x: { data, dims: nchw } })).probs;
    const qf32 = fromOnnx(qop), q8 = fromOnnx(qop, { quantized: true });
    const a = predict(qf32, data, nchw), b8 = predict(q8, data, nchw);
    let sameQ = 0, sameQ8 = 0, maxQ = 0;
    for (let i = 0; i < digits; i++) { if (argmax(a, i, 10) === argmax(ortQ, i, 10)) sameQ++; if (argmax(b8, i, 10) === argmax(ortQ, i, 10)) sameQ8++; }
    for (let i = 0; i < a.length; i++) maxQ = Math.max(maxQ, Math.abs(a[i] - ortQ[i]));
    console.log(`  QOperator MNIST CNN: f32 import vs ORT max |softmax diff| ${maxQ.toExponential(2)}, classes ${sameQ}/${digits}; ` +
      `int8 import classes ${sameQ8}/${digits}; fallbacks: ${q8.fallbacks.length ? q8.fallbacks.join('; ') : 'none'}`);
    assert.ok(maxQ < 0.05, `QOperator f32 import within the int8 resolution of ORT (max |diff| ${maxQ})`);
    assert.ok(sameQ / digits >= 0.98 && sameQ8 / digits >= 0.98, `QOperator classes agree: f32 ${sameQ}, int8 ${sameQ8} of ${digits}`);
    qf32.dispose(); q8.dispose(); cnn.dispose();
    lp.dispose([xs, ys, cal, xt, mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);
  });

  it('QLinearMatMul (uint8 activations, uint8 weights with a zero point) matches onnxruntime within the grid', async () => {
    const g = new GraphBuilder().input('x', ['N', 8]).output('y', ['N', 4]);
    g.init('xs', [], [2 / 255]); ints(g, 'xz', UINT8, [], [128]);
    ints(g, 'w', UINT8, [8, 4], Array.from(randoms(32, 4, 0, 255), Math.round)); g.init('ws', [], [0.01]); ints(g, 'wz', UINT8, [], [120]);
    g.init('ys', [], [0.02]); ints(g, 'yz', UINT8, [], [100]);
    g.node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']);
    g.node('QLinearMatMul', ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['yq']);
    g.node('DequantizeLinear', ['yq', 'ys', 'yz'], ['y']);
    const bytes = g.encode();
    const x = randoms(16 * 8, 12, -1, 1);
    const want = (await runOrt(bytes, { x: { data: x, dims: [16, 8] } })).y;
    const m = fromOnnx(bytes);
    // ORT rounds x (half a step, 1/255) through 8 weights of at most 1.35, and y (half of 0.02).
    assertClose(predict(m, x, [16, 8]), want, 'QLinearMatMul', (8 * 1.35 / 255 + 0.01 + 1e-6) / Math.max(1, ...Array.from(want, Math.abs)));
    m.dispose();
  });

  it('the int8 import uses the graph\'s ranges, and calibrationData fills in values without one', () => {
    const bytes = handQdq().encode();
    const int8 = fromOnnx(bytes, { quantized: true });
    const x = randoms(4 * 72, 8, -2, 2);
    const f32 = fromOnnx(bytes);
    const a = predict(int8, x, [4, 2, 6, 6]), b = predict(f32, x, [4, 2, 6, 6]);
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    assert.ok(maxAbs < 0.5 * Math.max(...Array.from(b, Math.abs)), `int8 close to f32 (max |diff| ${maxAbs})`);
    assert.deepEqual(int8.fallbacks, [], 'every layer runs in int8');
    int8.dispose(); f32.dispose();
  });
});

describe('fromOnnx: quantized errors', () => {
  const cases: [string, () => GraphBuilder, RegExp][] = [
    ['a zero scale', () => { const g = handQdq(); g.inits.find((t) => t.name === 'xq_s')!.rawData = new Uint8Array(new Float32Array([0]).buffer); return g; }, /scales must be finite and positive, got 0/],
    ['a NaN weight scale', () => handQdq({ wScale: [0.004, NaN, 0.005, 0.003] }), /"DequantizeLinear_\d+" \(DequantizeLinear\): scales must be finite and positive, got NaN at 1/],
    ['an axis out of range', () => handQdq({ convAxis: 4 }), /axis 4 is out of range for rank 4/],
    ['scales that do not fit the axis', () => handQdq({ convAxis: 1 }), /4 scales for axis 1 of \[4,2,3,3\] \(2 channels\)/],
    ['a zero point of the wrong type', () => { const g = handQdq(); g.inits.find((t) => t.name === 'w_zp')!.dataType = UINT8; return g; }, /zero point is uint8 but the data is int8/],
    ['a zero point count that differs from the scales', () => { const g = handQdq(); const t = g.inits.find((t) => t.name === 'w_zp')!; t.dims = [2]; t.rawData = new Uint8Array(2); return g; }, /4 scale\(s\) but 2 zero point\(s\)/],
    ['a DequantizeLinear of a value no QuantizeLinear made', () => {
      const g = new GraphBuilder().input('x', ['N', 3]).output('y', ['N', 3]);
      return g.node('DequantizeLinear', ['x', g.init('s', [], [0.1]), ints(g, 'z', UINT8, [], [0])], ['y']);
    }, /no QuantizeLinear made/],
  ];
  for (const [what, make, re] of cases) {
    it(`refuses ${what} with a fromOnnx: Error`, () => {
      noLeak(() => expectError(() => fromOnnx(make().encode()), 'fromOnnx', re));
    });
  }

  it('refuses QLinearConv with a bias that is not int32, or weights of the wrong rank', () => {
    const make = (biasType: number, wDims: number[]) => {
      const g = new GraphBuilder().input('x', ['N', 1, 4, 4]).output('y', ['N', 2, 4, 4]);
      g.init('s', [], [0.02]);
      ints(g, 'z', UINT8, [], [0]);
      ints(g, 'w', INT8, wDims, new Array(wDims.reduce((a, d) => a * d, 1)).fill(1));
      g.init('ws', [2], [0.01, 0.01]);
      ints(g, 'wz', INT8, [2], [0, 0]);
      ints(g, 'b', biasType, [2], [1, 2]);
      g.node('QuantizeLinear', ['x', 's', 'z'], ['xq']);
      g.node('QLinearConv', ['xq', 's', 'z', 'w', 'ws', 'wz', 's', 'z', 'b'], ['yq'], { pads: [1, 1, 1, 1] });
      return g.node('DequantizeLinear', ['yq', 's', 'z'], ['y']).encode();
    };
    expectError(() => fromOnnx(make(INT8, [2, 1, 3, 3])), 'fromOnnx', /"QLinearConv_1" \(QLinearConv\): the bias \(input 8\) must be an int32 constant/);
    expectError(() => fromOnnx(make(INT32, [2, 9])), 'fromOnnx', /the weights must be of rank 4, got \[2,9\]/);
    const m = fromOnnx(make(INT32, [2, 1, 3, 3]));
    m.dispose();
  });

  it('asks for calibrationData when the graph gives no range for a quantized value', () => {
    const g = new GraphBuilder().input('x', ['N', 4]).output('y', ['N', 3]);
    g.node('Gemm', ['x', g.init('w', [4, 3])], ['y']);
    expectError(() => fromOnnx(g.encode(), { quantized: true }), 'fromOnnx', /no calibration range/);
    const cal = lp.tensor(randoms(16 * 4, 2), [16, 4]);
    const m = fromOnnx(g.encode(), { quantized: true, calibrationData: cal });
    assert.equal(m.mode, 'int8');
    m.dispose(); cal.dispose();
  });
});

describe('lp.quantize: ranges', () => {
  it('quantizes with given ranges alone, and refuses unknown names, bad ranges and other modes', () => {
    const m = lp.sequential([lp.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), lp.layers.dense({ units: 2 })]);
    const [d0] = m.layers;
    const ranges: Record<string, [number, number]> = { [m.inputs[0].name]: [-1, 1], [`${d0.name}/out`]: [0, 4] };
    const q = lp.quantize(m, { mode: 'int8', ranges });
    assert.equal(q.mode, 'int8');
    q.dispose();
    expectError(() => lp.quantize(m, { mode: 'int8', ranges: { nope: [0, 1] } }), 'quantize', /"nope", which is not a value of model/);
    expectError(() => lp.quantize(m, { mode: 'int8', ranges: { ...ranges, [`${d0.name}/out`]: [2, 1] } }), 'quantize', /finite min < max/);
    expectError(() => lp.quantize(m, { mode: 'dynamic', ranges }), 'quantize', /ranges are for mode 'int8'/);
    expectError(() => lp.quantize(m, { mode: 'int8', ranges: { [m.inputs[0].name]: [-1, 1] } }), 'quantize', /no calibration range for/);
    m.dispose();
  });
});
