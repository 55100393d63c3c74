// The decoded graph → a LayersModel of Lepton layers. Checks every node first and refuses the
// graph with one Error listing every node it cannot import; then builds the layers node by node
// (a failure disposes what was built); graph outputs come back in ONNX's own layout and shape.
import { LayersModel } from '../models/model.js';
import { input } from '../layers/input.js';
import type { SymbolicTensor } from '../layers/layer.js';
import { Builder } from './builder.js';
import { fail } from './decode.js';
import { prepareGraph } from './fold.js';
import type { OnnxGraph } from './graph.js';
import { Val } from './layout.js';
import { OPS } from './ops/index.js';
import { OnnxOp } from './op_layer.js';
import { prepareQuantized } from './qdq.js';
import { quantize, type QuantizedModel } from '../quantize/index.js';
import type { Tensor } from '../tensor.js';

/** One line per node that cannot be imported: its name, op type and why. */
export function unsupportedNodes(g: OnnxGraph): string[] {
  const lines: string[] = [];
  for (const n of g.nodes) {
    const opName = n.domain === '' ? n.opType : `${n.domain}::${n.opType}`;
    const handler = n.domain === '' && Object.hasOwn(OPS, n.opType) ? OPS[n.opType] : undefined;
    const why = handler === undefined ? 'not supported' : handler.check?.(n, g) ?? null;
    if (why !== null) lines.push(`${JSON.stringify(n.name)} (${opName}): ${why}`);
  }
  return lines;
}

/** Options of fromOnnx(). */
export interface ImportOptions {
  /** The model's name (default: the graph's, or 'onnx_model'). */
  name?: string;
  /**
   * Return an int8 QuantizedModel (lp.quantize) instead of the f32 model, calibrated with the
   * ranges the graph's QuantizeLinear nodes give (see qdq.ts); values without one are calibrated
   * from calibrationData, an Error when it is not given.
   */
  quantized?: boolean;
  /** With quantized: model inputs (NCHW, as the graph takes them) for values the graph gives no range. */
  calibrationData?: Tensor;
  /**
   * Sizes for symbolic dimensions of the graph's inputs, by their names (onnxruntime's
   * freeDimensionOverrides). Only an input's first dimension may stay symbolic, so a time-major
   * input [T, 'batch', I] (a PyTorch LSTM's) needs `{ batch: n }`.
   */
  freeDimensions?: Record<string, number>;
}

// Layers whose input may take the range of their output: element-wise clamps and data movement,
// so that a Conv → Clip → QuantizeLinear quantizes the Conv's output on the same grid, as ORT does.
const RANGE_THROUGH = new Set(['Permute', 'Flatten', 'Reshape', 'MaxPooling2D', 'Dropout', 'OnnxOp', 'Activation', 'ReLU']);
// Layers that only move values (or pick the largest): their output has their input's range.
const RANGE_KEPT = new Set(['Permute', 'Flatten', 'Reshape', 'MaxPooling2D', 'Dropout']);

/** The recorded ranges by value name, carried forward through RANGE_KEPT layers, then back through RANGE_THROUGH layers, to values without one. */
export function recordedRanges(model: LayersModel, b: Builder): Record<string, [number, number]> {
  const byId = new Map<number, [number, number]>();
  for (const v of b.rangedValues()) for (const sym of v.forms.values()) byId.set(sym.id, v.range!);
  const nodes = model.graphNodes;
  for (const n of nodes) {
    const r = n.inputs.length === 1 ? byId.get(n.inputs[0].id) : undefined;
    if (r !== undefined && RANGE_KEPT.has(n.layer.className) && !byId.has(n.outputs[0].id)) byId.set(n.outputs[0].id, r);
  }
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    const r = byId.get(n.outputs[0]?.id ?? -1);
    const op = n.layer instanceof OnnxOp ? n.layer.op : '';
    const through = RANGE_THROUGH.has(n.layer.className) && (op === '' || op === 'clip');
    if (r !== undefined && through && n.inputs.length === 1 && !byId.has(n.inputs[0].id)) byId.set(n.inputs[0].id, r);
  }
  const names: Record<string, [number, number]> = {};
  const known = new Map([...model.inputs, ...nodes.flatMap((n) => n.outputs)].map((s) => [s.id, s.name]));
  for (const [id, r] of byId) if (known.has(id) && r[0] < r[1]) names[known.get(id)!] = r;
  return names;
}

export function importGraph(g: OnnxGraph, opts: ImportOptions = {}): LayersModel | QuantizedModel {
  prepareGraph(g);
  if (opts.quantized === true) prepareQuantized(g);
  const bad = unsupportedNodes(g);
  if (bad.length > 0) {
    fail(`the graph has ${bad.length} node(s) that cannot be imported:\n  ${bad.slice(0, 200).join('\n  ')}` +
      (bad.length > 200 ? `\n  ... and ${bad.length - 200} more` : ''));
  }
  for (const o of g.outputs) if (g.constants.has(o.name)) fail(`graph output ${JSON.stringify(o.name)} is a constant`);
  // Integer inputs are ids: only a Gather from a constant table (an Embedding) may read them.
  for (const v of g.inputs.filter((i) => i.integer)) {
    const misuse = g.nodes.find((n) => n.inputs.some((name, i) => name === v.name && !(n.opType === 'Gather' && i === 1 && g.constants.has(n.inputs[0]))));
    if (misuse !== undefined || g.outputs.some((o) => o.name === v.name)) {
      fail(`graph input ${JSON.stringify(v.name)} is integer; integer inputs may only be the indices of a Gather from a constant table` +
        (misuse ? ` (node ${JSON.stringify(misuse.name)} (${misuse.opType}) reads it)` : ''));
    }
  }
  const b = new Builder(g);
  try {
    const inputs: SymbolicTensor[] = g.inputs.map((v) => {
      const sym = input({ batchShape: v.shape, name: b.layerName(v.name) });
      b.set(v.name, Val.of('onnx', sym));
      return sym;
    });
    for (const n of g.nodes) {
      try {
        OPS[n.opType].build(n, b);
      } catch (e) {
        const msg = (e as Error).message;
        throw new Error(msg.startsWith('fromOnnx:') ? msg : `fromOnnx: node ${JSON.stringify(n.name)} (${n.opType}): ${msg}`);
      }
    }
    const outputs = g.outputs.map((o) => {
      const sym = b.form(b.tensor({ name: o.name, opType: 'output', domain: '', inputs: [o.name], outputs: [], attrs: new Map() }, 0), 'onnx');
      const want = o.shape;
      if (want.length > 0 && (want.length !== sym.shape.length || want.some((d, i) => i > 0 && d !== null && d !== sym.shape[i]))) {
        fail(`graph output ${JSON.stringify(o.name)} is declared [${want.map((d) => d ?? 'N')}] but computes [${sym.shape.map((d) => d ?? 'N')}]`);
      }
      return sym;
    });
    const model = new LayersModel({ inputs, outputs, name: opts.name ?? 'onnx_model' });
    // Nodes no output depends on built layers the model does not hold: free their weights now.
    const used = new Set(model.layers);
    for (const l of b.layers) if (!used.has(l)) l.dispose();
    if (opts.quantized !== true) return model;
    try {
      return quantize(model, { mode: 'int8', ranges: recordedRanges(model, b), calibrationData: opts.calibrationData });
    } finally {
      model.dispose();
    }
  } catch (e) {
    for (const l of b.layers) l.dispose();
    throw e;
  }
}
