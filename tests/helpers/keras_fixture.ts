// A model.json as the Keras tfjs converter writes it (Keras 2 keys: model_config, 'Functional',
// InputLayer with batch_input_shape, inbound_nodes [[[name, node, tensor, {}]]], initializer and
// regularizer objects, constraints, data_format, groups, a BatchNormalization axis as a list, a
// Keras 3 dtype policy, a ReLU layer, a nested Sequential) with seeded weights in one shard.
import { values } from './grad_check.js';

const init = (c: string) => ({ class_name: c, config: c === 'Zeros' || c === 'Ones' ? {} : { seed: null } });
const input = (name: string, shape: (number | null)[]) => ({ class_name: 'InputLayer', name, inbound_nodes: [],
  config: { batch_input_shape: shape, dtype: 'float32', sparse: false, ragged: false, name } });
const dense = (name: string, units: number, activation: string) => ({ class_name: 'Dense', name, config: { name, trainable: true,
  dtype: 'float32', units, activation, use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'),
  kernel_regularizer: { class_name: 'L2', config: { l2: 0.001 } }, bias_regularizer: null, activity_regularizer: null,
  kernel_constraint: null, bias_constraint: null } });
const node = (...names: string[]) => [names.map((n) => [n, 0, 0, {}])];

export const KERAS_WEIGHTS: [string, number[]][] = [
  ['conv2d/kernel', [3, 3, 2, 3]], ['conv2d/bias', [3]],
  ['batch_normalization/gamma', [3]], ['batch_normalization/beta', [3]],
  ['batch_normalization/moving_mean', [3]], ['batch_normalization/moving_variance', [3]],
  ['dense/kernel', [3, 4]], ['dense/bias', [4]], ['dense_1/kernel', [4, 4]], ['dense_1/bias', [4]],
  ['dense_2/kernel', [4, 2]], ['dense_2/bias', [2]],
];

/** The converter's model.json and its shard for a small functional CNN. */
export function kerasFunctional(): { json: Record<string, unknown>; shard: Uint8Array; weights: Float32Array[] } {
  const layers = [
    input('input_1', [null, 6, 6, 2]),
    { class_name: 'Conv2D', name: 'conv2d', inbound_nodes: node('input_1'), config: { name: 'conv2d', trainable: true, dtype: 'float32',
      filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1],
      groups: 1, activation: 'linear', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros'),
      kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null } },
    { class_name: 'BatchNormalization', name: 'batch_normalization', inbound_nodes: node('conv2d'), config: { name: 'batch_normalization',
      trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
      axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true, beta_initializer: init('Zeros'), gamma_initializer: init('Ones'),
      moving_mean_initializer: init('Zeros'), moving_variance_initializer: init('Ones'), beta_regularizer: null, gamma_regularizer: null,
      beta_constraint: null, gamma_constraint: null } },
    { class_name: 'ReLU', name: 're_lu', inbound_nodes: node('batch_normalization'), config: { name: 're_lu', trainable: true,
      dtype: 'float32', max_value: 6.0, negative_slope: 0.0, threshold: 0.0 } },
    { class_name: 'Sequential', name: 'sequential', inbound_nodes: node('re_lu'), config: { name: 'sequential', layers: [
      input('input_2', [null, 6, 6, 3]),
      { class_name: 'GlobalAveragePooling2D', config: { name: 'global_average_pooling2d', trainable: true, dtype: 'float32',
        data_format: 'channels_last', keepdims: false } },
      dense('dense', 4, 'relu'),
    ] } },
    { ...dense('dense_1', 4, 'tanh'), inbound_nodes: node('sequential') },
    { class_name: 'Subtract', name: 'subtract', inbound_nodes: node('sequential', 'dense_1'), config: { name: 'subtract', trainable: true, dtype: 'float32' } },
    { ...dense('dense_2', 2, 'softmax'), inbound_nodes: node('subtract') },
  ];
  const modelTopology = { keras_version: '2.15.0', backend: 'tensorflow',
    model_config: { class_name: 'Functional', config: { name: 'model', trainable: true, layers,
      input_layers: [['input_1', 0, 0]], output_layers: [['dense_2', 0, 0]] } },
    training_config: { loss: 'categorical_crossentropy', metrics: null, optimizer_config: { class_name: 'Adam', config: {} } } };
  const weights = KERAS_WEIGHTS.map(([name, shape], i) => {
    const v = values(shape.reduce((a, d) => a * d, 1), 300 + i, -0.6, 0.6);
    if (name.endsWith('variance')) v.forEach((x, j) => { v[j] = 0.5 + Math.abs(x); });
    return v;
  });
  const shard = new Uint8Array(weights.reduce((a, w) => a + w.byteLength, 0));
  weights.reduce((at, w) => (shard.set(new Uint8Array(w.buffer), at), at + w.byteLength), 0);
  return { json: { format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: KERAS_WEIGHTS.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }] },
  shard, weights };
}

/** A Keras 2 Sequential (InputLayer first) with an LSTM whose weights the converter names lstm/lstm_cell/... */
export function kerasLstm(): { json: Record<string, unknown>; shard: Uint8Array; weights: Float32Array[] } {
  const specs: [string, number[]][] = [['lstm/lstm_cell/kernel', [3, 16]], ['lstm/lstm_cell/recurrent_kernel', [4, 16]],
    ['lstm/lstm_cell/bias', [16]], ['dense/kernel', [4, 2]], ['dense/bias', [2]]];
  const weights = specs.map(([, shape], i) => values(shape.reduce((a, d) => a * d, 1), 500 + i, -0.6, 0.6));
  const shard = new Uint8Array(weights.reduce((a, w) => a + w.byteLength, 0));
  weights.reduce((at, w) => (shard.set(new Uint8Array(w.buffer), at), at + w.byteLength), 0);
  const lstm = { class_name: 'LSTM', config: { name: 'lstm', trainable: true, dtype: 'float32', return_sequences: false,
    return_state: false, go_backwards: false, stateful: false, unroll: false, time_major: false, units: 4, activation: 'tanh',
    recurrent_activation: 'sigmoid', use_bias: true, kernel_initializer: init('GlorotUniform'),
    recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } }, bias_initializer: init('Zeros'),
    unit_forget_bias: true, kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
    kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, implementation: 2 } };
  const modelTopology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: { class_name: 'Sequential',
    config: { name: 'sequential', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 5, 3], dtype: 'float32',
      sparse: false, ragged: false, name: 'lstm_input' } }, lstm, { class_name: 'Dense', config: dense('dense', 2, 'linear').config }] } } };
  return { json: { format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }] },
  shard, weights };
}
