// The browser demo (examples/browser/) in headless Chromium: served as `npm run serve` serves it
// (making the int8 model first when it is missing), the page loaded, digits drawn on the canvas
// with mouse events and their predicted class checked, the training panel's worker run for a
// few dozen batches (the loss must fall), a screenshot saved, and every request the page and
// its worker made checked to stay on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './launch_chromium.js';
import { serveDemo } from '../../examples/browser/serve.js';

interface DemoState {
  status: string; error: string | null; build: string | null;
  prediction: { digit: number; probabilities: number[] } | null; predictions: number;
  training: { status: string; error: string | null; batches: { step: number; loss: number; acc: number }[]; epochs: unknown[]; stopped: boolean };
}
declare global { interface Window { demo: DemoState } }

/** Strokes of a digit in fractions of the pad (0..1), each a polyline. */
const SHAPES: Record<number, [number, number][][]> = {
  1: [[[0.52, 0.14], [0.48, 0.86]]],
  7: [[[0.26, 0.18], [0.74, 0.18], [0.44, 0.86]]],
  0: [Array.from({ length: 33 }, (_, i): [number, number] =>
    [0.5 + 0.2 * Math.sin((2 * Math.PI * i) / 32), 0.5 - 0.33 * Math.cos((2 * Math.PI * i) / 32)])],
};

/** Far more than the test waits for: training is still running when the test stops it. */
const EPOCHS = 1000;
const screenshotFile = join(process.env.SCREENSHOT_DIR ?? tmpdir(), 'lepton-browser-demo.png');
let browser: Browser, page: Page, close: () => Promise<void>, url: string;
const requests: string[] = [];
const problems: string[] = [];

const state = () => page.evaluate(() => window.demo);

/** Clears the pad, draws the digit's strokes with the mouse and returns the final prediction. */
async function draw(digit: number): Promise<number> {
  await page.click('#clear');
  const box = await page.locator('#pad').boundingBox();
  assert.ok(box, 'the pad is not on the page');
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  let before = 0;
  for (const stroke of SHAPES[digit]) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) {
      // About one mouse event per 1/25 of the pad.
      const steps = Math.max(1, Math.round(25 * Math.hypot(stroke[i][0] - stroke[i - 1][0], stroke[i][1] - stroke[i - 1][1])));
      await page.mouse.move(...at(stroke[i]), { steps });
    }
    before = (await state()).predictions;
    await page.mouse.up();
  }
  // The stroke's end classifies again (after any throttled classification while drawing).
  await page.waitForFunction((n) => window.demo.predictions > n, before, { timeout: 10_000 });
  const { prediction } = await state();
  assert.ok(prediction, 'no prediction after drawing');
  return prediction.digit;
}

describe('browser demo in headless Chromium', { timeout: 120_000 }, () => {
  before(async () => {
    ({ url, close } = await serveDemo(0));
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    context.on('request', (r) => requests.push(r.url()));
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
    await page.goto(`${url}?epochs=${EPOCHS}`);
    await page.waitForFunction(() => window.demo?.status !== 'loading', undefined, { timeout: 30_000 });
  });
  after(async () => {
    await browser?.close();
    await close?.();
  });

  test('the page loads Lepton (relaxed build) and the int8 model', async () => {
    const s = await state();
    assert.equal(s.status, 'ready', `${s.error}\n${problems.join('\n')}`);
    assert.equal(s.build, 'relaxed');
  });

  test('preprocessing gives back an MNIST test digit drawn 10x larger', async () => {
    // The last '3' of the mnist package's digits (a test digit of lp.data.mnistSplit).
    const file = createRequire(import.meta.url).resolve('mnist/src/digits/3.json');
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    const digit = data.slice(data.length - 784);
    const maxDiff = await page.evaluate(async (image) => {
      const { toMnist } = await import(new URL('./preprocess.js', location.href).href);
      const ink = new Float32Array(280 * 280).map((_, i) => image[Math.floor(i / 2800) * 28 + Math.floor((i % 280) / 10)]);
      const out: Float32Array = toMnist(ink, 280, 280);
      return Math.max(...image.map((v, i) => Math.abs(v - out[i])));
    }, digit);
    assert.ok(maxDiff < 1e-5, `largest pixel difference ${maxDiff}`);
  });

  test('training in the worker: the loss falls over the first 40 batches', async () => {
    await page.waitForFunction(() => window.demo.training.status === 'ready', undefined, { timeout: 30_000 });
    await page.click('#train');
    await page.waitForFunction(() => window.demo.training.batches.length >= 40 || window.demo.training.status === 'error',
      undefined, { timeout: 60_000 });
    const { training } = await state();
    assert.equal(training.error, null);
    const mean = (xs: { loss: number }[]) => xs.reduce((s, x) => s + x.loss, 0) / xs.length;
    const first = mean(training.batches.slice(0, 10)), last = mean(training.batches.slice(30, 40));
    console.log(`# training panel: mean loss ${first.toFixed(3)} over batches 1-10, ${last.toFixed(3)} over 31-40`);
    assert.ok(last < 0.7 * first, `loss ${first} → ${last}`);
  });

  // Drawn while the worker trains: the page's thread stays free for drawing and predicting.
  for (const digit of [1, 7, 0]) {
    test(`a drawn ${digit} is classified as ${digit} while the worker trains`, async () => {
      assert.equal(await draw(digit), digit, JSON.stringify((await state()).prediction));
      assert.equal((await state()).training.status, 'running');
    });
  }

  test('Stop ends training after that epoch\'s validation; screenshot', async () => {
    await page.click('#stop');
    await page.waitForFunction(() => ['done', 'error'].includes(window.demo.training.status), undefined, { timeout: 60_000 });
    const { training } = await state();
    assert.equal(training.status, 'done', training.error ?? '');
    assert.equal(training.stopped, true);
    assert.ok(training.epochs.length >= 1 && training.epochs.length < EPOCHS, `${training.epochs.length} epochs reported`);
    await page.screenshot({ path: screenshotFile, fullPage: true });
    console.log(`# screenshot: ${screenshotFile}`);
  });

  test('every request stayed on 127.0.0.1, and nothing failed', () => {
    assert.ok(requests.some((u) => u.endsWith('/generated/digits.bin')), "the worker's fetch was not seen");
    // The page runs on the core entry's .wasm, the training worker on the full entry's.
    assert.ok(requests.some((u) => u.endsWith('/build/lepton.core.relaxed.wasm')), 'the page did not load the core .wasm');
    assert.ok(requests.some((u) => u.endsWith('/build/lepton.relaxed.wasm')), 'the worker did not load the full .wasm');
    const outside = requests.filter((u) => !u.startsWith('data:') && new URL(u).hostname !== '127.0.0.1');
    assert.deepEqual(outside, []);
    assert.deepEqual(problems, []);
  });
});
