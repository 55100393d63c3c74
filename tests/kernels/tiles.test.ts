// Same results whatever the tile: every GEMM and conv tile of one arithmetic sums each output
// element in the same order, so gemm_f32, conv2d_nhwc_f32 (implicit GEMM with gathered edges,
// Winograd, 1x1) and the convolution gradients give bit-identical outputs under any set_tiles
// choice. In the relaxed build the ':muladd' tiles do mul then add: bit-identical to the SIMD128
// build. Also: set_tiles refuses ids out of range and changes nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, tilesOf, type Kernels, type Tile } from '../helpers/wasm.js';
import { randomArray, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { convGeometry, type ConvGeometry } from '../ref/conv_ref.js';
import { ACT } from '../ref/activation_ref.js';

/**
 * One computation; crossBuild: false when part of it runs outside the tiles with relaxed_madd
 * in the relaxed build (the sigmoid pass, the filter gradient's direct paths), so that only the
 * tiles' own results can match the SIMD128 build.
 */
interface Run { label: string; run: (k: Kernels) => Float32Array; crossBuild?: boolean }

function gemmRun(m: number, n: number, k: number, tA: boolean, tB: boolean, act: number): Run {
  const rand = rng(m * 7 + n * 13 + k);
  const a = randomArray(rand, m * k), b = randomArray(rand, k * n), bias = randomArray(rand, n);
  return {
    label: `gemm ${m}x${n}x${k} tA=${tA} tB=${tB} act=${act}`,
    crossBuild: act === ACT.linear || act === ACT.relu || act === ACT.relu6,
    run: (wasm) => {
      const [r] = runKernel(wasm, [a, b, bias], [m * n], ([out], [pa, pb, pbias]) =>
        wasm.gemm_f32(out, pa, pb, pbias, m, n, k, tA ? 1 : 0, tB ? 1 : 0, act, 0));
      assert.equal(r.status, 0);
      return r.out;
    },
  };
}

function convRun(g: ConvGeometry, cout: number, act: number): Run {
  const rand = rng(g.h * 31 + g.cin * 7 + cout);
  const x = randomArray(rand, g.n * g.h * g.w * g.cin), f = randomArray(rand, g.kh * g.kw * g.cin * cout);
  const bias = randomArray(rand, cout);
  return {
    label: `conv ${g.n}x${g.h}x${g.w}x${g.cin} ${g.kh}x${g.kw}x${cout} s${g.strideH} pad ${g.padTop}`,
    crossBuild: true,
    run: (wasm) => {
      const [r] = runKernel(wasm, [x, f, bias], [g.n * g.outH * g.outW * cout], ([out], [px, pf, pb]) =>
        wasm.conv2d_nhwc_f32(out, px, pf, pb, g.n, g.h, g.w, g.cin, g.kh, g.kw, cout, g.strideH, g.strideW,
          g.dilationH, g.dilationW, g.padTop, g.padLeft, g.outH, g.outW, act, 0));
      assert.equal(r.status, 0);
      return r.out;
    },
  };
}

/** Input and filter gradients of one convolution, concatenated. */
function convGradRun(g: ConvGeometry, cout: number, crossBuild = true): Run {
  const rand = rng(g.w * 17 + g.cin + cout);
  const x = randomArray(rand, g.n * g.h * g.w * g.cin), f = randomArray(rand, g.kh * g.kw * g.cin * cout);
  const dy = randomArray(rand, g.n * g.outH * g.outW * cout);
  const geo = [g.n, g.h, g.w, g.cin, g.kh, g.kw, cout, g.strideH, g.strideW, g.dilationH, g.dilationW,
    g.padTop, g.padLeft, g.outH, g.outW] as const;
  return {
    label: `conv grads ${g.n}x${g.h}x${g.w}x${g.cin} ${g.kh}x${g.kw}x${cout} s${g.strideH}`,
    crossBuild,
    run: (wasm) => {
      const [dx] = runKernel(wasm, [dy, f], [x.length], ([out], [pdy, pf]) =>
        wasm.conv2d_grad_input_nhwc_f32(out, pdy, pf, ...geo));
      const [df, db] = runKernel(wasm, [dy, x], [f.length, cout], ([pdf, pdb], [pdy, px]) =>
        wasm.conv2d_grad_filter_nhwc_f32(pdf, pdb, pdy, px, ...geo));
      for (const r of [dx, df]) assert.equal(r.status, 0);
      return Float32Array.from([...dx.out, ...df.out, ...db.out]);
    },
  };
}

const runs: Run[] = [
  // Edge tiles in both dimensions, several KC slices (each tile restarts from C), MC blocks of
  // every tile's height, transposes, the fused clamp and a post-pass activation.
  gemmRun(70, 41, 600, false, false, ACT.relu6),
  gemmRun(131, 35, 257, true, true, ACT.linear),
  gemmRun(33, 100, 9, false, true, ACT.sigmoid),
  // Winograd (3x3 stride 1, 8+ channels), implicit GEMM with padding copies and gathered edges,
  // stride 2, K over KC, and 1x1 (a plain GEMM).
  convRun(convGeometry(2, 9, 10, 16, 3, 3, [1, 1], [1, 1], 'same'), 24, ACT.relu),
  convRun(convGeometry(1, 11, 9, 3, 3, 3, [2, 2], [1, 1], 'same'), 13, ACT.linear),
  convRun(convGeometry(1, 7, 6, 40, 3, 3, [1, 1], [1, 1], 'valid'), 9, ACT.relu6),
  convRun(convGeometry(1, 260, 258, 4, 3, 3, [2, 2], [1, 1], 'same'), 8, ACT.linear),
  convRun(convGeometry(2, 5, 6, 17, 1, 1, [1, 1], [1, 1], 'valid'), 19, ACT.linear),
  // The gradients: col2im (stride 2, through the GEMM tile), Winograd adjoints (conv tile), 1x1.
  convGradRun(convGeometry(2, 9, 8, 5, 3, 3, [2, 2], [1, 1], 'same'), 7, false),
  convGradRun(convGeometry(1, 8, 9, 12, 3, 3, [1, 1], [1, 1], 'same'), 16),
  convGradRun(convGeometry(2, 4, 5, 9, 1, 1, [1, 1], [1, 1], 'valid'), 11),
];

/** Every (GEMM tile, conv tile) pair of one arithmetic, covering each tile at least once. */
function pairs(build: 'simd' | 'relaxed', muladd: boolean): [Tile, Tile][] {
  const gemm = tilesOf(build, 'gemm').filter((t) => t.muladd === muladd);
  const conv = tilesOf(build, 'conv').filter((t) => t.muladd === muladd);
  const count = Math.max(gemm.length, conv.length);
  return Array.from({ length: count }, (_, i) => [gemm[i % gemm.length], conv[i % conv.length]]);
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('tiles: bit-identical results', () => {
  const simd = builds.find((b) => b.name === 'simd')!.k;
  for (const r of runs) {
    it(r.label, () => {
      const simdResults = new Map<string, Float32Array>();
      for (const { name, k: wasm } of builds) {
        for (const muladd of name === 'relaxed' ? [false, true] : [false]) {
          let first: Float32Array | undefined, firstName = '';
          for (const [g, c] of pairs(name, muladd)) {
            assert.equal(wasm.set_tiles(g.id, c.id), 0);
            const out = r.run(wasm);
            const here = `${name} ${g.name} / ${c.name}`;
            if (first === undefined) { first = out; firstName = here; } else {
              assert.ok(sameBits(out, first), `${r.label}: ${here} differs from ${firstName}`);
            }
            if (name === 'simd') simdResults.set(here, out);
          }
          if (name === 'relaxed' && muladd && r.crossBuild) {
            const reference = [...simdResults.values()][0];
            assert.ok(sameBits(first!, reference), `${r.label}: relaxed mul+add tiles differ from the SIMD128 build`);
          }
          wasm.set_tiles(0, 0);
        }
      }
      assert.ok(simdResults.size > 1 || simd.gemm_tile_count() === 1);
    });
  }

  for (const { name, k: wasm } of builds) {
    it(`set_tiles refuses ids out of range and changes nothing [${name}]`, () => {
      const gemm = wasm.gemm_tile_count(), conv = wasm.conv_tile_count();
      assert.ok(gemm >= 2, 'several GEMM tiles per build');
      assert.equal(wasm.set_tiles(1, 0), 0);
      for (const [g, c] of [[gemm, 0], [-1, 0], [0, conv], [0, -1]]) assert.equal(wasm.set_tiles(g, c), -2);
      assert.equal(wasm.gemm_tile_in_use(), 1);
      assert.equal(wasm.conv_tile_in_use(), 0);
      assert.equal(wasm.set_tiles(0, 0), 0);
    });
  }
});
