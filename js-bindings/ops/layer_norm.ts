// layerNorm: layer normalization over the last axis, one layernorm_f32 call
// (assembly/kernels/layernorm.ts) that also writes each row's mean and 1/std, kept only while a
// tape records the op (the LayerNorm gradient rule in grads/attention.ts needs them).
// The op behind lp.layers.layerNormalization (Keras / tfjs-layers LayerNormalization, axis -1).
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { assertDtype, fmt } from '../util.js';
import { isTracked, record } from '../autograd.js';

// Its kernels are only in the full .wasm builds: importing this module makes ready() load one.
engine.requireFullBuild();

/** A per-feature parameter [n] for the last axis, or absent. */
function checkFeatureParam(op: string, name: string, p: Tensor | null | undefined, n: number): void {
  if (p === null || p === undefined) return;
  assertDtype(op, name, p, 'float32');
  if (p.rank !== 1 || p.shape[0] !== n) throw new Error(`${op}: '${name}' must have shape [${n}], got ${fmt(p.shape)}`);
}

/**
 * (x − mean) / sqrt(variance + epsilon) · gamma + beta, with mean and (biased) variance over the
 * last axis of x for every row; gamma, beta [n] (null: ones, zeros).
 */
export function layerNorm(x: Tensor, gamma: Tensor | null = null, beta: Tensor | null = null, epsilon = 1e-3): Tensor {
  const op = 'layerNorm';
  assertDtype(op, 'x', x, 'float32');
  if (x.rank < 1) throw new Error(`${op}: x must have rank >= 1, got shape ${fmt(x.shape)}`);
  const n = x.shape[x.rank - 1];
  checkFeatureParam(op, 'gamma', gamma, n);
  checkFeatureParam(op, 'beta', beta, n);
  if (typeof epsilon !== 'number' || !(epsilon > 0)) throw new Error(`${op}: epsilon must be a number > 0, got ${String(epsilon)}`);
  const rows = n === 0 ? 0 : x.size / n;
  const tracked = isTracked(x) || isTracked(gamma) || isTracked(beta);
  const y = allocTensor(op, x.shape, 'float32');
  const mean = tracked ? allocTensor(op, [rows], 'float32') : null;
  const rstd = tracked ? allocTensor(op, [rows], 'float32') : null;
  callKernel(op, [y, mean, rstd], () => engine.k.layernorm_f32(y.ptr, mean?.ptr ?? 0, rstd?.ptr ?? 0, x.ptr,
    gamma?.ptr ?? 0, beta?.ptr ?? 0, rows, n, epsilon));
  if (!tracked) return y;
  return record('LayerNorm', [x, gamma, beta], y, { rows, n }, [mean!, rstd!]);
}
