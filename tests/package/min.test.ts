// The minified bundles (dist/lepton.min.js, `lepton-wasm/min`, of the full entry, and
// dist/lepton.core.min.js, `lepton-wasm/core/min`, of the core entry; written by npm run build with
// esbuild) through the smoke path of tests/runtimes/checks.js: one file holding the engine,
// training, int8, pruning and model files must behave as its unbundled entry does, and find its
// .wasm (full or core) through its own import.meta.url (dist/ → ../build/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as fullMin from '../../dist/lepton.min.js';
import * as coreMin from '../../dist/lepton.core.min.js';
import * as full from '../../dist/index.js';
import * as core from '../../dist/core.js';
import { checksFor } from '../runtimes/checks.js';
import { readReferenceHash } from '../runtimes/reference_hash.js';

const expectedBuild = process.execArgv.includes('--experimental-wasm-relaxed-simd') ? 'relaxed' : 'simd';

// [bundle file, the bundle, its unbundled entry, which entry]
const bundles = [
  ['lepton.min.js', fullMin, full, 'full'],
  ['lepton.core.min.js', coreMin, core, 'core'],
] as const;

for (const [file, lp, unbundled, entry] of bundles) {
  const tag = `${file} [${expectedBuild}]`;
  // Under tests/run-all.sh the same-seed check compares the bundle's weights hash with the Node
  // SIMD128 smoke run's (LEPTON_WEIGHTS_HASH_FILE); run alone, with a fresh engine.
  const host = { log: (line: string) => console.log(`${tag}: ${line}`), referenceHash: readReferenceHash, entry };

  test(`${file} is one self-contained module with the same exports as dist/${entry === 'full' ? 'index' : 'core'}.js`, () => {
    const text = readFileSync(new URL(`../../dist/${file}`, import.meta.url), 'utf8');
    // A static import statement, as esbuild writes one (minified: `import{a as b}from"x";`).
    assert.doesNotMatch(text, /(^|[;}])\s*import\s*["'{*]/, 'the bundle imports another module');
    // The one dynamic import is the engine's node:fs read of file: URLs (Node, Deno, Bun only).
    const dynamic = [...text.matchAll(/\bimport\(([^)]*)\)/g)].map((m) => m[1]);
    assert.deepEqual(dynamic, ['"node:fs/promises"']);
    assert.deepEqual(Object.keys(lp).sort(), Object.keys(unbundled).sort());
    assert.notEqual(lp.Tensor, unbundled.Tensor, 'a separate copy of the engine, not a re-export');
  });

  for (const check of checksFor(entry)) {
    test(`${tag}: ${check.name}`, async () => {
      await check.run(lp as typeof full, expectedBuild, host);
    });
  }
}
