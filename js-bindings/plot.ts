// lp.plot.historySvg: the History from fit() as an SVG chart, built as a plain string (no DOM), so
// it works the same in Node, Deno, workers and pages. One panel per quantity (loss, then each
// metric) with its own y axis, since loss and accuracy live on different scales; the val_ series
// shares its quantity's panel and colour, dashed. Non-finite values (a NaN or Infinity loss) leave
// gaps in the line; a point with no finite neighbour gets a dot so it stays visible.
import type { History } from './models/fit.js';

export interface HistorySvgOptions {
  /** Width of the whole chart in px (default 640). */
  width?: number;
  /** Height of each panel in px (default 180). */
  panelHeight?: number;
  /** A title above the chart. */
  title?: string;
  /** Which quantities to plot, by name without 'val_' (default: every key, loss first). */
  metrics?: string[];
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const MARGIN = { left: 60, right: 16, top: 22, bottom: 30 };
const LEGEND_ROW = 18;
const LEGEND_ITEM_WIDTH = 150;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Coordinates with two decimals: small files, and no exponent notation in the path data. */
function fmt(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** About `count` ticks at 1, 2 or 5 × 10^k covering [lo, hi]; `integer` keeps the step ≥ 1. */
function niceTicks(lo: number, hi: number, count: number, integer: boolean): { ticks: number[]; step: number } {
  const raw = (hi - lo) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const fraction = raw / power;
  let step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(t);
  return { ticks, step };
}

function tickLabel(value: number, step: number): string {
  const decimals = Math.min(10, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return (Math.abs(value) < step * 1e-6 ? 0 : value).toFixed(decimals);
}

/** The finite range of some series, widened when flat or empty so the scale never divides by 0. */
function valueRange(series: number[][]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of series) for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo > hi) return [0, 1];
  if (lo === hi) { const pad = Math.abs(lo) * 0.1 || 1; return [lo - pad, hi + pad]; }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Path data for one series: a new 'M' after each run of non-finite values (a gap). */
function seriesPath(xs: number[], ys: (number | undefined)[], x: (e: number) => number, y: (v: number) => number): { d: string; isolated: [number, number][] } {
  const parts: string[] = [];
  const isolated: [number, number][] = [];
  let runStart = true;
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (v === undefined || !Number.isFinite(v)) { runStart = true; continue; }
    const px = fmt(x(xs[i]));
    const py = fmt(y(v));
    parts.push(`${runStart ? 'M' : 'L'}${px},${py}`);
    const next = ys[i + 1];
    if (runStart && (next === undefined || !Number.isFinite(next))) isolated.push([x(xs[i]), y(v)]);
    runStart = false;
  }
  return { d: parts.join(' '), isolated };
}

function checkOptions(opts: HistorySvgOptions): void {
  const positive = (name: string, v: unknown, min: number): void => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min)) {
      throw new Error(`historySvg: ${name} must be a finite number >= ${min}; got ${String(v)}`);
    }
  };
  positive('width', opts.width, MARGIN.left + MARGIN.right + 40);
  positive('panelHeight', opts.panelHeight, MARGIN.top + MARGIN.bottom + 20);
  if (opts.title !== undefined && typeof opts.title !== 'string') throw new Error('historySvg: title must be a string');
  if (opts.metrics !== undefined && (!Array.isArray(opts.metrics) || opts.metrics.some((m) => typeof m !== 'string'))) {
    throw new Error('historySvg: metrics must be an array of names');
  }
}

/**
 * The History from fit() (or any `{epoch, history}` of the same shape) as an SVG document: a panel
 * per quantity with loss and each metric per epoch, val_ series dashed, axes with ticks and a
 * legend. Plain string building: write it to a file, or set it as an element's innerHTML.
 */
export function historySvg(history: Pick<History, 'epoch' | 'history'>, opts: HistorySvgOptions = {}): string {
  if (history === null || typeof history !== 'object' || !Array.isArray(history.epoch) ||
      history.history === null || typeof history.history !== 'object') {
    throw new Error('historySvg: expected the History from fit() ({epoch: number[], history: {name: number[]}})');
  }
  checkOptions(opts);
  const epochs = history.epoch.map((e) => e + 1); // shown 1-based, as the progress bar counts
  if (epochs.some((e) => !Number.isFinite(e))) throw new Error('historySvg: history.epoch must hold numbers');
  for (const [name, values] of Object.entries(history.history)) {
    if (!Array.isArray(values)) throw new Error(`historySvg: history.history.${name} is not an array`);
  }
  const baseOf = (key: string): string => key.startsWith('val_') ? key.slice(4) : key;
  const keys = Object.keys(history.history);
  let bases = [...new Set(keys.map(baseOf))].sort((a, b) => Number(b === 'loss') - Number(a === 'loss'));
  if (opts.metrics !== undefined) {
    for (const m of opts.metrics) if (!bases.includes(m)) throw new Error(`historySvg: no '${m}' in the history (has ${bases.join(', ')})`);
    bases = opts.metrics;
  }
  const width = opts.width ?? 640;
  const panelHeight = opts.panelHeight ?? 180;
  const series = bases.flatMap((base, i) => [base, `val_${base}`].filter((k) => k in history.history)
    .map((key) => ({ key, base, color: PALETTE[i % PALETTE.length], dashed: key !== base })));

  const perRow = Math.max(1, Math.floor((width - MARGIN.left) / LEGEND_ITEM_WIDTH));
  const titleHeight = opts.title !== undefined ? 24 : 0;
  const legendHeight = Math.ceil(series.length / perRow) * LEGEND_ROW + 6;
  const top = titleHeight + legendHeight;
  const height = top + Math.max(1, bases.length) * panelHeight;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (opts.title !== undefined) out.push(`<text x="${fmt(width / 2)}" y="17" text-anchor="middle" font-size="14">${escapeXml(opts.title)}</text>`);

  out.push('<g class="legend">');
  series.forEach((s, i) => {
    const lx = MARGIN.left + (i % perRow) * LEGEND_ITEM_WIDTH;
    const ly = titleHeight + Math.floor(i / perRow) * LEGEND_ROW + 12;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
      `<text x="${lx + 30}" y="${ly}">${escapeXml(s.key)}</text>`);
  });
  out.push('</g>');

  const xLo = epochs.length > 0 ? Math.min(...epochs) : 1;
  const xHi = epochs.length > 0 ? Math.max(...epochs) : 1;
  const [xMin, xMax] = xLo === xHi ? [xLo - 1, xHi + 1] : [xLo, xHi];
  const plotLeft = MARGIN.left;
  const plotRight = width - MARGIN.right;
  const x = (e: number): number => plotLeft + (e - xMin) / (xMax - xMin) * (plotRight - plotLeft);
  const xTicks = niceTicks(xMin, xMax, Math.min(10, Math.max(1, Math.floor((plotRight - plotLeft) / 50))), true);

  bases.forEach((base, p) => {
    const panelTop = top + p * panelHeight + MARGIN.top;
    const panelBottom = top + (p + 1) * panelHeight - MARGIN.bottom;
    const mine = series.filter((s) => s.base === base);
    const [yMin, yMax] = valueRange(mine.map((s) => history.history[s.key]));
    const y = (v: number): number => panelBottom - (v - yMin) / (yMax - yMin) * (panelBottom - panelTop);
    const yTicks = niceTicks(yMin, yMax, 5, false);
    out.push(`<g class="panel" data-metric="${escapeXml(base)}">`,
      `<text x="${plotLeft}" y="${fmt(panelTop - 6)}" font-weight="bold">${escapeXml(base)}</text>`,
      `<rect x="${plotLeft}" y="${fmt(panelTop)}" width="${fmt(plotRight - plotLeft)}" height="${fmt(panelBottom - panelTop)}" fill="none" stroke="#999"/>`);
    for (const t of yTicks.ticks) {
      const ty = fmt(y(t));
      out.push(`<line x1="${plotLeft - 4}" y1="${ty}" x2="${plotRight}" y2="${ty}" stroke="#e5e5e5"/>`,
        `<text x="${plotLeft - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${tickLabel(t, yTicks.step)}</text>`);
    }
    for (const t of xTicks.ticks) {
      const tx = fmt(x(t));
      out.push(`<line x1="${tx}" y1="${fmt(panelBottom)}" x2="${tx}" y2="${fmt(panelBottom + 4)}" stroke="#999"/>`,
        `<text x="${tx}" y="${fmt(panelBottom + 15)}" text-anchor="middle">${tickLabel(t, xTicks.step)}</text>`);
    }
    out.push(`<text x="${fmt((plotLeft + plotRight) / 2)}" y="${fmt(panelBottom + 27)}" text-anchor="middle" fill="#555">epoch</text>`);
    for (const s of mine) {
      const { d, isolated } = seriesPath(epochs, history.history[s.key], x, y);
      out.push(`<path data-series="${escapeXml(s.key)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
      for (const [cx, cy] of isolated) out.push(`<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="2.5" fill="${s.color}"/>`);
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
