// Sequence and 1-D layers as ONNX nodes (f32): SimpleRNN / LSTM / GRU and Bidirectional as ONNX's
// RNN / LSTM / GRU ops, Conv1D and the 1-D pools on the channels-first ('nchw', [batch, channels,
// time]) form of a sequence, the global 1-D pools as reductions over time.
//
// ONNX's recurrent ops are time-major (onnxruntime refuses layout 1): X [T, N, I] in, Y
// [T, dirs, N, H] and Y_h [dirs, N, H] out; a returned sequence stays time-major ('tnc') for the
// next recurrent layer. Keras's kernel [I, G·H] becomes W [dirs, G·H, I] with
// its gate blocks reordered (LSTM: Keras i, f, c, o → ONNX i, o, f, c; GRU z, r, h and SimpleRNN's
// one block as they are), the recurrent kernel [H, G·H] likewise R [dirs, G·H, H], and the one
// Keras bias goes in B's input half (the recurrent half is zeros). Lepton's GRU is the
// reset-before form, ONNX's linear_before_reset 0.
import type { Layer, SymbolicShape } from '../layers/layer.js';
import { RNNLayer } from '../layers/recurrent.js';
import type { RnnActivation } from '../ops/rnn.js';
import type { Bidirectional } from '../layers/bidirectional.js';
import type { Conv1D } from '../layers/conv1d.js';
import type { MaxPooling1D } from '../layers/pooling1d.js';
import { float, formAxes, XVal, type Attr, type OnnxWriter } from './export_writer.js';
import { values } from './export_weights.js';
import { activate, EXPORTED_ACTIVATIONS } from './export_activations.js';
import type { LayerExport } from './export_layers.js';
import { explicitPads } from './export_pads.js';

// ---- recurrent layers -----------------------------------------------------------------------

const OP = { simpleRNN: 'RNN', lstm: 'LSTM', gru: 'GRU' } as const;
/** For each ONNX gate block, the Keras block it comes from. */
const ONNX_GATES = { simpleRNN: [0], lstm: [0, 3, 1, 2], gru: [0, 1, 2] } as const;

/** Lepton's RNN activations as ONNX's, with the alpha / beta of those that take them (tfjs's hardSigmoid is 0.2·x + 0.5). */
const RNN_ACTIVATION: Record<RnnActivation, { name: string; alpha?: number; beta?: number }> = {
  tanh: { name: 'Tanh' }, sigmoid: { name: 'Sigmoid' }, relu: { name: 'Relu' },
  hardSigmoid: { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 }, linear: { name: 'Affine', alpha: 1, beta: 0 },
};

/** Keras's [K, G·H] (kernel or recurrent kernel) → ONNX's rows [G·H, K] in ONNX's gate order. */
function gateRows(m: Float32Array, cell: RNNLayer['cell'], h: number, k: number): Float32Array {
  const order = ONNX_GATES[cell], gh = order.length * h, out = new Float32Array(gh * k);
  order.forEach((kg, og) => {
    for (let u = 0; u < h; u++) for (let i = 0; i < k; i++) out[(og * h + u) * k + i] = m[i * gh + kg * h + u];
  });
  return out;
}

/** Keras's bias [G·H] → ONNX's B row [2·G·H]: the input half in ONNX's gate order, the recurrent half zeros. */
function biasRow(l: RNNLayer, h: number): Float32Array {
  const order = ONNX_GATES[l.cell], gh = order.length * h, out = new Float32Array(2 * gh);
  if (l.bias !== null) {
    const b = values(l.bias);
    order.forEach((kg, og) => out.set(b.subarray(kg * h, (kg + 1) * h), og * h));
  }
  return out;
}

/** The activations attribute (f, g, h per direction) and the alphas / betas of those that take them. */
function activationAttrs(l: RNNLayer, dirs: number): Record<string, Attr> {
  const one: RnnActivation[] = l.cell === 'simpleRNN' ? [l.activation]
    : l.cell === 'lstm' ? [l.recurrentActivation, l.activation, l.activation] : [l.recurrentActivation, l.activation];
  const acts = Array.from({ length: dirs }, () => one).flat().map((a) => RNN_ACTIVATION[a]);
  const alphas = acts.filter((a) => a.alpha !== undefined);
  return { activations: acts.map((a) => a.name),
    ...(alphas.length > 0 ? { activation_alpha: float(alphas.map((a) => a.alpha!)), activation_beta: float(alphas.map((a) => a.beta!)) } : {}) };
}

const MERGE_OPS: Record<string, string> = { sum: 'ReduceSum', ave: 'ReduceMean', mul: 'ReduceProd' };

/** The arrays end to end (one direction's weights after the other's). */
function joined(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * One ONNX recurrent node for `layers` (one, or Bidirectional's forward and backward), and its
 * output with the directions merged: the sequence time-major ([T, N, ·], the 'tnc' form) or the
 * last step [N, ·].
 */
function emitRecurrent(w: OnnxWriter, name: string, layers: RNNLayer[], merge: string, x: XVal, out: SymbolicShape): XVal {
  const l = layers[0], h = l.units, dirs = layers.length, k = x.shape[2]!;
  const gh = ONNX_GATES[l.cell].length * h;
  const wts = w.floats(`${name}/W`, [dirs, gh, k], joined(layers.map((r) => gateRows(values(r.kernel!), r.cell, h, k))));
  const rec = w.floats(`${name}/R`, [dirs, gh, h], joined(layers.map((r) => gateRows(values(r.recurrentKernel!), r.cell, h, h))));
  const bias = w.floats(`${name}/B`, [dirs, 2 * gh], joined(layers.map((r) => biasRow(r, h))));
  const timeMajor = w.form(x, 'tnc');
  const direction = dirs === 2 ? 'bidirectional' : l.goBackwards ? 'reverse' : 'forward';
  const [y, yh] = w.multi(OP[l.cell], [timeMajor, wts, rec, bias], `${name}_${OP[l.cell].toLowerCase()}`,
    { hidden_size: h, direction, ...activationAttrs(l, dirs) }, 2);
  // The sequence stays time-major: Y [T, dirs, N, H] → [T, N, dirs·H] (tnc); the last step
  // Y_h [dirs, N, H] → [N, dirs·H]. The directions (axis `d`) merge as a Reshape for concat
  // (forward units first, as Keras's concat, after a Transpose when there are two), as a
  // reduction over `d` otherwise.
  const seq = l.returnSequences;
  const reversed = dirs === 1 && l.goBackwards && seq;
  const mergedName = reversed ? `${name}_processing_order` : name;
  let merged: string;
  if (dirs === 1 || merge === 'concat') {
    // one direction needs no Transpose: [T, 1, N, H] and [1, N, H] reshape as they are
    const src = dirs === 1 ? (seq ? y : yh) : seq ? w.node('Transpose', [y], `${name}_directions_last`, { perm: [0, 2, 1, 3] })
      : w.node('Transpose', [yh], `${name}_batch_first`, { perm: [1, 0, 2] });
    merged = w.node('Reshape', [src, w.int64s(`${name}/shape`, seq ? [0, -1, dirs * h] : [-1, dirs * h])], mergedName);
  } else {
    const d = seq ? 1 : 0;
    merged = w.node(MERGE_OPS[merge], [seq ? y : yh, ...(merge === 'sum' ? [w.int64s(`${name}/axes`, [d])] : [])], mergedName,
      { ...(merge === 'sum' ? {} : { axes: [d] }), keepdims: 0 });
  }
  // Keras's goBackwards sequence comes in processing order; ONNX's reverse Y in time order: flip it.
  const flipped = reversed ? w.node('Slice', [merged, w.int64s(`${name}/starts`, [-1]), w.int64s(`${name}/ends`, [Number.MIN_SAFE_INTEGER]),
    w.int64s(`${name}/time_axis`, [0]), w.int64s(`${name}/steps`, [-1])], name) : merged;
  return XVal.of(seq ? 'tnc' : 'keras', flipped, out);
}

/** Why a recurrent layer (or Bidirectional's inner one) cannot be exported, or null. */
function rnnProblem(l: RNNLayer): string | null {
  if (l.returnState) return 'returnState (several outputs) cannot be exported';
  return null;
}

function oneInput(l: Layer, ins: XVal[]): XVal {
  if (ins.length !== 1) throw new Error('initial states given as inputs cannot be exported (ONNX initial_h / initial_c are not written)');
  return ins[0];
}

const recurrent: LayerExport = {
  check: (l) => rnnProblem(l as RNNLayer),
  emit: (w, l, ins, out) => emitRecurrent(w, l.name, [l as RNNLayer], 'concat', oneInput(l, ins), out),
};

const bidirectional: LayerExport = {
  check: (layer) => {
    const l = layer as Bidirectional;
    if (l.mergeMode === null) return 'mergeMode null (two outputs) cannot be exported';
    // ONNX's bidirectional runs its first direction forwards, its second backwards.
    if (l.forwardLayer.goBackwards) return 'a goBackwards inner layer cannot be exported';
    return rnnProblem(l.forwardLayer);
  },
  emit: (w, layer, ins, out) => {
    const l = layer as Bidirectional;
    return emitRecurrent(w, l.name, [l.forwardLayer, l.backwardLayer], l.mergeMode!, oneInput(l, ins), out);
  },
};

// ---- 1-D convolutions and pools (channels-first, ONNX's 1-D Conv / MaxPool / AveragePool) ---

/** [left, right] pads of a 1-D window over time: 'valid' / 'same' as Lepton computes them, 'causal' all on the left. */
function pads1d(l: { name: string; className: string }, x: XVal, padding: string, k: number, stride: number, dilation: number): number[] {
  if (padding === 'causal') return [(k - 1) * dilation, 0];
  if (padding === 'valid') return [0, 0];
  const [n, t, c] = x.shape; // Lepton's sequences have a static length
  const [, left, , right] = explicitPads({ name: l.name, className: l.className, strides: [1, stride], padding: padding as 'valid' | 'same' },
    [n, 1, t, c], [1, k], [1, dilation]);
  return [left, right];
}

function emitConv1d(w: OnnxWriter, l: Conv1D, x: XVal, out: SymbolicShape): XVal {
  const [k, ci, co] = l.kernel!.shape;
  const kernel = values(l.kernel!), oik = new Float32Array(kernel.length);
  // Lepton's [k, in, out] → ONNX's [out, in, k]
  for (let t = 0; t < k; t++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) oik[(o * ci + i) * k + t] = kernel[(t * ci + i) * co + o];
  const y = w.node('Conv', [w.form(x, 'nchw'), w.floats(`${l.name}/kernel`, [co, ci, k], oik),
    ...(l.bias ? [w.floats(`${l.name}/bias`, [co], values(l.bias))] : [])], l.name,
  { kernel_shape: [k], strides: [l.strides], dilations: [l.dilationRate], pads: pads1d(l, x, l.padding, k, l.strides, l.dilationRate) });
  return activate(w, l.activation, XVal.of('nchw', y, out), `${l.name}_${l.activation}`);
}

function emitPool1d(w: OnnxWriter, l: MaxPooling1D, x: XVal, out: SymbolicShape): XVal {
  const isMax = l.className === 'MaxPooling1D';
  const attrs = { kernel_shape: [l.poolSize], strides: [l.strides], pads: pads1d(l, x, l.padding, l.poolSize, l.strides, 1),
    ...(isMax ? {} : { count_include_pad: 0 }) };
  return XVal.of('nchw', w.node(isMax ? 'MaxPool' : 'AveragePool', [w.form(x, 'nchw')], l.name, attrs), out);
}

/** Global 1-D pools: a reduction over time, in whichever form the sequence has. */
function emitGlobalPool1d(w: OnnxWriter, l: Layer, x: XVal, out: SymbolicShape): XVal {
  const form = x.preferred();
  return XVal.of('keras', w.node(l.className === 'GlobalMaxPooling1D' ? 'ReduceMax' : 'ReduceMean', [w.form(x, form)], l.name,
    { axes: [formAxes(form, 3).indexOf(1)], keepdims: 0 }), out);
}

const one = (f: (w: OnnxWriter, l: never, x: XVal, out: SymbolicShape) => XVal): LayerExport['emit'] =>
  (w, l, ins, out) => f(w, l as never, ins[0], out);

/** The sequence layers' exports, by className (merged into export_layers.ts's LAYER_EXPORTS). */
export const SEQUENCE_EXPORTS: Record<string, LayerExport> = {
  SimpleRNN: recurrent,
  LSTM: recurrent,
  GRU: recurrent,
  Bidirectional: bidirectional,
  Conv1D: { check: (l) => (EXPORTED_ACTIVATIONS.includes((l as Conv1D).activation) ? null : `activation ${(l as Conv1D).activation} cannot be exported`),
    emit: one(emitConv1d) },
  MaxPooling1D: { emit: one(emitPool1d) },
  AveragePooling1D: { emit: one(emitPool1d) },
  GlobalAveragePooling1D: { emit: one(emitGlobalPool1d) },
  GlobalMaxPooling1D: { emit: one(emitGlobalPool1d) },
};
