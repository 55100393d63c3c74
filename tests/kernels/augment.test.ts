// affine_warp_nhwc_f32 against tests/ref/augment_ref.ts on both builds: bilinear and nearest,
// C = 1 (the 4-pixel path and its tails) and C = 2..17 (channel groups and tails), awkward image
// sizes, random affine maps that reach outside the image, NaN and finite fill values, and the
// exact cases: identity and integer shifts reproduce the input bit for bit (bilinear too), a
// quarter turn of a square image equals the rotated array, and positions at exactly .5 round up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randInt, randomArray, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { affine_warp_ref } from '../ref/augment_ref.js';
import { affineMatrix } from '../../js-bindings/data/augment.js';

const TOL = { atol: 2e-6, rtol: 2e-6 };
const EXACT = { atol: 0, rtol: 0 };
const IDENTITY = [1, 0, 0, 0, 1, 0];

interface Case { n: number; h: number; w: number; c: number }

function warp(k: Kernels, x: Float32Array, params: number[], s: Case, interpolation: number, fill: number) {
  const [r] = runKernel(k, [x, Float32Array.from(params)], [x.length], ([out], [px, pp]) =>
    k.affine_warp_nhwc_f32(out, px, pp, s.n, s.h, s.w, s.c, interpolation, fill));
  return r;
}

/** A random map about the centre: rotation, anisotropic scale, shift and shear (some far outside). */
function randomParams(rand: () => number, s: Case): number[] {
  const out: number[] = [];
  for (let b = 0; b < s.n; b++) {
    const a = (rand() * 2 - 1) * Math.PI, sx = 0.5 + rand(), sy = 0.5 + rand(), shear = rand() - 0.5;
    const m00 = Math.cos(a) / sx, m01 = -Math.sin(a) / sx + shear, m10 = Math.sin(a) / sy, m11 = Math.cos(a) / sy;
    const cx = (s.w - 1) / 2, cy = (s.h - 1) / 2;
    const tx = (rand() - 0.5) * s.w * 0.8, ty = (rand() - 0.5) * s.h * 0.8;
    out.push(m00, m01, cx - m00 * (cx + tx) - m01 * (cy + ty), m10, m11, cy - m10 * (cx + tx) - m11 * (cy + ty));
  }
  return out;
}

const cases: Case[] = [];
for (const c of [1, 2, 3, 4, 5, 7, 8, 16, 17]) cases.push({ n: 2, h: 7, w: 9, c });
for (const s of AWKWARD) cases.push({ n: 1, h: s, w: 5, c: 1 }, { n: 2, h: 3, w: s, c: 1 }, { n: 1, h: s, w: s, c: 3 });
cases.push({ n: 3, h: 28, w: 28, c: 1 }, { n: 2, h: 32, w: 32, c: 3 }, { n: 1, h: 65, w: 33, c: 4 });
const crand = rng(99);
for (let i = 0; i < 16; i++) cases.push({ n: randInt(crand, 1, 3), h: randInt(crand, 1, 40), w: randInt(crand, 1, 40), c: randInt(crand, 1, 9) });

const size = (s: Case): number => s.n * s.h * s.w * s.c;
const repeat = (p: number[], n: number): number[] => Array.from({ length: n }, () => p).flat();

for (const { name, k } of builds) {
  describe(`affine_warp_nhwc_f32 [${name}]`, () => {
    for (const s of cases) {
      it(`n ${s.n} ${s.h}x${s.w}x${s.c}: random maps, bilinear and nearest, fill 0, 0.25, NaN`, () => {
        const rand = rng(size(s) * 7 + s.c);
        const x = randomArray(rand, size(s), -1, 1);
        for (const fill of [0, 0.25, NaN]) {
          const params = randomParams(rand, s);
          for (const interpolation of [0, 1]) {
            const r = warp(k, x, params, s, interpolation, fill);
            assert.equal(r.status, 0);
            const want = affine_warp_ref(x, Float32Array.from(params), s.n, s.h, s.w, s.c, interpolation, fill);
            assertClose(r.out, want, interpolation === 1 ? EXACT : TOL, `interp ${interpolation} fill ${fill}`);
          }
        }
      });
    }

    it('identity, integer shifts and flips reproduce pixels bit for bit, bilinear and nearest, even with a NaN fill', () => {
      for (const s of [{ n: 2, h: 7, w: 9, c: 1 }, { n: 1, h: 5, w: 17, c: 3 }, { n: 1, h: 4, w: 4, c: 8 }]) {
        const x = randomArray(rng(size(s)), size(s), -1, 1);
        x[0] = -0;
        for (const interpolation of [0, 1]) {
          const id = warp(k, x, repeat(IDENTITY, s.n), s, interpolation, NaN);
          assert.deepEqual(new Int32Array(id.out.buffer), new Int32Array(x.buffer), 'identity');
          for (const p of [[1, 0, 2, 0, 1, -1], [-1, 0, s.w - 1, 0, 1, 0], [1, 0, 0, 0, -1, s.h - 1]]) {
            const r = warp(k, x, repeat(p, s.n), s, interpolation, NaN);
            const want = affine_warp_ref(x, Float32Array.from(repeat(p, s.n)), s.n, s.h, s.w, s.c, 1, NaN);
            assertClose(r.out, want, EXACT, `params [${p}]`);
          }
        }
      }
    });

    it('a 90° rotation of a square image (affineMatrix) equals the rotated array', () => {
      for (const side of [1, 4, 7, 28]) {
        for (const c of [1, 3]) {
          const s = { n: 1, h: side, w: side, c };
          const x = randomArray(rng(side * 10 + c), size(s), 0, 1);
          // np.rot90 (counter-clockwise): out[i][j] = x[j][side - 1 - i].
          const rot = new Float32Array(x.length);
          for (let i = 0; i < side; i++) {
            for (let j = 0; j < side; j++) {
              for (let ch = 0; ch < c; ch++) rot[(i * side + j) * c + ch] = x[(j * side + side - 1 - i) * c + ch];
            }
          }
          const params = affineMatrix({ flipH: false, flipV: false, angle: 90, ty: 0, tx: 0, zy: 1, zx: 1 }, side, side);
          for (const interpolation of [1, 0]) {
            const r = warp(k, x, params, s, interpolation, NaN);
            assert.deepEqual(r.out, rot, `side ${side} c ${c} interpolation ${interpolation}`);
          }
        }
      }
    });

    it('nearest rounds a position of exactly .5 up; points far outside (1e30, -1e30) are the fill', () => {
      const s = { n: 1, h: 3, w: 7, c: 1 };
      const x = Float32Array.from({ length: 21 }, (_, i) => i);
      const half = warp(k, x, [1, 0, 0.5, 0, 1, -0.5], s, 1, -1);
      assertClose(half.out, affine_warp_ref(x, Float32Array.of(1, 0, 0.5, 0, 1, -0.5), 1, 3, 7, 1, 1, -1), EXACT);
      assert.equal(half.out[0], 1); // (0.5, -0.5) → pixel (1, 0)
      for (const p of [[1e30, 0, 0, 0, 1, 0], [1, 0, -1e30, 0, 1, 0], [0, 0, 0, 0, 0, 1e30], [1, 0, 0, 0, 1, 3]]) {
        for (const interpolation of [0, 1]) {
          const r = warp(k, x, p, s, interpolation, 7);
          assertClose(r.out, affine_warp_ref(x, Float32Array.from(p), 1, 3, 7, 1, interpolation, 7), EXACT, `[${p}]`);
        }
      }
    });

    it('an interpolation code other than 0 or 1 returns -2 and writes nothing; empty sizes return 0', () => {
      const s = { n: 1, h: 2, w: 2, c: 1 };
      for (const code of [2, -1]) {
        const r = warp(k, Float32Array.of(1, 2, 3, 4), IDENTITY, s, code, 0);
        assert.equal(r.status, -2);
        assert.ok(r.out.every(Number.isNaN));
      }
      for (const [n, h, w, c] of [[0, 2, 2, 1], [1, 0, 2, 1], [1, 2, 0, 1], [1, 2, 2, 0]]) {
        const [r] = runKernel(k, [Float32Array.of(1, 2, 3, 4), Float32Array.from(IDENTITY)], [4], ([out], [px, pp]) =>
          k.affine_warp_nhwc_f32(out, px, pp, n, h, w, c, 0, 0));
        assert.equal(r.status, 0);
        assert.ok(r.out.every(Number.isNaN));
      }
    });
  });
}

describe('affine_warp_nhwc_f32: the two builds agree', () => {
  it('random maps on 28x28x1 and 32x32x3, bilinear', () => {
    for (const s of [{ n: 4, h: 28, w: 28, c: 1 }, { n: 2, h: 32, w: 32, c: 3 }]) {
      const rand = rng(size(s));
      const x = randomArray(rand, size(s), 0, 1);
      const params = randomParams(rand, s);
      const [a, b] = builds.map(({ k }) => warp(k, x, params, s, 0, 0).out);
      assertClose(a, b, TOL, `${s.h}x${s.w}x${s.c}`);
    }
  });
});
