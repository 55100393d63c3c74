// The 'huffman' tensor encoding of model files (js-bindings/io/huffman.ts): round trips over
// many distributions and sizes, sizes near the entropy, and corrupted blocks that must give a
// message (never throw, never allocate for more elements than the block can hold).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHuffman, encodeHuffman, huffmanLength } from '../../js-bindings/io/huffman.js';
import { AWKWARD, rng } from '../helpers/rng.js';

function laplaceBytes(rand: () => number, n: number, spread: number, zeros = 0): Uint8Array {
  return Uint8Array.from({ length: n }, () => {
    if (rand() < zeros) return 0;
    const v = Math.round(-spread * Math.log(1 - rand()) * (rand() < 0.5 ? -1 : 1));
    return Math.max(-127, Math.min(127, v)) & 0xff;
  });
}

function entropyBits(bytes: Uint8Array): number {
  const c = new Float64Array(256);
  for (const b of bytes) c[b]++;
  let h = 0;
  for (const v of c) if (v > 0) h -= v * Math.log2(v / bytes.length);
  return h;
}

describe('huffman encoding', () => {
  it('round-trips every distribution and awkward size', () => {
    const rand = rng(8);
    const cases: Uint8Array[] = [new Uint8Array(0), new Uint8Array(1), Uint8Array.of(200), new Uint8Array(1000).fill(7)];
    for (const n of [...AWKWARD, 256, 4099]) {
      cases.push(Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)));
      cases.push(laplaceBytes(rand, n, 12));
      cases.push(laplaceBytes(rand, n, 20, 0.5));
      cases.push(Uint8Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 255 : 1)));
    }
    // Very skewed counts (Fibonacci-like) force the length limit of 15 bits.
    const skew: number[] = [];
    for (let s = 0, f = 1, g = 1; s < 25; s++, [f, g] = [g, f + g]) for (let j = 0; j < f; j++) skew.push(s);
    cases.push(Uint8Array.from(skew));
    for (const bytes of cases) {
      const enc = encodeHuffman(bytes);
      assert.equal(enc.length, huffmanLength(bytes));
      const dec = decodeHuffman(enc, bytes.length);
      assert.ok(dec instanceof Uint8Array, `decode failed: ${dec}`);
      assert.deepEqual(dec, bytes);
    }
  });

  it('comes within 2% (+ the table) of the entropy on weight-like data up to half zeros', () => {
    const rand = rng(9);
    // (At 75% zeros a zero still costs a whole bit, 0.42 bits over its entropy: no entropy bound there.)
    for (const zeros of [0, 0.5, 0.75]) {
      const bytes = laplaceBytes(rand, 200_000, 15, zeros);
      const enc = encodeHuffman(bytes);
      if (zeros <= 0.5) assert.ok((enc.length - 128) * 8 <= entropyBits(bytes) * 1.02, `zeros ${zeros}: ${enc.length} bytes`);
      assert.ok(enc.length < bytes.length * (zeros === 0 ? 0.9 : 0.6), `zeros ${zeros}: ${enc.length} of ${bytes.length}`);
    }
  });

  it('reports corrupted blocks instead of throwing', () => {
    const rand = rng(10);
    const bytes = laplaceBytes(rand, 3000, 10, 0.3);
    const enc = encodeHuffman(bytes);
    assert.match(String(decodeHuffman(enc.subarray(0, 100), 3000)), /shorter than its 128-byte code table/);
    assert.match(String(decodeHuffman(enc, enc.length * 8)), /cannot fit/);
    assert.match(String(decodeHuffman(enc.subarray(0, enc.length - 1), 3000)), /run past the end|cannot fit/);
    assert.match(String(decodeHuffman(enc, 2000)), /left after the last element/);
    const bad = enc.slice();
    bad[0] ^= 0x11; // two code lengths changed: the code is no longer complete
    assert.match(String(decodeHuffman(bad, 3000)), /complete prefix code/);
    let messages = 0, same = 0;
    for (let t = 0; t < 2000; t++) {
      const m = enc.slice();
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) m[Math.floor(rand() * m.length)] ^= 1 << Math.floor(rand() * 8);
      const r = decodeHuffman(m, 3000);
      if (typeof r === 'string') messages++;
      else { assert.equal(r.length, 3000); same++; }
    }
    assert.ok(messages > 0 && messages + same === 2000);
  });
});
