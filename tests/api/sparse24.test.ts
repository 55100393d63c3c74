// The 'sparse24' encoding of model files (js-bindings/io/sparse24.ts): one-byte tensors with 2:4
// semi-structured sparsity round-trip for awkward K and N, groups of 0, 1 or 2 nonzeros; the
// encoding declines a tensor that breaks the pattern; it beats Huffman alone on 2:4 data; io.save
// picks it and io.load restores the bytes; corrupted blocks give messages, not exceptions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSparse24, encodeSparse24, sparse24Dims } from '../../js-bindings/io/sparse24.js';
import { encodeHuffman } from '../../js-bindings/io/huffman.js';
import * as lp from '../../js-bindings/index.js';
import { AWKWARD, rng } from '../helpers/rng.js';

/** A [K, N] int8 tensor with at most 2 nonzeros in every group of 4 rows of a column. */
function pattern24(rand: () => number, k: number, n: number): Uint8Array {
  const out = new Uint8Array(k * n);
  for (let g = 0; g < k; g += 4) {
    for (let j = 0; j < n; j++) {
      const keep = Math.floor(rand() * 3); // 0, 1 or 2 nonzeros
      const rows = [0, 1, 2, 3].sort(() => rand() - 0.5).slice(0, keep);
      for (const r of rows) out[(g + r) * n + j] = (1 + Math.floor(rand() * 254)) & 0xff;
    }
  }
  return out;
}

describe('sparse24 encoding', () => {
  it('round-trips 2:4 tensors of awkward shapes', () => {
    const rand = rng(24);
    for (const k of [4, 8, 12, 68, 132]) {
      for (const n of AWKWARD) {
        const bytes = pattern24(rand, k, n);
        const enc = encodeSparse24(bytes, k, n);
        assert.ok(enc !== null);
        assert.deepEqual(decodeSparse24(enc, k, n), bytes, `K ${k} N ${n}`);
      }
    }
  });

  it('declines a group with 3 nonzeros, and shapes whose K is not a multiple of 4', () => {
    const bytes = new Uint8Array(8 * 2);
    bytes[0] = bytes[2] = bytes[4] = 1; // column 0, rows 0..2
    assert.equal(encodeSparse24(bytes, 8, 2), null);
    assert.equal(sparse24Dims([3, 3, 1, 32]), null);
    assert.deepEqual(sparse24Dims([3, 3, 32, 64]), [288, 64]);
    assert.equal(sparse24Dims([7]), null);
  });

  it('costs less than Huffman alone on 2:4 int8 weights (2.6 bits of pairs a group, not a bit a place)', () => {
    const rand = rng(25);
    const k = 1600, n = 128;
    const bytes = new Uint8Array(k * n);
    for (let g = 0; g < k; g += 4) for (let j = 0; j < n; j++) {
      const [a, b] = [0, 1, 2, 3].sort(() => rand() - 0.5);
      for (const r of [a, b]) bytes[(g + r) * n + j] = (Math.round((rand() < 0.5 ? -1 : 1) * (30 + 97 * rand() ** 2))) & 0xff;
    }
    const semi = encodeSparse24(bytes, k, n)!, huff = encodeHuffman(bytes);
    assert.ok(semi.length < huff.length * 0.95, `sparse24 ${semi.length} vs huffman ${huff.length}`);
  });

  it('io.save picks it for a 2:4 int8 tensor, io.load restores the bytes; damage gives messages', async () => {
    await lp.ready();
    const rand = rng(26);
    const bytes = pattern24(rand, 64, 16);
    const enc = encodeSparse24(bytes, 64, 16)!;
    assert.match(String(decodeSparse24(enc.subarray(0, 10), 64, 16)), /kept values|shorter/);
    const bad = enc.slice();
    bad[0] = 250;
    assert.match(String(decodeSparse24(bad, 64, 16)), /pair byte 0 is 250/);
    for (let t = 0; t < 500; t++) {
      const m = enc.slice();
      m[Math.floor(rand() * m.length)] ^= 1 << Math.floor(rand() * 8);
      const r = decodeSparse24(m, 64, 16);
      assert.ok(typeof r === 'string' || r.length === 64 * 16);
    }
    // Through a model file (a fake model kind holding one tensor): exactly 2 of every 4 kept, as
    // pattern '2:4' prunes, where the pairs cost less than sparse's bitmask.
    const full = new Uint8Array(256 * 64);
    for (let g = 0; g < 256; g += 4) for (let j = 0; j < 64; j++) {
      for (const r of [0, 1, 2, 3].sort(() => rand() - 0.5).slice(0, 2)) full[(g + r) * 64 + j] = 1 + Math.floor(rand() * 255);
    }
    class Raw { constructor(readonly bytes: Uint8Array) {} dispose(): void {} }
    lp.io.registerModelKind<Raw>('raw24', { save: (m) => ({ config: {}, tensors: [{ name: 'w', dtype: 'int8', shape: [4, 64, 64], bytes: m.bytes }] }),
      load: (_c, tensors) => new Raw(tensors[0].bytes), matches: (m) => m instanceof Raw });
    const file = lp.io.save(new Raw(full));
    assert.equal(lp.io.inspect(file).tensors[0].encoding, 'sparse24');
    assert.deepEqual(lp.io.load<Raw>(file).bytes, full);
  });
});
