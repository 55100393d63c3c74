// Whole-sequence recurrent ops (SimpleRNN, LSTM, GRU as tfjs-layers 4.22 computes them, and the
// GRU with Keras's reset_after = true, ONNX's linear_before_reset = 1): one
// rnn_forward_f32 call over all time steps (assembly/kernels/rnn.ts) and ONE tape node, whose
// gradient rule (grads/rnn.ts) runs backpropagation through time in one rnn_grad_f32 call.
//
// The op's single output packs what a layer may return, so that one tape node covers it all:
//   [batch, time + S, units]: rows 0..time-1 the output of each processed step (time reversed
//   when goBackwards, as tfjs's rnn()), then for the LSTM (S = 1) the final cell state.
// The final h is row time-1 (masked steps output the kept state). Layers slice what they return.
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { assertDtype, assertRank, assertTensor, fmt } from '../util.js';
import { isTracked, record } from '../autograd.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

export type RnnCellKind = 'simpleRNN' | 'lstm' | 'gru';
export type RnnActivation = 'tanh' | 'sigmoid' | 'hardSigmoid' | 'relu' | 'linear';

/** Codes of assembly/kernels/rnn_cells.ts (activation.ts's, plus hardSigmoid = 8). */
export const RNN_ACTIVATIONS: Record<RnnActivation, number> = { linear: 0, relu: 1, sigmoid: 5, tanh: 6, hardSigmoid: 8 };
const CELLS: Record<RnnCellKind, { code: number; gates: number; savedUnits: number }> = {
  simpleRNN: { code: 0, gates: 1, savedUnits: 2 },
  lstm: { code: 1, gates: 4, savedUnits: 7 },
  gru: { code: 2, gates: 3, savedUnits: 5 },
};

export interface RnnSequenceArgs {
  /** Initial hidden state [batch, units] (default zeros). */
  initialH?: Tensor | null;
  /** Initial cell state [batch, units] (LSTM only; default zeros). */
  initialC?: Tensor | null;
  /** Keras mask [batch, time], bool or int32: nonzero where a step holds data. */
  mask?: Tensor | null;
  /** Recurrent-dropout mask [batch, units], multiplied into h before every recurrent GEMM. */
  recurrentMask?: Tensor | null;
  goBackwards?: boolean;
  activation?: RnnActivation;
  recurrentActivation?: RnnActivation;
  /** GRU only: the reset gate scales the recurrent product (Keras's reset_after); bias [2, 3·units]. */
  resetAfter?: boolean;
}

/** The kernels' cell code (assembly/kernels/rnn_cells.ts; the reset-after GRU is 3). */
export function rnnCellCode(cell: RnnCellKind, resetAfter: boolean): number {
  return cell === 'gru' && resetAfter ? 3 : CELLS[cell].code;
}

export function isRnnActivation(name: unknown): name is RnnActivation {
  return typeof name === 'string' && Object.hasOwn(RNN_ACTIVATIONS, name);
}

function checkState(op: string, name: string, t: Tensor | null | undefined, batch: number, units: number): void {
  if (t === null || t === undefined) return;
  assertTensor(op, name, t);
  assertDtype(op, name, t, 'float32');
  if (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== units) {
    throw new Error(`${op}: ${name} must have shape [${batch}, ${units}], got ${fmt(t.shape)}`);
  }
}

/**
 * The packed sequence output of one recurrent layer: x [batch, time, features], kernel
 * [features, G·units], recurrentKernel [units, G·units], bias [G·units] or null, with G = 1
 * (simpleRNN), 4 (lstm: i f c o) or 3 (gru: z r h, reset before the product as tfjs, or with
 * args.resetAfter after it as Keras's default, and then bias [2, 3·units]: input row, recurrent row).
 */
export function rnnSequence(cell: RnnCellKind, x: Tensor, kernel: Tensor, recurrentKernel: Tensor,
    bias: Tensor | null, args: RnnSequenceArgs = {}): Tensor {
  const op = cell;
  const spec = CELLS[cell];
  if (spec === undefined) throw new Error(`rnnSequence: unknown cell '${String(cell)}'`);
  assertTensor(op, 'x', x);
  assertDtype(op, 'x', x, 'float32');
  assertRank(op, 'x', x, 3);
  assertTensor(op, 'kernel', kernel);
  assertTensor(op, 'recurrentKernel', recurrentKernel);
  assertDtype(op, 'kernel', kernel, 'float32');
  assertDtype(op, 'recurrentKernel', recurrentKernel, 'float32');
  const [batch, time, features] = x.shape;
  if (time === 0) throw new Error(`${op}: x must have at least one time step, got ${fmt(x.shape)}`);
  const units = recurrentKernel.shape[0];
  const gu = spec.gates * units;
  if (recurrentKernel.rank !== 2 || recurrentKernel.shape[1] !== gu || units === 0) {
    throw new Error(`${op}: recurrentKernel must have shape [units, ${spec.gates}·units], got ${fmt(recurrentKernel.shape)}`);
  }
  if (kernel.rank !== 2 || kernel.shape[0] !== features || kernel.shape[1] !== gu) {
    throw new Error(`${op}: kernel must have shape [${features}, ${gu}] for x ${fmt(x.shape)} and ${units} units, got ${fmt(kernel.shape)}`);
  }
  if (args.resetAfter && cell !== 'gru') throw new Error(`${op}: resetAfter applies to the gru only`);
  const resetAfter = !!args.resetAfter;
  if (bias !== null && bias !== undefined) {
    assertTensor(op, 'bias', bias);
    assertDtype(op, 'bias', bias, 'float32');
    const want = resetAfter ? [2, gu] : [gu];
    if (bias.shape.join() !== want.join()) throw new Error(`${op}: bias must have shape ${fmt(want)}${resetAfter ? ' (resetAfter: input and recurrent bias)' : ''}, got ${fmt(bias.shape)}`);
  }
  checkState(op, 'initialH', args.initialH, batch, units);
  if (args.initialC != null && cell !== 'lstm') throw new Error(`${op}: only the lstm has an initial cell state`);
  checkState(op, 'initialC', args.initialC, batch, units);
  checkState(op, 'recurrentMask', args.recurrentMask, batch, units);
  const mask = args.mask ?? null;
  if (mask !== null) {
    assertTensor(op, 'mask', mask);
    assertDtype(op, 'mask', mask, 'bool', 'int32');
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time) {
      throw new Error(`${op}: mask must have shape [${batch}, ${time}] (batch, time), got ${fmt(mask.shape)}`);
    }
  }
  const act = args.activation ?? 'tanh';
  const recAct = args.recurrentActivation ?? (cell === 'simpleRNN' ? 'tanh' : 'hardSigmoid');
  if (!isRnnActivation(act)) throw new Error(`${op}: activation '${String(act)}' is not one of ${Object.keys(RNN_ACTIVATIONS).join(', ')}`);
  if (!isRnnActivation(recAct)) {
    throw new Error(`${op}: recurrentActivation '${String(recAct)}' is not one of ${Object.keys(RNN_ACTIVATIONS).join(', ')}`);
  }
  const extra = cell === 'lstm' ? 1 : 0;
  const out = allocTensor(op, [batch, time + extra, units], 'float32');
  const inputs = [x, kernel, recurrentKernel, bias, args.initialH, args.initialC];
  const tracked = inputs.some((t) => isTracked(t));
  const savedFloats = batch * time * spec.savedUnits * units;
  // Inference: what the backward pass would need goes to kernel scratch instead.
  const saved = tracked ? allocTensor(op, [batch, time, spec.savedUnits * units], 'float32') : null;
  const attrs = { cell, resetAfter, batch, time, features, units, goBackwards: !!args.goBackwards, act, recAct };
  callKernel(op, saved ? [out, saved] : [out], (scratch) => engine.k.rnn_forward_f32(rnnCellCode(cell, resetAfter), out.ptr,
    saved?.ptr ?? scratch(Math.max(16, savedFloats * 4)), x.ptr, kernel.ptr, bias?.ptr ?? 0, recurrentKernel.ptr,
    args.initialH?.ptr ?? 0, args.initialC?.ptr ?? 0, mask?.ptr ?? 0, args.recurrentMask?.ptr ?? 0, batch, time,
    features, units, args.goBackwards ? 1 : 0, RNN_ACTIVATIONS[act], RNN_ACTIVATIONS[recAct]));
  if (saved === null) return out;
  const keep = [saved, ...(mask ? [mask] : []), ...(args.recurrentMask ? [args.recurrentMask] : [])];
  return record('RnnSequence', inputs, out, { ...attrs, hasMask: mask !== null, hasRecurrentMask: !!args.recurrentMask }, keep);
}
