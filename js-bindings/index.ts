// The public entry of lepton-wasm: TensorFlow.js names and signatures. The core entry
// (./core.ts, lepton-wasm/core) and what only it lacks: the sequence layers and ops (their
// kernels are in the full .wasm builds, which this entry loads), text, the TensorFlow.js layers
// format, plots and distillation. Names the core entry also has (layers, io, data) are the
// larger namespaces here.
export * from './core.js';
export { layers } from './layers/sequence.js';
export * as io from './io/full.js';
export * as data from './data/full.js';
// Sequence basics: conv1d (with 'causal' padding) and the masked global poolings over time.
export { conv1d } from './ops/conv1d.js';
export { globalAveragePool1d, globalMaxPool1d } from './ops/pool_time.js';
// Knowledge distillation.
export { distill, distillationLoss, type DistillArgs, type DistillLossArgs } from './distill.js';
// Training plots: lp.plot.historySvg(history) draws fit()'s History as an SVG string.
export * as plot from './plot.js';
