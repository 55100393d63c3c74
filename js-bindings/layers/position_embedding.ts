// keras-hub's position embeddings:
//   positionEmbedding: a learned [sequenceLength, features] table. As keras-hub, it returns the
//     position embeddings of the input's first `steps` positions broadcast to the input's shape
//     (it does not add them: write add(x, positionEmbedding.apply(x))). The input mask passes on.
//   tokenAndPositionEmbedding: token ids [batch, steps] (int32, or float32 holding integers) →
//     token embedding + position embedding [batch, steps, embeddingDim]; maskZero makes the mask
//     ids != 0 (Keras's Embedding mask). Weights in keras-hub's order: the token table
//     [vocabularySize, embeddingDim], then the position table [sequenceLength, embeddingDim].
//     The lookup is the Embedding layer's (ids checked against the vocabulary; lp.gather, whose gradient scatters into the used rows).
import { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { add } from '../ops/binary.js';
import { slice, broadcastTo } from '../ops/layout.js';
import { notEqual } from '../ops/compare.js';
import { embeddingLookup } from './embedding.js';
import { assertPositiveInt } from '../util.js';
import { Layer, singleShape, type InputMask, type LayerArgs, type SymbolicShape } from './layer.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';

type InitArg = InitializerName | Initializer;

export interface PositionEmbeddingArgs extends LayerArgs {
  /** The longest sequence the table covers. */
  sequenceLength: number;
  initializer?: InitArg;
}

export class PositionEmbedding extends Layer {
  readonly sequenceLength: number;
  private init: Initializer;
  embeddings: Variable | null = null;

  constructor(args: PositionEmbeddingArgs) {
    super('PositionEmbedding', args);
    assertPositiveInt('PositionEmbedding', 'sequenceLength', args?.sequenceLength);
    this.sequenceLength = args.sequenceLength;
    this.init = getInitializer('PositionEmbedding', 'initializer', args.initializer, 'glorotUniform');
    this.supportsMasking = true;
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, [3]);
    const show = `[${s.map((d) => d ?? 'null')}]`;
    if (s[1]! > this.sequenceLength) {
      throw new Error(`${this.name} (PositionEmbedding): input ${show} has ${s[1]} steps, more than sequenceLength ${this.sequenceLength}`);
    }
    if (this.embeddings !== null && s[2] !== this.embeddings.shape[1]) {
      throw new Error(`${this.name} (PositionEmbedding): expects ${this.embeddings.shape[1]} features, got ${show}`);
    }
    return s;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const s = singleShape(this, inputShape, [3]);
    this.embeddings = this.addWeight('embeddings', [this.sequenceLength, s[2]!], this.init);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [, steps, d] = x.shape;
    return broadcastTo(slice(this.embeddings!, [0, 0], [steps, d]), x.shape);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), sequenceLength: this.sequenceLength, initializer: this.init.className };
  }
}

export interface TokenAndPositionEmbeddingArgs extends LayerArgs {
  vocabularySize: number;
  sequenceLength: number;
  embeddingDim: number;
  maskZero?: boolean;
  /** Both tables' initializer (keras-hub: uniform in ±0.05). */
  embeddingsInitializer?: InitArg;
}

export class TokenAndPositionEmbedding extends Layer {
  readonly vocabularySize: number;
  readonly sequenceLength: number;
  readonly embeddingDim: number;
  readonly maskZero: boolean;
  private init: Initializer;
  tokenEmbeddings: Variable | null = null;
  positionEmbeddings: Variable | null = null;

  constructor(args: TokenAndPositionEmbeddingArgs) {
    super('TokenAndPositionEmbedding', args);
    const cls = 'TokenAndPositionEmbedding';
    assertPositiveInt(cls, 'vocabularySize', args?.vocabularySize);
    assertPositiveInt(cls, 'sequenceLength', args.sequenceLength);
    assertPositiveInt(cls, 'embeddingDim', args.embeddingDim);
    this.vocabularySize = args.vocabularySize;
    this.sequenceLength = args.sequenceLength;
    this.embeddingDim = args.embeddingDim;
    this.maskZero = args.maskZero ?? false;
    this.init = getInitializer(cls, 'embeddingsInitializer', args.embeddingsInitializer, 'randomUniform');
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, [2]);
    if (s[1]! > this.sequenceLength) {
      throw new Error(`${this.name} (TokenAndPositionEmbedding): input [${s.map((d) => d ?? 'null')}] has ${s[1]} steps, more than sequenceLength ${this.sequenceLength}`);
    }
    return [s[0], s[1], this.embeddingDim];
  }

  override build(): void {
    this.tokenEmbeddings = this.addWeight('token_embedding/embeddings', [this.vocabularySize, this.embeddingDim], this.init);
    this.positionEmbeddings = this.addWeight('position_embedding/embeddings', [this.sequenceLength, this.embeddingDim], this.init);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const tokens = embeddingLookup(`${this.name} (TokenAndPositionEmbedding)`, this.tokenEmbeddings!, x);
    // [B, T, D] + [T, D]: the positions broadcast over the batch.
    return add(tokens, slice(this.positionEmbeddings!, [0, 0], [x.shape[1], this.embeddingDim]));
  }

  override computeMask(inputs: Tensor | Tensor[], _mask: InputMask): Tensor | null {
    return this.maskZero ? notEqual(inputs as Tensor, 0) : null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), vocabularySize: this.vocabularySize, sequenceLength: this.sequenceLength,
      embeddingDim: this.embeddingDim, maskZero: this.maskZero, embeddingsInitializer: this.init.className };
  }
}
