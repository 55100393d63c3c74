// The engines under comparison, set up for one thread: Lepton (whichever build this process
// loads) and TensorFlow.js's wasm backend (XNNPACK inside). Each op includes reading the result
// back into JS (dataSync) and freeing it, as a user's code would.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as lp from '../js-bindings/index.js';
import type { ConvShape } from './shapes.js';

export async function setUp(): Promise<void> {
  const dist = new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url);
  setWasmPaths(dist.pathname);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // single-threaded, like Lepton
  await tf.setBackend('wasm');
  await tf.ready();
  await lp.ready();
}

export interface Pair { lepton: () => void; tfjs: () => void; dispose: () => void }

export function gemmPair(n: number): Pair {
  const la = lp.randomUniform([n, n], -1, 1, 'float32', 1), lb = lp.randomUniform([n, n], -1, 1, 'float32', 2);
  const ta = tf.tensor(la.dataSync(), [n, n]), tb = tf.tensor(lb.dataSync(), [n, n]);
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
