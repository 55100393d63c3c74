// lp.layers: the layer factories (tfjs-layers' names), and lp.input for functional models.
import { Dense, Flatten, Reshape, Dropout, Activation, type DenseArgs } from './core.js';
import { Conv2D, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, type Conv2DArgs, type DepthwiseConv2DArgs,
  type SeparableConv2DArgs } from './conv.js';
import { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DArgs } from './pooling.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
import { Add, Concatenate, Multiply, Subtract } from './merge.js';
import { Permute, type PermuteArgs } from './permute.js';
import { InputLayer } from './input.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { Conv1D, type Conv1DArgs } from './conv1d.js';
import { MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, type Pooling1DArgs } from './pooling1d.js';
import { TimeDistributed, type TimeDistributedArgs } from './wrappers.js';
import { SimpleRNN, LSTM, GRU, type RNNLayerArgs, type LSTMLayerArgs, type GRULayerArgs } from './recurrent.js';
import { Bidirectional, type BidirectionalArgs } from './bidirectional.js';
import { LayerNormalization, type LayerNormalizationArgs } from './layer_normalization.js';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.js';
import { TransformerEncoder, type TransformerEncoderArgs } from './transformer.js';
import { PositionEmbedding, TokenAndPositionEmbedding, type PositionEmbeddingArgs, type TokenAndPositionEmbeddingArgs } from './position_embedding.js';
import type { LayerArgs } from './layer.js';
import type { ActivationName } from './activations.js';

export { Layer, SymbolicTensor, type LayerArgs, type CallKwargs, type InputMask, type SymbolicShape } from './layer.js';
export { Dense, Flatten, Reshape, Dropout, Activation, Conv2D, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D,
  MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, Add, Concatenate,
  Multiply, InputLayer, Embedding, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
  TimeDistributed, SimpleRNN, LSTM, GRU, Bidirectional, LayerNormalization, MultiHeadAttention, TransformerEncoder,
  PositionEmbedding, TokenAndPositionEmbedding, Subtract, Permute };

/** tf.layers: the layer factories, with tfjs-layers' names and configs (NHWC). */
export const layers = {
  /** A new Dense layer (tf.layers.dense). */
  dense: (args: DenseArgs) => new Dense(args),
  /** A new Flatten layer (tf.layers.flatten). */
  flatten: (args?: LayerArgs) => new Flatten(args),
  /** A new Reshape layer (tf.layers.reshape). */
  reshape: (args: LayerArgs & { targetShape: number[] }) => new Reshape(args),
  /** A new Dropout layer (tf.layers.dropout). */
  dropout: (args: LayerArgs & { rate: number; seed?: number }) => new Dropout(args),
  /** A new Activation layer (tf.layers.activation). */
  activation: (args: LayerArgs & { activation: ActivationName }) => new Activation(args),
  /** A new Conv2D layer (tf.layers.conv2d). */
  conv2d: (args: Conv2DArgs) => new Conv2D(args),
  /** A new DepthwiseConv2D layer (tf.layers.depthwiseConv2d). */
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  /** A new SeparableConv2D layer (tf.layers.separableConv2d). */
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
  /** A new ZeroPadding2D layer (tf.layers.zeroPadding2d). */
  zeroPadding2d: (args?: LayerArgs & { padding?: number | [number, number] | [[number, number], [number, number]] }) =>
    new ZeroPadding2D(args),
  /** A new MaxPooling2D layer (tf.layers.maxPooling2d). */
  maxPooling2d: (args?: Pooling2DArgs) => new MaxPooling2D(args),
  /** A new AveragePooling2D layer (tf.layers.averagePooling2d). */
  averagePooling2d: (args?: Pooling2DArgs) => new AveragePooling2D(args),
  /** A new GlobalAveragePooling2D layer (tf.layers.globalAveragePooling2d). */
  globalAveragePooling2d: (args?: LayerArgs) => new GlobalAveragePooling2D(args),
  /** A new GlobalMaxPooling2D layer (tf.layers.globalMaxPooling2d). */
  globalMaxPooling2d: (args?: LayerArgs) => new GlobalMaxPooling2D(args),
  /** A new BatchNormalization layer (tf.layers.batchNormalization). */
  batchNormalization: (args?: BatchNormalizationArgs) => new BatchNormalization(args),
  /** A new Add layer (tf.layers.add). */
  add: (args?: LayerArgs) => new Add(args),
  /** A new Multiply layer (tf.layers.multiply). */
  multiply: (args?: LayerArgs) => new Multiply(args),
  /** A new Subtract layer (tf.layers.subtract). */
  subtract: (args?: LayerArgs) => new Subtract(args),
  /** A new Permute layer (tf.layers.permute). */
  permute: (args: PermuteArgs) => new Permute(args),
  /** A new Concatenate layer (tf.layers.concatenate). */
  concatenate: (args?: LayerArgs & { axis?: number }) => new Concatenate(args),
  /** A new InputLayer layer (tf.layers.inputLayer). */
  inputLayer: (args: LayerArgs) => new InputLayer(args),
  /** A new Embedding layer (tf.layers.embedding). */
  embedding: (args: EmbeddingArgs) => new Embedding(args),
  /** A new Conv1D layer (tf.layers.conv1d). */
  conv1d: (args: Conv1DArgs) => new Conv1D(args),
  /** A new MaxPooling1D layer (tf.layers.maxPooling1d). */
  maxPooling1d: (args?: Pooling1DArgs) => new MaxPooling1D(args),
  /** A new AveragePooling1D layer (tf.layers.averagePooling1d). */
  averagePooling1d: (args?: Pooling1DArgs) => new AveragePooling1D(args),
  /** A new GlobalAveragePooling1D layer (tf.layers.globalAveragePooling1d). */
  globalAveragePooling1d: (args?: LayerArgs) => new GlobalAveragePooling1D(args),
  /** A new GlobalMaxPooling1D layer (tf.layers.globalMaxPooling1d). */
  globalMaxPooling1d: (args?: LayerArgs) => new GlobalMaxPooling1D(args),
  /** A new TimeDistributed layer (tf.layers.timeDistributed). */
  timeDistributed: (args: TimeDistributedArgs) => new TimeDistributed(args),
  /** A new SimpleRNN layer (tf.layers.simpleRNN). */
  simpleRNN: (args: RNNLayerArgs) => new SimpleRNN(args),
  /** A new LSTM layer (tf.layers.lstm). */
  lstm: (args: LSTMLayerArgs) => new LSTM(args),
  /** A new GRU layer (tf.layers.gru). */
  gru: (args: GRULayerArgs) => new GRU(args),
  /** A new Bidirectional layer (tf.layers.bidirectional). */
  bidirectional: (args: BidirectionalArgs) => new Bidirectional(args),
  /** A new LayerNormalization layer (tf.layers.layerNormalization). */
  layerNormalization: (args?: LayerNormalizationArgs) => new LayerNormalization(args),
  /** A new MultiHeadAttention layer (tf.layers.multiHeadAttention). */
  multiHeadAttention: (args: MultiHeadAttentionArgs) => new MultiHeadAttention(args),
  /** A new TransformerEncoder layer (tf.layers.transformerEncoder). */
  transformerEncoder: (args: TransformerEncoderArgs) => new TransformerEncoder(args),
  /** A new PositionEmbedding layer (tf.layers.positionEmbedding). */
  positionEmbedding: (args: PositionEmbeddingArgs) => new PositionEmbedding(args),
  /** A new TokenAndPositionEmbedding layer (tf.layers.tokenAndPositionEmbedding). */
  tokenAndPositionEmbedding: (args: TokenAndPositionEmbeddingArgs) => new TokenAndPositionEmbedding(args),
};
