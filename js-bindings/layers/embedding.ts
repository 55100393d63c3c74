// Embedding (tfjs-layers' name and config): a lookup of rows of `embeddings` [inputDim, outputDim]
// by token id, ids [...] → [..., outputDim], through lp.gather (its gradient is a scatter-add,
// assembly/autograd/scatter.ts). Ids may be int32, or float32 whole numbers (Keras casts them);
// every id is checked first by one kernel (assembly/kernels/embedding_ids.ts), and a bad one
// throws an Error naming it, its position and the vocabulary size before anything is looked up.
// maskZero: id 0 is padding; computeMask gives ids != 0 ([batch, time] bool) and id 0 still
// counts in inputDim, as in Keras.
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { gather } from '../ops/gather.js';
import { isTracked } from '../autograd.js';
import { notEqual } from '../ops/compare.js';
import { assertDtype, assertPositiveInt, fmt } from '../util.js';
import { Layer, singleShape, type InputMask, type CallKwargs, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from './regularizers.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

/** Status of the embedding_ids kernels for a bad id (STATUS_BAD_INDEX). */
const BAD_ID = -2;

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids lie in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerName | Initializer;
  embeddingsRegularizer?: 'l1' | 'l2' | 'l1l2' | Regularizer;
  /** Id 0 is padding: the layer makes a mask (ids != 0) for the layers after it. */
  maskZero?: boolean;
  /** Length of the id sequences (a number or a list for rank > 2 ids), when inputShape is not given. */
  inputLength?: number | number[];
}

/** [d0, d1, ...] position of flat index i in shape. */
function position(i: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return at;
}

/**
 * The rows of `table` [vocabulary, dim] for ids (int32, or float32 whole numbers as Keras feeds
 * them), every id checked to lie in the vocabulary first: an Error naming the first bad one,
 * before anything is written. Shared by the layers that look tokens up.
 */
export function embeddingLookup(op: string, table: Variable, x: Tensor): Tensor {
  const ids = checkedIds(op, x, table.shape[0]);
  try {
    return gather(table, ids);
  } finally {
    // A recorded gather keeps the ids for its gradient (the gradient function's scope frees them).
    if (ids !== x && !isTracked(table)) ids.dispose();
  }
}

/** The ids as int32, every one checked to lie in [0, vocabulary). */
function checkedIds(op: string, x: Tensor, vocabulary: number): Tensor {
  assertDtype(op, 'ids', x, 'int32', 'float32');
  const ids = x.dtype === 'int32' ? x : allocTensor(op, x.shape, 'int32');
  let err = 0;
  callKernel(op, ids === x ? [] : [ids], (scratch) => {
    err = scratch(8);
    return x.dtype === 'int32' ? engine.k.embedding_ids_check_i32(x.ptr, err, x.size, vocabulary)
      : engine.k.embedding_ids_f32(ids.ptr, x.ptr, err, x.size, vocabulary);
  }, (status) => {
    if (status !== BAD_ID) return undefined;
    const [at, bits] = engine.i32(err, 2);
    const value = x.dtype === 'int32' ? bits : new Float32Array(Int32Array.of(bits).buffer)[0];
    return `${op}: id ${value} at position [${position(at, x.shape)}] of ids ${fmt(x.shape)} is not ` +
      `${x.dtype === 'float32' ? 'a whole number ' : ''}in [0, ${vocabulary}) (the vocabulary size is ${vocabulary})`;
  });
  return ids;
}

export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: number | number[] | undefined;
  /** What a model's input layer must accept: int32 ids (float32 ones are always accepted). */
  readonly inputDtype = 'int32' as const;
  private embeddingsInit: Initializer;
  private embeddingsReg: Regularizer | null;
  embeddings: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    const length = args?.inputLength ?? undefined; // null (as Keras configs may write it) means none
    if (length !== undefined && !(Number.isInteger(length) && (length as number) > 0) &&
        !(Array.isArray(length) && length.length > 0 && length.every((d) => Number.isInteger(d) && d > 0))) {
      throw new Error(`Embedding: inputLength must be a positive integer or a list of them, got ${JSON.stringify(length)}`);
    }
    const withLength = length !== undefined && args.inputShape === undefined && args.batchInputShape === undefined
      ? { ...args, inputShape: Array.isArray(length) ? length : [length] } : args;
    super('Embedding', withLength);
    assertPositiveInt('Embedding', 'inputDim', args.inputDim);
    assertPositiveInt('Embedding', 'outputDim', args.outputDim);
    if (args.maskZero !== undefined && typeof args.maskZero !== 'boolean') {
      throw new Error(`Embedding: maskZero must be a boolean, got ${JSON.stringify(args.maskZero)}`);
    }
    if (args.inputDim > 2 ** 24) {
      throw new Error(`Embedding: inputDim ${args.inputDim} is above 2^24, where float32 ids stop being exact`);
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.maskZero = args.maskZero ?? false;
    this.inputLength = length;
    this.embeddingsInit = getInitializer('Embedding', 'embeddingsInitializer', args.embeddingsInitializer, 'randomUniform');
    this.embeddingsReg = getRegularizer('Embedding', 'embeddingsRegularizer', args.embeddingsRegularizer);
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, []);
    if (s.length < 1) throw new Error(`${this.name} (Embedding): expects ids with a batch dimension, got shape [${s}]`);
    return [...s, this.outputDim];
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInit, this.embeddingsReg);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return embeddingLookup(`${this.name} (Embedding)`, this.embeddings!, inputs as Tensor);
  }

  override computeMask(inputs: Tensor | Tensor[], _mask: InputMask): Tensor | null {
    return this.maskZero ? notEqual(inputs as Tensor, 0) : null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim,
      embeddingsInitializer: this.embeddingsInit.className, embeddingsRegularizer: serializeRegularizer(this.embeddingsReg),
      maskZero: this.maskZero, ...(this.inputLength !== undefined ? { inputLength: this.inputLength } : {}) };
  }
}
