// An ES module script run in a fresh Node process at the repository root (its own engine, so it
// can load a build or an entry this process has not); returns what it printed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `script` with `flags` before it (e.g. '--experimental-wasm-relaxed-simd'). */
export function runModule(script: string, flags: readonly string[] = []): string {
  return execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script],
    { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

/** This process's wasm feature flags, for a child that must pick the same build. */
export const wasmFlags = (): string[] => process.execArgv.filter((a) => a.startsWith('--experimental-wasm'));
