// npm run size: what a user downloads. Each package entry is bundled and minified with esbuild
// (as a user's bundler would), every .wasm build is gzipped as served, and the target
// (core entry + one of its .wasm builds under 100 KB gzipped) is checked. Then where the bytes are: the 25
// biggest source files in the minified core bundle (esbuild's metafile) and the 25 biggest
// functions of the SIMD128 .wasm (code section bodies, named from the .wat asc writes beside it,
// since the shipped .wasm carries no name section).
//
//   node scripts/size.mjs [--json]     needs npm run build (dist/ and build/)
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
export const TARGET_KB = 100;

/** The package entries: [name, file, esbuild platform]. */
const ENTRIES = [
  ['core (lepton-wasm/core)', 'dist/core.js', 'neutral'],
  ['full (lepton-wasm)', 'dist/index.js', 'neutral'],
  ['node (lepton-wasm/node)', 'dist/node.js', 'node'],
  ['onnx (lepton-wasm/onnx)', 'dist/onnx/index.js', 'neutral'],
];
// The core entry's builds first (what the target counts), then the full entry's.
const WASMS = ['build/lepton.core.simd.wasm', 'build/lepton.core.relaxed.wasm', 'build/lepton.simd.wasm', 'build/lepton.relaxed.wasm'];
const CORE_WASMS = 2;

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
// Brotli too, for information: what most CDNs and servers send to browsers that ask for it.
const br = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1);

/** Bundle one entry; the minified bytes and the metafile. onnx-proto is an optional peer. */
async function bundle(file, platform) {
  const res = await build({
    entryPoints: [`${root}${file}`], bundle: true, minify: true, format: 'esm', platform,
    write: false, metafile: true, logLevel: 'silent', external: ['onnx-proto'],
  });
  return { bytes: res.outputFiles[0].contents, metafile: res.metafile };
}

/** [input path relative to the root, bytes in the minified output], biggest first. */
function byFile(metafile) {
  const out = Object.values(metafile.outputs)[0];
  return Object.entries(out.inputs)
    .map(([path, v]) => [path.replace(root, ''), v.bytesInOutput])
    .sort((a, b) => b[1] - a[1]);
}

// ---- wasm: just enough of the binary format to find each function body's size ----
function readU32(buf, pos) {
  let result = 0, shift = 0, b;
  do { b = buf[pos++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
  return [result >>> 0, pos];
}

/** Sizes of the sections ({id: bytes}), of each function body, and the imported function count. */
export function wasmLayout(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('size: not a wasm module');
  const sections = {}, bodies = [];
  let importedFuncs = 0, pos = 8;
  while (pos < buf.length) {
    const id = buf[pos];
    let size; [size, pos] = readU32(buf, pos + 1);
    const end = pos + size;
    sections[id] = (sections[id] ?? 0) + size;
    if (id === 2) importedFuncs = countImportedFuncs(buf, pos);
    if (id === 10) {
      let n, p; [n, p] = readU32(buf, pos);
      for (let i = 0; i < n; i++) { let len; [len, p] = readU32(buf, p); bodies.push(len); p += len; }
    }
    pos = end;
  }
  return { sections, bodies, importedFuncs };
}

function countImportedFuncs(buf, pos) {
  let n, count = 0; [n, pos] = readU32(buf, pos);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < 2; s++) { let len; [len, pos] = readU32(buf, pos); pos += len; } // module, name
    const kind = buf[pos++];
    if (kind === 0) { count++; [, pos] = readU32(buf, pos); }
    else if (kind === 1) { pos += 1; pos = skipLimits(buf, pos); }           // table: reftype, limits
    else if (kind === 2) pos = skipLimits(buf, pos);                          // memory
    else if (kind === 3) pos += 2;                                            // global: type, mut
    else throw new Error(`size: unknown import kind ${kind}`);
  }
  return count;
}
function skipLimits(buf, pos) {
  const flags = buf[pos++];
  [, pos] = readU32(buf, pos);
  if (flags & 1) [, pos] = readU32(buf, pos);
  return pos;
}

const SECTION_NAMES = { 0: 'custom', 1: 'type', 2: 'import', 3: 'function', 5: 'memory', 6: 'global',
  7: 'export', 10: 'code', 11: 'data', 12: 'datacount' };

/** Function names in definition order, from the .wat asc writes next to the .wasm. */
function watNames(watPath) {
  const names = [];
  for (const m of readFileSync(watPath, 'utf8').matchAll(/^ \(func \$(\S+)/gm)) names.push(m[1]);
  return names;
}

/** Every measured figure, as data (the test and --json use it). */
export async function measure() {
  const js = [];
  for (const [name, file, platform] of ENTRIES) {
    const { bytes, metafile } = await bundle(file, platform);
    js.push({ name, file, min: bytes.length, gzip: gz(bytes), brotli: br(bytes), files: byFile(metafile) });
  }
  const wasm = WASMS.map((file) => {
    const buf = readFileSync(`${root}${file}`);
    return { file, raw: buf.length, gzip: gz(buf), brotli: br(buf), layout: wasmLayout(buf) };
  });
  const core = js[0], full = js[1], coreWasm = wasm.slice(0, CORE_WASMS), fullWasm = wasm.slice(CORE_WASMS);
  const total = core.gzip + Math.max(...coreWasm.map((w) => w.gzip));
  const totalBrotli = core.brotli + Math.max(...coreWasm.map((w) => w.brotli));
  const fullTotal = full.gzip + Math.max(...fullWasm.map((w) => w.gzip));
  const fullTotalBrotli = full.brotli + Math.max(...fullWasm.map((w) => w.brotli));

  // Per function, for the full SIMD128 build (the relaxed one has the same functions, the core
  // ones a subset).
  const simd = fullWasm[0];
  const names = watNames(`${root}${simd.file.replace(/\.wasm$/, '.wat')}`);
  const { bodies, importedFuncs } = simd.layout;
  const defined = names.length - importedFuncs;
  // A .wat out of step with the .wasm would name the wrong bodies: leave the names out then.
  const named = defined === bodies.length;
  const functions = bodies.map((bytes, i) => [named ? names[importedFuncs + i] : `func ${importedFuncs + i}`, bytes])
    .sort((a, b) => b[1] - a[1]);
  return { js, wasm, total, totalBrotli, fullTotal, fullTotalBrotli, functions, named };
}

function printReport(r) {
  const rows = [['', 'minified', 'gzip -9', 'brotli']];
  for (const e of r.js) rows.push([e.name, `${kb(e.min)} KB`, `${kb(e.gzip)} KB`, `${kb(e.brotli)} KB`]);
  for (const w of r.wasm) rows.push([w.file, `${kb(w.raw)} KB`, `${kb(w.gzip)} KB`, `${kb(w.brotli)} KB`]);
  for (const row of rows) console.log(`${row[0].padEnd(32)}${row.slice(1).map((c) => c.padStart(11)).join('')}`);
  const verdict = r.total < TARGET_KB * 1024 ? 'under' : 'OVER';
  console.log(`\ncore entry + its larger .wasm: ${kb(r.total)} KB gzipped (${verdict} the ${TARGET_KB} KB target); ` +
    `${kb(r.totalBrotli)} KB with brotli`);
  console.log(`full entry + its larger .wasm: ${kb(r.fullTotal)} KB gzipped; ${kb(r.fullTotalBrotli)} KB with brotli`);

  const core = r.js[0];
  console.log(`\nCore bundle, top 25 source files (minified bytes, of ${core.min}):`);
  for (const [path, bytes] of core.files.slice(0, 25)) console.log(`${String(bytes).padStart(8)}  ${path}`);

  const w = r.wasm[CORE_WASMS];
  console.log(`\n${w.file} sections (bytes): ` +
    Object.entries(w.layout.sections).map(([id, n]) => `${SECTION_NAMES[id] ?? id} ${n}`).join(', '));
  console.log(`top 25 functions of ${w.layout.bodies.length} (body bytes)` +
    (r.named ? ':' : ' — the .wat does not match the .wasm, rebuild to get names:'));
  for (const [name, bytes] of r.functions.slice(0, 25)) console.log(`${String(bytes).padStart(8)}  ${name}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measure();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ js: r.js.map(({ files, ...e }) => e), wasm: r.wasm.map(({ layout, ...w }) => w), total: r.total,
      totalBrotli: r.totalBrotli, fullTotal: r.fullTotal, fullTotalBrotli: r.fullTotalBrotli }));
  } else printReport(r);
}
