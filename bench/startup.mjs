// Start-up of an entry in a fresh process: importing dist/core.js (the core entry, default) or
// dist/index.js (full), then ready() (fetching and compiling its .wasm, instantiating it and
// calibrating the tiles), then the calibration's later passes (tilesSettled()). Prints one JSON
// line: the tiles ready() left and the final ones.
//   node [--experimental-wasm-relaxed-simd] bench/startup.mjs [core|full]
const entry = process.argv[2] ?? 'core';
if (entry !== 'core' && entry !== 'full') throw new Error(`bench/startup.mjs: entry must be core or full, got ${entry}`);
const t0 = performance.now();
const lp = await import(entry === 'core' ? '../dist/core.js' : '../dist/index.js');
const imported = performance.now();
await lp.ready();
const done = performance.now();
const readyTiles = lp.backendInfo().tiles;
const tiles = await lp.tilesSettled();
const settled = performance.now();
const info = lp.backendInfo();
console.log(JSON.stringify({ entry, build: info.build, full: info.full, importMs: imported - t0, readyMs: done - imported,
  calibrationMs: info.calibration.ms, readyTiles, passes: info.calibration.passes, passesMs: info.calibration.passesMs,
  settledMs: settled - done, tiles }));
