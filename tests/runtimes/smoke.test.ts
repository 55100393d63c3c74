// The every-runtime smoke suite: the shared checks of tests/runtimes/checks.js against the built
// package entry (dist/index.js, `npm run build`), with node:test + node:assert only, so that
// Node, Deno (`deno test`) and Bun (`bun test`) all run this file unchanged. Each runtime must
// pick its build: Node with --experimental-wasm-relaxed-simd, Deno and Bun get 'relaxed';
// Node without the flag gets 'simd'. Chromium runs the same checks through page.html.
import { test } from 'node:test';
import process from 'node:process';
// @ts-types="../../js-bindings/index.ts"
import * as lp from '../../dist/index.js';
import { checks } from './checks.js';

type Runtime = 'deno' | 'bun' | 'node';
const runtime: Runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
const expectedBuild = runtime !== 'node' || process.execArgv.includes('--experimental-wasm-relaxed-simd')
  ? 'relaxed' : 'simd';

// Top-level tests only (no describe): every runner then counts one test per check.
for (const check of checks) {
  test(`${runtime} [${expectedBuild}]: ${check.name}`, async () => {
    await check.run(lp, expectedBuild);
  });
}
