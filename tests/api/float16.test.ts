// binary16 conversions: every one of the 65,536 bit patterns survives f16 → f32 → f16, and values
// between two neighbours round to the nearer one, ties to the even one, overflow to Inf,
// underflow through subnormals to ±0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromFloat16Bits, toFloat16Bits } from '../../js-bindings/float16.js';
import * as lp from '../../js-bindings/index.js';

describe('float16 conversions', () => {
  it('round-trips every bit pattern (NaN stays NaN)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromFloat16Bits(h);
      if (Number.isNaN(v)) assert.ok((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0, `h ${h}`);
      else assert.equal(toFloat16Bits(v), h, `h ${h.toString(16)} = ${v}`);
    }
  });

  it('midpoints between neighbours round to even, quarter points to the nearer', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const a = fromFloat16Bits(h), b = fromFloat16Bits(h + 1);
      const mid = (a + b) / 2; // exact in f32 for every pair of neighbours
      assert.equal(Math.fround(mid), mid);
      assert.equal(toFloat16Bits(mid), h % 2 === 0 ? h : h + 1, `mid of ${h}`);
      assert.equal(toFloat16Bits(-mid), 0x8000 | (h % 2 === 0 ? h : h + 1), `negative mid of ${h}`);
      assert.equal(toFloat16Bits(Math.fround(a + (b - a) / 4)), h, `quarter above ${h}`);
      assert.equal(toFloat16Bits(Math.fround(b - (b - a) / 4)), h + 1, `quarter below ${h + 1}`);
    }
  });

  it('overflow, underflow and specials', () => {
    assert.equal(toFloat16Bits(65504), 0x7bff);
    assert.equal(toFloat16Bits(65520), 0x7c00); // the midpoint to the next binade rounds to Inf
    assert.equal(toFloat16Bits(1e9), 0x7c00);
    assert.equal(toFloat16Bits(-Infinity), 0xfc00);
    assert.equal(toFloat16Bits(2 ** -25), 0); // half the smallest subnormal: ties to even (0)
    assert.equal(toFloat16Bits(2 ** -25 * 1.5), 1);
    assert.equal(toFloat16Bits(-0), 0x8000);
    assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  });
});

describe('float16 models', async () => {
  await lp.ready();
  const quantizeFloat16 = (m: lp.LayersModel) => lp.quantize(m, { mode: 'float16' });

  it('store weights in half the bytes and predict as the rounded model does, after a reload too', () => {
    const model = lp.sequential([
      lp.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 1], kernelInitializer: lp.initializers.glorotUniform({ seed: 1 }) }),
      lp.layers.flatten(),
      lp.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: lp.initializers.glorotUniform({ seed: 2 }) }),
    ]);
    const half = quantizeFloat16(model);
    const f32File = lp.io.save(model), f16File = lp.io.save(half);
    const weightBytes = model.countParams() * 4;
    assert.ok(f32File.length - f16File.length >= weightBytes / 2 - 64, `${f32File.length} → ${f16File.length}`);
    for (const v of half.weights) {
      for (const x of v.dataSync()) assert.equal(fromFloat16Bits(toFloat16Bits(x)), x, 'weights are binary16 values');
    }
    const back = lp.io.load<lp.LayersModel>(f16File);
    assert.equal(lp.io.save(back).length, f16File.length, 'a loaded float16 model saves as float16 again');
    const x = lp.randomUniform([3, 10, 10, 1], 0, 1, 'float32', 3);
    const [a, b, c] = [half, back, model].map((m) => (m.predict(x) as lp.Tensor).dataSync());
    assert.deepEqual([...a], [...b]);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - c[i]) < 2e-3, `${a[i]} vs ${c[i]}`);
    for (const m of [model, half, back]) m.dispose();
    x.dispose();
  });

  it('a weight beyond float16 range is a clear error', () => {
    const model = lp.sequential([lp.layers.dense({ units: 2, inputShape: [2] })]);
    model.layers[0].setWeights([lp.tensor([[1e6, 0], [0, 1]]), lp.tensor([0, 0])]);
    assert.throws(() => quantizeFloat16(model), /quantize: weight '.*' holds 1000000, beyond float16's range/);
    model.dispose();
  });
});
