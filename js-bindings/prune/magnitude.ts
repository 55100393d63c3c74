// Magnitude pruning during fit (tfmot.sparsity.keras.prune_low_magnitude): lp.prune(model,
// {schedule, scope, layers, pattern}) gives a controller whose callback() joins model.fit. Each
// pruned kernel has a persistent mask of 1.0/0.0 floats. Before an optimizer step where the
// schedule says so, the masks are recomputed: the threshold is the k-th smallest |w| of the layer
// (scope 'layer') or of all pruned kernels together (scope 'global'), found by nth_element in
// wasm (kth_smallest_f32) on a scratch copy of |w|; weights at or below it are masked (ties at the
// threshold are pruned together: tfmot keeps them, so it may prune a few less). Pattern '2:4'
// keeps the 2 largest |w| in every 4 consecutive inputs instead (the schedule then only says
// when). After every optimizer step the masks are applied again (apply_mask_f32) so pruned
// weights stay zero whatever the optimizer's momentum does. stripPruning() applies them one last
// time and frees them; the zeros stay in the weights. Biases are never pruned.
import { engine } from '../engine.js';
import { allocTensor, tidy, type Tensor } from '../tensor.js';
import { ones } from '../ops/creation.js';
import type { Variable } from '../variable.js';
import type { Layer } from '../layers/layer.js';
import { LayersModel } from '../models/model.js';
import type { Callback, CustomCallbackArgs } from '../callbacks.js';
import { makeSchedule, type Schedule, type ScheduleArgs } from './schedule.js';
import { prunableWeights } from './weights.js';

/** Arguments of prune(): the sparsity schedule, scope, layers and pattern. */
export interface PruneArgs {
  /** How the target sparsity grows with the optimizer steps. */
  schedule: ScheduleArgs;
  /** 'layer' (default): each kernel reaches the sparsity; 'global': one threshold over all pruned kernels. */
  scope?: 'layer' | 'global';
  /** Names of the layers to prune (default: every Dense, Conv2D, DepthwiseConv2D, SeparableConv2D). */
  layers?: string[];
  /** 'unstructured' (default) or '2:4' (2 of every 4 consecutive inputs kept, per output unit). */
  pattern?: 'unstructured' | '2:4';
}

interface Pruned { layer: Layer; weight: Variable; mask: Tensor }

const controllers = new WeakMap<LayersModel, PruningController>();

/** Returned by prune(): holds the masks; pass callback() to fit(). */
export class PruningController {
  /** Optimizer steps seen so far (tfmot's pruning_step). */
  step = 0;
  private disposed = false;

  constructor(readonly model: LayersModel, private readonly schedule: Schedule, private readonly pruned: Pruned[],
      readonly scope: 'layer' | 'global', readonly pattern: 'unstructured' | '2:4') {}

  /** The callback for model.fit({callbacks: [controller.callback()]}): updates and applies the masks. */
  callback(): CustomCallbackArgs {
    return {
      onTrainBegin: () => this.applyMasks(),
      onBatchBegin: () => {
        if (this.schedule.updatesAt(this.step)) this.updateMasks(this.step);
      },
      onBatchEnd: () => {
        this.applyMasks();
        this.step++;
      },
    } satisfies Partial<Callback>;
  }

  /** The target sparsity at the current step. */
  get targetSparsity(): number { return this.schedule.sparsityAt(this.step); }

  /** The kernels being pruned, by variable name. */
  get weightNames(): string[] { return this.pruned.map((p) => p.weight.name); }

  /** Recomputes the masks for the schedule's sparsity at `step` and applies them. */
  updateMasks(step = this.step): void {
    this.assertActive('updateMasks');
    const k = engine.k;
    if (this.pattern === '2:4') {
      for (const { weight, mask } of this.pruned) {
        const n = weight.shape[weight.rank - 1];
        k.mask_2of4_f32(mask.ptr, weight.ptr, weight.size / n, n);
      }
    } else {
      const sparsity = this.schedule.sparsityAt(step);
      const groups = this.scope === 'global' ? [this.pruned] : this.pruned.map((p) => [p]);
      for (const group of groups) {
        const threshold = magnitudeThreshold(group.map((p) => p.weight), sparsity);
        for (const { weight, mask } of group) k.magnitude_mask_f32(mask.ptr, weight.ptr, weight.size, threshold);
      }
    }
    this.applyMasks();
  }

  /** weights *= masks (after every optimizer step). */
  applyMasks(): void {
    if (this.disposed) return;
    for (const { weight, mask } of this.pruned) engine.k.apply_mask_f32(weight.ptr, mask.ptr, weight.size);
  }

  /** Applies the masks a last time and frees them (stripPruning's work). */
  strip(): void {
    if (this.disposed) return;
    this.applyMasks();
    for (const p of this.pruned) p.mask.dispose();
    this.disposed = true;
    controllers.delete(this.model);
  }

  private assertActive(op: string): void {
    if (this.disposed) throw new Error(`${op}: pruning of model '${this.model.name}' was stripped`);
  }
}

/**
 * The |w| at or below which `sparsity` of the weights fall (tfmot keeps round(n·(1 - sparsity)));
 * -1 (nothing pruned) when that keeps every weight.
 */
function magnitudeThreshold(weights: Variable[], sparsity: number): number {
  const total = weights.reduce((n, w) => n + w.size, 0);
  const prune = total - Math.round(total * (1 - sparsity));
  if (prune <= 0) return -1;
  return tidy(() => {
    const buf = allocTensor('prune', [total], 'float32');
    let offset = 0;
    for (const w of weights) {
      engine.k.abs_f32(buf.ptr + 4 * offset, w.ptr, w.size);
      offset += w.size;
    }
    return engine.k.kth_smallest_f32(buf.ptr, total, prune - 1);
  });
}

/** Starts magnitude pruning of a model's kernels; pass controller.callback() to fit(). */
export function prune(model: LayersModel, args: PruneArgs): PruningController {
  const op = 'prune';
  if (!(model instanceof LayersModel)) throw new Error(`${op}: expects a model (lp.sequential or lp.model), got ${String(model)}`);
  if (args === null || typeof args !== 'object') throw new Error(`${op}: expects {schedule, scope?, layers?, pattern?}`);
  const schedule = makeSchedule(op, args.schedule);
  const scope = args.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') throw new Error(`${op}: scope must be 'layer' or 'global', got ${JSON.stringify(args.scope)}`);
  const pattern = args.pattern ?? 'unstructured';
  if (pattern !== 'unstructured' && pattern !== '2:4') {
    throw new Error(`${op}: pattern must be 'unstructured' or '2:4', got ${JSON.stringify(args.pattern)}`);
  }
  if (controllers.has(model)) throw new Error(`${op}: model '${model.name}' is already being pruned (call lp.stripPruning first)`);
  const found = prunableWeights(op, model, args.layers);
  const pruned = found.map(({ layer, weight }) => ({ layer, weight, mask: ones(weight.shape) }));
  // Disposing the model (its layers) while pruning runs frees the masks too.
  for (const p of pruned) p.layer.disposeHooks.push(() => p.mask.dispose());
  const controller = new PruningController(model, schedule, pruned, scope, pattern);
  controllers.set(model, controller);
  return controller;
}

/** The pruning controller of a model, if it is being pruned. */
export function pruningOf(model: LayersModel): PruningController | undefined {
  return controllers.get(model);
}

/** Makes pruning permanent (tfmot.sparsity.keras.strip_pruning): the masks go, the zeros stay. Returns the model. */
export function stripPruning(model: LayersModel): LayersModel {
  if (!(model instanceof LayersModel)) throw new Error(`stripPruning: expects a model, got ${String(model)}`);
  controllers.get(model)?.strip();
  return model;
}
