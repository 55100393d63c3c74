// Types of seeded_fit.js (plain JavaScript, loaded unbuilt by the browser page and the worker).
import type * as Lepton from '../../dist/index.js';

/** FNV-1a, 64 bits, over bytes, continuing from h. */
export function fnv1a64(bytes: Uint8Array, h?: bigint): bigint;
/** Builds and fits the seeded CNN in lp; the hash of its weights as 16 hex digits. */
export function seededFitHash(lp: typeof Lepton): Promise<string>;
/** seededFitHash on the SIMD128 build, in a fresh engine in a worker. */
export function seededFitHashOnSimd(): Promise<{ hash: string; build: 'simd' }>;
