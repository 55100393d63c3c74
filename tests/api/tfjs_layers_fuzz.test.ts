// io.fromTfjsLayers on mutated model.json files (untrusted input): 1,200 files from six valid ones
// (four saved by tfjs-layers 4.22, two written as the Keras converter does), each mutated once:
// a value anywhere in the JSON replaced (numbers, strings, lists, objects, another node of the
// file, NaN and Infinity in object form), a key deleted, characters of the text changed, the text
// or the shards cut, a weight's shape / dtype / quantization changed, a layer's class or an inbound
// reference swapped. Every file ends in a plain Error that starts with io.fromTfjsLayers (no
// TypeError from inside), or in a model that loads; nothing leaks, and the arena's peak grows by no
// more than 8x the file's bytes.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as lp from '../../js-bindings/index.js';
import { engine } from '../../js-bindings/engine.js';
import { rng } from '../helpers/rng.js';
import { randomize, saved, tfjsModels } from '../helpers/tfjs_layers.js';
import { kerasFunctional, kerasLstm } from '../helpers/keras_fixture.js';

const FILES = Number(process.env.TFJS_FUZZ_FILES ?? 1200);
const PEAK_FACTOR = 8, PEAK_SLACK = 64 * 1024;
const INTERNAL = /Cannot read prop|is not a function|is not iterable|call stack|Invalid array length|Invalid typed array|out of memory|is not defined|Cannot convert/;

interface Base { json: Record<string, unknown>; data: Uint8Array }
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Mutation = { json: unknown; data: Uint8Array };
type Rand = () => number;

const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const clone = (v: unknown): Json => JSON.parse(JSON.stringify(v));

/** Every [parent, key] in the tree (arrays of numbers count as one value). */
function slots(root: Json): [Json, string | number][] {
  const out: [Json, string | number][] = [];
  const visit = (v: Json, depth: number) => {
    if (v === null || typeof v !== 'object' || depth > 12) return;
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      out.push([v, k]);
      visit(v[k], depth + 1);
    }
  };
  visit(root, 0);
  return out;
}

const PALETTE = [null, -1, 0, 1, 3, 2.5, 1e9, 2 ** 53, -1e9, NaN, Infinity, 'x', '', 'same', 'relu', 'Dense', [], {}, [1, 2],
  [null, 3], [-4], true, false, { class_name: 'Dense', config: {} }, [[['x', 0, 0, {}]]], { class_name: 'L1L2', config: { l1: 'a' } }];

const LAYER_CLASSES = ['Dense', 'Conv2D', 'LSTM', 'GRU', 'Bidirectional', 'TimeDistributed', 'Embedding', 'Reshape', 'Flatten',
  'Add', 'Concatenate', 'InputLayer', 'BatchNormalization', 'Permute', 'Sequential', 'Conv1D'];

function layersOf(json: Json): Json[] {
  const top = json.modelTopology?.model_config ?? json.modelTopology;
  return Array.isArray(top?.config?.layers) ? top.config.layers : [];
}
const specsOf = (json: Json): Json[] => json.weightsManifest?.[0]?.weights ?? [];

const MUTATORS: Record<string, (b: Base, r: Rand) => Mutation> = {
  value(b, r) {
    const json = clone(b.json);
    const all = slots(json);
    const [parent, key] = pick(r, all);
    parent[key] = r() < 0.2 ? clone(pick(r, all)[0]) : clone(pick(r, PALETTE) ?? null);
    if (Number.isNaN(parent[key]) || parent[key] === null) parent[key] = pick(r, [NaN, Infinity, null, -0]);
    return { json, data: b.data };
  },
  deleteKey(b, r) {
    const json = clone(b.json);
    const [parent, key] = pick(r, slots(json));
    if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key];
    return { json, data: b.data };
  },
  text(b, r) {
    const chars = [...JSON.stringify(b.json)];
    for (let k = 0, n = 1 + Math.floor(r() * 4); k < n; k++) chars[Math.floor(r() * chars.length)] = pick(r, ['0', '9', '-', '"', ',', '[', '}', 'e', ' ', 'a']);
    return { json: chars.join(''), data: b.data };
  },
  truncate(b, r) {
    const text = JSON.stringify(b.json);
    return r() < 0.5 ? { json: text.slice(0, Math.floor(r() * text.length)), data: b.data }
      : { json: b.json, data: b.data.slice(0, Math.floor(r() * b.data.length)) };
  },
  weightSpec(b, r) {
    const json = clone(b.json);
    const spec = pick(r, specsOf(json));
    const what = Math.floor(r() * 4);
    if (what === 0) spec.shape[Math.floor(r() * spec.shape.length)] = pick(r, [0, 1, 2, 7, 1 << 20, 2 ** 31, -3, 1.5]);
    else if (what === 1) spec.shape = [...spec.shape].reverse();
    else if (what === 2) spec.dtype = pick(r, ['int32', 'float16', 'bool', 'string', 'uint8']);
    else spec.quantization = pick(r, [{ dtype: 'uint8', scale: 0.01, min: -1 }, { dtype: 'uint16', scale: 1, min: 0 }, { dtype: 'float16' },
      { dtype: 'uint8' }, { dtype: 'int4' }, { dtype: 'uint8', scale: Infinity, min: 0 }]);
    return { json, data: b.data };
  },
  layerClass(b, r) {
    const json = clone(b.json);
    const layer = pick(r, layersOf(json));
    if (layer) layer.class_name = pick(r, LAYER_CLASSES);
    return { json, data: b.data };
  },
  reference(b, r) {
    const json = clone(b.json);
    const layers = layersOf(json).filter((l) => Array.isArray(l.inbound_nodes) && l.inbound_nodes.length > 0);
    const layer = pick(r, layers);
    if (layer) {
      const ref = layer.inbound_nodes[0][0];
      const what = Math.floor(r() * 3);
      if (what === 0) ref[0] = pick(r, layersOf(json)).config?.name ?? 'x';
      else if (what === 1) ref[1] = pick(r, [1, 5, -1]);
      else ref[2] = pick(r, [1, 63, 64]);
    } else {
      const layer2 = pick(r, layersOf(json));
      if (layer2?.config) layer2.config.name = pick(r, layersOf(json)).config?.name ?? '';
    }
    return { json, data: b.data };
  },
};

const bases: Base[] = [];

before(async () => {
  await lp.ready();
  await tf.setBackend('cpu');
  for (const [k, { model }] of tfjsModels().entries()) {
    randomize(model, k + 1);
    const a = await saved(model);
    bases.push({ json: { format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] },
      data: new Uint8Array(a.weightData) });
  }
  for (const f of [kerasFunctional(), kerasLstm()]) bases.push({ json: f.json, data: f.shard });
});

describe('io.fromTfjsLayers fuzz', () => {
  it(`${FILES} mutated model.json files: a clear Error or a harmless load; no leak; bounded peak`, { timeout: 300_000 }, () => {
    for (const b of bases) lp.io.fromTfjsLayers(b.json, b.data).dispose(); // the bases load
    const r = rng(20261201);
    const names = Object.keys(MUTATORS);
    const tally: Record<string, { harmless: number; failed: number }> = Object.fromEntries(names.map((n) => [n, { harmless: 0, failed: 0 }]));
    const kinds = new Set<string>();
    for (let i = 0; i < FILES; i++) {
      const name = names[i % names.length];
      const base = bases[Math.floor(i / names.length) % bases.length];
      const { json, data } = MUTATORS[name](base, r);
      const bytes = (typeof json === 'string' ? json.length : JSON.stringify(json)?.length ?? 0) + data.length;
      const before = lp.memory();
      engine.k.arena_reset_peak();
      try {
        lp.io.fromTfjsLayers(json as lp.io.TfjsModelJson, data).dispose();
        tally[name].harmless++;
      } catch (e) {
        assert.ok(e instanceof Error && e.constructor === Error, `${name} #${i}: not a plain Error: ${String(e)}`);
        assert.ok(e.message.startsWith('io.fromTfjsLayers: '), `${name} #${i}: ${e.message}`);
        assert.doesNotMatch(e.message, INTERNAL, `${name} #${i}`);
        kinds.add(e.message.replace(/'[^']*'|"[^"]*"/g, '…').replace(/\d+/g, 'N').slice(0, 70));
        tally[name].failed++;
      }
      const grew = lp.memory().peakBytes - before.numBytes;
      assert.ok(grew <= PEAK_FACTOR * bytes + PEAK_SLACK, `${name} #${i}: the peak grew by ${grew} bytes for ${bytes} bytes of input`);
      const after = lp.memory();
      assert.equal(after.numTensors, before.numTensors, `${name} #${i}: tensors leaked`);
      assert.equal(after.numBytes, before.numBytes, `${name} #${i}: bytes leaked`);
    }
    if (process.env.TFJS_FUZZ_DUMP) console.log([...kinds].sort().join('\n'));
    console.log(`tfjs layers fuzz: ${FILES} files; per mutator ${JSON.stringify(tally)}; ${kinds.size} kinds of message`);
    for (const n of names) assert.ok(tally[n].failed > 0, `${n} never failed`);
  });
});
