// The package as a user gets it: `npm pack` this checkout (after `npm run build`: it packs dist/
// and build/), install the tarball into a fresh project with the network unavailable (an empty
// npm cache, --offline, a registry nobody listens on: lepton-wasm has no runtime dependencies),
// then, in that project, import it by name and run a matMul on both builds (plain node → simd,
// --experimental-wasm-relaxed-simd → relaxed), and type-check a .ts file against the packed
// typings with the repo's tsc, under moduleResolution node16 and bundler.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

// The child npm must see none of the npm_* settings `npm test` exports to its scripts (prefix,
// cache, registry of this checkout): the fresh project is configured here alone. Nor the
// node_modules/.bin folders `npm test` puts first on PATH: they hold an npm 6 (a dependency of
// as-pect's), which has no --pack-destination; the user's own npm is the one to test with.
const scratch = mkdtempSync(join(tmpdir(), 'lepton-pack-'));
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_|^init_cwd$/i.test(k)));
env.PATH = (process.env.PATH ?? '').split(delimiter).filter((dir) => !/[\\/]node_modules[\\/]\.bin$/.test(dir))
  .join(delimiter);
Object.assign(env, {
  npm_config_cache: join(scratch, 'npm-cache'), // empty: nothing can come from an earlier install
  npm_config_registry: 'http://127.0.0.1:9/', // discard port: any registry request fails
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
});
const project = join(scratch, 'app');

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await run(cmd, args, { cwd, env, maxBuffer: 1 << 24 })).stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
}

/** The files the tarball holds, from `npm pack --json`. */
let packed: string[] = [];

// What a user's script does; it prints what it saw as JSON for the test to check.
const script = `
import * as lp from 'lepton-wasm';
import pkg from 'lepton-wasm/package.json' with { type: 'json' };
await lp.ready();
const a = lp.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
const b = lp.tensor([7, 8, 9, 10, 11, 12], [3, 2]);
const c = lp.matMul(a, b);
let internal = 'importable';
try { await import('lepton-wasm/dist/engine.js'); } catch (e) { internal = e.code; }
// The one-file bundle: its own engine, the .wasm found from the installed dist/lepton.min.js.
const min = await import('lepton-wasm/min');
await min.ready();
const minValues = Array.from(min.matMul(min.tensor([1, 2, 3, 4, 5, 6], [2, 3]), min.tensor([7, 8, 9, 10, 11, 12], [3, 2])).dataSync());
console.log(JSON.stringify({
  name: pkg.name, resolved: import.meta.resolve('lepton-wasm'), info: lp.backendInfo(),
  shape: c.shape, values: Array.from(c.dataSync()), internal, minBuild: min.backendInfo().build, minValues,
}));
`;

// The core entry alone, in its own process: it must load the core .wasm found beside it.
const coreScript = `
import * as lp from 'lepton-wasm/core';
await lp.ready();
const c = lp.matMul(lp.tensor([1, 2, 3, 4, 5, 6], [2, 3]), lp.tensor([7, 8, 9, 10, 11, 12], [3, 2]));
// Its one-file bundle: its own engine, the core .wasm found from the installed dist/lepton.core.min.js.
const min = await import('lepton-wasm/core/min');
await min.ready();
const minValues = Array.from(min.matMul(min.tensor([1, 2, 3, 4, 5, 6], [2, 3]), min.tensor([7, 8, 9, 10, 11, 12], [3, 2])).dataSync());
console.log(JSON.stringify({ resolved: import.meta.resolve('lepton-wasm/core'), info: lp.backendInfo(), values: Array.from(c.dataSync()),
  minFull: min.backendInfo().full, minValues }));
`;

// The same in TypeScript: types must resolve (an untyped module is an error under strict, and
// the @ts-expect-error lines fail when the types are missing or `any`).
const typed = `
import * as lp from 'lepton-wasm';
import type { BackendInfo, Tensor } from 'lepton-wasm';
await lp.ready({ build: 'simd' });
const info: BackendInfo = lp.backendInfo();
const saved: lp.TileChoice = info.tiles;
await lp.ready({ tiles: saved });
// @ts-expect-error: tiles are {gemm, conv} names or 'default'
void lp.ready({ tiles: 3 });
const c: Tensor = lp.matMul(lp.tensor([1, 2, 3, 4, 5, 6], [2, 3]), lp.tensor([7, 8, 9, 10, 11, 12], [3, 2]));
const values: Float32Array | Int32Array = c.dataSync();
console.log(info.build, values);
// @ts-expect-error: no such op
lp.notAnOp(c);
// @ts-expect-error: the build is 'simd' | 'relaxed'
void lp.ready({ build: 'sse' });
// lepton-wasm/min has the core's types.
import * as lpMin from 'lepton-wasm/min';
const fromMin: Tensor = lpMin.zeros([2]);
// @ts-expect-error: no such op in the bundle either
lpMin.notAnOp(fromMin);
// lepton-wasm/core has its own, smaller types: no sequence layers there.
import * as lpCore from 'lepton-wasm/core';
const fromCore: lpCore.Tensor = lpCore.layers.dense({ units: 2 }).apply(lpCore.zeros([1, 3])) as lpCore.Tensor;
// @ts-expect-error: the sequence layers are in the full entry only
lpCore.layers.lstm({ units: 2 });
console.log(fromCore.shape);
// lepton-wasm/core/min has the core entry's types.
import * as lpCoreMin from 'lepton-wasm/core/min';
const fromCoreMin: lpCore.Tensor = lpCoreMin.zeros([2]);
// @ts-expect-error: nor in its bundle
lpCoreMin.layers.gru({ units: 2 });
console.log(fromCoreMin.shape);
`;

const tsconfig = (module: string, moduleResolution: string) => JSON.stringify({
  compilerOptions: {
    target: 'ES2022', module, moduleResolution, lib: ['ES2022', 'DOM'], types: [],
    strict: true, noEmit: true, skipLibCheck: false, // the packed .d.ts files are checked too
  },
  files: ['app.ts'],
});

before(async () => {
  const npmMajor = Number((await sh('npm', ['--version'], root)).split('.')[0]);
  assert.ok(npmMajor >= 7, `npm ${npmMajor} found on PATH: npm 7 or later is needed (npm pack --pack-destination)`);
  const out = await sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], root);
  const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  packed = info.files.map((f) => f.path).sort();
  mkdirSync(project);
  await sh('npm', ['init', '-y'], project);
  await sh('npm', ['pkg', 'set', 'type=module'], project);
  await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', join(scratch, info.filename)], project);
  writeFileSync(join(project, 'main.js'), script);
  writeFileSync(join(project, 'core.js'), coreScript);
  writeFileSync(join(project, 'app.ts'), typed);
  writeFileSync(join(project, 'tsconfig.node16.json'), tsconfig('Node16', 'Node16'));
  writeFileSync(join(project, 'tsconfig.bundler.json'), tsconfig('ES2022', 'Bundler'));
});

after(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm pack', () => {
  it('packs the built entries, the four .wasm builds and the asc bindings, and no sources or tests', () => {
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/core.js', 'dist/core.d.ts',
      'dist/engine.js', 'dist/lepton.min.js', 'dist/lepton.core.min.js', 'build/lepton.simd.wasm', 'build/lepton.relaxed.wasm',
      'build/lepton.core.simd.wasm', 'build/lepton.core.relaxed.wasm', 'build/lepton.simd.js', 'build/lepton.simd.d.ts']) {
      assert.ok(packed.includes(f), `${f} missing from the tarball: ${packed.join(' ')}`);
    }
    const extra = packed.filter((f) => !f.startsWith('dist/') && !f.startsWith('build/lepton.') &&
      f !== 'package.json' && f !== 'README.md');
    assert.deepEqual(extra, [], 'unexpected files in the tarball');
    const stray = packed.filter((f) => /\.wat$|\.ts$/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(stray, [], 'sources or .wat files in the tarball');
    assert.ok(!packed.some((f) => /^build\/lepton\.(core\.)?(relaxed|simd)\./.test(f) && !f.endsWith('.wasm') &&
      !f.startsWith('build/lepton.simd.')), 'only one copy of the asc bindings is needed (every build shares one ABI)');
  });

  it('installs with no registry: a real copy under node_modules, nothing else installed', () => {
    const dir = join(project, 'node_modules/lepton-wasm');
    assert.ok(!lstatSync(dir).isSymbolicLink(), 'the package must be a copy, not a link to this checkout');
    assert.ok(existsSync(join(dir, 'build/lepton.simd.wasm')));
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as
      { packages: Record<string, unknown> };
    assert.deepEqual(Object.keys(lock.packages).sort(), ['', 'node_modules/lepton-wasm']);
  });
});

// Concurrent: the two tsc runs dominate (a few seconds each).
describe('import lepton-wasm in a fresh project', { concurrency: true }, () => {
  for (const build of ['simd', 'relaxed'] as const) {
    it(`node ${build === 'relaxed' ? '--experimental-wasm-relaxed-simd' : '(no flag)'}: loads the ${build} build`, async () => {
      const flags = build === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
      const out = JSON.parse(await sh(process.execPath, [...flags, 'main.js'], project)) as {
        name: string; resolved: string; info: { tiles: { gemm: string }; calibration: { ms: number } };
        shape: number[]; values: number[]; internal: string; minBuild: string; minValues: number[];
      };
      assert.equal(out.name, 'lepton-wasm');
      // The .wasm comes from ../build/ beside the installed dist/index.js.
      assert.equal(out.resolved, new URL('node_modules/lepton-wasm/dist/index.js', `file://${project}/`).href);
      const { tiles, calibration, ...loaded } = out.info;
      assert.deepEqual(loaded, { simd: true, relaxedSimd: build === 'relaxed', build, full: true });
      // The tiles were calibrated (the generated tile list ships in dist/).
      assert.equal(typeof tiles.gemm, 'string');
      assert.ok(calibration.ms > 0);
      assert.deepEqual(out.shape, [2, 2]);
      // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12]: small integers, exact in f32 on both builds.
      assert.deepEqual(out.values, [1 * 7 + 2 * 9 + 3 * 11, 1 * 8 + 2 * 10 + 3 * 12,
        4 * 7 + 5 * 9 + 6 * 11, 4 * 8 + 5 * 10 + 6 * 12]);
      assert.equal(out.internal, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'only "." and "./package.json" are exported');
      assert.equal(out.minBuild, build);
      assert.deepEqual(out.minValues, out.values);
      const core = JSON.parse(await sh(process.execPath, [...flags, 'core.js'], project)) as
        { resolved: string; info: { build: string; full: boolean }; values: number[]; minFull: boolean; minValues: number[] };
      assert.equal(core.resolved, new URL('node_modules/lepton-wasm/dist/core.js', `file://${project}/`).href);
      assert.equal(core.info.build, build);
      assert.equal(core.info.full, false, 'the core entry loads the core .wasm');
      assert.deepEqual(core.values, out.values);
      assert.equal(core.minFull, false, 'lepton-wasm/core/min loads the core .wasm');
      assert.deepEqual(core.minValues, out.values);
    });
  }

  for (const resolution of ['node16', 'bundler']) {
    it(`TypeScript finds the types (moduleResolution ${resolution})`, async () => {
      await sh(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], project);
    });
  }
});
