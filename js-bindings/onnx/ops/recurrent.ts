// LSTM and GRU → Lepton's (Keras's) LSTM / GRU layers, one per direction (the reverse one with
// goBackwards, its outputs put back in time order). ONNX's gate blocks are reordered at import
// (LSTM: ONNX i, o, f, c → Keras i, f, c, o; GRU: z, r, h in both), W [dirs, G·H, I] and
// R [dirs, G·H, H] transposed to Keras's kernel [I, G·H] and recurrent kernel [H, G·H], and
// B's two halves (Wb, Rb) summed into Keras's one bias. A GRU with linear_before_reset 0 is tfjs's
// reset-before form; with 1 (what PyTorch exports) it is Keras's reset_after, whose bias
// [2, 3·H] keeps Wb and Rb apart as its two rows (r scales Rb_h with the recurrent product, so
// they do not add). Layout 1 ([B, T, I]) is Keras's; layout 0 ([T, B, I]) is transposed to it
// and its outputs back (a reshape when the batch is 1: the memory is the same).
// Initial states (initial_h, initial_c): constant zeros, which is how PyTorch's exporter writes
// an LSTM or GRU called without them (its zeros folded into initializers), are the layers' own
// start and are dropped; computed ones (a decoder's state inputs, carried from step to step) go
// to each direction's layer as its initial-state inputs, taken out of ONNX's [dirs, B, H]
// (layout 0) or [B, dirs, H] (layout 1). A constant sequence_lens of the full length T is
// dropped too. What does not map is refused: peepholes, clip, input_forget, other sequence_lens,
// nonzero constant initial states, activations other than the defaults.
import { GRU, LSTM } from '../../layers/recurrent.js';
import { Concatenate } from '../../layers/merge.js';
import { Reshape } from '../../layers/core.js';
import type { SymbolicTensor } from '../../layers/layer.js';
import { OnnxOp } from '../op_layer.js';
import { attrInt, attrString, where } from '../attrs.js';
import { fail } from '../decode.js';
import { dataInitializer, graphConstant, type Builder, type OpHandler } from '../builder.js';
import { Val } from '../layout.js';
import type { OnnxGraph, OnnxNode } from '../graph.js';

interface Kind {
  gates: number;
  /** For each Keras gate block, the ONNX block it comes from. */
  order: number[];
  defaults: string[];
  states: number;
}
const KINDS: Record<string, Kind> = {
  LSTM: { gates: 4, order: [0, 2, 3, 1], defaults: ['Sigmoid', 'Tanh', 'Tanh'], states: 2 },
  GRU: { gates: 3, order: [0, 1, 2], defaults: ['Sigmoid', 'Tanh'], states: 1 },
};
const DIRECTIONS = ['forward', 'reverse', 'bidirectional'];

function check(node: OnnxNode, g: OnnxGraph): string | null {
  const kind = KINDS[node.opType];
  for (const [i, role] of [[1, 'W'], [2, 'R']] as [number, string][]) {
    const c = graphConstant(g, node, i);
    if (c === undefined || c.dtype !== 'float32' || c.dims.length !== 3) return `${role} (input ${i}) must be a float32 constant of rank 3`;
  }
  if ((node.inputs[3] ?? '') !== '' && graphConstant(g, node, 3)?.dtype !== 'float32') return 'B (input 3) must be a float32 constant';
  for (const [i, what] of [[5, 'initial_h'], [6, 'initial_c']] as [number, string][]) {
    if ((node.inputs[i] ?? '') === '') continue;
    const c = graphConstant(g, node, i);
    if (c === undefined) continue; // computed: the layers' initial-state inputs
    if (c.dtype !== 'float32' || !(c.data as Float32Array).every((v) => v === 0)) {
      return `${what} (input ${i}) is supported as constant zeros or as a computed tensor, not as a nonzero constant`;
    }
  }
  if ((node.inputs[4] ?? '') !== '') {
    const c = graphConstant(g, node, 4);
    if (c === undefined || (c.dtype !== 'int32' && c.dtype !== 'int64')) return 'sequence_lens (input 4) is supported only as a constant (of the full length)';
  }
  if ((node.inputs[7] ?? '') !== '') return 'P (peepholes) (input 7) is not supported';
  if (node.attrs.has('clip')) return 'clip is not supported';
  if (attrInt(node, 'input_forget', 0) !== 0) return 'input_forget is not supported';
  const lbr = attrInt(node, 'linear_before_reset', 0);
  if (node.opType === 'GRU' && lbr !== 0 && lbr !== 1) return `linear_before_reset ${lbr} is not 0 or 1`;
  if (node.attrs.has('activation_alpha') || node.attrs.has('activation_beta')) return 'activation_alpha / activation_beta are not supported';
  const acts = node.attrs.get('activations');
  if (acts !== undefined && (!Array.isArray(acts) || acts.some((a, i) => String(a).toLowerCase() !== kind.defaults[i % kind.defaults.length].toLowerCase()))) {
    return `activations ${JSON.stringify(acts)} are not supported (only the defaults ${kind.defaults.join(', ')})`;
  }
  const dir = attrString(node, 'direction', 'forward');
  if (!DIRECTIONS.includes(dir)) return `direction ${JSON.stringify(dir)} is not one of ${DIRECTIONS.join(', ')}`;
  const layout = attrInt(node, 'layout', 0);
  if (layout !== 0 && layout !== 1) return `layout ${layout} is not 0 or 1`;
  return null;
}

/** Rows [G·H, K] of one direction in ONNX's gate order → Keras's [K, G·H] in its own. */
function toKeras(w: Float32Array, kind: Kind, h: number, k: number): Float32Array {
  const gh = kind.gates * h, out = new Float32Array(gh * k);
  for (let kg = 0; kg < kind.gates; kg++) {
    for (let u = 0; u < h; u++) {
      const row = (kind.order[kg] * h + u) * k;
      for (let i = 0; i < k; i++) out[i * gh + kg * h + u] = w[row + i];
    }
  }
  return out;
}

function build(node: OnnxNode, b: Builder): void {
  const kind = KINDS[node.opType];
  const x = b.tensor(node, 0);
  if (x.rank !== 3) fail(`${where(node)}: expects an input of rank 3, got [${x.shape.map((d) => d ?? 'N')}]`);
  const layout = attrInt(node, 'layout', 0);
  const w = b.floatConstant(node, 1, 'W'), r = b.floatConstant(node, 2, 'R');
  const dirs = attrString(node, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  const [, gh, inputs] = w.dims;
  const h = attrInt(node, 'hidden_size', gh / kind.gates);
  if (w.dims[0] !== dirs || gh !== kind.gates * h || r.dims.join() !== [dirs, gh, h].join()) {
    fail(`${where(node)}: W [${w.dims}] and R [${r.dims}] do not fit ${dirs} direction(s) of ${kind.gates} gates x hidden_size ${h}`);
  }
  const bias = (node.inputs[3] ?? '') !== '' ? b.floatConstant(node, 3, 'B') : undefined;
  if (bias !== undefined && bias.dims.join() !== [dirs, 2 * gh].join()) fail(`${where(node)}: B [${bias.dims}] must be [${dirs}, ${2 * gh}]`);
  // Keras's [B, T, I]: layout 1 as it is; layout 0 ([T, B, I]) transposed (reshaped when B is 1).
  const [t, batch, features] = layout === 0 ? x.shape : [x.shape[1], x.shape[0], x.shape[2]];
  if (t === null) fail(`${where(node)}: the input [${x.shape.map((d) => d ?? 'N')}] has no static time length`);
  const lens = b.constant(node, 4);
  if (lens !== undefined && !Array.from(lens.data as ArrayLike<number | bigint>, Number).every((v) => v === t)) {
    fail(`${where(node)}: sequence_lens [${Array.from(lens.data as ArrayLike<number | bigint>, Number)}] is supported only at the full length ${t}`);
  }
  // zero initial states (check) must still have ONNX's shape: [dirs, B, H] (layout 0), [B, dirs, H] (1)
  for (const i of [5, 6]) {
    const c = b.constant(node, i);
    if (c === undefined) continue;
    const want = layout === 0 ? [dirs, batch, h] : [batch, dirs, h];
    if (c.dims.length !== 3 || c.dims.some((d, j) => want[j] !== null && d !== want[j])) {
      fail(`${where(node)}: ${i === 5 ? 'initial_h' : 'initial_c'} [${c.dims}] must be [${want.map((d) => d ?? 'N')}]`);
    }
  }
  /** A value of ONNX shape `shape` to `to` (a reshape when B is 1, else the permutation `perm`). */
  const timeMajor = (sym: SymbolicTensor, suffix: string, to: number[], perm: number[]) => b.apply(new OnnxOp({ name: b.layerName(node, suffix),
    ...(batch === 1 ? { op: 'reshape', attrs: { shape: to } } : { op: 'transpose', attrs: { perm } }) }), sym);
  let seq = b.form(x, 'onnx');
  if (layout === 0) seq = timeMajor(seq, '_batch_first', [1, t, features!], [1, 0, 2]);
  if (features !== inputs) fail(`${where(node)}: the input [${x.shape.map((d) => d ?? 'N')}] does not match W's ${inputs} features (or has no static time length)`);
  const states = kind.states;
  const wantStates = node.outputs.slice(1).some((o) => o !== '');
  // computed initial states, in Keras's [B, dirs, H] (transposed from layout 0's [dirs, B, H])
  const computed = [5, 6].slice(0, states).map((i) => (node.inputs[i] ?? '') !== '' && b.constant(node, i) === undefined);
  if (computed.some((c) => c) && !computed.every((c) => c)) {
    fail(`${where(node)}: give both initial_h and initial_c as computed tensors (or both as zeros)`);
  }
  const given = [5, 6].slice(0, states).map((i, j) => {
    if (!computed[j]) return null;
    const v = b.tensor(node, i);
    const want = layout === 0 ? [dirs, batch, h] : [batch, dirs, h];
    if (v.rank !== 3 || v.shape.some((d, j) => d !== null && want[j] !== null && d !== want[j]) || v.shape[2] !== h) {
      fail(`${where(node)}: ${i === 5 ? 'initial_h' : 'initial_c'} [${v.shape.map((d) => d ?? 'N')}] must be [${want.map((d) => d ?? 'N')}]`);
    }
    const sym = b.form(v, 'onnx');
    return layout === 0 ? timeMajor(sym, '_state_batch_first', [1, dirs, h], [1, 0, 2]) : sym;
  });
  /** Direction d's initial states [B, H], or null. */
  const initial = (d: number): SymbolicTensor[] | null => (given[0] === null ? null : given.map((sym) => {
    const one = dirs === 1 ? sym! : b.apply(new OnnxOp({ name: b.layerName(node, '_state_dir'), op: 'take', attrs: { axis: 1, indices: [d] } }), sym!);
    return b.apply(new Reshape({ name: b.layerName(node, '_initial_state'), targetShape: [h] }), one);
  }));
  const ys: SymbolicTensor[] = [], hs: SymbolicTensor[][] = Array.from({ length: states }, () => []);
  const resetAfter = node.opType === 'GRU' && attrInt(node, 'linear_before_reset', 0) === 1;
  for (let d = 0; d < dirs; d++) {
    const per = (a: Float32Array, size: number) => a.subarray(d * size, (d + 1) * size);
    // One half of B (0: Wb, 1: Rb) of this direction in Keras's gate order.
    const half = (k: number) => Float32Array.from({ length: gh }, (_, j) =>
      bias!.data[(2 * d + k) * gh + kind.order[Math.floor(j / h)] * h + (j % h)]);
    const [wb, rb] = bias === undefined ? [] : [half(0), half(1)];
    const bsum = wb === undefined || rb === undefined ? undefined
      : resetAfter ? Float32Array.from([...wb, ...rb]) : wb.map((v, j) => v + rb[j]);
    const args = { name: b.layerName(node, dirs === 2 ? (d === 0 ? '_forward' : '_backward') : ''), units: h, activation: 'tanh' as const,
      recurrentActivation: 'sigmoid' as const, returnSequences: true, returnState: wantStates, goBackwards: d === 1 || attrString(node, 'direction', 'forward') === 'reverse',
      useBias: bsum !== undefined, kernelInitializer: dataInitializer(toKeras(per(w.data, gh * inputs), kind, h, inputs)),
      recurrentInitializer: dataInitializer(toKeras(per(r.data, gh * h), kind, h, h)), ...(bsum ? { biasInitializer: dataInitializer(bsum) } : {}) };
    const layer = node.opType === 'LSTM' ? new LSTM({ ...args, unitForgetBias: false }) : new GRU({ ...args, resetAfter });
    b.layers.push(layer);
    const init = initial(d);
    const ins = init === null ? seq : [seq, ...init];
    const outs = wantStates ? layer.applyMulti(ins) : [b.apply(layer, ins)];
    let y = outs[0];
    // A backwards layer's sequence comes in processing order: back to time order.
    if (args.goBackwards) y = b.apply(new OnnxOp({ name: b.layerName(node, '_time_order'), op: 'take', attrs: { axis: 1, indices: Array.from({ length: t }, (_, i) => t - 1 - i) } }), y);
    ys.push(b.apply(new Reshape({ name: b.layerName(node, '_y'), targetShape: [t, 1, h] }), y));
    for (let s = 0; s < states && wantStates; s++) hs[s].push(b.apply(new Reshape({ name: b.layerName(node, '_state'), targetShape: [1, h] }), outs[1 + s]));
  }
  const join = (list: SymbolicTensor[], axis: number) => (list.length === 1 ? list[0] : b.apply(new Concatenate({ name: b.layerName(node, '_concat'), axis }), list));
  // Layout 1: Y [B, T, dirs, H], states [B, dirs, H]. Layout 0: Y [T, dirs, B, H], states [dirs, B, H].
  const out = (sym: SymbolicTensor, to: number[], perm: number[]) => (layout === 1 ? sym : timeMajor(sym, '_time_major', to, perm));
  if ((node.outputs[0] ?? '') !== '') b.set(node.outputs[0], Val.of('onnx', out(join(ys, 2), [t, dirs, 1, h], [1, 2, 0, 3])));
  for (let s = 0; s < states; s++) {
    const name = node.outputs[1 + s] ?? '';
    if (name !== '') b.set(name, Val.of('onnx', out(join(hs[s], 1), [dirs, 1, h], [1, 0, 2])));
  }
}

export const recurrentOps: Record<string, OpHandler> = {
  LSTM: { check, build },
  GRU: { check, build },
};
