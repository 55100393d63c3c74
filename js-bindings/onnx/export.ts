// toOnnx(model): a LayersModel (f32) or an int8 QuantizedModel (QDQ form, export_int8.ts) as the
// bytes of an ONNX model (opset 17, IR version 8) that takes and returns the model's own shapes
// (NHWC images; the batch dimension symbolic). Inside, convolutions and pools run on NCHW
// values, made once by a Transpose where a value first needs them (export_writer.ts). A model
// with layers that cannot be exported is refused with one Error listing them all, before any
// node is written.
import { LayersModel } from '../models/model.js';
import { InputLayer } from '../layers/input.js';
import { QuantizedModel } from '../quantize/model.js';
import { encodeModel, graphOutputs, OnnxWriter, XVal, type ExportOptions, type GraphIO } from './export_writer.js';
import { LAYER_EXPORTS, layerProblem } from './export_layers.js';
import { maskProblems } from './export_masks.js';
import { quantizedProblems, writeQuantized } from './export_int8.js';

export { EXPORT_IR_VERSION, EXPORT_OPSET, type ExportOptions } from './export_writer.js';

function refuse(what: string, lines: string[]): never {
  throw new Error(`toOnnx: the model has ${lines.length} ${what} that cannot be exported:\n  ${lines.slice(0, 200).join('\n  ')}` +
    (lines.length > 200 ? `\n  ... and ${lines.length - 200} more` : ''));
}

function writeLayers(model: LayersModel, opts: ExportOptions): Uint8Array {
  const nodes = model.graphNodes;
  if (model.inputs.length === 0) throw new Error('toOnnx: the model has no layers');
  const bad: string[] = [];
  for (const l of new Set(nodes.map((n) => n.layer))) {
    const why = layerProblem(l);
    if (why !== null) bad.push(`${l.name} (${l.className}): ${why}`);
  }
  bad.push(...maskProblems(model).filter((line) => !bad.includes(line)));
  if (bad.length > 0) refuse('layer(s)', bad);
  const w = new OnnxWriter();
  const vals = new Map<number, XVal>();
  const inputs: GraphIO[] = model.inputs.map((s) => {
    const name = w.name(s.node!.layer.name);
    const v = XVal.of('keras', name, s.shape);
    v.int = s.dtype === 'int32';
    vals.set(s.id, v);
    return { name, shape: s.shape, int: v.int };
  });
  for (const node of nodes) {
    if (node.layer instanceof InputLayer) continue;
    if (node.outputs.length !== 1) throw new Error(`toOnnx: ${node.layer.name} (${node.layer.className}): layers with several outputs cannot be exported`);
    const ins = node.inputs.map((s) => vals.get(s.id)!);
    try {
      vals.set(node.outputs[0].id, LAYER_EXPORTS[node.layer.className].emit(w, node.layer, ins, node.outputs[0].shape, node.callArgs ?? {}));
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith('toOnnx:') ? msg : `toOnnx: ${node.layer.name} (${node.layer.className}): ${msg}`);
    }
  }
  const outputs = graphOutputs(w, model.outputs.map((s, i) => ({ v: vals.get(s.id)!, name: model.outputs.length === 1 ? 'output' : `output_${i}` })));
  return encodeModel(w, inputs, outputs, opts, model.name);
}

/**
 * The model as ONNX bytes (opset 17) that onnxruntime loads: f32 LayersModels (sequential or
 * functional) and int8 QuantizedModels (QDQ: QuantizeLinear / DequantizeLinear around f32 ops).
 * The graph takes and returns the model's own shapes, with a symbolic batch dimension.
 */
export function toOnnx(model: LayersModel | QuantizedModel, opts: ExportOptions = {}): Uint8Array {
  if (opts === null || typeof opts !== 'object') throw new Error('toOnnx: options must be an object');
  if (model instanceof QuantizedModel) {
    if (model.isDisposed) throw new Error('toOnnx: the QuantizedModel is disposed');
    const bad = quantizedProblems(model);
    if (bad.length > 0) refuse('step(s)', bad);
    return writeQuantized(model, opts);
  }
  if (!(model instanceof LayersModel)) throw new Error(`toOnnx: expects a LayersModel or a QuantizedModel, got ${model === null ? 'null' : typeof model}`);
  return writeLayers(model, opts);
}
