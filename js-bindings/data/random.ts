// Seeded randomness for the data pipeline (shuffling, augmentation parameters). Runs in JS on a
// handful of numbers per sample, never over tensor data.
//
// mulberry32 (Tommy Ettinger, public domain): a 32-bit state advanced by a Weyl step and
// mixed by two multiply-xorshift rounds; period 2^32. Integer ops and one exact division, so
// the same seed gives the same sequence in every JS engine.
import { seedOf } from '../ops/creation.js';

/** A generator of floats in [0, 1) (multiples of 2^-32) from a u32 seed. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6D2B79F5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The u32 form of a `seed` argument (floor, then modulo 2^32). Throws naming op when it is not a
 * finite number, or when it is missing and `required`; a missing optional seed takes the next
 * value of the engine's fixed sequence (ops/creation.ts seedOf: different per call, the same in every
 * run of a program).
 */
export function seedArg(op: string, seed: unknown, required: boolean): number {
  if (seed === undefined && !required) return seedOf(op, undefined); // the engine's one sequence
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new Error(`${op}: 'seed' must be a finite number, got ${String(seed)}`);
  }
  return Math.floor(seed) >>> 0;
}
