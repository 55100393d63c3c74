// Convolution gradients for TensorFlow.js's wasm backend, so that the tfjs side of the training
// benchmark is the best a TensorFlow.js user can get, built from the backend's own XNNPACK
// kernels (Conv2D, Transpose, Reverse, Slice):
//
// Conv2DBackpropFilter: tfjs-backend-wasm lacks it ("Kernel 'Conv2DBackpropFilter' not registered
// for backend 'wasm'"), so tfjs-wasm cannot train a CNN at all. The filter gradient is a
// convolution of the transposed input with the transposed output gradient,
//
//   dw[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·sh + kh − top, ow·sw + kw − left, ci] · dy[n, oh, ow, co]
//
//   x  [N, H, W, Cin]    → transpose [3, 1, 2, 0] → [Cin, H, W, N]     an image batch of Cin, N channels
//   dy [N, OH, OW, Cout] → transpose [1, 2, 0, 3] → [OH, OW, N, Cout]  a filter, dilated by the strides
//   conv2d(stride 1, dilation (sh, sw), pads top/bottom/left/right)  → [Cin, KH', KW', Cout]
//   (KH' ≥ KH: with strides the last rows may not reach the output; Slice keeps [0, KH))
//   transpose [1, 2, 0, 3]                                            → [KH, KW, Cin, Cout]
//
// Supported: NHWC, any strides, 'valid' / 'same' / explicit padding (Conv2DBackpropFilter has no
// dilations attribute: tfjs's conv2d gradient refuses dilated convolutions). NCHW throws.
//
// Conv2DBackpropInput: tfjs-backend-wasm has one, but a scalar C++ loop, not XNNPACK: on the seed
// CNN's second layer (batch 64) it takes about 8x the forward conv, most of a training step. The
// input gradient of a stride-1 conv is a conv of dy with the filter rotated 180° and its channels
// swapped, padded by KH − 1 − top above (and so on), all XNNPACK:
//
//   w [KH, KW, Cin, Cout] → reverse [0, 1] → transpose [0, 1, 3, 2] → [KH, KW, Cout, Cin]
//   conv2d(dy, that, stride 1, pads KH−1−top, KH−1−bottom, KW−1−left, KW−1−right) → [N, H, W, Cin]
//
// Strided convs (they would need dy dilated with zeros), NCHW and pads wider than the filter go
// to the backend's own kernel. useXnnpackConv2DBackpropInput(false) puts the stock kernel back.
//
// checkConvGradsWasm() compares both with tfjs-backend-cpu's kernels on random data.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Shape4 = [number, number, number, number];
type Explicit = [[number, number], [number, number], [number, number], [number, number]];
type KernelArgs = Parameters<tf.KernelFunc>[0];

function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`tfjs-backend-wasm has no ${name} kernel: call tf.setBackend('wasm') first`);
  return config.kernelFunc;
}

/** Calls wasm kernels on backend-owned TensorInfos and frees the intermediates. */
function kernelCaller(backend: KernelArgs['backend']) {
  return {
    call: (name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) =>
      wasmKernel(name)({ inputs, backend, attrs }) as tf.TensorInfo,
    free: (...infos: tf.TensorInfo[]) => { for (const t of infos) (backend as BackendWasm).disposeData(t.dataId); },
  };
}

const explicit = (top: number, bottom: number, left: number, right: number): Explicit =>
  [[0, 0], [top, bottom], [left, right], [0, 0]];

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x!, dy = inputs.dy!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') {
    throw new Error(`Conv2DBackpropFilter (wasm, bench/tfjs_conv_grad.ts): dataFormat ${dataFormat} is not supported, only NHWC`);
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad,
    dimRoundingMode, false, format);
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw, cin, cout] = filterShape;
  const { call, free } = kernelCaller(backend);

  const xT = call(tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
  const dyT = call(tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
  let dwT = call(tf.Conv2D, { x: xT, filter: dyT }, {
    strides: 1, dilations: [info.strideHeight, info.strideWidth], dataFormat: 'NHWC',
    pad: explicit(top, bottom, left, right),
  });
  free(xT, dyT);
  if (dwT.shape[1] !== kh || dwT.shape[2] !== kw) {
    const whole = dwT;
    dwT = call(tf.Slice, { x: whole }, { begin: [0, 0, 0, 0], size: [cin, kh, kw, cout] });
    free(whole);
  }
  const dw = call(tf.Transpose, { x: dwT }, { perm: [1, 2, 0, 3] });
  free(dwT);
  return dw;
}

/** tfjs-backend-wasm's own Conv2DBackpropInput, kept when the XNNPACK one replaces it. */
let stockConv2DBackpropInput: tf.KernelConfig | undefined;

function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy!, filter = inputs.filter!;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad,
    dimRoundingMode, false, format);
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw] = filter.shape;
  const pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right] as const;
  if (format !== 'channelsLast' || info.strideHeight !== 1 || info.strideWidth !== 1 || pads.some((p) => p < 0)) {
    return stockConv2DBackpropInput!.kernelFunc(args) as tf.TensorInfo;
  }
  const { call, free } = kernelCaller(backend);
  const flipped = call(tf.Reverse, { x: filter }, { dims: [0, 1] });
  const swapped = call(tf.Transpose, { x: flipped }, { perm: [0, 1, 3, 2] });
  free(flipped);
  const dx = call(tf.Conv2D, { x: dy, filter: swapped }, {
    strides: 1, dilations: 1, dataFormat: 'NHWC', pad: explicit(...pads),
  });
  free(swapped);
  return dx;
}

/** Registers Conv2DBackpropFilter for the 'wasm' backend (once; a later call does nothing). */
export function registerConv2DBackpropFilterWasm(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined) return;
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter });
}

/** Conv2DBackpropInput on 'wasm': the XNNPACK one above (true) or tfjs-backend-wasm's own (false). */
export function useXnnpackConv2DBackpropInput(on: boolean): void {
  stockConv2DBackpropInput ??= tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (stockConv2DBackpropInput === undefined) throw new Error('tfjs-backend-wasm is not loaded');
  tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  tf.registerKernel(on ? { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInput }
    : stockConv2DBackpropInput);
}

interface Case { x: Shape4; filter: Shape4; strides: number | [number, number]; pad: 'valid' | 'same' | number | Explicit }

/** The seed CNN's two layers (small batch) and awkward shapes, paddings and strides. */
const CASES: Case[] = [
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { x: [4, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'valid' },
  { x: [3, 7, 9, 5], filter: [2, 3, 5, 7], strides: 1, pad: 'same' },
  { x: [2, 6, 5, 3], filter: [3, 3, 3, 2], strides: 1, pad: explicit(1, 0, 2, 1) },
  { x: [2, 6, 7, 3], filter: [3, 3, 3, 2], strides: 1, pad: explicit(3, 0, 0, 1) }, // pad > KH − 1: stock dx
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [2, 10, 11, 4], filter: [3, 2, 4, 3], strides: [2, 3], pad: 'same' },
  { x: [1, 17, 17, 3], filter: [5, 5, 3, 8], strides: 3, pad: 2 },
];

const GRADS = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput] as const;

async function runOn(backend: 'cpu' | 'wasm', grad: typeof GRADS[number], c: Case, a: Float32Array,
    dys: Float32Array, dyShape: Shape4): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const dy = tf.tensor4d(dys, dyShape);
    const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    const [inputs, attrs, shape] = grad === tf.Conv2DBackpropFilter
      ? [{ x: tf.tensor4d(a, c.x), dy }, { ...common, filterShape: c.filter }, c.filter]
      : [{ dy, filter: tf.tensor4d(a, c.filter) }, { ...common, inputShape: c.x }, c.x];
    const out = tf.engine().runKernel(grad, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    if (out.shape.join() !== shape.join()) throw new Error(`${grad}: shape ${out.shape} instead of ${shape}`);
    return out.dataSync() as Float32Array;
  });
}

/**
 * Compares the wasm Conv2DBackpropFilter and (whichever) Conv2DBackpropInput with
 * tfjs-backend-cpu's on every case (random data, seeded); checks that the filter gradient throws
 * for NCHW. Throws on disagreement. Leaves the wasm backend set.
 */
export async function checkConvGradsWasm(): Promise<void> {
  registerConv2DBackpropFilterWasm();
  try {
    for (const [i, c] of CASES.entries()) {
      const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape as Shape4;
      const dys = tf.tidy(() => tf.randomUniform(dyShape, -1, 1, 'float32', 200 + i).dataSync() as Float32Array);
      for (const grad of GRADS) {
        const other = grad === tf.Conv2DBackpropFilter ? c.x : c.filter;
        const a = tf.tidy(() => tf.randomUniform(other, -1, 1, 'float32', 100 + i).dataSync() as Float32Array);
        const want = await runOn('cpu', grad, c, a, dys, dyShape);
        const got = await runOn('wasm', grad, c, a, dys, dyShape);
        // Each value sums products of numbers in [-1, 1]: N·OH·OW of them (filter), KH·KW·Cout (input).
        const terms = grad === tf.Conv2DBackpropFilter ? dyShape[0] * dyShape[1] * dyShape[2]
          : c.filter[0] * c.filter[1] * c.filter[3];
        const tol = 1e-4 * Math.sqrt(terms);
        for (let j = 0; j < want.length; j++) {
          if (!(Math.abs(got[j] - want[j]) <= tol)) {
            throw new Error(`${grad} (wasm) disagrees with tfjs-cpu on ${JSON.stringify(c)} at ${j}: ${got[j]} vs ${want[j]}`);
          }
        }
      }
    }
    let threw = false;
    try {
      tf.tidy(() => tf.engine().runKernel(tf.Conv2DBackpropFilter,
        { x: tf.zeros([1, 1, 5, 5]), dy: tf.zeros([1, 1, 3, 3]) },
        { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 1, 1] }));
    } catch (e) {
      threw = /only NHWC/.test((e as Error).message);
    }
    if (!threw) throw new Error('Conv2DBackpropFilter (wasm) accepted NCHW');
  } finally {
    await tf.setBackend('wasm');
  }
}
