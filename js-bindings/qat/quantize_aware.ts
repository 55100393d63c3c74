// quantizeAware(model): the model rebuilt for quantization-aware training (TF Model Optimization's
// quantize_model): every Conv2D / DepthwiseConv2D / SeparableConv2D / Dense computes with its
// kernel fake-quantized per output channel, and a FakeQuant layer follows the input and every such
// layer whose output the int8 model holds quantized. Fine-tune it with compile / fit; then
// quantize(qatModel, {mode: 'int8'}) builds the true int8 model from its weights and learned ranges.
import { LayersModel } from '../models/model.js';
import { input } from '../layers/input.js';
import type { Layer, SymbolicTensor } from '../layers/layer.js';
import { attachWeightQuantizer, FakeQuant, type FakeQuantArgs } from './layers.js';
import { load, registerLayer, save } from '../io/index.js';
import { layerFactory, loadArgs } from '../io/registry.js';
import type { QuantRange } from './fake_quant.js';

/** The layers whose kernels the int8 model quantizes (and whose outputs it requantizes). */
export const QUANTIZED_KERNEL_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

/** Options of quantizeAware(): the integer ranges to train for. */
export interface QuantizeAwareOptions {
  /** Integer range of the activations (the int8 model's: [0, 127]). */
  activationRange?: QuantRange;
  /** Weights are symmetric over [-weightQmax, weightQmax] (the int8 model's: 127). */
  weightQmax?: number;
}

/** The int8 scheme's defaults (js-bindings/quantize/): 7-bit activations, 8-bit symmetric weights. */
export const DEFAULT_ACTIVATION_RANGE: QuantRange = { qmin: 0, qmax: 127 };
export const DEFAULT_WEIGHT_QMAX = 127;

/** A new model for quantization-aware training, built on a copy of `model` (which is left untouched). */
export function quantizeAware(model: LayersModel, options: QuantizeAwareOptions = {}): LayersModel {
  const op = 'quantizeAware';
  if (!(model instanceof LayersModel)) throw new Error(`${op}: expects a LayersModel (lp.sequential or lp.model), got ${String(model)}`);
  if (model.inputs.length === 0) throw new Error(`${op}: the model has no layers (build it first)`);
  if (model.graphNodes.some((n) => n.layer instanceof FakeQuant)) throw new Error(`${op}: the model is already quantization-aware`);
  const range = options.activationRange ?? DEFAULT_ACTIVATION_RANGE;
  const weightQmax = options.weightQmax ?? DEFAULT_WEIGHT_QMAX;
  if (!Number.isInteger(weightQmax) || weightQmax < 1 || weightQmax > 127) {
    throw new Error(`${op}: weightQmax must be an integer in [1, 127], got ${weightQmax}`);
  }
  if (!model.graphNodes.some((n) => QUANTIZED_KERNEL_LAYERS.has(n.layer.className))) {
    throw new Error(`${op}: the model has no layer to quantize (${[...QUANTIZED_KERNEL_LAYERS].join(', ')})`);
  }
  const source = load<LayersModel>(save(model));
  const fq = (s: SymbolicTensor, name: string) => new FakeQuant({ range, name: `${name}/quant` }).apply(s) as SymbolicTensor;
  const map = new Map<number, SymbolicTensor>();
  const inputs = source.inputs.map((s) => {
    const x = input({ batchShape: [...s.shape], name: `${s.name}_qat` });
    map.set(s.id, fq(x, s.name));
    return x;
  });
  for (const node of source.graphNodes) {
    const ins = node.inputs.map((s) => map.get(s.id)!);
    const layer: Layer = node.layer;
    let out = layer.apply(node.listInput ? ins : ins[0]) as SymbolicTensor;
    if (QUANTIZED_KERNEL_LAYERS.has(layer.className)) {
      attachWeightQuantizer(layer, weightQmax);
      if (!source.outputs.some((o) => o.node === node)) out = fq(out, layer.name);
    }
    map.set(node.outputs[0].id, out);
  }
  return new LayersModel({ inputs, outputs: source.outputs.map((o) => map.get(o.id)!), name: `${model.name}_qat` });
}

/** What a fine-tuned quantization-aware model gives the int8 converter. */
export interface QatRanges {
  /** The learned [lo, hi] of each model input, by input index. */
  inputs: ([number, number] | null)[];
  /** The learned [lo, hi] of each quantized layer's output, by layer name. */
  outputs: Map<string, [number, number]>;
}

/** The learned activation ranges of a quantizeAware model (null where a FakeQuant saw no batch). */
export function qatRanges(model: LayersModel): QatRanges {
  const outputs = new Map<string, [number, number]>();
  const inputs: ([number, number] | null)[] = model.inputs.map(() => null);
  for (const node of model.graphNodes) {
    if (!(node.layer instanceof FakeQuant)) continue;
    const r = node.layer.learnedRange();
    const from = node.inputs[0];
    const inputIndex = model.inputs.findIndex((s) => s.id === from.id);
    if (inputIndex >= 0) inputs[inputIndex] = r;
    else if (r !== null && from.node !== null) outputs.set(from.node.layer.name, r);
  }
  return { inputs, outputs };
}

/** Whether a model came from quantizeAware. */
export function isQuantizeAware(model: LayersModel): boolean {
  return model.graphNodes.some((n) => n.layer instanceof FakeQuant);
}

/**
 * The model's graph without its FakeQuant layers (the same layer objects, so the same weights),
 * and the ranges those layers learned, keyed by the new graph's symbolic tensor ids: what the
 * int8 converter quantizes a quantization-aware model with.
 */
export function withoutFakeQuant(model: LayersModel): { model: LayersModel; ranges: Map<number, [number, number]> } {
  const map = new Map<number, SymbolicTensor>();
  const ranges = new Map<number, [number, number]>();
  const inputs = model.inputs.map((s) => {
    const x = input({ batchShape: [...s.shape], name: `${s.name}_int8` });
    map.set(s.id, x);
    return x;
  });
  for (const node of model.graphNodes) {
    const ins = node.inputs.map((s) => map.get(s.id)!);
    if (node.layer instanceof FakeQuant) {
      const r = node.layer.learnedRange();
      if (r !== null) ranges.set(ins[0].id, r);
      map.set(node.outputs[0].id, ins[0]);
      continue;
    }
    map.set(node.outputs[0].id, node.layer.apply(node.listInput ? ins : ins[0]) as SymbolicTensor);
  }
  return { model: new LayersModel({ inputs, outputs: model.outputs.map((o) => map.get(o.id)!), name: model.name }), ranges };
}

// Quantization-aware models in model files: FakeQuant layers (their ranges are weights), and the
// kernel quantizers of the layers they wrap, recorded in the layer config as {kernelQuantizer: {qmax}}.
registerLayer('FakeQuant', (config) => new FakeQuant(loadArgs(config) as unknown as FakeQuantArgs));
for (const className of QUANTIZED_KERNEL_LAYERS) {
  const plain = layerFactory(className)!;
  registerLayer(className, (config) => {
    const q = config.kernelQuantizer as { qmax?: unknown } | undefined;
    if (q !== undefined && (q === null || typeof q !== 'object' || !Number.isInteger(q.qmax) || (q.qmax as number) < 1 || (q.qmax as number) > 127)) {
      throw new Error(`config.kernelQuantizer must be {qmax: an integer in [1, 127]}, got ${JSON.stringify(q)?.slice(0, 60)}`);
    }
    const layer = plain(config);
    if (q !== undefined) attachWeightQuantizer(layer, q.qmax as number);
    return layer;
  });
}
