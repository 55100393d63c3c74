// Byte-level plumbing for the int8 kernel tests: int8 inputs into the arena, guarded outputs
// (a sentinel past the logical end must survive), random quantization parameters.
import assert from 'node:assert/strict';
import type { Kernels } from '../helpers/wasm.js';
import { fixedPoint, paramsBlock, type F32Output, type Qs8Output } from '../../js-bindings/quantize/params.js';
import { randInt } from '../helpers/rng.js';

const GUARD = 32;

export function putBytes(k: Kernels, bytes: ArrayBufferView): number {
  const src = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = k.arena_alloc(Math.max(src.length, 1));
  assert.ok(p !== 0, 'arena_alloc failed in a test');
  new Uint8Array(k.memory.buffer, p, src.length).set(src);
  return p;
}

/** An output block of `bytes` plus a guard of sentinel bytes. */
export function guardedOut(k: Kernels, bytes: number): { ptr: number; check(): void } {
  const p = k.arena_alloc(bytes + GUARD);
  assert.ok(p !== 0, 'arena_alloc failed in a test');
  new Uint8Array(k.memory.buffer, p, bytes + GUARD).fill(0xA5);
  return { ptr: p, check: () => assert.ok(new Uint8Array(k.memory.buffer, p + bytes, GUARD).every((b) => b === 0xA5), 'wrote past the end') };
}

export const randomI8 = (rand: () => number, n: number, lo: number, hi: number): Int8Array =>
  Int8Array.from({ length: n }, () => randInt(rand, lo, hi));

/** Random output-stage parameters: int8 out (with relu-like clamps sometimes) or f32 out. */
export function randomOutput(rand: () => number, n: number, k: number, f32Out: boolean, nearOne = false): Qs8Output | F32Output {
  if (f32Out) {
    return { sx: 0.01 + rand() * 0.05, sw: Float32Array.from({ length: n }, () => 0.001 + rand() * 0.02),
      fbias: Float32Array.from({ length: n }, () => rand() * 2 - 1), fmin: rand() < 0.5 ? 0 : -Infinity, fmax: Infinity };
  }
  // nearOne: multipliers up to 0.99 (shift 31, the edge of the fixed-point range) and small biases
  const real = Float64Array.from({ length: n }, () => (nearOne ? 0.5 + rand() * 0.49 : (0.2 + rand() * 2) / (40 * 127 * Math.sqrt(k))));
  if (nearOne) {
    return { bias: Int32Array.from({ length: n }, () => randInt(rand, -100, 100)), ...fixedPoint(real), zy: randInt(rand, 0, 127), qmin: 0, qmax: 127 };
  }
  const { mult, shift } = fixedPoint(real);
  const zy = randInt(rand, 0, 127);
  const relu = rand() < 0.5;
  return { bias: Int32Array.from({ length: n }, () => randInt(rand, -20000, 20000)), mult, shift, zy,
    qmin: relu ? zy : 0, qmax: relu && rand() < 0.5 ? Math.min(127, zy + 40) : 127 };
}

export function readOut(k: Kernels, ptr: number, count: number, f32Out: boolean): number[] {
  return Array.from(f32Out ? new Float32Array(k.memory.buffer, ptr, count) : new Int8Array(k.memory.buffer, ptr, count));
}

export const block = (n: number, p: Qs8Output | F32Output): Uint8Array => paramsBlock(n, p);
