// Loads both .wasm builds straight from build/ for the kernel tests: each kernel is checked on
// the SIMD128 and on the relaxed build. The relaxed one needs a runtime that validates relaxed
// SIMD (node --experimental-wasm-relaxed-simd; Deno, Bun and Chromium by default): the test
// scripts always pass that flag, so a missing build is an error, never a silent skip.
import { readFileSync } from 'node:fs';
import { instantiate } from '../../build/lepton.simd.js';

export type Kernels = Awaited<ReturnType<typeof instantiate>>;
export interface Build { name: 'simd' | 'relaxed'; k: Kernels }

export async function loadBuild(name: 'simd' | 'relaxed'): Promise<Build> {
  const bytes = readFileSync(new URL(`../../build/lepton.${name}.wasm`, import.meta.url));
  if (!WebAssembly.validate(bytes)) {
    throw new Error(`build/lepton.${name}.wasm does not validate here (relaxed SIMD needs ` +
      `node --experimental-wasm-relaxed-simd)`);
  }
  return { name, k: await instantiate(await WebAssembly.compile(bytes), {}) };
}

export const builds: Build[] = [await loadBuild('simd'), await loadBuild('relaxed')];
