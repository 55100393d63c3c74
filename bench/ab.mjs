// Two builds of the same kernels side by side in one process: B's speed-up over A per kernel,
// median of 7 interleaved rounds (A B B A). For a kernel change: build the old source to one
// .wasm and the new to another, e.g.
//   git worktree add /tmp/old REV && ln -s "$PWD/node_modules" /tmp/old/node_modules
//   (cd /tmp/old && node_modules/.bin/asc assembly/index.ts --target relaxed --outFile /tmp/old.wasm)
//   node --experimental-wasm-relaxed-simd bench/ab.mjs /tmp/old.wasm build/lepton.relaxed.wasm [--only pool]
// The kernels are called straight on arena buffers (no JS bindings, default tiles), so both
// builds must export them with the signatures used here; a case one build lacks is skipped.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const files = args.filter((a, i) => a.endsWith('.wasm') && args[i - 1] !== '--only');
if (files.length !== 2) throw new Error('usage: bench/ab.mjs A.wasm B.wasm [--only group]');
const builds = [];
for (const f of files) builds.push((await WebAssembly.instantiate(readFileSync(f), {})).instance.exports);

/** n floats of a smooth pattern in the arena (or int8 bytes in [0, 127] / [-127, 127]). */
function floats(k, n) {
  const p = k.arena_alloc(n * 4 + 16);
  const a = new Float32Array(k.memory.buffer, p, n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i) * 3;
  return p;
}
function bytes(k, n, signed) {
  const p = k.arena_alloc(n + 16);
  const a = new Int8Array(k.memory.buffer, p, n);
  for (let i = 0; i < n; i++) a[i] = signed ? ((i * 37) % 255) - 127 : (i * 37) % 128;
  return p;
}
/** An int8 parameter block (assembly/kernels/int8/requant.ts) for n channels: qs8 out, relu. */
function params(k, n) {
  const np = (n + 7) & ~7;
  const p = k.arena_alloc(32 + 3 * 4 * np);
  const h = new Int32Array(k.memory.buffer, p, 8 + 3 * np);
  h.set([0, 40, 10, 10, 127]);
  for (let c = 0; c < np; c++) h[8 + np + c] = 1 << 28; // multipliers
  return p;
}

// [group, name, setup(kernels) → () => void]
const cases = [];
for (const [n, hw, c] of [[1, 26, 32], [64, 26, 32], [1, 112, 64]]) {
  cases.push(['pool', `maxpool2d 2x2 [${n},${hw},${hw},${c}]`, (k) => {
    const o = hw >> 1, x = floats(k, n * hw * hw * c), y = floats(k, n * o * o * c);
    return () => k.maxpool2d_nhwc_f32(y, x, n, hw, hw, c, 2, 2, 2, 2, 0, 0, o, o);
  }]);
}
for (const [o, n] of [[256, 10], [64, 1000]]) {
  cases.push(['softmax', `softmax [${o},${n}]`, (k) => { const x = floats(k, o * n), y = floats(k, o * n); return () => k.softmax_f32(y, x, o, n, 1); }]);
}
for (const [h, t] of [[4, 128], [2, 256]]) {
  cases.push(['attention', `attention softmax ${h} heads ${t}x${t}`, (k) => {
    const s = floats(k, h * t * t), y = floats(k, h * t * t);
    return () => k.attention_softmax_f32(y, s, 0, 1, h, t, t, 1, 0, 0.125);
  }]);
}
cases.push(['fakequant', 'fake_quant per tensor 1.4M', (k) => {
  const n = 64 * 26 * 26 * 32, x = floats(k, n), y = floats(k, n), s = floats(k, 4), z = floats(k, 4);
  new Float32Array(k.memory.buffer, s, 1)[0] = 0.05;
  new Float32Array(k.memory.buffer, z, 1)[0] = 3;
  return () => k.fake_quant_f32(y, x, n, 1, s, z, -128, 127);
}]);
for (const [hw, c, co, pool] of [[28, 1, 32, 2], [13, 32, 64, 2], [56, 32, 32, 0]]) {
  cases.push(['int8', `int8 conv 3x3 ${hw}x${hw}x${c} -> ${co}${pool ? ', pooled' : ''}`, (k) => {
    const o = hw - 2, kk = 9 * c, x = bytes(k, hw * hw * c, false), w = bytes(k, kk * co, true), p = params(k, co);
    const packed = k.arena_alloc(Number(k.qgemm_packed_bytes(kk, co)));
    k.pack_qc8w(packed, w, kk, co);
    const y = k.arena_alloc(o * o * co * 4);
    return () => k.conv2d_nhwc_qs8_qc8w(y, x, packed, p, 1, hw, hw, c, 3, 3, co, 1, 1, 1, 1, 0, 0, o, o, 5, pool);
  }]);
}
for (const n of [256, 512, 1024]) {
  cases.push(['gemm', `f32 GEMM ${n}x${n}x${n} (default tile)`, (k) => {
    const a = floats(k, n * n), b = floats(k, n * n), c = floats(k, n * n);
    return () => k.gemm_f32(c, a, b, 0, n, n, n, 0, 0, 0, 0);
  }]);
}
for (const n of [256, 512]) {
  cases.push(['int8', `int8 GEMM ${n}x${n}x${n}`, (k) => {
    const a = bytes(k, n * n, false), w = bytes(k, n * n, true), p = params(k, n);
    const packed = k.arena_alloc(Number(k.qgemm_packed_bytes(n, n)));
    k.pack_qc8w(packed, w, n, n);
    const y = k.arena_alloc(n * n);
    return () => k.gemm_qs8_qc8w(y, a, n, packed, n, n, n, 5, p);
  }]);
}

const time = (fn, reps) => { const t0 = performance.now(); for (let i = 0; i < reps; i++) fn(); return (performance.now() - t0) / reps * 1000; };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`A ${files[0]}\nB ${files[1]}\n`);
for (const [group, name, setup] of cases) {
  if (only !== null && group !== only) continue;
  let fns;
  try { fns = builds.map((k) => setup(k)); } catch { console.log(`${name}: skipped (a build lacks it)`); continue; }
  fns.forEach((f) => time(f, 30));
  const reps = Math.max(3, Math.round(20000 / time(fns[0], 5)));
  const ta = [], tb = [], ratios = [];
  for (let r = 0; r < 7; r++) {
    const a1 = time(fns[0], reps), b1 = time(fns[1], reps), b2 = time(fns[1], reps), a2 = time(fns[0], reps);
    ta.push((a1 + a2) / 2); tb.push((b1 + b2) / 2); ratios.push((a1 + a2) / (b1 + b2));
  }
  console.log(`${name.padEnd(44)} A ${median(ta).toFixed(2)} µs  B ${median(tb).toFixed(2)} µs  B's speed-up ${median(ratios).toFixed(2)}`);
}
