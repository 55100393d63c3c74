// Conv and ConvTranspose (2-D): group 1 → Conv2D, one input channel per group → DepthwiseConv2D,
// other groups → one Conv2D per group on its channel slice, concatenated; all on the NHWC form, with
// the OIHW weights transposed at import. Padding Keras has no name for runs as a ZeroPadding2D
// before a 'valid' convolution. A BatchNormalization and a Relu/Clip after it may have been
// folded in (fold.ts): the folded weights are the node's inputs, the activation its attribute.
import { Conv2D, DepthwiseConv2D, ZeroPadding2D, type Conv2DArgs } from '../../layers/conv.js';
import type { SymbolicTensor } from '../../layers/layer.js';
import type { ActivationName } from '../../layers/activations.js';
import { attrInt, attrInts, attrString, where } from '../attrs.js';
import { fail } from '../decode.js';
import { dataInitializer, graphConstant, type Builder, type OpHandler } from '../builder.js';
import type { OnnxNode } from '../graph.js';
import { depthwiseToHwcm, oihwToHwio, Val } from '../layout.js';
import { checkWindow, resolveWindow } from './window.js';
import { Concatenate } from '../../layers/merge.js';
import { OnnxOp } from '../op_layer.js';

/** The activation fold.ts fused into this node ('linear' when none). */
export function fusedActivation(node: { attrs: Map<string, unknown> }): ActivationName {
  return (node.attrs.get('lepton.activation') as ActivationName | undefined) ?? 'linear';
}

/** A Conv's or ConvTranspose's input (NCHW, rank 4), constant weights and optional constant bias. */
function convOperands(node: OnnxNode, b: Builder) {
  const x = b.tensor(node, 0);
  if (x.rank !== 4) fail(`${where(node)}: expects an NCHW input of rank 4, got [${x.shape.map((d) => d ?? 'N')}]`);
  const w = b.floatConstant(node, 1, 'weights');
  const bias = (node.inputs[2] ?? '') !== '' ? b.floatConstant(node, 2, 'bias') : undefined;
  return { x, w, bias };
}

/** IOHW (ConvTranspose weights [C_in, C_out, kh, kw]) → the HWIO kernel of the equivalent convolution: spatially flipped, in and out swapped. */
function transposedToHwio(w: Float32Array, [i, o, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < i; a++) for (let b = 0; b < o; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * i + a) * o + b] = w[((a * o + b) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)];
  }
  return out;
}

const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/**
 * ConvTranspose's pads [top, left, bottom, right]: given, or from output_shape (auto_pad SAME_*:
 * input size · stride), the total split as ONNX specifies (SAME_UPPER: the larger half at the end,
 * otherwise at the start); VALID: none.
 */
function transposePads(node: OnnxNode, size: number[], strides: number[], eff: number[], outPad: number[]): number[] {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const given = attrInts(node, 'output_shape', null);
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (given === null && autoPad === 'NOTSET') return attrInts(node, 'pads', [0, 0, 0, 0])!;
  const target = given ?? size.map((n, a) => n * strides[a]);
  // A SAME output past what the input reaches (stride above the kernel extent) stays at that size, as in onnxruntime.
  const total = [0, 1].map((a) => strides[a] * (size[a] - 1) + outPad[a] + eff[a] - target[a]).map((t) => (given ? t : Math.max(0, t)));
  if (total.some((t) => t < 0)) fail(`${where(node)}: output_shape [${target}] is larger than the input [${size}] gives (at most [${total.map((t, a) => target[a] + t)}])`);
  const half = total.map((t) => Math.floor(t / 2));
  const [start, end] = autoPad === 'SAME_UPPER' ? [half, total.map((t, a) => t - half[a])] : [total.map((t, a) => t - half[a]), half];
  return [...start, ...end];
}

/**
 * ConvTranspose as the convolution it equals: the input spread by the strides (zeros between
 * rows and columns), padded by (kernel extent − 1 − pads) on each side (plus output_padding at
 * the end; negative amounts crop), then a stride-1 Conv2D with the flipped kernel.
 */
const convTranspose: OpHandler = {
  check: (node, g) => {
    const w = graphConstant(g, node, 1);
    if (w === undefined || w.dtype !== 'float32' || w.dims.length !== 4) return 'the weights (input 1) must be a float32 constant of rank 4 (2-D)';
    const bias = graphConstant(g, node, 2);
    const outs = w.dims[1] * attrInt(node, 'group', 1);
    if ((node.inputs[2] ?? '') !== '' && (bias === undefined || bias.dtype !== 'float32' || bias.data.length !== outs)) {
      return `the bias (input 2) must be a float32 constant of ${outs} values`;
    }
    const group = attrInt(node, 'group', 1);
    if (group < 1 || w.dims[0] % group !== 0) return `group ${group} does not divide the ${w.dims[0]} input channels`;
    const autoPad = attrString(node, 'auto_pad', 'NOTSET');
    if (!AUTO_PADS.includes(autoPad)) return `auto_pad ${JSON.stringify(autoPad)} is not one of ${AUTO_PADS.join(', ')}`;
    const os = attrInts(node, 'output_shape', null);
    if (os !== null && (os.length !== 2 || os.some((d) => d < 1))) return `output_shape [${os}] must be 2 positive sizes (H, W)`;
    const k = attrInts(node, 'kernel_shape', null);
    if (k !== null && (k[0] !== w.dims[2] || k[1] !== w.dims[3])) return `kernel_shape [${k}] differs from the weights' [${w.dims.slice(2)}]`;
    const op = attrInts(node, 'output_padding', [0, 0])!;
    if (op.length !== 2 || op.some((p) => p < 0)) return `output_padding must be 2 non-negative integers, got [${op}]`;
    return checkWindow(node);
  },
  build: (node, b) => {
    const { x, w, bias } = convOperands(node, b);
    // Weights [C_in, C_out / group, kh, kw]: group k maps input channels k·ig.. to output channels k·og..
    const [c0, og, kh, kw] = w.dims;
    const [, c, h, wd] = x.shape as number[];
    const group = attrInt(node, 'group', 1), ig = c0 / group;
    if (c !== c0) fail(`${where(node)}: weights [${w.dims}] expect ${c0} input channels, got ${c}`);
    const strides = attrInts(node, 'strides', [1, 1])!, dilations = attrInts(node, 'dilations', [1, 1])!;
    const outPad = attrInts(node, 'output_padding', [0, 0])!;
    if (strides.length !== 2 || dilations.length !== 2 || [...strides, ...dilations].some((s) => s < 1 || s > 1024)) {
      fail(`${where(node)}: strides and dilations must be 2 integers in [1, 1024]`);
    }
    let sym = b.form(x, 'nhwc');
    if (strides.some((s) => s !== 1)) sym = b.apply(new OnnxOp({ name: b.layerName(node, '_spread'), op: 'zeroInsert', attrs: { strides } }), sym);
    const eff = [kh, kw].map((k, a) => (k - 1) * dilations[a] + 1);
    const pads = transposePads(node, [h, wd], strides, eff, outPad);
    const edges = [0, 1].map((a) => [eff[a] - 1 - pads[a], eff[a] - 1 - pads[a + 2] + outPad[a]]);
    const spread = [(h - 1) * strides[0] + 1, (wd - 1) * strides[1] + 1];
    if (edges.some(([p, q], a) => spread[a] + p + q < eff[a])) fail(`${where(node)}: pads [${pads}] leave no output`);
    if (edges.flat().some((p) => p < 0)) {
      const begin = [0, Math.max(0, -edges[0][0]), Math.max(0, -edges[1][0]), 0];
      const size = [-1, ...[0, 1].map((a) => spread[a] + Math.min(0, edges[a][0]) + Math.min(0, edges[a][1])), -1];
      sym = b.apply(new OnnxOp({ name: b.layerName(node, '_crop'), op: 'slice', attrs: { begin, size } }), sym);
    }
    if (edges.flat().some((p) => p > 0)) {
      const padding = edges.map(([p, q]) => [Math.max(0, p), Math.max(0, q)]) as [[number, number], [number, number]];
      sym = b.apply(new ZeroPadding2D({ name: b.layerName(node, '_pad'), padding }), sym);
    }
    const common = { name: b.layerName(node), kernelSize: [kh, kw] as [number, number], strides: 1, dilationRate: [dilations[0], dilations[1]] as [number, number],
      padding: 'valid' as const, useBias: bias !== undefined, activation: fusedActivation(node) };
    const y = convGroups(node, b, sym, common, { group, ig, og, bias: bias?.data,
      // Group k's weights [ig, og, kh, kw] as the flipped HWIO kernel; depthwise (ig 1): flipped, then as OIHW [c·og, 1, kh, kw] (the same order).
      hwio: (k) => transposedToHwio(w.data.subarray(k * ig * og * kh * kw, (k + 1) * ig * og * kh * kw), [ig, og, kh, kw]),
      hwcm: () => depthwiseToHwcm(flipped(w.data, kh, kw), [c * og, 1, kh, kw], c) });
    b.set(node.outputs[0], Val.of('nhwc', y));
  },
};

/** [.., .., kh, kw] weights with each kernel flipped in both spatial axes. */
function flipped(w: Float32Array, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length), k = kh * kw;
  for (let base = 0; base < w.length; base += k) for (let j = 0; j < k; j++) out[base + j] = w[base + k - 1 - j];
  return out;
}

interface Groups {
  group: number;
  /** Input and output channels per group. */
  ig: number;
  og: number;
  bias?: Float32Array;
  /** Group k's HWIO kernel [kh, kw, ig, og]. */
  hwio: (k: number) => Float32Array;
  /** The depthwise kernel [kh, kw, c, og] (ig 1, one group per input channel). */
  hwcm: () => Float32Array;
}

/**
 * A convolution in groups on an NHWC value: group 1 → Conv2D, one input channel per group →
 * DepthwiseConv2D (multiplier og), other groups → one Conv2D per group on its slice of the
 * channels, concatenated (Conv, and ConvTranspose as the convolution it equals).
 */
function convGroups(node: OnnxNode, b: Builder, sym: SymbolicTensor, common: Omit<Conv2DArgs, 'filters'>, g: Groups): SymbolicTensor {
  const { group, ig, og, bias } = g;
  const biasOf = (from: number, n: number) => (bias ? { biasInitializer: dataInitializer(bias.subarray(from, from + n)) } : {});
  if (group === 1) return b.apply(new Conv2D({ ...common, filters: og, kernelInitializer: dataInitializer(g.hwio(0)), ...biasOf(0, og) }), sym);
  if (ig === 1) {
    return b.apply(new DepthwiseConv2D({ ...common, depthMultiplier: og, depthwiseInitializer: dataInitializer(g.hwcm()), ...biasOf(0, group * og) }), sym);
  }
  const parts = [];
  for (let k = 0; k < group; k++) {
    const part = b.apply(new OnnxOp({ name: b.layerName(node, `_in${k}`), op: 'slice', attrs: { begin: [0, 0, 0, k * ig], size: [-1, -1, -1, ig] } }), sym);
    parts.push(b.apply(new Conv2D({ ...common, name: b.layerName(node, `_g${k}`), filters: og, kernelInitializer: dataInitializer(g.hwio(k)), ...biasOf(k * og, og) }), part));
  }
  return b.apply(new Concatenate({ name: b.layerName(node), axis: -1 }), parts);
}

export const convOps: Record<string, OpHandler> = {
  ConvTranspose: convTranspose,
  Conv: {
    check: (node, g) => {
      const w = graphConstant(g, node, 1);
      if (w === undefined || w.dtype !== 'float32') return 'the weights (input 1) must be a float32 constant';
      if (w.dims.length !== 4) return `only 2-D convolutions are supported (weights of rank ${w.dims.length})`;
      const bias = graphConstant(g, node, 2);
      if ((node.inputs[2] ?? '') !== '' && (bias === undefined || bias.dtype !== 'float32' || bias.data.length !== w.dims[0])) {
        return `the bias (input 2) must be a float32 constant of ${w.dims[0]} values`;
      }
      const group = attrInt(node, 'group', 1);
      if (group < 1 || w.dims[0] % group !== 0) return `group ${group} does not divide the ${w.dims[0]} output channels`;
      const k = attrInts(node, 'kernel_shape', null);
      if (k !== null && (k[0] !== w.dims[2] || k[1] !== w.dims[3])) return `kernel_shape [${k}] differs from the weights' [${w.dims.slice(2)}]`;
      const strides = attrInts(node, 'strides', [1, 1])!, dilations = attrInts(node, 'dilations', [1, 1])!;
      if (strides.some((s) => s !== 1) && dilations.some((d) => d !== 1)) return 'strides and dilations both above 1 are not supported';
      return checkWindow(node);
    },
    build: (node, b) => {
      const { x, w, bias } = convOperands(node, b);
      const [o, i, kh, kw] = w.dims;
      const [, c, h, wd] = x.shape as number[];
      const group = attrInt(node, 'group', 1);
      if (c !== i * group) fail(`${where(node)}: weights [${w.dims}] with group ${group} expect ${i * group} input channels, got ${c}`);
      const win = resolveWindow(node, [kh, kw], h, wd);
      let sym = b.form(x, 'nhwc');
      if (win.keras === null) sym = b.apply(new ZeroPadding2D({ name: b.layerName(node, '_pad'), padding: win.pads }), sym);
      const common = { name: b.layerName(node), kernelSize: win.kernel, strides: win.strides, dilationRate: win.dilations,
        padding: win.keras ?? 'valid', useBias: bias !== undefined, activation: fusedActivation(node) };
      const og = o / group, size = og * i * kh * kw;
      const y = convGroups(node, b, sym, common, { group, ig: i, og, bias: bias?.data,
        hwio: (k) => oihwToHwio(w.data.subarray(k * size, (k + 1) * size), [og, i, kh, kw]), hwcm: () => depthwiseToHwcm(w.data, w.dims, c) });
      b.set(node.outputs[0], Val.of('nhwc', y));
    },
  },
};
