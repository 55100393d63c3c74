// The weights of the TensorFlow.js layers format: a manifest ([{paths, weights: [{name, shape,
// dtype, quantization?}]}], or the flat weightSpecs of tf.io model artifacts) over binary shards
// read as one byte string in manifest order. Entries are float32 or int32, float16, or quantized by
// tfjs's quantizeBytes option (uint8 / uint16: value = min + q * scale; {dtype: 'float16'}):
// all come back as float32 (int32 stays int32). The manifest is untrusted: names, ranks, dimensions
// and the bytes they claim are checked against the shards before anything is decoded, so no
// allocation exceeds what the file holds (4x its bytes at most, for uint8 weights widened to
// float32). Writing (encodeWeights) stores float32, or quantizes the same three ways.
import { engine } from '../engine.js';
import { decodeFloat16, encodeFloat16 } from '../float16.js';
import type { Layer } from '../layers/layer.js';
import type { Variable } from '../variable.js';
import { isObject } from './tfjs_layers_config.js';

export interface TfjsQuantization { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number; original_dtype?: string }
export interface TfjsWeightSpec { name: string; shape: number[]; dtype: 'float32' | 'int32' | 'float16'; quantization?: TfjsQuantization }
export interface TfjsWeightsGroup { paths: string[]; weights: TfjsWeightSpec[] }
/** One decoded weight (values float32, int32 kept for int32 entries). */
export interface DecodedWeight { name: string; shape: number[]; values: Float32Array | Int32Array }

const LIMITS = { weights: 100_000, rank: 8, name: 1024, groups: 10_000, paths: 10_000 };
const BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint8: 1, uint16: 2 };
const fail = (m: string): never => { throw new Error(`io.fromTfjsLayers: ${m}`); };
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

function checkSpec(raw: unknown, i: number): TfjsWeightSpec {
  if (!isObject(raw) || typeof raw.name !== 'string' || raw.name.length === 0 || raw.name.length > LIMITS.name) {
    fail(`weight ${i} needs a name of 1 to ${LIMITS.name} characters`);
  }
  const s = raw as Record<string, unknown>;
  const what = `weight '${s.name}'`;
  if (!Array.isArray(s.shape) || s.shape.length > LIMITS.rank || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0 && d <= 2 ** 31)) {
    fail(`${what}: shape must be a list of at most ${LIMITS.rank} non-negative integers, got ${show(s.shape)}`);
  }
  if (s.dtype !== 'float32' && s.dtype !== 'int32' && s.dtype !== 'float16') fail(`${what}: dtype must be float32, int32 or float16, got ${show(s.dtype)}`);
  const q = s.quantization;
  if (q !== undefined && q !== null) {
    if (!isObject(q) || !['uint8', 'uint16', 'float16'].includes(q.dtype as string)) fail(`${what}: quantization.dtype must be uint8, uint16 or float16, got ${show(isObject(q) ? q.dtype : q)}`);
    const qq = q as Record<string, unknown>;
    if (qq.dtype !== 'float16' && !(typeof qq.scale === 'number' && Number.isFinite(qq.scale) && typeof qq.min === 'number' && Number.isFinite(qq.min))) {
      fail(`${what}: ${qq.dtype} quantization needs finite scale and min`);
    }
    if (s.dtype === 'float16') fail(`${what}: a float16 weight cannot be quantized again`);
  }
  return { name: s.name as string, shape: [...s.shape as number[]], dtype: s.dtype as TfjsWeightSpec['dtype'],
    ...(isObject(q) ? { quantization: q as unknown as TfjsQuantization } : {}) };
}

/** The weight entries of a model.json (weightsManifest) or of tf.io artifacts (weightSpecs), checked. */
export function weightSpecsOf(json: Record<string, unknown>): TfjsWeightSpec[] {
  let raw: unknown[];
  if (json.weightsManifest !== undefined) {
    const m = json.weightsManifest;
    if (!Array.isArray(m) || m.length > LIMITS.groups) fail(`weightsManifest must be a list of {paths, weights} groups`);
    raw = [];
    for (const [g, group] of (m as unknown[]).entries()) {
      if (!isObject(group) || !Array.isArray(group.weights) || !Array.isArray(group.paths) || group.paths.length > LIMITS.paths ||
          !group.paths.every((p) => typeof p === 'string')) {
        fail(`weightsManifest group ${g} must be {paths: string[], weights: []}`);
      }
      const weights = (group as { weights: unknown[] }).weights;
      if (raw.length + weights.length > LIMITS.weights) fail(`more than ${LIMITS.weights} weights`);
      for (const w of weights) raw.push(w);
    }
  } else if (json.weightSpecs !== undefined) {
    if (!Array.isArray(json.weightSpecs) || json.weightSpecs.length > LIMITS.weights) fail(`weightSpecs must be a list of at most ${LIMITS.weights} weights`);
    raw = json.weightSpecs as unknown[];
  } else raw = [];
  const specs = raw.map(checkSpec);
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) fail(`two weights are named '${s.name}'`);
    names.add(s.name);
  }
  return specs;
}

const count = (shape: number[]) => shape.reduce((a, d) => a * d, 1);
const storedBytes = (s: TfjsWeightSpec) => count(s.shape) * BYTES[s.quantization?.dtype ?? s.dtype];

/** Every entry decoded from the shard bytes; the sizes are checked against the bytes first. */
export function decodeWeights(specs: TfjsWeightSpec[], data: Uint8Array): DecodedWeight[] {
  let need = 0;
  for (const s of specs) {
    need += storedBytes(s);
    if (need > data.length) fail(`the weights manifest needs more bytes than the ${data.length} the shards hold (at weight '${s.name}')`);
  }
  if (need !== data.length) fail(`the weights manifest describes ${need} bytes but the shards hold ${data.length}`);
  let at = 0;
  return specs.map((s) => {
    const n = count(s.shape), bytes = storedBytes(s);
    const chunk = data.slice(at, at + bytes); // aligned copy
    at += bytes;
    const q = s.quantization;
    let values: Float32Array | Int32Array;
    if (s.dtype === 'float16' || q?.dtype === 'float16') values = decodeFloat16(new Uint16Array(chunk.buffer, 0, n));
    else if (q !== undefined) {
      const codes = q.dtype === 'uint8' ? chunk : new Uint16Array(chunk.buffer, 0, n);
      const f = new Float32Array(n);
      for (let i = 0; i < n; i++) f[i] = q.min! + codes[i] * q.scale!;
      values = s.dtype === 'int32' ? Int32Array.from(f, Math.round) : f;
    } else values = s.dtype === 'int32' ? new Int32Array(chunk.buffer, 0, n) : new Float32Array(chunk.buffer, 0, n);
    return { name: s.name, shape: s.shape, values };
  });
}

/** A variable's own name (kernel, recurrent_kernel ...), without the layer and the uniqueness suffix. */
const localName = (v: Variable) => v.name.slice(v.name.lastIndexOf('/') + 1).replace(/_\d+$/, '');
const lastPart = (name: string) => name.slice(name.lastIndexOf('/') + 1).replace(/:\d+$/, ''); // (TF's ':0' output slot)

/**
 * Which entry fills which variable. By name first (entries are `${layer}/...`, TF.js's and the
 * Keras converter's naming; inside a layer by the variable's own name when those are unique,
 * else in order); when the names do not say, in order, layer by layer (the converter's order).
 */
function plan(layers: Layer[], weights: DecodedWeight[]): [Variable, DecodedWeight, Layer][] {
  const groups = new Map<string, DecodedWeight[]>();
  for (const w of weights) {
    const first = w.name.slice(0, w.name.indexOf('/') >>> 0);
    const group = groups.get(first);
    if (group === undefined) groups.set(first, [w]); else group.push(w);
  }
  const owned = layers.filter((l) => l.weights.length > 0);
  const total = owned.reduce((a, l) => a + l.weights.length, 0);
  if (owned.every((l) => groups.get(l.name)?.length === l.weights.length) && total === weights.length) {
    return owned.flatMap((l) => {
      const group = groups.get(l.name)!;
      const vars = l.weights;
      const local = group.map((w) => lastPart(w.name));
      const byName = new Set(local).size === local.length && vars.every((v) => local.includes(localName(v)));
      return vars.map((v, i) => [v, byName ? group[local.indexOf(localName(v))] : group[i], l] as [Variable, DecodedWeight, Layer]);
    });
  }
  if (total !== weights.length) {
    const short = owned.find((l) => (groups.get(l.name)?.length ?? 0) !== l.weights.length);
    fail(`the model needs ${total} weights but the manifest has ${weights.length}` +
      (short ? ` (layer '${short.name}' needs ${short.weights.map(localName).join(', ')}; the manifest has ${groups.get(short.name)?.length ?? 0} under its name)` : ''));
  }
  let at = 0;
  return owned.flatMap((l) => l.weights.map((v) => [v, weights[at++], l] as [Variable, DecodedWeight, Layer]));
}

/** Checks every shape, then copies the values into the variables. */
export function assignWeights(layers: Layer[], weights: DecodedWeight[]): void {
  const pairs = plan(layers, weights);
  for (const [v, w, l] of pairs) {
    if (w.shape.length !== v.shape.length || w.shape.some((d, j) => d !== v.shape[j])) {
      fail(`layer '${l.name}' (${l.className}): weight '${localName(v)}' is [${v.shape}] in the model but [${w.shape}] in the manifest ('${w.name}')`);
    }
    const dtype = w.values instanceof Int32Array ? 'int32' : 'float32';
    if (v.dtype !== dtype) fail(`layer '${l.name}' (${l.className}): weight '${localName(v)}' is ${v.dtype} in the model but ${dtype} in the manifest ('${w.name}')`);
  }
  for (const [v, w] of pairs) {
    (v.dtype === 'int32' ? new Int32Array(engine.k.memory.buffer, v.ptr, v.size) : new Float32Array(engine.k.memory.buffer, v.ptr, v.size)).set(w.values);
  }
}

/** The TF.js name of a Lepton weight: `${layer}/${own name}`, wrappers as TF.js names them. */
function tfjsName(layer: Layer, v: Variable): string {
  const inner = v.name.slice(0, v.name.lastIndexOf('/'));
  if (layer.className === 'Bidirectional') return `${layer.name}/${inner}/${localName(v)}`;
  return `${layer.name}/${localName(v)}`;
}

/**
 * A float32 weight in the stored form of a quantization TF.js reads (the converter's quantize
 * options): float16 bits, or uint8 / uint16 codes with value = min + code * scale over [min, max].
 */
function quantized(values: Float32Array, dtype: TfjsQuantization['dtype']): { bytes: Uint8Array; quantization: TfjsQuantization } {
  if (dtype === 'float16') return { bytes: new Uint8Array(encodeFloat16(values).buffer), quantization: { dtype } };
  let min = Infinity, max = -Infinity;
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); }
  if (!(min <= max)) min = max = 0; // empty
  const levels = dtype === 'uint8' ? 255 : 65535;
  const scale = max > min ? (max - min) / levels : 1;
  const codes = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = Math.round((values[i] - min) / scale);
  return { bytes: new Uint8Array(codes.buffer), quantization: { dtype, scale, min } };
}

/**
 * Every weight of these layers as TF.js weight specs and one byte string: float32 / int32 as
 * stored, or float32 weights quantized (uint8, uint16, float16) when asked.
 */
export function encodeWeights(layers: Layer[], quantize?: TfjsQuantization['dtype']): { specs: TfjsWeightSpec[]; data: ArrayBuffer } {
  const parts: Uint8Array[] = [];
  const specs: TfjsWeightSpec[] = [];
  for (const l of layers) {
    for (const v of l.weights) {
      v.assertLive('io.toTfjsLayers');
      if (v.dtype !== 'float32' && v.dtype !== 'int32') throw new Error(`io.toTfjsLayers: weight '${v.name}' is ${v.dtype}`);
      const spec: TfjsWeightSpec = { name: tfjsName(l, v), shape: [...v.shape], dtype: v.dtype };
      if (quantize !== undefined && v.dtype === 'float32') {
        const q = quantized(new Float32Array(engine.k.memory.buffer, v.ptr, v.size), quantize);
        parts.push(q.bytes);
        spec.quantization = q.quantization;
      } else parts.push(new Uint8Array(engine.k.memory.buffer, v.ptr, v.byteLength).slice());
      specs.push(spec);
    }
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return { specs, data: out.buffer };
}
