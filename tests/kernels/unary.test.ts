// The unary kernels (assembly/kernels/unary.ts) against tests/ref/unary_ref.ts on both builds:
// every n in 0..65 plus larger awkward sizes, extreme inputs (±1e30, the exp overflow and
// underflow edges, ±Inf, NaN, ±0, subnormals) in every position of the vector loop, in-place
// runs (out == x), and dense sweeps that measure the approximations' max error in ulp.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, rng } from '../helpers/rng.js';
import { assertClose, runKernel, type Tolerance } from '../helpers/check.js';
import { unary_ref, type UnaryAttrs } from '../ref/unary_ref.js';

interface Op {
  name: string;
  call: (k: Kernels, out: number, x: number, n: number) => number;
  attrs?: UnaryAttrs;
  range: [number, number];
  tol: Tolerance;
}

const EXACT: Tolerance = { atol: 0, rtol: 0 };
// Bounds measured by the sweeps below, with some slack; atol covers subnormal results.
const ops: Op[] = [
  { name: 'relu', call: (k, o, x, n) => k.relu_f32(o, x, n), range: [-5, 5], tol: EXACT },
  { name: 'relu6', call: (k, o, x, n) => k.relu6_f32(o, x, n), range: [-3, 9], tol: EXACT },
  { name: 'leaky_relu', call: (k, o, x, n) => k.leaky_relu_f32(o, x, n, 0.2), attrs: { alpha: 0.2 },
    range: [-5, 5], tol: { atol: 0, rtol: 1e-7 } },
  { name: 'elu', call: (k, o, x, n) => k.elu_f32(o, x, n, 1), attrs: { alpha: 1 }, range: [-20, 5],
    tol: { atol: 1e-30, rtol: 4e-7 } },
  { name: 'sigmoid', call: (k, o, x, n) => k.sigmoid_f32(o, x, n), range: [-30, 30],
    tol: { atol: 1e-44, rtol: 6e-7 } },
  { name: 'tanh', call: (k, o, x, n) => k.tanh_f32(o, x, n), range: [-6, 6], tol: { atol: 1e-30, rtol: 6e-7 } },
  { name: 'gelu', call: (k, o, x, n) => k.gelu_f32(o, x, n), range: [-12, 8], tol: { atol: 1e-44, rtol: 1e-6 } },
  { name: 'erf', call: (k, o, x, n) => k.erf_f32(o, x, n), range: [-5, 5], tol: { atol: 1e-30, rtol: 4e-7 } },
  { name: 'exp', call: (k, o, x, n) => k.exp_f32(o, x, n), range: [-105, 89], tol: { atol: 1e-44, rtol: 3e-7 } },
  { name: 'log', call: (k, o, x, n) => k.log_f32(o, x, n), range: [-1, 1000], tol: { atol: 1e-30, rtol: 3e-7 } },
  { name: 'sqrt', call: (k, o, x, n) => k.sqrt_f32(o, x, n), range: [-1, 1000], tol: EXACT },
  { name: 'abs', call: (k, o, x, n) => k.abs_f32(o, x, n), range: [-5, 5], tol: EXACT },
  { name: 'neg', call: (k, o, x, n) => k.neg_f32(o, x, n), range: [-5, 5], tol: EXACT },
  { name: 'square', call: (k, o, x, n) => k.square_f32(o, x, n), range: [-1e3, 1e3], tol: { atol: 0, rtol: 1e-7 } },
  { name: 'clip', call: (k, o, x, n) => k.clip_f32(o, x, n, -1, 2), attrs: { lo: -1, hi: 2 }, range: [-3, 3],
    tol: EXACT },
];

const SIZES = [...Array.from({ length: 66 }, (_, i) => i), 100, 257, 1000, 4099];
const EXTREMES = [1e30, -1e30, 88.7, -88.7, 88.72, 88.73, -87.3, -103.9, -104, -105, Infinity, -Infinity,
  NaN, -0, 0, 1e-30, -1e-30, 1e-45, -1e-45, 1e-38, 1, -1, 0.5, -0.5, 3.4e38, -3.4e38, 5.657, -5.657, 9, -9, 20, -20];

/** Compares with the reference rounded to f32 (so overflow to ±Inf matches). */
function check(op: Op, x: Float32Array, out: Float32Array, what: string): void {
  assertClose(out, Float32Array.from(unary_ref(op.name, x, op.attrs)), op.tol, `${op.name} ${what}`);
}

for (const { name: build, k } of builds) {
  describe(`unary kernels [${build}]`, () => {
    for (const op of ops) {
      it(`${op.name}: n = 0..65, ${SIZES.slice(66).join(', ')}`, () => {
        for (const n of SIZES) {
          const x = randomArray(rng(n * 7919 + op.name.length), n, ...op.range);
          const [r] = runKernel(k, [x], [n], ([o], [px]) => op.call(k, o, px, n));
          assert.equal(r.status, 0);
          check(op, x, r.out, `n=${n}`);
        }
      });

      it(`${op.name}: extreme values in every lane position, NaN propagates`, () => {
        for (let shift = 0; shift < 8; shift++) {
          const x = Float32Array.from(EXTREMES.map((_, i) => EXTREMES[(i + shift) % EXTREMES.length]));
          for (const n of [x.length, x.length - 1, x.length - 3]) {
            const xn = x.subarray(0, n).slice();
            const [r] = runKernel(k, [xn], [n], ([o], [px]) => op.call(k, o, px, n));
            check(op, xn, r.out, `extremes shift=${shift} n=${n}`);
            xn.forEach((v, i) => {
              if (Number.isNaN(v)) assert.ok(Number.isNaN(r.out[i]), `${op.name}(NaN) must be NaN`);
            });
          }
        }
      });

      it(`${op.name}: in place (out == x)`, () => {
        for (const n of AWKWARD) {
          const x = randomArray(rng(n + 99), n, ...op.range);
          const p = k.arena_alloc(4 * n + 32);
          new Int32Array(k.memory.buffer, p + 4 * n, 8).fill(0x7FA5A5A5);
          new Float32Array(k.memory.buffer, p, n).set(x);
          assert.equal(op.call(k, p, p, n), 0);
          check(op, x, new Float32Array(k.memory.buffer, p, n).slice(), `in place n=${n}`);
          assert.ok(new Int32Array(k.memory.buffer, p + 4 * n, 8).every((w) => w === 0x7FA5A5A5),
            `${op.name} wrote past the end in place`);
          k.arena_free(p);
        }
      });
    }

    it('signed zeros: relu(-0) = -0 as TF.js (x < 0 ? 0 : x), tanh(±0) = ±0, neg(0) = -0', () => {
      const x = Float32Array.from([-0, 0, -0, 0]);
      const run = (f: (o: number, p: number) => number) => runKernel(k, [x], [4], ([o], [p]) => f(o, p))[0].out;
      assert.deepEqual(Array.from(run((o, p) => k.relu_f32(o, p, 4))).map((v) => Object.is(v, -0)), [true, false, true, false]);
      assert.deepEqual(Array.from(run((o, p) => k.tanh_f32(o, p, 4))).map((v) => Object.is(v, -0)), [true, false, true, false]);
      assert.deepEqual(Array.from(run((o, p) => k.neg_f32(o, p, 4))).map((v) => Object.is(v, -0)), [false, true, false, true]);
    });

    it('approximation errors (ulp of the f32 result, against Math.* in f64)', (t) => {
      const n = 1 << 16;
      const sweep = (lo: number, hi: number): Float32Array => {
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * (i / (n - 1));
        return x;
      };
      // Random bit patterns of positive finite floats: every exponent, subnormals included.
      const positives = (seed: number): Float32Array => {
        const r = rng(seed), bits = new Uint32Array(n);
        for (let i = 0; i < n; i++) bits[i] = 1 + Math.floor(r() * 0x7F7FFFFF);
        return new Float32Array(bits.buffer);
      };
      const ulpError = (name: string, x: Float32Array, bound: number): void => {
        const op = ops.find((o) => o.name === name)!;
        const [r] = runKernel(k, [x], [n], ([o], [px]) => op.call(k, o, px, n));
        const want = unary_ref(name, x, op.attrs);
        let worst = 0, worstAbs = 0, at = 0;
        for (let i = 0; i < n; i++) {
          const exact = want[i], e = Math.fround(exact); // ulp of the f32 the exact value rounds to
          const ulp = Math.abs(e) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(e))) - 23);
          const err = Math.abs(r.out[i] - exact) / ulp;
          if (!(err <= worst)) { worst = err; at = x[i]; }
          worstAbs = Math.max(worstAbs, Math.abs(r.out[i] - exact));
        }
        t.diagnostic(`${name}: max ${worst.toFixed(2)} ulp (at x = ${at}), max abs ${worstAbs.toExponential(2)}`);
        assert.ok(worst <= bound, `${name}: ${worst} ulp > ${bound} at x = ${at}`);
      };
      // Bounds: the figures stated in assembly/approx.ts plus ~0.5-1 ulp of slack.
      ulpError('exp', sweep(-104, 88.72), 1.5);
      ulpError('exp', sweep(-1, 1), 1.5);
      ulpError('elu', sweep(-18, 0), 1.5);
      ulpError('elu', sweep(-1e-3, 0), 1.5);
      ulpError('log', positives(1), 1.5);
      ulpError('log', sweep(0.5, 2), 1.5);
      ulpError('tanh', sweep(-10, 10), 3.5);
      ulpError('tanh', sweep(-1e-3, 1e-3), 3.5);
      ulpError('sigmoid', sweep(-104, 20), 3.5);
      ulpError('erf', sweep(-5, 5), 3.5);
      ulpError('erf', sweep(-0.01, 0.01), 3.5);
      ulpError('gelu', sweep(-10, 10), 8);
      ulpError('gelu', sweep(-12.5, -9), 8); // results down to 1e-35 (below: subnormal Φ, rounded twice)
    });
  });
}
