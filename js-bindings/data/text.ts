// lp.data.Tokenizer: Keras's text Tokenizer (keras.preprocessing.text) with camelCase names.
// Texts become lists of token ids and back; the ids feed an Embedding layer.
//
//   ids    0          1 (with oovToken)   next ids ...
//          padding    the OOV token       tokens by count, most frequent first
//
// Rules (as in Keras):
// - word level: lower-case (lower), replace every character of `filters` by `split`, split on
//   `split`, drop empty pieces. Character level (charLevel): every code point is a token
//   (lower-cased when lower; filters do not apply, as in Keras).
// - fitOnTexts counts tokens (it may be called again to add texts); wordIndex orders them by count,
//   ties by first appearance, so the same texts in the same order give the same ids everywhere.
// - numWords caps the ids that textsToSequences emits: ids >= numWords become the OOV id when
//   there is an oovToken and are dropped otherwise (wordIndex itself keeps every token, as Keras).
// Differences from Keras: sequencesToTexts joins character-level tokens with '' (Keras uses ' '),
// and the OOV token is never counted as a token of the texts, so its id stays 1.
// Serialisation (toJSON / fromJSON, also what io.save stores) is in tokenizer_json.ts.
import { tokenizerFromJSON, tokenizerToJSON, type TokenizerJSON } from './tokenizer_json.js';
import { tokenizerConfig, type TokenizerArgs, type TokenizerConfig } from './tokenizer_config.js';
import { registerTokenizerClass } from '../io/tokenizer_codec.js';

export { DEFAULT_FILTERS, type TokenizerArgs, type TokenizerConfig } from './tokenizer_config.js';

/** texts must be a list of strings. */
function checkTexts(op: string, texts: unknown): asserts texts is string[] {
  if (!Array.isArray(texts)) throw new Error(`${op}: texts must be an array of strings, got ${texts === null ? 'null' : typeof texts}`);
  const bad = texts.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) throw new Error(`${op}: texts[${bad}] is ${texts[bad] === null ? 'null' : typeof texts[bad]}, not a string`);
}

export class Tokenizer {
  readonly config: Readonly<TokenizerConfig>;
  /** Documents seen by fitOnTexts. */
  documentCount = 0;
  /** Occurrences of each token, in order of first appearance. */
  readonly wordCounts = new Map<string, number>();
  /** Token → id (1-based; the OOV token, if any, is 1). */
  wordIndex = new Map<string, number>();
  /** Id → token. */
  indexWord = new Map<number, string>();
  /** Matches any one character of filters (null when there are none). */
  private readonly filterPattern: RegExp | null;

  constructor(args: TokenizerArgs = {}) {
    this.config = Object.freeze(tokenizerConfig('Tokenizer', args)); // the filter pattern and ids depend on it
    // One character class over code points ('u'); only \ ] [ ^ - need escaping inside it.
    const filters = this.config.filters;
    this.filterPattern = filters.length === 0 ? null : new RegExp(`[${filters.replace(/[\\\]\[^-]/g, '\\$&')}]`, 'gu');
    this.reindex();
  }

  /** Ids that textsToSequences can emit are 0..vocabularySize − 1: the inputDim of an Embedding. */
  get vocabularySize(): number {
    const all = this.wordIndex.size + 1;
    // The OOV id 1 is emitted even when numWords is 1 (as Keras does).
    const cap = Math.max(this.config.numWords ?? all, this.config.oovToken === null ? 1 : 2);
    return Math.min(all, cap);
  }

  /** The tokens of one text (word or character level, per the config). */
  tokenize(text: string): string[] {
    const { lower, charLevel, split } = this.config;
    const t = lower ? text.toLowerCase() : text;
    if (charLevel) return [...t];
    const replaced = this.filterPattern === null ? t : t.replace(this.filterPattern, split);
    return replaced.split(split).filter((w) => w.length > 0);
  }

  /** Counts the tokens of texts and rebuilds wordIndex (adds to what earlier calls counted). */
  fitOnTexts(texts: string[]): void {
    checkTexts('Tokenizer.fitOnTexts', texts);
    const oov = this.config.oovToken;
    for (const text of texts) {
      this.documentCount++;
      for (const w of this.tokenize(text)) {
        if (w !== oov) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      }
    }
    this.reindex();
  }

  /** wordIndex and indexWord from wordCounts: count descending, ties by first appearance (stable sort). */
  private reindex(): void {
    const order = [...this.wordCounts].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    if (this.config.oovToken !== null) order.unshift(this.config.oovToken);
    this.wordIndex = new Map(order.map((w, i) => [w, i + 1]));
    this.indexWord = new Map(order.map((w, i) => [i + 1, w]));
  }

  /** Each text as a list of ids (no padding; see padSequences). */
  textsToSequences(texts: string[]): number[][] {
    checkTexts('Tokenizer.textsToSequences', texts);
    const cap = this.config.numWords ?? Infinity;
    const oovId = this.config.oovToken === null ? undefined : this.wordIndex.get(this.config.oovToken);
    return texts.map((text) => {
      const ids: number[] = [];
      for (const w of this.tokenize(text)) {
        const id = this.wordIndex.get(w);
        if (id !== undefined && id < cap) ids.push(id);
        else if (oovId !== undefined) ids.push(oovId);
      }
      return ids;
    });
  }

  /** Texts from id lists: 0 (padding) is skipped; unknown or capped ids become the OOV token, or are skipped without one. */
  sequencesToTexts(sequences: ArrayLike<number>[]): string[] {
    const op = 'Tokenizer.sequencesToTexts';
    if (!Array.isArray(sequences)) throw new Error(`${op}: sequences must be an array of id lists`);
    const cap = this.config.numWords ?? Infinity;
    const oov = this.config.oovToken;
    return sequences.map((seq, i) => {
      if (seq === null || typeof seq !== 'object' || typeof seq.length !== 'number') throw new Error(`${op}: sequences[${i}] is not a list of ids`);
      const words: string[] = [];
      for (let j = 0; j < seq.length; j++) {
        const id = seq[j];
        if (!Number.isInteger(id)) throw new Error(`${op}: sequences[${i}][${j}] is ${String(id)}, not an integer id`);
        if (id === 0) continue;
        const w = id < cap ? this.indexWord.get(id) : undefined;
        if (w !== undefined) words.push(w);
        else if (oov !== null) words.push(oov);
      }
      return words.join(this.config.charLevel ? '' : ' ');
    });
  }

  /**
   * A copy holding only the tokens that textsToSequences can emit (ids below numWords): the same
   * sequences and texts, a smaller JSON (what a model file needs). Without numWords, a plain copy.
   */
  capped(): Tokenizer {
    const json = this.toJSON();
    const keep = Math.max(0, this.vocabularySize - 1 - (this.config.oovToken === null ? 0 : 1));
    return Tokenizer.fromJSON({ ...json, words: json.words.slice(0, keep), counts: json.counts.slice(0, keep) });
  }

  /** A plain JSON object (config, vocabulary and counts); Tokenizer.fromJSON reads it back. */
  toJSON(): TokenizerJSON {
    return tokenizerToJSON(this);
  }

  /** The tokenizer from toJSON()'s object (or its JSON text); untrusted input is checked, with a clear Error. */
  static fromJSON(json: unknown): Tokenizer {
    const { config, documentCount, counts } = tokenizerFromJSON(json);
    const t = new Tokenizer(config);
    t.documentCount = documentCount;
    for (const [w, c] of counts) t.wordCounts.set(w, c);
    t.reindex();
    return t;
  }
}
// lp.io saves and loads tokenizers through this registration (the core entry has no Tokenizer).
registerTokenizerClass(Tokenizer);
