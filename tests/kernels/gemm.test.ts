// gemm_f32 against its scalar reference on both builds and with every tile of each build
// (set_tiles): XNNPACK-style cases around the tiles (MR 2..6, NR 8 or 16; KC = 256; MC = 64
// rounded up to whole panels) and around each tile's own MR x NR and MC, awkward sizes,
// transposes, bias, every fused activation, NaN/Inf, the out-of-memory status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, tilesOf, type Tile } from '../helpers/wasm.js';
import { AWKWARD, randomArray, randInt, rng } from '../helpers/rng.js';
import { assertClose, runKernel } from '../helpers/check.js';
import { gemm_f32_ref } from '../ref/gemm_ref.js';
import { ACT } from '../ref/activation_ref.js';

interface Case { m: number; n: number; k: number; tA?: boolean; tB?: boolean; bias?: boolean; act?: number; alpha?: number }

const cases: Case[] = [];
// Around the micro-tile and the K block.
for (const m of [1, 2, 3, 4, 5, 6, 8, 9, 10, 11]) for (const n of [1, 7, 8, 9, 15, 16, 17, 33]) {
  for (const tA of [false, true]) cases.push({ m, n, k: 5, tA });
}
for (const k of [0, 1, 255, 256, 257, 513]) cases.push({ m: 6, n: 12, k, bias: true });
// The small-M path (M <= 8, or <= 16 with B of 2^18+ floats; B row-major, read in place): strips of 16, 4 and 1-3 columns, odd
// and even row counts, empty and long reductions, fused and post-pass activations.
for (const m of [1, 2, 3, 7, 8]) for (const n of [1, 3, 4, 5, 16, 20, 33, 65]) {
  const k = [0, 1, 9, 300][(m + n) % 4];
  cases.push({ m, n, k, tA: n % 2 === 1, bias: m !== 2, act: [ACT.linear, ACT.relu, ACT.relu6, ACT.sigmoid][n % 4] });
}
cases.push({ m: 13, n: 520, k: 513, tA: true, bias: true, act: ACT.relu6 }, { m: 16, n: 1030, k: 257 });
// Awkward sizes in all three dimensions, all transposes.
for (const s of AWKWARD) for (const tA of [false, true]) for (const tB of [false, true]) {
  cases.push({ m: s, n: s, k: s, tA, tB, bias: s % 2 === 1 });
}
// Past the MC block (64 or 65 rows) and several B panels.
cases.push({ m: 130, n: 65, k: 33, bias: true }, { m: 65, n: 130, k: 300, tA: true, tB: true },
  { m: 161, n: 17, k: 9 }, { m: 81, n: 9, k: 260, tA: true, act: ACT.relu });
// Every fused activation.
for (const [name, act] of Object.entries(ACT)) {
  cases.push({ m: 9, n: 11, k: 13, bias: true, act, alpha: name === 'elu' ? 1 : 0.2 });
}
// Random shapes from a seeded generator.
const shapeRand = rng(2024);
for (let i = 0; i < 12; i++) {
  cases.push({ m: randInt(shapeRand, 1, 70), n: randInt(shapeRand, 1, 70), k: randInt(shapeRand, 1, 300),
    tA: shapeRand() < 0.5, tB: shapeRand() < 0.5, bias: shapeRand() < 0.5 });
}

/** Cases at the edges of one tile: rows and columns around MR, NR and the MC block. */
function tileCases({ mr, nr }: Tile): Case[] {
  const mc = Math.ceil(64 / mr) * mr;
  const out: Case[] = [];
  for (const m of [mr - 1, mr, mr + 1, 2 * mr + 1, mc - 1, mc, mc + 1]) for (const n of [nr - 1, nr, nr + 1, 3 * nr + 1]) {
    if (m < 1 || n < 1) continue;
    out.push({ m, n, k: (m + n) % 2 === 0 ? 19 : 260, tA: m % 2 === 0, tB: n % 3 === 0, bias: true,
      act: (m + n) % 3 === 0 ? ACT.relu6 : ACT.linear });
  }
  return out;
}

for (const { name, k: wasm } of builds) for (const tile of tilesOf(name, 'gemm')) {
  describe(`gemm_f32 [${name}, tile ${tile.name}]`, () => {
    before(() => assert.equal(wasm.set_tiles(tile.id, 0), 0));
    after(() => assert.equal(wasm.set_tiles(0, 0), 0));
    for (const c of [...tileCases(tile), ...cases]) {
      const { m, n, k, tA = false, tB = false, bias = false, act = 0, alpha = 0 } = c;
      it(`m=${m} n=${n} k=${k} tA=${tA} tB=${tB} bias=${bias} act=${act}`, () => {
        const rand = rng(m * 1000003 + n * 1009 + k);
        const a = randomArray(rand, m * k), b = randomArray(rand, k * n);
        const bv = bias ? randomArray(rand, n) : null;
        const expected = gemm_f32_ref(a, b, bv, m, n, k, tA, tB, act, alpha);
        const inputs = bv ? [a, b, bv] : [a, b];
        const [r] = runKernel(wasm, inputs, [m * n], ([out], [pa, pb, pbias]) =>
          wasm.gemm_f32(out, pa, pb, pbias ?? 0, m, n, k, tA ? 1 : 0, tB ? 1 : 0, act, alpha));
        assert.equal(r.status, 0);
        assertClose(r.out, expected, { atol: 1e-5 * Math.sqrt(k + 1), rtol: 1e-4 }, `gemm ${m}x${n}x${k}`);
      });
    }

    it('propagates NaN and Inf', () => {
      const m = 5, n = 9, k = 7;
      const a = randomArray(rng(1), m * k), b = randomArray(rng(2), k * n);
      a[0] = NaN;        // row 0 all NaN
      a[2 * k + 1] = Infinity; // row 2: ±Inf where b[1, j] != 0
      const expected = gemm_f32_ref(a, b, null, m, n, k, false, false);
      for (const act of [ACT.linear, ACT.relu]) {
        const [r] = runKernel(wasm, [a, b], [m * n], ([out], [pa, pb]) =>
          wasm.gemm_f32(out, pa, pb, 0, m, n, k, 0, 0, act, 0));
        const want = act === ACT.relu ? expected.map((v) => (Number.isNaN(v) ? v : Math.max(v, 0))) : expected;
        assertClose(r.out, want, { atol: 1e-5 }, `nan/inf act=${act}`);
      }
    });

    it('returns the out-of-memory status and stays usable when scratch cannot be had', () => {
      const m = 64, n = 64, k = 64;
      const a = randomArray(rng(3), m * k), b = randomArray(rng(4), k * n);
      const end = wasm.arena_heap_end();
      // Room for the two inputs, the output (+ guard) and the scope stack, not for packing scratch.
      wasm.arena_set_limit(end + 3 * (m * n * 4 + 64) + 2048);
      try {
        const [r] = runKernel(wasm, [a, b], [m * n], ([out], [pa, pb]) =>
          wasm.gemm_f32(out, pa, pb, 0, m, n, k, 0, 0, 0, 0));
        assert.equal(r.status, -1);
      } finally {
        wasm.arena_set_limit(0);
      }
      const [r] = runKernel(wasm, [a, b], [m * n], ([out], [pa, pb]) =>
        wasm.gemm_f32(out, pa, pb, 0, m, n, k, 0, 0, 0, 0));
      assert.equal(r.status, 0);
      assertClose(r.out, gemm_f32_ref(a, b, null, m, n, k, false, false), { atol: 1e-4 }, 'after OOM');
    });
  });
}
