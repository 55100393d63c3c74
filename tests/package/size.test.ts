// npm run size (scripts/size.mjs) measures: every entry bundles, every figure is a real size,
// the per-file and per-function breakdowns add up to what they break down, and the core entry
// stays within a budget: 119.3 KB gzipped with its .wasm after the split and the gzip order, so 125 KB catches
// a sequence module or a large dependency slipping back in (the 100 KB is out of reach
// without taking features out; bench/README.md, "Package size", keeps the figures and says why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
// @ts-expect-error: a plain .mjs script without types
import { measure, wasmLayout } from '../../scripts/size.mjs';

interface Entry { name: string; min: number; gzip: number; brotli: number; files: [string, number][] }
interface Wasm { file: string; raw: number; gzip: number; brotli: number; layout: { sections: Record<string, number>; bodies: number[] } }
interface Report { js: Entry[]; wasm: Wasm[]; total: number; fullTotal: number; functions: [string, number][]; named: boolean }

const root = new URL('../../', import.meta.url);
const r = (await measure()) as Report;

test('every entry bundles: brotli < gzip < minified, core inside full inside node', () => {
  assert.deepEqual(r.js.map((e) => e.name),
    ['core (lepton-wasm/core)', 'full (lepton-wasm)', 'node (lepton-wasm/node)', 'onnx (lepton-wasm/onnx)']);
  for (const e of r.js) assert.ok(e.brotli > 1000 && e.brotli < e.gzip && e.gzip < e.min, `${e.name}: ${e.brotli}, ${e.gzip} of ${e.min}`);
  // The full entry re-exports the core, the node entry the full: neither can be smaller.
  assert.ok(r.js[1].min > r.js[0].min && r.js[2].min > r.js[1].min);
  // The core bundle carries none of the sequence layers, text or the TF.js layers format.
  for (const file of ['dist/layers/recurrent.js', 'dist/layers/attention.js', 'dist/data/text.js', 'dist/io/tfjs_layers.js', 'dist/plot.js']) {
    assert.ok(!r.js[0].files.some(([p]) => p === file), `${file} is in the core bundle`);
    assert.ok(r.js[1].files.some(([p]) => p === file), `${file} is not in the full bundle`);
  }
});

test('the per-file breakdown covers the bundle, biggest first, engine.js among them', () => {
  const core = r.js[0];
  const sum = core.files.reduce((s, [, n]) => s + n, 0);
  // esbuild's bytesInOutput leave out only the glue between modules.
  assert.ok(sum <= core.min && sum > 0.9 * core.min, `${sum} of ${core.min}`);
  for (let i = 1; i < core.files.length; i++) assert.ok(core.files[i - 1][1] >= core.files[i][1]);
  assert.ok(core.files.some(([p]) => p === 'dist/engine.js'));
});

test('each .wasm: the layout parser agrees with the file and with WebAssembly.Module', () => {
  for (const w of r.wasm) {
    const buf = readFileSync(new URL(w.file, root));
    assert.equal(w.raw, buf.length);
    assert.ok(w.brotli > 1000 && w.brotli < w.gzip && w.gzip < w.raw);
    // 8 bytes of header, then each section's id, size (LEB128, ≤ 5 bytes) and payload.
    const payload = Object.values(w.layout.sections).reduce((s, n) => s + n, 0);
    const nSections = Object.keys(w.layout.sections).length;
    assert.ok(payload + 8 + 2 * nSections <= w.raw && payload + 8 + 6 * nSections >= w.raw, `${payload} of ${w.raw}`);
    if (w.file.endsWith('.simd.wasm')) { // the relaxed one compiles only under a flag
      const defined = WebAssembly.Module.exports(new WebAssembly.Module(buf)).filter((e) => e.kind === 'function').length;
      assert.ok(w.layout.bodies.length >= defined, `${w.layout.bodies.length} bodies, ${defined} exported functions`);
    }
    const bodies = w.layout.bodies.reduce((s, n) => s + n, 0);
    assert.ok(bodies < w.layout.sections[10] && bodies > 0.95 * w.layout.sections[10]);
  }
  assert.throws(() => wasmLayout(Buffer.from('not wasm')), /not a wasm module/);
});

test('functions are named from the .wat; the totals are each entry + its larger .wasm', () => {
  assert.equal(r.named, true, 'build/lepton.simd.wat does not match build/lepton.simd.wasm');
  assert.ok(r.functions.some(([name]) => name.endsWith('/gemm_f32')));
  assert.deepEqual(r.wasm.map((w) => w.file), ['build/lepton.core.simd.wasm', 'build/lepton.core.relaxed.wasm',
    'build/lepton.simd.wasm', 'build/lepton.relaxed.wasm']);
  assert.equal(r.total, r.js[0].gzip + Math.max(r.wasm[0].gzip, r.wasm[1].gzip));
  assert.equal(r.fullTotal, r.js[1].gzip + Math.max(r.wasm[2].gzip, r.wasm[3].gzip));
  // The core builds are the full ones less the sequence kernels.
  assert.ok(r.wasm[0].raw < r.wasm[2].raw && r.wasm[1].raw < r.wasm[3].raw);
});

test('npm run size prints the table and the verdict', () => {
  const out = execFileSync(process.execPath, ['scripts/size.mjs'], { cwd: root, encoding: 'utf8' });
  assert.match(out, /^core \(lepton-wasm\/core\)(\s+\d+\.\d KB){3}$/m); // minified, gzip, brotli
  assert.match(out, /^core entry \+ its larger \.wasm: \d+\.\d KB gzipped \((under|OVER) the 100 KB target\); \d+\.\d KB with brotli$/m);
  assert.match(out, /^full entry \+ its larger \.wasm: \d+\.\d KB gzipped; \d+\.\d KB with brotli$/m);
  assert.match(out, /top 25 functions of \d+ \(body bytes\):/);
});

test('the core entry + its .wasm stays within its budget, well below the full entry', () => {
  const KB = 1024;
  assert.ok(r.total < 125 * KB, `core entry + .wasm: ${(r.total / KB).toFixed(1)} KB gzipped`);
  assert.ok(r.fullTotal - r.total > 25 * KB, `full ${(r.fullTotal / KB).toFixed(1)} KB vs core ${(r.total / KB).toFixed(1)} KB`);
});
