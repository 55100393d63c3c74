// What io.save(model, {includeOptimizer: true}) adds for a compiled LayersModel: the compile
// config (optimizer className, config and step scalars, loss and metric names) and the
// optimizer's per-variable state, keyed by the position of its variable in model.weights
// (variable names change when a model is loaded beside the original). io.load compiles the
// loaded model with it, so fit() resumes exactly where the saved model stopped.
import { engine } from '../engine.js';
import { tensor } from '../ops/creation.js';
import { tidy } from '../tensor.js';
import { SGDOptimizer, MomentumOptimizer, AdamOptimizer, RMSPropOptimizer, AdagradOptimizer, type Optimizer,
  type ClipOptions } from '../optimizers.js';
import { getLoss } from '../losses.js';
import { getMetric } from '../metrics.js';
import { compiledOf } from '../models/training.js';
import type { LayersModel } from '../models/model.js';
import type { Variable } from '../variable.js';
import type { SavedTensor } from './types.js';

type Config = Record<string, number | boolean | undefined>;
const num = (c: Config, k: string) => c[k] as number;
const clip = (c: Config): ClipOptions => ({ clipNorm: num(c, 'clipNorm'), clipValue: num(c, 'clipValue'), globalClipNorm: num(c, 'globalClipNorm') });

const OPTIMIZERS: Record<string, (c: Config) => Optimizer> = {
  SGD: (c) => new SGDOptimizer(num(c, 'learningRate'), clip(c)),
  Momentum: (c) => new MomentumOptimizer(num(c, 'learningRate'), num(c, 'momentum'), c.useNesterov === true, clip(c)),
  Adam: (c) => new AdamOptimizer(num(c, 'learningRate'), num(c, 'beta1'), num(c, 'beta2'), num(c, 'epsilon'), num(c, 'weightDecay') ?? 0, clip(c)),
  AdamW: (c) => new AdamOptimizer(num(c, 'learningRate'), num(c, 'beta1'), num(c, 'beta2'), num(c, 'epsilon'), num(c, 'weightDecay') ?? 0, clip(c), 'AdamW'),
  RMSProp: (c) => new RMSPropOptimizer(num(c, 'learningRate'), num(c, 'decay'), num(c, 'momentum'), num(c, 'epsilon'), c.centered === true, clip(c)),
  Adagrad: (c) => new AdagradOptimizer(num(c, 'learningRate'), num(c, 'initialAccumulatorValue'), clip(c)),
};

export interface TrainingJson {
  optimizer: { className: string; config: Config; step: Record<string, number> };
  loss: string[];
  metrics: string[];
  /** Optimizer state tensors: [tensor name, index in model.weights, slot]. */
  state: [string, number, number][];
}

export function saveTraining(model: LayersModel, weights: Variable[]): { json: TrainingJson; tensors: SavedTensor[] } {
  const c = compiledOf(model, 'io.save');
  const opt = c.optimizer;
  if (!Object.hasOwn(OPTIMIZERS, opt.className)) throw new Error(`io.save: cannot save the state of optimizer ${opt.className}`);
  const loss = c.losses.map((l) => {
    let known = false;
    try { known = getLoss(l.name).fn === l.fn; } catch { /* a custom loss */ }
    if (!known) throw new Error(`io.save: the loss '${l.name}' is a custom function; only named losses are saved with the optimizer`);
    return l.name;
  });
  const prefix = model.outputs.length > 1 ? `${model.outputs[0].node!.layer.name}_` : '';
  const metrics = (c.metrics[0] ?? []).map((m) => {
    const name = m.name.startsWith(prefix) ? m.name.slice(prefix.length) : m.name;
    try { getMetric(name, loss[0], model.outputs[0].shape); } catch {
      throw new Error(`io.save: the metric '${m.name}' is a custom function; only named metrics are saved with the optimizer`);
    }
    return name;
  });
  const index = new Map(weights.map((w, i) => [w.name, i]));
  const state: TrainingJson['state'] = [];
  const tensors: SavedTensor[] = [];
  for (const { name, tensor: t } of opt.getWeights()) {
    const cut = name.lastIndexOf('/');
    const w = index.get(name.slice(0, cut));
    if (w !== undefined) {
      const tensorName = `optimizer/${w}/${name.slice(cut + 1)}`;
      state.push([tensorName, w, Number(name.slice(cut + 1))]);
      tensors.push({ name: tensorName, dtype: 'float32', shape: [...t.shape], bytes: new Uint8Array(engine.k.memory.buffer, t.ptr, t.byteLength).slice() });
    }
    t.dispose();
  }
  return { json: { optimizer: { className: opt.className, config: opt.getConfig() as Config, step: opt.getStepState() }, loss, metrics, state }, tensors };
}

const fail = (m: string): never => { throw new Error(`io.load: training config: ${m}`); };
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Compiles the loaded model as the saved one was and restores the optimizer's state. */
export function loadTraining(model: LayersModel, raw: unknown, byName: Map<string, SavedTensor>): void {
  if (!isObject(raw) || !isObject(raw.optimizer) || !Array.isArray(raw.loss) || !Array.isArray(raw.metrics) || !Array.isArray(raw.state)) {
    fail('expected {optimizer, loss, metrics, state}');
  }
  const t = raw as unknown as TrainingJson;
  const { className, config, step } = t.optimizer;
  if (typeof className !== 'string' || !Object.hasOwn(OPTIMIZERS, className)) fail(`unknown optimizer ${JSON.stringify(className)?.slice(0, 60)}`);
  if (!isObject(config) || !Object.values(config).every((v) => typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
    fail('the optimizer config must hold finite numbers and booleans');
  }
  if (!t.loss.every((l) => typeof l === 'string') || !t.metrics.every((m) => typeof m === 'string')) fail('loss and metrics must be names');
  let opt: Optimizer;
  try {
    opt = OPTIMIZERS[className](config);
    model.compile({ optimizer: opt, loss: t.loss.length === 1 ? t.loss[0] : t.loss, metrics: t.metrics });
  } catch (e) {
    return fail((e as Error).message);
  }
  const want = opt.getStepState();
  if (!isObject(step) || !Object.keys(want).every((k) => typeof step[k] === 'number' && Number.isFinite(step[k]))) {
    fail(`the optimizer step must give ${Object.keys(want).join(', ')} as finite numbers`);
  }
  if (!Number.isSafeInteger(step.iterations) || step.iterations < 0) fail('iterations must be a non-negative integer');
  const weights = model.weights;
  const named = t.state.map((s) => {
    if (!Array.isArray(s) || s.length !== 3 || typeof s[0] !== 'string' || !Number.isInteger(s[1]) || s[1] < 0 || s[1] >= weights.length ||
        !Number.isInteger(s[2]) || s[2] < 0 || s[2] > 7) {
      fail(`bad state entry ${JSON.stringify(s)?.slice(0, 80)}`);
    }
    const [name, w, slot] = s;
    const saved = byName.get(name);
    const v = weights[w];
    if (saved === undefined || saved.dtype !== 'float32' || saved.shape.length !== v.shape.length || saved.shape.some((d, i) => d !== v.shape[i])) {
      fail(`state '${name}' must be a float32 tensor [${v.shape}] in the file`);
    }
    return { name: `${v.name}/${slot}`, saved: saved! };
  });
  try {
    tidy(() => opt.setWeights(named.map(({ name, saved }) =>
      ({ name, tensor: tensor(new Float32Array(saved.bytes.buffer, saved.bytes.byteOffset, saved.bytes.length / 4), saved.shape) }))));
  } catch (e) {
    fail((e as Error).message);
  }
  opt.setStepState(Object.fromEntries(Object.keys(want).map((k) => [k, step[k]])));
}
