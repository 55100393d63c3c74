// npm run serve: the browser demo (examples/browser/index.html) on http://127.0.0.1:PORT. Makes
// the int8 model and the training digits first when generated/ lacks them or they are older than
// make_model.ts (about 20 s on one core), then serves examples/browser/, dist/ and build/ and
// nothing else.
//
//   npm run serve [-- --port N]     (default 8080; 0 picks a free port)
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../tests/runtimes/server.js';
import { DIGITS_FILE, GENERATED_DIR, MODEL_FILE, makeDemoFiles } from './make_model.js';

/** The demo's files, made first when missing; resolves to the page's URL. */
export async function serveDemo(port: number): Promise<{ url: string; close: () => Promise<void> }> {
  // Made again when make_model.ts changed since (a different network or data would not match).
  const recipe = statSync(fileURLToPath(new URL('./make_model.ts', import.meta.url))).mtimeMs;
  const current = (file: string) => existsSync(join(GENERATED_DIR, file)) && statSync(join(GENERATED_DIR, file)).mtimeMs >= recipe;
  if (!current(MODEL_FILE) || !current(DIGITS_FILE)) await makeDemoFiles();
  const root = fileURLToPath(new URL('../..', import.meta.url));
  for (const built of ['dist/index.js', 'build/lepton.simd.wasm']) {
    if (!existsSync(join(root, built))) throw new Error(`serve: ${built} is missing; run npm run build first`);
  }
  const server = await serveStatic(root, { only: ['examples/browser', 'dist', 'build'], port });
  return { url: `${server.origin}/examples/browser/`, close: server.close };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const port = i >= 0 ? Number(process.argv[i + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`serve: --port must be 0-65535, got ${process.argv[i + 1]}`);
  const { url } = await serveDemo(port);
  console.log(`Lepton browser demo: ${url}   (Ctrl+C stops)`);
}
