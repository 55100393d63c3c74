// The smoke checks (tests/runtimes/checks.js) in headless Chromium: Debian's `chromium` driven
// by playwright-core (launch_chromium.ts: nothing is downloaded); browser.ts serves and reads
// page.html. Chromium validates relaxed SIMD by default: the page must pick the relaxed build.
import { launchChromium } from './launch_chromium.js';
import { browserSmoke, type OpenPage } from './browser.js';

// Both entries, each in a fresh browser: the full one, then the core one on its core .wasm.
const open: OpenPage = async (url, problems, timeout) => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
    await page.goto(url);
    await page.waitForFunction(() => window.__results !== undefined, undefined, { timeout });
    return await page.evaluate(() => ({ results: window.__results!, loadError: window.__loadError }));
  } finally {
    await browser.close();
  }
};
await browserSmoke('chromium', 'relaxed', open);
await browserSmoke('chromium', 'relaxed', open, 'core');
