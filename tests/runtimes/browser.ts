// What the browser smoke tests share (chromium.test.ts, firefox.test.ts): serve the repository on
// 127.0.0.1 (server.ts), open page.html with the build the browser must pick and the same-seed
// reference hash, read what the page reports, and register one node:test test per check so that
// runners count them like the others. Each browser's file only launches its browser and opens
// the page (playwright-core for Chromium, puppeteer-core over WebDriver BiDi for Firefox).
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './server.js';
import { checksFor } from './checks.js';
import { readReferenceHash } from './reference_hash.js';
import { seededFitHashOnSimd } from './seeded_fit.js';

export interface Result { name: string; ok: boolean; error?: string; notes: string[] }
export interface PageOutput { results: Result[]; loadError?: string }
declare global { interface Window { __results?: Result[]; __loadError?: string } }

/**
 * Opens url in a freshly launched browser, waits (up to timeoutMs) for window.__results and
 * returns the page's output, pushing page errors, console errors and HTTP statuses >= 400 onto
 * problems as they come; closes the browser.
 */
export type OpenPage = (url: string, problems: string[], timeoutMs: number) => Promise<PageOutput>;

const root = fileURLToPath(new URL('../..', import.meta.url));
const PAGE_TIMEOUT_MS = 120_000;

/**
 * The reference for the same-seed check: the Node SIMD128 run's hash from LEPTON_WEIGHTS_HASH_FILE
 * (tests/run-all.sh), or, run alone, computed here by Node on the SIMD128 build in a worker.
 */
async function referenceHash(): Promise<string> {
  return readReferenceHash() ?? (await seededFitHashOnSimd()).hash;
}

async function runPage(build: 'simd' | 'relaxed', entry: Entry, open: OpenPage): Promise<Result[]> {
  const problems: string[] = [];
  const server = await serveStatic(root);
  try {
    const query = new URLSearchParams({ build, entry, weightsHash: await referenceHash() });
    const { results, loadError } = await open(`${server.origin}/tests/runtimes/page.html?${query}`, problems, PAGE_TIMEOUT_MS);
    if (loadError !== undefined) throw new Error(loadError);
    return results;
  } catch (e) {
    throw new Error([(e as Error).message, ...problems].join('\n'));
  } finally {
    await server.close();
  }
}

/** Which package entry the page imports: dist/index.js ('full') or dist/core.js ('core'). */
export type Entry = 'full' | 'core';

/**
 * Runs the smoke page in one browser with one entry and registers its tests, named
 * `${browser} [${build}]: ${check}` (`[${build}, core entry]` for the core entry, which skips the
 * checks marked full).
 */
export async function browserSmoke(browser: string, expectedBuild: 'simd' | 'relaxed', open: OpenPage, entry: Entry = 'full'): Promise<void> {
  const outcome = await runPage(expectedBuild, entry, open).then((results) => ({ results, error: null }),
    (error: Error) => ({ results: [] as Result[], error }));
  const tag = entry === 'core' ? `${expectedBuild}, core entry` : expectedBuild;
  for (const check of checksFor(entry)) {
    const name = `${browser} [${tag}]: ${check.name}`;
    test(name, () => {
      if (outcome.error) throw outcome.error;
      const r = outcome.results.find((x) => x.name === check.name);
      if (r === undefined) throw new Error('the page reported no result for this check');
      for (const note of r.notes) console.log(`${browser} [${tag}]: ${note}`);
      if (!r.ok) throw new Error(r.error);
    });
  }
}
