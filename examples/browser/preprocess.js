// A drawing → a 28x28 MNIST-style image, the way MNIST itself was made (LeCun et al.): the ink's
// bounding box scaled, aspect ratio kept, to fit a 20x20 box with anti-aliased (area-averaged)
// grey levels, then placed in the 28x28 frame so that its centre of mass is at the centre.
// Stroke width is the caller's part: the canvas draws lines about 1/12 of its width, which for a
// digit as tall as most of the canvas ends near MNIST's 2-3 pixels.

/** Ink below this (of 1) does not count towards the bounding box (stray anti-aliasing). */
const INK_THRESHOLD = 0.1;

/**
 * Area-average resampling along one axis: n source cells onto m target cells, each target cell
 * the mean of the source it covers (fractional cells by their covered fraction).
 * @param {Float32Array} src rows x n, row-major
 * @param {number} rows
 * @param {number} n
 * @param {number} m
 * @returns {Float32Array} rows x m
 */
function resampleRows(src, rows, n, m) {
  const out = new Float32Array(rows * m);
  const step = n / m;
  for (let j = 0; j < m; j++) {
    const a = j * step, b = a + step;
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      if (w <= 0) continue;
      for (let r = 0; r < rows; r++) out[r * m + j] += w * src[r * n + i];
    }
    for (let r = 0; r < rows; r++) out[r * m + j] /= step;
  }
  return out;
}

/** @param {Float32Array} src rows x cols @param {number} rows @param {number} cols */
function transpose(src, rows, cols) {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/**
 * The MNIST image of a drawing.
 * @param {ArrayLike<number>} ink width x height ink amounts in [0, 1], row-major
 * @param {number} width
 * @param {number} height
 * @returns {Float32Array | null} 784 values in [0, 1], or null when nothing is drawn
 */
export function toMnist(ink, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || ink.length !== width * height) {
    throw new Error(`toMnist: expected ${width}x${height} ink values, got ${ink.length}`);
  }
  let top = height, bottom = -1, left = width, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > INK_THRESHOLD) {
        top = Math.min(top, y); bottom = Math.max(bottom, y);
        left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  const bw = right - left + 1, bh = bottom - top + 1;
  const box = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) box[y * bw + x] = ink[(top + y) * width + left + x];

  // The longer side becomes 20 pixels (at least 1 for the other, so a '1' keeps its stroke).
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  const wide = resampleRows(box, bh, bw, tw);                                        // bh x tw
  const small = transpose(resampleRows(transpose(wide, bh, tw), tw, bh, th), tw, th);  // th x tw

  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v; cx += v * x; cy += v * y;
    }
  }
  // Where the box's top-left corner goes so that the centre of mass lands on pixel (14, 14),
  // as in the `mnist` package's digits (an upscaled digit comes back pixel for pixel); clamped
  // so that the box stays inside.
  const x0 = Math.min(28 - tw, Math.max(0, Math.round(14 - cx / mass)));
  const y0 = Math.min(28 - th, Math.max(0, Math.round(14 - cy / mass)));
  const out = new Float32Array(784);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) out[(y0 + y) * 28 + x0 + x] = Math.min(1, small[y * tw + x]);
  }
  return out;
}
