// Flatten and Reshape (constant shape). A Flatten of an NHWC value is lazy: its output can be
// read in ONNX's (c, h, w) order (Permute back, then Flatten) or, by a Dense, in NHWC's (h, w, c)
// order with the weights permuted instead (layout.ts). Reshape works on ONNX's layout and keeps
// the batch dimension (0 or -1 first, or the static batch).
import { Flatten, Reshape } from '../../layers/core.js';
import { attrInt, where } from '../attrs.js';
import { fail } from '../decode.js';
import { graphConstant, type Builder, type OpHandler } from '../builder.js';
import { Val } from '../layout.js';
import { OnnxOp } from '../op_layer.js';
import type { OnnxNode } from '../graph.js';

const show = (s: (number | null)[]) => `[${s.map((d) => d ?? 'N')}]`;

/** [N, rest...] → [N, prod(rest)]. */
function flatten(node: OnnxNode, b: Builder, x: Val): void {
  if (x.rank === 2) { b.set(node.outputs[0], x); return; }
  const [n, ...rest] = x.shape as number[];
  const size = rest.reduce((a, d) => a * d, 1);
  if (x.rank === 4) {
    const [c, h, w] = rest;
    // One channel, or a 1x1 grid: both orders are the same, the NHWC form flattens as it is.
    if ((c === 1 || h * w === 1) && x.forms.has('nhwc')) {
      b.set(node.outputs[0], Val.of('onnx', b.apply(new Flatten({ name: b.layerName(node) }), x.forms.get('nhwc')!)));
      return;
    }
    b.set(node.outputs[0], new Val([n, size], [c, h, w], x));
    return;
  }
  b.set(node.outputs[0], Val.of('onnx', b.apply(new Flatten({ name: b.layerName(node) }), b.form(x, 'onnx'))));
}

export const shapeOps: Record<string, OpHandler> = {
  Flatten: {
    build: (node, b) => {
      const x = b.tensor(node, 0);
      const raw = attrInt(node, 'axis', 1);
      const axis = raw < 0 ? raw + x.rank : raw;
      if (axis < 0 || axis > x.rank) fail(`${where(node)}: axis ${raw} is out of range for rank ${x.rank}`);
      if (axis === 1) { flatten(node, b, x); return; }
      // Another axis folds the batch into a dimension: [1, everything] or [N * leading, trailing].
      const trailing = x.shape.slice(axis);
      if (trailing.some((d) => d === null)) fail(`${where(node)}: axis ${raw} of ${show(x.shape)} needs static trailing dimensions`);
      const shape = axis === 0 ? [1, -1] : [-1, trailing.reduce<number>((a, d) => a * d!, 1)];
      b.set(node.outputs[0], Val.of('onnx', b.apply(new OnnxOp({ name: b.layerName(node), op: 'reshape', attrs: { shape } }), b.form(x, 'onnx'))));
    },
  },
  Reshape: {
    check: (node, g) => {
      const s = graphConstant(g, node, 1);
      if (s === undefined || s.dtype === 'float32' || s.dims.length !== 1) return 'the shape (input 1) must be a constant list of integers';
      if (attrInt(node, 'allowzero', 0) !== 0 && (s.data as number[]).includes(0)) return 'allowzero with a 0 in the shape is not supported';
      return null;
    },
    build: (node, b) => {
      const x = b.tensor(node, 0);
      const spec = b.constant(node, 1)!.data as number[];
      const out = spec.map((d, i) => (d !== 0 ? d : i < x.rank ? x.shape[i] : fail(`${where(node)}: shape ${JSON.stringify(spec)} copies dim ${i} of ${show(x.shape)}`)));
      if (out.filter((d) => d === -1).length > 1 || out.some((d) => d !== null && d < -1)) fail(`${where(node)}: bad shape ${JSON.stringify(spec)}`);
      const batch = x.shape[0];
      const keepsBatch = spec[0] === 0 || out[0] === batch || (spec[0] === -1 && !out.slice(1).includes(-1));
      if (!keepsBatch) fail(`${where(node)}: shape ${JSON.stringify(spec)} must keep the batch dimension of ${show(x.shape)} (0 or -1 first)`);
      const target = out.slice(1) as number[];
      if (target.length === 1 && x.rank >= 2 && (target[0] === -1 || target[0] === x.shape.slice(1).reduce<number>((a, d) => a * d!, 1))) {
        flatten(node, b, x); // [N, -1] is a Flatten: layout-aware
        return;
      }
      const layer = new Reshape({ name: b.layerName(node), targetShape: target });
      b.set(node.outputs[0], Val.of('onnx', b.apply(layer, b.form(x, 'onnx'))));
    },
  },
};
