// Which weights pruning touches: the kernels of Dense, Conv2D, DepthwiseConv2D and
// SeparableConv2D (both of its kernels), never biases; and the zero-fraction report.
import { engine } from '../engine.js';
import type { Variable } from '../variable.js';
import type { Layer } from '../layers/layer.js';
import { Dense } from '../layers/core.js';
import { Conv2D, DepthwiseConv2D, SeparableConv2D } from '../layers/conv.js';
import type { LayersModel } from '../models/model.js';

const PRUNABLE = 'Dense, Conv2D, DepthwiseConv2D, SeparableConv2D';

/** A layer's prunable kernels (null for other layers). */
function kernelsOf(layer: Layer): (Variable | null)[] | null {
  if (layer instanceof SeparableConv2D) return [layer.depthwiseKernel, layer.pointwiseKernel];
  if (layer instanceof DepthwiseConv2D) return [layer.depthwiseKernel];
  if (layer instanceof Conv2D || layer instanceof Dense) return [layer.kernel];
  return null;
}

/**
 * The kernels to prune, checked: the model has layers, named layers exist and are prunable,
 * every kernel is built and live.
 */
export function prunableWeights(op: string, model: LayersModel, names?: string[]): { layer: Layer; weight: Variable }[] {
  const all = model.layers;
  if (model.outputs.length === 0 || all.length === 0) throw new Error(`${op}: model '${model.name}' has no layers (add layers first)`);
  let chosen: Layer[];
  if (names !== undefined) {
    if (!Array.isArray(names) || names.length === 0) throw new Error(`${op}: layers must be a non-empty list of layer names`);
    chosen = names.map((name) => {
      const layer = all.find((l) => l.name === name);
      if (layer === undefined) {
        throw new Error(`${op}: no layer named ${JSON.stringify(name)} in model '${model.name}' (layers: ${all.map((l) => l.name).join(', ')})`);
      }
      if (kernelsOf(layer) === null) throw new Error(`${op}: layer '${name}' (${layer.className}) is not prunable (prunable: ${PRUNABLE})`);
      return layer;
    });
  } else {
    chosen = all.filter((l) => kernelsOf(l) !== null);
    if (chosen.length === 0) {
      throw new Error(`${op}: model '${model.name}' has no prunable layer (prunable: ${PRUNABLE}; ` +
        `its layers: ${all.map((l) => `${l.name} (${l.className})`).join(', ')})`);
    }
  }
  return chosen.flatMap((layer) => kernelsOf(layer)!.map((weight) => {
    if (weight === null || weight.isDisposed) throw new Error(`${op}: layer '${layer.name}' is not built (or its weights were disposed)`);
    return { layer, weight };
  }));
}

/** What pruning.sparsity(model) reports. */
export interface SparsityReport {
  /** Fraction of zeros per prunable kernel, by variable name (e.g. 'dense/kernel'). */
  layers: Record<string, number>;
  /** Fraction of zeros over all prunable kernels together. */
  total: number;
}

/** lp.pruning.sparsity(model): the fraction of zeros of each prunable kernel and overall. */
export function sparsity(model: LayersModel): SparsityReport {
  const layers: Record<string, number> = {};
  let zeros = 0, size = 0;
  for (const { weight } of prunableWeights('pruning.sparsity', model)) {
    const z = engine.k.count_zeros_f32(weight.ptr, weight.size);
    layers[weight.name] = weight.size > 0 ? z / weight.size : 0;
    zeros += z;
    size += weight.size;
  }
  return { layers, total: size > 0 ? zeros / size : 0 };
}
