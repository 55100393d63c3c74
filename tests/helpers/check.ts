// The one kernel-test helper (in the spirit of tinygrad's helper_test_op): copies inputs into
// the arena, runs a kernel on an output block whose bytes past the logical end hold a sentinel,
// checks that the sentinel survived (no writes past the end), compares with a reference, and
// frees everything, checking the arena's invariants afterwards.
import assert from 'node:assert/strict';
import type { Kernels } from './wasm.js';

const SENTINEL = 0x7FA5A5A5; // a NaN pattern no kernel produces by itself
const GUARD_WORDS = 8;

export interface Tolerance { atol?: number; rtol?: number }

/** Element-wise closeness; NaN must match NaN, ±Inf must match exactly. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>,
    tol: Tolerance = {}, what = ''): void {
  const { atol = 1e-5, rtol = 1e-5 } = tol;
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}: [${i}] expected NaN, got ${a}`);
    } else if (!Number.isFinite(e)) {
      assert.equal(a, e, `${what}: [${i}] expected ${e}, got ${a}`);
    } else if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: [${i}] expected ${e}, got ${a} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Copies data into a fresh arena block; returns its pointer. */
export function put(k: Kernels, data: Float32Array | Int32Array): number {
  const p = k.arena_alloc(Math.max(data.byteLength, 4));
  assert.ok(p !== 0, 'arena_alloc failed in a test');
  (data instanceof Int32Array ? new Int32Array(k.memory.buffer, p, data.length)
    : new Float32Array(k.memory.buffer, p, data.length)).set(data);
  return p;
}

export interface KernelRun {
  /** Output values (a copy). */
  out: Float32Array;
  /** Kernel status. */
  status: number;
}

/**
 * Runs `call(outPtrs, inPtrs)` with each input copied into the arena and outputs of the given
 * lengths (pre-filled with `init`, default NaN so unwritten outputs show), checks that no output
 * was written past its end and that inputs were not modified, then frees everything.
 */
export function runKernel(k: Kernels, inputs: (Float32Array | Int32Array)[], outLengths: number[],
    call: (outs: number[], ins: number[]) => number, init?: Float32Array[]): KernelRun[] {
  const ins = inputs.map((x) => put(k, x));
  const outs = outLengths.map((n, i) => {
    const p = k.arena_alloc((n + GUARD_WORDS) * 4);
    assert.ok(p !== 0, 'arena_alloc failed in a test');
    const view = new Float32Array(k.memory.buffer, p, n);
    view.fill(NaN);
    if (init?.[i]) view.set(init[i]);
    new Int32Array(k.memory.buffer, p + 4 * n, GUARD_WORDS).fill(SENTINEL);
    return p;
  });
  const status = call(outs, ins);
  const results = outs.map((p, i) => {
    const n = outLengths[i];
    const guard = new Int32Array(k.memory.buffer, p + 4 * n, GUARD_WORDS);
    assert.ok(guard.every((w) => w === SENTINEL), `output ${i} written past its end (${n} floats)`);
    return { out: new Float32Array(k.memory.buffer, p, n).slice(), status };
  });
  inputs.forEach((x, i) => {
    const now = x instanceof Int32Array ? new Int32Array(k.memory.buffer, ins[i], x.length)
      : new Float32Array(k.memory.buffer, ins[i], x.length);
    assert.ok(now.every((v, j) => Object.is(v, x[j]) || (Number.isNaN(v) && Number.isNaN(x[j]))),
      `input ${i} was modified by the kernel`);
  });
  for (const p of [...ins, ...outs]) k.arena_free(p);
  assert.equal(k.arena_check(), 0, 'arena invariants broken after the kernel');
  return results;
}
