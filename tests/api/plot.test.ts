// lp.plot.historySvg: well-formed SVG from a real fit() History, a path per series with a point
// per finite value, val_ series dashed, gaps for NaN/Infinity, one epoch, many metrics, bad input.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as lp from '../../js-bindings/index.js';

before(async () => { await lp.ready(); });

/** A small XML well-formedness check: tags nest and close, attributes are quoted, text has no bare & or <. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let pos = 0;
  let roots = 0;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    pos = token.lastIndex;
    if (m[5] !== undefined) {
      assert.doesNotMatch(m[5].replace(/&(amp|lt|gt|quot|apos);/g, ''), /&/, 'bare & in text');
      if (stack.length === 0) assert.match(m[5], /^\s*$/, 'text outside the root element');
      continue;
    }
    const [, closing, name, attrs, selfClosing] = m;
    const attrNames = [...attrs.matchAll(/([\w:-]+)=/g)].map((a) => a[1]);
    assert.equal(new Set(attrNames).size, attrNames.length, `duplicate attribute in <${name}>`);
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClosing) { if (stack.length === 0) roots++; stack.push(name); }
    else if (stack.length === 0) roots++;
  }
  assert.equal(pos, xml.length, `not XML at offset ${pos}: ${xml.slice(pos, pos + 40)}`);
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'one root element');
}

/** The path of one series: its dash setting and the points of its path data. */
function seriesPath(svg: string, key: string): { dashed: boolean; points: [number, number][]; moves: number } {
  const m = new RegExp(`<path data-series="${key}" d="([^"]*)"([^>]*)/>`).exec(svg);
  assert.ok(m, `no path for ${key}`);
  const points = [...m[1].matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((p) => [Number(p[1]), Number(p[2])] as [number, number]);
  for (const [px, py] of points) assert.ok(Number.isFinite(px) && Number.isFinite(py));
  return { dashed: m[2].includes('stroke-dasharray'), points, moves: (m[1].match(/M/g) ?? []).length };
}

function fakeHistory(epochs: number, series: Record<string, (e: number) => number>) {
  const history: Record<string, number[]> = {};
  for (const [k, f] of Object.entries(series)) history[k] = Array.from({ length: epochs }, (_, e) => f(e));
  return { epoch: Array.from({ length: epochs }, (_, e) => e), history };
}

describe('plot.historySvg', () => {
  it('draws the History of a real fit: loss, metric and their val_ series dashed', async () => {
    const n = 32;
    const xv = new Float32Array(n * 3).map((_, i) => Math.sin(i * 1.7));
    const yv = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) yv[i * 2 + (xv[i * 3] > 0 ? 1 : 0)] = 1;
    const x = lp.tensor(xv, [n, 3]);
    const y = lp.tensor(yv, [n, 2]);
    const model = lp.sequential({ layers: [lp.layers.dense({ units: 2, activation: 'softmax', inputShape: [3] })] });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 4, batchSize: 8, validationSplit: 0.25, verbose: 0, seed: 1 });
    x.dispose(); y.dispose(); model.dispose();
    const svg = lp.plot.historySvg(history, { title: 'fit <demo> & more' });
    assertWellFormed(svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /fit &lt;demo&gt; &amp; more/);
    const keys = Object.keys(history.history);
    assert.deepEqual(keys.sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
    for (const key of keys) {
      const p = seriesPath(svg, key);
      assert.equal(p.points.length, 4, key);
      assert.equal(p.dashed, key.startsWith('val_'), key);
      assert.equal(p.moves, 1, key);
      // x grows with the epoch
      for (let i = 1; i < p.points.length; i++) assert.ok(p.points[i][0] > p.points[i - 1][0]);
      assert.ok(svg.includes(`>${key}</text>`), `legend entry for ${key}`);
    }
    // one panel per quantity, loss first, each with y ticks and epoch ticks 1..4
    assert.deepEqual([...svg.matchAll(/data-metric="([^"]+)"/g)].map((m) => m[1]), ['loss', 'acc']);
    for (const e of ['1', '2', '3', '4']) assert.ok(svg.includes(`text-anchor="middle">${e}</text>`), `x tick ${e}`);
    assert.ok((svg.match(/text-anchor="end"/g) ?? []).length >= 4, 'y tick labels');
  });

  it('handles one epoch: a point the line cannot show gets a dot', () => {
    const svg = lp.plot.historySvg(fakeHistory(1, { loss: () => 0.7, val_loss: () => 0.8 }));
    assertWellFormed(svg);
    assert.equal(seriesPath(svg, 'loss').points.length, 1);
    assert.equal(seriesPath(svg, 'val_loss').points.length, 1);
    assert.equal((svg.match(/<circle /g) ?? []).length, 2);
    assert.doesNotMatch(svg, /NaN|Infinity/);
  });

  it('leaves gaps for NaN and Infinity losses, and scales to the finite values', () => {
    const values = [2, 1.5, NaN, 1.2, Infinity, -Infinity, 1.0, 0.9];
    const svg = lp.plot.historySvg(fakeHistory(values.length, { loss: (e) => values[e] }));
    assertWellFormed(svg);
    assert.doesNotMatch(svg, /NaN|Infinity/);
    const p = seriesPath(svg, 'loss');
    assert.equal(p.points.length, values.filter(Number.isFinite).length);
    assert.equal(p.moves, 3, 'a new segment after each gap');
    // the isolated 1.2 between two gaps gets a dot
    assert.equal((svg.match(/<circle /g) ?? []).length, 1);
    const ys = p.points.map((q) => q[1]);
    assert.ok(Math.max(...ys) < 1000 && Math.min(...ys) > 0, 'points inside the chart');
    // all non-finite: an empty path, still well formed
    const empty = lp.plot.historySvg(fakeHistory(3, { loss: () => NaN }));
    assertWellFormed(empty);
    assert.equal(seriesPath(empty, 'loss').points.length, 0);
  });

  it('draws many metrics, a panel each, and picks some with opts.metrics', () => {
    const series: Record<string, (e: number) => number> = { loss: (e) => 1 / (e + 1) };
    for (let m = 0; m < 12; m++) {
      series[`m${m}`] = (e) => m * 10 + e;
      series[`val_m${m}`] = (e) => m * 10 + e * 0.5;
    }
    const svg = lp.plot.historySvg(fakeHistory(17, series), { width: 500, panelHeight: 120 });
    assertWellFormed(svg);
    assert.equal((svg.match(/class="panel"/g) ?? []).length, 13);
    for (const key of Object.keys(series)) assert.equal(seriesPath(svg, key).points.length, 17, key);
    const some = lp.plot.historySvg(fakeHistory(17, series), { metrics: ['m3'] });
    assertWellFormed(some);
    assert.equal((some.match(/<path /g) ?? []).length, 2);
  });

  it('rejects what is not a History, and bad options, with clear Errors', () => {
    const h = fakeHistory(2, { loss: () => 1 });
    assert.throws(() => lp.plot.historySvg(null as never), /^Error: historySvg: expected the History/);
    assert.throws(() => lp.plot.historySvg({ epoch: [0], history: { loss: 3 } } as never), /historySvg: history.history.loss is not an array/);
    assert.throws(() => lp.plot.historySvg(h, { width: -5 }), /historySvg: width must be a finite number/);
    assert.throws(() => lp.plot.historySvg(h, { panelHeight: NaN }), /historySvg: panelHeight/);
    assert.throws(() => lp.plot.historySvg(h, { metrics: ['acc'] }), /historySvg: no 'acc' in the history \(has loss\)/);
  });
});
