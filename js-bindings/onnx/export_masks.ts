// Keras's implicit masks, traced through the graph without running it, for toOnnx: an exported
// graph carries no mask, so a layer whose output depends on one (a recurrent layer that keeps
// its state over padded steps, a global 1-D pool that skips them) cannot be written as it runs.
// ONNX's sequence_lens is one length per batch item, not a per-step mask, so such a layer (and
// an attention that would hide masked keys) is refused. Layers that only pass a mask on (Dense, Dropout, LayerNormalization, ...) are fine.
import type { LayersModel } from '../models/model.js';
import type { Layer } from '../layers/layer.js';

/** Layers whose outputs read their input's mask. */
const MASK_READERS = ['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'MultiHeadAttention'];

/** Whether a layer's output has a mask, given which of its inputs have one (as its computeMask). */
function outputMasked(layer: Layer, inMasked: boolean[]): boolean {
  const c = layer.className;
  if (c === 'Embedding') return (layer as unknown as { maskZero: boolean }).maskZero;
  if (!inMasked.some((m) => m)) return false;
  if (c === 'GlobalAveragePooling1D' || c === 'GlobalMaxPooling1D') return false;
  if (c === 'MultiHeadAttention') return inMasked[0]; // the query's mask passes on
  if (MASK_READERS.includes(c)) {
    const inner = c === 'Bidirectional' ? (layer as unknown as { forwardLayer: Layer }).forwardLayer : layer;
    return (inner as unknown as { returnSequences: boolean }).returnSequences;
  }
  // merges combine their inputs' masks; any other layer passes one mask on when it supports masking
  if (inMasked.length > 1) return ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate'].includes(c);
  return layer.supportsMasking;
}

/** 'name (Class): why' for each layer that would read a mask, in graph order. */
export function maskProblems(model: LayersModel): string[] {
  const masked = new Map<number, boolean>();
  const bad: string[] = [];
  for (const node of model.graphNodes) {
    const ins = node.inputs.map((s) => masked.get(s.id) ?? false);
    if (MASK_READERS.includes(node.layer.className) && ins.some((m) => m)) {
      bad.push(`${node.layer.name} (${node.layer.className}): reads a mask (from an Embedding with maskZero), which the exported graph ` +
        "would not carry (ONNX's sequence_lens is one length per batch item, not a mask); build the model without maskZero to export it");
    }
    const m = outputMasked(node.layer, ins);
    for (const s of node.outputs) masked.set(s.id, m);
  }
  return bad;
}
