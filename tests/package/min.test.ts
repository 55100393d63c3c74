// The minified bundle (dist/lepton.min.js, `lepton-wasm/min`, written by npm run build with
// esbuild) through the whole smoke path of tests/runtimes/checks.js: one file holding the engine,
// training, int8, pruning and model files must behave as the unbundled entry does, and find the
// .wasm through its own import.meta.url (dist/ → ../build/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as lp from '../../dist/lepton.min.js';
import * as unbundled from '../../dist/index.js';
import { checks } from '../runtimes/checks.js';
import { readReferenceHash } from '../runtimes/reference_hash.js';

const expectedBuild = process.execArgv.includes('--experimental-wasm-relaxed-simd') ? 'relaxed' : 'simd';
// Under tests/run-all.sh the same-seed check compares the bundle's weights hash with the Node
// SIMD128 smoke run's (LEPTON_WEIGHTS_HASH_FILE); run alone, with a fresh engine.
const host = { log: (line: string) => console.log(`min bundle [${expectedBuild}]: ${line}`), referenceHash: readReferenceHash };

test('the bundle is one self-contained module with the same exports as dist/index.js', () => {
  const text = readFileSync(new URL('../../dist/lepton.min.js', import.meta.url), 'utf8');
  // A static import statement, as esbuild writes one (minified: `import{a as b}from"x";`).
  assert.doesNotMatch(text, /(^|[;}])\s*import\s*["'{*]/, 'the bundle imports another module');
  // The one dynamic import is the engine's node:fs read of file: URLs (Node, Deno, Bun only).
  const dynamic = [...text.matchAll(/\bimport\(([^)]*)\)/g)].map((m) => m[1]);
  assert.deepEqual(dynamic, ['"node:fs/promises"']);
  assert.deepEqual(Object.keys(lp).sort(), Object.keys(unbundled).sort());
  assert.notEqual(lp.Tensor, unbundled.Tensor, 'a separate copy of the engine, not a re-export');
});

for (const check of checks) {
  test(`min bundle [${expectedBuild}]: ${check.name}`, async () => {
    await check.run(lp, expectedBuild, host);
  });
}
