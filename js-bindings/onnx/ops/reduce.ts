// ReduceMean / ReduceSum / ReduceMax over non-batch axes, with keepdims and (opset 13 / 18 on)
// the axes as a constant input and noop_with_empty_axes. A value held NHWC is reduced in NHWC
// (axes mapped); with keepdims 0 the result is in ONNX's order when the kept axes keep it.
import { attrInt } from '../attrs.js';
import type { OpHandler } from '../builder.js';
import { axisForm, axisIn, NHWC_AXIS, Val } from '../layout.js';
import { axisOf, ints, intsCheck, onnxOp } from './transform.js';

/** ReduceMean / ReduceSum / ReduceMax; `axesFrom`: the opset from which the axes are an input. */
const reduce = (op: string, axesFrom: number): OpHandler => ({
  check: intsCheck('axes', 1, axesFrom),
  build: (node, b) => {
    const x = b.tensor(node, 0);
    const keep = attrInt(node, 'keepdims', 1) !== 0;
    const given = ints(node, b, 'axes', 1, axesFrom);
    if ((given === null || given.length === 0) && b.graph.opset >= axesFrom && attrInt(node, 'noop_with_empty_axes', 0) !== 0) {
      b.set(node.outputs[0], x);
      return;
    }
    const axes = [...new Set(given === null || given.length === 0 ? x.shape.map((_, i) => i) : given.map((a) => (a < 0 ? a + x.rank : a)))];
    for (const a of axes) axisOf(node, a, x.rank, 'reduced axis');
    let form = axisForm(x);
    if (form === 'nhwc' && !keep) {
      // Dropping axes of an NHWC value: fine when the rest keep ONNX's order.
      const kept = [0, 1, 2, 3].filter((a) => !axes.includes(a)).sort((p, q) => NHWC_AXIS[p] - NHWC_AXIS[q]);
      if (!kept.every((a, i) => i === 0 || a > kept[i - 1])) form = 'onnx';
    }
    const y = onnxOp(b, node, b.form(x, form), op, { axes: axes.map((a) => axisIn(form, a)).sort((p, q) => p - q), keepdims: keep ? 1 : 0 });
    b.set(node.outputs[0], Val.of(form === 'nhwc' && keep ? 'nhwc' : 'onnx', y));
  },
});

export const reduceOps: Record<string, OpHandler> = {
  ReduceMean: reduce('reduceMean', 18),
  ReduceSum: reduce('reduceSum', 13),
  ReduceMax: reduce('reduceMax', 18),
};
