// Calibration: runs the f32 model on the calibration data (in batches, inside tidy) and records
// the range of every tensor the int8 model quantizes: min/max, a percentile of the values, or
// the clipping range with the least quantization MSE (both from a histogram over min/max).
import { tidy, type Tensor } from '../tensor.js';
import { slice } from '../ops/layout.js';
import type { LayersModel } from '../models/model.js';
import { addHistogram, tensorRange } from './kernels.js';
import { QMAX, QMIN } from './params.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'mse';
const BINS = 2048;
const BATCH = 32;

/** Calls visit(symbolic id, value) for the input and every node output, batch by batch, as
 *  predict runs the model (masks and recorded call options included). */
function forEachValue(model: LayersModel, x: Tensor, visit: (id: number, t: Tensor) => void): void {
  const n = x.shape[0];
  // a model whose first input axis is fixed runs on that many rows at a time: one sample for a
  // graph exported with batch 1, the whole sequence for a time-major one
  const batch = model.inputs[0].shape[0] ?? BATCH;
  for (let i = 0; i < n; i += batch) {
    tidy(() => {
      const xb = n <= batch ? x : slice(x, [i], [Math.min(batch, n - i)]);
      model.execute([xb], { training: false, onValue: visit });
    });
  }
}

/** The clipping range [lo, hi] kept by a two-sided percentile (e.g. 99.99) of a histogram. */
function percentileRange(counts: Int32Array, lo: number, hi: number, p: number): [number, number] {
  const total = counts.reduce((a, c) => a + c, 0);
  const cut = total * (1 - p / 100);
  const width = (hi - lo) / counts.length;
  let a = 0, i = 0;
  for (; i < counts.length - 1 && a + counts[i] <= cut; i++) a += counts[i];
  let b = 0, j = counts.length - 1;
  for (; j > i && b + counts[j] <= cut; j--) b += counts[j];
  return [lo + i * width, lo + (j + 1) * width];
}

/** Expected squared error of quantizing the histogram's values onto [a, b] with 128 levels. */
function quantMse(counts: Int32Array, lo: number, hi: number, a: number, b: number): number {
  const width = (hi - lo) / counts.length;
  const step = (Math.max(0, b) - Math.min(0, a)) / (QMAX - QMIN);
  let err = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    const v = lo + (i + 0.5) * width;
    const clipped = Math.min(b, Math.max(a, v));
    err += counts[i] * ((v - clipped) ** 2 + (step * step) / 12);
  }
  return err;
}

/** The range to quantize each recorded value with, by symbolic tensor id. */
export function calibrate(model: LayersModel, x: Tensor, method: CalibrationMethod, percentile: number): Map<number, [number, number]> {
  const ranges = new Map<number, [number, number]>();
  forEachValue(model, x, (id, t) => {
    const [lo, hi] = tensorRange('quantize: calibration', t);
    const r = ranges.get(id);
    ranges.set(id, r === undefined ? [lo, hi] : [Math.min(r[0], lo), Math.max(r[1], hi)]);
  });
  for (const [id, [lo, hi]] of ranges) {
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new Error(`quantize: calibration found non-finite values (range [${lo}, ${hi}]) in the model's activations`);
    }
    ranges.set(id, [lo, hi]);
  }
  if (method === 'minmax') return ranges;
  const hists = new Map<number, Int32Array>();
  forEachValue(model, x, (id, t) => {
    const [lo, hi] = ranges.get(id)!;
    if (!(hi > lo)) return;
    if (!hists.has(id)) hists.set(id, new Int32Array(BINS));
    addHistogram('quantize: calibration', t, lo, hi, hists.get(id)!);
  });
  for (const [id, counts] of hists) {
    const [lo, hi] = ranges.get(id)!;
    if (method === 'percentile') {
      ranges.set(id, percentileRange(counts, lo, hi, percentile));
    } else {
      let best: [number, number] = [lo, hi], bestErr = Infinity;
      for (let f = 0.3; f <= 1.0001; f += 0.025) {
        const cand: [number, number] = [lo * f, hi * f];
        const e = quantMse(counts, lo, hi, cand[0], cand[1]);
        if (e < bestErr) { bestErr = e; best = cand; }
      }
      ranges.set(id, best);
    }
  }
  return ranges;
}
