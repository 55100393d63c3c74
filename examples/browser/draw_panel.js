// Panel 1: a canvas to draw on (mouse, pen or touch through pointer events) and the int8 MNIST
// model's probabilities as ten bars, updated when a stroke ends and at most every 100 ms while
// drawing. The ink is the canvas's alpha channel; preprocess.js makes it an MNIST image.
import { toMnist } from './preprocess.js';

/** @typedef {typeof import('../../dist/core.js')} Lepton */
/** @typedef {{digit: number, probabilities: number[]}} Prediction */

const THROTTLE_MS = 100;

/**
 * @param {Lepton} lp
 * @param {import('../../dist/core.js').QuantizedModel} model
 * @param {{prediction: Prediction | null, predictions: number}} state  updated after every classification
 */
export function drawPanel(lp, model, state) {
  const pad = /** @type {HTMLCanvasElement} */ (document.getElementById('pad'));
  const preview = /** @type {HTMLCanvasElement} */ (document.getElementById('digit28'));
  const guess = /** @type {HTMLElement} */ (document.getElementById('guess'));
  const ctx = /** @type {CanvasRenderingContext2D} */ (pad.getContext('2d', { willReadFrequently: true }));
  const bars = makeBars(/** @type {HTMLElement} */ (document.getElementById('bars')));

  // About 1/12 of the pad: a digit drawn most of the pad's height ends 2-3 pixels wide at 28x28, as in MNIST.
  ctx.lineWidth = pad.width / 12;
  ctx.lineCap = ctx.lineJoin = 'round';
  ctx.strokeStyle = ctx.fillStyle = '#111';

  const classify = () => {
    const { data } = ctx.getImageData(0, 0, pad.width, pad.height);
    const ink = new Float32Array(pad.width * pad.height);
    for (let i = 0; i < ink.length; i++) ink[i] = data[4 * i + 3] / 255;
    const image = toMnist(ink, pad.width, pad.height);
    showPreview(preview, image);
    if (image === null) {
      state.prediction = null;
      bars.show(null);
      guess.textContent = '';
      return;
    }
    const probabilities = Array.from(lp.tidy(() => model.predict(lp.tensor(image, [1, 28, 28, 1])).dataSync()));
    const digit = probabilities.indexOf(Math.max(...probabilities));
    state.prediction = { digit, probabilities };
    state.predictions++;
    bars.show(probabilities);
    guess.textContent = `${digit}`;
  };

  /** @param {PointerEvent} e */
  const at = (e) => {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)];
  };
  /** @type {number[] | null} */
  let last = null;
  let lastClassified = 0;
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.beginPath();
    ctx.arc(last[0], last[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
  });
  pad.addEventListener('pointermove', (e) => {
    if (last === null) return;
    const p = at(e);
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    last = p;
    if (e.timeStamp - lastClassified >= THROTTLE_MS) {
      lastClassified = e.timeStamp;
      classify();
    }
  });
  const end = () => {
    if (last === null) return;
    last = null;
    classify();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  /** @type {HTMLElement} */ (document.getElementById('clear')).addEventListener('click', () => {
    ctx.clearRect(0, 0, pad.width, pad.height);
    classify();
  });
  bars.show(null);
}

/** Ten rows of digit, bar and percentage. @param {HTMLElement} root */
function makeBars(root) {
  const rows = Array.from({ length: 10 }, (_, d) => {
    const label = document.createElement('span');
    label.textContent = `${d}`;
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = bar.appendChild(document.createElement('div'));
    const value = document.createElement('span');
    root.append(label, bar, value);
    return { label, bar, fill, value };
  });
  return {
    /** @param {number[] | null} p */
    show(p) {
      const top = p === null ? -1 : p.indexOf(Math.max(...p));
      rows.forEach((row, d) => {
        const v = p === null ? 0 : p[d];
        row.fill.style.width = `${(v * 100).toFixed(1)}%`;
        row.value.textContent = p === null ? '' : `${(v * 100).toFixed(1)}%`;
        for (const el of [row.label, row.bar, row.value]) el.classList.toggle('top', d === top);
      });
    },
  };
}

/** The 28x28 input, white on black like MNIST. @param {HTMLCanvasElement} canvas @param {Float32Array | null} image */
function showPreview(canvas, image) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const pixels = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = image === null ? 0 : Math.round(image[i] * 255);
    pixels.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(pixels, 0, 0);
}
