// The 'gapHuffman' encoding of model files (js-bindings/io/gap_huffman.ts) and the base64 form of
// per-channel quantization scales (js-bindings/io/base64.ts): int8 tensors round-trip for
// awkward shapes, with -128, all-zero channels and channels with no gap; the encoding beats plain
// Huffman on magnitude-pruned per-channel int8 data; io.save picks it and io.load restores the
// bytes; corrupted blocks and scale strings give messages, not exceptions.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGapHuffman, encodeGapHuffman } from '../../js-bindings/io/gap_huffman.js';
import { encodeHuffman } from '../../js-bindings/io/huffman.js';
import { decodeBase64F32, encodeBase64F32 } from '../../js-bindings/io/base64.js';
import * as lp from '../../js-bindings/index.js';
import { AWKWARD, rng } from '../helpers/rng.js';

before(async () => { await lp.ready(); });

/** Per-channel int8 weights of a magnitude-pruned layer: each channel keeps values at or above its own threshold. */
function prunedInt8(rand: () => number, rows: number, channels: number): Int8Array {
  const out = new Int8Array(rows * channels);
  const threshold = Array.from({ length: channels }, () => 1 + Math.floor(rand() * 60));
  for (let i = 0; i < out.length; i++) {
    if (rand() < 0.5) continue;
    const t = threshold[i % channels];
    const m = t + Math.floor(Math.pow(rand(), 3) * (128 - t));
    out[i] = rand() < 0.5 ? -Math.min(m, 128) : Math.min(m, 127);
  }
  return out;
}

const bytesOf = (v: Int8Array) => new Uint8Array(v.buffer, v.byteOffset, v.length);

describe('gapHuffman encoding', () => {
  it('round-trips int8 tensors of awkward shapes, including -128, 127, zero channels and no gap', () => {
    const rand = rng(31);
    for (const rows of AWKWARD) {
      for (const channels of AWKWARD) {
        const v = prunedInt8(rand, rows, channels);
        v[0] = -128;
        if (v.length > 1) v[v.length - 1] = 127;
        if (channels > 2) for (let r = 0; r < rows; r++) v[r * channels + 1] = 0; // an all-zero channel
        if (channels > 3) v[2] = 1; // channel 2 has no gap
        const enc = encodeGapHuffman(bytesOf(v), channels);
        assert.deepEqual(decodeGapHuffman(enc, v.length, channels), bytesOf(v), `[${rows}, ${channels}]`);
      }
    }
  });

  it('is smaller than plain Huffman on pruned per-channel data', () => {
    const v = prunedInt8(rng(5), 1600, 128);
    const gap = encodeGapHuffman(bytesOf(v), 128).length, plain = encodeHuffman(bytesOf(v)).length;
    assert.ok(gap < 0.97 * plain, `gapHuffman ${gap} bytes vs huffman ${plain}`);
  });

  it('reports bad blocks: short, gaps over 127, values restored outside int8, bad codes', () => {
    const v = prunedInt8(rng(6), 33, 7);
    const enc = encodeGapHuffman(bytesOf(v), 7);
    assert.match(decodeGapHuffman(enc.subarray(0, 5), v.length, 7) as string, /shorter than its 7 gap bytes/);
    const bigGap = enc.slice();
    bigGap[3] = 200;
    assert.match(decodeGapHuffman(bigGap, v.length, 7) as string, /gap 200, more than 127/);
    // A gap larger than the one the encoder chose pushes the channel's largest value past int8.
    const v2 = new Int8Array(14);
    v2[0] = 127; v2[7] = 100;
    const e2 = encodeGapHuffman(bytesOf(v2), 7);
    e2[0] = 127; // channel 0 held 127 alone (gap 126, stored 1): 1 + 127 > 127
    assert.match(decodeGapHuffman(e2, 14, 7) as string, /restores to \d+, outside int8/);
    assert.equal(typeof decodeGapHuffman(enc.subarray(0, enc.length - 3), v.length, 7), 'string');
  });

  it('is what io.save picks for a magnitude-pruned int8 model, and io.load restores it', () => {
    const model = lp.sequential([lp.layers.dense({ units: 32, inputShape: [256] })]);
    // Columns of different sizes: one global magnitude threshold cuts each at its own int8 level.
    const rand = rng(3);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const w = Float32Array.from({ length: 256 * 32 }, (_, i) => normal() * (1 + (i % 32) / 4));
    const [kernel, bias] = [lp.tensor(w, [256, 32]), lp.zeros([32])];
    model.setWeights([kernel, bias]);
    lp.dispose([kernel, bias]);
    const pruning = lp.prune(model, { schedule: { type: 'constantSparsity', targetSparsity: 0.5, beginStep: 0 } });
    pruning.updateMasks();
    lp.stripPruning(model);
    const x = lp.randomUniform([8, 256], -1, 1, 'float32', 4);
    const q = lp.quantize(model, { mode: 'int8', calibrationData: x });
    const bytes = lp.io.save(q);
    const entry = lp.io.inspect(bytes).tensors.find((t) => t.name.endsWith('kernel'))!;
    assert.equal(entry.encoding, 'gapHuffman');
    const back = lp.io.load(bytes) as typeof q;
    const a = q.predict(x) as lp.Tensor, b = back.predict(x) as lp.Tensor;
    assert.deepEqual(b.dataSync(), a.dataSync());
    lp.dispose([x, a, b]);
    for (const m of [model, q, back]) m.dispose();
  });
});

describe('base64 float32 scales', () => {
  it('round-trip exactly for every count mod 3, and the header stores them so', () => {
    const rand = rng(9);
    for (const n of [1, 2, 3, 4, 5, 6, ...AWKWARD]) {
      const values = Array.from({ length: n }, () => Math.fround(rand() * 10 ** (-6 + 8 * rand())));
      assert.deepEqual(decodeBase64F32(encodeBase64F32(values), n), values, `${n} values`);
    }
  });

  it('reports wrong lengths, bad characters and misplaced padding', () => {
    const text = encodeBase64F32([1.5, 2.5]); // 8 bytes: 12 characters, one '='
    assert.match(decodeBase64F32(text, 3) as string, /has 16 characters, got 12/);
    assert.match(decodeBase64F32(text.slice(0, 4) + '*' + text.slice(5), 2) as string, /not base64 at character 4/);
    assert.match(decodeBase64F32(text.slice(0, 11) + 'A', 2) as string, /expected '=' padding at character 11/);
    const three = encodeBase64F32([1, 2, 3]); // 12 bytes: no padding
    assert.match(decodeBase64F32(three.slice(0, 15) + '=', 3) as string, /not base64 at character 15/);
  });
});
