// Resize (opset 10+), modes 'nearest', 'linear' and 'cubic' (opset 11+), on the spatial axes of a
// value (NHWC kept): the source coordinates of every output row and column are computed at import
// from the coordinate_transformation_mode and nearest_mode, so the layer is a gather of rows
// ('take'), for linear a mix of two gathered rows with constant weights ('lerp'), for cubic of
// four ('taps', Keys' kernel with cubic_coeff_a, edge rows repeated or, with exclude_outside,
// given weight 0 and the rest renormalized, as ONNX's reference does), one axis at a time (both
// are separable). Scales and sizes must be constants.
import { OnnxOp } from '../op_layer.js';
import { attrFloat, attrInt, attrInts, attrString, where } from '../attrs.js';
import { fail } from '../decode.js';
import { graphConstant, type OpHandler } from '../builder.js';
import { axisForm, axisIn, Val } from '../layout.js';
import type { OnnxGraph, OnnxNode } from '../graph.js';
import { MAX_ROWS } from './transform.js';

const MODES = ['nearest', 'linear', 'cubic'];
const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** Input positions of scales and sizes: opset 10 has (X, scales); 11 on (X, roi, scales, sizes). */
const inputsOf = (g: OnnxGraph) => (g.opset < 11 ? { scales: 1, sizes: -1 } : { scales: 2, sizes: 3 });

function check(node: OnnxNode, g: OnnxGraph): string | null {
  const mode = attrString(node, 'mode', 'nearest');
  if (!MODES.includes(mode)) return `mode ${JSON.stringify(mode)} is not supported (${MODES.join(', ')})`;
  if (mode === 'cubic' && g.opset < 11) return 'mode cubic needs opset 11 or later';
  const ct = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  if (g.opset >= 11 && !TRANSFORMS.includes(ct)) return `coordinate_transformation_mode ${JSON.stringify(ct)} is not supported (${TRANSFORMS.join(', ')})`;
  const nm = attrString(node, 'nearest_mode', 'round_prefer_floor');
  if (!NEAREST.includes(nm)) return `nearest_mode ${JSON.stringify(nm)} is not supported`;
  if (attrInt(node, 'antialias', 0) !== 0) return 'antialias is not supported';
  if (attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') return 'keep_aspect_ratio_policy other than stretch is not supported';
  const { scales, sizes } = inputsOf(g);
  const sc = graphConstant(g, node, scales), sz = sizes < 0 ? undefined : graphConstant(g, node, sizes);
  const given = (i: number) => i >= 0 && (node.inputs[i] ?? '') !== '';
  if (given(scales) && (sc === undefined || sc.dtype !== 'float32')) return 'scales must be a float32 constant';
  if (given(sizes) && (sz === undefined || sz.dtype === 'float32')) return 'sizes must be a constant of integers';
  if (!(sc !== undefined && sc.data.length > 0) && sz === undefined) return 'scales or sizes must be given';
  return null;
}

/** Source coordinate of output index i on an axis of size n resized to m (scale s). */
function source(ct: string, i: number, n: number, m: number, s: number): number {
  switch (ct) {
    case 'asymmetric': return i / s;
    case 'align_corners': return m === 1 ? 0 : (i * (n - 1)) / (m - 1);
    case 'pytorch_half_pixel': return m > 1 ? (i + 0.5) / s - 0.5 : 0;
    case 'tf_half_pixel_for_nn': return (i + 0.5) / s;
    default: return (i + 0.5) / s - 0.5;
  }
}

function nearest(mode: string, x: number): number {
  if (mode === 'floor') return Math.floor(x);
  if (mode === 'ceil') return Math.ceil(x);
  if (mode === 'round_prefer_ceil') return Math.round(x);
  return Number.isInteger(x - 0.5) ? x - 0.5 : Math.round(x); // round_prefer_floor: halves go down
}

/** Keys' cubic convolution kernel at distance d with coefficient a (-0.75 in ONNX, -0.5 in TensorFlow). */
function keys(d: number, a: number): number {
  d = Math.abs(d);
  if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
  return d < 2 ? ((a * d - 5 * a) * d + 8 * a) * d - 4 * a : 0;
}

/** The four taps (rows floor(x) − 1 .. floor(x) + 2, clamped) and weights of each output row, for 'taps'. */
function cubicTaps(pos: number[], n: number, a: number, excludeOutside: boolean): { idx: number[][]; w: number[][] } {
  const idx: number[][] = [[], [], [], []], w: number[][] = [[], [], [], []];
  for (const x of pos) {
    const i0 = Math.floor(x), t = x - i0;
    const ws = [0, 1, 2, 3].map((k) => {
      const j = i0 - 1 + k;
      return excludeOutside && (j < 0 || j >= n) ? 0 : keys(t - (k - 1), a);
    });
    const total = excludeOutside ? ws.reduce((p, v) => p + v, 0) : 1;
    for (let k = 0; k < 4; k++) {
      idx[k].push(Math.min(n - 1, Math.max(0, i0 - 1 + k)));
      w[k].push(ws[k] / total);
    }
  }
  return { idx, w };
}

export const resizeOps: Record<string, OpHandler> = {
  Resize: {
    check,
    build: (node, b) => {
      const x = b.tensor(node, 0);
      const r = x.rank;
      const mode = attrString(node, 'mode', 'nearest');
      const ct = b.graph.opset < 11 ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel');
      const nm = b.graph.opset < 11 ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
      const axes = (attrInts(node, 'axes', null) ?? Array.from({ length: r }, (_, i) => i)).map((a) => (a < 0 ? a + r : a));
      const { scales, sizes } = inputsOf(b.graph);
      const sc = b.constant(node, scales), sz = sizes < 0 ? undefined : b.constant(node, sizes);
      const useSizes = sz !== undefined && !(sc !== undefined && sc.data.length > 0);
      const given = (useSizes ? sz! : sc!).data as ArrayLike<number>;
      if (given.length !== axes.length || axes.some((a) => a < 0 || a >= r)) fail(`${where(node)}: ${useSizes ? 'sizes' : 'scales'} must hold ${axes.length} values`);
      const form = axisForm(x);
      let sym = b.form(x, form);
      axes.forEach((a, k) => {
        const n = x.shape[a];
        if (a === 0) {
          // The batch is kept: scale 1, or its own (static) size.
          if (useSizes ? n !== null && given[k] === n : given[k] === 1) return;
          fail(`${where(node)}: resizing the batch dimension is not supported${useSizes ? ' (give scales, or sizes with axes, for a dynamic batch)' : ''}`);
        }
        if (n === null) fail(`${where(node)}: dimension ${a} is not known`);
        // onnxruntime computes in float32: a scale of 0.6 is 0.60000002, and 3 / 0.6 floors to 4.
        const s = Math.fround(useSizes ? given[k] / n : given[k]);
        const m = useSizes ? given[k] : Math.floor(n * s);
        if (m === n && s === 1) return;
        if (!(s > 0) || !Number.isInteger(m) || m < 1 || m > MAX_ROWS) fail(`${where(node)}: axis ${a} of size ${n} cannot be resized by ${s} (to ${m})`);
        const at = axisIn(form, a);
        const name = b.layerName(node, `_axis${at}`);
        if (mode === 'nearest') {
          const indices = Array.from({ length: m }, (_, i) => Math.min(n - 1, Math.max(0, nearest(nm, Math.fround(source(ct, i, n, m, s))))));
          sym = b.apply(new OnnxOp({ name, op: 'take', attrs: { axis: at, indices } }), sym);
          return;
        }
        if (mode === 'cubic') {
          // Not clamped: rows outside repeat the edge (or are excluded).
          const pos = Array.from({ length: m }, (_, i) => Math.fround(source(ct, i, n, m, s)));
          const taps = cubicTaps(pos, n, attrFloat(node, 'cubic_coeff_a', -0.75), attrInt(node, 'exclude_outside', 0) !== 0);
          sym = b.apply(new OnnxOp({ name, op: 'taps', attrs: { axis: at, ...taps } }), sym);
          return;
        }
        const pos = Array.from({ length: m }, (_, i) => Math.min(n - 1, Math.max(0, Math.fround(source(ct, i, n, m, s)))));
        const i0 = pos.map(Math.floor), i1 = i0.map((i) => Math.min(i + 1, n - 1)), f = pos.map((p, i) => p - i0[i]);
        sym = b.apply(new OnnxOp({ name, op: 'lerp', attrs: { axis: at, i0, i1, f } }), sym);
      });
      b.set(node.outputs[0], Val.of(form, sym));
    },
  },
};
