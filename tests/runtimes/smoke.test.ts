// The every-runtime smoke suite: the shared checks of tests/runtimes/checks.js against the built
// package entry (dist/index.js, `npm run build`), with node:test + node:assert only, so that
// Node, Deno (`deno test`) and Bun (`bun test`) all run this file unchanged. Each runtime must
// pick its build: Node with --experimental-wasm-relaxed-simd, Deno and Bun get 'relaxed';
// Node without the flag gets 'simd'. Chromium and Firefox run the same checks through page.html.
//
// The same-seed check: with LEPTON_WEIGHTS_HASH_FILE set (tests/run-all.sh), the Node run on the
// SIMD128 build writes its weights hash there and every later runtime compares with it.
import { test } from 'node:test';
import process from 'node:process';
// @ts-types="../../js-bindings/index.ts"
import * as lp from '../../dist/index.js';
import { checks } from './checks.js'; // (typed by checks.d.ts for tsc; Deno infers the JS)
// @ts-types="./reference_hash.d.ts"
import { hashFile, readReferenceHash, writeReferenceHash } from './reference_hash.js';

type Runtime = 'deno' | 'bun' | 'node';
const runtime: Runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const expectedBuild = runtime !== 'node' || process.execArgv.includes('--experimental-wasm-relaxed-simd')
  ? 'relaxed' : 'simd';

// (Deno reads the environment only with --allow-env: ask only where the answer is needed.)
const writeTo = runtime === 'node' && expectedBuild === 'simd' ? hashFile() : undefined;
const host = {
  log: (line: string) => console.log(`${runtime} [${expectedBuild}]: ${line}`),
  referenceHash: readReferenceHash,
  entry: 'full' as const,
  ...(writeTo !== undefined ? { writeReferenceHash: (hash: string) => writeReferenceHash(writeTo, hash) } : {}),
};

// Top-level tests only (no describe): every runner then counts one test per check.
for (const check of checks) {
  test(`${runtime} [${expectedBuild}]: ${check.name}`, async () => {
    await check.run(lp, expectedBuild, host);
  });
}
