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

export const layers = {
  dense: (args: DenseArgs) => new Dense(args),
  flatten: (args?: LayerArgs) => new Flatten(args),
  reshape: (args: LayerArgs & { targetShape: number[] }) => new Reshape(args),
  dropout: (args: LayerArgs & { rate: number; seed?: number }) => new Dropout(args),
  activation: (args: LayerArgs & { activation: ActivationName }) => new Activation(args),
  conv2d: (args: Conv2DArgs) => new Conv2D(args),
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
  zeroPadding2d: (args?: LayerArgs & { padding?: number | [number, number] | [[number, number], [number, number]] }) =>
    new ZeroPadding2D(args),
  maxPooling2d: (args?: Pooling2DArgs) => new MaxPooling2D(args),
  averagePooling2d: (args?: Pooling2DArgs) => new AveragePooling2D(args),
  globalAveragePooling2d: (args?: LayerArgs) => new GlobalAveragePooling2D(args),
  globalMaxPooling2d: (args?: LayerArgs) => new GlobalMaxPooling2D(args),
  batchNormalization: (args?: BatchNormalizationArgs) => new BatchNormalization(args),
  add: (args?: LayerArgs) => new Add(args),
  multiply: (args?: LayerArgs) => new Multiply(args),
  subtract: (args?: LayerArgs) => new Subtract(args),
  permute: (args: PermuteArgs) => new Permute(args),
  concatenate: (args?: LayerArgs & { axis?: number }) => new Concatenate(args),
  inputLayer: (args: LayerArgs) => new InputLayer(args),
  embedding: (args: EmbeddingArgs) => new Embedding(args),
  conv1d: (args: Conv1DArgs) => new Conv1D(args),
  maxPooling1d: (args?: Pooling1DArgs) => new MaxPooling1D(args),
  averagePooling1d: (args?: Pooling1DArgs) => new AveragePooling1D(args),
  globalAveragePooling1d: (args?: LayerArgs) => new GlobalAveragePooling1D(args),
  globalMaxPooling1d: (args?: LayerArgs) => new GlobalMaxPooling1D(args),
  timeDistributed: (args: TimeDistributedArgs) => new TimeDistributed(args),
  simpleRNN: (args: RNNLayerArgs) => new SimpleRNN(args),
  lstm: (args: LSTMLayerArgs) => new LSTM(args),
  gru: (args: GRULayerArgs) => new GRU(args),
  bidirectional: (args: BidirectionalArgs) => new Bidirectional(args),
  layerNormalization: (args?: LayerNormalizationArgs) => new LayerNormalization(args),
  multiHeadAttention: (args: MultiHeadAttentionArgs) => new MultiHeadAttention(args),
  transformerEncoder: (args: TransformerEncoderArgs) => new TransformerEncoder(args),
  positionEmbedding: (args: PositionEmbeddingArgs) => new PositionEmbedding(args),
  tokenAndPositionEmbedding: (args: TokenAndPositionEmbeddingArgs) => new TokenAndPositionEmbedding(args),
};
