// lp.io of the full entry (lepton-wasm): the core entry's model files (./index.ts) and the
// TensorFlow.js / Keras layers format (model.json + weight shards), both ways.
export * from './index.js';
export { fromTfjsLayers, toTfjsLayers, loadTfjsLayersFromUrl, TFJS_LAYER_CLASSES, type TfjsModelJson, type TfjsWeightData,
  type TfjsArtifacts, type ToTfjsOptions, type TfjsWeightSpec, type TfjsWeightsGroup, type TfjsQuantization, type LoadTfjsOptions } from './tfjs_layers.js';
