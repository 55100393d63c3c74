// lp.layers of the core entry: the factories (tfjs-layers' names) of the dense, convolution,
// pooling, normalization and merge layers. The full entry's lp.layers (./sequence.ts) adds the
// sequence layers (Embedding, Conv1D, RNNs, attention, ...).
import { Dense, Flatten, Reshape, Dropout, Activation, type DenseArgs } from './core.js';
import { Conv2D, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, type Conv2DArgs, type DepthwiseConv2DArgs,
  type SeparableConv2DArgs } from './conv.js';
import { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DArgs } from './pooling.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
import { Add, Concatenate, Multiply, Subtract } from './merge.js';
import { Permute, type PermuteArgs } from './permute.js';
import { InputLayer } from './input.js';
import type { LayerArgs } from './layer.js';
import type { ActivationName } from './activations.js';

export { Layer, SymbolicTensor, type LayerArgs, type CallKwargs, type InputMask, type SymbolicShape } from './layer.js';
export { Dense, Flatten, Reshape, Dropout, Activation, Conv2D, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D,
  MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, Add, Concatenate,
  Multiply, InputLayer, Subtract, Permute };

/** tf.layers of the core entry: the layer factories, with tfjs-layers' names and configs (NHWC). */
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
};
