// The smoke checks (tests/runtimes/checks.js) in headless Chromium: Debian's `chromium` driven
// by playwright-core (never `playwright install`: nothing is downloaded); browser.ts serves and
// reads page.html. Chromium validates relaxed SIMD by default: the page must pick the relaxed build.
import { execSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { browserSmoke } from './browser.js';

await browserSmoke('chromium', 'relaxed', async (url, problems, timeout) => {
  const browser = await chromium.launch({
    executablePath: execSync('command -v chromium', { encoding: 'utf8' }).trim(), headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
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
});
