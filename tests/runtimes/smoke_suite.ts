// The every-runtime smoke suite, shared by its two files: smoke.test.ts (the full entry,
// dist/index.js) and smoke_core.test.ts (the core entry, dist/core.js, which skips the checks
// marked full). node:test + node:assert only, so that Node, Deno (`deno test`) and Bun (`bun
// test`) all run both files unchanged, each file in its own process (one engine per process: the
// full entry's imports would make the core one load the full .wasm). Each runtime must pick its
// build: Node with --experimental-wasm-relaxed-simd, Deno and Bun get 'relaxed'; Node without the
// flag gets 'simd'. Chromium and Firefox run the same checks through page.html.
//
// The same-seed check: with LEPTON_WEIGHTS_HASH_FILE set (tests/run-all.sh), the full entry's
// Node run on the SIMD128 build writes its weights hash there and every later run compares with it.
import { test } from 'node:test';
import process from 'node:process';
import { checksFor } from './checks.js'; // (typed by checks.d.ts for tsc; Deno infers the JS)
// @ts-types="./reference_hash.d.ts"
import { hashFile, readReferenceHash, writeReferenceHash } from './reference_hash.js';
import type { SmokeCheck } from './checks.js';

type Runtime = 'deno' | 'bun' | 'node';

/**
 * Registers one top-level test per check (no describe: every runner then counts them alike). lp
 * is the entry's module, typed by its caller (Deno types it from js-bindings/, tsc from dist/).
 */
export function smokeSuite(lp: unknown, entry: 'full' | 'core'): void {
  const runtime: Runtime = 'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : 'node';
  const expectedBuild = runtime !== 'node' || process.execArgv.includes('--experimental-wasm-relaxed-simd')
    ? 'relaxed' : 'simd';
  const tag = entry === 'core' ? `${runtime} [${expectedBuild}, core entry]` : `${runtime} [${expectedBuild}]`;
  // (Deno reads the environment only with --allow-env: ask only where the answer is needed.)
  const writeTo = entry === 'full' && runtime === 'node' && expectedBuild === 'simd' ? hashFile() : undefined;
  const host = {
    log: (line: string) => console.log(`${tag}: ${line}`),
    referenceHash: readReferenceHash,
    entry,
    ...(writeTo !== undefined ? { writeReferenceHash: (hash: string) => writeReferenceHash(writeTo, hash) } : {}),
  };
  for (const check of checksFor(entry)) {
    test(`${tag}: ${check.name}`, async () => {
      await check.run(lp as Parameters<SmokeCheck['run']>[0], expectedBuild, host);
    });
  }
}
