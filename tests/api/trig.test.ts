// js-bindings/data/trig.ts: augment()'s engine-independent cos and sin of degrees, against the
// engine's Math.cos / Math.sin (which may differ between engines in the last bit, hence the
// tolerances) and exact at quarter turns.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cosSinDegrees } from '../../js-bindings/data/trig.js';

const ULP1 = Number.EPSILON; // one ulp just below 1

function worst(from: number, to: number, steps: number): { cos: number; sin: number; norm: number } {
  const out = { cos: 0, sin: 0, norm: 0 };
  for (let i = 0; i <= steps; i++) {
    const degrees = from + ((to - from) * i) / steps;
    const [c, s] = cosSinDegrees(degrees);
    const r = (degrees * Math.PI) / 180;
    out.cos = Math.max(out.cos, Math.abs(c - Math.cos(r)));
    out.sin = Math.max(out.sin, Math.abs(s - Math.sin(r)));
    out.norm = Math.max(out.norm, Math.abs(c * c + s * s - 1));
  }
  return out;
}

describe('cosSinDegrees', () => {
  it('agrees with Math.cos and Math.sin within one or two ulp in ±45°', () => {
    const e = worst(-45, 45, 200_001);
    assert.ok(e.cos <= 2 * ULP1 && e.sin <= 2 * ULP1, `worst error cos ${e.cos}, sin ${e.sin}`);
    assert.ok(e.norm <= 4 * ULP1, `cos² + sin² − 1 up to ${e.norm}`);
  });

  it('reduces by quarter turns: close to Math over ±1000° (Math loses bits in degrees·π/180 there)', () => {
    const e = worst(-1000, 1000, 200_003);
    assert.ok(e.cos <= 1e-14 && e.sin <= 1e-14, `worst error cos ${e.cos}, sin ${e.sin}`);
    assert.ok(e.norm <= 4 * ULP1, `cos² + sin² − 1 up to ${e.norm}`);
  });

  it('is exact at multiples of 90°, with +0 for the zeros', () => {
    const unit = [[1, 0], [0, 1], [-1, 0], [0, -1]];
    for (let q = -8; q <= 8; q++) {
      const got = cosSinDegrees(90 * q);
      const want = unit[((q % 4) + 4) % 4];
      assert.ok(Object.is(got[0], want[0]) && Object.is(got[1], want[1]), `${90 * q}°: [${got}] (${got.map((v) => Object.is(v, -0) ? '-0' : v)})`);
    }
  });

  it('gives NaN for NaN and ±Infinity', () => {
    for (const d of [NaN, Infinity, -Infinity]) assert.ok(cosSinDegrees(d).every(Number.isNaN), String(d));
  });
});
