// The browser demo's page (index.html): loads Lepton from the built core entry (dist/core.js and
// its core .wasm: all an int8 model needs) and the int8 model made by make_model.ts, then starts
// both panels (the training worker loads the full entry for its plots). window.demo holds what the panels
// show, for tests/runtimes/browser_demo.test.ts.
import * as lp from '../../dist/core.js';
import { drawPanel } from './draw_panel.js';
import { trainPanel } from './train_panel.js';

const demo = {
  /** 'loading', then 'ready' or 'error' */
  status: 'loading',
  error: /** @type {string | null} */ (null),
  build: /** @type {string | null} */ (null),
  prediction: /** @type {import('./draw_panel.js').Prediction | null} */ (null),
  predictions: 0,
  training: /** @type {import('./train_panel.js').TrainingState} */ ({ status: 'loading', build: null, batches: [], epochs: [], stopped: false, error: null }),
};
Object.assign(window, { demo });

const status = /** @type {HTMLElement} */ (document.getElementById('status'));
try {
  trainPanel(demo.training);
  await lp.ready();
  const info = lp.backendInfo();
  const model = await lp.io.loadFromUrl(new URL('./generated/mnist-int8.lepton', import.meta.url), undefined, { maxBytes: 8 << 20 });
  if (!(model instanceof lp.QuantizedModel)) throw new Error('generated/mnist-int8.lepton is not an int8 model (make_model.ts makes it)');
  drawPanel(lp, model, demo);
  demo.build = info.build;
  status.textContent = `Lepton ${info.build} build (${info.relaxedSimd ? 'relaxed SIMD' : 'SIMD128'}), ` +
    'int8 MNIST CNN loaded: draw a digit in the box.';
  demo.status = 'ready';
} catch (e) {
  demo.status = 'error';
  demo.error = e instanceof Error ? e.message : String(e);
  status.textContent = `Could not start: ${demo.error}`;
  status.classList.add('error');
}
