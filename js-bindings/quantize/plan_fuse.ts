// Graph patterns the int8 planner (plan.ts) folds away before it walks the nodes:
//   - a ZeroPadding2D whose only reader is an int8 conv / depthwise conv: the padding becomes the
//     conv's own (its kernel skips taps outside the image, which reads as the zero point: the
//     same as padding with zeros in f32), so no padded copy is ever made;
//   - a ReLU / ReLU6 Activation right after a two-input Add: fused as the add's clamp.
// And step pairs the QuantizedModel runs as one kernel call (pooledConvs; the steps, hence the
// model files, keep both):
//   - an int8 conv whose only reader is a 2x2 max pooling with stride 2 and no padding: the conv
//     kernel pools its accumulators before the requantization (assembly/kernels/int8/qconv.ts).
import type { LayerNode, SymbolicTensor } from '../layers/layer.js';
import { Conv2D, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D } from '../layers/conv.js';
import { Activation } from '../layers/core.js';
import { Add } from '../layers/merge.js';
import type { MatStep, Step } from './steps.js';

export interface FoldedPad { src: SymbolicTensor; top: number; left: number }

export interface Fusions {
  /** Pad output id → the pad's input and its top / left padding. */
  pads: Map<number, FoldedPad>;
  /** Add node → the activation node fused into it. */
  addActivation: Map<LayerNode, LayerNode>;
  /** Nodes the planner skips (their work happens in another step). */
  skipped: Set<LayerNode>;
}

const readers = (nodes: readonly LayerNode[], s: SymbolicTensor): LayerNode[] => nodes.filter((u) => u.inputs.some((i) => i.id === s.id));

export function findFusions(nodes: readonly LayerNode[], isOutput: (s: SymbolicTensor) => boolean,
    convFits: (l: Conv2D | DepthwiseConv2D) => boolean): Fusions {
  const f: Fusions = { pads: new Map(), addActivation: new Map(), skipped: new Set() };
  for (const nd of nodes) {
    const out = nd.outputs[0];
    if (nd.inputs.length !== 1 && !(nd.layer instanceof Add)) continue;
    if (nd.outputs.length !== 1 || isOutput(out)) continue;
    const users = readers(nodes, out);
    if (users.length !== 1 || users[0].inputs.length !== 1) continue;
    const u = users[0].layer;
    if (nd.layer instanceof ZeroPadding2D && (u instanceof Conv2D || (u instanceof DepthwiseConv2D && !(u instanceof SeparableConv2D))) &&
        convFits(u)) {
      const [[top], [left]] = nd.layer.padding;
      f.pads.set(out.id, { src: nd.inputs[0], top, left });
      f.skipped.add(nd);
    } else if (nd.layer instanceof Add && nd.inputs.length === 2 && u instanceof Activation && (u.activation === 'relu' || u.activation === 'relu6')) {
      f.addActivation.set(nd, users[0]);
      f.skipped.add(users[0]);
    }
  }
  return f;
}

/**
 * int8 conv steps whose int8 output only a 2x2 / stride-2 unpadded max pooling reads (not the
 * model output): conv step → the pooling step it absorbs (whose output slot it then writes).
 */
export function pooledConvs(steps: readonly Step[], output: number): Map<MatStep, Step> {
  const fused = new Map<MatStep, Step>();
  for (const s of steps) {
    if (s.op !== 'conv2d' || s.inQ === null || s.outQ === null || s.out === output) continue;
    const users = steps.filter((u) => (Array.isArray(u.in) ? u.in.includes(s.out) : u.in === s.out));
    const p = users.length === 1 ? users[0] : null;
    if (p === null || p.op !== 'maxpool') continue;
    const g = p.geom, c = s.geom!;
    if (g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.pt === 0 && g.pl === 0 &&
        g.h === c.oh && g.w === c.ow && g.oh === c.oh >> 1 && g.ow === c.ow >> 1 && c.oh >= 2 && c.ow >= 2) {
      fused.set(s, p);
    }
  }
  return fused;
}
