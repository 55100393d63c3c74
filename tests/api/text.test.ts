// lp.data.Tokenizer and the sequence helpers: word and character level, lower-casing, filters,
// the numWords cap with and without an OOV token, ties in counts, padding and truncation at either
// end, round trips through toJSON/fromJSON and through a model file (io.save {tokenizer}), and
// bad input (malformed JSON from a file, ragged sequences, bad options), each a clear Error; and
// seeded mutations of a saved tokenizer; the padding mask through add/multiply (word + position
// embeddings).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';
import { expectError, noLeak } from '../helpers/api.js';
import { randInt, rng } from '../helpers/rng.js';

before(() => lp.ready());

const texts = ['The cat sat on the mat.', 'The dog ate the cat!', 'A bird?'];

/** The values and shape of a tensor made by fn, which is then freed. */
function valuesOf(fn: () => lp.Tensor): { shape: number[]; values: number[]; dtype: string } {
  let out: { shape: number[]; values: number[]; dtype: string } | undefined;
  noLeak(() => lp.tidy(() => {
    const t = fn();
    out = { shape: [...t.shape], values: [...t.dataSync()], dtype: t.dtype };
  }));
  return out!;
}

describe('Tokenizer: word level', () => {
  it('lower-cases, strips the default filters, and orders ids by count then first appearance', () => {
    const t = new lp.data.Tokenizer();
    t.fitOnTexts(texts);
    assert.equal(t.documentCount, 3);
    // the: 4, cat: 2, then count-1 words in order of first appearance.
    assert.deepEqual([...t.wordIndex], [['the', 1], ['cat', 2], ['sat', 3], ['on', 4], ['mat', 5], ['dog', 6], ['ate', 7], ['a', 8], ['bird', 9]]);
    assert.deepEqual([...t.indexWord].map(([i, w]) => [w, i]), [...t.wordIndex]);
    assert.equal(t.wordCounts.get('the'), 4);
    assert.deepEqual(t.textsToSequences(['the CAT, the bird; a fish']), [[1, 2, 1, 9, 8]]); // 'fish' is unknown: dropped
    assert.equal(t.vocabularySize, 10);
  });

  it('keeps case and punctuation when told to, and splits on another separator', () => {
    const t = new lp.data.Tokenizer({ lower: false, filters: '', split: '|' });
    t.fitOnTexts(['Hi!|hi||x']);
    assert.deepEqual([...t.wordIndex.keys()], ['Hi!', 'hi', 'x']);
  });

  it('filters are taken character by character, special characters and emoji included', () => {
    const t = new lp.data.Tokenizer({ filters: 'a-^]\\[😀', lower: false });
    assert.deepEqual(t.tokenize('ba-c^d]e\\f[g😀h b.c'), ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'b.c']);
    const rand = rng(3);
    const alphabet = [...'ab -.,!?\\]^[\n\tZé😀'];
    for (let trial = 0; trial < 50; trial++) {
      const text = Array.from({ length: randInt(rand, 0, 30) }, () => alphabet[randInt(rand, 0, alphabet.length - 1)]).join('');
      let replaced = '';
      for (const c of text.toLowerCase()) replaced += lp.data.DEFAULT_FILTERS.includes(c) ? ' ' : c;
      assert.deepEqual(new lp.data.Tokenizer().tokenize(text), replaced.split(' ').filter((w) => w !== ''), JSON.stringify(text));
    }
  });

  it('numWords caps the ids; an OOV token (id 1) stands for the rest', () => {
    const plain = new lp.data.Tokenizer({ numWords: 3 });
    plain.fitOnTexts(texts);
    assert.deepEqual(plain.textsToSequences(['the cat sat']), [[1, 2]]); // 'sat' (id 3) is not below numWords
    assert.equal(plain.vocabularySize, 3);
    const oov = new lp.data.Tokenizer({ numWords: 4, oovToken: '<unk>' });
    oov.fitOnTexts([...texts, 'the <unk> token in a text is not counted']);
    assert.equal(oov.wordIndex.get('<unk>'), 1);
    assert.equal(oov.wordIndex.get('the'), 2);
    assert.deepEqual(oov.textsToSequences(['the cat sat zebra']), [[2, 3, 1, 1]]);
    assert.deepEqual(oov.sequencesToTexts([[0, 0, 2, 3, 1, 9, 999]]), ['the cat <unk> <unk> <unk>']);
    assert.deepEqual(plain.sequencesToTexts([[0, 1, 2, 3, 999]]), ['the cat']);
  });

  it('ties are broken by first appearance, the same for every fit order of the same texts', () => {
    const a = new lp.data.Tokenizer();
    a.fitOnTexts(['b a', 'c']);
    assert.deepEqual([...a.wordIndex.keys()], ['b', 'a', 'c']);
    const b = new lp.data.Tokenizer();
    b.fitOnTexts(['b a']);
    b.fitOnTexts(['c']); // a second fit adds counts
    assert.deepEqual([...b.wordIndex], [...a.wordIndex]);
    b.fitOnTexts(['c c']);
    assert.deepEqual([...b.wordIndex.keys()], ['c', 'b', 'a']);
  });
});

describe('Tokenizer: character level', () => {
  it('one id per code point (filters do not apply), joined back without spaces', () => {
    const t = new lp.data.Tokenizer({ charLevel: true });
    t.fitOnTexts(['Anna', 'Zoë!']);
    assert.deepEqual([...t.wordIndex], [['a', 1], ['n', 2], ['z', 3], ['o', 4], ['ë', 5], ['!', 6]]);
    const seqs = t.textsToSequences(['Zoë', 'nan']);
    assert.deepEqual(seqs, [[3, 4, 5], [2, 1, 2]]);
    assert.deepEqual(t.sequencesToTexts(seqs), ['zoë', 'nan']);
  });
});

describe('padSequences and sequencesToTensor', () => {
  const seqs = [[1, 2, 3, 4], [5], [6, 7]];
  it("pads and truncates at the start by default (Keras's defaults), to the longest by default", () => {
    assert.deepEqual(valuesOf(() => lp.data.padSequences(seqs)), { shape: [3, 4], dtype: 'int32', values: [1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 6, 7] });
    assert.deepEqual(valuesOf(() => lp.data.padSequences(seqs, { maxLen: 2 })).values, [3, 4, 0, 5, 6, 7]);
  });
  it("'post' padding and truncation, a padding value, float32", () => {
    assert.deepEqual(valuesOf(() => lp.data.padSequences(seqs, { maxLen: 3, padding: 'post', truncating: 'post', value: 9 })).values,
      [1, 2, 3, 5, 9, 9, 6, 7, 9]);
    assert.deepEqual(valuesOf(() => lp.data.padSequences(seqs, { maxLen: 3, padding: 'post' })).values, [2, 3, 4, 5, 0, 0, 6, 7, 0]);
    const f = valuesOf(() => lp.data.padSequences([[0.5], [1.5, 2]], { dtype: 'float32', value: -1 }));
    assert.deepEqual(f, { shape: [2, 2], dtype: 'float32', values: [-1, 0.5, 1.5, 2] });
  });
  it('matches a plain reference on random lists', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const lists = Array.from({ length: randInt(rand, 1, 5) }, () => Array.from({ length: randInt(rand, 0, 9) }, () => randInt(rand, 1, 50)));
      const maxLen = randInt(rand, 1, 8);
      const padding = rand() < 0.5 ? 'pre' : 'post', truncating = rand() < 0.5 ? 'pre' : 'post';
      const want = lists.flatMap((l) => {
        const kept = l.length <= maxLen ? l : truncating === 'pre' ? l.slice(l.length - maxLen) : l.slice(0, maxLen);
        const pad = new Array<number>(maxLen - kept.length).fill(0);
        return padding === 'pre' ? [...pad, ...kept] : [...kept, ...pad];
      });
      assert.deepEqual(valuesOf(() => lp.data.padSequences(lists, { maxLen, padding, truncating })).values, want);
    }
  });
  it('sequencesToTensor stacks lists of one length and refuses ragged ones', () => {
    assert.deepEqual(valuesOf(() => lp.data.sequencesToTensor([[1, 2], [3, 4]])), { shape: [2, 2], dtype: 'int32', values: [1, 2, 3, 4] });
    expectError(() => lp.data.sequencesToTensor([[1, 2], [3]]), 'sequencesToTensor', /unequal lengths.*sequences\[1\] has 1.*padSequences/);
  });
  it('bad input: a clear Error naming the function, nothing allocated', () => {
    expectError(() => lp.data.padSequences([]), 'padSequences', /empty/);
    expectError(() => lp.data.padSequences([[], []]), 'padSequences', /maxLen/);
    expectError(() => lp.data.padSequences([[1, 2.5]]), 'padSequences', /sequences\[0\]\[1\] is 2.5, not an int32/);
    expectError(() => lp.data.padSequences([[1], null as unknown as number[]]), 'padSequences', /sequences\[1\]/);
    expectError(() => lp.data.padSequences([[1]], { maxLen: 0 }), 'padSequences', /maxLen/);
    expectError(() => lp.data.padSequences([[1]], { padding: 'middle' as 'pre' }), 'padSequences', /padding/);
    expectError(() => lp.data.padSequences([[1]], { truncating: 'x' as 'pre' }), 'padSequences', /truncating/);
    expectError(() => lp.data.padSequences([[1]], { dtype: 'bool' as 'int32' }), 'padSequences', /dtype/);
    expectError(() => lp.data.sequencesToTensor([[NaN]], 'float32'), 'sequencesToTensor', /finite/);
  });
});

describe('Tokenizer: JSON and model files', () => {
  function fitted(args: lp.data.TokenizerArgs = {}): lp.data.Tokenizer {
    const t = new lp.data.Tokenizer(args);
    t.fitOnTexts(texts);
    return t;
  }
  const same = (a: lp.data.Tokenizer, b: lp.data.Tokenizer) => {
    assert.deepEqual(b.config, a.config);
    assert.deepEqual([...b.wordIndex], [...a.wordIndex]);
    assert.deepEqual([...b.wordCounts].sort(), [...a.wordCounts].sort());
    assert.equal(b.documentCount, a.documentCount);
    const probe = ['the cat and a zebra', 'ë?'];
    assert.deepEqual(b.textsToSequences(probe), a.textsToSequences(probe));
  };

  it('toJSON / fromJSON round trip (object and JSON text), word and char level, with and without OOV', () => {
    for (const args of [{}, { numWords: 5, oovToken: '<oov>' }, { charLevel: true, lower: false }] as lp.data.TokenizerArgs[]) {
      const t = fitted(args);
      same(t, lp.data.Tokenizer.fromJSON(t.toJSON()));
      same(t, lp.data.Tokenizer.fromJSON(JSON.stringify(t)));
    }
  });

  it('capped() keeps only the ids below numWords: the same sequences and texts from a smaller JSON', () => {
    const probe = ['the cat sat on a bird', 'zebra dog'];
    for (const args of [{ numWords: 4 }, { numWords: 4, oovToken: '<oov>' }, { numWords: 1, oovToken: '<oov>' }, {}] as lp.data.TokenizerArgs[]) {
      const t = fitted(args), c = t.capped();
      assert.deepEqual(c.textsToSequences(probe), t.textsToSequences(probe));
      assert.deepEqual(c.sequencesToTexts([[1, 2, 3, 4, 5, 9]]), t.sequencesToTexts([[1, 2, 3, 4, 5, 9]]));
      assert.equal(c.vocabularySize, t.vocabularySize);
      assert.ok(t.textsToSequences(probe).flat().every((id) => id > 0 && id < t.vocabularySize), 'every id below vocabularySize');
      assert.equal(c.wordIndex.size, args.numWords == null ? t.wordIndex.size : Math.max(args.numWords - 1, args.oovToken ? 1 : 0));
    }
  });

  it('fromJSON checks untrusted JSON: each problem a clear Error', () => {
    const good = fitted({ oovToken: '<oov>' }).toJSON();
    const bad: [unknown, RegExp][] = [
      ['{nope', /not valid JSON/],
      [null, /expected a tokenizer object/],
      [[], /an array/],
      [{ ...good, format: 'keras' }, /format/],
      [{ ...good, version: 2 }, /version/],
      [{ ...good, config: { ...good.config, numWords: -1 } }, /numWords/],
      [{ ...good, config: { ...good.config, lower: 'yes' } }, /lower must be a boolean/],
      [{ ...good, config: { ...good.config, split: '' } }, /split/],
      [{ ...good, config: null }, /options must be an object/],
      [{ ...good, documentCount: 1.5 }, /documentCount/],
      [{ ...good, words: 'the' }, /words and counts must be arrays/],
      [{ ...good, counts: good.counts.slice(1) }, /words but/],
      [{ ...good, words: ['the', 'the', ...good.words.slice(2)] }, /appears twice/],
      [{ ...good, words: ['', ...good.words.slice(1)] }, /words\[0\]/],
      [{ ...good, words: [7, ...good.words.slice(1)] }, /words\[0\]/],
      [{ ...good, words: ['<oov>', ...good.words.slice(1)] }, /OOV token/],
      [{ ...good, counts: [0, ...good.counts.slice(1)] }, /counts\[0\] must be a positive integer/],
      [{ ...good, counts: [...good.counts.slice(0, -1), 99] }, /must not increase/],
    ];
    for (const [json, message] of bad) {
      assert.throws(() => lp.data.Tokenizer.fromJSON(json), (e: unknown) => e instanceof Error && e.message.startsWith('Tokenizer.fromJSON') && message.test(e.message),
        `${JSON.stringify(json)?.slice(0, 80)} should fail with ${message}`);
    }
  });

  it('bad arguments and texts', () => {
    assert.throws(() => new lp.data.Tokenizer({ numWords: 0 }), /^Error: Tokenizer: numWords/);
    assert.throws(() => new lp.data.Tokenizer({ oovToken: '' }), /^Error: Tokenizer: oovToken/);
    assert.throws(() => new lp.data.Tokenizer().fitOnTexts(['a', 3 as unknown as string]), /^Error: Tokenizer.fitOnTexts: texts\[1\] is number/);
    assert.throws(() => new lp.data.Tokenizer().textsToSequences('abc' as unknown as string[]), /^Error: Tokenizer.textsToSequences: texts must be an array/);
    assert.throws(() => fitted().sequencesToTexts([[1, 0.5]]), /^Error: Tokenizer.sequencesToTexts: sequences\[0\]\[1\] is 0.5/);
  });

  /** Any model will do: the tokenizer is stored beside it. */
  function textModel(): lp.LayersModel {
    const model = lp.sequential();
    model.add(lp.layers.dense({ units: 2, inputShape: [4] }));
    return model;
  }

  it('travels in a model file: io.save(model, {tokenizer}) → io.load(bytes, {withTokenizer: true})', () => {
    const t = fitted({ numWords: 6, oovToken: '<oov>' });
    const model = textModel();
    const file = lp.io.save(model, { tokenizer: t });
    noLeak(() => {
      const { model: back, tokenizer } = lp.io.load(file, { withTokenizer: true });
      assert.ok(tokenizer instanceof lp.data.Tokenizer);
      same(t, tokenizer);
      assert.equal(back.layers.length, model.layers.length);
      back.dispose();
      same(t, lp.io.loadTokenizer(file)!);
      assert.deepEqual(lp.io.inspect(file).tokenizer, t.toJSON());
      const plain = lp.io.load(file); // without the option: the model alone, as before
      assert.ok(plain instanceof lp.LayersModel);
      plain.dispose();
    });
    const without = lp.io.save(model);
    assert.equal(lp.io.loadTokenizer(without), null);
    noLeak(() => {
      const r = lp.io.load(without, { withTokenizer: true });
      assert.equal(r.tokenizer, null);
      r.model.dispose();
    });
    model.dispose();
  });

  it('a text model and its tokenizer: the loaded pair gives the same predictions from raw text', () => {
    const t = fitted({ numWords: 8, oovToken: '<oov>' });
    const model = lp.sequential([
      lp.layers.embedding({ inputDim: t.vocabularySize, outputDim: 4, maskZero: true, inputShape: [6] }),
      lp.layers.globalAveragePooling1d(),
      lp.layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    const file = lp.io.save(model, { tokenizer: t.capped() });
    const probe = ['the cat sat on the mat', 'a bird ate the zebra', ''];
    const predict = (m: lp.LayersModel, tok: lp.data.Tokenizer) => lp.tidy(() =>
      [...(m.predict(lp.data.padSequences(tok.textsToSequences(probe), { maxLen: 6, padding: 'post' })) as lp.Tensor).dataSync()]);
    noLeak(() => {
      const { model: back, tokenizer } = lp.io.load(file, { withTokenizer: true });
      assert.deepEqual(predict(back, tokenizer!), predict(model, t));
      back.dispose();
    });
    model.dispose();
  });

  it('seeded mutations of a saved tokenizer: each file loads a working tokenizer or is refused with a clear Error', () => {
    const model = textModel();
    const good = fitted({ numWords: 6, oovToken: '<oov>' }).toJSON() as unknown as Record<string, unknown>;
    const values: unknown[] = [null, -1, 0, 1, 1.5, 2 ** 53, '', 'x', 'the', [], {}, true, ['a'], [3], { numWords: 2 }];
    const rand = rng(11);
    const pick = <T>(list: readonly T[]): T => list[randInt(rand, 0, list.length - 1)];
    let refused = 0;
    for (let trial = 0; trial < 200; trial++) {
      const json = structuredClone(good);
      const field = pick(['format', 'version', 'config', 'documentCount', 'words', 'counts', 'extra']);
      const target = json[field];
      if (field === 'config' && rand() < 0.8) (target as Record<string, unknown>)[pick(['numWords', 'filters', 'lower', 'split', 'charLevel', 'oovToken'])] = pick(values);
      else if (Array.isArray(target) && rand() < 0.8) target[randInt(rand, 0, target.length)] = pick(values);
      else json[field] = pick(values);
      const t = fitted();
      t.toJSON = () => json as unknown as lp.data.TokenizerJSON;
      const file = lp.io.save(model, { tokenizer: t });
      noLeak(() => {
        let loaded: lp.data.Tokenizer | null = null;
        try {
          loaded = lp.io.loadTokenizer(file);
        } catch (e) {
          assert.ok(e instanceof Error && e.message.startsWith("io.loadTokenizer: the file's tokenizer is malformed: Tokenizer.fromJSON: "), String(e));
          refused++;
          return;
        }
        assert.ok(loaded instanceof lp.data.Tokenizer);
        assert.ok(loaded.textsToSequences(['the cat sat']).every((ids) => ids.every((id) => id > 0 && id < loaded!.vocabularySize)));
      });
    }
    assert.ok(refused > 100, `most mutations are refused (${refused})`);
    model.dispose();
  });

  it('a model file with a malformed tokenizer is refused before any model is built', () => {
    const model = textModel();
    const t = fitted();
    const json = t.toJSON();
    t.toJSON = () => ({ ...json, counts: json.counts.map(() => -1) }); // what a tampered file would hold
    const file = lp.io.save(model, { tokenizer: t });
    expectError(() => lp.io.save(model, { tokenizer: {} as lp.data.Tokenizer }), 'io.save', /tokenizer must be an lp.data.Tokenizer/);
    model.dispose();
    expectError(() => lp.io.load(file), 'io.load', /tokenizer is malformed: Tokenizer.fromJSON: counts\[0\]/);
    expectError(() => lp.io.loadTokenizer(file), 'io.loadTokenizer', /tokenizer is malformed/);
  });
});

describe('masks through merge layers (word + position embeddings)', () => {
  it('add and multiply keep the padding mask: a step is real when every masked input says so', () => {
    noLeak(() => lp.tidy(() => {
      const add = lp.layers.add(), a = lp.zeros([2, 3, 4]), b = lp.zeros([2, 3, 4]);
      const m1 = lp.tensor([1, 1, 0, 1, 0, 0], [2, 3], 'bool'), m2 = lp.tensor([1, 0, 1, 1, 1, 0], [2, 3], 'bool');
      assert.equal(add.computeMask([a, b], null), null);
      assert.equal(add.computeMask([a, b], [null, null]), null);
      assert.deepEqual([...(add.computeMask([a, b], [m1, null]) as lp.Tensor).dataSync()], [1, 1, 0, 1, 0, 0]);
      const both = lp.layers.multiply().computeMask([a, b], [m1, m2]) as lp.Tensor;
      assert.equal(both.dtype, 'bool');
      assert.deepEqual([...both.dataSync()], [1, 0, 0, 1, 0, 0]);
    }));
  });
});
