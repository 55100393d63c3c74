// Resize (opset 10+), modes 'nearest' and 'linear', on the spatial axes of a value (NHWC kept):
// the source coordinates of every output row and column are computed at import from the
// coordinate_transformation_mode and nearest_mode, so the layer is a gather of rows ('take')
// or, for linear, a mix of two gathered rows with constant weights ('lerp'), one axis at a time
// (bilinear is separable). Scales and sizes must be constants.
import { OnnxOp } from '../op_layer.js';
import { attrInt, attrInts, attrString, where } from '../attrs.js';
import { fail } from '../decode.js';
import { graphConstant, type OpHandler } from '../builder.js';
import { axisForm, axisIn, Val } from '../layout.js';
import type { OnnxGraph, OnnxNode } from '../graph.js';
import { MAX_ROWS } from './transform.js';

const MODES = ['nearest', 'linear'];
const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** Input positions of scales and sizes: opset 10 has (X, scales); 11 on (X, roi, scales, sizes). */
const inputsOf = (g: OnnxGraph) => (g.opset < 11 ? { scales: 1, sizes: -1 } : { scales: 2, sizes: 3 });

function check(node: OnnxNode, g: OnnxGraph): string | null {
  const mode = attrString(node, 'mode', 'nearest');
  if (!MODES.includes(mode)) return `mode ${JSON.stringify(mode)} is not supported (${MODES.join(', ')})`;
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
        const pos = Array.from({ length: m }, (_, i) => Math.min(n - 1, Math.max(0, Math.fround(source(ct, i, n, m, s)))));
        const i0 = pos.map(Math.floor), i1 = i0.map((i) => Math.min(i + 1, n - 1)), f = pos.map((p, i) => p - i0[i]);
        sym = b.apply(new OnnxOp({ name, op: 'lerp', attrs: { axis: at, i0, i1, f } }), sym);
      });
      b.set(node.outputs[0], Val.of(form, sym));
    },
  },
};
