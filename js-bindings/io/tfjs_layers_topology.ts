// A model's topology between the TensorFlow.js / Keras layers format and Lepton's own
// (topology.ts). TF.js / Keras: {class_name: 'Sequential' | 'Model' | 'Functional', config:
// {name, layers: [{class_name, config, name, inbound_nodes}], input_layers, output_layers}},
// inbound nodes as [[[layerName, nodeIndex, tensorIndex, kwargs], ...]] (Keras 3:
// [{args: [keras tensors with keras_history], kwargs}]); the Keras converter wraps it in
// {model_config}. A Sequential nested in a model is inlined (its layers join the outer graph).
// Lepton's loadTopology then checks references, cycles and names as it does for its own files.
import { isObject, isSupportedClass, layerFromTfjs, layerToTfjs, TFJS_LAYER_CLASSES } from './tfjs_layers_config.js';

type Ref = [string, number, number];
interface LeptonNode { inputs: Ref[]; list?: boolean; kwargs?: Record<string, unknown> }
interface LeptonLayer { className: string; name: string; config: Record<string, unknown>; inboundNodes: LeptonNode[] }
export interface LeptonTopology { className: 'Sequential' | 'Model'; config: { name: string; layers: LeptonLayer[]; inputLayers: Ref[]; outputLayers: Ref[] } }

const MERGE = ['Add', 'Concatenate', 'Multiply', 'Subtract'];
const MODELS = ['Sequential', 'Model', 'Functional'];
const MAX_LAYERS = 10_000;
const fail = (m: string): never => { throw new Error(`io.fromTfjsLayers: ${m}`); };
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

/** The model's {class_name, config}, unwrapped from the Keras converter's {model_config}. */
function modelConfig(raw: unknown): { className: string; config: unknown } {
  const top = isObject(raw) && isObject(raw.model_config) ? raw.model_config : raw;
  if (!isObject(top) || typeof top.class_name !== 'string' || !MODELS.includes(top.class_name)) {
    fail(`modelTopology must be {class_name: 'Sequential' | 'Model' | 'Functional', config} (or {model_config: ...})`);
  }
  return { className: (top as Record<string, string>).class_name, config: (top as Record<string, unknown>).config };
}

/** The layer list of a model config (Keras 2.2 wrote a Sequential's config as the list itself). */
function layerList(config: unknown, what: string): Record<string, unknown>[] {
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > MAX_LAYERS) fail(`${what}: layers must be a list of 1 to ${MAX_LAYERS} layers`);
  return (layers as unknown[]).map((l, i) => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) fail(`${what}: layer ${i} must be {class_name, config}`);
    return l as Record<string, unknown>;
  });
}

const layerName = (l: Record<string, unknown>, i: number): string => {
  const name = l.name ?? (l.config as Record<string, unknown>).name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) fail(`layer ${i} needs a name of 1 to 256 characters`);
  return name as string;
};

/** Every layer class the file uses that Lepton cannot build, with the layer names: one Error for all. */
function checkClasses(layers: Record<string, unknown>[], depth = 0): void {
  const bad: string[] = [];
  const visit = (list: Record<string, unknown>[], d: number) => list.forEach((l, i) => {
    const cls = l.class_name as string;
    if (cls === 'Sequential' && d < 2) visit(layerList(l.config, `nested model '${layerName(l, i)}'`), d + 1);
    else if (!isSupportedClass(cls)) bad.push(`${cls.slice(0, 60)} (layer '${layerName(l, i)}')`);
    const inner = (l.config as Record<string, unknown>).layer;
    if (isObject(inner) && typeof inner.class_name === 'string' && !isSupportedClass(inner.class_name)) {
      bad.push(`${inner.class_name.slice(0, 60)} (inside layer '${layerName(l, i)}')`);
    }
  });
  visit(layers, depth);
  if (bad.length > 0) fail(`unsupported layer classes: ${bad.join(', ')} (supported: ${TFJS_LAYER_CLASSES.join(', ')}, ReLU, Softmax)`);
}

/** A Keras / TF.js [name, node, tensor] reference (also the flat form Keras writes for a single input). */
function refOf(r: unknown, what: string): Ref {
  if (!Array.isArray(r) || r.length < 2 || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || r[1] < 0 ||
      (r[2] !== undefined && !(Number.isInteger(r[2]) && r[2] >= 0 && r[2] < 64))) {
    fail(`${what}: bad reference ${show(r)} (expected [layerName, nodeIndex, tensorIndex])`);
  }
  const a = r as unknown[];
  return [a[0] as string, a[1] as number, (a[2] ?? 0) as number];
}

function refsOf(v: unknown, what: string): Ref[] {
  if (!Array.isArray(v) || v.length > 1024) return fail(`${what} must be a list of references`);
  return typeof v[0] === 'string' ? [refOf(v, what)] : v.map((r) => refOf(r, what));
}

/** Call options worth keeping: Keras records training and masks there, which Lepton sets itself. */
function kwargsOf(raw: unknown): Record<string, unknown> | undefined {
  if (!isObject(raw)) return undefined;
  const kept = Object.entries(raw).filter(([k]) => k !== 'training' && k !== 'mask');
  return kept.length > 0 ? Object.fromEntries(kept.map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v])) : undefined;
}

/** One inbound node: TF.js / Keras 2 [[name, node, tensor, kwargs], ...] or Keras 3 {args, kwargs}. */
function nodeOf(raw: unknown, what: string, merge: boolean): LeptonNode {
  if (isObject(raw)) {
    const inputs: Ref[] = [];
    const collect = (v: unknown, depth: number): void => {
      if (depth > 4 || inputs.length > 1024) return;
      if (Array.isArray(v)) v.forEach((x) => collect(x, depth + 1));
      else if (isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config)) inputs.push(refOf(v.config.keras_history, what));
    };
    collect(raw.args, 0);
    if (inputs.length === 0) fail(`${what}: a node without input tensors`);
    const list = merge || inputs.length > 1 || (Array.isArray(raw.args) && Array.isArray(raw.args[0]));
    const kwargs = kwargsOf(raw.kwargs);
    return { inputs, ...(list ? { list } : {}), ...(kwargs ? { kwargs } : {}) };
  }
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 1024) fail(`${what}: a node must be a non-empty list of inputs`);
  const inputs = (raw as unknown[]).map((r) => refOf(r, what));
  const kwargs = kwargsOf((raw as unknown[][])[0][3]);
  return { inputs, ...(merge || inputs.length > 1 ? { list: true } : {}), ...(kwargs ? { kwargs } : {}) };
}

interface Converted { topology: LeptonTopology; axes: Map<string, number> }

/** A TF.js / Keras model topology as Lepton's topology JSON (layers not built yet). */
export function topologyFromTfjs(raw: unknown): Converted {
  const { className, config } = modelConfig(raw);
  const top = layerList(config, 'the model');
  checkClasses(top);
  const name = (isObject(config) && typeof config.name === 'string' && config.name.length > 0 ? config.name : 'model').slice(0, 256);
  const axes = new Map<string, number>();
  const convert = (l: Record<string, unknown>, i: number): LeptonLayer => {
    const n = layerName(l, i);
    const { className: cls, config: c } = layerFromTfjs(l.class_name as string, { ...(l.config as object), name: n },
      { what: `layer '${n}' (${(l.class_name as string).slice(0, 60)})`, depth: 0 }, axes);
    return { className: cls, name: n, config: c, inboundNodes: [] };
  };
  return { topology: className === 'Sequential' ? sequentialFrom(top, name, convert) : functionalFrom(top, config, name, convert), axes };
}

function sequentialFrom(top: Record<string, unknown>[], name: string, convert: (l: Record<string, unknown>, i: number) => LeptonLayer): LeptonTopology {
  const flat: LeptonLayer[] = [];
  // A nested Sequential's own InputLayer (Keras writes one) gives way to the outer model's input.
  const add = (list: Record<string, unknown>[], nested: boolean) => list.forEach((l, i) => {
    if (l.class_name === 'Sequential') add(layerList(l.config, `nested model '${layerName(l, i)}'`), true);
    else if (l.class_name !== 'InputLayer' || flat.length === 0) flat.push(convert(l, i));
    else if (!nested) fail(`layer '${layerName(l, i)}': an InputLayer inside a Sequential model must come first`);
  });
  add(top, false);
  if (flat[0].className !== 'InputLayer') {
    const first = flat[0];
    if (first.config.batchInputShape === undefined) fail(`the first layer '${first.name}' of a Sequential model needs batch_input_shape`);
    flat.unshift({ className: 'InputLayer', name: `${first.name}_input`, inboundNodes: [],
      config: { name: `${first.name}_input`, batchInputShape: first.config.batchInputShape, dtype: first.config.dtype ?? 'float32' } });
  }
  for (let i = 1; i < flat.length; i++) flat[i].inboundNodes = [{ inputs: [[flat[i - 1].name, 0, 0]] }];
  const last = flat[flat.length - 1].name;
  return { className: 'Sequential', config: { name, layers: flat, inputLayers: [[flat[0].name, 0, 0]], outputLayers: [[last, 0, 0]] } };
}

function functionalFrom(top: Record<string, unknown>[], config: unknown, name: string,
    convert: (l: Record<string, unknown>, i: number) => LeptonLayer): LeptonTopology {
  // A nested Sequential applied once becomes its layers; references to its output go to its last layer.
  const renamed = new Map<string, string>();
  top.forEach((l, i) => {
    if (l.class_name !== 'Sequential') return;
    const inner = layerList(l.config, `nested model '${layerName(l, i)}'`).filter((x) => x.class_name !== 'InputLayer');
    if (inner.length === 0) fail(`nested model '${layerName(l, i)}' has no layers`);
    renamed.set(layerName(l, i), layerName(inner[inner.length - 1], inner.length - 1));
  });
  const fix = (r: Ref, what: string): Ref => {
    const to = renamed.get(r[0]);
    if (to === undefined) return r;
    if (r[1] !== 0) fail(`${what} uses node ${r[1]} of nested model '${r[0]}'; a nested model may be applied once`);
    return [to, 0, r[2]];
  };
  const layers: LeptonLayer[] = [];
  top.forEach((l, i) => {
    const n = layerName(l, i);
    const nodesRaw = l.inbound_nodes ?? [];
    if (!Array.isArray(nodesRaw) || nodesRaw.length > 1024) fail(`layer '${n}': inbound_nodes must be a list`);
    const merge = MERGE.includes(l.class_name as string);
    const nodes = (nodesRaw as unknown[]).map((node, k) => {
      const parsed = nodeOf(node, `layer '${n}' node ${k}`, merge);
      return { ...parsed, inputs: parsed.inputs.map((r) => fix(r, `layer '${n}' node ${k}`)) };
    });
    if (l.class_name === 'Sequential') {
      if (nodes.length !== 1) fail(`nested model '${n}' must be applied exactly once, not ${nodes.length} times`);
      let previous = nodes[0];
      for (const [j, x] of layerList(l.config, `nested model '${n}'`).entries()) {
        if (x.class_name === 'InputLayer') continue;
        const inner = convert(x, j);
        inner.inboundNodes = [previous];
        layers.push(inner);
        previous = { inputs: [[inner.name, 0, 0]] };
      }
      return;
    }
    layers.push({ ...convert(l, i), inboundNodes: nodes });
  });
  const c = config as Record<string, unknown>;
  return { className: 'Model', config: { name, layers,
    inputLayers: refsOf(c.input_layers, 'input_layers').map((r) => fix(r, 'input_layers')),
    outputLayers: refsOf(c.output_layers, 'output_layers').map((r) => fix(r, 'output_layers')) } };
}

/** Lepton's topology JSON (saveTopology) as the TF.js layers format, which tf.loadLayersModel reads. */
export function topologyToTfjs(t: LeptonTopology): Record<string, unknown> {
  const bad = t.config.layers.filter((l) => !TFJS_LAYER_CLASSES.includes(l.className) ||
    (isObject(l.config.layer) && !TFJS_LAYER_CLASSES.includes(l.config.layer.className as string)));
  if (bad.length > 0) {
    throw new Error(`io.toTfjsLayers: layers TF.js cannot read: ${bad.map((l) => `'${l.name}' (${l.className})`).join(', ')}`);
  }
  const convert = (l: LeptonLayer) => layerToTfjs(l.className, l.config, `io.toTfjsLayers: layer '${l.name}' (${l.className})`);
  const meta = { keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
  if (t.className === 'Sequential') {
    const [input, ...rest] = t.config.layers;
    if (rest.length === 0) throw new Error('io.toTfjsLayers: the Sequential model has no layers past its input');
    const layers = rest.map(convert);
    const first = layers[0].config;
    first.batch_input_shape ??= input.config.batchInputShape; // (the input's dtype stays with the input: float32 in TF.js)
    return { class_name: 'Sequential', config: { name: t.config.name, layers }, ...meta };
  }
  const snakeKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`), v]));
  return { class_name: 'Model', config: { name: t.config.name,
    layers: t.config.layers.map((l) => ({ ...convert(l), name: l.name,
      inbound_nodes: l.inboundNodes.map((n) => n.inputs.map(([from, k, i]) => [from, k, i ?? 0, n.kwargs ? snakeKeys(n.kwargs) : {}])) })),
    input_layers: t.config.inputLayers.map(([n, k, i]) => [n, k, i ?? 0]),
    output_layers: t.config.outputLayers.map(([n, k, i]) => [n, k, i ?? 0]) }, ...meta };
}
