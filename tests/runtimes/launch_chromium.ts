// Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core (never
// `playwright install`: nothing is downloaded), with its background services off so that it
// makes no requests of its own.
import { execSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  const executablePath = execSync('command -v chromium', { encoding: 'utf8' }).trim();
  return chromium.launch({
    executablePath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
