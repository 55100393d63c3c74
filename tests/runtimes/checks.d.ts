// Types of checks.js (plain JavaScript so that the browser page can load it unbuilt).
import type * as Lepton from '../../dist/index.js'; // the built package, as the runtimes load it

/** What the runner around the checks provides. */
export interface SmokeHost {
  /** Prints a line in this runtime's test output (e.g. "build picked: relaxed"). */
  log(line: string): void;
  /**
   * The seeded-fit weights hash that the Node SIMD128 smoke run of this test run wrote
   * (LEPTON_WEIGHTS_HASH_FILE), or null when there is none (a test file run alone).
   */
  referenceHash(): Promise<string | null> | string | null;
  /** Present only in the run that produces the reference: Node, SIMD128 build, the file named. */
  writeReferenceHash?(hash: string): void;
  /** The entry lp is ('full': dist/index.js, 'core': dist/core.js); when given, the .wasm is checked to match. */
  entry?: 'full' | 'core';
}

export interface SmokeCheck {
  name: string;
  /** Needs the full entry (sequence layers, tokenizers): the core entry's run skips it. */
  full?: boolean;
  run(lp: typeof Lepton, expectedBuild: 'simd' | 'relaxed', host: SmokeHost): Promise<void> | void;
}

export const checks: SmokeCheck[];

/** The checks an entry runs: all of them for 'full' (dist/index.js), those not marked full for 'core'. */
export function checksFor(entry: 'full' | 'core'): SmokeCheck[];
