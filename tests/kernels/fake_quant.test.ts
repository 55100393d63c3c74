// fake_quant_f32 and fake_quant_grad_f32 (quantization-aware training) against a scalar
// reference on both builds: per tensor and per channel, every awkward row and channel count,
// ties to even, values beyond both ends of the range. Exact: one division, a rounding, a clamp
// and one multiplication, each correctly rounded in f32.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { AWKWARD, randInt, randomArray, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { nearestEven } from './int8_ref.js';

const EXACT = { atol: 0, rtol: 0 };
const f = Math.fround;

/** The level nearest(x / s) + z and the fake-quantized value, per element of x viewed as [rows, c]. */
function reference(x: Float32Array, c: number, s: Float32Array, z: Float32Array, qmin: number, qmax: number,
    dy: Float32Array) {
  const y = new Float32Array(x.length), dx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = c === 1 ? 0 : i % c;
    const level = nearestEven(f(x[i] / s[ch])) + z[ch];
    const q = Math.min(Math.max(level, qmin), qmax);
    y[i] = f((q - z[ch]) * s[ch]);
    dx[i] = level >= qmin && level <= qmax ? dy[i] : 0;
  }
  return { y, dx };
}

for (const { name, k } of builds) {
  describe(`fake_quant_f32 and its gradient [${name}]`, () => {
    it('per tensor and per channel, awkward sizes, asymmetric and symmetric ranges', () => {
      const rand = rng(77);
      let clipped = 0, passed = 0;
      for (const rows of AWKWARD) {
        for (const c of [1, ...AWKWARD]) {
          const symmetric = (rows + c) % 2 === 0;
          const [qmin, qmax] = symmetric ? [-127, 127] : [0, 127];
          const x = randomArray(rand, rows * c, -3, 3);
          // Ties: some values exactly on half levels.
          const s = Float32Array.from({ length: c }, () => f(0.005 + 0.03 * rand()));
          const z = Float32Array.from({ length: c }, () => (symmetric ? 0 : randInt(rand, 0, 60)));
          for (let i = 0; i < x.length; i += 5) x[i] = f((Math.floor(x[i] / s[c === 1 ? 0 : i % c]) + 0.5) * s[c === 1 ? 0 : i % c]);
          const dy = randomArray(rand, rows * c, -1, 1);
          const ref = reference(x, c, s, z, qmin, qmax, dy);
          const n = rows * c;
          const [fwd] = runKernel(k, [x, s, z], [n], ([o], [px, ps, pz]) =>
            k.fake_quant_f32(o, px, c === 1 ? n : rows, c, ps, pz, qmin, qmax));
          assert.equal(fwd.status, 0);
          assertClose(fwd.out, ref.y, EXACT, `forward rows ${rows} c ${c}`);
          const [bwd] = runKernel(k, [dy, x, s, z], [n], ([o], [pdy, px, ps, pz]) =>
            k.fake_quant_grad_f32(o, pdy, px, c === 1 ? n : rows, c, ps, pz, qmin, qmax));
          assertClose(bwd.out, ref.dx, EXACT, `gradient rows ${rows} c ${c}`);
          for (const v of ref.dx) v === 0 ? clipped++ : passed++;
        }
      }
      assert.ok(clipped > 100 && passed > 100, `both sides of the clamp exercised (${clipped} clipped, ${passed} passed)`);
    });

    it('NaN stays NaN, ±Inf and ±0 clamp like the reference (per tensor and per channel)', () => {
      const x = Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, 0.01]);
      for (const c of [1, 4]) {
        const s = Float32Array.from({ length: c }, (_, i) => f(0.02 + 0.01 * i)), z = Float32Array.from({ length: c }, (_, i) => 3 * i);
        const ref = reference(x, c, s, z, -128, 127, new Float32Array(x.length));
        const [fwd] = runKernel(k, [x, s, z], [x.length], ([o], [px, ps, pz]) =>
          k.fake_quant_f32(o, px, c === 1 ? x.length : x.length / c, c, ps, pz, -128, 127));
        assert.ok(Number.isNaN(fwd.out[0]), `c ${c}: NaN in, NaN out`);
        assertClose(fwd.out.subarray(1), ref.y.subarray(1), EXACT, `c ${c}: special values`);
      }
    });
  });
}
