// conv2d, depthwiseConv2d and their fused forms (bias + activation in the kernel's epilogue):
// one conv2d_nhwc_f32 / depthwise_conv2d_nhwc_f32 call over the whole batch.
import { engine, type Activation } from '../engine.js';
import { allocTensor, Tensor } from '../tensor.js';
import { assertDtype, assertRank, fmt } from '../util.js';
import { isTracked, record } from '../autograd.js';
import { applyActivation, derivableFromOutput } from './activation.js';
import { activationCode, checkBias } from './matmul.js';
import { checkDataFormat, checkStridesDilations, convInfo, parsePair, type PadArg, type RoundingMode } from './conv_util.js';

export interface FusedConv2DArgs {
  x: Tensor;
  filter: Tensor;
  strides: number | [number, number];
  pad: PadArg;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: RoundingMode;
  bias?: Tensor | null;
  activation?: Activation;
  /** Slope of leakyrelu (default 0.2, as TensorFlow.js); alpha of elu (default 1). */
  leakyreluAlpha?: number;
}

function convImpl(op: string, depthwise: boolean, args: FusedConv2DArgs): Tensor {
  const { x, filter, bias, dataFormat = 'NHWC', dilations = [1, 1] } = args;
  assertDtype(op, 'x', x, 'float32');
  assertDtype(op, 'filter', filter, 'float32');
  assertRank(op, 'x', x, 3, 4);
  assertRank(op, 'filter', filter, 4);
  checkDataFormat(op, dataFormat);
  const xShape = x.rank === 3 ? [1, ...x.shape] : x.shape;
  const [kh, kw, fin, fout] = filter.shape;
  if (xShape[3] !== fin) {
    throw new Error(`${op}: in-channels of x ${fmt(x.shape)} (${xShape[3]}) must match dimension 2 of ` +
      `filter ${fmt(filter.shape)} (${fin})`);
  }
  const strides = parsePair(op, 'strides', args.strides);
  const dil = parsePair(op, 'dilations', dilations);
  checkStridesDilations(op, strides, dil);
  const g = convInfo(op, xShape, filter.shape, kh, kw, strides, dil, args.pad, args.dimRoundingMode);
  const cout = depthwise ? fin * fout : fout;
  checkBias(op, bias, cout);
  const [act, alpha] = activationCode(op, args.activation, args.leakyreluAlpha);
  const actName = (args.activation ?? 'linear').toLowerCase() as Activation;
  const tracked = isTracked(x) || isTracked(filter) || isTracked(bias);
  if (tracked && !derivableFromOutput(actName, alpha)) {
    // The activation's derivative needs its input: run it as its own (recorded) op.
    return applyActivation(convImpl(op, depthwise, { ...args, activation: 'linear' }), actName, alpha);
  }
  const outShape = x.rank === 3 ? [g.outH, g.outW, cout] : [g.n, g.outH, g.outW, cout];
  const out = allocTensor(op, outShape, 'float32');
  const k = engine.k;
  const status = (depthwise ? k.depthwise_conv2d_nhwc_f32 : k.conv2d_nhwc_f32)(out.ptr, x.ptr, filter.ptr,
    bias ? bias.ptr : 0, g.n, g.h, g.w, g.c, kh, kw, fout, g.strideH, g.strideW, g.dilationH,
    g.dilationW, g.padTop, g.padLeft, g.outH, g.outW, act, alpha);
  if (status !== 0) {
    out.dispose();
    engine.check(op, status);
  }
  if (!tracked) return out;
  return record(depthwise ? 'DepthwiseConv2D' : 'Conv2D', [x, filter, bias], out,
    { geometry: g, fout, activation: actName, alpha });
}

/**
 * 2-D convolution of x [batch, h, w, inC] (or [h, w, inC]) with filter [fh, fw, inC, outC]
 * (TensorFlow.js's tf.conv2d). pad: 'same' | 'valid' | number | explicit [[0,0],[t,b],[l,r],[0,0]].
 */
export function conv2d(x: Tensor, filter: Tensor, strides: number | [number, number], pad: PadArg,
    dataFormat: 'NHWC' | 'NCHW' = 'NHWC', dilations: number | [number, number] = [1, 1],
    dimRoundingMode?: RoundingMode): Tensor {
  return convImpl('conv2d', false, { x, filter, strides, pad, dataFormat, dilations, dimRoundingMode });
}

/** Depthwise 2-D convolution: filter [fh, fw, inC, multiplier] → inC·multiplier channels. */
export function depthwiseConv2d(x: Tensor, filter: Tensor, strides: number | [number, number], pad: PadArg,
    dataFormat: 'NHWC' | 'NCHW' = 'NHWC', dilations: number | [number, number] = [1, 1],
    dimRoundingMode?: RoundingMode): Tensor {
  return convImpl('depthwiseConv2d', true, { x, filter, strides, pad, dataFormat, dilations, dimRoundingMode });
}

/** act(conv2d(x, filter) + bias) in one kernel call (tf.fused.conv2d). */
export function fusedConv2d(args: FusedConv2DArgs): Tensor {
  return convImpl('fused.conv2d', false, args);
}

/** act(depthwiseConv2d(x, filter) + bias) in one kernel call (tf.fused.depthwiseConv2d). */
export function fusedDepthwiseConv2d(args: FusedConv2DArgs): Tensor {
  return convImpl('fused.depthwiseConv2d', true, args);
}
