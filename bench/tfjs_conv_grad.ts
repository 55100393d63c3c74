// Convolution gradients built from a backend's own Conv2D and Transpose kernels, for
// TensorFlow.js's wasm backend (so that the tfjs side of the training benchmark is the best a
// TensorFlow.js user can get: XNNPACK inside) and, as an option, for the cpu backend (a faster
// reference for the exactness check).
//
// Conv2DBackpropFilter: tfjs-backend-wasm lacks it ("Kernel 'Conv2DBackpropFilter' not registered
// for backend 'wasm'"), so tfjs-wasm cannot train a CNN at all; tfjs-backend-cpu's is a loop of
// TensorBuffer.get() calls, 85 % of a CNN training step. The filter gradient is a convolution of
// the transposed input with the transposed output gradient,
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
// swapped, padded by KH − 1 − top above (and so on):
//
//   w [KH, KW, Cin, Cout] → reverse [0, 1] → transpose [0, 1, 3, 2] → [KH, KW, Cout, Cin]
//   conv2d(dy, that, stride 1, pads KH−1−top, KH−1−bottom, KW−1−left, KW−1−right) → [N, H, W, Cin]
//
// Strided convs (they would need dy dilated with zeros), NCHW and pads wider than the filter go
// to the backend's own kernel.
//
// useConvGrad() switches a backend between these and its own kernels; checkConvGrads() compares
// what a backend runs with tfjs-backend-cpu's own kernels on random data.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export type GradBackend = 'wasm' | 'cpu';
export type ConvGrad = typeof tf.Conv2DBackpropFilter | typeof tf.Conv2DBackpropInput;
type Shape4 = [number, number, number, number];
type Explicit = [[number, number], [number, number], [number, number], [number, number]];
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Each backend's own gradient kernels, as found before useConvGrad() first replaced them. */
const stock = new Map<string, tf.KernelConfig | undefined>();
function stockKernel(grad: ConvGrad, backend: GradBackend): tf.KernelConfig | undefined {
  const key = `${grad}/${backend}`;
  if (!stock.has(key)) stock.set(key, tf.getKernel(grad, backend));
  return stock.get(key);
}

/** Calls `backendName`'s kernels on backend-owned TensorInfos and frees the intermediates. */
function kernelCaller(backendName: GradBackend, backend: KernelArgs['backend']) {
  return {
    call(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
      const config = tf.getKernel(name, backendName);
      if (config === undefined) throw new Error(`tfjs backend ${backendName} has no ${name} kernel`);
      return config.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
    },
    free(...infos: tf.TensorInfo[]): void {
      for (const t of infos) (backend as tf.KernelBackend).disposeData(t.dataId);
    },
  };
}

const explicit = (top: number, bottom: number, left: number, right: number): Explicit =>
  [[0, 0], [top, bottom], [left, right], [0, 0]];

const filterGradVia = (backendName: GradBackend) => ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
  const x = inputs.x!, dy = inputs.dy!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') {
    throw new Error(`Conv2DBackpropFilter (${backendName}, bench/tfjs_conv_grad.ts): dataFormat ${dataFormat} ` +
      'is not supported, only NHWC');
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad,
    dimRoundingMode, false, format);
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw, cin, cout] = filterShape;
  const { call, free } = kernelCaller(backendName, backend);

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
};

const inputGradVia = (backendName: GradBackend) => (args: KernelArgs): tf.TensorInfo => {
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
    return stockKernel(tf.Conv2DBackpropInput, backendName)!.kernelFunc(args) as tf.TensorInfo;
  }
  const { call, free } = kernelCaller(backendName, backend);
  const flipped = call(tf.Reverse, { x: filter }, { dims: [0, 1] });
  const swapped = call(tf.Transpose, { x: flipped }, { perm: [0, 1, 3, 2] });
  free(flipped);
  const dx = call(tf.Conv2D, { x: dy, filter: swapped }, {
    strides: 1, dilations: 1, dataFormat: 'NHWC', pad: explicit(...pads),
  });
  free(swapped);
  return dx;
};

/**
 * Which kernel computes `grad` on `backend`: the conv-based one of this file (viaConv) or the
 * backend's own (none: tfjs-backend-wasm has no Conv2DBackpropFilter). The backend's kernels
 * must be registered (import its package) first.
 */
export function useConvGrad(grad: ConvGrad, backend: GradBackend, viaConv: boolean): void {
  const own = stockKernel(grad, backend);
  if (tf.getKernel(grad, backend) !== undefined) tf.unregisterKernel(grad, backend);
  const via = grad === tf.Conv2DBackpropFilter ? filterGradVia(backend) : inputGradVia(backend);
  if (viaConv) tf.registerKernel({ kernelName: grad, backendName: backend, kernelFunc: via });
  else if (own !== undefined) tf.registerKernel(own);
}

interface Case { x: Shape4; filter: Shape4; strides: number | [number, number]; pad: 'valid' | 'same' | number | Explicit }

/** The seed CNN's two layers (small batch) and awkward shapes, paddings and strides. */
const CASES: Case[] = [
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { x: [4, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'valid' },
  { x: [3, 7, 9, 5], filter: [2, 3, 5, 7], strides: 1, pad: 'same' },
  { x: [2, 6, 5, 3], filter: [3, 3, 3, 2], strides: 1, pad: explicit(1, 0, 2, 1) },
  { x: [2, 6, 7, 3], filter: [3, 3, 3, 2], strides: 1, pad: explicit(3, 0, 0, 1) }, // pad > KH − 1: own dx
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [2, 10, 11, 4], filter: [3, 2, 4, 3], strides: [2, 3], pad: 'same' },
  { x: [1, 17, 17, 3], filter: [5, 5, 3, 8], strides: 3, pad: 2 },
];

const GRADS = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput] as const;

/** `grad` on `backend` as registered, or (reference) tfjs-backend-cpu's own kernel called directly. */
async function runOn(backend: GradBackend | 'reference', grad: ConvGrad, c: Case, a: Float32Array,
    dys: Float32Array, dyShape: Shape4): Promise<Float32Array> {
  await tf.setBackend(backend === 'reference' ? 'cpu' : backend);
  return tf.tidy(() => {
    const dy = tf.tensor4d(dys, dyShape);
    const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    const [inputs, attrs, shape] = grad === tf.Conv2DBackpropFilter
      ? [{ x: tf.tensor4d(a, c.x), dy }, { ...common, filterShape: c.filter }, c.filter]
      : [{ dy, filter: tf.tensor4d(a, c.filter) }, { ...common, inputShape: c.x }, c.x];
    const out = backend === 'reference'
      ? tf.engine().makeTensorFromTensorInfo(stockKernel(grad, 'cpu')!.kernelFunc(
        { inputs, backend: tf.backend(), attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo)
      : tf.engine().runKernel(grad, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    if (out.shape.join() !== shape.join()) throw new Error(`${grad} (${backend}): shape ${out.shape} instead of ${shape}`);
    return out.dataSync() as Float32Array;
  });
}

/**
 * Compares Conv2DBackpropFilter and Conv2DBackpropInput as `backend` runs them now with
 * tfjs-backend-cpu's own kernels on every case (random data, seeded), and checks that a
 * conv-based filter gradient throws for NCHW. Throws on disagreement; leaves `backend` set.
 */
export async function checkConvGrads(backend: GradBackend): Promise<void> {
  try {
    for (const [i, c] of CASES.entries()) {
      const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape as Shape4;
      const dys = tf.tidy(() => tf.randomUniform(dyShape, -1, 1, 'float32', 200 + i).dataSync() as Float32Array);
      for (const grad of GRADS) {
        const other = grad === tf.Conv2DBackpropFilter ? c.x : c.filter;
        const a = tf.tidy(() => tf.randomUniform(other, -1, 1, 'float32', 100 + i).dataSync() as Float32Array);
        const want = await runOn('reference', grad, c, a, dys, dyShape);
        const got = await runOn(backend, grad, c, a, dys, dyShape);
        // Each value sums products of numbers in [-1, 1]: N·OH·OW of them (filter), KH·KW·Cout (input).
        const terms = grad === tf.Conv2DBackpropFilter ? dyShape[0] * dyShape[1] * dyShape[2]
          : c.filter[0] * c.filter[1] * c.filter[3];
        const tol = 1e-4 * Math.sqrt(terms);
        for (let j = 0; j < want.length; j++) {
          if (!(Math.abs(got[j] - want[j]) <= tol)) {
            throw new Error(`${grad} (${backend}) disagrees with tfjs-cpu's on ${JSON.stringify(c)} at ${j}: ` +
              `${got[j]} vs ${want[j]}`);
          }
        }
      }
    }
    if (tf.getKernel(tf.Conv2DBackpropFilter, backend) !== stockKernel(tf.Conv2DBackpropFilter, backend)) {
      let threw = false;
      try {
        tf.tidy(() => tf.engine().runKernel(tf.Conv2DBackpropFilter,
          { x: tf.zeros([1, 1, 5, 5]), dy: tf.zeros([1, 1, 3, 3]) },
          { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 1, 1] }));
      } catch (e) {
        threw = /only NHWC/.test((e as Error).message);
      }
      if (!threw) throw new Error(`Conv2DBackpropFilter (${backend}) accepted NCHW`);
    }
  } finally {
    await tf.setBackend(backend);
  }
}
