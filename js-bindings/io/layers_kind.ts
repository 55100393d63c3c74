// The built-in model kind 'layers': a LayersModel (lp.sequential or lp.model). Its config holds
// the topology (topology.ts), the names of its weights in model.weights order, and, with
// includeOptimizer, the training state (training_state.ts). Loading rebuilds the layers with a
// weight budget equal to what the file's weights hold, checks every weight's shape and dtype,
// and copies the bytes into the variables; on any failure everything built so far is freed.
import { engine } from '../engine.js';
import { LayersModel } from '../models/model.js';
import { withWeightBudget, type Layer } from '../layers/layer.js';
import { loadTopology, saveTopology } from './topology.js';
import { loadTraining, saveTraining } from './training_state.js';
import { decodeFloat16, encodeFloat16, isFloat16, markFloat16 } from '../float16.js';
import type { ModelKind, SaveOptions } from './kinds.js';
import type { SavedTensor } from './types.js';

interface LayersConfig { modelTopology: unknown; weights: string[]; training?: unknown }

function save(model: LayersModel, opts: SaveOptions): { config: LayersConfig; tensors: SavedTensor[] } {
  if (model.outputs.length === 0) throw new Error('io.save: the model has no layers');
  const modelTopology = saveTopology(model);
  const weights = model.weights;
  // A float16 model (quantize mode 'float16') stores its float32 weights as binary16.
  const half = isFloat16(model);
  const tensors: SavedTensor[] = weights.map((v) => {
    v.assertLive('io.save');
    if (v.dtype !== 'float32' && v.dtype !== 'int32') throw new Error(`io.save: weight '${v.name}' is ${v.dtype}; only float32 and int32 weights are saved`);
    if (half && v.dtype === 'float32') {
      const bits = encodeFloat16(new Float32Array(engine.k.memory.buffer, v.ptr, v.size));
      return { name: v.name, dtype: 'float16', shape: [...v.shape], bytes: new Uint8Array(bits.buffer) };
    }
    return { name: v.name, dtype: v.dtype, shape: [...v.shape], bytes: new Uint8Array(engine.k.memory.buffer, v.ptr, v.byteLength).slice() };
  });
  const config: LayersConfig = { modelTopology, weights: weights.map((v) => v.name) };
  if (opts.includeOptimizer) {
    const training = saveTraining(model, weights);
    config.training = training.json;
    tensors.push(...training.tensors);
  }
  return { config, tensors };
}

function load(raw: unknown, tensors: SavedTensor[]): LayersModel {
  if (raw === null || typeof raw !== 'object' || !Array.isArray((raw as LayersConfig).weights)) {
    throw new Error('io.load: a layers model needs {modelTopology, weights} in its config');
  }
  const config = raw as LayersConfig;
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const saved = config.weights.map((name, i) => {
    const t = typeof name === 'string' ? byName.get(name) : undefined;
    if (t === undefined) throw new Error(`io.load: weight ${i} (${JSON.stringify(name)?.slice(0, 80)}) is not in the tensor table`);
    if (t.dtype === 'float16') {
      const bits = new Uint16Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length / 2);
      return { ...t, dtype: 'float32' as const, bytes: new Uint8Array(decodeFloat16(bits).buffer) };
    }
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`io.load: weight '${t.name}' must be float32, float16 or int32, got ${t.dtype}`);
    return t;
  });
  const half = config.weights.some((name) => byName.get(name)?.dtype === 'float16');
  const budget = saved.reduce((a, t) => a + t.bytes.length, 0);
  const built: Layer[] = [];
  let model: LayersModel | null = null;
  try {
    model = withWeightBudget(budget, () => loadTopology(config.modelTopology, built));
    const vars = model.weights;
    if (vars.length !== saved.length) {
      throw new Error(`io.load: the topology builds ${vars.length} weights but the file has ${saved.length}`);
    }
    vars.forEach((v, i) => {
      const t = saved[i];
      if (t.dtype !== v.dtype || t.shape.length !== v.shape.length || t.shape.some((d, j) => d !== v.shape[j])) {
        throw new Error(`io.load: weight ${i} '${v.name}' is ${v.dtype} [${v.shape}] in the rebuilt model but ${t.dtype} [${t.shape}] in the file ('${t.name}')`);
      }
    });
    // Byte copies straight into the variables' blocks (the views are made after every allocation).
    vars.forEach((v, i) => new Uint8Array(engine.k.memory.buffer, v.ptr, v.byteLength).set(saved[i].bytes));
    if (config.training !== undefined) loadTraining(model, config.training, byName);
    if (half) markFloat16(model);
    return model;
  } catch (e) {
    model?.dispose();
    for (const l of built) l.dispose();
    throw e;
  }
}

export const layersKind: ModelKind<LayersModel> = {
  save,
  load,
  matches: (model) => model instanceof LayersModel,
};
