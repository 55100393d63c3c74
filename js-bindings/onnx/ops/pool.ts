// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool on the NHWC form. Pads that are
// TensorFlow's 'same' map to padding 'same' (its max ignores the pad, its average leaves it out of
// the count: ONNX's count_include_pad = 0); other pads run as an explicit pad first — zeros for an
// average that counts them, -FLT_MAX for a max.
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../../layers/pooling.js';
import { ZeroPadding2D } from '../../layers/conv.js';
import { Reshape } from '../../layers/core.js';
import type { SymbolicTensor } from '../../layers/layer.js';
import { OnnxOp } from '../op_layer.js';
import { attrInt, attrInts, where } from '../attrs.js';
import { fail } from '../decode.js';
import type { Builder, OpHandler } from '../builder.js';
import type { OnnxNode } from '../graph.js';
import { Val } from '../layout.js';
import { checkWindow, resolveWindow } from './window.js';
import { FLT_MAX } from './activation.js';

function checkPool(node: OnnxNode): string | null {
  if (attrInts(node, 'kernel_shape', null) === null) return 'kernel_shape is required';
  if (attrInt(node, 'ceil_mode', 0) !== 0) return 'ceil_mode 1 is not supported';
  if ((attrInts(node, 'dilations', [1, 1]) ?? []).some((d) => d !== 1)) return 'dilated pooling is not supported';
  if (attrInt(node, 'storage_order', 0) !== 0) return 'storage_order 1 is not supported';
  if ((node.outputs[1] ?? '') !== '') return 'the Indices output is not supported';
  return checkWindow(node);
}

function nhwcInput(node: OnnxNode, b: Builder): { x: Val; sym: SymbolicTensor } {
  const x = b.tensor(node, 0);
  if (x.rank !== 4) fail(`${where(node)}: expects an NCHW input of rank 4, got [${x.shape.map((d) => d ?? 'N')}]`);
  return { x, sym: b.form(x, 'nhwc') };
}

const pool = (isMax: boolean): OpHandler => ({
  check: checkPool,
  build: (node, b) => {
    let { x, sym } = nhwcInput(node, b);
    const k = attrInts(node, 'kernel_shape', null)!;
    const win = resolveWindow(node, [k[0], k[1]], x.shape[2]!, x.shape[3]!);
    const countPads = attrInt(node, 'count_include_pad', 0) !== 0;
    let padding = win.keras;
    if (!isMax && countPads && padding === 'same') padding = null;
    if (padding === null) {
      if (!isMax && !countPads) {
        fail(`${where(node)}: pads [${win.pads.flat()}] left out of the average (count_include_pad 0) are only supported as TensorFlow's 'same' padding`);
      }
      const [[t, bt], [l, r]] = win.pads;
      sym = b.apply(isMax
        ? new OnnxOp({ name: b.layerName(node, '_pad'), op: 'pad', attrs: { paddings: [[0, 0], [t, bt], [l, r], [0, 0]], value: -FLT_MAX } })
        : new ZeroPadding2D({ name: b.layerName(node, '_pad'), padding: win.pads }), sym);
    }
    const args = { name: b.layerName(node), poolSize: win.kernel, strides: win.strides, padding: padding ?? 'valid' };
    b.set(node.outputs[0], Val.of('nhwc', b.apply(isMax ? new MaxPooling2D(args) : new AveragePooling2D(args), sym)));
  },
});

/** Global pools give Keras's [N, C]; ONNX keeps [N, C, 1, 1], which in NHWC is [N, 1, 1, C]. */
const globalPool = (isMax: boolean): OpHandler => ({
  build: (node, b) => {
    const { x, sym } = nhwcInput(node, b);
    const pooled = b.apply(isMax ? new GlobalMaxPooling2D({ name: b.layerName(node) }) : new GlobalAveragePooling2D({ name: b.layerName(node) }), sym);
    const y = b.apply(new Reshape({ name: b.layerName(node, '_keepdims'), targetShape: [1, 1, x.shape[1]!] }), pooled);
    b.set(node.outputs[0], Val.of('nhwc', y));
  },
});

export const poolOps: Record<string, OpHandler> = {
  MaxPool: pool(true),
  AveragePool: pool(false),
  GlobalAveragePool: globalPool(false),
  GlobalMaxPool: globalPool(true),
};
