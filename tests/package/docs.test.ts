// `npm run docs`, checked: TypeDoc (typedoc.json) turns the types and doc comments of the three
// public entries into an HTML reference. Here it runs with the same configuration into a temporary
// folder with warnings treated as errors (a symbol a public signature uses but the reference
// leaves out, a broken {@link}, a bad TSDoc tag: each fails), and the key symbols of each entry
// must have a page that carries their doc comment.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
const out = mkdtempSync(join(tmpdir(), 'lepton-docs-'));

// [page under out, a word its doc comment contains]: the words come from the comments in
// js-bindings/, so a page that lost its comment (or a symbol that lost its page) fails.
const PAGES: [string, string][] = [
  ['functions/index.ready.html', 'Loads the kernels'],
  ['functions/index.tidy.html', 'frees every tensor'],
  ['classes/index.Tensor.html', 'linear memory'],
  ['functions/index.matMul.html', 'batch dimensions'],
  ['functions/index.conv2d.html', 'convolution'],
  ['functions/index.sequential.html', 'list of layers'],
  ['functions/core.model.html', 'functional model'],
  ['classes/index.LayersModel.html', 'graph of layers'],
  ['interfaces/index.FitArgs.html', 'Samples per gradient step'],
  ['functions/index.quantize.html', 'Post-training quantization'],
  ['functions/index.prune.html', 'magnitude pruning'],
  ['functions/index.io.save.html', 'model file'],
  ['functions/index.io.load.html', 'io.load'],
  ['functions/node.loadModelFile.html', 'maxBytes'],
  ['functions/onnx.fromOnnx.html', 'ONNX model'],
  ['functions/onnx.toOnnx.html', 'ONNX'],
];

describe('npm run docs (TypeDoc API reference)', () => {
  let log = '';
  before(async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath,
      [typedoc, '--out', out, '--treatWarningsAsErrors', '--logLevel', 'Warn'],
      { cwd: root, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } });
    log = stdout + stderr;
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('runs with no error and no warning', () => {
    assert.doesNotMatch(log, /\[(warning|error)\]/i, log);
    assert.ok(existsSync(join(out, 'index.html')), 'no index.html');
  });

  it('has one module per entry: full (index), core, node, onnx', () => {
    for (const m of ['index', 'core', 'node', 'onnx']) assert.ok(existsSync(join(out, 'modules', `${m}.html`)), `modules/${m}.html`);
  });

  for (const [page, word] of PAGES) {
    it(`${page} carries its doc comment`, () => {
      const file = join(out, page);
      assert.ok(existsSync(file), `${page} was not generated`);
      const html = readFileSync(file, 'utf8');
      const comments = [...html.matchAll(/<div class="tsd-comment tsd-typography">([\s\S]*?)<\/div>/g)].map((m) => m[1]);
      assert.ok(comments.length > 0, `${page} has no doc comment`);
      assert.ok(comments.some((c) => c.toLowerCase().includes(word.toLowerCase())), `${page}: no comment mentions '${word}'`);
    });
  }

  it('documents the layer configs the public factories take (DenseArgs: units)', () => {
    const file = join(out, 'interfaces/index.internal.DenseArgs.html');
    assert.ok(existsSync(file), 'DenseArgs has no page');
    assert.match(readFileSync(file, 'utf8'), /units/);
  });
});
