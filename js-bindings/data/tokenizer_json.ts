// The JSON form of a Tokenizer (toJSON / fromJSON; io.save stores it in a model file's header).
//
//   { "format": "lepton-tokenizer", "version": 1,
//     "config": {numWords, filters, lower, split, charLevel, oovToken},
//     "documentCount": 3,
//     "words":  ["the", "cat", ...],     tokens in id order (the OOV token is not listed: it is id 1)
//     "counts": [7, 3, ...] }            their counts, never increasing
//
// Ids are implied by the order, so a file cannot give two tokens one id or leave gaps. fromJSON
// treats its input as untrusted: every field's type and range, unique non-empty words, counts that
// are positive integers in non-increasing order, and size limits, each failure a clear Error.
import { tokenizerConfig, type TokenizerConfig } from './tokenizer_config.js';
import type { Tokenizer } from './text.js';

export const TOKENIZER_FORMAT = 'lepton-tokenizer';
export const TOKENIZER_VERSION = 1;
/** Largest vocabulary and token accepted from JSON (a file's header is at most 64 MiB anyway). */
export const TOKENIZER_LIMITS = { words: 4_000_000, wordLength: 4096, jsonChars: 64 * 1024 * 1024 } as const;

export interface TokenizerJSON {
  format: typeof TOKENIZER_FORMAT;
  version: number;
  config: TokenizerConfig;
  documentCount: number;
  words: string[];
  counts: number[];
}

export function tokenizerToJSON(t: Tokenizer): TokenizerJSON {
  const oov = t.config.oovToken;
  const words = [...t.wordIndex.keys()].filter((w) => w !== oov);
  return { format: TOKENIZER_FORMAT, version: TOKENIZER_VERSION, config: { ...t.config }, documentCount: t.documentCount,
    words, counts: words.map((w) => t.wordCounts.get(w)!) };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The checked parts of a tokenizer's JSON (an object, or JSON text of one). */
export function tokenizerFromJSON(input: unknown): { config: TokenizerConfig; documentCount: number; counts: [string, number][] } {
  const op = 'Tokenizer.fromJSON';
  let json = input;
  if (typeof input === 'string') {
    if (input.length > TOKENIZER_LIMITS.jsonChars) throw new Error(`${op}: the JSON text is longer than ${TOKENIZER_LIMITS.jsonChars} characters`);
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new Error(`${op}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(json)) throw new Error(`${op}: expected a tokenizer object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  if (json.format !== TOKENIZER_FORMAT) throw new Error(`${op}: format must be '${TOKENIZER_FORMAT}', got ${JSON.stringify(json.format)?.slice(0, 60)}`);
  if (json.version !== TOKENIZER_VERSION) throw new Error(`${op}: unsupported version ${JSON.stringify(json.version)?.slice(0, 20)} (this reader knows ${TOKENIZER_VERSION})`);
  const config = tokenizerConfig(op, json.config);
  const { documentCount, words, counts } = json;
  if (!Number.isSafeInteger(documentCount) || (documentCount as number) < 0) {
    throw new Error(`${op}: documentCount must be a non-negative integer, got ${JSON.stringify(documentCount)?.slice(0, 20)}`);
  }
  if (!Array.isArray(words) || !Array.isArray(counts)) throw new Error(`${op}: words and counts must be arrays`);
  if (words.length > TOKENIZER_LIMITS.words) throw new Error(`${op}: ${words.length} words is more than the limit ${TOKENIZER_LIMITS.words}`);
  if (counts.length !== words.length) throw new Error(`${op}: ${words.length} words but ${counts.length} counts`);
  const seen = new Set<string>();
  const pairs: [string, number][] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i], c = counts[i];
    if (typeof w !== 'string' || w.length === 0 || w.length > TOKENIZER_LIMITS.wordLength) {
      throw new Error(`${op}: words[${i}] must be a string of 1 to ${TOKENIZER_LIMITS.wordLength} characters`);
    }
    if (w === config.oovToken) throw new Error(`${op}: words[${i}] is the OOV token, which is implied (id 1) and must not be listed`);
    if (seen.has(w)) throw new Error(`${op}: words[${i}] ${JSON.stringify(w.slice(0, 40))} appears twice`);
    seen.add(w);
    if (!Number.isSafeInteger(c) || c < 1) throw new Error(`${op}: counts[${i}] must be a positive integer, got ${JSON.stringify(c)?.slice(0, 20)}`);
    if (i > 0 && c > counts[i - 1]) throw new Error(`${op}: counts must not increase (counts[${i}] = ${c} > counts[${i - 1}] = ${counts[i - 1]})`);
    pairs.push([w, c]);
  }
  return { config, documentCount: documentCount as number, counts: pairs };
}
