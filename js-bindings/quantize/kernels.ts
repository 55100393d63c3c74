// The int8 kernels as calls on tensors: quantize / dequantize, weight quantization and packing,
// the int8 GEMM, convolutions and pooling (assembly/kernels/int8/). Shapes are checked by the
// planner (plan.ts) before anything runs; here each call allocates its output and maps a
// nonzero status to an Error naming the op.
import { engine } from '../engine.js';
import { allocPersistent, allocTensor, callKernel, Tensor } from '../tensor.js';
import { QMAX, QMIN, type QParams } from './params.js';

/** An int8 activation: the tensor (any shape the bytes fit) and its affine parameters. */
export interface QValue { t: Tensor; shape: number[]; qp: QParams }

/** Bytes in linear memory that live as long as the model (packed weights, parameter blocks). */
export function persistentBytes(op: string, bytes: Uint8Array | number): Tensor {
  const n = typeof bytes === 'number' ? bytes : bytes.length;
  const t = allocPersistent(op, [Math.max(n, 1)], 'int8', (ptr) => new Tensor(ptr, [Math.max(n, 1)], 'int8', false));
  if (typeof bytes !== 'number') new Uint8Array(engine.k.memory.buffer, t.ptr, n).set(bytes);
  return t;
}

export function quantizeTensor(op: string, x: Tensor, shape: number[], qp: QParams): QValue {
  const out = allocTensor(op, [x.size], 'int8');
  callKernel(op, [out], () => engine.k.quantize_f32_qs8(out.ptr, x.ptr, x.size, Math.fround(1 / qp.scale), qp.zeroPoint, QMIN, QMAX));
  return { t: out, shape, qp };
}

export function dequantizeTensor(op: string, q: QValue): Tensor {
  const out = allocTensor(op, q.shape, 'float32');
  callKernel(op, [out], () => engine.k.dequantize_qs8_f32(out.ptr, q.t.ptr, out.size, q.qp.scale, q.qp.zeroPoint));
  return out;
}

/** [min, max] of a float tensor (NaN ignored). */
export function tensorRange(op: string, x: Tensor): [number, number] {
  let r: [number, number] = [0, 0];
  callKernel(op, [], (scratch) => {
    const p = scratch(8);
    const s = engine.k.minmax_f32(p, x.ptr, x.size);
    const v = engine.f32(p, 2);
    r = [v[0], v[1]];
    return s;
  });
  return r;
}

/** Adds the histogram of x over [lo, hi] into counts (bins = counts.length). */
export function addHistogram(op: string, x: Tensor, lo: number, hi: number, counts: Int32Array): void {
  callKernel(op, [], (scratch) => {
    const p = scratch(counts.length * 4);
    engine.i32(p, counts.length).set(counts);
    const s = engine.k.histogram_f32(p, x.ptr, x.size, lo, hi, counts.length);
    counts.set(engine.i32(p, counts.length));
    return s;
  });
}

/** Per-output-channel symmetric int8 weights of a [K, N] float matrix: bytes and scales. */
export function quantizeWeights(op: string, w: Tensor, k: number, n: number): { q: Int8Array; scale: Float32Array } {
  let q = new Int8Array(0), scale = new Float32Array(0);
  callKernel(op, [], (scratch) => {
    const pq = scratch(k * n), ps = scratch(4 * n);
    const s = engine.k.quantize_weights_qc8w(pq, ps, w.ptr, k, n);
    q = new Int8Array(engine.k.memory.buffer, pq, k * n).slice();
    scale = engine.f32(ps, n).slice();
    return s;
  });
  zeroChannelScales(q, scale, n);
  return { q, scale };
}

/**
 * A channel of zeros (a filter pruned away whole) comes back from the kernel with scale 1. Any
 * scale gives it the same zeros, but 1 would make its requantization multiplier sx·1/sy the
 * layer's largest, at or above 1 once pruning has narrowed the output range, and the layer would
 * then write f32 and requantize in a separate step, losing its fused pooling (the 75%-pruned
 * MNIST CNN ran its int8 model 1.3x slower for that). The largest scale of the other channels
 * leaves the layer's shift and their multipliers as they were; the zero channel's output is then
 * its bias, quantized as finely as the coarsest other channel's.
 */
function zeroChannelScales(q: Int8Array, scale: Float32Array, n: number): void {
  const zero = new Uint8Array(n).fill(1);
  for (let i = 0; i < q.length; i++) if (q[i] !== 0) zero[i % n] = 0;
  let largest = 0;
  for (let c = 0; c < n; c++) if (!zero[c]) largest = Math.max(largest, scale[c]);
  if (largest === 0) return; // every channel zero: nothing to compare with, keep 1
  for (let c = 0; c < n; c++) if (zero[c]) scale[c] = largest;
}

/**
 * Whether a conv runs as Winograd F(2x2, 3x3) (assembly/kernels/int8/qconv_winograd.ts): 3x3,
 * stride 1, no dilation, input channels a multiple of 8 up to 2048. Its packed filter is 16/9 the
 * bytes of the SIMD128 GEMM's (32/9 the relaxed build's), for 2.25x fewer products.
 */
export const winogradFits = (g: ConvGeom): boolean => g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 &&
  g.dh === 1 && g.dw === 1 && g.c % 8 === 0 && g.c >= 8 && g.c <= 2048;

/** Packs int8 [K, N] weights for the GEMM, or for the Winograd conv when `winogradC` (its input
 *  channels) is given (persistent). */
export function packWeights(op: string, q: Int8Array, k: number, n: number, winogradC?: number): Tensor {
  const k8 = engine.k;
  const packed = persistentBytes(op, Number(winogradC !== undefined ? k8.qwinograd_packed_bytes(winogradC, n) : k8.qgemm_packed_bytes(k, n)));
  try {
    callKernel(op, [], (scratch) => {
      const pw = scratch(q.length);
      new Int8Array(engine.k.memory.buffer, pw, q.length).set(q);
      return winogradC !== undefined ? engine.k.pack_qc8w_winograd(packed.ptr, pw, winogradC, n) : engine.k.pack_qc8w(packed.ptr, pw, k, n);
    });
  } catch (e) {
    packed.dispose();
    throw e;
  }
  return packed;
}

export interface ConvGeom {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pt: number; pl: number;
  h: number; w: number; c: number; oh: number; ow: number;
}

/** out = gemm(x as [M, K]) for an int8 x; int8 [.., N] when outQ, else float. */
export function qgemm(op: string, x: QValue, packed: Tensor, params: Tensor, k: number, n: number, outQ: QParams | null): QValue | Tensor {
  const m = x.t.size / k;
  const shape = [...x.shape.slice(0, -1), n];
  const out = allocTensor(op, outQ ? [m * n] : shape, outQ ? 'int8' : 'float32');
  callKernel(op, [out], () => engine.k.gemm_qs8_qc8w(out.ptr, x.t.ptr, k, packed.ptr, m, n, k, x.qp.zeroPoint, params.ptr));
  return outQ ? { t: out, shape, qp: outQ } : out;
}

/** The int8 conv (or depthwise conv) of x; with `pool` (a conv with int8 out only) followed by a
 *  2x2 / stride-2 unpadded max pooling in the same kernel call; `winograd`: weights packed by
 *  packWeights for the Winograd conv. */
export function qconv(op: string, x: QValue, weights: Tensor, params: Tensor, g: ConvGeom, n: number,
    outQ: QParams | null, depthMultiplier: number, pool = false, winograd = false): QValue | Tensor {
  const b = x.shape[0];
  const shape = pool ? [b, g.oh >> 1, g.ow >> 1, n] : [b, g.oh, g.ow, n];
  const out = allocTensor(op, outQ ? [shape[0] * shape[1] * shape[2] * n] : shape, outQ ? 'int8' : 'float32');
  const k = engine.k, zx = x.qp.zeroPoint;
  callKernel(op, [out], () => (winograd
    ? k.conv2d_3x3_winograd_nhwc_qs8_qc8w(out.ptr, x.t.ptr, weights.ptr, params.ptr, b, g.h, g.w, g.c, n, g.pt, g.pl, g.oh, g.ow,
      zx, pool ? 2 : 0)
    : depthMultiplier > 0
    ? k.depthwise_conv2d_nhwc_qs8_qc8w(out.ptr, x.t.ptr, weights.ptr, params.ptr, b, g.h, g.w, g.c, g.kh, g.kw,
      depthMultiplier, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow, zx)
    : k.conv2d_nhwc_qs8_qc8w(out.ptr, x.t.ptr, weights.ptr, params.ptr, b, g.h, g.w, g.c, g.kh, g.kw, n,
      g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow, zx, pool ? 2 : 0)));
  return outQ ? { t: out, shape, qp: outQ } : out;
}

export function qpool(op: string, x: QValue, g: ConvGeom, isMax: boolean): QValue {
  const b = x.shape[0];
  const out = allocTensor(op, [b * g.oh * g.ow * g.c], 'int8');
  const fn = isMax ? engine.k.maxpool2d_nhwc_qs8 : engine.k.avgpool2d_nhwc_qs8;
  callKernel(op, [out], () => fn(out.ptr, x.t.ptr, b, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.oh, g.ow));
  return { t: out, shape: [b, g.oh, g.ow, g.c], qp: x.qp };
}

/** a + b for two int8 values of the same shape, requantized to outQ, clamped to [qmin, qmax] (qadd.ts). */
export function qadd(op: string, a: QValue, b: QValue, outQ: QParams, mult: { ma: number; mb: number; shift: number },
    qmin: number, qmax: number): QValue {
  const out = allocTensor(op, [a.t.size], 'int8');
  callKernel(op, [out], () => engine.k.add_qs8(out.ptr, a.t.ptr, b.t.ptr, a.t.size, a.qp.zeroPoint, b.qp.zeroPoint, outQ.zeroPoint,
    mult.ma, mult.mb, mult.shift, qmin, qmax));
  return { t: out, shape: a.shape, qp: outQ };
}
