// The core entry, lepton-wasm/core: TensorFlow.js names and signatures for tensors and ops,
// layers and models (dense, convolution, pooling, normalization), training, int8 quantization,
// pruning, model files and data batching, on the core .wasm builds. The full entry (./index.ts,
// lepton-wasm) adds the sequence layers, text, the TensorFlow.js layers format, plots and
// distillation; an app that needs none of them downloads a third less (npm run size).
export { ready, backendInfo, tilesSettled, relaxedSimdSupported, type BackendInfo, type ReadyOptions, type WasmSource, type Activation } from './engine.js';
export { type TileChoice } from './tile_names.js';
export { Tensor, tidy, keep, dispose, memory, setMemoryLimit, type DType, type Shape, type MemoryInfo } from './tensor.js';
export * from './ops/creation.js';
export { matMul } from './ops/matmul.js';
export * as fused from './fused.js';
export { relu, relu6, leakyRelu, elu, sigmoid, tanh, gelu, erf, exp, log, sqrt, abs, neg, square, clipByValue } from './ops/unary.js';
export { add, sub, mul, div, maximum, minimum } from './ops/binary.js';
export { transpose, slice, concat, stack, unstack, pad, expandDims, squeeze } from './ops/layout.js';
export { gather } from './ops/gather.js';
export { batchNorm, batchNorm2d, batchNorm3d, batchNorm4d } from './ops/normalization.js';
export { sum, mean, max, min, argMax, argMin } from './ops/reduce.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { conv2d, depthwiseConv2d } from './ops/conv.js';
export { maxPool, avgPool, globalAveragePool2d } from './ops/pool.js';
export { oneHot } from './data/one_hot.js';
export * as data from './data/index.js';
// Training: the tape, variables, optimizers, layers, models.
import './grads/index.js';
export { variable, Variable } from './variable.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad, type NamedTensorMap } from './autograd.js';
export { train, Optimizer, SGDOptimizer, MomentumOptimizer, AdamOptimizer, RMSPropOptimizer, AdagradOptimizer,
  type ClipOptions } from './optimizers.js';
export { dropout } from './ops/nn.js';
export { broadcastTo } from './ops/layout.js';
export { equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, cast, where } from './ops/compare.js';
export { layers, Layer, SymbolicTensor, type LayerArgs, type CallKwargs, type InputMask, type SymbolicShape } from './layers/index.js';
export { input } from './layers/input.js';
export { initializers } from './layers/initializers.js';
export { regularizers } from './layers/regularizers.js';
export { LayersModel, type ModelArgs } from './models/model.js';
export { Sequential, sequential } from './models/sequential.js';
export { type CompileArgs } from './models/training.js';
export { History, type FitArgs, type FitDatasetArgs } from './models/fit.js';
export { losses } from './losses.js';
export { metrics } from './metrics.js';
export { callbacks, Callback, EarlyStopping, LearningRateScheduler, ReduceLROnPlateau } from './callbacks.js';
import { LayersModel, type ModelArgs } from './models/model.js';
/** tf.model: a functional model from symbolic inputs and outputs. */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
// Quantization-aware training (js-bindings/qat/): fake quantization with a straight-through gradient.
export { quantizeAware, qatRanges, isQuantizeAware, type QuantizeAwareOptions } from './qat/quantize_aware.js';
export { fakeQuant, type QuantRange } from './qat/fake_quant.js';
export { FakeQuant } from './qat/layers.js';
// Pruning (magnitude during fit, 2:4, structured) and the sparse inference path.
export { prune, stripPruning, pruneStructured, pruning, PruningController, type PruneArgs, type ScheduleArgs, type SparsityReport,
  type StructuredPruneArgs } from './prune/index.js';
export * as io from './io/index.js';
// Post-training quantization (int8 / dynamic) and the QuantizedModel.
export { quantize, QuantizedModel, type QuantizeArgs } from './quantize/index.js';
