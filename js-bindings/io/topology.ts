// A LayersModel's topology as JSON, in tfjs-layers' spirit:
//   {className: 'Sequential' | 'Model', config: {name, layers: [{className, name, config,
//    inboundNodes: [{inputs: [[layerName, nodeIndex, tensorIndex?], ...], list?: true, kwargs?}]}],
//    inputLayers, outputLayers}}
// nodeIndex counts the layer's applications inside this model; tensorIndex (absent: 0) picks one
// output of a layer with several (returnState); kwargs are the call options given to apply(). Loading treats the JSON as
// untrusted: the structure is checked, unknown classes, unknown references and cycles are
// named, layer errors say which layer of the file is bad, and on any failure every layer built
// so far is disposed.
import { InputLayer } from '../layers/input.js';
import type { Layer, LayerNode, SymbolicTensor } from '../layers/layer.js';
import { LayersModel } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { layerFactory, registeredByHint, registeredLayers } from './registry.js';

type Ref = [string, number] | [string, number, number];
interface NodeJson { inputs: Ref[]; list?: boolean; kwargs?: Record<string, unknown> }
interface LayerJson { className: string; name: string; config: Record<string, unknown>; inboundNodes: NodeJson[] }

const LIMITS = { layers: 10_000, nodes: 1_024, inputs: 1_024, name: 256, outputs: 64 };

/** The nodes between the model's inputs and outputs, and its layers, in the model's order. */
function graphOf(model: LayersModel): { layers: Layer[]; nodes: Set<LayerNode> } {
  const nodes = new Set<LayerNode>();
  const order: Layer[] = model.inputs.map((s) => s.node!.layer);
  const inputIds = new Set(model.inputs.map((s) => s.id));
  const visit = (s: SymbolicTensor): void => {
    if (inputIds.has(s.id) || nodes.has(s.node!)) return;
    nodes.add(s.node!);
    s.node!.inputs.forEach(visit);
    order.push(s.node!.layer);
  };
  model.outputs.forEach(visit);
  for (const s of model.inputs) nodes.add(s.node!);
  return { layers: [...new Set(order)], nodes };
}

export function saveTopology(model: LayersModel): unknown {
  const { layers, nodes } = graphOf(model);
  const names = new Set<string>();
  for (const l of layers) {
    if (names.has(l.name)) throw new Error(`io.save: two layers are named '${l.name}'; a file needs unique layer names`);
    names.add(l.name);
  }
  const nodeList = (l: Layer) => l.inboundNodes.filter((n) => nodes.has(n));
  const ref = (s: SymbolicTensor): Ref => {
    const at = s.node!.outputs.indexOf(s);
    const r: Ref = [s.node!.layer.name, nodeList(s.node!.layer).indexOf(s.node!)];
    return at > 0 ? [...r, at] : r;
  };
  return {
    className: model instanceof Sequential ? 'Sequential' : 'Model',
    config: {
      name: model.name,
      layers: layers.map((l) => ({
        className: l.className, name: l.name, config: l.getConfig(),
        inboundNodes: l instanceof InputLayer ? [] : nodeList(l).map((n) => ({ inputs: n.inputs.map(ref),
          ...(n.listInput ? { list: true } : {}), ...(n.callArgs ? { kwargs: n.callArgs } : {}) })),
      })),
      inputLayers: model.inputs.map(ref),
      outputLayers: model.outputs.map(ref),
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= LIMITS.name;
const fail = (m: string): never => { throw new Error(`io.load: topology: ${m}`); };

function checkRefs(v: unknown, what: string, max: number): Ref[] {
  if (!Array.isArray(v) || v.length > max) fail(`${what} must be a list of at most ${max} [layerName, nodeIndex] pairs`);
  return (v as unknown[]).map((r) => {
    if (!Array.isArray(r) || (r.length !== 2 && r.length !== 3) || !isName(r[0]) || !Number.isInteger(r[1]) || r[1] < 0 ||
        (r.length === 3 && !(Number.isInteger(r[2]) && r[2] >= 0 && r[2] < LIMITS.outputs))) {
      fail(`${what}: bad reference ${JSON.stringify(r)?.slice(0, 80)} (expected [layerName, nodeIndex, tensorIndex?])`);
    }
    return r as Ref;
  });
}

function checkLayers(raw: unknown): LayerJson[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > LIMITS.layers) fail(`layers must be a list of 1 to ${LIMITS.layers} layers`);
  const seen = new Set<string>();
  return (raw as unknown[]).map((l, i) => {
    if (!isObject(l) || !isName(l.name)) fail(`layer ${i} must be an object with a name of 1 to ${LIMITS.name} characters`);
    const e = l as Record<string, unknown>;
    const what = `layer '${e.name}'`;
    if (seen.has(e.name as string)) fail(`${what} appears twice`);
    seen.add(e.name as string);
    if (typeof e.className !== 'string') fail(`${what} has no className`);
    if (e.config !== undefined && !isObject(e.config)) fail(`${what}: config must be an object`);
    const inbound = e.inboundNodes ?? [];
    if (!Array.isArray(inbound) || inbound.length > LIMITS.nodes) fail(`${what}: inboundNodes must be a list of at most ${LIMITS.nodes} nodes`);
    const nodes = (inbound as unknown[]).map((n, k) => {
      if (!isObject(n) || (n.list !== undefined && typeof n.list !== 'boolean') || (n.kwargs !== undefined && !isObject(n.kwargs))) {
        fail(`${what}: node ${k} must be {inputs, list?, kwargs?}`);
      }
      const node = n as Record<string, unknown>;
      const inputs = checkRefs(node.inputs, `${what} node ${k} inputs`, LIMITS.inputs);
      if (inputs.length === 0 || (inputs.length > 1 && node.list !== true)) fail(`${what}: node ${k} must have one input, or a list`);
      const kwargs = node.kwargs as Record<string, unknown> | undefined;
      if (kwargs !== undefined && ['training', 'logits', 'mask'].some((key) => Object.hasOwn(kwargs, key))) {
        fail(`${what}: node ${k} kwargs cannot set training, logits or mask`);
      }
      return { inputs, list: node.list === true, ...(kwargs ? { kwargs } : {}) };
    });
    return { className: e.className as string, name: e.name as string, config: { ...(e.config ?? {}) as Record<string, unknown>, name: e.name }, inboundNodes: nodes };
  });
}

/** Constructs one layer from its JSON, naming it in any error. */
function makeLayer(l: LayerJson): Layer {
  const factory = layerFactory(l.className);
  if (factory === undefined) {
    fail(`layer '${l.name}' has unknown className '${l.className.slice(0, 60)}'${registeredByHint(l.className)} (known: ${registeredLayers().join(', ')}; add more with io.registerLayer)`);
  }
  const layer = wrap(l, () => factory!(l.config));
  if (layer instanceof InputLayer && l.inboundNodes.length > 0) fail(`input layer '${l.name}' cannot have inbound nodes`);
  if (!(layer instanceof InputLayer) && l.inboundNodes.length === 0) fail(`layer '${l.name}' is never applied`);
  return layer;
}

function wrap<T>(l: { name: string; className: string }, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`io.load: layer '${l.name}' (${l.className.slice(0, 60)}): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The model a topology describes (weights freshly built, zeros); `built` collects the layers to dispose on failure. */
export function loadTopology(raw: unknown, built: Layer[]): LayersModel {
  if (!isObject(raw) || (raw.className !== 'Sequential' && raw.className !== 'Model') || !isObject(raw.config)) {
    fail("expected {className: 'Sequential' | 'Model', config}");
  }
  const top = raw as { className: string; config: Record<string, unknown> };
  const name = top.config.name;
  if (!isName(name)) fail(`the model name must be a string of 1 to ${LIMITS.name} characters`);
  const entries = checkLayers(top.config.layers);
  const layers = new Map<string, { json: LayerJson; layer: Layer }>();
  for (const json of entries) {
    const layer = makeLayer(json);
    built.push(layer);
    layers.set(json.name, { json, layer });
  }
  if (top.className === 'Sequential') {
    const [first, ...rest] = entries.map((e) => layers.get(e.name)!);
    if (!(first.layer instanceof InputLayer)) fail('a Sequential model starts with its InputLayer');
    const model = new Sequential({ name: name as string });
    model.add(first.layer);
    for (const { json, layer } of rest) {
      if (layer instanceof InputLayer) fail(`a Sequential model has one InputLayer, first; '${json.name}' is another`);
      wrap(json, () => model.add(layer));
    }
    return model;
  }
  const outputsOf = applyNodes(entries, layers);
  const resolve = (r: Ref, what: string): SymbolicTensor => {
    const s = outputsOf.get(r[0])?.[r[1]]?.[r[2] ?? 0];
    if (s === undefined) fail(`${what} refers to ${r[2] === undefined ? '' : `output ${r[2]} of `}node ${r[1]} of '${r[0]}', which does not exist`);
    return s!;
  };
  const inputs = checkRefs(top.config.inputLayers, 'inputLayers', LIMITS.inputs).map((r) => resolve(r, 'inputLayers'));
  const outputs = checkRefs(top.config.outputLayers, 'outputLayers', LIMITS.inputs).map((r) => resolve(r, 'outputLayers'));
  if (inputs.length === 0 || outputs.length === 0) fail('a model needs at least one input and one output');
  try {
    return new LayersModel({ inputs, outputs, name: name as string });
  } catch (e) {
    return fail((e as Error).message);
  }
}

/**
 * Applies every node in dependency order (Kahn's algorithm, so a cycle is found, not followed):
 * node k of a layer depends on its inputs and on node k-1 of the same layer (layers number
 * their nodes in the order they are applied). Returns each layer's node outputs.
 */
function applyNodes(entries: LayerJson[], layers: Map<string, { json: LayerJson; layer: Layer }>): Map<string, SymbolicTensor[][]> {
  const outputs = new Map<string, SymbolicTensor[][]>();
  const key = (name: string, k: number) => `${k}:${name}`;
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  const ready: [LayerJson, number][] = [];
  for (const json of entries) {
    const { layer } = layers.get(json.name)!;
    if (layer instanceof InputLayer) {
      outputs.set(json.name, [[layer.output]]);
      continue;
    }
    outputs.set(json.name, []);
    json.inboundNodes.forEach((node, k) => {
      const deps = node.inputs.map(([from, j]) => {
        const src = layers.get(from);
        const count = src === undefined ? 0 : src.layer instanceof InputLayer ? 1 : src.json.inboundNodes.length;
        if (j >= count) fail(`layer '${json.name}' node ${k} refers to node ${j} of '${from}', which does not exist`);
        return src!.layer instanceof InputLayer ? null : key(from, j);
      }).filter((d): d is string => d !== null);
      if (k > 0) deps.push(key(json.name, k - 1));
      waiting.set(key(json.name, k), deps.length);
      for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), key(json.name, k)]);
      if (deps.length === 0) ready.push([json, k]);
    });
  }
  let applied = 0;
  while (ready.length > 0) {
    const [json, k] = ready.pop()!;
    const node = json.inboundNodes[k];
    const ins = node.inputs.map(([from, j, t]) => {
      const s = outputs.get(from)![j][t ?? 0];
      if (s === undefined) fail(`layer '${json.name}' node ${k} refers to output ${t} of '${from}' node ${j}, which does not exist`);
      return s;
    });
    const { layer } = layers.get(json.name)!;
    outputs.get(json.name)!.push(wrap(json, () => layer.applyMulti(node.list ? ins : ins[0], node.kwargs ?? {})));
    applied++;
    for (const d of dependents.get(key(json.name, k)) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) {
        const cut = d.indexOf(':');
        ready.push([layers.get(d.slice(cut + 1))!.json, Number(d.slice(0, cut))]);
      }
    }
  }
  if (applied < waiting.size) {
    const stuck = [...waiting].find(([, n]) => n > 0)![0];
    fail(`cycle in the topology: layer '${stuck.slice(stuck.indexOf(':') + 1)}' is on or behind a cycle`);
  }
  return outputs;
}
