// The layer registry: className → a factory that rebuilds the layer from its getConfig(). Every
// layer in the core entry's lp.layers is registered here; other modules add theirs with
// registerLayer (the sequence layers from layers/sequence.ts, which the full entry imports). Weights come
// from the file, so rebuilt layers initialize with zeros (no random numbers drawn, the engine's
// seed sequence is left alone) under the initializer names the file gives, so that getConfig()
// round-trips; regularizers come back from their JSON ({className: 'L1L2', config}).
import { Layer, Dense, Flatten, Reshape, Dropout, Activation, Conv2D, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D,
  MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, Add, Concatenate,
  Multiply, InputLayer, Subtract, Permute } from '../layers/index.js';

import { zeros } from '../ops/creation.js';
import type { Initializer } from '../layers/initializers.js';

export type LayerFactory = (config: Record<string, unknown>) => Layer;

/** Config keys naming initializers: zeros under the same name when a file is loaded. */
const INITIALIZER_KEYS = ['kernelInitializer', 'biasInitializer', 'depthwiseInitializer', 'pointwiseInitializer',
  'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer', 'embeddingsInitializer',
  'recurrentInitializer', 'initializer'];

// `new (C as any)(args)`: the constructors validate their arguments, which come from the file.
export type LayerClass = new (args: never) => Layer;
const builtins: [string, LayerClass][] = [
  ['Dense', Dense], ['Flatten', Flatten], ['Reshape', Reshape], ['Dropout', Dropout], ['Activation', Activation],
  ['Conv2D', Conv2D], ['DepthwiseConv2D', DepthwiseConv2D], ['SeparableConv2D', SeparableConv2D],
  ['ZeroPadding2D', ZeroPadding2D], ['MaxPooling2D', MaxPooling2D], ['AveragePooling2D', AveragePooling2D],
  ['GlobalAveragePooling2D', GlobalAveragePooling2D], ['GlobalMaxPooling2D', GlobalMaxPooling2D],
  ['BatchNormalization', BatchNormalization], ['Add', Add], ['Concatenate', Concatenate], ['Multiply', Multiply],
  ['InputLayer', InputLayer], ['Subtract', Subtract], ['Permute', Permute],
];

/**
 * Layer classes whose entry registers them when imported, so that the core entry carries none
 * of their code: OnnxOp (made only by the ONNX importer) registers itself in lepton-wasm/onnx,
 * the sequence layers in the full entry, lepton-wasm (layers/sequence.ts).
 */
const REGISTERED_BY: Record<string, string> = {
  OnnxOp: 'lepton-wasm/onnx',
  ...Object.fromEntries(['Embedding', 'Conv1D', 'MaxPooling1D', 'AveragePooling1D', 'GlobalAveragePooling1D',
    'GlobalMaxPooling1D', 'TimeDistributed', 'SimpleRNN', 'LSTM', 'GRU', 'Bidirectional', 'LayerNormalization',
    'MultiHeadAttention', 'TransformerEncoder', 'PositionEmbedding', 'TokenAndPositionEmbedding']
    .map((name) => [name, 'lepton-wasm'])),
};

/** For an unknown className: ' (import ENTRY first: it registers the class)' when an entry has it, else ''. */
export function registeredByHint(className: string): string {
  const entry = Object.hasOwn(REGISTERED_BY, className) ? REGISTERED_BY[className] : undefined;
  return entry === undefined ? '' : ` (import '${entry}' first: it registers ${className})`;
}

const registry = new Map<string, LayerFactory>();

/** Types of the config keys the built-in layers share, checked before a constructor sees them. */
const KEY_TYPES: Record<string, 'string' | 'boolean' | 'number'> = {
  name: 'string', activation: 'string', dtype: 'string', trainable: 'boolean', useBias: 'boolean', center: 'boolean',
  scale: 'boolean', units: 'number', filters: 'number', rate: 'number', momentum: 'number', epsilon: 'number',
  axis: 'number', depthMultiplier: 'number', seed: 'number', batchSize: 'number', inputDim: 'number', outputDim: 'number',
  maskZero: 'boolean',
  ...Object.fromEntries(INITIALIZER_KEYS.map((k) => [k, 'string'])),
};
const DTYPES = ['float32', 'int32', 'bool'];

/** The constructor arguments for a config read from a file (types of the shared keys checked). */
export function loadArgs(config: Record<string, unknown>): Record<string, unknown> {
  for (const [key, type] of Object.entries(KEY_TYPES)) {
    const v = config[key];
    if (v !== undefined && typeof v !== type) throw new Error(`config.${key} must be a ${type}, got ${JSON.stringify(v)?.slice(0, 60)}`);
  }
  if (config.dtype !== undefined && !DTYPES.includes(config.dtype as string)) {
    throw new Error(`config.dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(config.dtype)}`);
  }
  const args: Record<string, unknown> = { ...config };
  for (const k of INITIALIZER_KEYS) {
    const className = (config[k] as string | undefined) ?? 'Zeros';
    args[k] = { className, apply: (shape: number[]) => zeros(shape), getConfig: () => ({}) } satisfies Initializer;
  }
  return args;
}

/** The factory of a layer class whose constructor takes its config (checked by loadArgs) as arguments. */
export function classFactory(C: LayerClass): LayerFactory {
  return (config) => new (C as new (args: unknown) => Layer)(loadArgs(config));
}

for (const [name, C] of builtins) registry.set(name, classFactory(C));

/** Wrappers nest (a TimeDistributed of a Bidirectional ...) at most this deep in a file. */
const MAX_WRAPPER_DEPTH = 4;
let wrapperDepth = 0;

/**
 * The inner layer of a wrapper from a file: config.layer is untrusted {className, config}, checked
 * (a known class, `allowed` when given, never an InputLayer) and rebuilt through this registry.
 */
function innerLayer(wrapper: string, config: Record<string, unknown>, allowed?: string[]): Layer {
  const inner = config.layer as { className?: unknown; config?: unknown } | null | undefined;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner) || typeof inner.className !== 'string' ||
      inner.config === null || typeof inner.config !== 'object' || Array.isArray(inner.config)) {
    throw new Error(`${wrapper}: config.layer must be {className: string, config: object}`);
  }
  const factory = registry.get(inner.className);
  if (factory === undefined || inner.className === 'InputLayer' || (allowed !== undefined && !allowed.includes(inner.className))) {
    throw new Error(`${wrapper}: config.layer has ${allowed ? `className '${inner.className.slice(0, 60)}', not one of ${allowed.join(', ')}`
      : `unknown className '${inner.className.slice(0, 60)}'${registeredByHint(inner.className)}`}`);
  }
  if (wrapperDepth >= MAX_WRAPPER_DEPTH) throw new Error(`${wrapper}: layers nest more than ${MAX_WRAPPER_DEPTH} deep`);
  wrapperDepth++;
  try {
    return factory(inner.config as Record<string, unknown>);
  } finally {
    wrapperDepth--;
  }
}

/**
 * A wrapper from a file around its rebuilt inner layer (disposed again if the wrapper refuses it).
 * allowed: the inner classNames it takes (all when absent); isRecurrent: checks that the inner
 * layer built under one of those names is a recurrent layer (a registerLayer may replace one).
 */
export function wrapperFactory(wrapper: string, make: (args: Record<string, unknown>, layer: Layer) => Layer, allowed?: string[],
  isRecurrent?: (layer: Layer) => boolean): LayerFactory {
  return (config) => {
    const layer = innerLayer(wrapper, config, allowed);
    const { layer: _layer, ...rest } = config;
    try {
      if (isRecurrent !== undefined && !isRecurrent(layer)) throw new Error(`${wrapper}: config.layer is not a recurrent layer`);
      return make(loadArgs(rest), layer);
    } catch (e) {
      layer.dispose();
      throw e;
    }
  };
}

/** Registers (or replaces) how a layer class is rebuilt from its config when a model file is loaded. */
export function registerLayer(className: string, factory: LayerFactory): void {
  if (typeof className !== 'string' || className.length === 0) throw new Error('io.registerLayer: className must be a non-empty string');
  if (typeof factory !== 'function') throw new Error(`io.registerLayer: the factory for '${className}' must be a function`);
  registry.set(className, factory);
}

export function layerFactory(className: string): LayerFactory | undefined {
  return registry.get(className);
}

export function registeredLayers(): string[] {
  return [...registry.keys()];
}
