// binary16 conversions: every one of the 65,536 bit patterns survives f16 → f32 → f16, and values
// between two neighbours round to the nearer one, ties to the even one, overflow to Inf,
// underflow through subnormals to ±0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromFloat16Bits, toFloat16Bits } from '../../js-bindings/float16.js';

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
