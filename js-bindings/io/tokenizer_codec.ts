// How lp.io stores a text model's Tokenizer without the core entry carrying the text code:
// data/text.ts registers its class here when it is imported (the full entry, lepton-wasm, does).
import type { Tokenizer } from '../data/text.js';

let tokenizer: typeof Tokenizer | null = null;

export function registerTokenizerClass(cls: typeof Tokenizer): void {
  tokenizer = cls;
}

/** The Tokenizer class, for op (an io function) that meets one in its input or in a file. */
export function tokenizerClass(op: string): typeof Tokenizer {
  if (tokenizer === null) {
    throw new Error(`${op}: tokenizers (lp.data.Tokenizer) are in the full entry: import 'lepton-wasm', not 'lepton-wasm/core'`);
  }
  return tokenizer;
}
