// int8 for imported networks: an imported MobileNet-v2-style ONNX graph quantizes with nothing
// left in f32 (residual Adds in int8, ZeroPadding2D folded into the conv after it, the NCHW→NHWC
// Permute before the input's quantize), predicts like its f32 self, and round-trips through
// model files; the folded padding gives the same bytes as the conv's own padding; Add with a
// ReLU / ReLU6 after it runs as one int8 step close to f32; bad add / permute steps in a file
// are refused with clear Errors (and nothing leaks).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { fromOnnx } from '../../js-bindings/onnx/index.js';
import { mobileNetV2Onnx } from '../../examples/models/onnx_mobilenet.js';
import { noLeak } from '../helpers/api.js';
import { fromArtifacts, toArtifacts } from '../../js-bindings/quantize/index.js';

await lp.ready();

const bytesOf = (t: lp.Tensor) => new Uint8Array(t.dataSync().buffer.slice(0));

function argmaxRows(t: lp.Tensor): number[] {
  const [n, c] = t.shape, v = t.dataSync();
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (v[i * c + j] > v[i * c + best]) best = j;
    return best;
  });
}

const glorot = (seed: number) => lp.initializers.glorotUniform({ seed });

describe('int8 imported MobileNet-v2', () => {
  it('runs fully in int8, agrees with f32, and round-trips through a model file', () => {
    const { bytes } = mobileNetV2Onnx({ size: 32, width: 0.5, stages: 4, classes: 10, seed: 3 });
    const model = fromOnnx(bytes);
    const cal = lp.randomUniform([16, 3, 32, 32], -1, 1, 'float32', 5);
    const x = lp.randomUniform([64, 3, 32, 32], -1, 1, 'float32', 6);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    assert.deepEqual(q.fallbacks, []);
    const kinds = q.layers.filter((l) => !l.int8).map((l) => l.op);
    assert.deepEqual(kinds, ['permute'], 'only the NCHW→NHWC permute of the f32 input is not int8');
    assert.ok(q.steps.filter((s) => s.op === 'add').length >= 3, 'the residual adds run in int8');
    assert.ok(!q.steps.some((s) => s.op === 'layer'), 'no f32 layer steps');
    const f = model.predict(x) as lp.Tensor, y = q.predict(x) as lp.Tensor;
    const a = argmaxRows(f), b = argmaxRows(y);
    const agree = a.filter((v, i) => v === b[i]).length / a.length;
    assert.ok(agree >= 0.85, `top-1 agreement ${agree}`);
    const fv = f.dataSync(), yv = y.dataSync();
    const span = Math.max(...Array.from(fv, Math.abs));
    const worst = Array.from(fv).reduce((m, v, i) => Math.max(m, Math.abs(v - yv[i])), 0);
    assert.ok(worst <= 0.15 * span, `max diff ${worst} of ${span}`);
    const back = lp.io.load<lp.QuantizedModel>(lp.io.save(q));
    const z = back.predict(x) as lp.Tensor;
    assert.deepEqual(bytesOf(z), bytesOf(y), 'predictions after a reload');
    lp.dispose([f, y, z, cal, x]);
    back.dispose();
    q.dispose();
    model.dispose();
  });

  it('leaks nothing per prediction', () => {
    const { bytes } = mobileNetV2Onnx({ size: 16, width: 0.5, stages: 3, classes: 5, seed: 4 });
    const model = fromOnnx(bytes);
    const cal = lp.randomUniform([4, 3, 16, 16], -1, 1, 'float32', 1);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    q.predict(cal).dispose();
    noLeak(() => { for (let i = 0; i < 3; i++) q.predict(cal).dispose(); });
    q.dispose(); model.dispose(); cal.dispose();
  });
});

describe('int8 ZeroPadding2D folded into the conv after it', () => {
  for (const [pad, k, s, kind] of [[1, 3, 1, 'conv2d'], [1, 3, 2, 'depthwise'], [2, 5, 1, 'depthwise'], [1, 3, 2, 'conv2d']] as const) {
    it(`padding ${pad} before a ${k}x${k} stride-${s} ${kind}: the same bytes as its 'same'-padded twin where the windows match`, () => {
      const make = (zeroPad: boolean) => {
        const inp = lp.input({ shape: [9, 9, 3] });
        let h = inp as lp.SymbolicTensor;
        if (zeroPad) h = lp.layers.zeroPadding2d({ padding: pad }).apply(h) as lp.SymbolicTensor;
        const args = { kernelSize: k, strides: s, padding: zeroPad ? 'valid' as const : 'same' as const, activation: 'relu' as const };
        h = (kind === 'conv2d' ? lp.layers.conv2d({ filters: 5, kernelInitializer: glorot(1), ...args })
          : lp.layers.depthwiseConv2d({ depthwiseInitializer: glorot(1), ...args })).apply(h) as lp.SymbolicTensor;
        h = lp.layers.flatten().apply(h) as lp.SymbolicTensor;
        return lp.model({ inputs: inp, outputs: lp.layers.dense({ units: 4, kernelInitializer: glorot(2) }).apply(h) as lp.SymbolicTensor });
      };
      const padded = make(true);
      const x = lp.randomUniform([6, 9, 9, 3], -1, 1, 'float32', 8);
      const q = lp.quantize(padded, { mode: 'int8', calibrationData: x });
      assert.deepEqual(q.fallbacks, []);
      assert.ok(!q.steps.some((st) => st.layer.includes('zero_padding')), 'no step for the padding');
      const fy = padded.predict(x) as lp.Tensor, qy = q.predict(x) as lp.Tensor;
      const fv = fy.dataSync(), qv = qy.dataSync();
      const span = Math.max(...Array.from(fv, Math.abs));
      assert.ok(fv.every((v, i) => Math.abs(v - qv[i]) <= 0.1 * span), 'int8 close to f32');
      // with stride 1 and a symmetric 'same' window the two models are one computation
      if (s === 1 && 2 * pad === k - 1) {
        const same = make(false);
        same.setWeights(padded.getWeights());
        const q2 = lp.quantize(same, { mode: 'int8', calibrationData: x });
        const y2 = q2.predict(x) as lp.Tensor;
        assert.deepEqual(bytesOf(y2), bytesOf(qy));
        y2.dispose(); q2.dispose(); same.dispose();
      }
      lp.dispose([fy, qy, x]);
      q.dispose(); padded.dispose();
    });
  }
});

describe('int8 Add', () => {
  for (const act of ['none', 'relu', 'relu6'] as const) {
    it(`two convs added${act === 'none' ? '' : `, then ${act}`}: one int8 step, close to f32, saved and loaded`, () => {
      const inp = lp.input({ shape: [7, 7, 4] });
      const a = lp.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: glorot(3) }).apply(inp) as lp.SymbolicTensor;
      const b = lp.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'relu', kernelInitializer: glorot(4) }).apply(inp) as lp.SymbolicTensor;
      let h = lp.layers.add().apply([a, b]) as lp.SymbolicTensor;
      if (act !== 'none') h = lp.layers.activation({ activation: act }).apply(h) as lp.SymbolicTensor;
      h = lp.layers.globalAveragePooling2d().apply(h) as lp.SymbolicTensor;
      const model = lp.model({ inputs: inp, outputs: lp.layers.dense({ units: 3, kernelInitializer: glorot(5) }).apply(h) as lp.SymbolicTensor });
      const x = lp.randomUniform([8, 7, 7, 4], -2, 2, 'float32', 9);
      const q = lp.quantize(model, { mode: 'int8', calibrationData: x });
      assert.deepEqual(q.fallbacks, []);
      const adds = q.steps.filter((s) => s.op === 'add');
      assert.equal(adds.length, 1);
      assert.equal((adds[0] as { activation: string }).activation, act === 'none' ? 'linear' : act);
      const fy = model.predict(x) as lp.Tensor, qy = q.predict(x) as lp.Tensor;
      const fv = fy.dataSync(), qv = qy.dataSync();
      const span = Math.max(...Array.from(fv, Math.abs));
      const worst = Array.from(fv).reduce((m, v, i) => Math.max(m, Math.abs(v - qv[i])), 0);
      assert.ok(worst <= 0.06 * span, `max diff ${worst} of ${span}`);
      const back = lp.io.load<lp.QuantizedModel>(lp.io.save(q));
      const z = back.predict(x) as lp.Tensor;
      assert.deepEqual(bytesOf(z), bytesOf(qy));
      lp.dispose([fy, qy, z, x]);
      back.dispose(); q.dispose(); model.dispose();
    });
  }
});

describe('int8 add / permute steps in model files', () => {
  const { bytes } = mobileNetV2Onnx({ size: 16, width: 0.5, stages: 3, classes: 5, seed: 4 });
  const corrupt = (edit: (steps: Record<string, unknown>[]) => void, pattern: RegExp) => {
    const model = fromOnnx(bytes);
    const cal = lp.randomUniform([2, 3, 16, 16], -1, 1, 'float32', 1);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: cal });
    const art = toArtifacts(q);
    edit(art.config.steps as Record<string, unknown>[]);
    noLeak(() => assert.throws(() => fromArtifacts(art.config, art.tensors), pattern));
    q.dispose(); model.dispose(); cal.dispose();
  };
  const first = (steps: Record<string, unknown>[], op: string) => steps.find((s) => s.op === op)!;
  it('an add reading a float slot', () => corrupt((s) => { first(s, 'add').in = [0, 0]; }, /corrupted quantized model: .*add.*int8/));
  it('an add with a bad activation', () => corrupt((s) => { first(s, 'add').activation = 'gelu'; }, /activation "gelu"/));
  it('an add whose output scale is absurdly small', () => corrupt((s) => { (first(s, 'add').outQ as { scale: number }).scale = 1e-12; }, /too large/));
  it('a permute that is no permutation', () => corrupt((s) => { first(s, 'permute').dims = [1, 1, 2]; }, /permutation/));
});
