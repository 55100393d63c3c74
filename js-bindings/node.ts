// The Node/Deno/Bun entry of lepton-wasm: the core API plus the helpers that read files.
// (The core build has no Node types on purpose, see data/mnist_node.ts; `npm run typecheck`
// checks this import against @types/node.)
// @ts-ignore: Node types are not part of the core build
import { readFile, stat, writeFile } from 'node:fs/promises';
import { load, save, type SaveOptions } from './io/index.js';
import type { LayersModel } from './models/model.js';

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
