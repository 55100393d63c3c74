// The public entry of lepton-wasm: TensorFlow.js names and signatures.
export { ready, backendInfo, relaxedSimdSupported, type BackendInfo, type ReadyOptions, type Activation } from './engine.js';
export { Tensor, tidy, keep, dispose, memory, setMemoryLimit, type DType, type Shape, type MemoryInfo } from './tensor.js';
export * from './ops/creation.js';
export { matMul } from './ops/matmul.js';
export * as fused from './fused.js';
export { conv2d, depthwiseConv2d } from './ops/conv.js';
export { maxPool, avgPool, globalAveragePool2d } from './ops/pool.js';
