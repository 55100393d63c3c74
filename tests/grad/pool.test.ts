// Finite-difference checks of the pooling backward kernels: the gradient of L = Σ dy · pool(x)
// by centred differences of the f64 reference forward, against maxpool2d_grad / avgpool2d_grad /
// global_avgpool2d_grad on both builds. Max pooling is drawn without ties (values at least 0.01
// apart, steps of 1e-3), so every point is differentiable; windows overlap or not, pads on
// some sides, awkward sizes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { assertGradClose, numericGrad } from '../helpers/fd.js';
import { convGeometry } from '../ref/conv_ref.js';
import { global_avgpool2d_f64, pool2d_f64 } from '../ref/pool_grad_ref.js';

const geometries = [
  convGeometry(1, 5, 6, 3, 2, 2, [2, 2], [1, 1], 'valid'),
  convGeometry(2, 5, 5, 2, 3, 3, [2, 2], [1, 1], 'same'),
  convGeometry(1, 7, 4, 3, 3, 2, [1, 1], [1, 1], 'same'),
  convGeometry(1, 6, 7, 1, 3, 3, [3, 2], [1, 1], 1),
  convGeometry(1, 3, 17, 2, 2, 3, [1, 3], [1, 1], 'valid'),
];

/** n distinct values at least 0.01 apart (a shuffled ramp), so max pooling has no ties. */
function distinct(rand: () => number, n: number): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

for (const { name, k: wasm } of builds) {
  describe(`pool backward by finite differences [${name}]`, () => {
    for (const g of geometries) {
      for (const kind of ['max', 'avg'] as const) {
        it(`${kind} n=${g.n} ${g.h}x${g.w}x${g.cin} window ${g.kh}x${g.kw} s=${g.strideH},${g.strideW} pads ${g.padTop},${g.padLeft}`, () => {
          const rand = rng(g.h * 31 + g.w * 7 + g.kh);
          const x = distinct(rand, g.n * g.h * g.w * g.cin);
          const dy = randomArray(rand, g.n * g.outH * g.outW * g.cin);
          const [r] = runKernel(wasm, [dy, x], [x.length], ([dx], [pdy, px]) => kind === 'max'
            ? wasm.maxpool2d_grad_nhwc_f32(dx, pdy, px, g.n, g.h, g.w, g.cin, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW)
            : wasm.avgpool2d_grad_nhwc_f32(dx, pdy, g.n, g.h, g.w, g.cin, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW));
          assert.equal(r.status, 0);
          assertGradClose(r.out, numericGrad((xv) => pool2d_f64(xv, g, kind === 'max'), x, dy), `${kind} dx`);
        });
      }
    }

    it('global average pooling', () => {
      for (const [n, h, w, c] of [[2, 3, 5, 7], [1, 4, 4, 1], [1, 1, 3, 17]]) {
        const rand = rng(n + h + w + c);
        const x = randomArray(rand, n * h * w * c), dy = randomArray(rand, n * c);
        const [r] = runKernel(wasm, [dy], [x.length], ([dx], [pdy]) => wasm.global_avgpool2d_grad_nhwc_f32(dx, pdy, n, h, w, c));
        assert.equal(r.status, 0);
        assertGradClose(r.out, numericGrad((xv) => global_avgpool2d_f64(xv, n, h, w, c), x, dy), `global ${n}x${h}x${w}x${c}`);
      }
    });
  });
}
