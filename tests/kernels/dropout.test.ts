// dropout_f32 (assembly/autograd/dropout.ts) on both builds: the mask equals the plain-JS
// counter-based reference (tests/ref/dropout_ref.ts) exactly — a determinism requirement (same
// seed, same mask in every build and runtime), met by integer arithmetic, not a float
// comparison — for n = 0..65 and larger, several rates and seeds; out = x·mask with kept values
// scaled by 1/(1 - rate); the dropped fraction is close to rate on a large n; rate 0 keeps all;
// a prefix of a longer run has the same mask; in place; bad rates rejected with nothing written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { assertClose, put, runKernel } from '../helpers/check.js';
import { dropout_ref } from '../ref/dropout_ref.js';

const SIZES = [...Array.from({ length: 66 }, (_, i) => i), 100, 1000, 4099];
const RATES = [0, 0.1, 0.25, 0.5, 0.9, 0.999];
const SEEDS = [0, 1, 42, 0xDEADBEEF, 0xFFFFFFFF];

function run(k: Kernels, x: Float32Array, rate: number, seed: number) {
  const [out, mask] = runKernel(k, [x], [x.length, x.length], ([po, pm], [px]) =>
    k.dropout_f32(po, pm, px, x.length, rate, seed));
  return { status: out.status, out: out.out, mask: mask.out };
}

const masks: Float32Array[][] = []; // per build: the masks of one fixed case, compared across builds

for (const { name: build, k } of builds) {
  describe(`dropout_f32 [${build}]`, () => {
    it('mask = the counter-based reference, out = x·mask: n = 0..65, 100, 1000, 4099; rates; seeds', () => {
      for (const n of SIZES) {
        const x = randomArray(rng(n), n, -3, 3);
        const rate = RATES[n % RATES.length], seed = SEEDS[n % SEEDS.length];
        const r = run(k, x, rate, seed);
        assert.equal(r.status, 0);
        const want = dropout_ref(x, rate, seed);
        assert.deepEqual(r.mask, want.mask, `mask n=${n} rate=${rate} seed=${seed}`);
        assertClose(r.out, want.out, { atol: 0, rtol: 1e-7 }, `out n=${n}`);
      }
    });

    it('the same seed gives the same mask in both builds; other seeds differ', () => {
      const x = randomArray(rng(5), 1001, -1, 1);
      const mine = SEEDS.map((seed) => run(k, x, 0.5, seed).mask);
      masks.push(mine);
      if (masks.length === builds.length) masks[0].forEach((m, i) => assert.deepEqual(masks[1][i], m, `seed ${SEEDS[i]}`));
      for (let i = 1; i < mine.length; i++) assert.notDeepEqual(mine[i], mine[0]);
    });

    it('dropped fraction ≈ rate on n = 1e6 (4σ), kept values scaled by 1/(1 - rate)', () => {
      const n = 1_000_000;
      const x = new Float32Array(n).fill(1.5);
      for (const rate of [0.1, 0.5, 0.8]) {
        const r = run(k, x, rate, 1234);
        let dropped = 0;
        const kept = Math.fround(1.5 * Math.fround(1 / (1 - Math.fround(rate))));
        for (let i = 0; i < n; i++) {
          if (r.mask[i] === 0) { dropped++; assert.equal(r.out[i], 0); } else assert.equal(r.out[i], kept);
        }
        const sigma = Math.sqrt(rate * (1 - rate) / n);
        assert.ok(Math.abs(dropped / n - rate) < 4 * sigma, `rate ${rate}: dropped ${dropped / n}`);
      }
    });

    it('rate 0 keeps everything (mask 1); a prefix run has the same mask (no dependence on n)', () => {
      const x = randomArray(rng(8), 77, -2, 2);
      const r = run(k, x, 0, 99);
      assert.ok(r.mask.every((m) => m === 1));
      assert.deepEqual(r.out, x);
      const long = run(k, x, 0.3, 7), short = run(k, x.slice(0, 13), 0.3, 7);
      assert.deepEqual(short.mask, long.mask.slice(0, 13));
    });

    it('in place (out == x); NaN and Inf dropped give NaN (x·0), kept pass', () => {
      const x = Float32Array.from({ length: 40 }, (_, i) => [NaN, Infinity, -Infinity, 2][i % 4]);
      const want = dropout_ref(x, 0.5, 3);
      const px = put(k, x), pm = k.arena_alloc(4 * 40);
      assert.equal(k.dropout_f32(px, pm, px, 40, 0.5, 3), 0);
      assertClose(new Float32Array(k.memory.buffer, px, 40).slice(), want.out, { atol: 0, rtol: 1e-7 }, 'in place');
      k.arena_free(px);
      k.arena_free(pm);
    });

    it('status -2 for a rate outside [0, 1) or NaN, nothing written', () => {
      const x = randomArray(rng(2), 9);
      for (const rate of [-0.1, 1, 1.5, NaN, Infinity, -Infinity]) {
        const r = run(k, x, rate, 1);
        assert.equal(r.status, -2, `rate ${rate}`);
        assert.ok(r.out.every(Number.isNaN) && r.mask.every(Number.isNaN), 'written');
      }
    });
  });
}
