// The sequence layers of the full entry (lepton-wasm): Embedding, Conv1D, the 1-D poolings,
// TimeDistributed, the RNNs, Bidirectional, LayerNormalization, attention and the transformer
// encoder. Importing this module registers them with the model-file registry and their gradient
// rules with the tape, and asks the engine for the full .wasm (their kernels are not in the core
// one). Kept out of the core entry (lepton-wasm/core) so that a CNN/MLP app downloads none of it.
import { layers as coreLayers } from './index.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { Conv1D, type Conv1DArgs } from './conv1d.js';
import { MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, type Pooling1DArgs } from './pooling1d.js';
import { TimeDistributed, type TimeDistributedArgs } from './wrappers.js';
import { SimpleRNN, LSTM, GRU, RNNLayer, type RNNLayerArgs, type LSTMLayerArgs, type GRULayerArgs } from './recurrent.js';
import { Bidirectional, type BidirectionalArgs } from './bidirectional.js';
import { LayerNormalization, type LayerNormalizationArgs } from './layer_normalization.js';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.js';
import { TransformerEncoder, type TransformerEncoderArgs } from './transformer.js';
import { PositionEmbedding, TokenAndPositionEmbedding, type PositionEmbeddingArgs, type TokenAndPositionEmbeddingArgs } from './position_embedding.js';
import type { LayerArgs } from './layer.js';
import { classFactory, registerLayer, wrapperFactory, type LayerClass } from '../io/registry.js';
import '../grads/pool_time.js';
import '../grads/rnn.js';
import '../grads/attention.js';

export { Embedding, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, TimeDistributed,
  SimpleRNN, LSTM, GRU, Bidirectional, LayerNormalization, MultiHeadAttention, TransformerEncoder, PositionEmbedding,
  TokenAndPositionEmbedding };

// className → class (the keys are the classNames a model file names)
const sequenceClasses: Record<string, LayerClass> = { Embedding, Conv1D, MaxPooling1D, AveragePooling1D,
  GlobalAveragePooling1D, GlobalMaxPooling1D, SimpleRNN, LSTM, GRU, LayerNormalization, MultiHeadAttention,
  TransformerEncoder, PositionEmbedding, TokenAndPositionEmbedding };
for (const [name, C] of Object.entries(sequenceClasses)) registerLayer(name, classFactory(C));
registerLayer('TimeDistributed', wrapperFactory('TimeDistributed', (args, layer) => new TimeDistributed({ ...args, layer } as never)));
registerLayer('Bidirectional', wrapperFactory('Bidirectional', (args, layer) => new Bidirectional({ ...args, layer } as never),
  ['SimpleRNN', 'LSTM', 'GRU'], (layer) => layer instanceof RNNLayer));

/** tf.layers of the full entry: the core entry's factories and the sequence layers'. */
export const layers = {
  ...coreLayers,
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
