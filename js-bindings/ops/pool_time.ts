// Global pooling over the time axis of x [batch, time, channels], with an optional mask
// [batch, time] (bool or int32, nonzero = a real step): the computation of Keras's
// GlobalAveragePooling1D / GlobalMaxPooling1D. Masked steps are left out: the mean divides by the
// number of real steps, the max ignores them; a row with no real step gives 0. One kernel call
// over the whole batch (assembly/kernels/pool_time.ts); the max saves its winning steps for the
// gradient (assembly/autograd/pool_time_grad.ts).
import { engine } from '../engine.js';
import { allocTensor, callKernel, Tensor } from '../tensor.js';
import { assertDtype, assertRank, fmt } from '../util.js';
import { isTracked, record } from '../autograd.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

/** Checks x [b, t, c] and mask [b, t]; throws naming op before any memory is touched. */
function checkArgs(op: string, x: Tensor, mask: Tensor | null | undefined): [number, number, number] {
  assertDtype(op, 'x', x, 'float32');
  assertRank(op, 'x', x, 3);
  const [b, t, c] = x.shape;
  if (mask != null) {
    assertDtype(op, 'mask', mask, 'bool', 'int32');
    if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== t) {
      throw new Error(`${op}: mask must have shape [batch, time] = [${b},${t}] for x ${fmt(x.shape)}, got ${fmt(mask.shape)}`);
    }
  }
  return [b, t, c];
}

/** Mean over the real time steps of x [b, t, c] → [b, c]. */
export function globalAveragePool1d(x: Tensor, mask?: Tensor | null): Tensor {
  const op = 'globalAveragePool1d';
  const [b, t, c] = checkArgs(op, x, mask);
  const out = allocTensor(op, [b, c], 'float32');
  const m = mask ?? null;
  callKernel(op, [out], () => engine.k.global_avgpool_time_f32(out.ptr, x.ptr, m?.ptr ?? 0, b, t, c));
  return record('GlobalAveragePool1d', [x], out, { b, t, c }, m ? [m] : []);
}

/** Max over the real time steps of x [b, t, c] → [b, c]. */
export function globalMaxPool1d(x: Tensor, mask?: Tensor | null): Tensor {
  const op = 'globalMaxPool1d';
  const [b, t, c] = checkArgs(op, x, mask);
  const out = allocTensor(op, [b, c], 'float32');
  const argmax = allocTensor(op, [b, c], 'int32');
  callKernel(op, [out, argmax], () => engine.k.global_maxpool_time_f32(out.ptr, argmax.ptr, x.ptr, mask?.ptr ?? 0, b, t, c));
  if (!isTracked(x)) {
    argmax.dispose();
    return out;
  }
  return record('GlobalMaxPool1d', [x], out, { b, t, c }, [argmax]);
}
