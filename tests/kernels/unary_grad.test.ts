// unary_grad_f32 (assembly/autograd/unary_grad.ts) against tests/ref/unary_grad_ref.ts on both
// builds: every op code on n = 0..65 and larger sizes, extreme x and dy (±Inf, NaN, ±0, huge,
// subnormal) in every lane position, in-place use (dx == dy), the status codes with nothing
// written, and dense sweeps that measure the error of the approximated derivatives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randomArray, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel, type Tolerance } from '../helpers/check.js';
import { forward_f32, normalCdf, unary_grad_ref, UNARY_GRAD_OPS, type UnaryGradOp } from '../ref/unary_grad_ref.js';

interface Case { range: [number, number]; alpha?: number; beta?: number; tol: Tolerance }

const EXACT: Tolerance = { atol: 0, rtol: 0 };
// Per op: input range and tolerance against the f64 reference (rounded to f32), dy in [-2, 2].
const CASES: Record<string, Case> = {
  linear: { range: [-5, 5], tol: EXACT },
  relu: { range: [-5, 5], tol: EXACT },
  relu6: { range: [-3, 9], tol: EXACT },
  leakyrelu: { range: [-5, 5], alpha: 0.2, tol: { atol: 0, rtol: 1e-7 } },
  elu: { range: [-12, 5], alpha: 1.5, tol: { atol: 1e-37, rtol: 2e-7 } },
  sigmoid: { range: [-30, 30], tol: { atol: 1e-37, rtol: 3e-7 } },
  tanh: { range: [-9, 9], tol: { atol: 1e-37, rtol: 3e-7 } },
  gelu: { range: [-12, 8], tol: { atol: 2e-7, rtol: 2e-6 } },
  erf: { range: [-5, 5], tol: { atol: 1e-37, rtol: 6e-7 } },
  exp: { range: [-20, 20], tol: { atol: 0, rtol: 1e-7 } },
  log: { range: [0.01, 100], tol: { atol: 0, rtol: 1e-7 } },
  sqrt: { range: [0, 100], tol: { atol: 0, rtol: 1e-7 } },
  abs: { range: [-5, 5], tol: EXACT },
  neg: { range: [-5, 5], tol: EXACT },
  square: { range: [-1e3, 1e3], tol: { atol: 0, rtol: 1e-7 } },
  clip: { range: [-3, 3], alpha: -1, beta: 2, tol: EXACT },
  softplus: { range: [-30, 30], tol: { atol: 1e-37, rtol: 4e-7 } },
  selu: { range: [-10, 5], tol: { atol: 1e-37, rtol: 3e-7 } },
};

const SIZES = [...Array.from({ length: 66 }, (_, i) => i), 100, 257, 1000];
const EXTREMES = [1e30, -1e30, 88.7, -88.7, 89, -104, Infinity, -Infinity, NaN, -0, 0, 1e-30, -1e-30,
  1e-45, -1e-45, 1e-38, 1, -1, 0.5, -0.5, 3.4e38, -3.4e38, 6, -6, 9, -9, 20, -20, 2, -1, 14.5, -14.5];
const DY_EXTREMES = [1, -2, 0, -0, Infinity, -Infinity, NaN, 1e30, 1e-40, 0.5, -1, 3];

interface Run { status: number; dx: Float32Array }

function run(k: Kernels, op: UnaryGradOp, dy: Float32Array, x: Float32Array, y: Float32Array,
    alpha: number, beta: number, code = op.code): Run {
  const [r] = runKernel(k, [dy, x, y], [dy.length], ([dx], [pdy, px, py]) =>
    k.unary_grad_f32(dx, pdy, op.reads === 'x' ? px : 0, op.reads === 'y' ? py : 0, dy.length, code, alpha, beta));
  return { status: r.status, dx: r.out };
}

function check(k: Kernels, op: UnaryGradOp, dy: Float32Array, x: Float32Array, what: string): void {
  const c = CASES[op.name];
  const { alpha = 0, beta = 0 } = c;
  const y = forward_f32(op, x, alpha, beta);
  const r = run(k, op, dy, x, y, alpha, beta);
  assert.equal(r.status, 0, `${op.name} status`);
  assertClose(r.dx, Float32Array.from(unary_grad_ref(op, dy, x, y, alpha, beta)), c.tol, `${op.name} ${what}`);
}

for (const { name: build, k } of builds) {
  describe(`unary_grad_f32 [${build}]`, () => {
    for (const op of UNARY_GRAD_OPS) {
      const c = CASES[op.name];
      it(`${op.code} ${op.name}: n = 0..65, 100, 257, 1000`, () => {
        for (const n of SIZES) {
          const rand = rng(n * 7919 + op.code);
          check(k, op, randomArray(rand, n, -2, 2), randomArray(rand, n, ...c.range), `n=${n}`);
        }
      });

      it(`${op.code} ${op.name}: extreme x and dy in every lane position`, () => {
        for (let shift = 0; shift < 8; shift++) {
          const x = Float32Array.from(EXTREMES, (_, i) => EXTREMES[(i + shift) % EXTREMES.length]);
          const dy = Float32Array.from(EXTREMES, (_, i) => DY_EXTREMES[(i * 5 + shift) % DY_EXTREMES.length]);
          for (const n of [x.length, x.length - 1, x.length - 3]) {
            check(k, op, dy.slice(0, n), x.slice(0, n), `extremes shift=${shift} n=${n}`);
          }
        }
      });

      it(`${op.code} ${op.name}: in place (dx == dy)`, () => {
        const { alpha = 0, beta = 0 } = c;
        for (const n of AWKWARD) {
          const rand = rng(n + 99 + op.code);
          const dy = randomArray(rand, n, -2, 2), x = randomArray(rand, n, ...c.range);
          const y = forward_f32(op, x, alpha, beta);
          const pg = k.arena_alloc(4 * n + 32), px = put(k, x), py = put(k, y);
          new Float32Array(k.memory.buffer, pg, n).set(dy);
          new Int32Array(k.memory.buffer, pg + 4 * n, 8).fill(0x7FA5A5A5);
          assert.equal(k.unary_grad_f32(pg, pg, px, py, n, op.code, alpha, beta), 0);
          assertClose(new Float32Array(k.memory.buffer, pg, n).slice(),
            Float32Array.from(unary_grad_ref(op, dy, x, y, alpha, beta)), c.tol, `${op.name} in place n=${n}`);
          assert.ok(new Int32Array(k.memory.buffer, pg + 4 * n, 8).every((w) => w === 0x7FA5A5A5),
            `${op.name} wrote past the end in place`);
          for (const p of [pg, px, py]) k.arena_free(p);
        }
      });
    }

    it('status -2 for an unknown op code, -3 for a missing x or y; nothing written', () => {
      const n = 9, dy = randomArray(rng(3), n), x = randomArray(rng(4), n);
      const before = Float32Array.from({ length: n }, (_, i) => i + 0.25);
      const call = (code: number, withX: boolean, withY: boolean) =>
        runKernel(k, [dy, x, x], [n], ([dx], [pdy, px, py]) =>
          k.unary_grad_f32(dx, pdy, withX ? px : 0, withY ? py : 0, n, code, 0.2, 1), [before])[0];
      for (const code of [-1, 18, 1000, -2147483648]) {
        const r = call(code, true, true);
        assert.equal(r.status, -2, `op ${code}`);
        assert.deepEqual(r.out, before, `op ${code} wrote dx`);
      }
      for (const op of UNARY_GRAD_OPS) {
        const r = call(op.code, op.reads !== 'x', op.reads !== 'y');
        assert.equal(r.status, op.reads === 'none' ? 0 : -3, `${op.name} without its ${op.reads}`);
        if (op.reads !== 'none') assert.deepEqual(r.out, before, `${op.name} wrote dx`);
      }
    });

    it('derivative errors of the approximated ops (relative to the correctly rounded f32 derivative)', (t) => {
      const n = 1 << 15;
      const sweep = (lo: number, hi: number): Float32Array =>
        Float32Array.from({ length: n }, (_, i) => lo + (hi - lo) * (i / (n - 1)));
      const ones = new Float32Array(n).fill(1);
      /** max |dx - ref| / scale(x) over the sweep. */
      const worst = (name: string, x: Float32Array, scale: (x: number, ref: number) => number, bound: number) => {
        const op = UNARY_GRAD_OPS.find((o) => o.name === name)!;
        const { alpha = 0, beta = 0 } = CASES[name];
        const y = forward_f32(op, x, alpha, beta);
        const r = run(k, op, ones, x, y, alpha, beta);
        const want = unary_grad_ref(op, ones, x, y, alpha, beta);
        let w = 0, at = 0;
        for (let i = 0; i < n; i++) {
          const s = scale(x[i], want[i]);
          if (s < 1e-30) continue;
          const e = Math.abs(r.dx[i] - want[i]) / s;
          if (e > w) { w = e; at = x[i]; }
        }
        t.diagnostic(`${name}' on [${x[0]}, ${x[n - 1]}]: max error ${w.toExponential(2)} (at x = ${at})`);
        assert.ok(w <= bound, `${name}: ${w} > ${bound} at x = ${at}`);
      };
      const rel = (_x: number, ref: number) => Math.abs(ref);
      // Bounds: the measured figures stated in unary_grad.ts plus ~1e-7 of slack.
      worst('erf', sweep(-9, 9), rel, 3.5e-7);
      worst('selu', sweep(-80, 0), rel, 2.5e-7);
      worst('softplus', sweep(-80, 20), rel, 3.5e-7);
      worst('sigmoid', sweep(-16, 16), rel, 2.5e-7);
      worst('tanh', sweep(-9, 9), rel, 2.5e-7);
      worst('elu', sweep(-15, 0), rel, 2e-7);
      // gelu' = Φ(x) + x·φ(x) cancels partly for x < 0: its error against the larger term.
      const larger = (x: number) => Math.max(normalCdf(x), Math.abs(x) * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI));
      worst('gelu', sweep(-12, 12), larger, 8e-7); // (relative error is unbounded at its root, x ≈ -0.75179)
    });
  });
}
