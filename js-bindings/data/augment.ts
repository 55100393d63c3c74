// augment(images, options): seeded random flips, rotations, shifts and zooms of an NHWC batch, one
// affine resampling per image (assembly/kernels/augment.ts, affine_warp_nhwc_f32).
//
// Per image, JS draws 7 uniforms u from mulberry32(seed) (data/random.ts), always all 7 and in
// this order, so enabling one option never changes what another draws:
//   flipH = flipHorizontal && u < 0.5        flipV = flipVertical && u < 0.5
//   angle = (2u − 1)·rotation degrees (counter-clockwise as displayed)
//   ty = (2u − 1)·translation[0]·H,  tx = (2u − 1)·translation[1]·W pixels (down, right)
//   zy = 1 + (2u − 1)·zoom[0],  zx = 1 + (2u − 1)·zoom[1] (> 1 magnifies; a single number
//        zooms both axes by the same drawn factor, zy, keeping the aspect ratio)
// and composes, about the image centre c = ((W − 1)/2, (H − 1)/2), the map of the content
//   out = c + t + R(angle)·Z·F·(in − c)       (flip first, then zoom, rotate, shift)
// whose inverse the kernel needs, in = M·out + b with M = F·Z⁻¹·R(angle)ᵀ, b = c − M·(c + t),
// written as 6 floats [m00, m01, b0, m10, m11, b1] per image into a scratch block. Pixels that
// map outside the input get fillValue. No option set → the identity map → the input exactly.
// cos and sin come from trig.ts, not Math: the same bits in every JS engine.
import { engine } from '../engine.js';
import { callKernel, allocTensor, type Tensor } from '../tensor.js';
import { assertDtype, assertRank, fmt } from '../util.js';
import { mulberry32, seedArg } from './random.js';
import { cosSinDegrees } from './trig.js';

export interface AugmentOptions {
  flipHorizontal?: boolean;
  flipVertical?: boolean;
  /** Largest rotation in degrees; each image turns by a uniform angle in ±rotation. */
  rotation?: number;
  /** Largest shift as a fraction of [height, width] (one number: both). */
  translation?: number | [number, number];
  /** Largest zoom as a fraction: scale uniform in 1 ± zoom, [height, width] or one for both. */
  zoom?: number | [number, number];
  /** Value of pixels mapped from outside the image (default 0; NaN allowed). */
  fillValue?: number;
  interpolation?: 'bilinear' | 'nearest';
  seed: number;
}

/** One image's transform, as drawn (angle in degrees, shifts in pixels). */
export interface AffineDraw {
  flipH: boolean;
  flipV: boolean;
  angle: number;
  ty: number;
  tx: number;
  zy: number;
  zx: number;
}

const INTERPOLATION = { bilinear: 0, nearest: 1 } as const;
const KEYS = new Set(['flipHorizontal', 'flipVertical', 'rotation', 'translation', 'zoom', 'fillValue',
  'interpolation', 'seed']);

/** [m00, m01, b0, m10, m11, b1]: output pixel → input position for the transform d (header). */
export function affineMatrix(d: AffineDraw, h: number, w: number): number[] {
  const [cos, sin] = cosSinDegrees(d.angle);
  const fx = d.flipH ? -1 : 1, fy = d.flipV ? -1 : 1;
  const m00 = (fx * cos) / d.zx, m01 = (-fx * sin) / d.zx;
  const m10 = (fy * sin) / d.zy, m11 = (fy * cos) / d.zy;
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  const px = cx + d.tx, py = cy + d.ty;
  return [m00, m01, cx - (m00 * px + m01 * py), m10, m11, cy - (m10 * px + m11 * py)];
}

/** A [height, width] option given as one number or a pair, each accepted by `ok`. */
function pair(op: string, name: string, v: unknown, ok: (a: number) => boolean, range: string): [number, number] {
  const good = (a: unknown): a is number => typeof a === 'number' && ok(a);
  if (v === undefined) return [0, 0];
  if (good(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && good(v[0]) && good(v[1])) return [v[0], v[1]];
  throw new Error(`${op}: '${name}' must be a number or [height, width] of numbers in ${range}, got ` +
    `${JSON.stringify(v)}`);
}

interface Checked {
  /** The transforms of n images of H×W (shifts in pixels). */
  draws: (n: number, h: number, w: number) => AffineDraw[];
  fillValue: number;
  interpolation: 0 | 1;
}

function checkOptions(op: string, options: AugmentOptions): Checked {
  if (options === null || typeof options !== 'object') throw new Error(`${op}: options must be an object with a seed`);
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new Error(`${op}: unknown option '${key}' (options: ${[...KEYS].join(', ')})`);
  }
  const { flipHorizontal = false, flipVertical = false, rotation = 0, fillValue = 0, interpolation = 'bilinear' } = options;
  if (typeof flipHorizontal !== 'boolean' || typeof flipVertical !== 'boolean') {
    throw new Error(`${op}: flipHorizontal and flipVertical must be booleans`);
  }
  if (typeof rotation !== 'number' || !(rotation >= 0) || !Number.isFinite(rotation)) {
    throw new Error(`${op}: 'rotation' must be a finite number of degrees >= 0, got ${String(rotation)}`);
  }
  const translation = pair(op, 'translation', options.translation, (a) => a >= 0 && a <= 1, '[0, 1]');
  const zoom = pair(op, 'zoom', options.zoom, (a) => a >= 0 && a < 1, '[0, 1)');
  const sameZoom = typeof options.zoom === 'number';
  if (typeof fillValue !== 'number') throw new Error(`${op}: 'fillValue' must be a number, got ${typeof fillValue}`);
  if (!(interpolation in INTERPOLATION)) {
    throw new Error(`${op}: 'interpolation' must be 'bilinear' or 'nearest', got ${String(interpolation)}`);
  }
  const seed = seedArg(op, options.seed, true);
  const draws = (n: number, h: number, w: number): AffineDraw[] => {
    const rand = mulberry32(seed);
    const sym = (): number => 2 * rand() - 1;
    return Array.from({ length: n }, () => {
      const flipH = rand() < 0.5 && flipHorizontal, flipV = rand() < 0.5 && flipVertical;
      const angle = sym() * rotation, ty = sym() * translation[0] * h, tx = sym() * translation[1] * w;
      const zy = 1 + sym() * zoom[0], zxDraw = 1 + sym() * zoom[1];
      return { flipH, flipV, angle, ty, tx, zy, zx: sameZoom ? zy : zxDraw };
    });
  };
  return { draws, fillValue, interpolation: INTERPOLATION[interpolation as keyof typeof INTERPOLATION] };
}

function paramsOf(checked: Checked, n: number, h: number, w: number): Float32Array {
  return Float32Array.from(checked.draws(n, h, w).flatMap((d) => affineMatrix(d, h, w)));
}

/** The 6·N kernel parameters augment(images [N, H, W, C], options) uses (for tests and inspection). */
export function augmentParams(n: number, h: number, w: number, options: AugmentOptions): Float32Array {
  return paramsOf(checkOptions('augmentParams', options), n, h, w);
}

/** A new float32 [N, H, W, C] tensor: each image of `images` randomly transformed (header). */
export function augment(images: Tensor, options: AugmentOptions): Tensor<'float32'> {
  const op = 'augment';
  assertDtype(op, 'images', images, 'float32');
  assertRank(op, 'images', images, 4);
  const checked = checkOptions(op, options);
  const [n, h, w, c] = images.shape;
  const params = paramsOf(checked, n, h, w);
  const out = allocTensor(op, images.shape, 'float32');
  callKernel(`${op} ${fmt(images.shape)}`, [out], (scratch) => {
    const p = scratch(Math.max(params.byteLength, 16));
    engine.f32(p, params.length).set(params);
    return engine.k.affine_warp_nhwc_f32(out.ptr, images.ptr, p, n, h, w, c, checked.interpolation, checked.fillValue);
  });
  return out;
}
