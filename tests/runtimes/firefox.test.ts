// The smoke checks (tests/runtimes/checks.js) in headless Firefox ESR: Debian's `firefox-esr`
// driven by puppeteer-core over WebDriver BiDi (no browser download: PUPPETEER_SKIP_DOWNLOAD at
// install time, the executable given); browser.ts serves and reads page.html. Firefox ESR 153
// validates relaxed SIMD (relaxed_madd fused) by default: the page must pick the relaxed build.
import { execSync } from 'node:child_process';
import puppeteer from 'puppeteer-core';
import { browserSmoke, type OpenPage } from './browser.js';

// Both entries, each in a fresh browser: the full one, then the core one on its core .wasm.
const open: OpenPage = async (url, problems, timeout) => {
  const browser = await puppeteer.launch({
    browser: 'firefox', protocol: 'webDriverBiDi', headless: true,
    executablePath: execSync('command -v firefox-esr', { encoding: 'utf8' }).trim(),
    // No update checks, telemetry or first-run pages: nothing may reach beyond 127.0.0.1.
    extraPrefsFirefox: {
      'app.update.enabled': false, 'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false,
      'network.captive-portal-service.enabled': false, 'network.connectivity-service.enabled': false,
    },
  });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
    await page.goto(url);
    await page.waitForFunction(() => window.__results !== undefined, { timeout });
    return await page.evaluate(() => ({ results: window.__results!, loadError: window.__loadError }));
  } finally {
    await browser.close();
  }
};
await browserSmoke('firefox', 'relaxed', open);
await browserSmoke('firefox', 'relaxed', open, 'core');
