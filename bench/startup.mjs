// Start-up of the core entry in a fresh process: importing dist/index.js, then ready() (fetching
// and compiling the .wasm, instantiating it and calibrating the tiles). Prints one JSON line.
//   node [--experimental-wasm-relaxed-simd] bench/startup.mjs
const t0 = performance.now();
const lp = await import('../dist/index.js');
const imported = performance.now();
await lp.ready();
const done = performance.now();
const info = lp.backendInfo();
console.log(JSON.stringify({ build: info.build, importMs: imported - t0, readyMs: done - imported,
  calibrationMs: info.calibration.ms, tiles: info.tiles }));
