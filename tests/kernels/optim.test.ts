// The optimizer kernels (assembly/autograd/optim.ts) on both builds: several steps of each update
// against the scalar TF.js-order references (tests/ref/optim_ref.ts) for n = 0..65 and larger
// (tails), w and state compared after every step, no write past any array; 20 steps against
// TensorFlow.js itself (tfjs-core on the cpu backend); sum_squares_f32 and scale_f32.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { builds, type Kernels } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { adagrad_ref, adam_ref, momentum_ref, rmsprop_ref, sgd_ref, sum_squares_ref } from '../ref/optim_ref.js';

const GUARD = 8, SENTINEL = 0x7FA5A5A5;
const SIZES = [...Array.from({ length: 66 }, (_, i) => i), 100, 1000];
const STEPS = 5;
// Every operation is one f32 rounding in both: agreement to the last bit is expected, the
// tolerance only allows for that not being a contract.
const TOL = { atol: 1e-7, rtol: 1e-6 };

/** Arena copies of arrays, each followed by guard words; read() copies back and checks guards. */
function arenaArrays(k: Kernels, arrays: Float32Array[]) {
  const ptrs = arrays.map((a) => {
    const p = k.arena_alloc(4 * (a.length + GUARD));
    new Float32Array(k.memory.buffer, p, a.length).set(a);
    new Int32Array(k.memory.buffer, p + 4 * a.length, GUARD).fill(SENTINEL);
    return p;
  });
  return {
    ptrs,
    read: (i: number) => {
      const n = arrays[i].length;
      assert.ok(new Int32Array(k.memory.buffer, ptrs[i] + 4 * n, GUARD).every((w) => w === SENTINEL), `array ${i} overrun`);
      return new Float32Array(k.memory.buffer, ptrs[i], n).slice();
    },
    free: () => ptrs.forEach((p) => k.arena_free(p)),
  };
}

interface Optimizer {
  name: string;
  /** Number of state arrays (w comes first). */
  states: number;
  kernel: (k: Kernels, w: number, s: number[], g: number, n: number, step: number) => number;
  ref: (w: Float32Array, s: Float32Array[], g: Float32Array, step: number) => void;
}

const adamArgs = (step: number, weightDecay: number) => ({
  lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay,
  oneMinusBeta1Pow: Math.fround(1 - Math.fround(0.9) ** (step + 1)),
  oneMinusBeta2Pow: Math.fround(1 - Math.fround(0.999) ** (step + 1)),
});

const OPTIMIZERS: Optimizer[] = [
  { name: 'sgd', states: 0, kernel: (k, w, _s, g, n) => k.sgd_update_f32(w, g, n, 0.05), ref: (w, _s, g) => sgd_ref(w, g, 0.05) },
  ...[false, true].map((nesterov): Optimizer => ({
    name: nesterov ? 'momentum (nesterov)' : 'momentum', states: 1,
    kernel: (k, w, [acc], g, n) => k.momentum_update_f32(w, acc, g, n, 0.05, 0.9, nesterov ? 1 : 0),
    ref: (w, [acc], g) => momentum_ref(w, acc, g, 0.05, 0.9, nesterov),
  })),
  ...[0, 0.004].map((wd): Optimizer => ({
    name: wd ? 'adam (weight decay)' : 'adam', states: 2,
    kernel: (k, w, [m, v], g, n, step) => {
      const a = adamArgs(step, wd);
      return k.adam_update_f32(w, m, v, g, n, a.lr, a.beta1, a.beta2, a.epsilon, a.oneMinusBeta1Pow, a.oneMinusBeta2Pow,
        a.weightDecay);
    },
    ref: (w, [m, v], g, step) => adam_ref(w, m, v, g, adamArgs(step, wd)),
  })),
  ...[false, true].map((centered): Optimizer => ({
    name: centered ? 'rmsprop (centered)' : 'rmsprop', states: centered ? 3 : 2,
    kernel: (k, w, [ms, mom, mg], g, n) => k.rmsprop_update_f32(w, ms, mom, centered ? mg : 0, g, n, 0.01, 0.9, 0.5, 1e-7,
      centered ? 1 : 0),
    ref: (w, [ms, mom, mg], g) => rmsprop_ref(w, ms, mom, centered ? mg : null, g, 0.01, 0.9, 0.5, 1e-7),
  })),
  { name: 'adagrad', states: 1, kernel: (k, w, [acc], g, n) => k.adagrad_update_f32(w, acc, g, n, 0.1, 1e-7),
    ref: (w, [acc], g) => adagrad_ref(w, acc, g, 0.1, 1e-7) },
];

before(async () => { await tf.setBackend('cpu'); });

for (const { name: build, k } of builds) {
  describe(`optimizer updates [${build}]`, () => {
    for (const opt of OPTIMIZERS) {
      it(`${opt.name}: ${STEPS} steps vs the TF.js-order reference, n = 0..65, 100, 1000`, () => {
        for (const n of SIZES) {
          const rand = rng(n * 17 + opt.states);
          const w = randomArray(rand, n, -1, 1);
          // adagrad's accumulator starts at tfjs's initialAccumulatorValue 0.1; the others at 0.
          const states = Array.from({ length: opt.states }, () => new Float32Array(n).fill(opt.name === 'adagrad' ? 0.1 : 0));
          const arr = arenaArrays(k, [w, ...states]);
          for (let step = 0; step < STEPS; step++) {
            const g = randomArray(rand, n, -2, 2);
            const pg = put(k, g);
            assert.equal(opt.kernel(k, arr.ptrs[0], arr.ptrs.slice(1), pg, n, step), 0);
            k.arena_free(pg);
            opt.ref(w, states, g, step);
            assertClose(arr.read(0), w, TOL, `${opt.name} n=${n} step ${step}: w`);
            states.forEach((s, i) => assertClose(arr.read(i + 1), s, TOL, `${opt.name} n=${n} step ${step}: state ${i}`));
          }
          arr.free();
        }
      });
    }

    it('rmsprop: centered without mg returns -2, nothing written', () => {
      const w = randomArray(rng(1), 9), s = new Float32Array(9), g = randomArray(rng(2), 9);
      const arr = arenaArrays(k, [w, s, s]);
      const pg = put(k, g);
      assert.equal(k.rmsprop_update_f32(arr.ptrs[0], arr.ptrs[1], arr.ptrs[2], 0, pg, 9, 0.01, 0.9, 0, 1e-7, 1), -2);
      assert.deepEqual([arr.read(0), arr.read(1), arr.read(2)], [w, s, s]);
      k.arena_free(pg);
      arr.free();
    });

    it('20 steps track TensorFlow.js (tfjs-core, cpu backend) to 1e-6 (centered RMSProp: 1e-4)', () => {
      const n = 37;
      const rand = rng(2020);
      const w0 = randomArray(rand, n, -1, 1);
      const grads = Array.from({ length: 20 }, () => randomArray(rand, n, -2, 2));
      const cases: [string, number, () => tf.Optimizer, (w: number, s: number[], g: number, step: number) => number][] = [
        ['sgd', 0, () => tf.train.sgd(0.05), (w, _s, g) => k.sgd_update_f32(w, g, n, 0.05)],
        ['momentum', 1, () => tf.train.momentum(0.05, 0.9), (w, [a], g) => k.momentum_update_f32(w, a, g, n, 0.05, 0.9, 0)],
        ['nesterov', 1, () => tf.train.momentum(0.05, 0.9, true), (w, [a], g) => k.momentum_update_f32(w, a, g, n, 0.05, 0.9, 1)],
        ['adam', 2, () => tf.train.adam(0.01, 0.9, 0.999, 1e-7), (w, [m, v], g, step) => {
          // TF.js: accBeta ← accBeta·β (f32) after each step; 1 - accBeta (f32) divides.
          let acc1 = Math.fround(0.9), acc2 = Math.fround(0.999);
          for (let i = 0; i < step; i++) { acc1 = Math.fround(acc1 * Math.fround(0.9)); acc2 = Math.fround(acc2 * Math.fround(0.999)); }
          return k.adam_update_f32(w, m, v, g, n, 0.01, 0.9, 0.999, 1e-7, Math.fround(1 - acc1), Math.fround(1 - acc2), 0);
        }],
        ['rmsprop', 2, () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7), (w, [ms, mom], g) =>
          k.rmsprop_update_f32(w, ms, mom, 0, g, n, 0.01, 0.9, 0.5, 1e-7, 0)],
        ['rmsprop centered', 3, () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7, true), (w, [ms, mom, mg], g) =>
          k.rmsprop_update_f32(w, ms, mom, mg, g, n, 0.01, 0.9, 0.5, 1e-7, 1)],
        ['adagrad', 1, () => tf.train.adagrad(0.1), (w, [a], g) => k.adagrad_update_f32(w, a, g, n, 0.1, 1e-7)],
      ];
      for (const [name, states, make, kernel] of cases) {
        const v = tf.variable(tf.tensor1d(w0));
        const opt = make();
        const init = Array.from({ length: states }, () => new Float32Array(n).fill(name === 'adagrad' ? 0.1 : 0));
        const arr = arenaArrays(k, [w0, ...init]);
        grads.forEach((g, step) => {
          tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor1d(g) }));
          const pg = put(k, g);
          assert.equal(kernel(arr.ptrs[0], arr.ptrs.slice(1), pg, step), 0);
          k.arena_free(pg);
        });
        // Centered RMSProp: TF.js takes sqrt(ms - (mg² + ε)), the kernel TensorFlow's sqrt(ms - mg² + ε)
        // (optim.ts says why): the two differ by ~ε/(ms - mg²) relative per step.
        const tol = name === 'rmsprop centered' ? { atol: 1e-4, rtol: 1e-4 } : { atol: 1e-6, rtol: 1e-6 };
        assertClose(arr.read(0), v.dataSync() as Float32Array, tol, `${name} vs tfjs after 20 steps`);
        arr.free();
        opt.dispose();
        v.dispose();
      }
    });

    it('sum_squares_f32: Σ x² in f64 for n = 0..65, 1000, 100003; scale_f32 (also in place)', () => {
      for (const n of [...SIZES, 100_003]) {
        const x = randomArray(rng(n + 3), n, -3, 3);
        const [r] = runKernel(k, [x], [1], ([out], [px]) => k.sum_squares_f32(out, px, n));
        assert.equal(r.status, 0);
        assertClose(r.out, Float32Array.of(sum_squares_ref(x)), { atol: 0, rtol: 2e-6 }, `sum_squares n=${n}`);
        const [s] = runKernel(k, [x], [n], ([out], [px]) => k.scale_f32(out, px, n, -0.37));
        assertClose(s.out, Float32Array.from(x, (v) => v * Math.fround(-0.37)), { atol: 0, rtol: 1e-7 }, `scale n=${n}`);
        const p = put(k, x);
        assert.equal(k.scale_f32(p, p, n, 2), 0);
        assertClose(new Float32Array(k.memory.buffer, p, n).slice(), Float32Array.from(x, (v) => 2 * v), { atol: 0, rtol: 0 },
          'scale in place');
        k.arena_free(p);
      }
    });
  });
}
