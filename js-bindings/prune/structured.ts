// Structured pruning: lp.pruneStructured(model, {fraction, layers?, norm?}) removes whole Dense
// units and Conv2D filters with the smallest L1 (or L2) norm and returns a NEW, smaller model
// (fresh layers, copied weights) in which the next Dense/Conv2D no longer reads them. Between the
// pruned layer and that next one may sit MaxPooling2D, AveragePooling2D, GlobalAverage/Max
// Pooling2D, ZeroPadding2D, Dropout, Activation, BatchNormalization (its channel parameters are
// dropped too) and Flatten (channels last: the flat index of (h, w, c) is (h·W + w)·C + c, so
// the next Dense loses the rows of every position of a removed channel).
// Not pruned (structuredPlan says why): layers whose output is a model output, feeds several
// layers or a merge layer (Add, Concatenate ...), or reaches anything else before the next
// Dense/Conv2D (Reshape, DepthwiseConv2D ...), and layers applied more than once.
// The new model gives exactly the outputs of the original with the removed units zeroed (their
// kernel column and bias set to 0) when what lies between maps 0 to 0 (relu, linear, pooling,
// flatten, dropout); a BatchNormalization or sigmoid in between turns a zeroed unit into a
// constant, which the smaller model drops.
import { tidy, type Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import { abs, square } from '../ops/unary.js';
import { sum } from '../ops/reduce.js';
import { Layer, type SymbolicTensor, type LayerNode } from '../layers/layer.js';
import { Dense, Dropout, Activation, Flatten } from '../layers/core.js';
import { Conv2D, ZeroPadding2D } from '../layers/conv.js';
import { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D } from '../layers/pooling.js';
import { BatchNormalization } from '../layers/normalization.js';
import { InputLayer, input } from '../layers/input.js';
import { LayersModel } from '../models/model.js';

/** Arguments of pruneStructured(). */
export interface StructuredPruneArgs {
  /** Fraction of each pruned layer's units/filters to remove, in [0, 1) (at least one unit stays). */
  fraction: number;
  /** Layers to prune (default: every prunable Dense and Conv2D). */
  layers?: string[];
  /** Unit importance: 'l1' (default) or 'l2' norm of its kernel column. */
  norm?: 'l1' | 'l2';
}

export interface PlanEntry {
  layer: string;
  /** Units (Dense) or filters (Conv2D) before pruning. */
  units: number;
  /** Kept unit indices, ascending (all of them when not pruned). */
  keep: number[];
  /** Why the layer cannot be pruned (absent when it can). */
  reason?: string;
}

const PASS_THROUGH = [MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D, Dropout,
  Activation, BatchNormalization, Flatten];
const isPassThrough = (l: Layer) => PASS_THROUGH.some((C) => l instanceof C);
const isUnitLayer = (l: Layer): l is Dense | Conv2D => l instanceof Dense || l instanceof Conv2D;

function graphOf(model: LayersModel): LayerNode[] {
  return (model as unknown as { nodes: LayerNode[] }).nodes;
}

/** Why the units of node's layer cannot be removed, or null when they can. */
function blocker(model: LayersModel, node: LayerNode, nodes: LayerNode[]): string | null {
  const uses = (l: Layer) => nodes.filter((n) => n.layer === l).length;
  if (uses(node.layer) > 1) return 'it is applied more than once';
  let t: SymbolicTensor = node.outputs[0];
  for (;;) {
    if (model.outputs.includes(t)) return 'its output is a model output';
    const consumers = nodes.filter((n) => n.inputs.includes(t));
    if (consumers.length !== 1) return `its output feeds ${consumers.length} layers`;
    const next = consumers[0];
    if (next.listInput) return `its output feeds the merge layer '${next.layer.name}' (${next.layer.className})`;
    if (uses(next.layer) > 1) return `'${next.layer.name}' is applied more than once`;
    if (isUnitLayer(next.layer)) return null;
    if (!isPassThrough(next.layer)) return `'${next.layer.name}' (${next.layer.className}) lies before the next Dense/Conv2D`;
    t = next.outputs[0];
  }
}

function checkArgs(op: string, model: LayersModel, args: StructuredPruneArgs): void {
  if (!(model instanceof LayersModel)) throw new Error(`${op}: expects a model (lp.sequential or lp.model), got ${String(model)}`);
  if (args === null || typeof args !== 'object') throw new Error(`${op}: expects {fraction, layers?, norm?}`);
  if (typeof args.fraction !== 'number' || !(args.fraction >= 0 && args.fraction < 1)) {
    throw new Error(`${op}: fraction must be in [0, 1), got ${String(args.fraction)}`);
  }
  if (args.norm !== undefined && args.norm !== 'l1' && args.norm !== 'l2') {
    throw new Error(`${op}: norm must be 'l1' or 'l2', got ${JSON.stringify(args.norm)}`);
  }
  if (model.outputs.length === 0) throw new Error(`${op}: model '${model.name}' has no layers`);
}

/** Which units each Dense/Conv2D layer keeps (by norm), and why the others cannot be pruned. */
export function structuredPlan(model: LayersModel, args: StructuredPruneArgs): PlanEntry[] {
  const op = 'pruneStructured';
  checkArgs(op, model, args);
  const nodes = graphOf(model);
  const names = args.layers;
  if (names !== undefined) {
    if (!Array.isArray(names)) throw new Error(`${op}: layers must be a list of layer names`);
    for (const name of names) {
      const node = nodes.find((n) => n.layer.name === name);
      if (node === undefined) throw new Error(`${op}: no layer named ${JSON.stringify(name)} in model '${model.name}'`);
      if (!isUnitLayer(node.layer)) throw new Error(`${op}: layer '${name}' (${node.layer.className}) has no units to remove (Dense or Conv2D)`);
      const why = blocker(model, node, nodes);
      if (why !== null) throw new Error(`${op}: layer '${name}' cannot be pruned: ${why}`);
    }
  }
  const plan: PlanEntry[] = [];
  for (const node of nodes) {
    const layer = node.layer;
    if (!isUnitLayer(layer)) continue;
    const kernel = layer.kernel;
    if (kernel === null || kernel.isDisposed) throw new Error(`${op}: layer '${layer.name}' is not built`);
    const units = kernel.shape[kernel.rank - 1];
    const all = Array.from({ length: units }, (_, i) => i);
    const reason = blocker(model, node, nodes) ?? (names !== undefined && !names.includes(layer.name) ? 'not listed in layers' : null);
    if (reason !== null) {
      plan.push({ layer: layer.name, units, keep: all, reason });
      continue;
    }
    const axes = kernel.shape.slice(0, -1).map((_, i) => i);
    const norms = tidy(() => sum(args.norm === 'l2' ? square(kernel) : abs(kernel), axes).dataSync() as Float32Array);
    const remove = Math.min(Math.floor(args.fraction * units), units - 1);
    const dropped = new Set([...all].sort((a, b) => norms[a] - norms[b] || a - b).slice(0, remove));
    plan.push({ layer: layer.name, units, keep: all.filter((i) => !dropped.has(i)) });
  }
  return plan;
}

/** Constructor arguments of a fresh copy (initializers and regularizers left out: weights are copied). */
function freshConfig(layer: Layer): Record<string, unknown> {
  return Object.fromEntries(Object.entries(layer.getConfig()).filter(([k]) => !/Initializer$|Regularizer$/.test(k)));
}

/** A new, smaller model without the lowest-norm units of each prunable Dense/Conv2D layer. */
export function pruneStructured(model: LayersModel, args: StructuredPruneArgs): LayersModel {
  const plan = structuredPlan(model, args);
  const keepOf = new Map(plan.filter((p) => p.keep.length < p.units).map((p) => [p.layer, p.keep]));
  const nodes = graphOf(model);
  const mapped = new Map<SymbolicTensor, SymbolicTensor>();
  /** Kept indices along the last axis of a tensor whose channels were pruned upstream. */
  const kept = new Map<SymbolicTensor, number[]>();
  const clones = new Map<Layer, Layer>();
  const inputs = model.inputs.map((s) => {
    const t = input({ batchShape: s.shape, name: s.node!.layer.name, dtype: s.dtype });
    mapped.set(s, t);
    return t;
  });
  const made: Layer[] = [];
  try {
    for (const node of nodes) {
      const layer = node.layer;
      if (layer instanceof InputLayer) continue;
      const inKeep = node.listInput ? undefined : kept.get(node.inputs[0]);
      const outKeep = keepOf.get(layer.name);
      let clone = clones.get(layer);
      if (clone === undefined) {
        const cfg = freshConfig(layer);
        if (outKeep) Object.assign(cfg, layer instanceof Dense ? { units: outKeep.length } : { filters: outKeep.length });
        clone = new (layer.constructor as new (a: Record<string, unknown>) => Layer)(cfg);
        clones.set(layer, clone);
        made.push(clone);
      }
      const ins = node.inputs.map((s) => mapped.get(s)!);
      const out = clone.apply(node.listInput ? ins : ins[0]);
      mapped.set(node.outputs[0], out);
      if (clone.weights.length > 0 && !clone.built) throw new Error(`pruneStructured: '${layer.name}' was not built`);
      copyWeights(layer, clone, inKeep, outKeep);
      // what flows on: this layer's own kept units, or the upstream ones through a pass-through layer
      const flowing = outKeep ?? (isPassThrough(layer) ? inKeep : undefined);
      if (flowing !== undefined) {
        kept.set(node.outputs[0], layer instanceof Flatten ? flatIndices(node.inputs[0].shape, flowing) : flowing);
      }
    }
    return new LayersModel({ inputs, outputs: model.outputs.map((s) => mapped.get(s)!), name: `${model.name}_pruned` });
  } catch (e) {
    for (const l of made) l.dispose();
    throw e;
  }
}

/** Flat (channels-last) indices of every position of the kept channels: (h·W + w)·C + c. */
function flatIndices(shape: (number | null)[], channels: number[]): number[] {
  const c = shape[shape.length - 1]!;
  const positions = shape.slice(1, -1).reduce<number>((a, d) => a * d!, 1);
  const out: number[] = [];
  for (let p = 0; p < positions; p++) for (const ch of channels) out.push(p * c + ch);
  return out;
}

/** Copies weights into the clone, dropping input rows/channels (inKeep) and output units (outKeep). */
function copyWeights(layer: Layer, clone: Layer, inKeep: number[] | undefined, outKeep: number[] | undefined): void {
  const values = tidy(() => {
    const idx = (list: number[]) => tensor(Int32Array.from(list), [list.length], 'int32');
    return layer.weights.map((w, i): Tensor => {
      let v: Tensor = w;
      if (layer instanceof BatchNormalization) return inKeep ? gather(v, idx(inKeep), 0) : v;
      if (!isUnitLayer(layer)) return v;
      const isKernel = i === 0;
      if (isKernel && inKeep) v = gather(v, idx(inKeep), layer instanceof Dense ? 0 : 2);
      if (outKeep) v = gather(v, idx(outKeep), v.rank - 1);
      return v;
    });
  });
  try {
    clone.setWeights(values);
  } finally {
    values.forEach((v, i) => { if (v !== layer.weights[i]) v.dispose(); });
  }
}
