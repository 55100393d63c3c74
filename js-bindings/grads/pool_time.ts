// Gradient rules of the masked global poolings over time (js-bindings/ops/pool_time.ts): one
// backward kernel each (assembly/autograd/pool_time_grad.ts), from the saved mask or winners.
import { engine } from '../engine.js';
import { registerGradient } from '../autograd.js';
import { kernelOutput } from './util.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

registerGradient('GlobalAveragePool1d', (dy, node) => {
  const x = node.inputs[0]!;
  const { b, t, c } = node.attrs as { b: number; t: number; c: number };
  const mask = node.saved[0]?.ptr ?? 0;
  return [kernelOutput('globalAveragePool1d (gradient)', x.shape,
    (out) => engine.k.global_avgpool_time_grad_f32(out, dy.ptr, mask, b, t, c))];
});

registerGradient('GlobalMaxPool1d', (dy, node) => {
  const x = node.inputs[0]!;
  const { b, t, c } = node.attrs as { b: number; t: number; c: number };
  const argmax = node.saved[0];
  return [kernelOutput('globalMaxPool1d (gradient)', x.shape,
    (out) => engine.k.global_maxpool_time_grad_f32(out, dy.ptr, argmax.ptr, b, t, c))];
});
