// The engines under comparison, set up for one thread: Lepton (whichever build this process
// loads) and TensorFlow.js's wasm backend (XNNPACK inside). Each op includes reading the result
// back into JS (dataSync) and freeing it, as a user's code would.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as lp from '../js-bindings/index.js';
import { engine } from '../js-bindings/engine.js';
import type { ConvShape, DwShape } from './shapes.js';

/** TensorFlow.js on its wasm backend, one thread. */
export async function setUpTfjsWasm(): Promise<void> {
  const dist = new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url);
  setWasmPaths(dist.pathname);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // single-threaded, like Lepton
  await tf.setBackend('wasm');
  await tf.ready();
}

export async function setUp(): Promise<void> {
  await setUpTfjsWasm();
  await lp.ready();
}

export interface Pair { lepton: () => void; tfjs: () => void; dispose: () => void }

/** [m, k] x [k, n] (n x n x n when only n is given). */
export function gemmPair(n: number, m = n, k = n): Pair {
  const la = lp.randomUniform([m, k], -1, 1, 'float32', 1), lb = lp.randomUniform([k, n], -1, 1, 'float32', 2);
  const ta = tf.tensor(la.dataSync(), [m, k]), tb = tf.tensor(lb.dataSync(), [k, n]);
  return {
    lepton: () => { const c = lp.matMul(la, lb); c.dataSync(); c.dispose(); },
    tfjs: () => { const c = tf.matMul(ta, tb); c.dataSync(); c.dispose(); },
    dispose: () => { la.dispose(); lb.dispose(); ta.dispose(); tb.dispose(); },
  };
}

export function convPair(s: ConvShape): Pair {
  const cin = s.input[3];
  const filterShape: [number, number, number, number] = [s.kernel, s.kernel, cin, s.filters];
  const lx = lp.randomUniform(s.input, -1, 1, 'float32', 3);
  const lf = lp.randomUniform(filterShape, -1, 1, 'float32', 4);
  const tx = tf.tensor4d(lx.dataSync(), s.input), tfl = tf.tensor4d(lf.dataSync(), filterShape);
  return {
    lepton: () => { const y = lp.conv2d(lx, lf, 1, 'valid'); y.dataSync(); y.dispose(); },
    tfjs: () => { const y = tf.conv2d(tx, tfl, 1, 'valid'); y.dataSync(); y.dispose(); },
    dispose: () => { lx.dispose(); lf.dispose(); tx.dispose(); tfl.dispose(); },
  };
}

export function depthwisePair(s: DwShape): Pair {
  const c = s.input[3];
  const lx = lp.randomUniform(s.input, -1, 1, 'float32', 7);
  const lf = lp.randomUniform([3, 3, c, 1], -1, 1, 'float32', 8);
  const tx = tf.tensor4d(lx.dataSync(), s.input), tfl = tf.tensor4d(lf.dataSync(), [3, 3, c, 1]);
  return {
    lepton: () => { const y = lp.depthwiseConv2d(lx, lf, s.stride, 'same'); y.dataSync(); y.dispose(); },
    tfjs: () => { const y = tf.depthwiseConv2d(tx, tfl, s.stride, 'same'); y.dataSync(); y.dispose(); },
    dispose: () => { lx.dispose(); lf.dispose(); tx.dispose(); tfl.dispose(); },
  };
}

/**
 * The backward kernels of one 'valid' stride-1 convolution against its forward, all called
 * straight on arena buffers (kernel time only, as the training tape calls them): forward conv
 * (no bias, no activation), input gradient, filter gradient with the bias gradient. And the
 * input gradient with its result read back, against tfjs-wasm's Conv2DBackpropInput
 * (tf.conv2dTranspose) read back too; both checked to agree first.
 */
export interface ConvGradSet {
  forward: () => void; input: () => void; filter: () => void;
  inputRead: () => void; tfjsInput: () => void; dispose: () => void;
}

export function convGradSet(s: ConvShape): ConvGradSet {
  const [n, h, w, cin] = s.input;
  const kh = s.kernel, oh = h - kh + 1, ow = w - kh + 1, cout = s.filters;
  const x = lp.randomUniform(s.input, -1, 1, 'float32', 21);
  const f = lp.randomUniform([kh, kh, cin, cout], -1, 1, 'float32', 22);
  const dy = lp.randomUniform([n, oh, ow, cout], -1, 1, 'float32', 23);
  const y = lp.zeros([n, oh, ow, cout]), dx = lp.zeros(s.input), df = lp.zeros([kh, kh, cin, cout]), db = lp.zeros([cout]);
  const k = engine.k;
  const geo = [n, h, w, cin, kh, kh, cout, 1, 1, 1, 1, 0, 0, oh, ow] as const;
  const check = (status: number) => { if (status !== 0) throw new Error(`bench: kernel status ${status}`); };
  const input = () => check(k.conv2d_grad_input_nhwc_f32(dx.ptr, dy.ptr, f.ptr, ...geo));
  const tdy = tf.tensor4d(dy.dataSync(), [n, oh, ow, cout]), tfl = tf.tensor4d(f.dataSync(), [kh, kh, cin, cout]);
  const tfjsDx = () => tf.conv2dTranspose(tdy, tfl, s.input, 1, 'valid');
  input();
  const mine = dx.dataSync(), theirs = tfjsDx();
  const ref = theirs.dataSync();
  theirs.dispose();
  for (let i = 0; i < mine.length; i++) {
    if (Math.abs(mine[i] - ref[i]) > 1e-3) throw new Error(`bench: conv2d_grad_input and tfjs disagree at ${i}: ${mine[i]} vs ${ref[i]}`);
  }
  return {
    forward: () => check(k.conv2d_nhwc_f32(y.ptr, x.ptr, f.ptr, 0, ...geo, 0, 0)),
    input,
    filter: () => check(k.conv2d_grad_filter_nhwc_f32(df.ptr, db.ptr, dy.ptr, x.ptr, ...geo)),
    inputRead: () => { input(); dx.dataSync(); },
    tfjsInput: () => { const t = tfjsDx(); t.dataSync(); t.dispose(); },
    dispose: () => { for (const t of [x, f, dy, y, dx, df, db]) t.dispose(); tdy.dispose(); tfl.dispose(); },
  };
}

/** The MNIST CNN (bench/shapes.ts) forward on a batch, the same random weights in both engines. */
export function cnnPair(batch: number): Pair {
  const lw = [
    lp.randomNormal([3, 3, 1, 32], 0, 0.3, 'float32', 11), lp.randomNormal([32], 0, 0.1, 'float32', 12),
    lp.randomNormal([3, 3, 32, 64], 0, 0.08, 'float32', 13), lp.randomNormal([64], 0, 0.1, 'float32', 14),
    lp.randomNormal([1600, 128], 0, 0.035, 'float32', 15), lp.randomNormal([128], 0, 0.1, 'float32', 16),
    lp.randomNormal([128, 10], 0, 0.09, 'float32', 17), lp.randomNormal([10], 0, 0.1, 'float32', 18),
  ];
  const lx = lp.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 19);
  const tw = lw.map((t) => tf.tensor(t.dataSync(), t.shape as number[]));
  const tx = tf.tensor4d(lx.dataSync(), [batch, 28, 28, 1]);
  const [c1, b1, c2, b2, d1, e1, d2, e2] = lw;
  const [tc1, tb1, tc2, tb2, td1, te1, td2, te2] = tw as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D,
    tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
  const leptonForward = () => lp.tidy(() => {
    let h = lp.fused.conv2d({ x: lx, filter: c1, strides: 1, pad: 'valid', bias: b1, activation: 'relu' });
    h = lp.maxPool(h, 2, 2, 'valid');
    h = lp.fused.conv2d({ x: h, filter: c2, strides: 1, pad: 'valid', bias: b2, activation: 'relu' });
    h = lp.reshape(lp.maxPool(h, 2, 2, 'valid'), [batch, 1600]);
    h = lp.fused.matMul({ a: h, b: d1, bias: e1, activation: 'relu' });
    return lp.softmax(lp.fused.matMul({ a: h, b: d2, bias: e2 }));
  });
  const tfjsForward = () => tf.tidy(() => {
    let h: tf.Tensor4D = tf.fused.conv2d({ x: tx, filter: tc1, strides: 1, pad: 'valid', bias: tb1, activation: 'relu' });
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.fused.conv2d({ x: h, filter: tc2, strides: 1, pad: 'valid', bias: tb2, activation: 'relu' });
    const flat = tf.reshape(tf.maxPool(h, 2, 2, 'valid'), [batch, 1600]) as tf.Tensor2D;
    const hidden = tf.fused.matMul({ a: flat, b: td1, bias: te1, activation: 'relu' });
    return tf.softmax(tf.fused.matMul({ a: hidden, b: td2, bias: te2 }));
  });
  // A fast wrong forward pass is no result: both engines must give the same probabilities.
  const mine = leptonForward(), theirs = tfjsForward();
  const a = mine.dataSync(), b = theirs.dataSync();
  mine.dispose(); theirs.dispose();
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > 1e-4) throw new Error(`bench: Lepton and tfjs disagree on the CNN at ${i}: ${a[i]} vs ${b[i]}`);
  }
  return {
    lepton: () => { const y = leptonForward(); y.dataSync(); y.dispose(); },
    tfjs: () => { const y = tfjsForward(); y.dataSync(); y.dispose(); },
    dispose: () => { for (const t of [...lw, lx]) t.dispose(); for (const t of [...tw, tx]) t.dispose(); },
  };
}

export function leptonBuild(): string {
  return lp.backendInfo().build;
}

/** Checks that both engines agree before timing them (a fast wrong kernel is no result). */
export function agree(n: number): void {
  const a = lp.randomUniform([n, n], -1, 1, 'float32', 5), b = lp.randomUniform([n, n], -1, 1, 'float32', 6);
  const mine = lp.matMul(a, b).dataSync();
  const theirs = tf.matMul(tf.tensor(a.dataSync(), [n, n]), tf.tensor(b.dataSync(), [n, n])).dataSync();
  let worst = 0;
  for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]));
  if (worst > 1e-3 * Math.sqrt(n)) throw new Error(`bench: Lepton and tfjs disagree on matMul ${n}: ${worst}`);
}
