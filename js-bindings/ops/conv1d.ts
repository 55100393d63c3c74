// conv1d (TensorFlow.js's tf.conv1d, plus Keras's 'causal' padding): x [batch, width, inC] (or
// [width, inC]) with filter [k, inC, outC], as a conv2d over an image of height 1 — the same
// conv2d_nhwc_f32 kernel, its fused bias + activation epilogue and its gradient kernels (the
// reshapes around it are recorded, so the tape differentiates through them).
//   'causal': (k − 1)·dilation zeros on the left only, so output step t sees inputs ≤ t.
import type { Activation } from '../engine.js';
import { tidy, type Tensor } from '../tensor.js';
import { isTracked } from '../autograd.js';
import { assertDtype, assertRank, fmt } from '../util.js';
import { reshape } from './creation.js';
import { fusedConv2d } from './conv.js';
import type { ExplicitPadding, RoundingMode } from './conv_util.js';

export type Conv1DPad = 'valid' | 'same' | 'causal' | number;

export interface FusedConv1DArgs {
  x: Tensor;
  filter: Tensor;
  stride: number;
  pad: Conv1DPad;
  dataFormat?: 'NWC';
  dilation?: number;
  dimRoundingMode?: RoundingMode;
  bias?: Tensor | null;
  activation?: Activation;
}

function positiveInt(op: string, name: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
    throw new Error(`${op}: '${name}' must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function conv1dImpl(op: string, args: FusedConv1DArgs): Tensor {
  const { x, filter, pad, dataFormat = 'NWC' } = args;
  assertDtype(op, 'x', x, 'float32');
  assertDtype(op, 'filter', filter, 'float32');
  assertRank(op, 'x', x, 2, 3);
  assertRank(op, 'filter', filter, 3);
  if (dataFormat !== 'NWC') throw new Error(`${op}: dataFormat must be 'NWC', got ${JSON.stringify(dataFormat)}`);
  const stride = positiveInt(op, 'stride', args.stride);
  const dilation = positiveInt(op, 'dilation', args.dilation ?? 1);
  if (stride > 1 && dilation > 1) {
    throw new Error(`${op}: stride > 1 together with dilation > 1 is not supported (got stride ${stride}, dilation ${dilation})`);
  }
  const [k, fin, fout] = filter.shape;
  const [b, w, c] = x.rank === 2 ? [1, ...x.shape] : x.shape;
  if (c !== fin) {
    throw new Error(`${op}: in-channels of x ${fmt(x.shape)} (${c}) must match dimension 1 of filter ${fmt(filter.shape)} (${fin})`);
  }
  let pad2d: 'valid' | 'same' | ExplicitPadding;
  if (pad === 'valid' || pad === 'same') pad2d = pad;
  else if (pad === 'causal') pad2d = [[0, 0], [0, 0], [(k - 1) * dilation, 0], [0, 0]];
  else if (typeof pad === 'number' && Number.isInteger(pad) && pad >= 0) pad2d = [[0, 0], [0, 0], [pad, pad], [0, 0]];
  else throw new Error(`${op}: pad must be 'valid', 'same', 'causal' or a non-negative integer, got ${JSON.stringify(pad)}`);
  // Height 1, width w: the 2-D kernel with a 1 x k window.
  const run = () => {
    const y = fusedConv2d({ x: reshape(x, [b, 1, w, c]), filter: reshape(filter, [1, k, fin, fout]), strides: [1, stride],
      pad: pad2d, dilations: [1, dilation], dimRoundingMode: args.dimRoundingMode, bias: args.bias, activation: args.activation });
    const outW = y.shape[2];
    return reshape(y, x.rank === 2 ? [outW, fout] : [b, outW, fout]);
  };
  // The reshaped copies are freed at once, unless a gradient function records them (its own scope frees them then).
  return isTracked(x) || isTracked(filter) || isTracked(args.bias) ? run() : tidy(run);
}

/** 1-D convolution of x [batch, width, inC] (or [width, inC]) with filter [k, inC, outC]. */
export function conv1d(x: Tensor, filter: Tensor, stride: number, pad: Conv1DPad, dataFormat: 'NWC' = 'NWC',
    dilation = 1, dimRoundingMode?: RoundingMode): Tensor {
  return conv1dImpl('conv1d', { x, filter, stride, pad, dataFormat, dilation, dimRoundingMode });
}

/** act(conv1d(x, filter) + bias) with the bias and activation in the kernel's epilogue. */
export function fusedConv1d(args: FusedConv1DArgs): Tensor {
  return conv1dImpl('fused.conv1d', args);
}
