// The README's snippets stay true: every ```ts block that imports 'lepton-wasm',
// 'lepton-wasm/core' or 'lepton-wasm/node' by name is written to a scratch project (where node_modules/lepton-wasm
// links to this checkout, as an install would place it), type-checked with the repo's tsc
// (strict, the package's own typings) and run with tsx; each must exit 0. Blocks that need a
// bundler, an edge worker or a model file from elsewhere (.wasm imports, ONNX) are not of that
// form and are left out. Needs `npm run build` (dist/ and build/).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'lepton-readme-'));

/** The runnable snippets: [name from the nearest heading, code]. */
function snippets(markdown: string): [string, string][] {
  const out: [string, string][] = [];
  let heading = 'top';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{2,3} (.*)$/.exec(lines[i]);
    if (h) heading = h[1];
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    const code = lines.slice(i + 1, end).join('\n');
    if (/^import \* as lp from 'lepton-wasm(\/node|\/core)?';/m.test(code) && !/from '[^']*\.wasm/.test(code)) {
      out.push([`${heading} #${out.filter(([n]) => n.startsWith(heading)).length + 1}`, code]);
    }
    i = end;
  }
  return out;
}

const blocks = snippets(readFileSync(join(root, 'README.md'), 'utf8'));
const file = (i: number) => join(scratch, `snippet${i}.ts`);

describe('README snippets', () => {
  before(() => {
    mkdirSync(join(scratch, 'node_modules'));
    symlinkSync(root, join(scratch, 'node_modules', 'lepton-wasm'), 'dir');
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    blocks.forEach(([, code], i) => writeFileSync(file(i), code + '\n'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds the tour snippets (Use, Deploy, TF.js, Training, Data, Sequence, Text, Model files, Edge deployment)', () => {
    const names = blocks.map(([n]) => n).join(' | ');
    for (const h of ['Use', 'Deploy', 'Coming from TensorFlow.js', 'Training', 'Data', 'Sequence models', 'Text',
      'Model files', 'Edge deployment']) {
      assert.ok(blocks.some(([n]) => n.startsWith(h)), `no runnable snippet under '${h}' (found: ${names})`);
    }
  });

  it('type-check (strict) against the package typings', async () => {
    const args = [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck',
      '--module', 'esnext', '--target', 'es2022', '--moduleResolution', 'bundler',
      '--typeRoots', join(root, 'node_modules/@types'), '--types', 'node', ...blocks.map((_, i) => file(i))];
    const result = await run(process.execPath, args, { cwd: scratch }).catch((e) => e);
    assert.equal(result.code ?? 0, 0, `tsc:\n${result.stdout}${result.stderr}\n(${blocks.map(([n], i) => `snippet${i}: ${n}`).join(', ')})`);
  });

  const tsx = import.meta.resolve('tsx');
  blocks.forEach(([name], i) => {
    it(`runs: ${name}`, async () => {
      const result = await run(process.execPath, ['--import', tsx, file(i)], { cwd: scratch, maxBuffer: 16 << 20 })
        .catch((e) => e);
      assert.equal(result.code ?? 0, 0, `${name} exited with ${result.code}:\n${result.stderr}`);
    });
  });
});
