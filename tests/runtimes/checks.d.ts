// Types of checks.js (plain JavaScript so that the Chromium page can load it unbuilt).
import type * as Lepton from '../../dist/index.js'; // the built package, as the runtimes load it

export interface SmokeCheck {
  name: string;
  run(lp: typeof Lepton, expectedBuild: 'simd' | 'relaxed'): Promise<void> | void;
}

export const checks: SmokeCheck[];
