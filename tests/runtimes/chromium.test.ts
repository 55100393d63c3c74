// The smoke checks (tests/runtimes/checks.js) in headless Chromium: Debian's `chromium` driven
// by playwright-core (never `playwright install`: nothing is downloaded), page.html served from
// 127.0.0.1 by server.ts. One node:test test per check, so runners count them like the others.
// Chromium validates relaxed SIMD by default: the page must pick the relaxed build.
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './launch_chromium.js';
import { serveStatic } from './server.js';
import { checks } from './checks.js';

interface Result { name: string; ok: boolean; error?: string }
declare global { interface Window { __results?: Result[]; __loadError?: string } }

const EXPECTED_BUILD = 'relaxed';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs page.html in Chromium; returns its results, or throws with everything the page said. */
async function runPage(): Promise<Result[]> {
  const server = await serveStatic(root);
  const problems: string[] = [];
  try {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
      page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
      await page.goto(`${server.origin}/tests/runtimes/page.html?build=${EXPECTED_BUILD}`);
      await page.waitForFunction(() => window.__results !== undefined, undefined, { timeout: 60_000 });
      const { results, loadError } = await page.evaluate(() => ({ results: window.__results!, loadError: window.__loadError }));
      if (loadError !== undefined) throw new Error(loadError);
      return results;
    } finally {
      await browser.close();
    }
  } catch (e) {
    throw new Error([(e as Error).message, ...problems].join('\n'));
  } finally {
    await server.close();
  }
}

const outcome = await runPage().then((results) => ({ results, error: null }),
  (error: Error) => ({ results: [] as Result[], error }));

for (const check of checks) {
  test(`chromium [${EXPECTED_BUILD}]: ${check.name}`, () => {
    if (outcome.error) throw outcome.error;
    const r = outcome.results.find((x) => x.name === check.name);
    if (r === undefined) throw new Error('the page reported no result for this check');
    if (!r.ok) throw new Error(r.error);
  });
}
