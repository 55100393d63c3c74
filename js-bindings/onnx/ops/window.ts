// Window geometry shared by Conv and the pools: ONNX's pads / auto_pad resolved to explicit
// [top, bottom, left, right] for the input's spatial size, and whether they are what Lepton's
// (TensorFlow's) 'valid' or 'same' padding would give, so no padding layer is needed.
import { attrInts, attrString, where } from '../attrs.js';
import { fail } from '../decode.js';
import type { OnnxNode } from '../graph.js';

export interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** [[top, bottom], [left, right]]. */
  pads: [[number, number], [number, number]];
  /** 'valid' or 'same' when the pads are exactly those; null when explicit padding is needed. */
  keras: 'valid' | 'same' | null;
}

const AUTO_PADS = ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'];

function pair(node: OnnxNode, name: string, def: number): [number, number] {
  const v = attrInts(node, name, [def, def])!;
  if (v.length !== 2 || !v.every((d) => d >= 1)) fail(`${where(node)}: ${name} must be 2 positive integers (2-D windows only), got [${v}]`);
  return [v[0], v[1]];
}

/** Why the window attributes cannot be imported (no shapes needed), or null. */
export function checkWindow(node: OnnxNode): string | null {
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  if (!AUTO_PADS.includes(auto)) return `auto_pad ${JSON.stringify(auto)} is not one of ${AUTO_PADS.join(', ')}`;
  const pads = attrInts(node, 'pads', null);
  if (pads !== null && (pads.length !== 4 || pads.some((p) => p < 0))) return `pads must be 4 non-negative integers (2-D), got [${pads}]`;
  const k = attrInts(node, 'kernel_shape', null);
  if (k !== null && k.length !== 2) return `only 2-D windows are supported, kernel_shape is [${k}]`;
  return null;
}

/** The window for an NCHW input of spatial size h x w. */
export function resolveWindow(node: OnnxNode, kernel: [number, number], h: number, w: number): Window {
  const strides = pair(node, 'strides', 1), dilations = pair(node, 'dilations', 1);
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  const eff = [0, 1].map((i) => (kernel[i] - 1) * dilations[i] + 1);
  const size = [h, w];
  // TensorFlow's 'same': output ceil(size / stride), the odd pad at the end (ONNX's SAME_UPPER).
  const same = [0, 1].map((i) => {
    const total = Math.max(0, (Math.ceil(size[i] / strides[i]) - 1) * strides[i] + eff[i] - size[i]);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
  });
  let pads: [[number, number], [number, number]];
  if (auto === 'VALID') pads = [[0, 0], [0, 0]];
  else if (auto === 'SAME_UPPER') pads = [same[0], same[1]];
  else if (auto === 'SAME_LOWER') pads = [[same[0][1], same[0][0]], [same[1][1], same[1][0]]];
  else {
    const p = attrInts(node, 'pads', [0, 0, 0, 0])!;
    pads = [[p[0], p[2]], [p[1], p[3]]];
  }
  for (let i = 0; i < 2; i++) {
    if (size[i] + pads[i][0] + pads[i][1] < eff[i]) {
      fail(`${where(node)}: the ${kernel}-window (dilations ${dilations}) does not fit the padded ${h}x${w} input`);
    }
  }
  // End padding that no window reaches changes nothing: drop it (ONNX's 1/1 pads of a stride-2
  // 3x3 conv on an even size are 1/0 in effect), then compare with 'valid' and 'same' likewise.
  const trim = (p: [number, number][]) => p.map(([top, end], i): [number, number] => {
    const out = Math.floor((size[i] + top + end - eff[i]) / strides[i]) + 1;
    return [top, Math.min(end, Math.max(0, (out - 1) * strides[i] + eff[i] - size[i] - top))];
  }) as [[number, number], [number, number]];
  pads = trim(pads);
  const sameUsed = trim(same);
  const flat = pads.flat();
  const isSame = pads.flat().every((p, i) => p === sameUsed.flat()[i]);
  const keras = flat.every((p) => p === 0) ? 'valid' : isSame ? 'same' : null;
  return { kernel, strides, dilations, pads, keras };
}
