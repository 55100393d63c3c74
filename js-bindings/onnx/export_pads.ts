// Explicit ONNX pads for Lepton's 'valid' / 'same' windows (convolutions and pools, 2-D and 1-D).
import type { SymbolicShape } from '../layers/layer.js';
import { convInfo } from '../ops/conv_util.js';

export interface WindowLayer { name: string; className: string; strides: [number, number]; padding: 'valid' | 'same' }

/** Explicit ONNX pads [top, left, bottom, right] for Lepton's 'valid' / 'same' on an NHWC input. */
export function explicitPads(l: WindowLayer, shape: SymbolicShape, k: [number, number], dilations: [number, number]): number[] {
  const [, h, wd, c] = shape as number[];
  const g = convInfo(`${l.name} (${l.className})`, [1, h, wd, c], k, k[0], k[1], l.strides, dilations, l.padding);
  const eff = [0, 1].map((i) => (k[i] - 1) * dilations[i] + 1);
  const bottom = Math.max(0, (g.outH - 1) * l.strides[0] + eff[0] - h - g.padTop);
  const right = Math.max(0, (g.outW - 1) * l.strides[1] + eff[1] - wd - g.padLeft);
  return [g.padTop, g.padLeft, bottom, right];
}

