// lp.quantize(model, {mode, calibrationData, calibration, percentile}): post-training int8
// quantization of a built LayersModel into a QuantizedModel.
//   mode 'int8': weights symmetric per output channel, activations asymmetric per tensor (7-bit,
//     ranges from calibration), the whole network in int8 between a quantize at the input and a
//     dequantize at the output; layers without an int8 kernel run in f32 and are reported.
//   mode 'dynamic': int8 weights for Dense and Conv2D, activations quantized per batch at run time.
//   mode 'float16': a LayersModel copy with binary16 weights, stored as float16 in model files.
// A model from quantizeAware (js-bindings/qat/) converts to int8 with the activation ranges it
// learned in fine-tuning (calibrationData, when given, fills in any it did not learn).
// `ranges` gives activation ranges directly (e.g. the QuantizeLinear grids of an imported ONNX
// QDQ graph); they win over calibrated ones, and calibrationData is then needed only for the rest.
import { Tensor } from '../tensor.js';
import { fmt } from '../util.js';
import { LayersModel } from '../models/model.js';
import { calibrate, type CalibrationMethod } from './calibrate.js';
import { plan, type Mode } from './plan.js';
import { QuantizedModel } from './model.js';
import { quantizeFloat16 } from './float16.js';
import { fromArtifacts, toArtifacts } from './artifacts.js';
import { registerModelKind } from '../io/index.js';
import { isQuantizeAware, withoutFakeQuant } from '../qat/quantize_aware.js';

export { QuantizedModel } from './model.js';
export { fromArtifacts, toArtifacts, type ModelArtifacts, type ArtifactTensor } from './artifacts.js';

/** Arguments of quantize(): the mode and, for int8, the calibration. */
export interface QuantizeArgs {
  mode: Mode | 'float16';
  /** int8 mode: inputs representative of the data (float32, the model's input shape); optional for a quantizeAware model. */
  calibrationData?: Tensor;
  calibration?: CalibrationMethod;
  /** For calibration 'percentile': the share of values kept, in (50, 100]; default 99.99. */
  percentile?: number;
  /**
   * int8 mode: known [min, max] ranges of activations, by value name (`model.inputs[0].name`, or a
   * layer's output `'<layer>/out'`). They replace calibrated ones; values without one are calibrated
   * from calibrationData, which may be left out when every quantized value has a range.
   */
  ranges?: Record<string, [number, number]>;
}

/** args.ranges by symbolic tensor id, each name checked against the model's values. */
function namedRanges(model: LayersModel, given: Record<string, [number, number]>): Map<number, [number, number]> {
  if (given === null || typeof given !== 'object') throw new Error('quantize: ranges must be an object of value name → [min, max]');
  const ids = new Map<string, number>();
  for (const s of [...model.inputs, ...model.graphNodes.flatMap((n) => n.outputs)]) ids.set(s.name, s.id);
  const out = new Map<number, [number, number]>();
  for (const [name, r] of Object.entries(given)) {
    const id = ids.get(name);
    if (id === undefined) throw new Error(`quantize: ranges names ${JSON.stringify(name)}, which is not a value of model '${model.name}'`);
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || !(r[0] < r[1])) {
      throw new Error(`quantize: range of ${JSON.stringify(name)} must be [min, max] with finite min < max, got ${JSON.stringify(r)}`);
    }
    out.set(id, [r[0], r[1]]);
  }
  return out;
}

const warned = new Set<string>();

/** Post-training quantization. mode 'float16': a LayersModel whose weights are stored as float16. */
export function quantize(model: LayersModel, args: QuantizeArgs & { mode: 'float16' }): LayersModel;
/** mode 'int8' (int8 weights and activations, calibrated) or 'dynamic' (int8 weights, activations quantized per batch): a QuantizedModel. */
export function quantize(model: LayersModel, args: QuantizeArgs & { mode: Mode }): QuantizedModel;
/** Post-training quantization in any mode: 'int8', 'dynamic' or 'float16'. */
export function quantize(model: LayersModel, args: QuantizeArgs): QuantizedModel | LayersModel;
export function quantize(model: LayersModel, args: QuantizeArgs): QuantizedModel | LayersModel {
  if (!(model instanceof LayersModel)) throw new Error(`quantize: expects a LayersModel, got ${String(model)}`);
  if (args === null || typeof args !== 'object') throw new Error('quantize: expects {mode, calibrationData}');
  const { mode, calibration = 'minmax', percentile = 99.99 } = args;
  if (mode !== 'int8' && mode !== 'dynamic' && mode !== 'float16') {
    throw new Error(`quantize: mode must be 'int8', 'dynamic' or 'float16', got ${JSON.stringify(mode)}`);
  }
  if (!['minmax', 'percentile', 'mse'].includes(calibration)) {
    throw new Error(`quantize: calibration must be 'minmax', 'percentile' or 'mse', got ${JSON.stringify(calibration)}`);
  }
  if (typeof percentile !== 'number' || !(percentile > 50 && percentile <= 100)) {
    throw new Error(`quantize: percentile must be a number in (50, 100], got ${String(percentile)}`);
  }
  if (model.inputs.length === 0 || model.layers.some((l) => !l.built)) {
    throw new Error(`quantize: the model '${model.name}' is not built (give the first layer an inputShape, or call predict/fit once)`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`quantize: only models with one input and one output are supported, got ${model.inputs.length} and ${model.outputs.length}`);
  }
  if (mode === 'float16') {
    if (isQuantizeAware(model)) throw new Error('quantize: a quantizeAware model converts to int8, not float16');
    return quantizeFloat16(model);
  }
  // A quantization-aware model: its graph without the FakeQuant layers, and the ranges they learned.
  const qat = isQuantizeAware(model) ? withoutFakeQuant(model) : null;
  const source = qat?.model ?? model;
  const want = model.inputs[0].shape;
  let ranges: Map<number, [number, number]> | null = null;
  if (args.ranges !== undefined && (mode !== 'int8' || qat !== null)) {
    throw new Error(`quantize: ranges are for mode 'int8' on a plain LayersModel${qat !== null ? ' (a quantizeAware model has its learned ones)' : ''}`);
  }
  const given = args.ranges === undefined ? null : namedRanges(source, args.ranges);
  if (given !== null && args.calibrationData === undefined) {
    ranges = given;
  } else if (mode === 'int8' && qat !== null && args.calibrationData === undefined) {
    ranges = qat.ranges;
  } else if (mode === 'int8') {
    const x = args.calibrationData;
    if (!(x instanceof Tensor)) throw new Error('quantize: int8 mode needs calibrationData, a Tensor of model inputs');
    x.assertLive('quantize');
    if (x.dtype !== 'float32') throw new Error(`quantize: calibrationData must be float32, got ${x.dtype}`);
    // A first axis fixed at 1 is a batch of one (a graph exported with batch 1): any number of
    // calibration samples, run one at a time.
    const first = want[0] === 1 ? null : want[0];
    if (x.rank !== want.length || want.some((d, i) => d !== null && i > 0 && d !== x.shape[i]) ||
        (first !== null && x.shape[0] !== first) || x.shape[0] < 1) {
      throw new Error(`quantize: calibrationData must have shape [${[first, ...want.slice(1)].map((d) => d ?? 'null')}] with at least one sample, got ${fmt(x.shape)}`);
    }
    ranges = calibrate(source, x, calibration, percentile);
    for (const [id, r] of qat?.ranges ?? given ?? []) ranges.set(id, r);
  }
  const p = plan(source, mode, ranges);
  for (const f of p.fallbacks) {
    if (!warned.has(f)) { warned.add(f); console.warn(`quantize: ${f}`); }
  }
  const q = new QuantizedModel(mode, p.steps, p.slots, p.inputShape, p.output, p.fallbacks, `${model.name}_${mode}`, [],
    model.inputs[0].shape[0]);
  if (!p.steps.some((st) => st.op === 'layer')) return q;
  // Layers left in f32 are the source model's own: rebuild them (as io.load does) so that the
  // quantized model owns its copies and outlives the source model.
  try {
    const art = toArtifacts(q);
    return fromArtifacts(art.config, art.tensors);
  } finally {
    q.dispose();
  }
}

// Quantized models share the model file format (lp.io): kind 'quantized' in the header.
registerModelKind<QuantizedModel>('quantized', {
  save: (model) => toArtifacts(model),
  load: (config, tensors) => fromArtifacts(config, tensors),
  matches: (model) => model instanceof QuantizedModel,
});
