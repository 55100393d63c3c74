// Panel 2: starts train_worker.js, plots each batch as it arrives (chart.js), lists the epochs
// with their validation accuracy, and shows lp.plot.historySvg of the finished run.
import { drawChart } from './chart.js';

/**
 * @typedef {{status: 'loading' | 'ready' | 'running' | 'done' | 'error', build: string | null,
 *   batches: import('./chart.js').BatchPoint[], epochs: Record<string, number>[], stopped: boolean, error: string | null}} TrainingState
 */

// ?epochs=N in the page's URL changes the run's length (the test makes it long, to stop it).
const epochsParam = Number(new URLSearchParams(location.search).get('epochs'));
const SETTINGS = { epochs: Number.isInteger(epochsParam) && epochsParam > 0 ? epochsParam : 5, batchSize: 32, learningRate: 0.003 };

/** @param {TrainingState} state  updated as the worker reports */
export function trainPanel(state) {
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const chart = /** @type {HTMLCanvasElement} */ ($('chart'));
  const trainButton = /** @type {HTMLButtonElement} */ ($('train'));
  const stopButton = /** @type {HTMLButtonElement} */ ($('stop'));
  const status = $('train-status');
  let batchesPerEpoch = 1, drawPending = false;
  // The x axis reaches to the end of the current epoch, so that a long run stays readable.
  const redraw = () => {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      const last = state.batches.length === 0 ? 0 : state.batches[state.batches.length - 1].step + 1;
      const epochs = Math.min(SETTINGS.epochs, Math.max(1, Math.ceil(last / batchesPerEpoch)));
      drawChart(chart, state.batches, epochs * batchesPerEpoch, `batch (${batchesPerEpoch} an epoch; epoch ${epochs} of ${SETTINGS.epochs})`);
    });
  };
  /** @param {string} text @param {boolean} [error] */
  const say = (text, error = false) => { status.textContent = text; status.classList.toggle('error', error); };

  const worker = new Worker(new URL('./train_worker.js', import.meta.url), { type: 'module' });
  trainButton.disabled = true;
  say('loading the digits…');
  worker.onerror = (e) => { state.status = 'error'; state.error = e.message; say(`worker: ${e.message}`, true); };
  worker.onmessage = ({ data }) => {
    if (data.type === 'ready') {
      Object.assign(state, { status: 'ready', build: data.build });
      trainButton.disabled = false;
      say(`${data.train} training and ${data.test} validation digits, ${data.build} build`);
      batchesPerEpoch = Math.ceil(data.train / SETTINGS.batchSize);
      redraw();
    } else if (data.type === 'batch') {
      state.batches.push({ step: data.step, loss: data.loss, acc: data.acc });
      say(`epoch ${data.epoch + 1}/${SETTINGS.epochs}, batch ${data.step + 1}: loss ${data.loss.toFixed(3)}`);
      redraw();
    } else if (data.type === 'epoch') {
      state.epochs.push(data);
      const line = document.createElement('div');
      line.textContent = `epoch ${data.epoch + 1}: loss ${data.loss.toFixed(3)}, accuracy ${(data.acc * 100).toFixed(1)}%; ` +
        `validation loss ${data.val_loss.toFixed(3)}, accuracy ${(data.val_acc * 100).toFixed(1)}%`;
      $('epochs').prepend(line);  // newest first
    } else if (data.type === 'done') {
      Object.assign(state, { status: 'done', stopped: data.stopped });
      trainButton.disabled = false;
      stopButton.disabled = true;
      say(data.stopped ? 'stopped' : 'done');
      $('history').innerHTML = data.svg;  // lp.plot.historySvg: markup made by Lepton from numbers
    } else if (data.type === 'error') {
      Object.assign(state, { status: 'error', error: data.message });
      trainButton.disabled = false;
      say(data.message, true);
    }
  };
  trainButton.addEventListener('click', () => {
    Object.assign(state, { status: 'running', batches: [], epochs: [], stopped: false, error: null });
    $('epochs').textContent = '';
    $('history').textContent = '';
    trainButton.disabled = true;
    stopButton.disabled = false;
    worker.postMessage({ type: 'start', ...SETTINGS });
    redraw();
  });
  stopButton.addEventListener('click', () => worker.postMessage({ type: 'stop' }));
}
