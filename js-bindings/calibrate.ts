// Chooses the micro-kernel tiles for this machine at load time. Each build carries several GEMM
// and conv tiles (scripts/gen-ukernels.mjs); which is fastest depends on the CPU (register count,
// FMA latency and ports, shuffle ports) and on the engine's register allocator, so ready() times
// every candidate on the blocks of assembly/kernels/calibrate.ts and keeps the fastest of each
// kind. All tiles of one arithmetic give bit-identical results, so the choice changes speed only.
//
// The clock: the engine compiles a function with its baseline compiler first and its optimizing
// one once the function is hot, in the background (V8: after a fraction of a ms of baseline
// execution, then 2-20 ms of compiling per tile), so early samples can be the baseline's, 3-5x
// slower. So every candidate runs once (asking for its optimized code), the thread sleeps 5 ms
// for the compiler where it may (not on a browser's main thread), then the candidates are timed
// in rotating rounds for the rest of the budget and each keeps its fastest sample. A sample is
// one call of 50-100 µs, more when the clock is coarse (browsers without cross-origin isolation
// round performance.now() to 0.1 ms or more).
//
// On a 2-core machine the optimizing compiler needs 40-50 ms for all the tiles of the relaxed
// build (V8 in Node 20, Zen 5: 2-20 ms each, one after another), longer than ready() may take.
// So a kind is decided only once every one of its candidates was seen running optimized code
// (tile_choice.ts); until then the build's default runs, and later passes of 5 ms, off ready()'s path
// (retune(): 40 ms after ready(), then 50, 100 and 200 ms after the pass before), time the
// candidates again. tilesSettled() resolves when the choice is final.
//
// The relaxed build's int8 GEMM has two forms of its dot (assembly/kernels/int8/qgemm.ts): the
// fused relaxed dot-add, one instruction on AVX-VNNI CPUs in engines that emit it, and the split
// form that runs everywhere. The fused one is a candidate only where it gives the split form's
// integers on a check block (Node 20's V8 miscompiles it), checked again once it has won.
import type { BuildName, Kernels } from './engine.js';
import { GEMM_UNTIMED } from './tiles.generated.js';
import { applyTiles, tileIds, tileNames, type Calibration, type TileKind } from './tile_names.js';
import { decide, margin, type Candidate, type Tuning } from './tile_choice.js';

/** ready()'s default budget for the calibration, ms. */
export const CALIBRATION_BUDGET_MS = 12; // + teardown and selection, and the OS taking the core for the
// compiler's threads now and then (2-8 ms on a 2-core VM): within 20 ms

/** When the later passes run, ms after ready() or after the pass before; one pass each. */
export const RETUNE_DELAYS_MS: readonly number[] = [40, 50, 100, 200];

/** The samples of one later pass, ms (all candidates optimized, a fine clock: 4 or more rounds;
 *  one round at least), in slices of RETUNE_SLICE_MS (one sample at least), each a task of its own. */
const RETUNE_BUDGET_MS = 5;
const RETUNE_SLICE_MS = 4;

// Time kept for confirming the winner against the default, ms.
const CONFIRM_MS = 1;

// The pause after the candidates' first runs, ms.
const COMPILE_PAUSE_MS = 5;

// Flops of one calibrate_gemm / calibrate_conv repetition (assembly/kernels/calibrate.ts), and
// operations of one calibrate_int8 repetition (assembly/kernels/int8/qcalibrate.ts).
const GEMM_BLOCK_FLOPS = 2 * 60 * 96 * 256;
const CONV_BLOCK_FLOPS = 2 * 64 * 64 * 144;
const INT8_BLOCK_OPS = 2 * 32 * 64 * 256;

/** The smallest step of performance.now() over its next 4 ticks (2 ms at most), ms. (Waiting
 *  for a step of 5 µs or less spent the whole 2 ms of ready() in Firefox, whose clock ticks 20 µs.) */
function clockStep(): number {
  const start = performance.now();
  let last = start, step = Infinity;
  for (let ticks = 0; ticks < 4 && last - start < 2 && step > 0.005;) {
    const t = performance.now();
    if (t > last) { step = Math.min(step, t - last); last = t; ticks++; }
  }
  return step;
}

/**
 * Repetitions of a tile's call of about msPerRep for one sample: 50-100 µs of calls, and 50 clock steps
 * where the clock is coarser (Chromium rounds to 5 µs when cross-origin isolated: samples of
 * 110 µs tied tiles 5 % apart), but 2 ms at most (a clock of 0.1 ms without isolation: 20 steps).
 */
function sampleReps(step: number, msPerRep: number, minReps: number): number {
  return Math.max(minReps, Math.min(Math.ceil((50 * step) / msPerRep), Math.ceil(2 / msPerRep)));
}

/**
 * Blocks this thread for ms without spinning (Atomics.wait), leaving the core to the engine's
 * compiler threads. Not a timer: at start-up the event loop runs other tasks first (setTimeout(5)
 * took 12-32 ms there). Where blocking is not allowed (a browser's main thread), no pause.
 */
function pause(ms: number): void {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } catch {
    // SharedArrayBuffer missing (no cross-origin isolation) or Atomics.wait refused.
  }
}

// The int8 forms' own phase, after the tiles and within the same budget (the tiles get 2 ms less
// where there is an int8 choice): a loop with one instruction (fused) or three in it ranks the
// same in the engine's baseline code as in its optimized code (Deno 2.9 on Zen 5: fused 1.2x the
// split form's rate in the first, 1.8x in the second), so it needs no wait for the optimizing
// compiler.
const INT8_PHASE_MS = 2;

/** Times the relaxed build's int8 dot forms in alternation for about INT8_PHASE_MS (one round at
 *  least) and keeps the fused one when it is 3 % faster. */
function chooseInt8Dot(k: Kernels, names: readonly string[], step: number, result: Calibration): void {
  // (20 clock steps: the two forms are 1.2-1.8x apart, not the few % between tiles)
  const reps = Math.max(2, Math.ceil((20 * step) / 0.015));
  const best = [Infinity, Infinity];
  const start = performance.now();
  for (let round = 0; round < 12 && (round < 1 || performance.now() - start < INT8_PHASE_MS); round++) {
    for (const form of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const t0 = performance.now();
      k.calibrate_int8(form, reps);
      const ms = (performance.now() - t0) / reps;
      if (ms > 0 && ms < best[form]) best[form] = ms;
    }
  }
  k.int8_calibration_teardown();
  best.forEach((ms, form) => { if (Number.isFinite(ms)) result.int8[names[form]] = INT8_BLOCK_OPS / ms / 1e6; });
  if (best[1] * 1.03 < best[0]) result.tiles.int8 = names[1];
}

/** Times one candidate: reps = 0 compiles it (one tiny call); a sample keeps the fastest per rep. */
function sampler(k: Kernels) {
  const run = (c: Candidate, reps: number) => {
    if (c.kind === 'gemm') k.calibrate_gemm(c.id, reps);
    else k.calibrate_conv(c.id, reps);
  };
  const sample = (c: Candidate, reps = c.reps) => {
    const t0 = performance.now();
    run(c, reps);
    const ms = (performance.now() - t0) / reps;
    if (ms > 0 && ms < c.best) c.best = ms;
  };
  // A first run is the engine's baseline code, 3-5x slower: a quarter of the reps takes about as
  // long as a sample of the optimized code (with a coarse clock, 2 ms rather than 8 of a browser's
  // main thread).
  const first = (c: Candidate) => {
    sample(c, Math.ceil(c.reps / 4));
    c.first = c.best;
  };
  return { run, sample, first };
}

/** Rounds of samples, the order rotating each round (no candidate always runs first, or after
 *  the slowest), `minRounds` whole rounds at least, then until `end` (checked before each sample:
 *  on a busy machine the OS can stretch one round of baseline code to 18 ms). */
function timeRounds(candidates: readonly Candidate[], sample: (c: Candidate) => void, end: number, minRounds: number): void {
  if (candidates.length === 0) return; // (ready() out of time before any first run: a busy machine)
  for (let round = 1; ; round++) {
    for (let i = 0; i < candidates.length; i++) {
      if (round > minRounds && performance.now() >= end) return;
      sample(candidates[(i + round) % candidates.length]);
    }
  }
}

/**
 * Times every tile of this build for about budgetMs and selects the fastest GEMM and conv
 * tiles. Falls back to each kind's first tile (the build's default) when the calibration blocks
 * cannot be allocated. Returns, besides the choice, what the later passes (retune()) need where a
 * kind is not settled yet; null where it is.
 */
export function calibrate(k: Kernels, build: BuildName, budgetMs = CALIBRATION_BUDGET_MS): { calibration: Calibration; tuning: Tuning | null } {
  const start = performance.now();
  const names = tileNames(build);
  // the fused int8 dot is a candidate only where its check passes (not in Node 20)
  const int8Choice = names.int8.length > 1 && k.int8_dot_check() === 1;
  if (int8Choice) budgetMs = Math.max(budgetMs - INT8_PHASE_MS, budgetMs / 2);
  const result: Calibration = { tiles: { gemm: names.gemm[0], conv: names.conv[0], int8: names.int8[0] }, ms: 0,
    gemm: {}, conv: {}, int8: {}, passes: 0, passesMs: 0, settled: true };
  if (k.calibration_setup() !== 0) {
    result.tiles = applyTiles(k, build, { gemm: 0, conv: 0, int8: 0 });
    result.ms = performance.now() - start;
    return { calibration: result, tuning: null };
  }
  const tuning: Tuning = { candidates: [], open: [], result, pass: null };
  try {
    const step = clockStep();
    const { candidates } = tuning;
    const untimed: readonly string[] = GEMM_UNTIMED[build];
    const add = (kind: TileKind, list: readonly string[], flops: number, minReps: number, msPerRep: number) => {
      if (list.length < 2) return;
      tuning.open.push(kind);
      const reps = sampleReps(step, msPerRep, minReps);
      list.forEach((name, id) => {
        if (kind !== 'gemm' || !untimed.includes(name)) {
          candidates.push({ kind, id, name, reps, flops, best: Infinity, first: Infinity, previous: Infinity, won: false });
        }
      });
    };
    add('gemm', names.gemm, GEMM_BLOCK_FLOPS, 1, 0.05);
    add('conv', names.conv, CONV_BLOCK_FLOPS, 3, 0.02);
    const { run, sample, first } = sampler(k);
    // Compile every candidate (engines compile a function on its first call), then run each once
    // on its block: the baseline code's first runs ask for the optimized code early.
    for (const c of candidates) run(c, 0);
    // The defaults run twice: the faster run is their baseline code's speed (the optimized code
    // takes 2.5 ms or more to arrive) even when the machine is busy during one of them.
    for (const c of [...candidates, ...candidates.filter((d) => d.id === 0)]) {
      if (performance.now() - start > budgetMs - CONFIRM_MS) break; // the rest wait for a later pass
      first(c);
    }
    // Step aside while the optimizing compiler works in the background: on a busy machine it
    // competes with this thread for a core (measured on a loaded 2-core VM: without the pause
    // half the candidates were still running baseline code when the budget ran out).
    if (performance.now() - start + COMPILE_PAUSE_MS < budgetMs - CONFIRM_MS) pause(COMPILE_PAUSE_MS);
    const sampled = candidates.filter((c) => Number.isFinite(c.first));
    timeRounds(sampled, sample, start + budgetMs - CONFIRM_MS, 0);
    // the rematch: 3 fresh samples each, head to head, while the budget lasts
    decide(tuning, false, (winner, fallback) => {
      if (performance.now() - start >= budgetMs + 1) return false;
      const w = { ...winner, best: Infinity }, d = { ...fallback, best: Infinity };
      for (let i = 0; i < 3; i++) { sample(w); sample(d); }
      return w.best * margin(winner) < d.best;
    });
    if (int8Choice) chooseInt8Dot(k, names.int8, step, result);
  } finally {
    k.calibration_teardown();
    k.int8_calibration_teardown();
  }
  // (applyTiles checks a winning fused int8 dot again, now that it ran its optimized code)
  result.tiles = applyTiles(k, build, tileIds(build, result.tiles));
  result.settled = tuning.open.length === 0;
  result.ms = performance.now() - start;
  return { calibration: result, tuning: result.settled ? null : tuning };
}

/**
 * One slice of a later pass over the kinds not settled: times their candidates (their optimized
 * code has had RETUNE_DELAYS_MS to arrive) for about sliceMs, at least one sample. A pass is
 * complete after RETUNE_BUDGET_MS of samples and one round at least; then it decides and selects
 * the tiles. The caller runs the next slice of an incomplete pass (tuning.pass) as a task of its
 * own, so that a browser's main thread is not held for a whole pass: with a coarse clock a sample
 * lasts 2 ms (10 of baseline code), and a pass 12-35 ms. The last pass (RETUNE_DELAYS_MS.length)
 * closes every kind: a tile that has not won two passes in a row by then leaves the default.
 * Where the arena cannot hold the blocks now, the choice so far stays and is final.
 */
export function retune(k: Kernels, build: BuildName, tuning: Tuning, sliceMs = RETUNE_SLICE_MS): Calibration {
  const start = performance.now();
  const { result } = tuning;
  if (tuning.pass === null) {
    result.passes++;
    const order = tuning.candidates.filter((c) => tuning.open.includes(c.kind));
    // Each pass decides on its own samples (the pass before is the rematch). Not against
    // ready()'s: a tile whose optimized code arrived in neither would look stable.
    for (const c of order) {
      if (result.passes > 1) c.previous = c.best;
      c.best = Infinity;
    }
    tuning.pass = { order, next: 0, ms: 0 };
  }
  const pass = tuning.pass;
  const peak = k.arena_peak_bytes(); // (the blocks come and go between two calls of the app)
  let complete = false;
  if (k.calibration_setup() !== 0) {
    tuning.open = [];
    tuning.pass = null;
  } else {
    try {
      const { sample, first } = sampler(k);
      const n = pass.order.length;
      for (let taken = 0; ; taken++) {
        const now = performance.now();
        complete = pass.next >= n && pass.ms + (now - start) >= RETUNE_BUDGET_MS;
        if (complete || (taken > 0 && now - start >= sliceMs)) break;
        const c = pass.order[pass.next % n];
        // (a candidate ready() had no time for runs its first time here)
        if (Number.isFinite(c.first)) sample(c); else first(c);
        pass.next++;
      }
    } finally {
      k.calibration_teardown();
      k.arena_restore_peak(peak);
    }
    pass.ms += performance.now() - start;
    if (complete) {
      decide(tuning, result.passes >= RETUNE_DELAYS_MS.length, () => true);
      tuning.pass = null;
    }
  }
  result.tiles = applyTiles(k, build, tileIds(build, result.tiles));
  result.settled = tuning.open.length === 0;
  result.passesMs += performance.now() - start;
  return result;
}
