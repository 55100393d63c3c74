// How a QuantizedModel runs its convolutions (js-bindings/quantize/model.ts): a conv whose only
// reader is a 2x2 / stride-2 unpadded max pooling runs both in one kernel call, and a 3x3 stride-1
// conv on 8k input channels runs as Winograd F(2x2, 3x3). Both must give the bits of the plain
// int8 path (each step on its own, the conv through im2col), replayed here from the model's steps
// with the same kernels; patterns that must not fuse stay apart.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { dequantizeTensor, packWeights, persistentBytes, qconv, qgemm, qpool, quantizeTensor, type QValue } from '../../js-bindings/quantize/kernels.js';
import { stepParams, type QuantizedModel } from '../../js-bindings/quantize/model.js';
import { mnistCnn } from '../helpers/cnn.js';
import { noLeak } from '../helpers/api.js';

/** The model's steps, each on its own kernel call: no fused pooling, no Winograd. */
function plainPredict(q: QuantizedModel, x: lp.Tensor): lp.Tensor {
  return lp.tidy(() => {
    const vals: (lp.Tensor | QValue)[] = [x];
    const b = x.shape[0];
    for (const s of q.steps) {
      const op = `plain: ${s.layer}`;
      switch (s.op) {
        case 'quantize': vals[s.out] = quantizeTensor(op, vals[s.in] as lp.Tensor, [...(vals[s.in] as lp.Tensor).shape], s.qp); break;
        case 'dequantize': vals[s.out] = dequantizeTensor(op, vals[s.in] as QValue); break;
        case 'dense': case 'conv2d': {
          const w = packWeights(op, s.wq, s.k, s.n);
          const p = persistentBytes(op, stepParams(s));
          const x8 = vals[s.in] as QValue;
          vals[s.out] = s.op === 'dense' ? qgemm(op, x8, w, p, s.k, s.n, s.outQ) : qconv(op, x8, w, p, s.geom!, s.n, s.outQ, 0);
          lp.dispose([w, p]);
          break;
        }
        case 'maxpool': case 'avgpool': {
          const v = qpool(op, vals[s.in] as QValue, s.geom, s.op === 'maxpool');
          vals[s.out] = { ...v, shape: [b, ...s.shape] };
          break;
        }
        case 'reshape': { const v = vals[s.in] as QValue; vals[s.out] = { ...v, shape: [b, ...s.shape] }; break; }
        case 'activation': vals[s.out] = lp.softmax(vals[s.in] as lp.Tensor); break;
        default: throw new Error(`plainPredict: no ${s.op} here`);
      }
    }
    return vals[q.output] as lp.Tensor;
  });
}

const images = (n: number, seed: number) => lp.tidy(() => lp.maxPool(lp.randomUniform([n, 28, 28, 1], 0, 1, 'float32', seed), 2, 1, 'same'));

describe('QuantizedModel: fused max pooling and Winograd convolutions', () => {
  before(async () => { await lp.ready(); });

  it('the MNIST CNN: both convs pool in their kernel, the second runs Winograd, same bits as the plain path', () => {
    const model = mnistCnn({ seed: 3 });
    const cal = images(32, 1), x = images(9, 2);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const lines: string[] = [];
    q.summary((l) => lines.push(l));
    const convs = lines.filter((l) => / conv2d /.test(l));
    assert.equal(convs.length, 2);
    assert.match(convs[0], /conv2d 9x32 .* relu, then \S+ \(2x2 max pooling\) in the same kernel$/);
    assert.match(convs[1], /conv2d 288x64 .* relu, Winograd F\(2x2, 3x3\), then \S+ \(2x2 max pooling\) in the same kernel$/);
    assert.ok(!lines.some((l) => /^\s+\S+\s+maxpool$/.test(l)), 'the pooling steps are absorbed');
    const got = q.predict(x), want = plainPredict(q, x);
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
    lp.dispose([got, want, cal, x]);
    q.dispose();
    model.dispose();
  });

  it('filters pruned away whole keep the conv fused: a zero channel takes the largest other scale, not 1', () => {
    const model = mnistCnn({ seed: 3 });
    // Zero filters 0 and 5 of the first conv and unit 7 of the hidden dense (whole channels, as
    // magnitude pruning at 75 % leaves some of the first conv's 9-weight filters).
    for (const [layer, channels] of [[0, [0, 5]], [5, [7]]] as const) {
      const [w, b] = model.layers[layer].getWeights();
      const n = w.shape[w.rank - 1], data = Float32Array.from(w.dataSync() as Float32Array);
      for (let i = 0; i < data.length; i++) if ((channels as readonly number[]).includes(i % n)) data[i] = 0;
      model.layers[layer].setWeights([lp.tensor(data, [...w.shape]), b]);
    }
    const cal = images(32, 1), x = images(9, 2);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const lines: string[] = [];
    q.summary((l) => lines.push(l));
    assert.match(lines.filter((l) => / conv2d /.test(l))[0], /conv2d 9x32 .* int8 out, relu, then \S+ \(2x2 max pooling\) in the same kernel$/);
    assert.ok(!lines.some((l) => /^\s+\S+\s+quantize$/.test(l) && !/_input\s/.test(l)), `a requantize step:\n${lines.join('\n')}`);
    for (const [step, channels] of [[q.steps.find((st) => st.op === 'conv2d')!, [0, 5]], [q.steps.filter((st) => st.op === 'dense')[0], [7]]] as const) {
      const scale = (step as { scale: Float32Array }).scale;
      const others = Array.from(scale).filter((_, c) => !(channels as readonly number[]).includes(c));
      for (const c of channels) assert.equal(scale[c], Math.max(...others), `channel ${c}`);
    }
    const got = q.predict(x), want = plainPredict(q, x), f32 = model.predict(x) as lp.Tensor;
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
    const g = got.dataSync() as Float32Array, f = f32.dataSync() as Float32Array;
    for (let i = 0; i < f.length; i++) assert.ok(Math.abs(g[i] - f[i]) < 0.05, `output ${i}: int8 ${g[i]}, f32 ${f[i]}`);
    lp.dispose([got, want, f32, cal, x]);
    q.dispose();
    model.dispose();
  });

  it('an Activation layer after a conv (with a BatchNormalization folded in) or a dense runs in its output stage: no f32 fallback, same bits as the plain path', () => {
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 16, kernelSize: 3, inputShape: [12, 12, 8], useBias: false, kernelInitializer: lp.initializers.glorotUniform({ seed: 4 }) }),
      lp.layers.batchNormalization({}),
      lp.layers.activation({ activation: 'relu' }),
      lp.layers.maxPooling2d({ poolSize: 2 }),
      lp.layers.conv2d({ filters: 8, kernelSize: 3, kernelInitializer: lp.initializers.glorotUniform({ seed: 5 }) }),
      lp.layers.activation({ activation: 'relu6' }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 12, kernelInitializer: lp.initializers.glorotUniform({ seed: 6 }) }),
      lp.layers.activation({ activation: 'relu' }),
      lp.layers.dense({ units: 5, kernelInitializer: lp.initializers.glorotUniform({ seed: 7 }) }),
      lp.layers.activation({ activation: 'softmax' }),
    ]);
    // a BatchNormalization with its own statistics, so the fold changes the weights
    const bn = model.layers[1];
    bn.setWeights([lp.randomUniform([16], 0.5, 1.5, 'float32', 8), lp.randomUniform([16], -0.2, 0.2, 'float32', 9),
      lp.randomUniform([16], -0.1, 0.1, 'float32', 10), lp.randomUniform([16], 0.5, 2, 'float32', 11)]);
    const cal = lp.randomUniform([16, 12, 12, 8], 0, 1, 'float32', 12), x = lp.randomUniform([5, 12, 12, 8], 0, 1, 'float32', 13);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    assert.deepEqual(q.fallbacks, []);
    const lines: string[] = [];
    q.summary((l) => lines.push(l));
    const mats = lines.filter((l) => / (conv2d|dense) \d+x\d+ /.test(l));
    assert.match(mats[0], /conv2d 72x16 .* relu, Winograd F\(2x2, 3x3\), then \S+ \(2x2 max pooling\) in the same kernel$/);
    assert.match(mats[1], /conv2d 144x8 .* relu6, Winograd/);
    assert.match(mats[2], /dense 72x12 .*int8 out, relu$/);
    const got = q.predict(x), want = plainPredict(q, x), ref = model.predict(x) as lp.Tensor;
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
    const g = got.dataSync(), r = ref.dataSync();
    for (let i = 0; i < r.length; i++) assert.ok(Math.abs(g[i] - r[i]) < 0.05, `int8 ${g[i]} against f32 ${r[i]}`);
    lp.dispose([got, want, ref, cal, x]);
    q.dispose();
    model.dispose();
  });

  it('keeps apart what must not fuse: a pooling that is not 2x2 / 2 valid, a conv read twice, odd sizes with same padding', () => {
    const input = lp.input({ shape: [17, 17, 8] });
    const c1 = lp.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(input) as lp.SymbolicTensor;
    const p1 = lp.layers.maxPooling2d({ poolSize: 3, strides: 2 }).apply(c1) as lp.SymbolicTensor;         // 3x3 window
    const c2 = lp.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }).apply(p1) as lp.SymbolicTensor;
    const p2 = lp.layers.maxPooling2d({ poolSize: 2 }).apply(c2) as lp.SymbolicTensor;                    // c2 also read below
    const g2 = lp.layers.globalAveragePooling2d({}).apply(c2) as lp.SymbolicTensor;
    const c3 = lp.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(p2) as lp.SymbolicTensor;
    const p3 = lp.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(c3) as lp.SymbolicTensor;   // 3x3 in, 2x2 out: not floor
    const f = lp.layers.concatenate().apply([lp.layers.flatten().apply(p3) as lp.SymbolicTensor, g2]) as lp.SymbolicTensor;
    const out = lp.layers.dense({ units: 4 }).apply(f) as lp.SymbolicTensor;
    const model = lp.model({ inputs: input, outputs: out });
    const cal = lp.randomUniform([16, 17, 17, 8], 0, 1, 'float32', 5);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const lines: string[] = [];
    q.summary((l) => lines.push(l));
    assert.ok(!lines.some((l) => /in the same kernel/.test(l)), lines.join('\n'));
    assert.equal(lines.filter((l) => /Winograd/.test(l)).length, 3, lines.join('\n'));
    noLeak(() => { const x = lp.slice(cal, [0], [3]); const y = q.predict(x); y.dataSync(); lp.dispose([x, y]); });
    lp.dispose(cal);
    q.dispose();
    model.dispose();
  });
});
