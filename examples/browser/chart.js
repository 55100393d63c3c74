// A live chart of training: each batch's loss (left axis) and accuracy (right axis, 0-1) on a
// canvas, raw values faint and a moving average bold, redrawn whole on each animation frame.

/** @typedef {{step: number, loss: number, acc: number}} BatchPoint */

const M = { left: 44, right: 40, top: 14, bottom: 26 };
const LOSS = '#d1495b', ACC = '#2a6fbd';

/** Exponential moving average. @param {number[]} values @param {number} alpha */
function smooth(values, alpha = 0.1) {
  /** @type {number[]} */
  const out = [];
  values.forEach((v, i) => out.push(i === 0 ? v : out[i - 1] + alpha * (v - out[i - 1])));
  return out;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {BatchPoint[]} points
 * @param {number} totalSteps  the x axis' length
 * @param {string} caption  under the x axis
 */
export function drawChart(canvas, points, totalSteps, caption) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const w = canvas.width - M.left - M.right, h = canvas.height - M.top - M.bottom;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = '11px system-ui, sans-serif';
  const maxLoss = Math.max(0.5, ...points.slice(0, 20).map((p) => p.loss));
  const x = (/** @type {number} */ step) => M.left + (w * step) / Math.max(1, totalSteps - 1);
  const yLoss = (/** @type {number} */ v) => M.top + h * (1 - Math.min(v, maxLoss) / maxLoss);
  const yAcc = (/** @type {number} */ v) => M.top + h * (1 - v);

  // Axes and ticks.
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(M.left, M.top, w, h);
  ctx.textAlign = 'right';
  ctx.fillStyle = LOSS;
  for (let i = 0; i <= 4; i++) ctx.fillText((maxLoss * i / 4).toFixed(2), M.left - 4, yLoss(maxLoss * i / 4) + 4);
  ctx.textAlign = 'left';
  ctx.fillStyle = ACC;
  for (let i = 0; i <= 4; i++) ctx.fillText(`${i * 25}%`, M.left + w + 4, yAcc(i / 4) + 4);
  ctx.fillStyle = '#666';
  ctx.textAlign = 'center';
  ctx.fillText(caption, M.left + w / 2, canvas.height - 6);
  ctx.textAlign = 'left';
  ctx.fillStyle = LOSS;
  ctx.fillText('— loss', M.left, canvas.height - 6);
  ctx.textAlign = 'right';
  ctx.fillStyle = ACC;
  ctx.fillText('accuracy —', M.left + w, canvas.height - 6);

  /** @param {number[]} values @param {(v: number) => number} y @param {string} color @param {number} width */
  const line = (values, y, color, width) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, x(points[i].step), y(v)));
    ctx.stroke();
  };
  const losses = points.map((p) => p.loss), accs = points.map((p) => p.acc);
  ctx.globalAlpha = 0.25;
  line(losses, yLoss, LOSS, 1);
  line(accs, yAcc, ACC, 1);
  ctx.globalAlpha = 1;
  line(smooth(losses), yLoss, LOSS, 2);
  line(smooth(accs), yAcc, ACC, 2);
}
