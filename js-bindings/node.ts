// The Node/Deno/Bun entry of lepton-wasm: the core API plus the helpers that read files.
// (The core build has no Node types on purpose, see data/mnist_node.ts; `npm run typecheck`
// checks this import against @types/node.)
// @ts-ignore: Node types are not part of the core build
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { load, save, type SaveOptions } from './io/index.js';
import type { LayersModel } from './models/model.js';
import { fromTfjsLayers, shardPaths, toTfjsLayers, type TfjsModelJson, type ToTfjsOptions } from './io/tfjs_layers.js';

export * from './index.js';
export { loadMnist } from './data/mnist_node.js';
export { loadSpamAssassin, loadFemaleFirstNames } from './data/text_node.js';

/** Writes io.save(model, opts) to path. */
export async function saveModelFile(model: unknown, path: string | URL, opts?: SaveOptions): Promise<void> {
  await writeFile(path, save(model, opts));
}

/** Loads a model file; refuses files over maxBytes (default 512 MiB) before reading them. */
export async function loadModelFile<M = LayersModel>(path: string | URL, opts: { maxBytes?: number } = {}): Promise<M> {
  const max = opts.maxBytes ?? 512 * 1024 * 1024;
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`loadModelFile: ${String(path)} is not a file`);
  if (info.size > max) throw new Error(`loadModelFile: ${String(path)} is ${info.size} bytes, more than maxBytes ${max}`);
  return load<M>(await readFile(path));
}

/**
 * Loads a TF.js / Keras layers model from its model.json file and the weight shards beside it;
 * refuses more than maxBytes in all (default 512 MiB), checking each file's size before reading it.
 */
export async function loadTfjsLayersFile(path: string, opts: { maxBytes?: number } = {}): Promise<LayersModel> {
  const op = 'loadTfjsLayersFile';
  let left = opts.maxBytes ?? 512 * 1024 * 1024;
  const read = async (file: string): Promise<Uint8Array> => {
    const info = await stat(file);
    if (!info.isFile()) throw new Error(`${op}: ${file} is not a file`);
    if (info.size > left) throw new Error(`${op}: ${file} (${info.size} bytes) takes the model past maxBytes`);
    left -= info.size;
    return readFile(file);
  };
  const text = new TextDecoder().decode(await read(path));
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${op}: ${path} is not JSON (${(e as Error).message.slice(0, 100)})`);
  }
  if (json === null || typeof json !== 'object') throw new Error(`${op}: ${path} is not a model.json object`);
  const dir = path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const shards: Uint8Array[] = [];
  for (const p of shardPaths(json, op)) shards.push(await read(dir + p));
  return fromTfjsLayers(json as unknown as TfjsModelJson, shards);
}

/** Writes the model in the TF.js layers format: dir/model.json and dir/weights.bin (tf.loadLayersModel reads them). */
export async function saveTfjsLayersFiles(model: LayersModel, dir: string, opts?: ToTfjsOptions): Promise<void> {
  const { modelJson, weightData } = toTfjsLayers(model, opts);
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}/model.json`, JSON.stringify(modelJson));
  await writeFile(`${dir}/weights.bin`, new Uint8Array(weightData));
}
