// The TensorFlow.js / Keras layers format (what tfjs's model.save and the Keras tfjs converter
// write: model.json with modelTopology + weightsManifest, and binary weight shards).
//   fromTfjsLayers(modelJson, weightData) → a Lepton LayersModel (Sequential for a Sequential);
//   toTfjsLayers(model) → {modelTopology, weightSpecs, weightData, modelJson}, which
//     tf.loadLayersModel(tf.io.fromMemory(...)) reads; loadTfjsLayersFromUrl fetches a model.json
//     and its shards (relative to it). The file reader for Node is loadTfjsLayersFile in ../node.ts.
// The input is untrusted: structure, classes, sizes against the shard bytes and every weight shape
// are checked, errors name the layer, and on any failure everything built so far is freed.
import { LayersModel } from '../models/model.js';
import { withWeightBudget, type Layer } from '../layers/layer.js';
import { loadTopology, saveTopology } from './topology.js';
import { isObject } from './tfjs_layers_config.js';
import { topologyFromTfjs, topologyToTfjs, type LeptonTopology } from './tfjs_layers_topology.js';
import { assignWeights, decodeWeights, encodeWeights, weightSpecsOf, type TfjsWeightSpec, type TfjsWeightsGroup } from './tfjs_layers_weights.js';
import { readBodyLimited } from './read_body.js';

export { TFJS_LAYER_CLASSES } from './tfjs_layers_config.js';
export type { TfjsWeightSpec, TfjsWeightsGroup, TfjsQuantization } from './tfjs_layers_weights.js';

/**
 * model.json as TF.js writes it ({modelTopology, weightsManifest: [{paths, weights}]}), or tf.io
 * model artifacts ({modelTopology, weightSpecs, weightData}). Every field is checked when read,
 * so the type is loose: tf.io.ModelArtifacts and parsed JSON pass as they are.
 */
export interface TfjsModelJson {
  modelTopology?: unknown;
  weightsManifest?: unknown;
  weightSpecs?: unknown;
  weightData?: unknown;
  format?: unknown;
  generatedBy?: unknown;
  convertedBy?: unknown;
}
/** The weight bytes: one buffer, or the shards in manifest order. */
export type TfjsWeightData = ArrayBuffer | ArrayBufferView | (ArrayBuffer | ArrayBufferView)[];

const fail = (m: string): never => { throw new Error(`io.fromTfjsLayers: ${m}`); };

function bytesOf(data: TfjsWeightData | undefined): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array(0);
  const one = (d: unknown, i: number): Uint8Array => {
    if (d instanceof ArrayBuffer) return new Uint8Array(d);
    if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    return fail(`weightData ${i} must be an ArrayBuffer or a typed array`);
  };
  if (!Array.isArray(data)) return one(data, 0);
  const parts = data.map(one);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function parseJson(modelJson: TfjsModelJson | string): Record<string, unknown> {
  let json: unknown = modelJson;
  if (typeof modelJson === 'string') {
    try {
      json = JSON.parse(modelJson);
    } catch (e) {
      fail(`model.json is not JSON (${(e as Error).message.slice(0, 100)})`);
    }
  }
  if (!isObject(json)) fail('expects model.json: {modelTopology, weightsManifest} (or tf.io artifacts {modelTopology, weightSpecs, weightData})');
  const j = json as Record<string, unknown>;
  if (j.format === 'graph-model') fail("this is a graph model (format 'graph-model'); only layers models are read");
  if (j.modelTopology === undefined) fail('model.json has no modelTopology');
  return j;
}

/** Normalization layers Keras wrote with a positive axis: it must be the last axis of their input. */
function checkAxes(model: LayersModel, axes: Map<string, number>): void {
  for (const [name, axis] of axes) {
    const layer = model.layers.find((l) => l.name === name);
    const rank = layer?.inboundNodes[0]?.inputs[0]?.shape.length;
    if (rank === undefined) fail(`layer '${name}': a normalization axis given as ${axis} inside a wrapper is not supported (use -1)`);
    if (axis !== rank! - 1) fail(`layer '${name}': only the last axis is supported; axis ${axis} of a rank-${rank} input is not`);
  }
}

/**
 * A Lepton model from TF.js / Keras layers-format files: model.json (object or text) and the
 * weight shards' bytes (one buffer or the list in manifest order; taken from modelJson.weightData
 * when omitted, as tf.io artifacts carry them).
 */
export function fromTfjsLayers(modelJson: TfjsModelJson | string, weightData?: TfjsWeightData): LayersModel {
  const built: Layer[] = [];
  let model: LayersModel | null = null;
  try {
    const json = parseJson(modelJson);
    const { topology, axes } = topologyFromTfjs(json.modelTopology);
    const weights = decodeWeights(weightSpecsOf(json), bytesOf(weightData ?? json.weightData as TfjsWeightData | undefined));
    const budget = weights.reduce((a, w) => a + 4 * w.values.length, 0);
    model = withWeightBudget(budget, () => loadTopology(topology, built));
    checkAxes(model, axes);
    assignWeights(model.layers, weights);
    return model;
  } catch (e) {
    model?.dispose();
    for (const l of built) l.dispose();
    throw new Error(cleanMessage(e instanceof Error ? e.message : String(e)));
  }
}

/** Every message starts with io.fromTfjsLayers; loadTopology's and the weight budget's are reworded. */
function cleanMessage(message: string): string {
  if (message.startsWith('io.fromTfjsLayers')) return message;
  const m = message.replace(/^io\.load: (topology: )?/, '');
  // The budget is what the manifest holds: a layer past it wants weights the file does not have.
  const budget = /^(layer '[^']*' \([^)]*\)): \S+ \(\w+\): (weight '[^']*' \[[^\]]*\]) needs \d+ bytes, more than the \d+ left$/.exec(m);
  if (budget) return `io.fromTfjsLayers: the model needs more weight values than the manifest holds (at ${budget[1]}, ${budget[2]})`;
  return `io.fromTfjsLayers: ${m}`;
}

export interface TfjsArtifacts {
  /** The TF.js topology ({class_name, config, keras_version, backend}). */
  modelTopology: Record<string, unknown>;
  weightSpecs: TfjsWeightSpec[];
  /** Every weight, float32 / int32 little-endian, in weightSpecs order. */
  weightData: ArrayBuffer;
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  /** model.json for these artifacts, its one shard named `weights.bin` (write weightData there). */
  modelJson: { modelTopology: Record<string, unknown>; weightsManifest: TfjsWeightsGroup[]; format: 'layers-model'; generatedBy: string; convertedBy: null };
}

export interface ToTfjsOptions {
  /** Store float32 weights quantized as the tfjs converter's options do (TF.js dequantizes them at load). */
  quantize?: 'uint8' | 'uint16' | 'float16';
}

/** The model in the TF.js layers format: tf.loadLayersModel(tf.io.fromMemory(artifacts)) reads it. */
export function toTfjsLayers(model: LayersModel, opts: ToTfjsOptions = {}): TfjsArtifacts {
  if (!(model instanceof LayersModel)) throw new Error('io.toTfjsLayers: expects a LayersModel (lp.sequential or lp.model)');
  if (model.outputs.length === 0) throw new Error('io.toTfjsLayers: the model has no layers');
  if (opts === null || typeof opts !== 'object' || (opts.quantize !== undefined && !['uint8', 'uint16', 'float16'].includes(opts.quantize))) {
    throw new Error(`io.toTfjsLayers: quantize must be 'uint8', 'uint16' or 'float16', got ${JSON.stringify(opts?.quantize)}`);
  }
  const modelTopology = topologyToTfjs(saveTopology(model) as LeptonTopology);
  const { specs, data } = encodeWeights(model.layers, opts.quantize);
  const meta = { format: 'layers-model' as const, generatedBy: 'lepton-wasm', convertedBy: null };
  return { modelTopology, weightSpecs: specs, weightData: data, ...meta,
    modelJson: { modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: specs }], ...meta } };
}

/** The shard paths of a model.json, checked to stay beside it (relative, no '..'). */
export function shardPaths(json: Record<string, unknown>, op: string): string[] {
  weightSpecsOf(json);
  const groups = Array.isArray(json.weightsManifest) ? json.weightsManifest as TfjsWeightsGroup[] : [];
  const paths = groups.flatMap((g) => g.paths);
  for (const p of paths) {
    if (p.length === 0 || p.length > 1024 || /^[a-z][a-z0-9+.-]*:|^[/\\]/i.test(p) || p.split(/[/\\]/).includes('..')) {
      throw new Error(`${op}: shard path ${JSON.stringify(p.slice(0, 80))} must be relative to model.json, without '..'`);
    }
  }
  return paths;
}

export interface LoadTfjsOptions {
  /** Largest total of model.json and shards accepted, in bytes (default 512 MiB). */
  maxBytes?: number;
}

async function fetchLimited(url: URL, init: RequestInit | undefined, left: number, op: string): Promise<Uint8Array> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${op}: ${url}: HTTP ${response.status} ${response.statusText}`);
  return readBodyLimited(response, left, () => new Error(`${op}: ${url} takes the model past maxBytes`));
}

/** Fetches model.json, then its shards relative to it (global fetch), and builds the model. */
export async function loadTfjsLayersFromUrl(url: string | URL, init?: RequestInit, opts: LoadTfjsOptions = {}): Promise<LayersModel> {
  const op = 'io.loadTfjsLayersFromUrl';
  const max = opts.maxBytes ?? 512 * 1024 * 1024;
  if (!Number.isSafeInteger(max) || max <= 0) throw new Error(`${op}: maxBytes must be a positive integer, got ${String(opts.maxBytes)}`);
  const base = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  const text = await fetchLimited(base, init, max, op);
  const json = parseJson(new TextDecoder().decode(text));
  let left = max - text.length;
  const shards: Uint8Array[] = [];
  for (const p of shardPaths(json, op)) {
    const bytes = await fetchLimited(new URL(p, base), init, left, op);
    left -= bytes.length;
    shards.push(bytes);
  }
  return fromTfjsLayers(json as unknown as TfjsModelJson, shards);
}
