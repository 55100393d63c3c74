// One layer's config between the TensorFlow.js / Keras layers format (snake_case keys,
// initializers and regularizers as {class_name, config}, activation names such as
// 'hard_sigmoid', Keras dtype policies) and Lepton's getConfig() form (camelCase keys,
// initializers by class name, regularizers as {className, config}). Keys that change what a
// layer computes and that Lepton does not have (channels_first, groups, stateful ...) are refused
// with an Error naming the layer; keys that only matter to training (constraints) or to Keras's
// bookkeeping are dropped. The input is untrusted JSON: every value read is type-checked.

/** Layer classes read from and written to the format (Keras aliases map onto them, see ALIASES). */
export const TFJS_LAYER_CLASSES = ['InputLayer', 'Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv1D',
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'MaxPooling1D', 'AveragePooling1D',
  'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'BatchNormalization', 'LayerNormalization', 'Dropout', 'Flatten',
  'Reshape', 'Activation', 'Add', 'Concatenate', 'Multiply', 'Subtract', 'Embedding', 'SimpleRNN', 'LSTM', 'GRU',
  'Bidirectional', 'TimeDistributed', 'ZeroPadding2D', 'Permute'];

/** Keras spellings of the same classes. */
const ALIASES: Record<string, string> = {
  MaxPool2D: 'MaxPooling2D', AvgPool2D: 'AveragePooling2D', GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D', MaxPool1D: 'MaxPooling1D', AvgPool1D: 'AveragePooling1D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D', GlobalMaxPool1D: 'GlobalMaxPooling1D', Convolution2D: 'Conv2D',
  Convolution1D: 'Conv1D', SeparableConvolution2D: 'SeparableConv2D',
};
/** Keras activation layers that are an Activation in Lepton (their arguments checked in layerFromTfjs). */
const ACTIVATION_LAYERS = ['ReLU', 'Softmax'];

export function isSupportedClass(className: string): boolean {
  return TFJS_LAYER_CLASSES.includes(ALIASES[className] ?? className) || ACTIVATION_LAYERS.includes(className);
}

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

/** Keys dropped on import: training-only (constraints) or Keras bookkeeping. */
const DROPPED = new Set(['kernel_constraint', 'bias_constraint', 'recurrent_constraint', 'depthwise_constraint',
  'pointwise_constraint', 'beta_constraint', 'gamma_constraint', 'embeddings_constraint', 'implementation', 'fused',
  'module', 'registered_name', 'build_config', 'synchronized']);
/** Keys accepted only with these values (anything else changes the computation). */
const REQUIRED: Record<string, unknown[]> = {
  data_format: ['channels_last'], groups: [1], activity_regularizer: [], sparse: [false], ragged: [false],
  time_major: [false], stateful: [false], keepdims: [false], renorm: [false], virtual_batch_size: [], adjustment: [],
  rms_scaling: [false], backward_layer: [], lora_rank: [], zero_output_for_mask: [false, true],
  use_cudnn: ['auto', true, false],
};

const ACTIVATION_IN: Record<string, string> = { silu: 'swish', hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax', linear: 'linear' };
const ACTIVATION_OUT: Record<string, string> = { hardsigmoid: 'hard_sigmoid', logsoftmax: 'log_softmax' };

/** A Keras dtype (a name or a dtype policy object) as a Lepton dtype: float types compute in float32. */
function dtypeIn(v: unknown, what: string): string {
  const name = isObject(v) && isObject(v.config) ? v.config.name : v;
  if (typeof name !== 'string') throw new Error(`${what}: dtype must be a name or a dtype policy, got ${show(v)}`);
  if (/^(mixed_)?(float(16|32|64)|bfloat16)$/.test(name)) return 'float32';
  if (name === 'int32' || name === 'int64') return 'int32';
  if (name === 'bool') return 'bool';
  throw new Error(`${what}: dtype '${name.slice(0, 40)}' is not supported`);
}

function regularizerIn(v: unknown, what: string): unknown {
  if (!isObject(v) || typeof v.class_name !== 'string' || !isObject(v.config ?? {})) throw new Error(`${what}: a regularizer must be {class_name, config}`);
  const c = (v.config ?? {}) as Record<string, unknown>;
  const factor = (k: 'l1' | 'l2') => {
    const f = c[k] ?? 0;
    if (typeof f !== 'number') throw new Error(`${what}: regularizer ${k} must be a number, got ${show(f)}`);
    return f;
  };
  if (!['L1L2', 'L1', 'L2'].includes(v.class_name)) throw new Error(`${what}: regularizer '${v.class_name.slice(0, 40)}' is not supported`);
  return { className: 'L1L2', config: { l1: v.class_name === 'L2' ? 0 : factor('l1'), l2: v.class_name === 'L1' ? 0 : factor('l2') } };
}

function activationIn(v: unknown, what: string): string {
  const name = isObject(v) && typeof v.config === 'string' ? v.config : v; // Keras 3 may write {class_name: 'function', config: 'relu'}
  if (typeof name !== 'string') throw new Error(`${what}: activation must be a name, got ${show(v)}`);
  return ACTIVATION_IN[name] ?? camel(name);
}

/** Context for one layer's conversion: the name used in errors and the nesting depth of wrappers. */
interface Where { what: string; depth: number }
const MAX_DEPTH = 4;

/**
 * A TF.js / Keras {class_name, config} layer as Lepton's {className, config}. `axes` collects
 * normalization layers written with a positive axis (Keras 2): checked to be the last axis once
 * the model is built (see checkAxes).
 */
export function layerFromTfjs(className: string, raw: unknown, where: Where, axes: Map<string, number>): { className: string; config: Record<string, unknown> } {
  const { what } = where;
  if (!isObject(raw)) throw new Error(`${what}: config must be an object`);
  if (where.depth > MAX_DEPTH) throw new Error(`${what}: layers nest more than ${MAX_DEPTH} deep`);
  let cls = ALIASES[className] ?? className;
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined || DROPPED.has(key)) continue;
    if (Object.hasOwn(REQUIRED, key)) {
      if (!REQUIRED[key].includes(value)) throw new Error(`${what}: ${key} = ${show(value)} is not supported`);
      continue;
    }
    if (key === 'dtype') config.dtype = dtypeIn(value, what);
    else if (key === 'batch_shape' || key === 'batch_input_shape') config.batchInputShape = value;
    else if (key.endsWith('_initializer')) {
      const name = isObject(value) ? value.class_name : value;
      if (typeof name !== 'string') throw new Error(`${what}: ${key} must be {class_name, config}, got ${show(value)}`);
      config[camel(key)] = name;
    } else if (key.endsWith('_regularizer')) config[camel(key)] = regularizerIn(value, `${what}: ${key}`);
    else if (key === 'activation' || key === 'recurrent_activation') config[camel(key)] = activationIn(value, what);
    else if (key === 'layer') {
      if (!isObject(value) || typeof value.class_name !== 'string') throw new Error(`${what}: layer must be {class_name, config}`);
      if (!isSupportedClass(value.class_name)) throw new Error(`${what}: inner layer class '${value.class_name.slice(0, 60)}' is not supported`);
      const inner = layerFromTfjs(value.class_name, value.config, { what: `${what} > inner layer`, depth: where.depth + 1 }, axes);
      config.layer = inner;
    } else if (key === 'axis' && (cls === 'BatchNormalization' || cls === 'LayerNormalization')) {
      const axis = Array.isArray(value) && value.length === 1 ? value[0] : value;
      if (!Number.isInteger(axis)) throw new Error(`${what}: axis must be one integer, got ${show(value)}`);
      if ((axis as number) > 0) axes.set(String(raw.name), axis as number);
      else if (axis !== -1) throw new Error(`${what}: only the last axis (-1) is supported, got ${axis}`);
      config.axis = -1;
    } else config[camel(key)] = value;
  }
  if (cls === 'ReLU') {
    const max = config.maxValue, slope = config.negativeSlope ?? 0, threshold = config.threshold ?? 0;
    if (slope !== 0 || threshold !== 0 || (max !== undefined && max !== 6)) throw new Error(`${what}: ReLU with negative_slope, threshold or a max_value other than 6 is not supported`);
    cls = 'Activation';
    config.activation = max === 6 ? 'relu6' : 'relu';
    delete config.maxValue; delete config.negativeSlope; delete config.threshold;
  } else if (cls === 'Softmax') {
    if (config.axis !== undefined && config.axis !== -1) throw new Error(`${what}: Softmax over axis ${show(config.axis)} is not supported (only -1)`);
    cls = 'Activation';
    config.activation = 'softmax';
    delete config.axis;
  }
  return { className: cls, config };
}

/** Lepton-only config keys that TF.js cannot read. */
const LEPTON_ONLY = ['kernelQuantizer'];
/** Initializers TF.js builds without arguments; others are written as Zeros (the weights come from the file anyway). */
const PLAIN_INITIALIZERS = ['Zeros', 'Ones', 'GlorotUniform', 'GlorotNormal', 'HeUniform', 'HeNormal', 'LeCunUniform',
  'LeCunNormal', 'Orthogonal', 'RandomNormal', 'RandomUniform', 'TruncatedNormal'];

/** A Lepton getConfig() as the TF.js / Keras config (snake_case keys, {class_name, config} objects). */
export function layerToTfjs(className: string, config: Record<string, unknown>, what: string): { class_name: string; config: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (LEPTON_ONLY.includes(key)) throw new Error(`${what}: ${key} (quantization-aware training) has no TF.js form; strip it first`);
    if (key.endsWith('Initializer') && typeof value === 'string') {
      out[snake(key)] = { class_name: PLAIN_INITIALIZERS.includes(value) ? value : 'Zeros', config: {} };
    } else if (key.endsWith('Regularizer') && isObject(value)) {
      out[snake(key)] = { class_name: value.className, config: value.config };
    } else if ((key === 'activation' || key === 'recurrentActivation') && typeof value === 'string') {
      out[snake(key)] = ACTIVATION_OUT[value] ?? value;
    } else if (key === 'layer' && isObject(value)) {
      out.layer = layerToTfjs(value.className as string, value.config as Record<string, unknown>, `${what} > inner layer`);
    } else out[snake(key)] = value;
  }
  return { class_name: className, config: out };
}
