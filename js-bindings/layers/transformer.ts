// keras-hub's transformer encoder block:
//   transformerEncoder: self-attention + residual + layer norm, then a feed-forward network (two
//     Dense) + residual + layer norm (normalizeFirst: the norms come before each sub-block
//     instead). The input's padding mask hides padded keys from every query (keras-hub's
//     merge_padding_and_attention_mask: [batch, 1, keys]) and passes on to the output.
//     Weights in keras-hub's order: the attention's 8, the attention norm's gamma and beta, the
//     feed-forward norm's gamma and beta, then the intermediate and output Dense kernels/biases.
// (positionEmbedding and tokenAndPositionEmbedding: position_embedding.ts.)
import { Tensor } from '../tensor.js';
import { add } from '../ops/binary.js';
import { assertPositiveInt } from '../util.js';
import { Layer, singleShape, type CallKwargs, type LayerArgs, type SymbolicShape } from './layer.js';
import { Dense, Dropout } from './core.js';
import { LayerNormalization } from './layer_normalization.js';
import { MultiHeadAttention } from './attention.js';
import { getInitializer, type Initializer, type InitializerName } from './initializers.js';

type InitArg = InitializerName | Initializer;

export interface TransformerEncoderArgs extends LayerArgs {
  intermediateDim: number;
  numHeads: number;
  dropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEpsilon?: number;
  normalizeFirst?: boolean;
  kernelInitializer?: InitArg;
  biasInitializer?: InitArg;
}

export class TransformerEncoder extends Layer {
  readonly intermediateDim: number;
  readonly numHeads: number;
  readonly dropout: number;
  readonly activation: 'relu' | 'gelu';
  readonly layerNormEpsilon: number;
  readonly normalizeFirst: boolean;
  private kernelInit: Initializer;
  private biasInit: Initializer;
  private parts: { attention: MultiHeadAttention; attentionNorm: LayerNormalization; ffNorm: LayerNormalization;
    intermediate: Dense; output: Dense; attentionDropout: Dropout; ffDropout: Dropout } | null = null;
  private features: number | null = null;

  constructor(args: TransformerEncoderArgs) {
    super('TransformerEncoder', args);
    const cls = 'TransformerEncoder';
    assertPositiveInt(cls, 'intermediateDim', args?.intermediateDim);
    assertPositiveInt(cls, 'numHeads', args.numHeads);
    const rate = args.dropout ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new Error(`${cls}: dropout must be a number in [0, 1), got ${String(args.dropout)}`);
    const activation = args.activation ?? 'relu';
    if (activation !== 'relu' && activation !== 'gelu') throw new Error(`${cls}: activation must be 'relu' or 'gelu', got ${String(args.activation)}`);
    const eps = args.layerNormEpsilon ?? 1e-5;
    if (typeof eps !== 'number' || !(eps > 0)) throw new Error(`${cls}: layerNormEpsilon must be > 0, got ${String(args.layerNormEpsilon)}`);
    this.intermediateDim = args.intermediateDim;
    this.numHeads = args.numHeads;
    this.dropout = rate;
    this.activation = activation;
    this.layerNormEpsilon = eps;
    this.normalizeFirst = args.normalizeFirst ?? false;
    this.kernelInit = getInitializer(cls, 'kernelInitializer', args.kernelInitializer, 'glorotUniform');
    this.biasInit = getInitializer(cls, 'biasInitializer', args.biasInitializer, 'zeros');
    this.supportsMasking = true;
  }

  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(this, inputShape, [3]);
    const d = s[2]!;
    if (this.features !== null && d !== this.features) {
      throw new Error(`${this.name} (TransformerEncoder): was built for ${this.features} features, got shape [${s.map((x) => x ?? 'null')}]`);
    }
    if (d % this.numHeads !== 0) {
      throw new Error(`${this.name} (TransformerEncoder): the ${d} features are not divisible by numHeads ${this.numHeads}`);
    }
    return s;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const s = singleShape(this, inputShape, [3]);
    const d = s[2]!;
    const init = { kernelInitializer: this.kernelInit, biasInitializer: this.biasInit };
    const norm = (name: string) => new LayerNormalization({ name: `${this.name}/${name}`, epsilon: this.layerNormEpsilon });
    const parts = {
      attention: new MultiHeadAttention({ name: `${this.name}/self_attention`, numHeads: this.numHeads,
        keyDim: d / this.numHeads, dropout: this.dropout, ...init }),
      attentionNorm: norm('self_attention_layer_norm'),
      ffNorm: norm('feedforward_layer_norm'),
      intermediate: new Dense({ name: `${this.name}/feedforward_intermediate_dense`, units: this.intermediateDim,
        activation: this.activation, ...init }),
      output: new Dense({ name: `${this.name}/feedforward_output_dense`, units: d, ...init }),
      attentionDropout: new Dropout({ name: `${this.name}/self_attention_dropout`, rate: this.dropout }),
      ffDropout: new Dropout({ name: `${this.name}/feedforward_dropout`, rate: this.dropout }),
    };
    parts.attention.ensureBuilt([s, s]);
    parts.attentionNorm.ensureBuilt(s);
    parts.ffNorm.ensureBuilt(s);
    parts.intermediate.ensureBuilt(s);
    parts.output.ensureBuilt([s[0], s[1], this.intermediateDim]);
    // The block owns its parts' weights (saved, trained and freed with it), in keras-hub's order.
    for (const p of [parts.attention, parts.attentionNorm, parts.ffNorm, parts.intermediate, parts.output]) {
      this.trainableList.push(...p.weights);
    }
    this.parts = parts;
    this.features = d;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const p = this.parts!;
    const x = inputs as Tensor;
    const mask = kwargs.mask instanceof Tensor ? kwargs.mask : null;
    const training = kwargs.training;
    // Self-attention block; the padding mask hides padded keys ([null, mask]: a value mask).
    let h = this.normalizeFirst ? p.attentionNorm.call(x) : x;
    h = p.attention.call([h, h], { training, mask: [null, mask], attentionMask: kwargs.attentionMask,
      useCausalMask: kwargs.useCausalMask });
    h = add(p.attentionDropout.call(h, { training }), x);
    if (!this.normalizeFirst) h = p.attentionNorm.call(h);
    // Feed-forward block.
    const residual = h;
    let f = this.normalizeFirst ? p.ffNorm.call(h) : h;
    f = p.output.call(p.intermediate.call(f, {}), {});
    f = add(p.ffDropout.call(f, { training }), residual);
    return this.normalizeFirst ? f : p.ffNorm.call(f);
  }

  override dispose(): void {
    super.dispose(); // frees the parts' weights, which this layer owns
    this.parts = null;
    this.features = null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), intermediateDim: this.intermediateDim, numHeads: this.numHeads, dropout: this.dropout,
      activation: this.activation, layerNormEpsilon: this.layerNormEpsilon, normalizeFirst: this.normalizeFirst,
      kernelInitializer: this.kernelInit.className, biasInitializer: this.biasInit.className };
  }
}
