// ready({wasm}) for edge workers: the core entry (dist/core.js, so `npm run build` first) runs in
// a fresh Node process with eval / new Function refused (--disallow-code-generation-from-strings
// and poisoned globals), every import() after start-up refused by a module hook, and fetch
// removed; it is handed a WebAssembly.Module, the bytes, a {simd, relaxed} pair or a data: URL,
// then computes, trains and predicts. Bad `wasm` values give clear Errors (tests/helpers/edge_child.mjs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('../helpers/edge_child.mjs', import.meta.url));

interface Report {
  case: string; exported: string[]; trapped: boolean; evalBlocked: boolean; relaxedRuntime: boolean; evalGone: boolean;
  errors: Record<string, string | null>; build: string; matMul: number[]; relu: number[];
  losses: number[]; predictShape: number[]; predictFinite: boolean;
}

function runEdge(which: string, relaxedFlag = false): Report {
  assert.ok(existsSync(`${root}dist/core.js`), 'dist/core.js is missing: run `npm run build` first');
  const flags = [...(relaxedFlag ? ['--experimental-wasm-relaxed-simd'] : []), '--disallow-code-generation-from-strings'];
  const out = execFileSync(process.execPath, [...flags, child, which], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const report = JSON.parse(out.trim().split('\n').at(-1)!) as Report;
  assert.equal(report.case, which);
  assert.deepEqual(report.exported, ['simd', 'relaxed'].map((b) => new URL(`build/lepton.core.${b}.wasm`, `file://${root}`).href),
    'package.json exports the .wasm files');
  assert.equal(report.trapped, true, 'import() must be trapped in the child');
  assert.equal(report.evalBlocked, true, 'eval must be refused in the child');
  assert.equal(report.relaxedRuntime, relaxedFlag);
  return report;
}

/** Computes, trains (loss falls) and predicts: the engine works with what it was handed. */
function assertWorks(report: Report, build: string): void {
  assert.equal(report.build, build);
  assert.deepEqual(report.matMul, [19, 22, 43, 50]);
  assert.deepEqual(report.relu, [0, 0.5, 2, 0]);
  assert.equal(report.losses.length, 5);
  assert.ok(report.losses.every(Number.isFinite));
  assert.ok(report.losses[4] < report.losses[0], `loss should fall: ${report.losses.join(', ')}`);
  assert.deepEqual(report.predictShape, [16, 1]);
  assert.ok(report.predictFinite);
  assert.ok(report.evalGone);
}

describe('ready({wasm}) on an edge runtime (no eval, no import(), no fetch, no files)', () => {
  it('the trap catches the default path (it reads the file through import(node:fs))', () => {
    const report = runEdge('default');
    assert.match(report.errors.defaultPath ?? '', /edge trap: dynamic import\('node:fs\/promises'\)/);
  });

  it('takes a precompiled WebAssembly.Module', () => { assertWorks(runEdge('module'), 'simd'); });

  it('takes the .wasm bytes (Uint8Array)', () => { assertWorks(runEdge('bytes'), 'simd'); });

  it('takes {simd, relaxed} and runs relaxed only where the runtime validates it', () => {
    assertWorks(runEdge('pair'), 'simd');
    assertWorks(runEdge('pair', true), 'relaxed');
  });

  it('takes a URL and fetches it (a data: URL; no file access)', () => { assertWorks(runEdge('url'), 'simd'); });

  it('gives clear Errors for bad wasm values, then still loads', () => {
    const report = runEdge('errors');
    const e = report.errors;
    assert.match(e.number ?? '', /^lepton: ready\(\): wasm must be a WebAssembly.Module, ArrayBuffer, Uint8Array, URL or string.*got number$/);
    assert.match(e.object ?? '', /wasm has unknown key 'gpu'/);
    assert.match(e.pairValue ?? '', /wasm.simd must be a WebAssembly.Module.*got Array/);
    assert.match(e.withBase ?? '', /give wasm or wasmBase, not both/);
    assert.match(e.notWasm ?? '', /the wasm bytes for the simd build \(3 bytes\) are not WebAssembly \(no \\0asm header\)/);
    assert.match(e.garbage ?? '', /the wasm bytes for the simd build \(9 bytes\) do not validate/);
    assert.match(e.notLepton ?? '', /is not a Lepton build \(no export 'memory'\)/);
    assert.match(e.relativeUrl ?? '', /wasm 'lepton.simd.wasm' is not an absolute URL/);
    assert.match(e.relaxedAsked ?? '', /relaxed build was asked for but this runtime does not validate relaxed SIMD/);
    assert.match(e.relaxedOnly ?? '', /wasm gives only the relaxed build and this runtime does not validate relaxed SIMD/);
    assert.match(e.relaxedAsSimd ?? '', /do not validate on this runtime .*relaxed SIMD/);
    assert.match(e.missingBuild ?? '', /wasm has no simd build/);
    assertWorks(report, 'simd');
  });
});
