// batchNorm (inference form) over the last axis, as TF.js: batchNorm(x, mean, variance, offset?,
// scale?, varianceEpsilon = 0.001), plus the rank-checked aliases batchNorm2d/3d/4d. One
// batchnorm_f32 call (assembly/kernels/batchnorm.ts).
import { engine } from '../engine.js';
import { allocTensor, type Tensor } from '../tensor.js';
import { assertDtype, fmt } from '../util.js';
import { record } from '../autograd.js';

/** A per-channel parameter: shape [C], or [1, ..., 1, C] of rank <= x's. */
function checkChannels(name: string, p: Tensor, x: Tensor, c: number): void {
  assertDtype('batchNorm', name, p, 'float32');
  const ok = p.rank >= 1 && p.rank <= x.rank && p.shape[p.rank - 1] === c && p.size === c;
  if (!ok) {
    throw new Error(`batchNorm: ${name} must have shape [${c}] (or [1,...,1,${c}]) to broadcast over the ` +
      `last axis of x ${fmt(x.shape)}, got ${fmt(p.shape)}`);
  }
}

/** (x - mean) / sqrt(variance + varianceEpsilon) · scale + offset, broadcasting over the last axis (inference form). */
export function batchNorm(x: Tensor, mean: Tensor, variance: Tensor, offset?: Tensor | null,
    scale?: Tensor | null, varianceEpsilon = 0.001): Tensor {
  assertDtype('batchNorm', 'x', x, 'float32');
  if (x.rank === 0) throw new Error('batchNorm: x must have rank >= 1, got a scalar');
  const c = x.shape[x.rank - 1];
  checkChannels('mean', mean, x, c);
  checkChannels('variance', variance, x, c);
  if (offset !== undefined && offset !== null) checkChannels('offset', offset, x, c);
  if (scale !== undefined && scale !== null) checkChannels('scale', scale, x, c);
  if (typeof varianceEpsilon !== 'number' || !(varianceEpsilon >= 0) || !Number.isFinite(varianceEpsilon)) {
    throw new Error(`batchNorm: varianceEpsilon must be a finite number >= 0, got ${String(varianceEpsilon)}`);
  }
  const y = allocTensor('batchNorm', x.shape, 'float32');
  const status = engine.k.batchnorm_f32(y.ptr, x.ptr, mean.ptr, variance.ptr, offset ? offset.ptr : 0,
    scale ? scale.ptr : 0, c === 0 ? 0 : x.size / c, c, varianceEpsilon);
  if (status !== 0) {
    y.dispose();
    engine.check('batchNorm', status);
  }
  return record('BatchNorm', [x, mean, variance, offset, scale], y, { epsilon: varianceEpsilon });
}

function ranked(rank: number) {
  return (x: Tensor, mean: Tensor, variance: Tensor, offset?: Tensor | null, scale?: Tensor | null,
      varianceEpsilon?: number): Tensor => {
    assertDtype(`batchNorm${rank}d`, 'x', x, 'float32');
    if (x.rank !== rank) throw new Error(`batchNorm${rank}d: x must have rank ${rank}, got ${fmt(x.shape)}`);
    return batchNorm(x, mean, variance, offset, scale, varianceEpsilon);
  };
}

/** batchNorm for a rank-2 x. */
export const batchNorm2d = ranked(2);
/** batchNorm for a rank-3 x. */
export const batchNorm3d = ranked(3);
/** batchNorm for a rank-4 x. */
export const batchNorm4d = ranked(4);
