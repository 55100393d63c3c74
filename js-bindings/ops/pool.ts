// maxPool, avgPool (TensorFlow.js signatures; padding taps are ignored, avg divides by the valid
// taps) and globalAveragePool2d ([n, h, w, c] → [n, c]); one kernel call over the whole batch.
import { engine } from '../engine.js';
import { allocTensor, Tensor } from '../tensor.js';
import { assertDtype, assertRank } from '../util.js';
import { record } from '../autograd.js';
import { checkStridesDilations, convInfo, parsePair, type PadArg, type RoundingMode } from './conv_util.js';

function poolImpl(op: string, x: Tensor, filterSize: number | [number, number], strides: number | [number, number],
    pad: PadArg, dimRoundingMode: RoundingMode | undefined): Tensor {
  assertDtype(op, 'x', x, 'float32');
  assertRank(op, 'x', x, 3, 4);
  const [kh, kw] = parsePair(op, 'filterSize', filterSize);
  const s = parsePair(op, 'strides', strides);
  checkStridesDilations(op, s, [1, 1]);
  const xShape = x.rank === 3 ? [1, ...x.shape] : x.shape;
  const g = convInfo(op, xShape, [kh, kw], kh, kw, s, [1, 1], pad, dimRoundingMode);
  const out = allocTensor(op, x.rank === 3 ? [g.outH, g.outW, g.c] : [g.n, g.outH, g.outW, g.c], 'float32');
  const k = engine.k;
  const status = (op === 'maxPool' ? k.maxpool2d_nhwc_f32 : k.avgpool2d_nhwc_f32)(out.ptr, x.ptr, g.n, g.h,
    g.w, g.c, kh, kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW);
  if (status !== 0) {
    out.dispose();
    engine.check(op, status);
  }
  return record(op === 'maxPool' ? 'MaxPool' : 'AvgPool', [x], out, { geometry: g });
}

/** Max over each filterSize window of x [batch, h, w, c] (or [h, w, c]); NaN propagates. */
export function maxPool(x: Tensor, filterSize: number | [number, number], strides: number | [number, number],
    pad: PadArg, dimRoundingMode?: RoundingMode): Tensor {
  return poolImpl('maxPool', x, filterSize, strides, pad, dimRoundingMode);
}

/** Mean over the valid (non-padding) taps of each filterSize window. */
export function avgPool(x: Tensor, filterSize: number | [number, number], strides: number | [number, number],
    pad: PadArg, dimRoundingMode?: RoundingMode): Tensor {
  return poolImpl('avgPool', x, filterSize, strides, pad, dimRoundingMode);
}

/** Mean over height and width: [batch, h, w, c] → [batch, c] ([h, w, c] → [c]). */
export function globalAveragePool2d(x: Tensor): Tensor {
  const op = 'globalAveragePool2d';
  assertDtype(op, 'x', x, 'float32');
  assertRank(op, 'x', x, 3, 4);
  const [n, h, w, c] = x.rank === 3 ? [1, ...x.shape] : x.shape;
  const out = allocTensor(op, x.rank === 3 ? [c] : [n, c], 'float32');
  const status = engine.k.global_avgpool2d_nhwc_f32(out.ptr, x.ptr, n, h, w, c);
  if (status !== 0) {
    out.dispose();
    engine.check(op, status);
  }
  return record('GlobalAveragePool2d', [x], out, { n, h, w, c });
}
