// Loads both .wasm builds straight from build/ for the kernel tests: each kernel is checked on
// the SIMD128 and on the relaxed build. The relaxed one needs a runtime that validates relaxed
// SIMD (node --experimental-wasm-relaxed-simd; Deno, Bun and Chromium by default): the test
// scripts always pass that flag, so a missing build is an error, never a silent skip.
import { readFileSync } from 'node:fs';
import { instantiate } from '../../build/lepton.simd.js';
import { CONV_TILES, GEMM_TILES } from '../../js-bindings/tiles.generated.js';

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

export interface Tile { id: number; name: string; mr: number; nr: number; muladd: boolean }

/** The GEMM or conv tiles of a build (ids as set_tiles takes them), from their names. */
export function tilesOf(build: 'simd' | 'relaxed', kind: 'gemm' | 'conv'): Tile[] {
  return (kind === 'gemm' ? GEMM_TILES : CONV_TILES)[build].map((name, id) => {
    const [mr, nr] = name.split(':')[0].split('x').map(Number);
    return { id, name, mr, nr, muladd: name.endsWith(':muladd') };
  });
}
