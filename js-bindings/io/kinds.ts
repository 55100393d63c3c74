// Model kinds: how io.save and io.load handle each kind of model. 'layers' (LayersModel) is
// built in; other modules (quantized models, ...) register theirs. io.save asks the kinds,
// latest registered first, which one matches the model; io.load dispatches on the header's kind.
import type { SavedTensor } from './types.js';
import type { Tokenizer } from '../data/text.js';

export interface SaveOptions {
  /** Also store the compile config and the optimizer's state (LayersModel), so training resumes. */
  includeOptimizer?: boolean;
  /** Store tensors with many zeros sparse when that is smaller (default true). */
  sparse?: boolean;
  /** Store one-byte tensors (int8 weights) Huffman-coded when that is smaller (default true). */
  huffman?: boolean;
  /** A Tokenizer stored in the file's header with the model; io.load(bytes, {withTokenizer: true}) gives it back. */
  tokenizer?: Tokenizer;
}

export interface ModelKind<M = unknown> {
  /** The JSON config and the tensors that recreate the model. */
  save(model: M, opts: SaveOptions): { config: unknown; tensors: SavedTensor[] };
  /** The model from a checked file: config (untrusted JSON) and its tensors (dense bytes). */
  load(config: unknown, tensors: SavedTensor[]): M;
  /** Whether this kind saves `model`. */
  matches(model: unknown): boolean;
}

const kinds = new Map<string, ModelKind>();

/** Registers (or replaces) a model kind under a name stored in the file's header. */
export function registerModelKind<M>(kind: string, impl: ModelKind<M>): void {
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > 64) throw new Error('io.registerModelKind: kind must be a string of 1 to 64 characters');
  if (impl === null || typeof impl !== 'object' || ['save', 'load', 'matches'].some((f) => typeof (impl as unknown as Record<string, unknown>)[f] !== 'function')) {
    throw new Error(`io.registerModelKind: '${kind}' needs save, load and matches functions`);
  }
  kinds.delete(kind); // re-registering moves it to the front of the search
  kinds.set(kind, impl as ModelKind);
}

/** The kind that saves model (latest registered first), or undefined. */
export function kindFor(model: unknown): [string, ModelKind] | undefined {
  return [...kinds].reverse().find(([, k]) => k.matches(model));
}

export function kindNamed(kind: string): ModelKind | undefined {
  return kinds.get(kind);
}

export function kindNames(): string[] {
  return [...kinds.keys()];
}
