// A Tokenizer's options (data/text.ts), checked the same way whether they come from user code or
// from a file (data/tokenizer_json.ts), with Keras's defaults filled in.

/** Keras's default filters: punctuation, tab and newline. */
export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

export interface TokenizerArgs {
  /** Ids below numWords are emitted (the numWords − 1 most frequent tokens, the OOV token among them). Default: all. */
  numWords?: number | null;
  /** Characters replaced by `split` before splitting words (default DEFAULT_FILTERS). */
  filters?: string;
  /** Lower-case texts first (default true). */
  lower?: boolean;
  /** Word separator (default ' '). */
  split?: string;
  /** One token per character instead of per word (default false). */
  charLevel?: boolean;
  /** Token that stands for tokens not in the vocabulary (id 1); default none (they are dropped). */
  oovToken?: string | null;
}

export type TokenizerConfig = Required<TokenizerArgs>;

/** Checks args (plain values from user code or a file) and fills in the defaults. */
export function tokenizerConfig(op: string, args: unknown): TokenizerConfig {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new Error(`${op}: options must be an object`);
  const a = args as TokenizerArgs;
  const numWords = a.numWords ?? null;
  if (numWords !== null && (!Number.isSafeInteger(numWords) || numWords < 1)) {
    throw new Error(`${op}: numWords must be a positive integer or null, got ${String(numWords)}`);
  }
  const text = (name: string, v: unknown, fallback: string, min: number): string => {
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.length < min || v.length > 4096) throw new Error(`${op}: ${name} must be a string of ${min} to 4096 characters`);
    return v;
  };
  const flag = (name: string, v: unknown, fallback: boolean): boolean => {
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${typeof v}`);
    return v;
  };
  const oovToken = a.oovToken ?? null;
  if (oovToken !== null && (typeof oovToken !== 'string' || oovToken.length === 0 || oovToken.length > 4096)) {
    throw new Error(`${op}: oovToken must be a non-empty string or null`);
  }
  return { numWords, filters: text('filters', a.filters, DEFAULT_FILTERS, 0), lower: flag('lower', a.lower, true),
    split: text('split', a.split, ' ', 1), charLevel: flag('charLevel', a.charLevel, false), oovToken };
}
