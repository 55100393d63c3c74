// transpose_x32, copy_strided_x32 and gather_x32 against the scalar references on both builds.
// Layout kernels only move bits, so results are compared bit for bit (int32 data, and float32
// data holding NaN patterns): the same in both builds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builds, type Kernels } from '../helpers/wasm.js';
import { AWKWARD, randInt, rng } from '../helpers/rng.js';
import { runKernel } from '../helpers/check.js';
import { copy_strided_ref, gather_ref, sizeOf, stridesOf, transpose_ref, type Arr } from '../ref/layout_ref.js';

function randomInts(rand: () => number, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 4294967296) | 0;
  return out;
}

function assertBits(actual: Float32Array, expected: Arr, what: string): void {
  const a = new Int32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Int32Array(expected.buffer, expected.byteOffset, expected.length);
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}: [${i}] expected bits ${e[i]}, got ${a[i]}`);
  }
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

function shuffle(rand: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randInt(rand, 0, i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function runTranspose(k: Kernels, x: Arr, shape: number[], perm: number[]): { out: Float32Array; status: number } {
  const xs = stridesOf(shape);
  const desc = Int32Array.from([...perm.map((p) => shape[p]), ...perm.map((p) => xs[p])]);
  const [r] = runKernel(k, [x, desc], [x.length], ([out], [px, pd]) =>
    k.transpose_x32(out, px, perm.length, pd));
  return r;
}

// ---- transpose cases ----------------------------------------------------------------------
interface TCase { shape: number[]; perm: number[] }
const tcases: TCase[] = [];
for (const shape of [[3, 7, 17], [1, 5, 4], [4, 4, 8], [17, 1, 33]]) {
  for (const perm of permutations(3)) tcases.push({ shape, perm });
}
for (const shape of [[2, 3, 5, 7], [3, 1, 17, 4], [4, 8, 4, 5]]) {
  for (const perm of permutations(4)) tcases.push({ shape, perm });
}
// 2-D: 4x4 blocks, their edges, and several 32x32 cache tiles.
for (const [r, c] of [[4, 4], [5, 5], [1, 65], [65, 1], [33, 33], [64, 64], [65, 130], [130, 65],
  [257, 33], [100, 3], [3, 100], [7, 17]]) {
  tcases.push({ shape: [r, c], perm: [1, 0] });
}
for (const s of AWKWARD) tcases.push({ shape: [2, s, 9], perm: [0, 2, 1] }, { shape: [s, 3, 2], perm: [2, 1, 0] });
const trand = rng(77);
for (let i = 0; i < 30; i++) {
  const rank = randInt(trand, 1, i < 26 ? 6 : 8);
  const shape = Array.from({ length: rank }, () => randInt(trand, 1, rank > 5 ? 4 : 9));
  tcases.push({ shape, perm: shuffle(trand, rank) });
}

// ---- strided copy cases: x and out are "containers" laid out in any dim order --------------
interface SCase { name: string; dims: number[]; os: number[]; is: number[]; outLen: number; xLen: number; outOff: number; xOff: number }

function randomView(rand: () => number, dims: number[]): { strides: number[]; len: number; off: number } {
  const container = dims.map((d) => d + randInt(rand, 0, 2));
  const order = shuffle(rand, dims.length);      // order[0] is the outermost dim in memory
  const strides = new Array<number>(dims.length);
  let acc = 1;
  for (let j = order.length - 1; j >= 0; j--) { strides[order[j]] = acc; acc *= container[order[j]]; }
  const off = dims.reduce((a, d, i) => a + randInt(rand, 0, container[i] - d) * strides[i], 0);
  return { strides, len: acc, off };
}

const scases: SCase[] = [];
const srand = rng(4242);
for (let i = 0; i < 40; i++) {
  const rank = randInt(srand, 1, 5);
  const dims = Array.from({ length: rank }, () => randInt(srand, 1, rank > 3 ? 6 : 13));
  const o = randomView(srand, dims), x = randomView(srand, dims);
  scases.push({ name: `random dims=[${dims}] os=[${o.strides}] is=[${x.strides}]`, dims, os: o.strides,
    is: x.strides, outLen: o.len, xLen: x.len, outOff: o.off, xOff: x.off });
}
for (const s of AWKWARD) {
  // concat-like (out rows wider than x rows), slice-like (x rows wider), pad-like (both).
  scases.push({ name: `concat s=${s}`, dims: [5, s], os: [s + 4, 1], is: [s, 1], outLen: 5 * (s + 4), xLen: 5 * s, outOff: 3, xOff: 0 });
  scases.push({ name: `slice s=${s}`, dims: [3, s], os: [s, 1], is: [s + 7, 1], outLen: 3 * s, xLen: 3 * (s + 7), outOff: 0, xOff: 5 });
  // Broadcast: stride 0 in x along the last (SCALAR), the first (RUN) or in a tile (TILE, ib = 0).
  scases.push({ name: `broadcast rows s=${s}`, dims: [4, s], os: [s, 1], is: [0, 1], outLen: 4 * s, xLen: s, outOff: 0, xOff: 0 });
  scases.push({ name: `broadcast cols s=${s}`, dims: [s, 6], os: [6, 1], is: [1, 0], outLen: 6 * s, xLen: s, outOff: 0, xOff: 0 });
  scases.push({ name: `broadcast all s=${s}`, dims: [s, 3], os: [3, 1], is: [0, 0], outLen: 3 * s, xLen: 1, outOff: 0, xOff: 0 });
}
scases.push({ name: 'long runs (memory.copy)', dims: [3, 300], os: [310, 1], is: [300, 1], outLen: 930, xLen: 900, outOff: 4, xOff: 0 });
scases.push({ name: 'tile into a strided out', dims: [37, 41], os: [50, 1], is: [1, 40], outLen: 37 * 50, xLen: 41 * 40, outOff: 2, xOff: 1 });

// ---- gather cases ---------------------------------------------------------------------------
interface GCase { batch: number; outer: number; n: number; m: number; inner: number }
const gcases: GCase[] = [];
for (const inner of AWKWARD) gcases.push({ batch: 1, outer: 1, n: 10, m: 7, inner });
for (const m of AWKWARD) gcases.push({ batch: 1, outer: 1, n: 65, m, inner: 16 });
gcases.push({ batch: 1, outer: 3, n: 5, m: 4, inner: 1 }, { batch: 1, outer: 7, n: 3, m: 17, inner: 3 },
  { batch: 3, outer: 2, n: 4, m: 5, inner: 7 }, { batch: 2, outer: 1, n: 6, m: 3, inner: 1 },
  { batch: 1, outer: 2, n: 9, m: 5, inner: 300 }, { batch: 1, outer: 1, n: 4, m: 0, inner: 3 },
  { batch: 1, outer: 0, n: 4, m: 3, inner: 3 }, { batch: 1, outer: 2, n: 4, m: 3, inner: 0 });

for (const { name, k } of builds) {
  describe(`transpose_x32 [${name}]`, () => {
    for (const { shape, perm } of tcases) {
      it(`[${shape}] perm [${perm}]`, () => {
        const x = randomInts(rng(sizeOf(shape) * 31 + perm.length), sizeOf(shape));
        const r = runTranspose(k, x, shape, perm);
        assert.equal(r.status, 0);
        assertBits(r.out, transpose_ref(x, shape, perm), `transpose [${shape}] [${perm}]`);
      });
    }

    it('moves float32 NaN payloads and -0 unchanged', () => {
      const x = new Float32Array(65 * 7).map((_, i) => (i % 5 === 0 ? NaN : i % 5 === 1 ? -0 : i * 0.5));
      new Int32Array(x.buffer)[3] = 0x7FC0_1234; // a NaN with a payload
      const r = runTranspose(k, x, [65, 7], [1, 0]);
      assertBits(r.out, transpose_ref(x, [65, 7], [1, 0]), 'float transpose');
    });

    it('zero-size dims write nothing; a rank outside [1, 8] returns -2', () => {
      const x = new Int32Array(0);
      assert.equal(runTranspose(k, x, [3, 0, 5], [2, 0, 1]).status, 0);
      const one = Int32Array.of(7);
      const desc = new Int32Array(18).fill(1);
      for (const rank of [0, 9, -1]) {
        const [r] = runKernel(k, [one, desc], [1], ([out], [px, pd]) => k.transpose_x32(out, px, rank, pd));
        assert.equal(r.status, -2, `rank ${rank}`);
        const [s] = runKernel(k, [one, desc], [1], ([out], [px, pd]) => k.copy_strided_x32(out, px, rank, pd));
        assert.equal(s.status, -2, `rank ${rank}`);
      }
    });
  });

  describe(`copy_strided_x32 [${name}]`, () => {
    for (const c of scases) {
      it(c.name, () => {
        const rand = rng(c.outLen * 7 + c.xLen);
        const x = randomInts(rand, c.xLen);
        const init = randomInts(rand, c.outLen);
        const expected = init.slice();
        copy_strided_ref(expected, x, c.dims, c.os, c.is, c.outOff, c.xOff);
        const desc = Int32Array.from([...c.dims, ...c.os, ...c.is]);
        const [r] = runKernel(k, [x, desc], [c.outLen], ([out], [px, pd]) =>
          k.copy_strided_x32(out + 4 * c.outOff, px + 4 * c.xOff, c.dims.length, pd),
        [new Float32Array(init.buffer)]);
        assert.equal(r.status, 0);
        assertBits(r.out, expected, c.name);
      });
    }
  });

  describe(`gather_x32 [${name}]`, () => {
    for (const c of gcases) {
      const { batch, outer, n, m, inner } = c;
      it(`batch=${batch} outer=${outer} n=${n} m=${m} inner=${inner}`, () => {
        const rand = rng(batch * 1009 + outer * 101 + n * 13 + m * 7 + inner);
        const x = randomInts(rand, batch * outer * n * inner);
        const idx = Int32Array.from({ length: batch * m }, () => randInt(rand, 0, n - 1));
        const expected = gather_ref(x, idx, batch, outer, n, m, inner);
        const [r] = runKernel(k, [x, idx], [expected.length, 2], ([out, err], [px, pi]) =>
          k.gather_x32(out, px, pi, err, batch, outer, n, m, inner));
        assert.equal(r.status, 0);
        assertBits(r.out, expected, 'gather');
      });
    }

    for (const [bad, at] of [[10, 0], [-1, 5], [12, 16], [2147483647, 3], [-2147483648, 9]]) {
      it(`index ${bad} at position ${at} returns -2 and reports it`, () => {
        const n = 10, m = 17, inner = 3;
        const x = randomInts(rng(5), n * inner);
        const idx = Int32Array.from({ length: m }, (_, i) => i % n);
        idx[at] = bad;
        if (at < m - 1) idx[m - 1] = -7; // a later bad index must not be the one reported
        const [r, err] = runKernel(k, [x, idx], [m * inner, 2], ([out, e], [px, pi]) =>
          k.gather_x32(out, px, pi, e, 1, 2, n, m, inner));
        assert.equal(r.status, -2);
        assert.deepEqual([...new Int32Array(err.out.buffer)], [at, bad]);
      });
    }

    it('an empty axis (n = 0) rejects every index; err = 0 is allowed', () => {
      const idx = Int32Array.of(0);
      const [r] = runKernel(k, [idx], [0], ([out], [pi]) => k.gather_x32(out, pi, pi, 0, 1, 1, 0, 1, 4));
      assert.equal(r.status, -2);
    });
  });
}
