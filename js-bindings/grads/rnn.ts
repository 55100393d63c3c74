// Gradient rule of the whole-sequence recurrent op (ops/rnn.ts): backpropagation through time
// in one rnn_grad_f32 call (assembly/autograd/rnn_grad.ts), which writes the gradients of x,
// the kernel, the recurrent kernel, the bias and the initial states that are wanted.
import { engine } from '../engine.js';
import { registerGradient } from '../autograd.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { RNN_ACTIVATIONS, rnnCellCode, type RnnActivation, type RnnCellKind } from '../ops/rnn.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

registerGradient('RnnSequence', (dy, node, needs) => {
  const [x, kernel, recurrentKernel, bias, h0, c0] = node.inputs as (Tensor | null)[];
  const a = node.attrs as { cell: RnnCellKind; resetAfter: boolean; batch: number; time: number; features: number; units: number;
    goBackwards: boolean; act: RnnActivation; recAct: RnnActivation; hasMask: boolean; hasRecurrentMask: boolean };
  const saved = node.saved[0];
  const mask = a.hasMask ? node.saved[1] : null;
  const rmask = a.hasRecurrentMask ? node.saved[a.hasMask ? 2 : 1] : null;
  const op = `${a.cell} (gradient)`;
  const grad = (i: number, t: Tensor | null) => (needs[i] && t !== null ? allocTensor(op, t.shape, 'float32') : null);
  const outs = [grad(0, x), grad(1, kernel), grad(2, recurrentKernel), grad(3, bias), grad(4, h0), grad(5, c0)];
  const [dx, dw, du, db, dh0, dc0] = outs;
  callKernel(op, outs, () => engine.k.rnn_grad_f32(rnnCellCode(a.cell, a.resetAfter), dx?.ptr ?? 0, dw?.ptr ?? 0, du?.ptr ?? 0,
    db?.ptr ?? 0, dh0?.ptr ?? 0, dc0?.ptr ?? 0, dy.ptr, saved.ptr, x!.ptr, kernel!.ptr, recurrentKernel!.ptr,
    mask?.ptr ?? 0, rmask?.ptr ?? 0, a.batch, a.time, a.features, a.units, a.goBackwards ? 1 : 0,
    RNN_ACTIVATIONS[a.act], RNN_ACTIVATIONS[a.recAct]));
  return outs;
});
